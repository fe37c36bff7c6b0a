"""Rich progress displays for the CLI; the library only ever calls the callbacks."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dreamvid.settings import ProgressEvent


class StepProgress:
    """A bar over all ascent steps of a dream, showing octave, step and loss."""

    def __init__(self, total_steps: int, quiet: bool = False):
        self._progress = Progress(
            TextColumn("[bold]dreaming"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet or not sys.stderr.isatty(),
        )
        self._task = self._progress.add_task("dream", total=total_steps, detail="")

    def __enter__(self) -> "StepProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def __call__(self, event: ProgressEvent) -> None:
        detail = f"octave {event.octave}/{event.octaves} step {event.step}/{event.steps} loss {event.loss:.3g}"
        self._progress.update(self._task, advance=1, detail=detail)


class FrameProgress:
    """A bar over frames: frames done, seconds per frame and ETA."""

    def __init__(self, total_frames: int | None, quiet: bool = False, label: str = "frames"):
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet or not sys.stderr.isatty(),
        )
        self._task = self._progress.add_task(label, total=total_frames, rate="")

    def __enter__(self) -> "FrameProgress":
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def frame_done(self, done: int, total: int | None, seconds: float) -> None:
        """A frame finished: `done` frames so far of an expected `total`, this one in `seconds`."""
        self._progress.update(self._task, completed=done, total=total, rate=f"{seconds:.2f} s/frame")
