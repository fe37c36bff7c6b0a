"""Segment planning and joining for renders on several workers (no Ray needed)."""

import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.render.segments import (
    EARLIER,
    LATER,
    Segment,
    default_segment_frames,
    fade_weight,
    half_at,
    join,
    owned_to,
    plan_segments,
    shared_before,
    unfinished,
)


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


def test_default_segments_come_in_whole_rounds_over_the_workers_with_the_run_up_small():
    assert default_segment_frames(7500, 2, 4, 20) == 938  # 4 rounds: 8 segments for 2 workers
    assert default_segment_frames(4500, 8, 4, 20) == 282  # 2 rounds: 4 rounds would be 141 frames, under 240
    assert default_segment_frames(7500, 128, 4, 20) == 59  # 1 round: every worker one segment
    assert default_segment_frames(100, 2, 4, 20) == 50  # 1 round
    assert default_segment_frames(7500, 128, 4, 30) == 59  # 1 round, though the run-up and overlap are 34
    assert default_segment_frames(60, 4, 4, 20) == 21  # never under the overlap plus one
    for frames, workers in ((7500, 16), (4500, 8), (1000, 3)):
        length = default_segment_frames(frames, workers, 4, 20)
        assert len(plan_segments(0, frames, length, 4, 20)) % workers == 0


def test_each_kept_frame_is_made_alone_or_as_one_of_two_halves():
    segments = plan_segments(0, 25, 10, run_up=3, overlap=2)  # keeps [0, 12), [10, 22), [20, 25)
    assert [shared_before(segments, number) for number in range(3)] == [0, 2, 2]
    assert [owned_to(segments, number) for number in range(3)] == [10, 20, 25]
    assert [half_at(segments, 0, index) for index in (0, 9, 10, 11)] == [None, None, EARLIER, EARLIER]
    assert [half_at(segments, 1, index) for index in (10, 11, 12, 19, 20, 21)] == [LATER, LATER, None, None,
                                                                                   EARLIER, EARLIER]
    assert [half_at(segments, 2, index) for index in (20, 21, 22, 24)] == [LATER, LATER, None, None]


def test_a_segment_is_finished_when_each_kept_frame_is_or_its_half_is_stored():
    segments = plan_segments(0, 25, 10, run_up=3, overlap=2)
    nothing = unfinished(segments, lambda index: False, lambda index, side: False)
    assert nothing == segments
    # segment 1 finished while 0 and 2 were not: its frames 12..19 kept, its halves of 10, 11, 20, 21 stored
    frames = set(range(12, 20))
    halves = {(10, LATER), (11, LATER), (20, EARLIER), (21, EARLIER)}
    assert unfinished(segments, frames.__contains__, lambda index, side: (index, side) in halves) == [segments[0],
                                                                                                     segments[2]]
    # the other segment's half does not finish it: segment 0 needs its own (EARLIER) halves of 10 and 11
    frames |= set(range(10))
    assert segments[0] in unfinished(segments, frames.__contains__, lambda index, side: (index, side) in halves)
    frames |= {10, 11}  # once joined, the frames themselves are kept
    assert unfinished(segments, frames.__contains__, lambda index, side: (index, side) in halves) == [segments[2]]
