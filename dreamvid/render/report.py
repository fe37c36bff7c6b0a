"""What a render did, and the JSON report `--report` writes of it."""

from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from dreamvid.errors import DreamvidError
from dreamvid.io.paths import discard_temporary, temporary_sibling
from dreamvid.io.provenance import as_plain
from dreamvid.version import __version__


@dataclass
class RenderSummary:
    """What a render did: written to `--report` as JSON."""

    output: str
    frames: int
    fps: str
    width: int
    height: int
    seconds_per_frame: list[float] = field(default_factory=list)
    resumed_at: int = 0
    scene_cuts: int = 0
    warnings: list[str] = field(default_factory=list)
    sharpness: list[float] = field(default_factory=list)  # of each written frame (variance of the Laplacian)
    audio: list[dict] | None = None  # each frame's audio variables, when a schedule followed a soundtrack


def write_report(path: str | os.PathLike, summary: RenderSummary, settings: object, model: str,
                 figures: dict | None = None) -> None:
    """JSON: settings, model, versions, frames written, seconds per frame, sharpness, and `figures`
    (measured quality figures of the render, e.g. a loop's sharpness dip)."""
    import cv2
    import keras
    import numpy as np
    import tensorflow as tf

    times = summary.seconds_per_frame
    report = {
        "output": summary.output,
        "model": model,
        "settings": json.loads(json.dumps(as_plain(settings), default=str)),
        "frames_written": summary.frames,
        "fps": summary.fps,
        "size": [summary.width, summary.height],
        "resumed_at_frame": summary.resumed_at,
        "scene_cuts": summary.scene_cuts,
        "warnings": summary.warnings,
        "seconds_per_frame": {
            "first": times[0] if times else None,
            "median_after_first": statistics.median(times[1:]) if len(times) > 1 else None,
            "mean": statistics.fmean(times) if times else None,
            "all": [round(value, 4) for value in times],
        },
        "sharpness": {
            "median": statistics.median(summary.sharpness) if summary.sharpness else None,
            "all": [round(value, 1) for value in summary.sharpness],
        },
        "figures": figures or {},
        **({"audio": summary.audio} if summary.audio is not None else {}),
        "versions": {
            "dreamvid": __version__,
            "python": platform.python_version(),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "opencv": cv2.__version__,
        },
    }
    path = Path(path)
    temporary = None
    try:
        temporary = temporary_sibling(path)
        temporary.write_text(json.dumps(report, indent=2))
        os.replace(temporary, path)
    except OSError as error:
        raise DreamvidError(f"cannot write report {path}: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            discard_temporary(path, temporary)  # ours (made by temporary_sibling); nothing once renamed
