"""Measured quality figures for benchmarks and tests: flicker, strength, motion coverage, colour drift,
loop seam.

All figures are on the 0..255 scale. Frames are (H, W, 3) RGB arrays, uint8 or float.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Iterator, Sequence

import cv2
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.settings import CoherenceSettings
from dreamvid.video import flow
from dreamvid.video.strength import local_strength as detail_strength
from dreamvid.zoom import camera


class FlickerMeter:
    """Streaming flicker: feed (input, output) frame pairs one at a time, memory stays flat.

    For each step t-1 -> t the flow is measured on the INPUT frames (DIS medium), the previous
    OUTPUT frame is warped onto frame t, and the mean absolute difference over all channels is
    taken over pixels that pass the forward-backward consistency check. value averages the steps.
    The same warp applied to the input frames gives baseline, the flicker the source already has.
    """

    def __init__(self, estimator: flow.FlowEstimator | None = None) -> None:
        self._estimator = estimator or flow.FlowEstimator("medium")
        self._previous_input = None
        self._previous_output = None
        self._output_total = 0.0
        self._input_total = 0.0
        self._steps = 0
        self._frames = 0
        self.pairs: list[tuple[int, float, float]] = []  # (index t of the later frame, output figure, input figure) of each measured step

    def add(self, input_frame: np.ndarray, output_frame: np.ndarray) -> None:
        """Add the next frame pair."""
        input_frame = _as_float_frame(input_frame)
        output_frame = _as_float_frame(output_frame)
        if input_frame.shape != output_frame.shape:
            raise DreamvidError(
                f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}"
            )
        self._frames += 1
        if self._previous_input is not None:
            self._measure_step(input_frame, output_frame)
        self._previous_input = input_frame
        self._previous_output = output_frame

    @property
    def value(self) -> float:
        """Mean warped frame-to-frame difference of the output frames."""
        self._require_steps()
        return self._output_total / self._steps

    @property
    def baseline(self) -> float:
        """The same figure for the input frames against themselves."""
        self._require_steps()
        return self._input_total / self._steps

    @property
    def ratio(self) -> float:
        """value / baseline; 1.0 means no more flicker than the source (also when both are 0)."""
        value, baseline = self.value, self.baseline
        if baseline == 0.0:
            return 1.0 if value == 0.0 else float("inf")
        return value / baseline

    def _measure_step(self, input_frame: np.ndarray, output_frame: np.ndarray) -> None:
        """Accumulate one t-1 -> t step; steps without a consistent pixel are skipped."""
        if input_frame.shape != self._previous_input.shape:
            raise DreamvidError(
                f"frame size changed from {self._previous_input.shape} to {input_frame.shape}"
            )
        backward, forward = self._estimator.backward_flow_pair(self._previous_input, input_frame)
        consistent = flow.consistency_mask(backward, forward, softening=0) > 0.5
        if not consistent.any():
            return
        output_difference = _masked_difference(flow.warp(self._previous_output, backward), output_frame, consistent)
        input_difference = _masked_difference(flow.warp(self._previous_input, backward), input_frame, consistent)
        self._output_total += output_difference
        self._input_total += input_difference
        self._steps += 1
        self.pairs.append((self._frames - 1, output_difference, input_difference))

    def _require_steps(self) -> None:
        """Raise DreamvidError until at least one step is measured."""
        if self._steps == 0:
            raise DreamvidError("flicker needs at least two frames with trackable motion")


def flicker(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray]) -> float:
    """Flicker of output_frames, with motion measured on input_frames (see FlickerMeter)."""
    return _fed_meter(input_frames, output_frames).value


def flicker_ratio(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray]) -> float:
    """flicker(input, output) / flicker(input, input); about 1 for a steady result."""
    return _fed_meter(input_frames, output_frames).ratio


def strength(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray]) -> float:
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
HEIGHT_BINS = (40, 100)  # moving regions binned by height (px): under 40, 40 to 100, over 100 (issue 21)
GHOST_BLUR = 4.0  # Gaussian sigma (px) of the grey frames the ghost figure compares
GHOST_CLEARANCE = 8  # px: uncovered background nearer than this to a moving pixel is not counted
MIN_STATIC_SHARE = 0.1  # a frame's ratios need this share of static ground to divide by (issue 21 round ten:
# on vehicle.mp4's blurred pan the camera-corrected motion left 0.3-4.7% of the frame static, and the ghost
# figure was a ratio over slivers of it)


def local_strength(input_frame: np.ndarray, output_frame: np.ndarray, window: int = STRENGTH_WINDOW) -> np.ndarray:
    """|output - input| averaged over channels and box-blurred over window x window pixels, (H, W): the
    strength re-dreaming measures on the carried detail (dreamvid.video.strength.local_strength)."""
    input_frame = _as_float_frame(input_frame)
    output_frame = _as_float_frame(output_frame)
    if input_frame.shape != output_frame.shape:
        raise DreamvidError(
            f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}"
        )
    return detail_strength(output_frame - input_frame, window)


def plain_share(output_frame: np.ndarray, input_frame: np.ndarray, reference_median: float) -> float:
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
    by_height: tuple[float, ...] = (float("nan"),) * (len(HEIGHT_BINS) + 1)  # moving ratio per height bin
    height_frames: tuple[int, ...] = (0,) * (len(HEIGHT_BINS) + 1)  # frames that gave each bin's ratio
    ghost: float = float("nan")  # median ghost figure (see MotionCoverageMeter), nan when never defined
    ghost_frames: int = 0
    follow: float = float("nan")  # median follow figure (see MotionCoverageMeter), nan when never defined
    ghost_by_frame: tuple[tuple[int, float], ...] = ()  # (frame index, ghost figure) of each frame that gave one


class MotionCoverageMeter:
    """Streaming motion coverage: feed (input, output) frame pairs one at a time.

    Per frame: local strength = |output - input| averaged over channels, 9x9 box blur. Moving pixels:
    the DIS (medium) flow from this input frame back to the previous one is longer than 1 px, mask
    eroded 3x3; where the camera moves (its fitted motion, flow.camera_flow, moves the median pixel over
    1 px) the flow less the camera's, and earlier frames' masks follow the camera. Wake pixels moved in
    any of the previous 6 frames but not now; static pixels are the
    rest. The frame's ratios are median strength over moving (wake) pixels / median over static
    pixels. The result takes the median of each ratio over frames from index first_frame on, skipping
    frames whose moving (wake) share is under 0.2% and frames with under 10% static ground to divide
    by. At a scene cut (the coherent dream's own test: under half the frame passes the flow's
    forward-backward check, or the previous input warped along the flow misses the new one by over 30
    grey levels where it does) the frame is not measured and the history starts afresh. Static content dominates most frames, so global
    strength and flicker hide a dream that leaves moving subjects plain; this figure does not.

    By height (issue 21): the moving mask's connected components (8-connected) are binned by the
    height of their bounding box (under 40, 40 to 100, over 100 px); each bin's ratio is the median
    strength over its pixels / the static median, in frames where the bin holds at least 0.2% of
    the picture, median over frames. A dream that reaches large subjects only shows it here.

    Ghost: grey input and output frames blurred by a Gaussian of 4 px; the mean |output - input| over
    the background a subject uncovered (wake pixels at least 8 px from any moving pixel) / the same
    mean over static pixels at least 8 px from moving and wake pixels. About 1 when the uncovered
    background is treated like the rest; a subject's imprint dragged over it (a smear, a trail)
    raises it, and the blur keeps a dream's fine motifs from counting as an imprint.

    Follow: the correlation of the grey output with the grey input, both blurred by 4 px, over the
    moving pixels and the wake (about 1 when the picture shows the subjects where they now are). A
    frozen or smeared picture shows them where they were, so it scores low however little it flickers;
    a dream's motifs lower it too, so compare it with a per-frame dream's.
    """

    def __init__(self, estimator: flow.FlowEstimator | None = None, first_frame: int = FIRST_COVERAGE_FRAME) -> None:
        if first_frame < 1:
            raise DreamvidError(f"motion coverage starts at frame 1 or later, got {first_frame}")
        self._estimator = estimator or flow.FlowEstimator("medium")
        self._first_frame = first_frame
        self._previous_input = None
        self._history: collections.deque[np.ndarray] = collections.deque(maxlen=WAKE_FRAMES)
        self._index = 0
        self._moving_ratios: list[float] = []
        self._wake_ratios: list[float] = []
        self._height_ratios: list[list[float]] = [[] for _ in range(len(HEIGHT_BINS) + 1)]
        self._ghost_by_frame: list[tuple[int, float]] = []
        self._follows: list[float] = []
        self.frames: list[tuple[int, float | None, float | None]] = []  # (index, moving, wake ratio) per measured frame

    def add(self, input_frame: np.ndarray, output_frame: np.ndarray) -> None:
        """Add the next frame pair."""
        input_frame = _as_float_frame(input_frame)
        strength_map = local_strength(input_frame, output_frame)
        if self._previous_input is not None:
            if input_frame.shape != self._previous_input.shape:
                raise DreamvidError(
                    f"frame size changed from {self._previous_input.shape} to {input_frame.shape}"
                )
            moving, panned = self._moving_pixels(input_frame)
            if moving is None:  # a scene cut: nothing moved into this frame, and nothing was uncovered
                self._history.clear()
                self._previous_input = input_frame
                self._index += 1
                return
            if panned is not None:  # earlier frames' masks follow the camera onto this frame
                self._history = collections.deque((_moved(earlier, panned) for earlier in self._history),
                                                  maxlen=WAKE_FRAMES)
            wake = np.zeros_like(moving)
            for earlier in self._history:
                wake |= earlier
            wake &= ~moving
            if self._index >= self._first_frame:
                self._measure(strength_map, moving, wake)
                self._measure_ghost(input_frame, _as_float_frame(output_frame), moving, wake)
                follow = follow_figure(input_frame, _as_float_frame(output_frame), moving | wake)
                if follow is not None:
                    self._follows.append(follow)
            self._history.append(moving)
        self._previous_input = input_frame
        self._index += 1

    @property
    def value(self) -> MotionCoverage:
        """The MotionCoverage so far."""
        return MotionCoverage(
            moving=_median_or_nan(self._moving_ratios),
            wake=_median_or_nan(self._wake_ratios),
            frames_used=len(self._moving_ratios),
            wake_frames_used=len(self._wake_ratios),
            by_height=tuple(_median_or_nan(ratios) for ratios in self._height_ratios),
            height_frames=tuple(len(ratios) for ratios in self._height_ratios),
            ghost=_median_or_nan([ghost for _, ghost in self._ghost_by_frame]),
            ghost_frames=len(self._ghost_by_frame),
            follow=_median_or_nan(self._follows),
            ghost_by_frame=tuple(self._ghost_by_frame),
        )

    def _moving_pixels(self, input_frame: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Boolean (H, W): flow back to the previous input frame longer than 1 px, eroded 3x3; and the
        camera's flow when the camera moved. Where the camera's fitted motion (flow.camera_flow) moves the
        median pixel over 1 px, motion is the flow less the camera's, so a panning clip's subjects are
        told from its background (else every pixel moves and no frame counts). (None, None) at a scene
        cut, by the test the coherent dream starts afresh on (flow.is_scene_cut over the forward-backward
        check at the default tolerance): a cut's flow is noise, and its mask would count the whole frame as
        moving, and then as uncovered for WAKE_FRAMES frames."""
        backward, forward = self._estimator.backward_flow_pair(self._previous_input, input_frame)
        tolerance = flow.check_tolerance(CoherenceSettings.flow_tolerance, input_frame.shape)  # the dream's own check
        checked = flow.consistency_mask(backward, forward, tolerance=tolerance, boundaries=False)
        if flow.is_scene_cut(self._previous_input, input_frame, backward, checked):
            return None, None
        panned = flow.camera_flow(backward, np.ones(backward.shape[:2], np.float32))
        if np.median(np.hypot(panned[..., 0], panned[..., 1])) > MOVING_FLOW:
            backward = backward - panned
        else:
            panned = None
        moving = (np.hypot(backward[..., 0], backward[..., 1]) > MOVING_FLOW).astype(np.uint8)
        return cv2.erode(moving, np.ones((3, 3), np.uint8)).astype(bool), panned

    def _measure(self, strength_map: np.ndarray, moving: np.ndarray, wake: np.ndarray) -> None:
        """Record this frame's moving and wake ratios where they are defined."""
        static = ~(moving | wake)
        if static.mean() < MIN_STATIC_SHARE:
            return
        static_median = float(np.median(strength_map[static]))
        if static_median <= 0.0:
            return
        measured = []
        for region, ratios in ((moving, self._moving_ratios), (wake, self._wake_ratios)):
            ratio = None
            if region.mean() >= MIN_REGION_SHARE:
                ratio = float(np.median(strength_map[region])) / static_median
                ratios.append(ratio)
            measured.append(ratio)
        self.frames.append((self._index, *measured))
        for bin_mask, ratios in zip(moving_by_height(moving), self._height_ratios):
            if bin_mask.mean() >= MIN_REGION_SHARE:
                ratios.append(float(np.median(strength_map[bin_mask])) / static_median)

    def _measure_ghost(self, input_frame: np.ndarray, output_frame: np.ndarray, moving: np.ndarray,
                       wake: np.ndarray) -> None:
        """Record this frame's ghost figure where there is uncovered background and clear static ground."""
        ghost = ghost_figure(input_frame, output_frame, moving, wake)
        if ghost is not None:
            self._ghost_by_frame.append((self._index, ghost))


def _moved(mask: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """A boolean mask of the previous frame carried onto the current one along a backward flow (nearest)."""
    map_x, map_y = flow.sample_maps(backward)
    return cv2.remap(mask.astype(np.uint8), map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT).astype(bool)


def moving_by_height(moving: np.ndarray, bins: Sequence[int] = HEIGHT_BINS) -> list[np.ndarray]:
    """The moving mask split by the height of its connected components (8-connected): one boolean
    (H, W) mask per bin, under bins[0] px, bins[0] to bins[1] px, ..., at least bins[-1] px."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(moving.astype(np.uint8), connectivity=8)
    heights = stats[:, cv2.CC_STAT_HEIGHT]
    bin_of = np.searchsorted(np.asarray(bins), heights, side="right")  # component label -> bin
    bin_of[0] = -1  # the background label
    per_pixel = bin_of[labels]
    return [per_pixel == index for index in range(len(bins) + 1)]


def ghost_figure(input_frame: np.ndarray, output_frame: np.ndarray, moving: np.ndarray, wake: np.ndarray,
                 blur: float = GHOST_BLUR, clearance: int = GHOST_CLEARANCE) -> float | None:
    """Mean blurred-grey |output - input| over uncovered background / over clear static pixels
    (see MotionCoverageMeter); None when the uncovered background holds under 0.2% of the frame, the
    static pixels under MIN_STATIC_SHARE of it, or the static mean is 0."""
    if input_frame.shape != output_frame.shape:
        raise DreamvidError(f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}")
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * clearance + 1, 2 * clearance + 1))
    near_moving = cv2.dilate(moving.astype(np.uint8), disc).astype(bool)
    uncovered = wake & ~near_moving
    static = ~cv2.dilate((moving | wake).astype(np.uint8), disc).astype(bool)
    if uncovered.mean() < MIN_REGION_SHARE or static.mean() < MIN_STATIC_SHARE:
        return None
    grey_in = cv2.GaussianBlur(cv2.cvtColor(input_frame, cv2.COLOR_RGB2GRAY), (0, 0), blur)
    grey_out = cv2.GaussianBlur(cv2.cvtColor(np.clip(output_frame, 0, 255), cv2.COLOR_RGB2GRAY), (0, 0), blur)
    difference = np.abs(grey_out - grey_in)
    static_mean = float(difference[static].mean())
    if static_mean <= 0.0:
        return None
    return float(difference[uncovered].mean()) / static_mean


def follow_figure(input_frame: np.ndarray, output_frame: np.ndarray, region: np.ndarray,
                  blur: float = GHOST_BLUR) -> float | None:
    """Pearson correlation of the blurred grey output and input over `region` (see MotionCoverageMeter);
    None when the region holds under 0.2% of the frame or either side is flat there."""
    if input_frame.shape != output_frame.shape:
        raise DreamvidError(f"input and output frames differ in shape: {input_frame.shape} and {output_frame.shape}")
    if region.mean() < MIN_REGION_SHARE:
        return None
    grey_in = cv2.GaussianBlur(cv2.cvtColor(input_frame, cv2.COLOR_RGB2GRAY), (0, 0), blur)[region]
    grey_out = cv2.GaussianBlur(cv2.cvtColor(np.clip(output_frame, 0, 255), cv2.COLOR_RGB2GRAY), (0, 0), blur)[region]
    if grey_in.std() == 0 or grey_out.std() == 0:
        return None
    return float(np.corrcoef(grey_in.astype(np.float64), grey_out.astype(np.float64))[0, 1])


class VideoFigures:
    """The quality figures of a video render, measured as it goes (for `--report`): flicker ratio,
    dream strength (mean |output - input|) and motion coverage, all measured against the input frames.

    Coverage here is the render's own (moving and wake strength over static); the issue's comparison
    with a per-frame dream needs that dream too, which bench/motion_coverage.py makes.
    """

    def __init__(self) -> None:
        self._flicker = FlickerMeter()
        self._coverage = MotionCoverageMeter()
        self._strength_total = 0.0
        self.frames = 0

    def add(self, input_frame: np.ndarray, output_frame: np.ndarray) -> None:
        """Add the next frame pair (the frames must follow each other in the clip)."""
        input_frame, output_frame = _as_float_frame(input_frame), _as_float_frame(output_frame)
        self._flicker.add(input_frame, output_frame)
        self._coverage.add(input_frame, output_frame)
        self._strength_total += float(np.abs(output_frame - input_frame).mean())
        self.frames += 1

    def as_dict(self) -> dict:
        """The figures as plain data; None where too few frames were measured."""
        coverage = self._coverage.value
        steps = len(self._flicker.pairs)
        return {
            "frames_measured": self.frames,
            "flicker_ratio": round(self._flicker.ratio, 3) if steps else None,
            "strength": round(self._strength_total / self.frames, 3) if self.frames else None,
            "motion_coverage": {
                "moving": None if np.isnan(coverage.moving) else round(coverage.moving, 3),
                "wake": None if np.isnan(coverage.wake) else round(coverage.wake, 3),
                "frames_used": coverage.frames_used,
                "wake_frames_used": coverage.wake_frames_used,
            },
        }


def motion_coverage(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray],
                    first_frame: int = FIRST_COVERAGE_FRAME) -> MotionCoverage:
    """MotionCoverage of output_frames, motion measured on input_frames (see MotionCoverageMeter)."""
    meter = MotionCoverageMeter(first_frame=first_frame)
    for input_frame, output_frame in _pairs(input_frames, output_frames):
        meter.add(input_frame, output_frame)
    return meter.value


def _median_or_nan(values: Sequence[float]) -> float:
    """Median of a list, nan when it is empty."""
    return float(np.median(values)) if values else float("nan")


def brightness_saturation(frame: np.ndarray) -> tuple[float, float]:
    """(mean V, mean S) of an RGB frame in HSV, both on the 0..255 scale."""
    rgb = np.clip(_as_float_frame(frame), 0.0, 255.0) / 255.0
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    return float(hsv[..., 2].mean() * 255.0), float(hsv[..., 1].mean() * 255.0)


def loop_seam(frames: Iterable[np.ndarray], move: camera.CameraMove) -> tuple[float, float]:
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


def _fed_meter(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray]) -> FlickerMeter:
    """A FlickerMeter fed with every frame pair."""
    meter = FlickerMeter()
    for input_frame, output_frame in _pairs(input_frames, output_frames):
        meter.add(input_frame, output_frame)
    return meter


def _pairs(input_frames: Iterable[np.ndarray], output_frames: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
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


def _moved_difference(frame: np.ndarray, following: np.ndarray, move: camera.CameraMove) -> float:
    """mean |following - Z(frame)| with Z the camera move."""
    if frame.shape != following.shape:
        raise DreamvidError(f"frame size changed from {frame.shape} to {following.shape}")
    return float(np.abs(following - camera.apply_camera(frame, move)).mean())


def _masked_difference(warped: np.ndarray, frame: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute difference over all channels of the pixels where mask is true."""
    return float(np.abs(warped - frame)[mask].mean())


def _as_float_frame(frame: np.ndarray) -> np.ndarray:
    """Frame as float32 (H, W, 3) with values 0..255."""
    image = np.asarray(frame, dtype=np.float32)
    if image.ndim != 3 or image.shape[2] != 3:
        raise DreamvidError(f"expected an (H, W, 3) RGB frame, got shape {image.shape}")
    return image


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: how much fine detail a frame holds.

    Grey is cv2's RGB -> grey (0.299 R + 0.587 G + 0.114 B) taken in float, not rounded to 8 bits;
    the Laplacian is cv2's 3x3 one in float64 with reflected borders. A blur or a cross-fade of
    two unrelated pictures lowers it; noise raises it.
    """
    return float(cv2.Laplacian(_grey(frame), cv2.CV_64F).var())


def sharpness_ratios(frames: Iterable[np.ndarray], start: int, end: int | None = None) -> list[float]:
    """sharpness(frame i) / reference for each i in [start, end) (end None: to the last frame), where
    reference is the median sharpness of the frames outside that run. 1.0 is as sharp as a typical
    other frame. Frames stream: only one figure per frame is kept.

    For a looped zoom of N output frames whose last `overlap` frames cross-fade, start = N - overlap.
    """
    return ratios_to_the_rest([sharpness(frame) for frame in frames], start, end)


def ratios_to_the_rest(values: Iterable[float], start: int, end: int | None = None) -> list[float]:
    """values[i] / median of the values outside [start, end), for each i in [start, end)."""
    if start < 0 or (end is not None and end <= start):
        raise DreamvidError(f"sharpness ratios need 0 <= start < end, got start={start}, end={end}")
    inside, outside = [], []
    for index, value in enumerate(values):
        (inside if start <= index and (end is None or index < end) else outside).append(value)
    if not inside or not outside:
        raise DreamvidError(
            f"sharpness ratios need frames both inside and outside [{start}, {end}), got {len(inside)} and {len(outside)}"
        )
    reference = float(np.median(outside))
    if reference == 0.0:
        raise DreamvidError("sharpness ratios: the frames outside the run have no detail (sharpness 0)")
    return [value / reference for value in inside]


def loop_figures(sharpness: list[float], fade: int) -> dict:
    """A loop's transition against the rest: each transition frame's sharpness over the others' median."""
    if not fade or len(sharpness) <= fade:
        return {}
    ratios = ratios_to_the_rest(sharpness, len(sharpness) - fade)
    return {"loop_sharpness": {"minimum": round(min(ratios), 3), "median": round(sorted(ratios)[len(ratios) // 2], 3)}}


def sharpness_dip(frames: Iterable[np.ndarray], start: int, end: int | None = None) -> tuple[float, float]:
    """(minimum, median) of sharpness_ratios(frames, start, end): how soft a loop's cross-fade gets.

    The zoom loop goal: minimum >= 0.85.
    """
    ratios = sharpness_ratios(frames, start, end)
    return min(ratios), float(np.median(ratios))


def structural_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """SSIM of the grey images (Wang et al. 2004): Gaussian window sigma 1.5 (11 x 11),
    C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2, the mean of the SSIM map over the whole frame.
    1.0 for identical frames, about 0 for unrelated ones."""
    return _grey_similarity(_grey(first), _grey(second))


def structural_dissimilarity(first: np.ndarray, second: np.ndarray) -> float:
    """(1 - SSIM) / 2 of the grey images: 0 for identical frames, about 0.5 for unrelated ones
    (1 only for a frame against its negative). Taken between frames some seconds apart in a zoom,
    it says whether the picture keeps changing or has settled into one texture."""
    return (1.0 - structural_similarity(first, second)) / 2.0


def _grey_similarity(first: np.ndarray, second: np.ndarray) -> float:
    """SSIM of two grey images (see structural_similarity)."""
    if first.shape != second.shape:
        raise DreamvidError(f"frames differ in shape: {first.shape} and {second.shape}")
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(image: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(image, (11, 11), 1.5)

    mean_first, mean_second = blur(first), blur(second)
    variance_first = blur(first * first) - mean_first**2
    variance_second = blur(second * second) - mean_second**2
    covariance = blur(first * second) - mean_first * mean_second
    numerator = (2 * mean_first * mean_second + c1) * (2 * covariance + c2)
    denominator = (mean_first**2 + mean_second**2 + c1) * (variance_first + variance_second + c2)
    return float((numerator / denominator).mean())


def structural_change(frames: Iterable[np.ndarray], fps: float, seconds: float = 10.0) -> list[float]:
    """structural_dissimilarity(frame i, frame i + round(seconds * fps)) for every i that has a partner.

    Frames stream; the grey images of the last round(seconds * fps) frames are kept. A zoom that
    stays interesting keeps these values up over its length; one that turns into a uniform field of
    the same motif sees them fall toward 0 (zoomed texture looks like itself).
    """
    gap = round(seconds * fps)
    if gap < 1:
        raise DreamvidError(f"structural_change needs a gap of at least one frame, got {seconds} s at {fps} fps")
    window = [None] * gap  # grey frame i sits at i % gap
    values = []
    for index, frame in enumerate(frames):
        grey = _grey(frame)
        if index >= gap:
            values.append((1.0 - _grey_similarity(window[index % gap], grey)) / 2.0)
        window[index % gap] = grey
    return values


def dominant_motif_share(frame: np.ndarray, patch: int = 24, threshold: float = 0.7, candidates: int = 8) -> float:
    """The share of the frame covered by copies of its most repeated patch, 0..1.

    The grey frame is cut into a `candidates` x `candidates` grid; the patch x patch square at each
    grid cell's centre (unless nearly flat) is matched everywhere with cv2.matchTemplate
    (TM_CCOEFF_NORMED). A copy is a position whose score exceeds `threshold` and is the highest
    within patch x patch around it (so a patch does not count again one pixel along an edge); each
    copy covers its patch x patch square. The answer is the largest covered share over the
    candidates: a field of one motif repeated at most `patch` pixels apart scores near 1, a
    varied picture near 0 (a lone patch covers patch^2 / frame area by itself).
    """
    grey = _grey(frame).astype(np.float32)  # matchTemplate takes float32
    height, width = grey.shape
    if height < 2 * patch or width < 2 * patch:
        raise DreamvidError(f"dominant_motif_share needs a frame of at least {2 * patch} x {2 * patch}, got {width} x {height}")
    window = np.ones((patch, patch), np.uint8)
    best = 0.0
    for row in range(candidates):
        for column in range(candidates):
            top = round((row + 0.5) * (height - patch) / candidates)
            left = round((column + 0.5) * (width - patch) / candidates)
            template = grey[top : top + patch, left : left + patch]
            if template.std() < 2.0:  # flat: matches anything flat, not a motif
                continue
            scores = cv2.matchTemplate(grey, template, cv2.TM_CCOEFF_NORMED)
            peaks = (scores > threshold) & (scores >= cv2.dilate(scores, window))
            copies = np.zeros((height, width), np.uint8)
            copies[: scores.shape[0], : scores.shape[1]] = peaks
            # The copy found at (y, x) covers [y, y + patch) x [x, x + patch): grow each one down and right.
            covered = cv2.dilate(copies, window, anchor=(patch - 1, patch - 1), borderType=cv2.BORDER_CONSTANT, borderValue=0)
            best = max(best, float(covered.mean()))
    return best


def _grey(frame: np.ndarray) -> np.ndarray:
    """Grey image of an RGB frame, float64 0..255, not rounded."""
    return cv2.cvtColor(_as_float_frame(frame), cv2.COLOR_RGB2GRAY).astype(np.float64)


def texture_signature(frame: np.ndarray, bands: int = 5, orientations: int = 4) -> np.ndarray:
    """What kind of texture a frame holds, wherever it sits: log power spectrum in octave bands x orientations.

    The grey frame, less its mean and under a Hann window, goes through a 2-D FFT; the power is
    averaged in `bands` octaves of spatial frequency (0.25..0.5 cycles per pixel, then each octave
    below) times `orientations` equal angle sectors, logged, and the mean over all bins is taken off,
    so a change of contrast does not count and a shift of the picture changes nothing. Returns a
    (bands * orientations,) float64 array.
    """
    grey = _grey(frame)
    height, width = grey.shape
    if min(height, width) < 2 ** (bands + 1):
        raise DreamvidError(f"a texture signature with {bands} bands needs frames of at least {2 ** (bands + 1)} pixels a side")
    window = np.outer(np.hanning(height), np.hanning(width))
    power = np.abs(np.fft.fft2((grey - grey.mean()) * window)) ** 2
    vertical, horizontal = np.meshgrid(np.fft.fftfreq(height), np.fft.fftfreq(width), indexing="ij")
    band = np.floor(-np.log2(np.maximum(np.hypot(vertical, horizontal), 1e-12) / 0.5)).astype(int)
    sector = (np.mod(np.arctan2(vertical, horizontal), np.pi) / np.pi * orientations).astype(int) % orientations
    inside = (band >= 0) & (band < bands)
    bins = band[inside] * orientations + sector[inside]
    totals = np.bincount(bins, weights=power[inside], minlength=bands * orientations)
    counts = np.bincount(bins, minlength=bands * orientations)
    logs = np.log(totals / np.maximum(counts, 1) + 1e-6)
    return logs - logs.mean()


def texture_distance(first: np.ndarray, second: np.ndarray) -> float:
    """Root-mean-square difference of the texture signatures, in natural-log units of power.

    0 for the same texture (also shifted, or at another contrast); it grows as the scale or the
    orientation of the detail changes. Unlike structural_dissimilarity it does not need the two
    pictures to line up, so between frames 10 s apart in a zoom (long since moved past each other)
    it still tells one repeated texture (low) from a picture that keeps changing (high)."""
    difference = texture_signature(first) - texture_signature(second)
    return float(np.sqrt(np.mean(difference**2)))


def texture_change(frames: Iterable[np.ndarray], fps: float, seconds: float = 10.0) -> list[float]:
    """texture_distance(frame i, frame i + round(seconds * fps)) for every i that has a partner.

    Frames stream; only the signatures of the last round(seconds * fps) frames are kept.
    """
    gap = round(seconds * fps)
    if gap < 1:
        raise DreamvidError(f"texture_change needs a gap of at least one frame, got {seconds} s at {fps} fps")
    window = [None] * gap  # signature of frame i sits at i % gap
    values = []
    for index, frame in enumerate(frames):
        signature = texture_signature(frame)
        if index >= gap:
            values.append(float(np.sqrt(np.mean((window[index % gap] - signature) ** 2))))
        window[index % gap] = signature
    return values
