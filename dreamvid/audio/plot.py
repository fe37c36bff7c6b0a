"""A picture of a soundtrack's audio variables over time, drawn with OpenCV, and the same as JSON.

One lane per variable (loud, onset, bass, mid, treble, beat, beat_phase), each the values its formulas
get at every output frame, 0 at the lane's bottom and 1 at its top; the tracked beats are thin lines
across all lanes, every fourth one darker; seconds are marked along the bottom. So a user can read off
the numbers a formula will see before writing it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from dreamvid.audio.table import AudioTable
from dreamvid.errors import DreamvidError
from dreamvid.io.paths import (
    OutputLock,
    check_output_dir,
    check_side_output,
    discard_temporary,
    remove_left_behind,
    same_file,
    temporary_sibling,
)

LANES = ("loud", "onset", "bass", "mid", "treble", "beat", "beat_phase")
COLOURS = {  # BGR
    "loud": (60, 60, 200), "onset": (40, 140, 230), "bass": (160, 70, 40), "mid": (60, 150, 60),
    "treble": (170, 90, 170), "beat": (30, 30, 30), "beat_phase": (130, 130, 130),
}
LABEL_WIDTH = 96
LANE_HEIGHT = 56
GAP = 8
AXIS = 28
TITLE = 30


MAX_PLOT_WIDTH = 30000  # px; OpenCV draws on images of at most 32767 a side


def plot_features(table: AudioTable, width: int = 1200) -> np.ndarray:
    """The audio variables of `table` as a BGR uint8 picture `width` px wide."""
    frames = table.frames
    plot_width = max(200, width - LABEL_WIDTH - 16)
    height = TITLE + len(LANES) * (LANE_HEIGHT + GAP) + AXIS
    picture = np.full((height, LABEL_WIDTH + plot_width + 16, 3), 255, np.uint8)
    seconds = frames / table.fps
    left = LABEL_WIDTH

    def x_of(frame: float) -> int:
        return left + int(round(frame / max(frames - 1, 1) * (plot_width - 1)))

    title = f"{_short(table.source)}: {seconds:.1f} s at {table.fps:g} fps, {table.bpm:.1f} BPM, " \
            f"{int((table.beat_frames >= 0).sum())} beats"
    cv2.putText(picture, title, (8, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    top = TITLE
    bottom = TITLE + len(LANES) * (LANE_HEIGHT + GAP) - GAP
    for number, frame in enumerate(int(frame) for frame in table.beat_frames if 0 <= frame < frames):
        shade = 150 if number % 4 == 0 else 215
        cv2.line(picture, (x_of(frame), top), (x_of(frame), bottom), (shade, shade, 255), 1)
    xs = np.array([x_of(frame) for frame in range(frames)], np.int32)
    for lane, name in enumerate(LANES):
        y0 = TITLE + lane * (LANE_HEIGHT + GAP)
        cv2.rectangle(picture, (left, y0), (left + plot_width - 1, y0 + LANE_HEIGHT), (200, 200, 200), 1)
        cv2.putText(picture, name, (8, y0 + LANE_HEIGHT // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    COLOURS[name], 1, cv2.LINE_AA)
        values = np.clip(table.values[name], 0.0, 1.0)
        ys = (y0 + LANE_HEIGHT - values * LANE_HEIGHT).round().astype(np.int32)
        points = np.stack([xs, ys], axis=1).reshape(-1, 1, 2)
        cv2.polylines(picture, [points], False, COLOURS[name], 1, cv2.LINE_AA)
    step = _tick_step(seconds)
    for index in range(int(math.floor(seconds / step)) + 1):
        second = index * step
        x = x_of(second * table.fps)
        cv2.line(picture, (x, bottom), (x, bottom + 5), (0, 0, 0), 1)
        cv2.putText(picture, f"{second:g} s", (max(0, x - 12), bottom + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return picture


def features_json(table: AudioTable) -> dict:
    """The table as plain data: the track, tempo, beat times and every frame's values."""
    beats = [int(frame) for frame in table.beat_frames if 0 <= frame < table.frames]
    return {
        "source": table.source,
        "fps": table.fps,
        "frames": table.frames,
        "duration": round(table.duration, 4),
        "bpm": round(table.bpm, 3),
        "beat_frames": beats,
        "beat_times": [round(frame / table.fps, 4) for frame in beats],
        "settings": {name: getattr(table.settings, name) for name in table.settings.__dataclass_fields__},
        "frames_values": table.rows(),
    }


def _tick_step(seconds: float) -> float:
    """Seconds between the time axis's marks: at most 17 marks, whatever the length (one frame at a tiny
    fps lasts for ages)."""
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200):
        if seconds / step <= 16:
            return step
    return math.ceil(seconds / 16)


def _short(path: str) -> str:
    return path.rsplit("/", 1)[-1] if path else "audio"


@contextlib.contextmanager
def claim_plot(picture: str | os.PathLike, data: str | os.PathLike | None = None, *, width: int = 1200,
               overwrite: bool = False, protected: tuple = ()) -> Iterator[None]:
    """Take the lock of the plot (and of the JSON), then check them, and hold the locks while inside:
    checking and claiming are one step, so two runs writing one plot cannot both succeed. Enter it before
    the track is decoded and pass `claimed=True` to `write_features`, to fail before any work."""
    if not str(picture).lower().endswith(".png"):
        raise DreamvidError(f"the plot is written as PNG: give a .png output, not {picture}")
    if not 1 <= width <= MAX_PLOT_WIDTH:
        raise DreamvidError(f"the plot width must be between 1 and {MAX_PLOT_WIDTH} px, got {width}")
    if data is not None and same_file(picture, data):
        raise DreamvidError(f"{data} would replace the plot {picture}; choose another name")
    outputs = [path for path in (picture, data) if path is not None]
    with contextlib.ExitStack() as claimed:
        for path in outputs:
            check_output_dir(path)  # where the lock goes must exist
            claimed.enter_context(OutputLock(path))
            remove_left_behind(path)
        for path in outputs:
            others = [other for other in outputs if other is not path]
            check_side_output(path, protected=[*protected, *others], overwrite=overwrite)
        yield


def write_features(table: AudioTable, picture: str | os.PathLike, data: str | os.PathLike | None = None, *,
                   width: int = 1200, overwrite: bool = False, protected: tuple = (), claimed: bool = False) -> None:
    """Write the plot (PNG) and, with `data`, the JSON of `table`; each written under a temporary name
    and renamed when complete. An existing file is replaced only with `overwrite`; the `protected`
    paths (the input) never are. The outputs are claimed (`claim_plot`) unless the caller holds them
    (`claimed`)."""
    with contextlib.nullcontext() if claimed else claim_plot(picture, data, width=width, overwrite=overwrite,
                                                             protected=protected):
        encoded, png = cv2.imencode(".png", plot_features(table, width), [cv2.IMWRITE_PNG_COMPRESSION, 9])
        if not encoded:
            raise DreamvidError(f"cannot encode the plot for {picture}")
        _write_atomically(picture, png.tobytes())
        if data is not None:
            _write_atomically(data, json.dumps(features_json(table), indent=1).encode())


def _write_atomically(path: str | os.PathLike, content: bytes) -> None:
    try:
        temporary = temporary_sibling(path)
    except OSError as error:
        raise DreamvidError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        temporary.write_bytes(content)
        os.replace(temporary, path)
    except OSError as error:
        raise DreamvidError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        discard_temporary(path, temporary)  # ours (made by temporary_sibling); nothing once renamed
