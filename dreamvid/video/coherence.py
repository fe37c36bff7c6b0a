"""Temporal coherence: carry the previous frame's result onto the next one through optical flow.

For every frame after the first, the effect's detail of the previous frame (result minus its input,
kept in float; or, with `carry_result`, the previous result itself, as style transfer wants it) is
warped onto the current frame with the backward flow between the two INPUT frames,
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

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from dreamvid.effect import CarryingEffect, Effect, Guide
from dreamvid.errors import DreamvidError
from dreamvid.events import Progress
from dreamvid.settings import CoherenceSettings
from dreamvid.video.flow import FlowEstimator, camera_flow, check_tolerance, consistency_mask, is_scene_cut, warp
from dreamvid.video.redream import LightGain, light_gain, redream_deficit
from dreamvid.video.strength import local_strength
from dreamvid.zoom.schedule import Schedule

STATE_KEYS = ("previous_input", "previous_detail", "reference_strength", "scene_cuts")
CARRY_PREFIX = "carry_"  # the effect's own carried arrays, in the saved state
SUBJECT_TOLERANCE = 12.0  # grey levels: a moving pixel is the subject where the warped previous input agrees (as style's warp check)
FILL_BLUR = 2.0  # Gaussian sigma (px) of the grey difference that gates the occlusion fill
RESCUE_FLAT = 2.0  # a failed check is rescued only where the input is this flat: grey levels' standard deviation ...
RESCUE_WINDOW = 7  # ... over this many px a side
STILL_RELIABLE = 0.9  # a still pixel: its flow passes the check this well ...
STILL_MOTION = 0.5  # ... and moves under this many px a frame
STILL_BLUR = 2.0  # Gaussian sigma (px) the still map is softened by


@dataclass(frozen=True)
class LocalReference:
    """What a frame's dream is held to place by place: the reference strengths carried onto the frame
    (`carried`, (H, W)) and how much of each pixel was dreamed afresh (`fresh`, (H, W) in 0..1), where
    the reference becomes the strength the frame now has."""

    carried: np.ndarray
    fresh: np.ndarray


@dataclass
class CoherenceState:
    """What one frame leaves for the next: its input and its effect detail, both float32."""

    previous_input: np.ndarray
    previous_detail: np.ndarray
    reference_strength: float
    scene_cuts: int = 0
    carry: dict[str, np.ndarray] = field(default_factory=dict)
    local_reference: np.ndarray | None = None  # (H, W): the local strength a fresh dream gave each place
    light_gain: LightGain | None = None  # full / light dream strength of the last fresh frame (re-dream calibration)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The state as named arrays, for the work folder."""
        arrays = {
            "previous_input": self.previous_input,
            "previous_detail": self.previous_detail,
            "reference_strength": np.float64(self.reference_strength),
            "scene_cuts": np.int64(self.scene_cuts),
            **{CARRY_PREFIX + key: value for key, value in self.carry.items()},
        }
        if self.local_reference is not None:
            arrays["local_reference"] = self.local_reference
        if self.light_gain is not None:
            arrays["light_gain"] = np.asarray(self.light_gain, np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict, size: tuple[int, int] | None = None) -> "CoherenceState":
        """The state from named arrays; with `size` (height, width) of the frames, every array is checked
        to be of that size (the carried arrays too: (h, w) or (h, w, c)), so a state of another render
        fails here, in one line, not as a TensorFlow error deep in the model."""
        missing = [key for key in STATE_KEYS if key not in arrays]
        if missing:
            raise DreamvidError(f"the saved state lacks {', '.join(missing)}")
        for key in ("reference_strength", "scene_cuts"):
            if np.shape(arrays[key]) != ():
                raise DreamvidError(f"the saved {key} is not one number")
        if not (float(arrays["reference_strength"]) >= 0 and int(arrays["scene_cuts"]) >= 0):
            raise DreamvidError("the saved reference strength or scene cut count is negative")
        gain = None
        if "light_gain" in arrays:
            values = np.asarray(arrays["light_gain"], np.float64)
            if values.shape != (len(LightGain._fields),) or not (np.all(np.isfinite(values)) and np.all(values > 0)):
                raise DreamvidError("the saved re-dream gain is not four positive numbers")
            gain = LightGain(float(values[0]), float(values[1]), int(values[2]), int(values[3]))
        if size is not None:
            wanted = {"previous_input": (*size, 3), "previous_detail": (*size, 3), "local_reference": size}
            for key, value in arrays.items():
                shape = np.shape(value)
                if key in wanted and shape != wanted[key] or (
                        key.startswith(CARRY_PREFIX) and (len(shape) not in (2, 3) or shape[:2] != size)):
                    raise DreamvidError(f"the saved {key} is {'x'.join(map(str, shape)) or 'one number'}, "
                                        f"not of the clip's frames ({size[1]}x{size[0]})")
        return cls(
            previous_input=arrays["previous_input"].astype(np.float32),
            previous_detail=arrays["previous_detail"].astype(np.float32),
            reference_strength=float(arrays["reference_strength"]),
            scene_cuts=int(arrays["scene_cuts"]),
            carry={key[len(CARRY_PREFIX):]: np.asarray(value, np.float32) for key, value in arrays.items()
                   if key.startswith(CARRY_PREFIX)},
            local_reference=arrays["local_reference"].astype(np.float32) if "local_reference" in arrays else None,
            light_gain=gain,
        )


@dataclass(frozen=True)
class Motion:
    """How the picture moved from one input frame to the next, and where that is trustworthy."""

    backward: np.ndarray  # (h, w, 2): where each current pixel was in the previous frame
    reliable: np.ndarray  # (h, w) in 0..1: passes the forward-backward check
    scene_cut: bool
    camera: np.ndarray | None = None  # (h, w, 2): the camera's share of `backward` (flow.camera_flow)


MotionSource = Callable[[np.ndarray, np.ndarray], Motion]  # (previous input, current input) -> Motion


def agreement(first: np.ndarray, second: np.ndarray, tolerance: float) -> np.ndarray:
    """(H, W) in 0..1: whether two RGB pictures show the same thing at each place: 1 where their grey
    levels (blurred by FILL_BLUR px) differ by at most `tolerance`, falling to 0 at twice it."""
    difference = np.abs(cv2.cvtColor(first, cv2.COLOR_RGB2GRAY) - cv2.cvtColor(second, cv2.COLOR_RGB2GRAY))
    return np.clip(2.0 - cv2.GaussianBlur(difference, (0, 0), FILL_BLUR) / tolerance, 0.0, 1.0)


def estimate_motion(flow: FlowEstimator, coherence: CoherenceSettings, previous: np.ndarray,
                    current: np.ndarray) -> Motion:
    """The motion from input frame `previous` to `current` (both RGB, 0..255)."""
    previous = np.asarray(previous, dtype=np.float32)
    current = np.asarray(current, dtype=np.float32)
    backward, forward = flow.backward_flow_pair(previous, current)
    mask = consistency_mask(backward, forward, tolerance=check_tolerance(coherence.flow_tolerance, current.shape),
                            boundaries=False)
    if coherence.rescue_tolerance is not None:
        mask = np.maximum(mask, rescued(previous, current, backward, coherence.rescue_tolerance))
    if coherence.warp_tolerance is not None:  # the flow must also carry the picture: where the warped
        # previous input differs from the current one, the flow bled from a moving subject onto the
        # background it uncovers (DIS is smooth across motion edges), and what it carries is the subject
        mask = mask * agreement(warp(previous, backward), current, coherence.warp_tolerance)
    cut = bool(is_scene_cut(previous, current, backward, mask))
    camera = camera_flow(backward, mask) if coherence.camera_fill and not cut else None  # only the fill uses it
    return Motion(backward, mask, cut, camera)


def rescued(previous: np.ndarray, current: np.ndarray, backward: np.ndarray, tolerance: float) -> np.ndarray:
    """(H, W) in 0..1: where a failed forward-backward check is to be trusted all the same: flat input
    (grey levels' standard deviation under RESCUE_FLAT over RESCUE_WINDOW px) that the flow, right or
    not, carries as it is (the warped previous input within `tolerance` grey levels of the current one,
    blurred; none past twice it). On a flat, fast, blurred surface the check fails in patches that were
    re-dreamed afresh every frame (bikes.mp4's sliding white roof, issue 21: flicker 2.81 -> 2.36), and
    what the flow carries there cannot be told from the truth; on texture (the background a walker
    uncovers, whose flow drags the walker's dream along) the check is kept (vtest.avi's ghost figure 1.57
    rescued anywhere: 1.72; flat only: 1.60). Off by default: on the sliding roof the flow it trusts is
    wrong, and it draws the dream out into streaks along the motion that the flicker figure, warping with
    the same flow, cannot see (docs/measurements.md, round five)."""
    grey = cv2.cvtColor(current, cv2.COLOR_RGB2GRAY)
    window = (RESCUE_WINDOW, RESCUE_WINDOW)
    mean = cv2.blur(grey, window)
    deviation = np.sqrt(np.maximum(cv2.blur(grey * grey, window) - mean * mean, 0.0))
    return agreement(warp(previous, backward), current, tolerance) * (deviation < RESCUE_FLAT)


class Coherence:
    """Treats a stream of frames one at a time with an effect, each from the previous one's state."""

    def __init__(self, effect: Effect, settings: CoherenceSettings, state: CoherenceState | None = None,
                 schedule: Schedule | None = None) -> None:
        self.effect = effect
        self.settings = settings
        self.state = state
        self.schedule = schedule  # a video schedule (bound to the clip's fps) may vary `blend` over time

    def blend(self, time: float) -> float:
        """The share of the carried detail kept at `time`: the settings' own, or the schedule's there."""
        if self.schedule is None:
            return self.settings.blend
        return self.schedule.value("blend", time, self.settings.blend)

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
        if self.settings.carry_result:  # the previous result itself, less the current input
            carried = (warp(state.previous_input + state.previous_detail, motion.backward,
                            sharp=self.settings.sharp_warp) - current) * reliable
        else:
            carried = warp(state.previous_detail, motion.backward, sharp=self.settings.sharp_warp) * reliable
        redream = self.settings.redream
        unchanged = None  # where the previous input still shows the same thing: for the fill and local reference
        if self.settings.occlusion_fill > 0 or (redream is not None and redream.local_reference):
            unchanged = self._unchanged(state, motion, current)
        if self.settings.occlusion_fill > 0:
            carried += self.settings.occlusion_fill * (1.0 - reliable) * self._fill(state, motion, unchanged)
        carried *= self.blend(time)
        start = np.clip(current + carried, 0.0, 255.0)
        local_reference = None
        if redream is not None:  # regions the carried detail leaves short get a full dream of their own
            redream = redream.for_size(*current.shape[:2], self.settings.dream_scale)
            reference: float | np.ndarray = state.reference_strength
            if redream.local_reference:
                reference = self._local_reference(state, motion, unchanged)
            calibrated = redream.match_strength and redream.calibrate and state.light_gain is not None
            start, redreamed = redream_deficit(
                start, current, carried, motion.reliable, reference,
                lambda crop: self.effect.first(crop, seed=seed, time=time, steps=redream.crop_steps),
                redream, motion.backward,
                state.reference_strength if redream.match_strength and not calibrated else None,
                gain=state.light_gain if calibrated else None,
                subject=agreement(warp(state.previous_input, motion.backward), current, SUBJECT_TOLERANCE)
                if redream.match_context else None)
            if redream.local_reference:
                local_reference = LocalReference(reference, redreamed)
        if isinstance(self.effect, CarryingEffect):
            guide = Guide(current, motion.reliable, _carried(state.carry, motion, current.shape[:2]))
            result, carry = self.effect.refine_carrying(start, seed=seed, time=time, progress=progress, guide=guide)
        else:
            carry = {}
            # a still place's dream needs no growing: the step only pumps against the strength hold, a new
            # pattern every frame (issue 21: flicker on vtest.avi 1.60 -> 1.21); where too little of the frame
            # keeps it, the step is not worth its cost (issue 21: a third of a frame's time for ~0.2 grey levels)
            kept = None if self.settings.still_refine >= 1.0 else 1.0 - (1.0 - self.settings.still_refine) * _still(motion)
            if kept is not None and kept.mean() < self.settings.refine_share:
                result = start
            else:
                result = self.effect.refine(start, seed=seed, time=time, progress=progress,
                                            guide=Guide(current, motion.reliable))
                if kept is not None:
                    result = start + (result - start) * kept[..., None]
        self.remember(current, result, state.reference_strength, state.scene_cuts, local_reference, carry,
                      light_gain=state.light_gain)
        return result

    def _unchanged(self, state: CoherenceState, motion: Motion, current: np.ndarray) -> np.ndarray:
        """(H, W) in 0..1: whether the previous input, moved with the camera (`camera_fill`; unmoved for a
        still camera), still shows at each place what the current one does: 1 within `fill_tolerance`
        grey levels (blurred), 0 past twice it, 1 everywhere without a tolerance."""
        tolerance = self.settings.fill_tolerance
        if tolerance is None:
            return np.ones(current.shape[:2], np.float32)
        previous = state.previous_input
        if self.settings.camera_fill and motion.camera is not None:
            previous = warp(previous, motion.camera)
        return agreement(previous, current, tolerance)

    def _fill(self, state: CoherenceState, motion: Motion, unchanged: np.ndarray) -> np.ndarray:
        """The previous detail for the pixels the flow cannot carry: moved with the camera (`camera_fill`:
        the homography fitted to the reliable flow; unmoved for a still camera), and kept only where the
        content is `unchanged`: the background a subject uncovers then starts afresh, not with the
        subject's imprint (issue 21's ghost), while a flat wall where the flow merely failed keeps its
        dream."""
        detail = state.previous_detail
        if self.settings.camera_fill and motion.camera is not None:
            detail = warp(detail, motion.camera, sharp=self.settings.sharp_warp)
        return detail * unchanged[..., None]

    def _held_locally(self, detail: np.ndarray, local_reference: LocalReference) -> tuple[np.ndarray, np.ndarray]:
        """The detail held between floor and cap times each place's own reference strength (regrowing by
        at most `regrowth` a frame), and the updated reference map: a global hold would pump the still
        background up to make up for a weak subject, and the subject would still look plain beside it.
        Where a place was freshly dreamed its reference becomes what it now has, but never less than it
        carried: a light re-dream of a small or dark subject would otherwise set the bar it is held to,
        and it would never count as short again (issue 21, docs/measurements.md: tiled.mp4's moving
        coverage 0.73 -> 0.78 of the per-frame dream's over crops not shrunk under min_side alone)."""
        carried, fresh = local_reference.carried, local_reference.fresh
        window = self.settings.redream.for_size(*detail.shape[:2]).window
        now = local_strength(detail, window)
        reference = np.maximum(carried * (1.0 - fresh) + np.maximum(now, carried) * fresh, 1e-3)
        target = np.clip(now, self.settings.strength_floor * reference, self.settings.strength_cap * reference)
        gain = np.minimum(target / np.maximum(now, 1e-3), self.settings.regrowth)
        gain = cv2.blur(gain.astype(np.float32), (window, window))
        return detail * gain[..., None], reference.astype(np.float32)

    def _local_reference(self, state: CoherenceState, motion: Motion, unchanged: np.ndarray) -> np.ndarray:
        """The previous frame's local reference strengths carried along the flow (the frame's mean
        strength everywhere when there are none), floored at a tenth of that mean. Where the flow fails,
        the reference moves with the camera where the content is `unchanged`, and is the frame's mean
        where it changed: the background a strongly dreamed subject uncovers is held to what backgrounds
        get, not to the subject's strength (street.mp4's ghost figure, issue 21)."""
        backward = motion.backward
        if state.local_reference is None or state.local_reference.shape != backward.shape[:2]:
            return np.full(backward.shape[:2], state.reference_strength, np.float32)
        carried = warp(state.local_reference, backward)
        previous = state.local_reference
        if self.settings.camera_fill and motion.camera is not None:
            previous = warp(previous, motion.camera)
        fallback = unchanged * previous + (1.0 - unchanged) * state.reference_strength
        carried = motion.reliable * carried + (1.0 - motion.reliable) * fallback
        return np.maximum(carried, 0.1 * state.reference_strength).astype(np.float32)

    def _fresh(self, current: np.ndarray, seed: int, time: float, progress: Progress | None,
               cuts: int) -> np.ndarray:
        if isinstance(self.effect, CarryingEffect):
            result, carry = self.effect.first_carrying(current, seed=seed, time=time, progress=progress)
        else:
            result, carry = self.effect.first(current, seed=seed, time=time, progress=progress), {}
        strength = float(np.abs(result - current).mean())
        fresh = None
        if self.settings.redream is not None and self.settings.redream.local_reference:
            fresh = LocalReference(np.zeros(current.shape[:2], np.float32), np.ones(current.shape[:2], np.float32))
        gain = None
        redream = self.settings.redream
        if self.settings.coherent and redream is not None and redream.match_strength and redream.calibrate:
            redream = redream.for_size(*current.shape[:2], self.settings.dream_scale)
            gain = light_gain(current, result, lambda image: self.effect.first(
                image, seed=seed, time=time, steps=redream.crop_steps), redream)
        self.remember(current, result, max(strength, 1e-3), cuts, fresh, carry, light_gain=gain)
        return result

    def remember(self, current: np.ndarray, result: np.ndarray, reference: float, cuts: int,
                 local_reference: LocalReference | None = None,
                 carry: dict[str, np.ndarray] | None = None, light_gain: LightGain | None = None) -> None:
        """Keep a treated frame as the state for the next: its detail, held between floor and cap
        (when the settings hold its strength), and the effect's own carried arrays.

        local_reference: what the frame's detail is held to place by place (see LocalReference).
        light_gain: the re-dream's calibration (see CoherenceState), passed on.
        """
        detail = result - current
        carry = dict(carry or {})
        if local_reference is not None and self.settings.hold_strength:
            detail, local = self._held_locally(detail, local_reference)
            self.state = CoherenceState(current, detail.astype(np.float32), reference, cuts, carry, local, light_gain)
            return
        strength = float(np.abs(detail).mean())
        ceiling = self.settings.strength_cap * reference
        floor = self.settings.strength_floor * reference
        if self.settings.hold_strength and strength > ceiling:
            detail *= ceiling / strength
        elif self.settings.hold_strength and 0 < strength < floor:
            detail *= min(floor / strength, self.settings.regrowth)
        self.state = CoherenceState(current, detail.astype(np.float32), reference, cuts, carry, light_gain=light_gain)


def _still(motion: Motion) -> np.ndarray:
    """(H, W) in 0..1: where the picture stands still (flow under STILL_MOTION px, passing the check over
    STILL_RELIABLE), softened by STILL_BLUR px."""
    speed = np.hypot(motion.backward[..., 0], motion.backward[..., 1])
    still = ((motion.reliable > STILL_RELIABLE) & (speed < STILL_MOTION)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(still, (0, 0), STILL_BLUR), 0.0, 1.0)


def _carried(carry: dict[str, np.ndarray], motion: Motion, shape) -> dict[str, np.ndarray]:
    """The effect's carried arrays warped along the motion and scaled by its reliability (so zero
    where the flow fails); arrays of another size than the frame are dropped."""
    carried = {}
    for key, value in carry.items():
        if value.shape[:2] != tuple(shape):
            continue
        reliable = motion.reliable if value.ndim == 2 else motion.reliable[..., None]
        carried[key] = (warp(value, motion.backward) * reliable).astype(np.float32)
    return carried
