import dataclasses

import cv2
import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.zoom import camera


def smooth_image(height=48, width=64):
    """Low-frequency RGB float32 image of sinusoids with values in [100, 200]."""
    y, x = np.mgrid[0:height, 0:width]
    channels = [150 + 50 * np.sin(x / 6.0 + phase) * np.cos(y / 5.0 - phase) for phase in (0, 1, 2)]
    return np.stack(channels, axis=2).astype(np.float32)


def as_3x3(matrix):
    return np.vstack([matrix, [0.0, 0.0, 1.0]])


def test_default_move_is_exactly_the_identity():
    move = camera.CameraMove(zoom=1, rotate=0, pan=(0, 0))
    image = np.random.default_rng(1).uniform(0, 255, (9, 13, 3)).astype(np.float32)
    np.testing.assert_array_equal(camera.camera_matrix(move, 13, 9), [[1, 0, 0], [0, 1, 0]])
    moved = camera.apply_camera(image, move)
    assert moved.dtype == np.float32 and moved is not image
    np.testing.assert_array_equal(moved, image)


def test_matrix_matches_opencv_rotation_about_the_center():
    move = camera.CameraMove(zoom=1.3, rotate=17.0)
    expected = cv2.getRotationMatrix2D((31.5, 23.5), 17.0, 1.3)
    np.testing.assert_allclose(camera.camera_matrix(move, 64, 48), expected, rtol=0, atol=1e-12)


def test_zoom_in_magnifies_about_the_center():
    matrix = camera.camera_matrix(camera.CameraMove(zoom=2.0, center=(0.25, 0.5)), 41, 21)
    center = np.array([10.0, 10.0, 1.0])
    np.testing.assert_array_equal(matrix @ center, [10.0, 10.0])
    np.testing.assert_array_equal(matrix @ [13.0, 9.0, 1.0], [16.0, 8.0])


def test_pan_right_slides_content_left_by_whole_pixels():
    image = np.random.default_rng(2).uniform(0, 255, (20, 50, 3)).astype(np.float32)
    moved = camera.apply_camera(image, camera.CameraMove(pan=(0.1, 0.0)))
    np.testing.assert_array_equal(moved[:, :-5], image[:, 5:])


def test_per_frame_divides_a_per_second_move():
    move = camera.CameraMove.per_frame(
        zoom_per_second=2.0, rotate_per_second=90.0, pan_per_second=(0.5, -0.25), fps=25
    )
    assert move.zoom == 2.0 ** (1 / 25)
    assert move.rotate == 90.0 / 25
    assert move.pan == (0.5 / 25, -0.25 / 25)
    assert move.center == (0.5, 0.5)


def test_per_frame_zoom_composed_over_one_second_is_the_per_second_zoom():
    per_frame = camera.CameraMove.per_frame(zoom_per_second=2.0, rotate_per_second=30.0, fps=25)
    once = camera.CameraMove(zoom=2.0, rotate=30.0)
    step = as_3x3(camera.camera_matrix(per_frame, 64, 48))
    composed = np.linalg.matrix_power(step, 25)
    np.testing.assert_allclose(composed, as_3x3(camera.camera_matrix(once, 64, 48)), atol=1e-9)

    image = smooth_image()
    repeated = image
    for _ in range(25):
        repeated = camera.apply_camera(repeated, per_frame)
    direct = camera.apply_camera(image, once)
    # Not exact: 25 resamplings on OpenCV's 1/32 pixel grid; values span 100..200.
    assert np.abs(repeated - direct)[8:-8, 8:-8].mean() < 2.0


def test_zoom_out_fills_the_border_by_reflection_not_black():
    image = smooth_image()
    moved = camera.apply_camera(image, camera.CameraMove(zoom=0.5, rotate=30.0, pan=(0.2, 0.1)))
    assert moved.dtype == np.float32 and moved.shape == image.shape
    assert moved.min() > 90.0


def test_result_stays_float_and_within_range():
    image = np.zeros((16, 16, 3), np.float32)
    image[:, 8:] = 255.0
    move = camera.CameraMove(zoom=1.37, rotate=5.0)
    unclipped = cv2.warpAffine(image, camera.camera_matrix(move, 16, 16), (16, 16), flags=camera.INTERPOLATION)
    moved = camera.apply_camera(image, move)
    assert unclipped.min() < 0.0 and unclipped.max() > 255.0
    assert moved.dtype == np.float32
    assert moved.min() == 0.0 and moved.max() == 255.0
    assert np.any(moved != np.round(moved))


def test_move_is_frozen_and_validated():
    move = camera.CameraMove(pan=[0.1, 0])
    assert move.pan == (0.1, 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        move.zoom = 2.0
    with pytest.raises(DreamvidError, match="zoom"):
        camera.CameraMove(zoom=0)
    with pytest.raises(DreamvidError, match="pan"):
        camera.CameraMove(pan=(0.1,))
    with pytest.raises(DreamvidError, match="fps"):
        camera.CameraMove.per_frame(2.0, fps=0)
