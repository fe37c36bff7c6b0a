"""Splitting a clip into segments that separate workers can dream, and joining them without seams.

A coherent dream is serial: each frame starts from the previous one. To dream a long clip on several
workers, it is cut into segments. Each segment is dreamed from `run_up` frames before its first kept
frame (dreamed, not kept, so its carried detail has settled by the time frames are kept), and keeps
`overlap` frames more than it owns at its end; there the next segment's frames fade in, so the dream
changes over several frames instead of at one cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def default_segment_frames(frames: int, workers: int, run_up: int, overlap: int) -> int:
    """About four segments per worker (so a lost worker costs little and all stay busy), never shorter
    than twice the frames a segment dreams for its neighbours (run-up and overlap)."""
    if frames <= 0:
        return 1
    return max(2 * (run_up + overlap), math.ceil(frames / (4 * max(workers, 1))), 2)


def fade_weight(index: int, overlap_start: int, overlap: int) -> float:
    """The later segment's share in the overlap frame `index` (smooth, never 0 or 1 inside)."""
    share = (index - overlap_start + 1) / (overlap + 1)
    return share * share * (3.0 - 2.0 * share)


def join(earlier: np.ndarray, later: np.ndarray, weight: float) -> np.ndarray:
    """An overlap frame: the two segments' frames mixed, `weight` of the later one."""
    mixed = (1.0 - weight) * earlier.astype(np.float32) + weight * later.astype(np.float32)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
