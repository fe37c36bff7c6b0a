"""The library in a few calls: dream an image or a stream of frames, render a video or a zoom.

    import dreamvid
    dreamed = dreamvid.dream_image(pixels, steps=5)                 # uint8 array in, uint8 array out
    dreamvid.dream_image("photo.jpg", "dream.png", max_side=512)     # a path in, the file written
    for frame in dreamvid.dream_frames(frames, dream_scale=0.5):    # any iterable of RGB frames
        ...
    dreamvid.render_video("clip.mp4", "out.mp4", dreamvid.video_settings(frames=50, max_side=320))
    dreamvid.render_zoom("photo.jpg", "zoom.mp4", dreamvid.zoom_settings(seconds=4, zoom="1.25", loop=True))

Options are the fields of the settings classes (`DreamSettings`: model, layers, steps, seed, ...;
`CoherenceSettings`: blend, steps_next, dream_scale, ...; `ZoomSettings`: fps, zoom, rotate, loop, ...)
and what the command line offers beside them (`style`, `independent`, `seconds`, `schedule`, ...).
Layers may be given as strings ("block4_conv3=1.0"), styles as paths ("starry.jpg" or "starry.jpg=0.5").
`render_video` and `render_zoom` make the same file as `dreamvid video` and `dreamvid zoom` with the same
options. Each call loads the model; pass `effect=` (from `make_effect`) to `dream_image`, `dream_frames` or
`render_video` to reuse one across calls.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.settings import (
    VIDEO_MAX_SIDE,
    ZOOM_MAX_SIDE,
    CoherenceSettings,
    DreamSettings,
    EncodeSettings,
    LayerTerm,
    RedreamSettings,
    StyleSettings,
    VideoSettings,
    ZoomRenderSettings,
    ZoomSettings,
    frame_count,
    parse_pair,
    parse_style,
    parse_zoom,
)

if TYPE_CHECKING:
    from dreamvid.effect import Effect
    from dreamvid.events import RenderProgress
    from dreamvid.render.ray import RaySettings
    from dreamvid.render.report import RenderSummary


def _names(cls: type) -> set[str]:
    return {item.name for item in dataclasses.fields(cls)}


_DREAM_FIELDS = _names(DreamSettings)
_COHERENCE_FIELDS = _names(CoherenceSettings)
_VIDEO_FIELDS = {"start", "end", "frames", "audio", "soundtrack", "schedule"}
_ZOOM_FIELDS = _names(ZoomSettings)
# style options as the command line names them, and the StyleSettings field each sets
_STYLE_OPTIONS = {"style_weight": "style_weight", "content_weight": "content_weight", "style_scale": "style_scale",
                  "style_steps": "steps"}


def _take(options: dict, names: Iterable[str]) -> dict:
    return {name: options.pop(name) for name in list(options) if name in set(names)}


def _check_known(options: dict, allowed: set[str]) -> None:
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise DreamvidError(f"unknown option {', '.join(unknown)}; options: {', '.join(sorted(allowed))}")


def dream_settings(**options: Any) -> DreamSettings:
    """DreamSettings from plain options; layers may be strings ("block4_conv3=1.0")."""
    _check_known(options, _DREAM_FIELDS)
    if options.get("max_side") == 0:
        options["max_side"] = None  # 0 keeps the size, as on the command line
    if "layers" in options:
        layers = options["layers"]
        layers = [layers] if isinstance(layers, (str, LayerTerm)) else layers
        options["layers"] = tuple(LayerTerm.parse(term) if isinstance(term, str) else term for term in layers)
    return DreamSettings(**options)


def style_settings(style: StyleSettings | str | os.PathLike | Iterable[str | os.PathLike] | None,
                   dream: DreamSettings, **options: Any) -> StyleSettings | None:
    """The style transfer of `style` (None: none): style images as paths, `PATH=WEIGHT` to mix several,
    each checked to be a readable file before TensorFlow starts; `options` as the command line's
    (style_weight, content_weight, style_scale, style_steps)."""
    _check_known(options, set(_STYLE_OPTIONS))
    if style is None or isinstance(style, StyleSettings):
        if options and style is None:
            raise DreamvidError(f"{', '.join(sorted(options))} need a style image (style=...)")
        return dataclasses.replace(style, **{_STYLE_OPTIONS[key]: value for key, value in options.items()}) \
            if style is not None and options else style
    from dreamvid.io.paths import check_input_file

    texts = [style] if isinstance(style, (str, os.PathLike)) else list(style)
    if not texts:
        return None
    styles = tuple(parse_style(os.fspath(text)) for text in texts)
    for path, _ in styles:
        check_input_file(path)
    return StyleSettings(styles=styles, model=dream.model, weights=dream.weights,
                         **{_STYLE_OPTIONS[key]: value for key, value in options.items()})


def video_settings(*, dream: DreamSettings | None = None, style: Any = None, independent: bool = False,
                   redream: bool = True, **options: Any) -> VideoSettings:
    """VideoSettings from plain options, as `dreamvid video` builds them.

    Options: DreamSettings (max_side defaults to 640, as on the command line), CoherenceSettings and
    VideoSettings fields (start, end, frames, audio, soundtrack: a sound file instead of the clip's own,
    schedule: a keyframe file), the
    style options of `style_settings`; `independent` dreams every frame on its own, `redream=False`
    does not re-dream regions the carried dream leaves short. With a style, coherence is the style's
    (`CoherenceSettings.for_style`).
    """
    _check_known(options, _DREAM_FIELDS | _COHERENCE_FIELDS | _VIDEO_FIELDS | set(_STYLE_OPTIONS))
    video = _take(options, _VIDEO_FIELDS)
    for name in ("soundtrack", "schedule"):
        if video.get(name) is not None:
            video[name] = os.fspath(video[name])
    coherence = _take(options, _COHERENCE_FIELDS)
    style_options = _take(options, _STYLE_OPTIONS)
    if dream is None:
        dream = dream_settings(**{"max_side": VIDEO_MAX_SIDE, **options})
    elif options:
        raise DreamvidError(f"give dream options ({', '.join(sorted(options))}) or dream=, not both")
    coherence.setdefault("coherent", not independent)
    coherence.setdefault("redream", RedreamSettings() if redream else None)
    coherence_settings = CoherenceSettings(**coherence)
    styled = style_settings(style, dream, **style_options)
    if styled is not None:
        coherence_settings = coherence_settings.for_style()
    return VideoSettings(dream=dream, coherence=coherence_settings, style=styled, **video)


def zoom_settings(*, dream: DreamSettings | None = None, style: Any = None, seconds: float | None = None,
                  schedule: str | os.PathLike | None = None, layer_cycle: str | Iterable[str] | None = None,
                  cycle_seconds: float = 6.0, **options: Any) -> ZoomRenderSettings:
    """ZoomRenderSettings from plain options, as `dreamvid zoom` builds them.

    Options: DreamSettings (max_side defaults to 512, as on the command line) and ZoomSettings fields,
    `seconds` instead of `frames` (default 4 s), `zoom`
    per second (1.25) or as text ("1.25/s", "1.02/frame"), `pan` and `center` as pairs or "X,Y", a
    `schedule` file or a `layer_cycle` ("block3_conv3,block4_conv3" or a list), the style options of
    `style_settings`; a `soundtrack` (a sound file: the output's audio and the schedule's audio
    variables) sets the length when neither `frames` nor `seconds` does.
    """
    _check_known(options, _DREAM_FIELDS | _ZOOM_FIELDS | set(_STYLE_OPTIONS))
    zoom = _take(options, _ZOOM_FIELDS)
    style_options = _take(options, _STYLE_OPTIONS)
    if dream is None:
        dream = dream_settings(**{"max_side": ZOOM_MAX_SIDE, **options})
    elif options:
        raise DreamvidError(f"give dream options ({', '.join(sorted(options))}) or dream=, not both")
    fps = zoom.get("fps", ZoomSettings.fps)
    if zoom.get("soundtrack") is not None:
        zoom["soundtrack"] = os.fspath(zoom["soundtrack"])
        if zoom.get("frames") is None and seconds is None:
            from dreamvid.audio.decode import decode_audio

            seconds = decode_audio(zoom["soundtrack"], 8000).duration
    zoom["frames"] = frame_count(zoom.get("frames"), seconds, fps)
    zoom["zoom"] = parse_zoom(zoom.get("zoom", ZoomSettings.zoom), fps)
    for name in ("pan", "center"):
        if name in zoom:
            zoom[name] = parse_pair(name, zoom[name])
    if isinstance(layer_cycle, str):
        layer_cycle = [name.strip() for name in layer_cycle.split(",")]
    return ZoomRenderSettings(dream=dream, zoom=ZoomSettings(**zoom), style=style_settings(style, dream, **style_options),
                              schedule=os.fspath(schedule) if schedule is not None else None,
                              layer_cycle=tuple(name for name in layer_cycle or () if name),
                              cycle_seconds=cycle_seconds)


def render_video(source: str | os.PathLike, output: str | os.PathLike, settings: VideoSettings | None = None, *,
                 resume: bool = False, overwrite: bool = False, encode: EncodeSettings | None = None,
                 report: str | os.PathLike | None = None, on_progress: RenderProgress | None = None,
                 ray: RaySettings | None = None, effect: Effect | None = None, **options: Any) -> RenderSummary:
    """Dream a clip into `output` as `dreamvid video` does (settings, or options for `video_settings`).

    Inputs and outputs are checked before the model loads; an existing output (or report) is kept
    unless `overwrite`; `resume` continues an interrupted render of the same output; `ray` dreams
    segments on Ray workers; `report` writes a JSON report with the render's figures. `effect` (from
    `make_effect` with the same options) is used instead of loading the model again; Ray workers and a
    schedule build their own, so it is refused with either.
    """
    from dreamvid.dream.models import check_layers
    from dreamvid.factory import effect_for_video
    from dreamvid.io.paths import check_outputs
    from dreamvid.render.report import write_report
    from dreamvid.render.video import render_video as render

    if settings is None:
        settings = video_settings(**options)
    elif options:
        raise DreamvidError(f"give settings or options ({', '.join(sorted(options))}), not both")
    if effect is not None and ray is not None:
        raise DreamvidError("effect= cannot be used with ray (each worker builds its own)")
    if effect is not None and settings.schedule is not None:
        raise DreamvidError("effect= cannot be used with a schedule (the effect is built for it)")
    check_layers(settings.dream.model, settings.dream.layers, settings.dream.loss, settings.dream.weights)
    output = check_outputs(source, output, report, overwrite, inputs=settings.input_paths())
    schedule = None
    if settings.schedule is not None:
        from dreamvid.render.video import bound_video_schedule
        from dreamvid.zoom.schedule import load_schedule

        schedule = bound_video_schedule(source, settings, load_schedule(settings.schedule))
        if schedule.layer_names:
            scheduled = tuple(LayerTerm.parse(name) for name in schedule.layer_names)
            check_layers(settings.dream.model, settings.dream.layers + scheduled, settings.dream.loss,
                         settings.dream.weights)
    from dreamvid.measure.metrics import VideoFigures

    figures = VideoFigures() if report is not None and ray is None else None
    build = effect if effect is not None else functools.partial(effect_for_video, settings, schedule)
    summary = render(source, output, settings, build,
                     schedule=schedule, resume=resume, overwrite=overwrite, encode=encode, on_progress=on_progress,
                     ray=ray, figures=figures)
    if report is not None:
        measured = figures.as_dict() if figures is not None else {"not_measured": "frames dreamed on Ray workers"}
        write_report(report, summary, settings, settings.dream.model, figures=measured)
    return summary


def render_zoom(source: str | os.PathLike, output: str | os.PathLike, settings: ZoomRenderSettings | None = None, *,
                resume: bool = False, overwrite: bool = False, encode: EncodeSettings | None = None,
                report: str | os.PathLike | None = None, on_progress: RenderProgress | None = None,
                **options: Any) -> RenderSummary:
    """Dream an infinite zoom of a still into `output` as `dreamvid zoom` does (settings, or options for
    `zoom_settings`); its schedule is loaded and checked at every frame before the model loads."""
    from dreamvid.dream.models import check_layers
    from dreamvid.factory import effect_for_zoom
    from dreamvid.io.paths import check_outputs
    from dreamvid.measure.metrics import loop_figures
    from dreamvid.render.report import write_report
    from dreamvid.render.zoom import render_zoom as render
    from dreamvid.render.zoom import zoom_schedule

    if settings is None:
        settings = zoom_settings(**options)
    elif options:
        raise DreamvidError(f"give settings or options ({', '.join(sorted(options))}), not both")
    check_layers(settings.dream.model, settings.dream.layers, settings.dream.loss, settings.dream.weights)
    schedule = zoom_schedule(settings)
    output = check_outputs(source, output, report, overwrite, inputs=settings.input_paths())
    summary = render(source, output, settings.dream, settings.zoom,
                     functools.partial(effect_for_zoom, settings.dream, settings.style, settings.zoom, schedule),
                     style=settings.style, schedule=schedule, resume=resume, overwrite=overwrite, encode=encode,
                     on_progress=on_progress)
    if report is not None:
        write_report(report, summary, {"dream": settings.dream, "zoom": settings.zoom}, settings.dream.model,
                     figures=loop_figures(summary.sharpness, settings.zoom.fade))
    return summary


def make_effect(**options: Any) -> Effect:
    """The effect for these options (`video_settings`' options: the dream, or style transfer with
    `style=`), model loaded and step traced, reusable across calls."""
    from dreamvid.factory import effect_for_video

    return effect_for_video(video_settings(**options))


def dream_image(image: np.ndarray | str | os.PathLike, output: str | os.PathLike | None = None, *,
                effect: Effect | None = None, **options: Any) -> np.ndarray | Path:
    """Dream one image; returns the input's kind.

    An array (H, W, 3) RGB in gives an array of the same dtype out (uint8 0..255, or float 0..255).
    A path in gives a uint8 array, or with `output` the written file's path (read and written
    like `dreamvid image`, alpha kept). `max_side` shrinks the input first.
    """
    from dreamvid.dream.memory import check_dream_memory
    from dreamvid.io.images import fit_max_side, fitted_size, read_image, to_uint8
    from dreamvid.io.provenance import settings_tags
    from dreamvid.render.still import dream_file

    settings = video_settings(**{"max_side": None, **options})  # a picture keeps its size unless asked
    dream = settings.dream
    build = effect if effect is not None else (lambda: make_effect(**options))
    if isinstance(image, (str, os.PathLike)):
        if output is not None:
            dream_file(image, output, build, seed=dream.seed, max_side=dream.max_side, inputs=settings.input_paths(),
                       tags=settings_tags("image", {"dream": dream, "style": settings.style}))
            return Path(output)
        image = to_uint8(read_image(image).rgb)
    pixels = np.asarray(image)
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise DreamvidError(f"expected an (H, W, 3) RGB image, got shape {pixels.shape}")
    check_dream_memory(*fitted_size(pixels.shape[1], pixels.shape[0], dream.max_side))  # before the model loads
    effect = build() if effect is None else effect
    result = effect.first(fit_max_side(pixels.astype(np.float32), dream.max_side), seed=dream.seed)
    if output is not None:
        from dreamvid.io.images import write_image

        write_image(output, result)
    return to_uint8(result) if pixels.dtype == np.uint8 else result.astype(pixels.dtype)


def dream_frames(frames: Iterable[np.ndarray], *, effect: Effect | None = None,
                 **options: Any) -> Iterator[np.ndarray]:
    """Dream a stream of RGB frames coherently (as `dreamvid video` does), yielding uint8 frames.

    Frames are read one at a time, so any iterable works, a generator of a live source included.
    """
    from dreamvid.video.coherence import Coherence
    from dreamvid.video.frames import video_frames

    settings = video_settings(**options)
    effect = effect if effect is not None else make_effect(**options)
    coherence = Coherence(effect, settings.coherence)
    for frame in video_frames(frames, coherence, seed=settings.dream.seed):
        yield frame.pixels
