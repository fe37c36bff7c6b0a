"""Measured quality figures for benchmarks and tests: flicker, strength, motion coverage, colour drift,
loop seam.

All figures are on the 0..255 scale. Frames are (H, W, 3) RGB arrays, uint8 or float.
"""

import collections
import dataclasses

import cv2
import numpy as np

from dreamvid import camera, flow
from dreamvid.errors import DreamvidError


class FlickerMeter:
    """Streaming flicker: feed (input, output) frame pairs one at a time, memory stays flat.

    For each step t-1 -> t the flow is measured on the INPUT frames (DIS medium), the previous
    OUTPUT frame is warped onto frame t, and the mean absolute difference over all channels is
    taken over pixels that pass the forward-backward consistency check. value averages the steps.
    The same warp applied to the input frames gives baseline, the flicker the source already has.
    """

    def __init__(self, estimator=None):
        self._estimator = estimator or flow.FlowEstimator("medium")
        self._previous_input = None
        self._previous_output = None
        self._output_total = 0.0
        self._input_total = 0.0
        self._steps = 0

    def add(self, input_frame, output_frame):
        """Add the next frame pair."""
        input_frame = _as_float_frame(input_frame)
        output_frame = _as_float_frame(output_frame)
        if input_frame.shape != output_frame.shape:
            raise DreamvidError(
                f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}"
            )
        if self._previous_input is not None:
            self._measure_step(input_frame, output_frame)
        self._previous_input = input_frame
        self._previous_output = output_frame

    @property
    def value(self):
        """Mean warped frame-to-frame difference of the output frames."""
        self._require_steps()
        return self._output_total / self._steps

    @property
    def baseline(self):
        """The same figure for the input frames against themselves."""
        self._require_steps()
        return self._input_total / self._steps

    @property
    def ratio(self):
        """value / baseline; 1.0 means no more flicker than the source (also when both are 0)."""
        value, baseline = self.value, self.baseline
        if baseline == 0.0:
            return 1.0 if value == 0.0 else float("inf")
        return value / baseline

    def _measure_step(self, input_frame, output_frame):
        """Accumulate one t-1 -> t step; steps without a consistent pixel are skipped."""
        if input_frame.shape != self._previous_input.shape:
            raise DreamvidError(
                f"frame size changed from {self._previous_input.shape} to {input_frame.shape}"
            )
        backward, forward = self._estimator.backward_flow_pair(self._previous_input, input_frame)
        consistent = flow.consistency_mask(backward, forward, softening=0) > 0.5
        if not consistent.any():
            return
        self._output_total += _masked_difference(
            flow.warp(self._previous_output, backward), output_frame, consistent
        )
        self._input_total += _masked_difference(
            flow.warp(self._previous_input, backward), input_frame, consistent
        )
        self._steps += 1

    def _require_steps(self):
        """Raise DreamvidError until at least one step is measured."""
        if self._steps == 0:
            raise DreamvidError("flicker needs at least two frames with trackable motion")


def flicker(input_frames, output_frames):
    """Flicker of output_frames, with motion measured on input_frames (see FlickerMeter)."""
    return _fed_meter(input_frames, output_frames).value


def flicker_ratio(input_frames, output_frames):
    """flicker(input, output) / flicker(input, input); about 1 for a steady result."""
    return _fed_meter(input_frames, output_frames).ratio


def strength(input_frames, output_frames):
    """Mean absolute difference between output and input frames, 0..255."""
    total = 0.0
    count = 0
    for input_frame, output_frame in _pairs(input_frames, output_frames):
        total += float(np.abs(_as_float_frame(output_frame) - _as_float_frame(input_frame)).mean())
        count += 1
    if count == 0:
        raise DreamvidError("strength needs at least one frame")
    return total / count


# Motion coverage (issue 15): how strongly moving content, and what it uncovers, is dreamed
# compared with static content.
STRENGTH_WINDOW = 9  # box blur side of the local strength, pixels
MOVING_FLOW = 1.0  # pixels of flow from the previous input frame above which a pixel moves
WAKE_FRAMES = 6  # a pixel that moved in any of this many previous frames, but not now, is wake
MIN_REGION_SHARE = 0.002  # frames with a smaller moving (or wake) share are skipped
FIRST_COVERAGE_FRAME = 9  # 0-based: the 10th frame, once a coherent dream has settled
PLAIN_FRACTION = 0.25  # a pixel is plain under this share of a reference median strength


def local_strength(input_frame, output_frame, window=STRENGTH_WINDOW):
    """|output - input| averaged over channels and box-blurred over window x window pixels, (H, W)."""
    input_frame = _as_float_frame(input_frame)
    output_frame = _as_float_frame(output_frame)
    if input_frame.shape != output_frame.shape:
        raise DreamvidError(
            f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}"
        )
    difference = np.abs(output_frame - input_frame).mean(axis=2)
    return cv2.blur(difference, (window, window), borderType=cv2.BORDER_REFLECT)


def plain_share(output_frame, input_frame, reference_median):
    """Share of pixels left plain: local strength under a quarter of reference_median.

    reference_median is typically the median local strength of a per-frame dream of the same frame,
    so the figure says how much of the picture a dream leaves undreamed compared with it.
    """
    if not reference_median > 0:
        raise DreamvidError(f"the reference median strength must be positive, got {reference_median}")
    strength_map = local_strength(input_frame, output_frame)
    return float((strength_map < PLAIN_FRACTION * reference_median).mean())


@dataclasses.dataclass(frozen=True)
class MotionCoverage:
    """Median over frames of moving (and wake) strength / static strength; nan when no frame qualified."""

    moving: float
    wake: float
    frames_used: int  # frames that gave a moving ratio
    wake_frames_used: int = 0  # frames that gave a wake ratio


class MotionCoverageMeter:
    """Streaming motion coverage: feed (input, output) frame pairs one at a time.

    Per frame: local strength = |output - input| averaged over channels, 9x9 box blur. Moving pixels:
    the DIS (medium) flow from this input frame back to the previous one is longer than 1 px, mask
    eroded 3x3. Wake pixels moved in any of the previous 6 frames but not now; static pixels are the
    rest. The frame's ratios are median strength over moving (wake) pixels / median over static
    pixels. The result takes the median of each ratio over frames from index first_frame on, skipping
    frames whose moving (wake) share is under 0.2%. Static content dominates most frames, so global
    strength and flicker hide a dream that leaves moving subjects plain; this figure does not.
    """

    def __init__(self, estimator=None, first_frame=FIRST_COVERAGE_FRAME):
        if first_frame < 1:
            raise DreamvidError(f"motion coverage starts at frame 1 or later, got {first_frame}")
        self._estimator = estimator or flow.FlowEstimator("medium")
        self._first_frame = first_frame
        self._previous_input = None
        self._history = collections.deque(maxlen=WAKE_FRAMES)
        self._index = 0
        self._moving_ratios = []
        self._wake_ratios = []

    def add(self, input_frame, output_frame):
        """Add the next frame pair."""
        input_frame = _as_float_frame(input_frame)
        strength_map = local_strength(input_frame, output_frame)
        if self._previous_input is not None:
            if input_frame.shape != self._previous_input.shape:
                raise DreamvidError(
                    f"frame size changed from {self._previous_input.shape} to {input_frame.shape}"
                )
            moving = self._moving_pixels(input_frame)
            wake = np.zeros_like(moving)
            for earlier in self._history:
                wake |= earlier
            wake &= ~moving
            if self._index >= self._first_frame:
                self._measure(strength_map, moving, wake)
            self._history.append(moving)
        self._previous_input = input_frame
        self._index += 1

    @property
    def value(self):
        """The MotionCoverage so far."""
        return MotionCoverage(
            moving=_median_or_nan(self._moving_ratios),
            wake=_median_or_nan(self._wake_ratios),
            frames_used=len(self._moving_ratios),
            wake_frames_used=len(self._wake_ratios),
        )

    def _moving_pixels(self, input_frame):
        """Boolean (H, W): flow back to the previous input frame longer than 1 px, eroded 3x3."""
        backward = self._estimator.flow(input_frame, self._previous_input)
        moving = (np.hypot(backward[..., 0], backward[..., 1]) > MOVING_FLOW).astype(np.uint8)
        return cv2.erode(moving, np.ones((3, 3), np.uint8)).astype(bool)

    def _measure(self, strength_map, moving, wake):
        """Record this frame's moving and wake ratios where they are defined."""
        static = ~(moving | wake)
        if not static.any():
            return
        static_median = float(np.median(strength_map[static]))
        if static_median <= 0.0:
            return
        for region, ratios in ((moving, self._moving_ratios), (wake, self._wake_ratios)):
            if region.mean() >= MIN_REGION_SHARE:
                ratios.append(float(np.median(strength_map[region])) / static_median)


def motion_coverage(input_frames, output_frames, first_frame=FIRST_COVERAGE_FRAME):
    """MotionCoverage of output_frames, motion measured on input_frames (see MotionCoverageMeter)."""
    meter = MotionCoverageMeter(first_frame=first_frame)
    for input_frame, output_frame in _pairs(input_frames, output_frames):
        meter.add(input_frame, output_frame)
    return meter.value


def _median_or_nan(values):
    """Median of a list, nan when it is empty."""
    return float(np.median(values)) if values else float("nan")


def brightness_saturation(frame):
    """(mean V, mean S) of an RGB frame in HSV, both on the 0..255 scale."""
    rgb = np.clip(_as_float_frame(frame), 0.0, 255.0) / 255.0
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    return float(hsv[..., 2].mean() * 255.0), float(hsv[..., 1].mean() * 255.0)


def loop_seam(frames, move):
    """(d_wrap, median_d) of a looping camera animation.

    With Z the known per-frame camera move, d_i = mean |F[i+1] - Z(F[i])| and
    d_wrap = mean |F[0] - Z(F[-1])|. A loop passes when d_wrap / median_d <= 1.5.
    """
    first = previous = None
    differences = []
    for frame in frames:
        frame = _as_float_frame(frame)
        if previous is None:
            first = frame
        else:
            differences.append(_moved_difference(previous, frame, move))
        previous = frame
    if len(differences) < 1:
        raise DreamvidError("loop_seam needs at least two frames")
    return _moved_difference(previous, first, move), float(np.median(differences))


def _fed_meter(input_frames, output_frames):
    """A FlickerMeter fed with every frame pair."""
    meter = FlickerMeter()
    for input_frame, output_frame in _pairs(input_frames, output_frames):
        meter.add(input_frame, output_frame)
    return meter


def _pairs(input_frames, output_frames):
    """Zip two frame iterables, raising DreamvidError if one ends early."""
    inputs, outputs = iter(input_frames), iter(output_frames)
    end = object()
    while True:
        input_frame, output_frame = next(inputs, end), next(outputs, end)
        if input_frame is end and output_frame is end:
            return
        if input_frame is end or output_frame is end:
            raise DreamvidError("input and output sequences differ in length")
        yield input_frame, output_frame


def _moved_difference(frame, following, move):
    """mean |following - Z(frame)| with Z the camera move."""
    if frame.shape != following.shape:
        raise DreamvidError(f"frame size changed from {frame.shape} to {following.shape}")
    return float(np.abs(following - camera.apply_camera(frame, move)).mean())


def _masked_difference(warped, frame, mask):
    """Mean absolute difference over all channels of the pixels where mask is true."""
    return float(np.abs(warped - frame)[mask].mean())


def _as_float_frame(frame):
    """Frame as float32 (H, W, 3) with values 0..255."""
    image = np.asarray(frame, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise DreamvidError(f"expected an (H, W, 3) RGB frame, got shape {image.shape}")
    return image
