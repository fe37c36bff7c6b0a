"""The error boundary every command runs in: bad input, a failed write, Ctrl-C, SIGTERM or SIGHUP (the
terminal closed) end in one line on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
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


_TERMINATED: list[int] = []  # the signals received: Ray's blocking calls turn Terminated into KeyboardInterrupt,
# TensorFlow's tracing turns an exception raised inside it into a ValueError


_REARMED: list[threading.Timer] = []  # signals to send again: their exception was swallowed by a finaliser


def _terminate(signal_number: int, frame: FrameType | None) -> None:
    _TERMINATED.append(signal_number)
    raise Terminated()


def _interrupt(signal_number: int, frame: FrameType | None) -> None:
    _TERMINATED.append(signal_number)
    raise KeyboardInterrupt()


def _take_signals() -> dict[int, object]:
    """Turn SIGTERM, and SIGHUP unless it is ignored (`nohup`), into Terminated, and note Ctrl-C before
    raising KeyboardInterrupt as Python does; returns the old handlers."""
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _terminate)}
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is signal.SIG_DFL:
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, _terminate)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _interrupt)
    return previous


def _signal_in(error: BaseException | None) -> bool:
    """Whether the signal's exception is `error` or what it arose from (a SystemError around it, say)."""
    seen = 0
    while error is not None and seen < 20:
        if isinstance(error, KeyboardInterrupt):
            return True
        error, seen = error.__context__, seen + 1
    return False


def _quiet_after_signal(previous_unraisable, previous_thread_hook):
    """Hooks for what Python prints outside the main flow ("Exception ignored in ...": a signal's exception
    raised inside a finaliser; an error in a thread): silent once a signal is ending the command, and a
    signal's exception a finaliser swallowed is raised again where it can end the command."""

    def unraisable(hook_arguments) -> None:
        if not _TERMINATED:
            return previous_unraisable(hook_arguments)
        if _signal_in(hook_arguments.exc_value):  # sent again once the finaliser is over, from a timer
            timer = threading.Timer(0.01, os.kill, (os.getpid(), _TERMINATED[-1]))
            timer.daemon = True
            _REARMED.append(timer)
            timer.start()

    def thread_exception(hook_arguments) -> None:
        if not _TERMINATED:
            return previous_thread_hook(hook_arguments)

    return unraisable, thread_exception


def _ended_by_signal(hint: str) -> typer.Exit:
    if getattr(signal, "SIGHUP", None) in _TERMINATED:
        return fail("the terminal closed (SIGHUP)" + (hint or "; no output written"), 129)
    if signal.SIGTERM in _TERMINATED:
        return fail("terminated" + (hint or "; no output written"), 143)
    return fail("interrupted" + (hint or "; no output written"), 130)


@contextlib.contextmanager
def error_boundary(resumable: bool = False) -> Iterator[None]:
    """Bad input, a failed write, Ctrl-C, SIGTERM or SIGHUP: one line on stderr and a non-zero exit, never a
    traceback; what a render finished stays in its work folder for --resume. After a signal, whatever error
    comes out (a library may turn the signal's exception into its own) ends the command as the signal."""
    hint = "; run again with --resume to continue" if resumable else ""
    main = threading.current_thread() is threading.main_thread()
    previous = _take_signals() if main else {}
    hooks = (sys.unraisablehook, threading.excepthook)
    if main:
        sys.unraisablehook, threading.excepthook = _quiet_after_signal(*hooks)
    _TERMINATED.clear()
    try:
        yield
    except DreamvidError as error:
        if _TERMINATED:  # what a signal's exception turned into on its way out
            raise _ended_by_signal(hint) from None
        raise fail(str(error)) from None
    except KeyboardInterrupt as error:
        if isinstance(error, Terminated) and not _TERMINATED:
            _TERMINATED.append(signal.SIGTERM)
        raise _ended_by_signal(hint) from None
    except OSError as error:
        if _TERMINATED:
            raise _ended_by_signal(hint) from None
        raise fail(os_error_message(error) + hint) from None
    except Exception:
        # The signal's exception raised inside a library's callback (TensorFlow tracing a step) may come out
        # as another error: it is still the signal that ended the command.
        if _TERMINATED:
            raise _ended_by_signal(hint) from None
        raise
    finally:
        for timer in _REARMED:  # the command ended (or finished) before the signal came again
            timer.cancel()
        _REARMED.clear()
        for number, handler in previous.items():
            signal.signal(number, handler)
        if main:
            sys.unraisablehook, threading.excepthook = hooks
