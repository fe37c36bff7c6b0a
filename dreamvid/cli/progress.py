"""Progress displays for the CLI; the library only ever calls the callbacks.

On a terminal, a rich bar. Otherwise (a render under nohup, ssh or a pipe), a plain line every
`PLAIN_EVERY` seconds, so a log shows life: what is done, seconds a frame, time left. `verbose`
prints a plain line for every frame (and every step of a long first frame) as well.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

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

if TYPE_CHECKING:  # typing.Self is Python 3.11; annotations are not evaluated at run time
    from typing_extensions import Self

PLAIN_EVERY = 5.0  # seconds between plain progress lines


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class _Display:
    """A rich bar on a terminal; plain lines at most every PLAIN_EVERY s (every update with `verbose`)
    when stderr is not one; nothing when quiet."""

    def __init__(self, label: str, total: int | None, quiet: bool, verbose: bool = False,
                 stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._label = label
        self._plain = not quiet and (verbose or not self._stream.isatty())
        self._verbose = verbose
        self._last_line = float("-inf")
        self._started = time.monotonic()
        self._progress = Progress(
            TextColumn(f"[bold]{label}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=quiet or self._plain,
        )
        self._task = self._progress.add_task(label, total=total, detail="")

    def _line(self, text: str, force: bool = False) -> None:
        now = time.monotonic()
        if self._plain and (force or self._verbose or now - self._last_line >= PLAIN_EVERY):
            self._last_line = now
            print(f"dreamvid: {self._label} {text} [{_clock(now - self._started)} elapsed]", file=self._stream,
                  flush=True)

    def __enter__(self) -> Self:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()


class StepProgress(_Display):
    """Progress over all ascent steps of a dream, showing octave, step and loss."""

    def __init__(self, total_steps: int, quiet: bool = False, verbose: bool = False,
                 stream: TextIO | None = None) -> None:
        super().__init__("dreaming", total_steps, quiet, verbose, stream)
        self._done = 0
        self._total = total_steps

    def __call__(self, event: ProgressEvent) -> None:
        self._done += 1
        detail = f"octave {event.octave}/{event.octaves} step {event.step}/{event.steps} loss {event.loss:.3g}"
        self._progress.update(self._task, advance=1, detail=detail)
        self._line(f"step {self._done}/{self._total}: {detail}")


class FrameProgress(_Display):
    """Progress over frames: frames done of the total, seconds per frame and time left; inside a long
    frame (the first one's full dream), its octave and step."""

    def __init__(self, total_frames: int | None, quiet: bool = False, label: str = "frames", verbose: bool = False,
                 stream: TextIO | None = None) -> None:
        super().__init__(label, total_frames, quiet, verbose, stream)
        self._times: list[float] = []

    def __call__(self, event: RenderEvent) -> None:
        total = f"/{event.total}" if event.total else ""
        if event.step is not None:
            step = event.step
            detail = f"frame {event.frames_done + 1}: octave {step.octave}/{step.octaves} step {step.step}/{step.steps}"
            self._progress.update(self._task, total=event.total, detail=detail)
            self._line(f"{event.frames_done}{total} done; {detail}")
            return
        self._times.append(event.seconds)
        self._progress.update(self._task, completed=event.frames_done, total=event.total,
                              detail=f"{event.seconds:.2f} s/frame")
        recent = sorted(self._times[-20:])[len(self._times[-20:]) // 2]
        left = f", about {_clock(recent * (event.total - event.frames_done))} left" if event.total else ""
        self._line(f"{event.frames_done}{total} done, {recent:.2f} s/frame{left}",
                   force=bool(event.total) and event.frames_done == event.total)
