"""Progress displays: totals and steps during a long first frame, plain lines when not on a terminal."""

import io

from dreamvid.cli.progress import FrameProgress, StepProgress
from dreamvid.events import ProgressEvent, RenderEvent


class Log(io.StringIO):
    def isatty(self):
        return False


def test_plain_lines_show_steps_of_the_first_frame_then_frames_with_time_left():
    log = Log()
    with FrameProgress(None, verbose=True, stream=log) as progress:
        progress(RenderEvent(0, 90, step=ProgressEvent(2, 4, 3, 10, 1.5)))
        progress(RenderEvent(1, 90, 30.0))
        progress(RenderEvent(2, 90, 1.5))
    lines = log.getvalue().splitlines()
    assert "0/90 done; frame 1: octave 2/4 step 3/10" in lines[0]
    assert "1/90 done, 30.00 s/frame, about 44:30 left" in lines[1]
    assert "2/90 done" in lines[2] and len(lines) == 3


def test_plain_lines_are_spaced_out_unless_verbose():
    log = Log()
    with FrameProgress(None, stream=log) as progress:
        for done in range(1, 6):
            progress(RenderEvent(done, 5, 0.1))
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and "1/5 done" in lines[0] and "5/5 done" in lines[1]  # the first, and the end


def test_quiet_prints_nothing():
    log = Log()
    with StepProgress(4, quiet=True, stream=log) as progress:
        progress(ProgressEvent(1, 1, 1, 4, 0.5))
    assert log.getvalue() == ""
