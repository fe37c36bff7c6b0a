"""Segment planning and joining for renders on several workers (no Ray needed)."""

import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.segments import Segment, default_segment_frames, fade_weight, join, plan_segments


def test_segments_own_every_frame_once_with_run_up_and_overlap():
    segments = plan_segments(0, 25, 10, run_up=3, overlap=2)
    assert segments == [Segment(0, 0, 0, 12), Segment(1, 7, 10, 22), Segment(2, 17, 20, 25)]
    owned = [index for number, segment in enumerate(segments)
             for index in range(segment.keep_from, segments[number + 1].keep_from if number + 1 < len(segments) else segment.keep_to)]
    assert owned == list(range(25))


def test_a_resumed_plan_starts_with_a_run_up():
    assert plan_segments(10, 14, 8, run_up=4, overlap=2) == [Segment(0, 6, 10, 14)]


def test_bad_plans_are_refused():
    with pytest.raises(DreamvidError, match="overlap"):
        plan_segments(0, 10, 4, run_up=1, overlap=4)


def test_fade_goes_smoothly_from_the_earlier_segment_to_the_later():
    weights = [fade_weight(index, 10, 4) for index in range(10, 14)]
    assert weights == sorted(weights) and 0 < weights[0] < 0.5 < weights[-1] < 1
    earlier, later = np.zeros((2, 2, 3), np.uint8), np.full((2, 2, 3), 100, np.uint8)
    assert join(earlier, later, 0.25)[0, 0, 0] == 25


def test_default_segments_keep_every_worker_busy_and_the_run_up_small():
    assert default_segment_frames(4500, 8, 4, 20) == 141
    assert default_segment_frames(100, 2, 4, 20) == 48
