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
