"""What the studio does, as plain methods over the library (the web routes only call these).

Inputs are named as the page names them (`upload:NAME`, `folder:NAME`); results are files in the
studio's own folder under generated names. A preview is `dreamvid.api.dream_image` of the chosen
frame at preview size with the studio's loaded effect; a preview clip and a render go through the
library's one renderer (`render_video`, `render_zoom`), the render in the background queue.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from dreamvid.dream.models import ModelSpec
from dreamvid.errors import DreamvidError
from dreamvid.events import ProgressEvent, RenderEvent
from dreamvid.settings import DreamSettings, LayerTerm, VideoSettings, ZoomSettings
from dreamvid.studio.engine import Engine
from dreamvid.studio.forms import FIELDS, FieldError, Look, command_line, form_from_provenance, look_from_form, variant_forms
from dreamvid.studio.jobs import Job, RenderQueue
from dreamvid.studio.storage import Store, display_name, media_kind

CLIP_FRAMES = 12  # a preview clip: enough frames to judge flicker and motion
THUMB_SIDE = 128


@dataclasses.dataclass(frozen=True)
class Source:
    reference: str
    path: Path
    kind: str  # "image" or "video"
    name: str  # as shown
    width: int
    height: int
    frames: int
    fps: float

    def as_dict(self) -> dict:
        return {"source": self.reference, "kind": self.kind, "name": self.name, "width": self.width,
                "height": self.height, "frames": self.frames, "fps": self.fps}


class Studio:
    """The studio: its store (FOLDER and its own folder), its engine (the loaded model) and its renders."""

    def __init__(self, root: str | os.PathLike, folder: str | os.PathLike | None = None, *,
                 models: Mapping[str, ModelSpec] | None = None, max_upload_mb: float = 500) -> None:
        self.store = Store(root, folder, max_upload_mb)
        self.engine = Engine(models)
        self._sources: dict[str, Source] = {}
        self._frames: dict[tuple, np.ndarray] = {}
        self._names: dict[str, str] = {}  # stored upload -> the client's name, for messages
        self._lock = threading.Lock()
        self.jobs = RenderQueue(self.store.root / "renders", self._render)

    def close(self) -> None:
        self.jobs.close()

    def warm_up(self, model: str | None = None) -> None:
        """Load the model and build the default objective's step, so that the first preview is quick."""
        self.engine.dreamer(DreamSettings(model=model or next(iter(self.engine.models))))

    # Inputs

    def upload(self, client_name: str, chunks: Iterable[bytes]) -> dict:
        return self.describe_upload(self.store.save_upload(client_name, chunks), client_name)

    def describe_upload(self, path: Path, client_name: str) -> dict:
        """A stored upload's size (and a clip's frame count); a file that is not what its name says is
        refused with one line naming it, and not kept."""
        self._names[path.name] = display_name(client_name)
        try:
            return self.source(f"upload:{path.name}").as_dict()
        except DreamvidError as error:
            path.unlink(missing_ok=True)
            raise FieldError(str(error).replace(str(path), display_name(client_name)), "input") from None

    def folder(self) -> list[dict]:
        return [{"source": f"folder:{name}", "name": name, "kind": media_kind(name)} for name in self.store.folder_files()]

    def source(self, reference: str) -> Source:
        path = self.store.source(reference)
        key = f"{reference}:{path.stat().st_mtime_ns}"
        if key not in self._sources:
            kind = media_kind(path.name)
            name = self._names.get(path.name, path.name)
            if kind not in ("image", "video"):
                raise DreamvidError(f"{name!r} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} file, not an image or a clip "
                                   "to dream")
            if kind == "image":
                from dreamvid.io.images import read_image

                picture = read_image(path)
                width, height = picture.size
                self._sources[key] = Source(reference, path, kind, name, width, height, 1, 0.0)
            else:
                from dreamvid.io.video_reader import probe_video

                info = probe_video(path)
                self._sources[key] = Source(reference, path, kind, name, info.width, info.height,
                                            info.frame_count, float(info.fps))
        return self._sources[key]

    def frame(self, reference: str, index: int, side: int | None) -> np.ndarray:
        """Frame `index` of the input (a still's only picture), shrunk to `side`: uint8 RGB."""
        source = self.source(reference)
        index = min(max(int(index), 0), source.frames - 1)
        key = (reference, index, side)
        with self._lock:
            if key in self._frames:
                return self._frames[key]
        if source.kind == "image":
            from dreamvid.io.images import read_image, to_uint8

            pixels = to_uint8(read_image(source.path, side).rgb)
        else:
            from dreamvid.io.video_reader import open_video

            _, frames = open_video(source.path, start=clip_start(index, source.fps), frames=1, max_side=side)
            with frames:
                pixels = next(iter(frames), None)
            if pixels is None:
                raise DreamvidError(f"frame {index + 1} of {source.name} cannot be read")
        with self._lock:
            if len(self._frames) > 16:
                self._frames.clear()
            self._frames[key] = pixels
        return pixels

    # Settings

    def look(self, form: Mapping[str, object]) -> Look:
        """The form's settings, checked before any dream (layers against the model's too); with no model
        named, the first the studio offers."""
        if not form.get("model"):
            form = {**form, "model": next(iter(self.engine.models))}
        reference = str(form.get("source") or "")
        try:
            source = self.source(reference)
        except DreamvidError as error:
            raise FieldError(str(error), "input") from None

        def path_of(name: str, field: str, kind: str) -> str:  # a style image, a schedule or a soundtrack
            try:
                path = self.store.source(name)
            except DreamvidError as error:
                raise FieldError(str(error), field) from None
            if media_kind(path.name) != kind:
                raise FieldError(f"the {FIELDS[field][0]} must be a {kind} file, not {display_name(path.name)!r}", field)
            return str(path)

        look = look_from_form(form, source.kind, path_of)
        try:
            self.engine.check(look.dream)
        except DreamvidError as error:
            raise FieldError(str(error), "model" if "model" in str(error) else "layers") from None
        try:
            self.schedule(look) if look.output == "zoom" else self.video_schedule(look, look.video)
        except DreamvidError as error:
            cycled = look.zoom is not None and look.zoom.layer_cycle
            raise FieldError(str(error), "layer_cycle" if cycled else "schedule") from None
        return look

    def video_schedule(self, look: Look, settings: VideoSettings):
        """A clip's schedule file bound to the frames `settings` select, as the library binds it (the
        frame rate, the soundtrack's or the clip's own sound for its audio variables); layers checked."""
        if look.output != "video" or not settings.schedule:
            return None
        from dreamvid.render.video import bound_video_schedule
        from dreamvid.zoom.schedule import load_schedule

        keyframes = bound_video_schedule(self.source(look.source).path, settings, load_schedule(settings.schedule))
        self.engine.check(settings.dream, self.engine.schedule_terms(settings.dream, keyframes))
        return keyframes

    def schedule(self, look: Look, zoom: ZoomSettings | None = None):
        """A zoom's schedule (its file, or its layer cycle) as the library binds it to the zoom (`zoom`: another
        length, e.g. a preview clip's): the frame rate, a soundtrack's values for its audio variables, every
        key checked at every frame; its layers checked against the model."""
        if look.zoom is None or not (look.zoom.layer_cycle or look.zoom.schedule):
            return None
        from dreamvid.render.zoom import bound_zoom_schedule
        from dreamvid.zoom.schedule import DREAM_KEYS, layer_cycle_schedule, load_schedule

        if look.zoom.layer_cycle:
            keyframes = layer_cycle_schedule(list(look.zoom.layer_cycle), look.zoom.cycle_seconds)
        else:
            keyframes = load_schedule(look.zoom.schedule)
        keyframes = bound_zoom_schedule(keyframes, zoom or look.zoom.zoom)
        if look.style is not None and any(key in DREAM_KEYS for key in keyframes.keys):
            raise DreamvidError("a style zoom has no dream layers or step size to schedule; clear the layer cycle "
                                "or choose a schedule that moves only the camera")
        self.engine.check(look.dream, self.engine.schedule_terms(look.dream, keyframes))
        return keyframes

    def command(self, form: Mapping[str, object]) -> str:
        look = self.look(form)
        return command_line(look, str(self.source(look.source).path))

    def settings_from(self, client_name: str, chunks: Iterable[bytes]) -> dict:
        return self.settings_of(self.store.save_upload(client_name, chunks), client_name)

    def settings_of(self, path: Path, client_name: str) -> dict:
        """The form fields of the settings a dropped dreamvid output carries (the file is not kept)."""
        from dreamvid.io.provenance import read_settings

        try:
            return form_from_provenance(read_settings(path))
        except DreamvidError as error:
            raise FieldError(str(error).replace(str(path), display_name(client_name)), "drop") from None
        finally:
            path.unlink(missing_ok=True)

    # Previews

    def preview(self, form: Mapping[str, object], label: str = "") -> dict:
        """The chosen frame dreamed at preview size: the written PNG's name and the seconds it took."""
        look = self.look(form)
        return self._preview(look, label)

    def _preview(self, look: Look, label: str) -> dict:
        from dreamvid.api import dream_image
        from dreamvid.io.images import write_image
        from dreamvid.io.provenance import settings_tags

        settings = look.preview()
        started = time.perf_counter()
        pixels = self.frame(look.source, look.frame, settings.dream.max_side)
        effect = self.engine.video_effect(settings)
        dreamed = dream_image(pixels, effect=effect, max_side=settings.dream.max_side, seed=settings.dream.seed)
        seconds = time.perf_counter() - started
        path = self.store.new_path("previews", ".png")
        write_image(path, dreamed.astype(np.float32),
                    text=settings_tags("image", {"dream": settings.dream, "style": settings.style}))
        return {"image": path.name, "label": label, "seconds": round(seconds, 3),
                "command": command_line(look, str(self.source(look.source).path))}

    def variants(self, form: Mapping[str, object], varied: str, values: str) -> list[dict]:
        """Up to four previews differing in one setting, each labelled; all checked before the first dream."""
        looks = [(label, self.look(variant)) for label, variant in variant_forms(form, varied, values)]
        return [self._preview(look, label) for label, look in looks]

    def clip(self, form: Mapping[str, object]) -> dict:
        """A short coherent clip at preview size from the chosen frame on (a clip's frames, or a zoom's)."""
        look = self.look(form)
        output = self.store.new_path("previews", ".mp4")
        settings = look.preview()
        started = time.perf_counter()
        if look.output == "video":
            from dreamvid.render.video import render_video

            source = self.source(look.source)
            settings = dataclasses.replace(settings, start=clip_start(look.frame, source.fps), end=None,
                                           frames=CLIP_FRAMES)
            schedule = self.video_schedule(look, settings)
            summary = render_video(source.path, output, settings, self.engine.video_effect(settings, schedule),
                                   schedule=schedule, overwrite=False)
        elif look.output == "zoom":
            from dreamvid.render.zoom import render_zoom

            zoom = dataclasses.replace(look.zoom.zoom, frames=CLIP_FRAMES, loop=False)
            schedule = self.schedule(look, zoom)
            summary = render_zoom(self.source(look.source).path, output, settings.dream, zoom,
                                  self.engine.zoom_effect(settings.dream, zoom, settings.style, schedule),
                                  schedule=schedule, style=settings.style, overwrite=False)
        else:
            raise FieldError("a preview clip needs a clip, or a still rendered as a zoom", "output")
        return {"video": output.name, "frames": summary.frames, "seconds": round(time.perf_counter() - started, 3)}

    def thumbnail(self, model: str, layer: str) -> Path:
        """What a layer tends to dream, on a fixed grey texture: made once, then kept in the studio's folder."""
        names = [name for name, _ in self.engine.layers(model)]
        if layer not in names:
            raise DreamvidError(f"unknown layer {layer[:60]!r} of {model}: choose one of {', '.join(names)}")
        digest = hashlib.md5(f"{model}/{layer}".encode()).hexdigest()
        path = self.store.path("thumbs", f"{digest}.png")
        if not path.exists():
            from dreamvid.api import dream_image
            from dreamvid.io.images import write_image

            dream = DreamSettings(model=model, layers=(LayerTerm(layer),), octaves=3, steps=8, max_side=THUMB_SIDE)
            effect = self.engine.video_effect(_still_settings(dream))
            pixels = dream_image(thumbnail_texture(), effect=effect, max_side=THUMB_SIDE)
            write_image(path, pixels)
        return path

    # Renders

    def render(self, form: Mapping[str, object]) -> Job:
        look = self.look(form)
        source = self.source(look.source)
        job_id = secrets.token_hex(16)
        suffix = ".png" if look.output == "still" else ".mp4"
        output = self.store.path("renders", job_id + suffix)
        label = f"{source.name} ({look.output}, {look.dream.max_side or 'full'} px)"
        return self.jobs.submit(Job(job_id, look.output, look.source, dict(form), output, label))

    def _render(self, job: Job, on_progress: Callable[[RenderEvent], None]) -> None:
        """A queued render, through the library's renderer (work folder, resume)."""
        look = self.look(job.form)
        source = self.source(look.source)
        if look.output == "video":
            from dreamvid.render.video import render_video

            schedule = self.video_schedule(look, look.video)
            render_video(source.path, job.output, look.video, self.engine.video_effect(look.video, schedule),
                         schedule=schedule, resume=job.resume, overwrite=False, on_progress=on_progress)
        elif look.output == "zoom":
            from dreamvid.render.zoom import render_zoom

            schedule = self.schedule(look)
            render_zoom(source.path, job.output, look.dream, look.zoom.zoom,
                        self.engine.zoom_effect(look.dream, look.zoom.zoom, look.style, schedule),
                        schedule=schedule, style=look.style, resume=job.resume, overwrite=False,
                        on_progress=on_progress)
        else:
            from dreamvid.io.provenance import settings_tags
            from dreamvid.render.still import dream_file

            def step(event: ProgressEvent) -> None:  # a still's steps, shown as a share of its one frame
                on_progress(RenderEvent(0, 1, step=event))

            on_progress(RenderEvent(0, 1))
            dream_file(source.path, job.output, self.engine.video_effect(look.video), seed=look.dream.seed,
                       max_side=look.dream.max_side, progress=step, overwrite=False,
                       tags=settings_tags("image", {"dream": look.dream, "style": look.style}))
            on_progress(RenderEvent(1, 1, seconds=time.perf_counter() - (job.started or time.perf_counter())))


def clip_start(index: int, fps: float) -> float:
    """A start time (seconds) that selects frame `index` exactly (halfway before it, as frames are chosen
    by time)."""
    return 0.0 if index <= 0 or not fps else (index - 0.5) / fps


def _still_settings(dream: DreamSettings) -> VideoSettings:
    return VideoSettings(dream=dream)


def thumbnail_texture(side: int = THUMB_SIDE) -> np.ndarray:
    """A fixed soft grey texture, the same for every layer, so thumbnails compare."""
    import cv2

    rng = np.random.default_rng(0)
    small = rng.uniform(96, 160, size=(side // 8, side // 8, 3)).astype(np.float32)
    return cv2.resize(small, (side, side), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)

