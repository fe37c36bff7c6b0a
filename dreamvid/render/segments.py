"""Splitting a clip into segments that separate workers can dream, and joining them without seams.

A coherent dream is serial: each frame starts from the previous one. To dream a long clip on several
workers, it is cut into segments. Each segment is dreamed from `run_up` frames before its first kept
frame (dreamed, not kept, so its carried detail has settled by the time frames are kept), and keeps
`overlap` frames more than it owns at its end; there the next segment's frames fade in, so the dream
changes over several frames instead of at one cut.

A frame two segments share is the mix of two halves: the EARLIER segment's (fading out) and the
LATER one's (fading in). Segments finish in any order, so a half waits, stored, for the other; a
segment is finished when each frame it keeps is either finished or stored as its half.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from dreamvid.errors import DreamvidError


@dataclass(frozen=True)
class Segment:
    """Frames [dream_from, keep_to) are dreamed; [keep_from, keep_to) are kept."""

    number: int
    dream_from: int
    keep_from: int
    keep_to: int

    @property
    def frames(self) -> int:
        return self.keep_to - self.dream_from


def plan_segments(first: int, total: int, segment_frames: int, run_up: int, overlap: int) -> list[Segment]:
    """Segments owning [first, total) in runs of `segment_frames` frames (the last may be shorter).

    Segment k owns [first + k*n, first + (k+1)*n) and keeps `overlap` frames past that, except the last.
    Every segment but one starting at frame 0 has a run-up, a resumed render's first one included.
    """
    if segment_frames < 1 or run_up < 0 or overlap < 0:
        raise DreamvidError("segments need a positive length and a run-up and overlap of 0 or more")
    if overlap >= segment_frames:
        raise DreamvidError(f"the overlap ({overlap}) must be shorter than a segment ({segment_frames} frames)")
    segments = []
    for number, start in enumerate(range(first, total, segment_frames)):
        own_end = min(start + segment_frames, total)
        keep_to = min(own_end + overlap, total)
        dream_from = max(0, start - run_up)
        segments.append(Segment(number, dream_from, start, keep_to))
    return segments


EARLIER = "earlier"  # a segment's half of the frames it shares with the next one
LATER = "later"  # a segment's half of the frames it shares with the one before


def shared_before(segments: list[Segment], number: int) -> int:
    """How many frames at the start of segment `number` the segment before it keeps too."""
    if number == 0:
        return 0
    return max(0, segments[number - 1].keep_to - segments[number].keep_from)


def owned_to(segments: list[Segment], number: int) -> int:
    """The end of the frames segment `number` owns: where the next one starts (or its own end)."""
    return segments[number + 1].keep_from if number + 1 < len(segments) else segments[number].keep_to


def half_at(segments: list[Segment], number: int, index: int) -> str | None:
    """Which half of frame `index` segment `number` makes: LATER at its start, EARLIER at its end,
    None where it alone makes the frame."""
    segment = segments[number]
    if index < segment.keep_from + shared_before(segments, number):
        return LATER
    if index >= owned_to(segments, number):
        return EARLIER
    return None


def unfinished(segments: list[Segment], has_frame: Callable[[int], bool],
               has_half: Callable[[int, str], bool]) -> list[Segment]:
    """The segments some of whose kept frames are neither finished nor stored as that segment's half."""

    def kept(segment: Segment, index: int) -> bool:
        side = half_at(segments, segment.number, index)
        return has_frame(index) or (side is not None and has_half(index, side))

    return [segment for segment in segments
            if not all(kept(segment, index) for index in range(segment.keep_from, segment.keep_to))]


def default_segment_frames(frames: int, workers: int, run_up: int, overlap: int) -> int:
    """Segments in whole rounds over the workers, so that every worker gets as many and all finish together.

    Four rounds (a lost worker then costs a quarter of its share, and a slow one is caught up) while a
    segment stays at least ten times the frames it dreams for its neighbours (run-up and overlap, so
    they add a tenth at most); fewer rounds when not; one round however short the segments (each
    worker dreaming fewer frames finishes sooner, run-up and overlap included), but never shorter
    than the overlap plus one.
    """
    if frames <= 0:
        return 1
    extra = run_up + overlap
    workers = max(workers, 1)
    for rounds in (4, 3, 2):
        length = math.ceil(frames / (rounds * workers))
        if length >= 10 * extra:
            return max(length, 2)
    return max(math.ceil(frames / workers), overlap + 1, 2)


def fade_weight(index: int, overlap_start: int, overlap: int) -> float:
    """The later segment's share in the overlap frame `index` (smooth, never 0 or 1 inside)."""
    share = (index - overlap_start + 1) / (overlap + 1)
    return share * share * (3.0 - 2.0 * share)


def join(earlier: np.ndarray, later: np.ndarray, weight: float) -> np.ndarray:
    """An overlap frame: the two segments' frames mixed, `weight` of the later one."""
    mixed = (1.0 - weight) * earlier.astype(np.float32) + weight * later.astype(np.float32)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
