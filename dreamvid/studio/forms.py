"""The page's settings form to the library's settings classes, and back.

The form is a flat mapping of field name to text, as the browser sends it. `look_from_form` builds
the same frozen settings the CLI builds (so the same validation and the same messages), turning
text into numbers with a one-line message naming the field. A `FieldError` knows which field
caused it, so the page can show the line beside it. `command_line` prints the equivalent `dreamvid`
command; `form_from_provenance` turns the settings a dreamvid output carries back into a form.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dreamvid.errors import DreamvidError
from dreamvid.settings import (
    CoherenceSettings,
    DreamSettings,
    LayerTerm,
    StyleSettings,
    VideoSettings,
    ZoomRenderSettings,
    ZoomSettings,
)

EFFECTS = ("dream", "style", "both")
OUTPUTS = ("still", "zoom")  # what a still renders to; a clip always renders to a clip
VARIED = ("layers", "step_size", "steps", "seed", "style_weight")
MAX_VARIANTS = 4
PREVIEW_SIDE = 320
RENDER_SIDE = {"video": 640, "still": 512, "zoom": 512}  # the CLI's own --max-side defaults

_DREAM = DreamSettings()
_COHERENCE = CoherenceSettings()
_ZOOM = ZoomSettings()
_STYLE_FIELDS = {field.name: field.default for field in dataclasses.fields(StyleSettings)}

# Form field -> its label in messages (the settings' own wording) and its default, as the page shows it.
FIELDS: dict[str, tuple[str, Any]] = {
    "effect": ("effect", "dream"),
    "model": ("model", _DREAM.model),
    "layers": ("layer", ""),
    "loss": ("loss", _DREAM.loss),
    "octaves": ("octaves", _DREAM.octaves),
    "octave_scale": ("octave scale", _DREAM.octave_scale),
    "steps": ("steps", _DREAM.steps),
    "step_size": ("step size", _DREAM.step_size),
    "seed": ("seed", _DREAM.seed),
    "tv_weight": ("tv weight", _DREAM.tv_weight),
    "preview_side": ("preview size", PREVIEW_SIDE),
    "max_side": ("max side", ""),
    "style": ("style image", ""),
    "style_weight": ("style weight", _STYLE_FIELDS["style_weight"]),
    "content_weight": ("content weight", _STYLE_FIELDS["content_weight"]),
    "style_scale": ("style scale", _STYLE_FIELDS["style_scale"]),
    "style_steps": ("style steps", _STYLE_FIELDS["steps"]),
    "blend": ("blend", _COHERENCE.blend),
    "steps_next": ("steps for later frames", _COHERENCE.steps_next),
    "octaves_next": ("octaves for later frames", _COHERENCE.octaves_next),
    "dream_scale": ("dream scale", _COHERENCE.dream_scale),
    "redream": ("re-dream", "on"),
    "independent": ("independent", ""),
    "start": ("start", 0.0),
    "end": ("end", ""),
    "frames": ("frames", ""),
    "audio": ("audio", "on"),
    "output": ("output", "still"),
    "zoom": ("zoom", _ZOOM.zoom),
    "rotate": ("rotation", _ZOOM.rotate),
    "zoom_frames": ("an animation", 50),
    "fps": ("fps", _ZOOM.fps),
    "zoom_steps": ("zoom steps for later frames", _ZOOM.steps_next),
    "loop": ("loop", ""),
    "pan": ("pan", "0,0"),
    "center": ("center", "0.5,0.5"),
    "layer_cycle": ("layer cycle", ""),
    "cycle_seconds": ("cycle seconds", 6.0),
    "schedule": ("schedule", ""),
    "soundtrack": ("soundtrack", ""),
    "frame": ("frame", 0),
    "vary": ("variants", "layers"),
    "values": ("values", ""),
}


class FieldError(DreamvidError):
    """A bad value, with the form field it came from (None: not one field's fault)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def field_of(message: str) -> str | None:
    """The form field a settings message is about: the settings name the field first ("steps must be
    positive, got 0"), so the longest field label the message starts with."""
    matches = [(len(label), name) for name, (label, _) in FIELDS.items()
               if message.startswith(label + " ") or message.startswith(f"cannot read {label} ")]
    if message.startswith("unknown model"):
        return "model"
    if message.startswith(("cannot read layer", "unknown layer", "layer ", "channel")):
        return "layers"
    return max(matches)[1] if matches else None


@dataclass(frozen=True)
class Look:
    """What the form asks for: the input, the settings of its render and of its previews."""

    source: str  # the page's name of the input (`upload:NAME` or `folder:NAME`)
    kind: str  # "image" or "video"
    output: str  # "video", "still" or "zoom": what Render makes
    video: VideoSettings  # dream, coherence, clip selection and style of the render
    zoom: ZoomRenderSettings | None  # the zoom's camera, timing and layer cycle (a still rendered as a zoom)
    preview_side: int
    frame: int  # the frame of a clip the previews dream

    @property
    def dream(self) -> DreamSettings:
        return self.video.dream

    @property
    def style(self) -> StyleSettings | None:
        return self.video.style

    def preview(self) -> VideoSettings:
        """The render's settings at preview size (never larger than the render)."""
        side = min(self.preview_side, self.dream.max_side or self.preview_side)
        return dataclasses.replace(self.video, dream=dataclasses.replace(self.dream, max_side=side))


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return "" if value is None else str(value).strip()


def _number(form: Mapping[str, Any], name: str, kind: Callable[[str], Any], optional: bool = False) -> Any:
    text = _text(form, name)
    label = FIELDS[name][0]
    if not text:
        if optional:
            return None
        default = FIELDS[name][1]
        return kind(default)
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise FieldError(f"{label} must be {what}, got {text!r}", name) from None


def _flag(form: Mapping[str, Any], name: str) -> bool:
    """A checkbox: "on" (or true, 1, yes) is ticked; a field the form leaves out takes its default."""
    text = _text(form, name).lower() if name in form else str(FIELDS[name][1])
    return text in ("on", "true", "1", "yes")


def _choice(form: Mapping[str, Any], name: str, options: tuple[str, ...]) -> str:
    value = _text(form, name) or FIELDS[name][1]
    if value not in options:
        raise FieldError(f"unknown {FIELDS[name][0]} {value!r}: choose one of {', '.join(options)}", name)
    return value


def parse_layers(text: str) -> tuple[LayerTerm, ...]:
    """`block4_conv3=1, block5_conv1=0.5` (commas or new lines between terms) as the objective's terms."""
    return tuple(LayerTerm.parse(spec) for spec in text.replace("\n", ",").split(",") if spec.strip())


def settings_errors(build: Callable[[], Any]) -> Any:
    """Run a settings constructor; its DreamvidError comes back as a FieldError naming the field."""
    try:
        return build()
    except FieldError:
        raise
    except DreamvidError as error:
        raise FieldError(str(error), field_of(str(error))) from None


PathOf = Callable[[str, str, str], str]  # (the page's name of a file, its field, the kind it must be) -> its path


def look_from_form(form: Mapping[str, Any], kind: str, path_of: PathOf | None = None) -> Look:
    """The settings the form asks for, validated by the settings classes themselves.

    `kind` is the input's ("image" or "video"); `path_of` turns the page's name of a style image, a
    schedule or a soundtrack into its path on disk (the store checks it).
    """
    return settings_errors(lambda: _look(form, kind, path_of or (lambda name, field, kind: name)))


def _look(form: Mapping[str, Any], kind: str, path_of: PathOf) -> Look:
    """Text to numbers here; the settings themselves are built by the library's own builders
    (`dreamvid.api.video_settings`, `zoom_settings`), as the command line builds them."""
    from dreamvid import api

    effect = _choice(form, "effect", EFFECTS)
    output = "video" if kind == "video" else _choice(form, "output", OUTPUTS)
    layers = parse_layers(_text(form, "layers"))
    if effect == "style":
        layers = ()  # style alone: no dream term (with layers given, the dream mixes in: "both")
    elif effect == "both" and not layers:
        raise FieldError("style and dream together need the dream's layers", "layers")
    max_side = _number(form, "max_side", int, optional=True)
    dream = {
        "model": _text(form, "model") or _DREAM.model, "layers": layers, "loss": _text(form, "loss") or _DREAM.loss,
        "octaves": _number(form, "octaves", int), "octave_scale": _number(form, "octave_scale", float),
        "steps": _number(form, "steps", int), "step_size": _number(form, "step_size", float),
        "seed": _number(form, "seed", int), "tv_weight": _number(form, "tv_weight", float),
        "max_side": RENDER_SIDE[output] if max_side is None else max_side,  # 0 keeps the size
    }
    style: dict[str, Any] = {}
    if effect in ("style", "both"):
        reference = _text(form, "style")
        if not reference:
            raise FieldError("style transfer needs a style image: upload one or pick one from the folder", "style")
        style = {"style": path_of(reference, "style", "image"),
                 "style_weight": _number(form, "style_weight", float),
                 "content_weight": _number(form, "content_weight", float),
                 "style_scale": _number(form, "style_scale", float), "style_steps": _number(form, "style_steps", int)}
    schedule = path_of(_text(form, "schedule"), "schedule", "schedule") if _text(form, "schedule") else None
    soundtrack = path_of(_text(form, "soundtrack"), "soundtrack", "audio") if _text(form, "soundtrack") else None
    clip_files = {"schedule": schedule, "soundtrack": soundtrack} if output == "video" else {}
    video = api.video_settings(
        **dream, **style, **clip_files, blend=_number(form, "blend", float), steps_next=_number(form, "steps_next", int),
        octaves_next=_number(form, "octaves_next", int), dream_scale=_number(form, "dream_scale", float),
        independent=_flag(form, "independent"), redream=_flag(form, "redream"),
        start=_number(form, "start", float), end=_number(form, "end", float, optional=True),
        frames=_number(form, "frames", int, optional=True), audio=_flag(form, "audio"))
    zoom = None
    if output == "zoom":
        zoom = api.zoom_settings(
            dream=video.dream, **style, frames=_number(form, "zoom_frames", int), fps=_number(form, "fps", float),
            zoom=_text(form, "zoom") or str(FIELDS["zoom"][1]), rotate=_number(form, "rotate", float),
            pan=_text(form, "pan") or "0,0", center=_text(form, "center") or "0.5,0.5",
            steps_next=_number(form, "zoom_steps", int), loop=_flag(form, "loop"),
            layer_cycle=_text(form, "layer_cycle") or None, cycle_seconds=_number(form, "cycle_seconds", float),
            schedule=schedule, soundtrack=soundtrack)
    preview_side = _number(form, "preview_side", int)
    if preview_side < 32:
        raise FieldError(f"preview size must be at least 32 px, got {preview_side}", "preview_side")
    frame = _number(form, "frame", int) if _text(form, "frame") else 0
    return Look(_text(form, "source"), kind, output, video, zoom, preview_side, max(frame, 0))


def variant_forms(form: Mapping[str, Any], varied: str, values: str) -> list[tuple[str, dict]]:
    """Up to four forms that differ from `form` in one field, each with its label ("layer conv_a")."""
    if varied not in VARIED:
        raise FieldError(f"variants vary one of {', '.join(VARIED)}, not {varied!r}", "vary")
    if varied == "layers":  # one variant a line (or between semicolons); one term each when on one line
        entries = [line.strip() for line in values.replace(";", "\n").split("\n") if line.strip()]
        if len(entries) == 1:
            entries = [part.strip() for part in entries[0].split(",") if part.strip()]
    else:
        entries = [part.strip() for part in values.split(",") if part.strip()]
    if not entries:
        raise FieldError("give the values to compare, e.g. 2, 4, 8 (one per variant)", "values")
    if len(entries) > MAX_VARIANTS:
        raise FieldError(f"at most {MAX_VARIANTS} variants at a time, got {len(entries)}", "values")
    label = FIELDS[varied][0]
    return [(f"{label} {entry}", {**form, varied: entry}) for entry in entries]


def command_line(look: Look, source_path: str, output: str = "dreamed") -> str:
    """The `dreamvid` command that renders what the form asks for."""
    dream, style = look.dream, look.style
    command = {"video": "video", "still": "image", "zoom": "zoom"}[look.output]
    suffix = ".png" if look.output == "still" else ".mp4"
    words = ["dreamvid", command, source_path, "-o", output + suffix]

    def option(name: str, value: Any, default: Any) -> None:
        if value != default:
            words.extend([name, f"{value:g}" if isinstance(value, float) else str(value)])

    option("--model", dream.model, _DREAM.model)
    for term in dream.layers:
        words.extend(["--layer", str(term)])
    option("--loss", dream.loss, _DREAM.loss)
    option("--octaves", dream.octaves, _DREAM.octaves)
    option("--octave-scale", dream.octave_scale, _DREAM.octave_scale)
    option("--steps", dream.steps, _DREAM.steps)
    option("--step-size", dream.step_size, _DREAM.step_size)
    option("--max-side", dream.max_side or 0, RENDER_SIDE[look.output])
    option("--seed", dream.seed, _DREAM.seed)
    option("--tv-weight", dream.tv_weight, _DREAM.tv_weight)
    if style is not None:
        for path, weight in style.styles:
            words.extend(["--style", path if weight == 1.0 else f"{path}={weight:g}"])
        option("--style-weight", style.style_weight, _STYLE_FIELDS["style_weight"])
        option("--content-weight", style.content_weight, _STYLE_FIELDS["content_weight"])
        option("--style-scale", style.style_scale, _STYLE_FIELDS["style_scale"])
        option("--style-steps", style.steps, _STYLE_FIELDS["steps"])
    if look.output == "video":
        video, coherence = look.video, look.video.coherence
        option("--start", video.start, 0.0)
        option("--end", video.end, None)
        option("--frames", video.frames, None)
        if not video.audio:
            words.append("--no-audio")
        option("--blend", coherence.blend, _COHERENCE.blend)
        option("--steps-next", coherence.steps_next, _COHERENCE.steps_next)
        option("--octaves-next", coherence.octaves_next, _COHERENCE.octaves_next)
        option("--dream-scale", coherence.dream_scale, _COHERENCE.dream_scale)
        if not coherence.coherent:
            words.append("--independent")
        if coherence.redream is None and style is None:
            words.append("--no-redream")
        if video.schedule:
            words.extend(["--schedule", video.schedule])
        if video.soundtrack:
            words.extend(["--audio", video.soundtrack])
    elif look.zoom is not None:
        zoom = look.zoom.zoom
        words.extend(["--frames", str(zoom.frames)])
        option("--fps", zoom.fps, _ZOOM.fps)
        option("--zoom", zoom.zoom, _ZOOM.zoom)
        option("--rotate", zoom.rotate, _ZOOM.rotate)
        option("--steps-next", zoom.steps_next, _ZOOM.steps_next)
        if zoom.pan != _ZOOM.pan:
            words.extend(["--pan", ",".join(f"{value:g}" for value in zoom.pan)])
        if zoom.center != _ZOOM.center:
            words.extend(["--center", ",".join(f"{value:g}" for value in zoom.center)])
        if zoom.loop:
            words.append("--loop")
        if look.zoom.layer_cycle:
            words.extend(["--layer-cycle", ",".join(look.zoom.layer_cycle)])
            option("--cycle-seconds", look.zoom.cycle_seconds, 6.0)
        if look.zoom.schedule:
            words.extend(["--schedule", look.zoom.schedule])
        if zoom.soundtrack:
            words.extend(["--audio", zoom.soundtrack])
    return shlex.join(words)


def form_from_provenance(provenance: Mapping[str, Any]) -> dict[str, str]:
    """The form fields of the settings a dreamvid output carries (`read_settings`'s answer)."""
    command = provenance.get("command")
    settings = provenance.get("settings") or {}
    if command not in ("image", "video", "zoom") or not isinstance(settings, dict):
        raise DreamvidError("the file carries settings of no command the studio knows")
    dream = settings.get("dream") or {}
    form: dict[str, str] = {}
    for name in ("model", "loss", "octaves", "octave_scale", "steps", "step_size", "seed", "tv_weight"):
        if dream.get(name) is not None:
            form[name] = f"{dream[name]:g}" if isinstance(dream[name], float) else str(dream[name])
    terms = [LayerTerm(term["layer"], float(term.get("weight", 1.0)), term.get("channel"))
             for term in dream.get("layers") or ()]
    form["layers"] = ", ".join(str(term) for term in terms)
    form["max_side"] = str(dream.get("max_side") or 0)
    style = settings.get("style")
    form["effect"] = ("both" if terms else "style") if style else "dream"
    if style:
        for name, key in (("style_weight", "style_weight"), ("content_weight", "content_weight"),
                          ("style_scale", "style_scale"), ("style_steps", "steps")):
            if style.get(key) is not None:
                form[name] = f"{style[key]:g}"
    coherence = settings.get("coherence")
    if command == "video" and isinstance(coherence, dict):
        for name in ("blend", "steps_next", "octaves_next", "dream_scale"):
            if coherence.get(name) is not None:
                form[name] = f"{coherence[name]:g}"
        form["independent"] = "" if coherence.get("coherent", True) else "on"
        form["redream"] = "on" if coherence.get("redream") else ""
        form["audio"] = "on" if settings.get("audio", True) else ""
        for name in ("start", "end", "frames"):
            form[name] = "" if settings.get(name) is None else f"{settings[name]:g}"
    zoom = settings.get("zoom")
    if command == "zoom" and isinstance(zoom, dict):
        form["output"] = "zoom"
        form.update({"pan": ",".join(f"{value:g}" for value in zoom.get("pan", (0, 0))),
                     "center": ",".join(f"{value:g}" for value in zoom.get("center", (0.5, 0.5))),
                     "zoom_frames": str(zoom.get("frames", 50)), "fps": f"{zoom.get('fps', 25):g}",
                     "zoom": f"{zoom.get('zoom', 1.25):g}", "rotate": f"{zoom.get('rotate', 0):g}",
                     "zoom_steps": str(zoom.get("steps_next", 3)), "loop": "on" if zoom.get("loop") else ""})
    elif command == "image":
        form["output"] = "still"
    return form
