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


class _Bar:
    """One rich bar on stderr with a free-text detail column; off when stderr is not a terminal."""

    def __init__(self, label: str, total: int | None, quiet: bool):
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet or not sys.stderr.isatty(),
        )
        self._task = self._progress.add_task(label, total=total, detail="")

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()


class StepProgress(_Bar):
    """A bar over all ascent steps of a dream, showing octave, step and loss."""

    def __init__(self, total_steps: int, quiet: bool = False):
        super().__init__("dreaming", total_steps, quiet)

    def __call__(self, event: ProgressEvent) -> None:
        detail = f"octave {event.octave}/{event.octaves} step {event.step}/{event.steps} loss {event.loss:.3g}"
        self._progress.update(self._task, advance=1, detail=detail)


class FrameProgress(_Bar):
    """A bar over frames: frames done, seconds per frame and ETA."""

    def __init__(self, total_frames: int | None, quiet: bool = False, label: str = "frames"):
        super().__init__(label, total_frames, quiet)

    def frame_done(self, done: int, total: int | None, seconds: float) -> None:
        """A frame finished: `done` frames so far of an expected `total`, this one in `seconds`."""
        self._progress.update(self._task, completed=done, total=total, detail=f"{seconds:.2f} s/frame")
