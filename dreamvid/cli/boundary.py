"""The error boundary every command runs in: bad input, a failed write, Ctrl-C, SIGTERM or SIGHUP (the
terminal closed) end in one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import typer

from dreamvid.errors import DreamvidError


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print the error in one line (a line break inside it, say in a file name, is shown as \\n)."""
    message = message.replace("\r", "\\r").replace("\n", "\\n")
    typer.echo(f"dreamvid: error: {message}", err=True)
    return typer.Exit(code)


def os_error_message(error: OSError) -> str:
    where = f" ({error.filename})" if error.filename else ""
    return f"{error.strerror or error}{where}"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a `kill`, a scheduler stopping the job): unwound like Ctrl-C, so finished frames are kept."""


_TERMINATED: list[int] = []  # SIGTERM was received: Ray's blocking calls turn the exception into KeyboardInterrupt


def _terminate(signal_number: int, frame: FrameType | None) -> None:
    _TERMINATED.append(signal_number)
    raise Terminated()


def _take_signals() -> dict[int, object]:
    """Turn SIGTERM, and SIGHUP unless it is ignored (`nohup`), into Terminated; returns the old handlers."""
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate)}
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, _terminate)
    return previous


@contextlib.contextmanager
def error_boundary(resumable: bool = False) -> Iterator[None]:
    """Bad input, a failed write, Ctrl-C or SIGTERM: one line on stderr and a non-zero exit, never a
    traceback; what a render finished stays in its work folder for --resume."""
    hint = "; run again with --resume to continue" if resumable else ""
    previous = _take_signals() if threading.current_thread() is threading.main_thread() else {}
    _TERMINATED.clear()
    try:
        yield
    except DreamvidError as error:
        raise fail(str(error)) from None
    except KeyboardInterrupt as error:
        if getattr(signal, "SIGHUP", None) in _TERMINATED:
            raise fail("the terminal closed (SIGHUP)" + (hint or "; no output written"), 129) from None
        if isinstance(error, Terminated) or _TERMINATED:
            raise fail("terminated" + (hint or "; no output written"), 143) from None
        raise fail("interrupted" + (hint or "; no output written"), 130) from None
    except OSError as error:
        raise fail(os_error_message(error) + hint) from None
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
