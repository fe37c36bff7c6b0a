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

from dreamvid.events import ProgressEvent, RenderEvent


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
    """A bar over frames: frames done of the total, seconds per frame and ETA; inside a long frame
    (the first one's full dream), its octave and step."""

    def __init__(self, total_frames: int | None, quiet: bool = False, label: str = "frames"):
        super().__init__(label, total_frames, quiet)
        self._seconds = ""

    def __call__(self, event: RenderEvent) -> None:
        if event.step is not None:
            step = event.step
            detail = f"frame {event.frames_done + 1}: octave {step.octave}/{step.octaves} step {step.step}/{step.steps}"
            self._progress.update(self._task, total=event.total, detail=detail)
            return
        self._seconds = f"{event.seconds:.2f} s/frame"
        self._progress.update(self._task, completed=event.frames_done, total=event.total, detail=self._seconds)
