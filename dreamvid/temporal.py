"""Temporal coherence: carry the previous frame's dream onto the next one through optical flow.

For every frame after the first, the dream detail of the previous frame (dream minus its input, kept
in float) is warped onto the current frame with the backward flow between the two INPUT frames,
masked where the forward-backward check fails (occlusions, newly revealed areas), blended onto the
current frame, and refined by a few ascent steps on the finest octave(s). A scene cut starts afresh.

The motion between two input frames (flow, mask, scene-cut test) depends on the inputs only, so a
pipeline may compute it ahead, in another thread, while the previous frame is still dreaming.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from dreamvid.ascent import Dreamer
from dreamvid.flow import FlowEstimator, consistency_mask, is_scene_cut, warp
from dreamvid.local_redream import RedreamSettings, redream_deficit
from dreamvid.octaves import Progress, dream, dream_at_scale
from dreamvid.settings import CoherenceSettings, DreamSettings


@dataclass
class CoherenceState:
    """What one frame leaves for the next: its input and its dream detail, both float32."""

    previous_input: np.ndarray
    previous_detail: np.ndarray
    reference_strength: float
    scene_cuts: int = 0


@dataclass(frozen=True)
class Motion:
    """How the picture moved from one input frame to the next, and where that is trustworthy."""

    backward: np.ndarray  # (h, w, 2): where each current pixel was in the previous frame
    reliable: np.ndarray  # (h, w) in 0..1: passes the forward-backward check
    scene_cut: bool


def estimate_motion(flow: FlowEstimator, coherence: CoherenceSettings, previous: np.ndarray,
                    current: np.ndarray) -> Motion:
    """The motion from input frame `previous` to `current` (both RGB, 0..255)."""
    previous = np.asarray(previous, dtype=np.float32)
    current = np.asarray(current, dtype=np.float32)
    backward, forward = flow.backward_flow_pair(previous, current)
    scale = (max(current.shape[:2]) / 640.0) ** 2
    mask = consistency_mask(backward, forward, tolerance=coherence.flow_tolerance * scale, boundaries=False)
    return Motion(backward, mask, bool(is_scene_cut(previous, current, backward, mask)))


class TemporalDreamer:
    """Dreams a stream of frames one at a time, each from the previous one's state."""

    def __init__(self, settings: DreamSettings, coherence: CoherenceSettings, dreamer: Dreamer,
                 state: CoherenceState | None = None, redream: RedreamSettings | None = None):
        self.settings = settings
        self.redream = redream
        self.coherence = coherence
        self.dreamer = dreamer
        self.state = state
        self.flow = FlowEstimator(coherence.flow_preset)
        self._next_settings = dataclasses.replace(
            settings,
            octaves=min(coherence.octaves_next, settings.octaves),
            steps=max(coherence.steps_next, 1),
            step_size=coherence.step_size_next or settings.step_size,
            jitter=settings.jitter if coherence.jitter_next is None else coherence.jitter_next,
        )

    def _carries_over(self, frame: np.ndarray) -> bool:
        """Whether dreaming `frame` next would carry the previous dream over (and so needs motion)."""
        state = self.state
        return self.coherence.coherent and state is not None and state.previous_input.shape == frame.shape

    def dream_frame(self, frame: np.ndarray, progress: Progress | None = None,
                    motion: Motion | None = None) -> np.ndarray:
        """Dream one frame (RGB, uint8 or float 0..255); returns the float dream.

        `motion` is the frame's motion from the previous input frame, if already estimated.
        """
        current = np.asarray(frame, dtype=np.float32)
        state = self.state
        if not self._carries_over(current):
            return self._fresh(current, progress, cuts=state.scene_cuts if state else 0)
        if motion is None:
            motion = estimate_motion(self.flow, self.coherence, state.previous_input, current)
        if motion.scene_cut:
            return self._fresh(current, progress, cuts=state.scene_cuts + 1)
        reliable = motion.reliable[..., None]
        carried = warp(state.previous_detail, motion.backward) * reliable
        if self.coherence.occlusion_fill > 0:
            carried += self.coherence.occlusion_fill * (1.0 - reliable) * state.previous_detail
        carried *= self.coherence.blend
        start = np.clip(current + carried, 0.0, 255.0)
        if self.redream is not None:
            start = redream_deficit(start, current, carried, motion.reliable, state.reference_strength,
                                    self._dream_crop, self.redream, motion.backward)
        if self.coherence.steps_next > 0:
            result = dream_at_scale(start, self._next_settings, self.dreamer, self.coherence.dream_scale,
                                    progress=progress)
        else:
            result = start
        self._remember(current, result, state.reference_strength, state.scene_cuts)
        return result

    def _dream_crop(self, crop: np.ndarray) -> np.ndarray:
        """A crop dreamed with the full settings, as the first frame is (for local re-dreaming)."""
        return dream_at_scale(crop, self.settings, self.dreamer, self.coherence.dream_scale)

    def _fresh(self, current: np.ndarray, progress: Progress | None, cuts: int) -> np.ndarray:
        scale = self.coherence.dream_scale
        result = dream_at_scale(current, self.settings, self.dreamer, scale, progress=progress)
        if scale < 1 and self.coherence.finish_steps > 0:
            finish = dataclasses.replace(self._next_settings, octaves=1, steps=self.coherence.finish_steps,
                                         step_size=self.settings.step_size)
            result = dream(result, finish, self.dreamer, progress=progress)
        strength = float(np.abs(result - current).mean())
        self._remember(current, result, max(strength, 1e-3), cuts)
        return result

    def _remember(self, current: np.ndarray, result: np.ndarray, reference: float, cuts: int) -> None:
        detail = result - current
        strength = float(np.abs(detail).mean())
        ceiling = self.coherence.strength_cap * reference
        floor = self.coherence.strength_floor * reference
        if strength > ceiling:
            detail *= ceiling / strength
        elif 0 < strength < floor:
            detail *= min(floor / strength, self.coherence.regrowth)
        self.state = CoherenceState(current, detail.astype(np.float32), reference, cuts)
