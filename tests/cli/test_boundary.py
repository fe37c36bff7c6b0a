"""The CLI's error boundary: a signal that ends a command ends it in one line with its own exit code."""

from __future__ import annotations

import os
import signal

import pytest
import typer

from dreamvid.cli.boundary import error_boundary


@pytest.mark.parametrize("number, code, words", [(signal.SIGHUP, 129, "the terminal closed (SIGHUP); run again"),
                                                 (signal.SIGTERM, 143, "terminated; run again")])
def test_a_closed_terminal_or_a_kill_ends_in_one_line_and_restores_the_handlers(capsys, number, code, words):
    outer = signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal (a test runner may ignore it)
    try:
        before = {signal.SIGHUP: signal.getsignal(signal.SIGHUP), signal.SIGTERM: signal.getsignal(signal.SIGTERM)}
        with pytest.raises(typer.Exit) as ended:
            with error_boundary(resumable=True):
                os.kill(os.getpid(), number)
                for _ in range(10**7):  # the handler runs between bytecodes
                    pass
        after = {number: signal.getsignal(number) for number in before}
    finally:
        signal.signal(signal.SIGHUP, outer)
    assert ended.value.exit_code == code and after == before
    assert capsys.readouterr().err.strip().startswith(f"dreamvid: error: {words}")


def test_sighup_stays_ignored_under_nohup(capsys):
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with error_boundary():
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: nothing happens
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_signal_that_a_library_turned_into_another_error_still_ends_as_the_signal(capsys):
    """SIGHUP during TensorFlow's tracing of the first step came out as a ValueError traceback."""
    outer = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        for number, code in ((signal.SIGHUP, 129), (signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with pytest.raises(typer.Exit) as ended:
                with error_boundary(resumable=True):
                    try:
                        os.kill(os.getpid(), number)
                        for _ in range(10**7):
                            pass
                    except BaseException:  # as TensorFlow's nest packing does with what its callback raised
                        raise ValueError("Could not pack sequence.") from None
            assert ended.value.exit_code == code
            lines = capsys.readouterr().err.strip().splitlines()
            assert len(lines) == 1 and "run again with --resume" in lines[0]
        with pytest.raises(ValueError):  # without a signal, a bug stays a bug
            with error_boundary():
                raise ValueError("a bug")
    finally:
        signal.signal(signal.SIGHUP, outer)


def test_a_signal_inside_a_finaliser_prints_nothing_more_and_still_ends_the_command(capfd):
    """A SIGTERM whose exception was raised inside an object's __del__ was printed as "Exception ignored in"
    with a traceback (then the command went on); it ends the command in one line."""
    import gc

    class Finalised:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10**6):  # the handler runs here, inside the finaliser
                pass

    with pytest.raises(typer.Exit) as ended:
        with error_boundary(resumable=True):
            Finalised()
            gc.collect()
            for _ in range(10**7):  # where the signal, raised again, ends the command
                pass
    assert ended.value.exit_code == 143
    lines = capfd.readouterr().err.strip().splitlines()
    assert lines == ["dreamvid: error: terminated; run again with --resume to continue"], lines
