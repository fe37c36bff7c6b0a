import cv2
import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.video import flow

MARGIN = 8


def texture(height, width, seed, cell=4):
    """Smooth random RGB texture, uint8: random values every `cell` pixels, bicubic in between."""
    coarse = np.random.default_rng(seed).uniform(0, 255, (height // cell + 1, width // cell + 1, 3))
    smooth = cv2.resize(coarse.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(smooth, 0, 255).astype(np.uint8)


def shifted_pair(dx, dy, height=64, width=96, seed=0):
    """(previous, current) where the content moves by (dx, dy) pixels."""
    scene = texture(height + 20, width + 20, seed)
    previous = scene[10 : 10 + height, 10 : 10 + width]
    current = scene[10 - dy : 10 - dy + height, 10 - dx : 10 - dx + width]
    return previous, current


def interior(array):
    return array[MARGIN:-MARGIN, MARGIN:-MARGIN]


def moving_square(shift, size=32, height=80, width=112, seed=0):
    """Static textured background with a textured square moving right by shift pixels."""
    background = texture(height, width, seed)
    square = texture(size, size, seed + 100)
    top, left = (height - size) // 2, (width - size) // 2 - 8
    previous, current = background.copy(), background.copy()
    previous[top : top + size, left : left + size] = square
    current[top : top + size, left + shift : left + shift + size] = square
    return previous, current, (top, left, size)


def test_flow_recovers_known_translation():
    previous, current = shifted_pair(3, 2)
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    assert backward.shape == (64, 96, 2) and backward.dtype == np.float32
    assert np.abs(interior(backward) - [-3, -2]).max() < 0.5
    assert np.abs(interior(forward) - [3, 2]).max() < 0.5


def test_one_estimator_serves_many_pairs():
    estimator = flow.FlowEstimator()
    for dx in (1, 2):
        previous, current = shifted_pair(dx, 0)
        backward, _ = estimator.backward_flow_pair(previous, current)
        assert np.abs(interior(backward) - [-dx, 0]).max() < 0.5


def test_warp_by_backward_flow_matches_current_frame():
    previous, current = shifted_pair(3, 2)
    backward, _ = flow.FlowEstimator().backward_flow_pair(previous, current)
    warped = flow.warp(previous.astype(np.float32), backward)
    error = np.abs(warped - current.astype(np.float32))
    assert warped.dtype == np.float32
    assert interior(error).mean() < 1.0
    assert interior(error).mean() < 0.1 * np.abs(previous.astype(np.float32) - current).mean()


def test_warp_by_integer_flow_is_an_exact_shift():
    image = np.random.default_rng(1).uniform(0, 255, (12, 16, 5)).astype(np.float32)
    backward = np.zeros((12, 16, 2), np.float32)
    backward[..., 0], backward[..., 1] = -2, -1
    warped = flow.warp(image, backward)
    assert warped.shape == image.shape and warped.dtype == np.float32
    np.testing.assert_array_equal(warped[1:, 2:], image[:-1, :-2])


def test_warp_by_zero_flow_keeps_float_values():
    image = np.random.default_rng(2).uniform(0, 255, (10, 14)).astype(np.float32)
    warped = flow.warp(image, np.zeros((10, 14, 2), np.float32))
    np.testing.assert_array_equal(warped, image)


def test_consistency_mask_of_exactly_inverse_flows_is_one():
    backward = np.zeros((20, 24, 2), np.float32)
    backward[..., 0] = -3
    mask = flow.consistency_mask(backward, -backward, softening=0)
    assert mask.dtype == np.float32 and mask.shape == (20, 24)
    np.testing.assert_array_equal(mask[:, 2:], 1.0)
    # Columns 0 and 1 would come from more than a pixel left of the previous frame: nothing there.
    np.testing.assert_array_equal(mask[:, :2], 0.0)
    np.testing.assert_allclose(flow.consistency_mask(backward, -backward)[:, 5:], 1.0, atol=1e-6)


def test_consistency_mask_of_disagreeing_flows_is_zero():
    backward = np.zeros((20, 24, 2), np.float32)
    backward[..., 0] = -3
    np.testing.assert_array_equal(flow.consistency_mask(backward, backward), 0.0)


def test_consistency_mask_marks_disoccluded_strip_and_keeps_background():
    shift = 5
    previous, current, (top, left, size) = moving_square(shift)
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    mask = flow.consistency_mask(backward, forward)
    assert mask.min() >= 0.0 and mask.max() <= 1.0
    strip = mask[top : top + size, left : left + shift]
    np.testing.assert_array_equal(strip[3:-3, :-1], 0.0)
    assert strip.mean() < 0.05
    far = np.ones(mask.shape, bool)
    far[top - 14 : top + size + 14, left - 14 : left + shift + size + 14] = False
    np.testing.assert_allclose(mask[far], 1.0, atol=1e-6)


def test_unrelated_images_are_a_scene_cut():
    rng = np.random.default_rng(3)
    previous = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    current = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    mask = flow.consistency_mask(backward, forward)
    assert flow.is_scene_cut(previous, current, backward, mask)


def test_unrelated_textures_are_a_scene_cut():
    previous, current = texture(64, 96, 4), texture(64, 96, 5)
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    assert flow.is_scene_cut(previous, current, backward, flow.consistency_mask(backward, forward))


def test_small_pan_is_not_a_scene_cut():
    previous, current = shifted_pair(2, 1)
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    mask = flow.consistency_mask(backward, forward)
    assert not flow.is_scene_cut(previous, current, backward, mask)


def test_bad_input_raises_dreamvid_error():
    with pytest.raises(DreamvidError, match="preset"):
        flow.FlowEstimator("slowest")
    with pytest.raises(DreamvidError, match="size"):
        flow.FlowEstimator().flow(np.zeros((8, 8, 3), np.uint8), np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(DreamvidError, match="flow"):
        flow.warp(np.zeros((8, 8, 3), np.float32), np.zeros((8, 9, 2), np.float32))


def test_content_entering_at_an_edge_is_unreliable():
    """A pan to the right: the new strip at the right edge had no place in the previous frame."""
    from conftest import textured_image

    wide = textured_image(64, 112, seed=5).astype(np.uint8)
    previous, current = wide[:, :96], wide[:, 6:102]
    backward, forward = flow.FlowEstimator().backward_flow_pair(previous, current)
    mask = flow.consistency_mask(backward, forward, softening=0)
    assert mask[8:-8, -4:].mean() < 0.2
    assert mask[8:-8, 20:70].mean() > 0.9


def test_camera_flow_fits_a_pan_everywhere_and_nothing_without_reliable_vectors():
    height, width = 96, 128
    pan = np.zeros((height, width, 2), np.float32)
    pan[..., 0], pan[..., 1] = 3.0, -1.0
    noisy = pan + np.random.default_rng(0).normal(0, 0.2, pan.shape).astype(np.float32)
    noisy[:, 100:] = 40.0  # a strip where the flow went wrong, unreliable
    reliable = np.ones((height, width), np.float32)
    reliable[:, 100:] = 0.0
    camera = flow.camera_flow(noisy, reliable)
    np.testing.assert_allclose(camera, pan, atol=0.2)  # including the unreliable strip
    assert not flow.camera_flow(noisy, np.zeros_like(reliable)).any()


def test_a_sharp_warp_keeps_fine_detail_that_bilinear_blurs_away():
    rng = np.random.default_rng(0)
    detail = cv2.GaussianBlur(rng.normal(0, 20, (64, 96)).astype(np.float32), (0, 0), 1.0)
    shift = np.zeros((64, 96, 2), np.float32)
    shift[..., 0], shift[..., 1] = 0.45, 0.2
    kept = {}
    for sharp in (False, True):
        moved = detail
        for _ in range(10):
            moved = flow.warp(moved, shift, sharp=sharp)
        kept[sharp] = np.abs(interior(moved)).mean() / np.abs(interior(detail)).mean()
    assert kept[True] > 0.93 and kept[False] < 0.7  # measured: 0.97 and 0.57
