import math

import cv2
import numpy as np
import pytest

from dreamvid import camera, metrics
from dreamvid.errors import DreamvidError

HEIGHT, WIDTH, FRAMES = 48, 64, 6


def texture(height, width, seed, cell=4):
    """Smooth random RGB texture, float32 0..255: random values every `cell` pixels, bicubic between."""
    coarse = np.random.default_rng(seed).uniform(0, 255, (height // cell + 1, width // cell + 1, 3))
    smooth = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(smooth, 0, 255)


def panning(scene, count=FRAMES):
    """Frames of a camera sliding one pixel right per frame over a larger scene."""
    return [scene[4 : 4 + HEIGHT, 4 + index : 4 + index + WIDTH].copy() for index in range(count)]


def input_frames():
    return [np.rint(frame).astype(np.uint8) for frame in panning(texture(HEIGHT + 8, WIDTH + 16, 0))]


def zoom_loop_frames(count, zoom, size=48):
    """An exactly periodic zoom: log-polar sinusoids, frame i is frame 0 zoomed in by zoom**i."""
    period = count * math.log(zoom)
    y, x = np.mgrid[0:size, 0:size].astype(np.float64)
    center = (size - 1) / 2
    log_radius = np.log(np.hypot(x - center, y - center) + 1e-9)
    angle = np.arctan2(y - center, x - center)
    frames = []
    for index in range(count):
        phase = 2 * math.pi * (log_radius - index * math.log(zoom)) / period
        channels = [128 + 60 * np.sin(phase + k) + 40 * np.sin(6 * angle + k) for k in range(3)]
        frames.append(np.stack(channels, axis=2).astype(np.float32))
    return frames


def test_flicker_of_input_against_itself_has_ratio_one():
    frames = input_frames()
    assert metrics.flicker_ratio(frames, frames) == 1.0
    assert metrics.flicker(frames, frames) > 0.0


def test_random_noise_flickers_far_more_than_a_steady_overlay():
    scene = texture(HEIGHT + 8, WIDTH + 16, 0)
    overlay = texture(HEIGHT + 8, WIDTH + 16, 1, cell=3) - 127.5
    inputs = [np.rint(frame).astype(np.uint8) for frame in panning(scene)]
    steady = panning(np.clip(scene + 0.3 * overlay, 0, 255))
    rng = np.random.default_rng(2)
    noisy = [np.clip(frame + rng.normal(0, 12, frame.shape), 0, 255) for frame in inputs]
    steady_ratio = metrics.flicker_ratio(inputs, steady)
    noisy_ratio = metrics.flicker_ratio(inputs, noisy)
    assert steady_ratio < 3.0
    assert noisy_ratio > 5 * steady_ratio


def test_flicker_meter_streams_the_same_figures():
    frames = input_frames()
    outputs = [frame.astype(np.float32) + 10 * (index % 2) for index, frame in enumerate(frames)]
    meter = metrics.FlickerMeter()
    with pytest.raises(DreamvidError):
        meter.value
    for input_frame, output_frame in zip(frames, outputs):
        meter.add(input_frame, output_frame)
    assert meter.value == metrics.flicker(frames, outputs)
    assert meter.ratio == metrics.flicker_ratio(frames, outputs)
    assert meter.baseline == metrics.flicker(frames, frames)
    assert meter.value > 9.0


def test_strength():
    frames = input_frames()
    assert metrics.strength(frames, frames) == 0.0
    brighter = [np.clip(frame.astype(np.float32), 0, 200) + 10.0 for frame in frames]
    darker = [np.clip(frame.astype(np.float32), 0, 200) for frame in frames]
    assert metrics.strength(darker, brighter) == 10.0


def test_brightness_saturation():
    grey = np.full((4, 4, 3), 128, np.uint8)
    red = np.zeros((4, 4, 3), np.float32)
    red[..., 0] = 255.0
    assert metrics.brightness_saturation(grey) == pytest.approx((128.0, 0.0), abs=1e-4)
    assert metrics.brightness_saturation(red) == pytest.approx((255.0, 255.0), abs=1e-4)


def test_loop_seam_of_a_periodic_zoom_is_small():
    move = camera.CameraMove(zoom=1.05)
    frames = zoom_loop_frames(12, 1.05)
    wrap, median = metrics.loop_seam(iter(frames), move)
    assert median > 0.0
    assert wrap / median <= 1.5


def test_loop_seam_of_a_plain_zoom_is_large():
    move = camera.CameraMove(zoom=1.05)
    rng = np.random.default_rng(3)
    frames = [texture(48, 48, 4)]
    for _ in range(11):
        frames.append(camera.apply_camera(frames[-1], move) + rng.normal(0, 1, (48, 48, 3)))
    wrap, median = metrics.loop_seam(frames, move)
    assert wrap / median > 10.0


def test_bad_input_raises_dreamvid_error():
    frames = input_frames()
    with pytest.raises(DreamvidError, match="length"):
        metrics.strength(frames, frames[:-1])
    with pytest.raises(DreamvidError, match="shape"):
        metrics.FlickerMeter().add(frames[0], frames[0][:, :-1])
    with pytest.raises(DreamvidError, match="two frames"):
        metrics.flicker(frames[:1], frames[:1])
    with pytest.raises(DreamvidError, match="two frames"):
        metrics.loop_seam(frames[:1], camera.CameraMove())


SQUARE, SQUARE_STEP, MOVING_FRAMES = 32, 3, 12


def moving_square_clip(count=MOVING_FRAMES):
    """A textured square sliding SQUARE_STEP px right per frame over a static textured background.

    Returns (frames, square_masks): uint8 RGB frames and a boolean mask of the square in each.
    """
    background = texture(64, 96, 5)
    square = texture(SQUARE, SQUARE, 6, cell=3)
    frames, masks = [], []
    for index in range(count):
        left = 8 + SQUARE_STEP * index
        frame = background.copy()
        frame[16 : 16 + SQUARE, left : left + SQUARE] = square
        mask = np.zeros((64, 96), bool)
        mask[16 : 16 + SQUARE, left : left + SQUARE] = True
        frames.append(np.rint(frame).astype(np.uint8))
        masks.append(mask)
    return frames, masks


def dreamed(frames, plain_masks=None):
    """'Dreams': a fixed +-12 checker added everywhere except where plain_masks[i] is true."""
    checker = np.where((np.indices((64, 96)).sum(axis=0) % 2) == 0, 12.0, -12.0)[..., None]
    outputs = []
    for index, frame in enumerate(frames):
        detail = np.repeat(checker, 3, axis=2)
        if plain_masks is not None:
            detail = detail * ~plain_masks[index][..., None]
        outputs.append(np.clip(frame.astype(np.float32), 20, 235) + detail)
    return [np.clip(frame.astype(np.float32), 20, 235) for frame in frames], outputs


def test_motion_coverage_is_one_when_detail_is_everywhere():
    frames, _ = moving_square_clip()
    inputs, outputs = dreamed(frames)
    coverage = metrics.motion_coverage(inputs, outputs, first_frame=3)
    assert coverage.frames_used == MOVING_FRAMES - 3
    assert coverage.wake_frames_used == MOVING_FRAMES - 3
    assert coverage.moving == pytest.approx(1.0, abs=0.01)
    assert coverage.wake == pytest.approx(1.0, abs=0.01)


def test_motion_coverage_is_zero_for_a_plain_moving_square():
    frames, masks = moving_square_clip()
    inputs, outputs = dreamed(frames, plain_masks=masks)
    coverage = metrics.motion_coverage(inputs, outputs, first_frame=3)
    assert coverage.moving == pytest.approx(0.0, abs=0.05)
    assert coverage.wake == pytest.approx(1.0, abs=0.05)


def test_motion_coverage_sees_a_plain_wake():
    frames, masks = moving_square_clip()
    wakes = []
    for index, mask in enumerate(masks):
        trail = np.zeros_like(mask)
        for earlier in masks[max(0, index - 6) : index]:
            trail |= earlier
        wakes.append(trail & ~mask)
    inputs, outputs = dreamed(frames, plain_masks=wakes)
    coverage = metrics.motion_coverage(inputs, outputs, first_frame=3)
    assert coverage.wake < 0.3
    assert coverage.moving > 0.5


def test_motion_coverage_skips_still_clips_and_early_frames():
    frames = [input_frames()[0]] * 8
    inputs, outputs = frames, [frame.astype(np.float32) + 5 for frame in frames]
    coverage = metrics.motion_coverage(inputs, outputs, first_frame=2)
    assert coverage.frames_used == 0 and math.isnan(coverage.moving) and math.isnan(coverage.wake)
    moving, _ = moving_square_clip()
    assert metrics.motion_coverage(*dreamed(moving)).frames_used == MOVING_FRAMES - metrics.FIRST_COVERAGE_FRAME
    with pytest.raises(DreamvidError, match="frame 1 or later"):
        metrics.MotionCoverageMeter(first_frame=0)


def test_plain_share_counts_pixels_under_a_quarter_of_the_reference():
    frames, masks = moving_square_clip(1)
    inputs, outputs = dreamed(frames, plain_masks=masks)
    share = metrics.plain_share(outputs[0], inputs[0], reference_median=12.0)
    square_share = masks[0].mean()
    assert square_share * 0.5 < share < square_share * 1.1
    assert metrics.plain_share(inputs[0], inputs[0], reference_median=12.0) == 1.0
    with pytest.raises(DreamvidError, match="positive"):
        metrics.plain_share(outputs[0], inputs[0], reference_median=0.0)
