"""Temporal coherence: carry the previous frame's result onto the next one through optical flow.

For every frame after the first, the effect's detail of the previous frame (result minus its input,
kept in float) is warped onto the current frame with the backward flow between the two INPUT frames,
masked where the forward-backward check fails (occlusions, newly revealed areas; Ruder et al. 2016),
added to the current frame, and refined by the effect's warm start. Regions the carried detail
leaves short of a fresh dream (content entering, the background a moving subject uncovers,
non-rigid motion the flow cannot follow) get a local full dream of their own first
(local_redream.py), so moving subjects are dreamed as strongly as the rest. The detail's strength is held
near the first frame's. A scene cut starts afresh. Any effect works: this module calls only the
effect's `first` and `refine`.

The motion between two input frames (flow, mask, scene-cut test) depends on the inputs only, so a
pipeline may compute it ahead, in another thread, while the previous frame is still being treated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from dreamvid.effect import Effect, Guide
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.flow import FlowEstimator, consistency_mask, is_scene_cut, warp
from dreamvid.local_redream import redream_deficit
from dreamvid.settings import CoherenceSettings

STATE_KEYS = ("previous_input", "previous_detail", "reference_strength", "scene_cuts")


@dataclass
class CoherenceState:
    """What one frame leaves for the next: its input and its effect detail, both float32."""

    previous_input: np.ndarray
    previous_detail: np.ndarray
    reference_strength: float
    scene_cuts: int = 0

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as named arrays, for the work folder."""
        return {
            "previous_input": self.previous_input,
            "previous_detail": self.previous_detail,
            "reference_strength": np.float64(self.reference_strength),
            "scene_cuts": np.int64(self.scene_cuts),
        }

    @classmethod
    def from_arrays(cls, arrays: dict) -> "CoherenceState":
        missing = [key for key in STATE_KEYS if key not in arrays]
        if missing:
            raise DreamvidError(f"the saved state lacks {', '.join(missing)}")
        return cls(
            previous_input=arrays["previous_input"].astype(np.float32),
            previous_detail=arrays["previous_detail"].astype(np.float32),
            reference_strength=float(arrays["reference_strength"]),
            scene_cuts=int(arrays["scene_cuts"]),
        )


@dataclass(frozen=True)
class Motion:
    """How the picture moved from one input frame to the next, and where that is trustworthy."""

    backward: np.ndarray  # (h, w, 2): where each current pixel was in the previous frame
    reliable: np.ndarray  # (h, w) in 0..1: passes the forward-backward check
    scene_cut: bool


MotionSource = Callable[[np.ndarray, np.ndarray], Motion]  # (previous input, current input) -> Motion


def estimate_motion(flow: FlowEstimator, coherence: CoherenceSettings, previous: np.ndarray,
                    current: np.ndarray) -> Motion:
    """The motion from input frame `previous` to `current` (both RGB, 0..255)."""
    previous = np.asarray(previous, dtype=np.float32)
    current = np.asarray(current, dtype=np.float32)
    backward, forward = flow.backward_flow_pair(previous, current)
    scale = (max(current.shape[:2]) / 640.0) ** 2
    mask = consistency_mask(backward, forward, tolerance=coherence.flow_tolerance * scale, boundaries=False)
    return Motion(backward, mask, bool(is_scene_cut(previous, current, backward, mask)))


class Coherence:
    """Treats a stream of frames one at a time with an effect, each from the previous one's state."""

    def __init__(self, effect: Effect, settings: CoherenceSettings, state: CoherenceState | None = None) -> None:
        self.effect = effect
        self.settings = settings
        self.state = state

    def carries_over(self, frame: np.ndarray) -> bool:
        """Whether treating `frame` next would carry the previous result over (and so needs motion)."""
        state = self.state
        return self.settings.coherent and state is not None and state.previous_input.shape == frame.shape

    def next_frame(self, frame: np.ndarray, motion_of: MotionSource, *, seed: int, time: float = 0.0,
                   progress: Progress | None = None) -> np.ndarray:
        """Treat one frame (RGB, uint8 or float 0..255); returns the float result.

        `motion_of(previous_input, current)` is asked for the motion only when the frame carries over.
        """
        current = np.asarray(frame, dtype=np.float32)
        state = self.state
        if not self.carries_over(current):
            return self._fresh(current, seed, time, progress, cuts=state.scene_cuts if state else 0)
        motion = motion_of(state.previous_input, current)
        if motion.scene_cut:
            return self._fresh(current, seed, time, progress, cuts=state.scene_cuts + 1)
        reliable = motion.reliable[..., None]
        carried = warp(state.previous_detail, motion.backward) * reliable
        if self.settings.occlusion_fill > 0:
            carried += self.settings.occlusion_fill * (1.0 - reliable) * state.previous_detail
        carried *= self.settings.blend
        start = np.clip(current + carried, 0.0, 255.0)
        redream = self.settings.redream
        if redream is not None:  # regions the carried detail leaves short get a full dream of their own
            start = redream_deficit(
                start, current, carried, motion.reliable, state.reference_strength,
                lambda crop: self.effect.first(crop, seed=seed, time=time, steps=redream.crop_steps),
                redream.for_size(*current.shape[:2]), motion.backward)
        result = self.effect.refine(start, seed=seed, time=time, progress=progress,
                                    guide=Guide(current, motion.reliable))
        self.remember(current, result, state.reference_strength, state.scene_cuts)
        return result

    def _fresh(self, current: np.ndarray, seed: int, time: float, progress: Progress | None,
               cuts: int) -> np.ndarray:
        result = self.effect.first(current, seed=seed, time=time, progress=progress)
        strength = float(np.abs(result - current).mean())
        self.remember(current, result, max(strength, 1e-3), cuts)
        return result

    def remember(self, current: np.ndarray, result: np.ndarray, reference: float, cuts: int) -> None:
        """Keep a treated frame as the state for the next: its detail, held between floor and cap."""
        detail = result - current
        strength = float(np.abs(detail).mean())
        ceiling = self.settings.strength_cap * reference
        floor = self.settings.strength_floor * reference
        if strength > ceiling:
            detail *= ceiling / strength
        elif 0 < strength < floor:
            detail *= min(floor / strength, self.settings.regrowth)
        self.state = CoherenceState(current, detail.astype(np.float32), reference, cuts)
