import math

import cv2
import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.measure import metrics
from dreamvid.zoom import camera

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


def fine_texture(seed, size=64):
    """Pixel-level random RGB detail, float32 0..255."""
    return np.random.default_rng(seed).uniform(0, 255, (size, size, 3)).astype(np.float32)


def test_sharpness_falls_with_blur_and_is_zero_for_a_flat_frame():
    image = texture(64, 64, 5, cell=2)
    blurred = cv2.GaussianBlur(image, (0, 0), 1.5)
    assert metrics.sharpness(blurred) < 0.2 * metrics.sharpness(image)
    assert metrics.sharpness(np.full((16, 16, 3), 77, np.uint8)) == 0.0
    as_bytes = np.rint(image).astype(np.uint8)
    assert metrics.sharpness(as_bytes) == metrics.sharpness(as_bytes.astype(np.float32))


def test_sharpness_dip_of_a_cross_fade_of_two_unrelated_frames_is_about_one_half():
    """Half of each of two independent textures has half the Laplacian variance of either."""
    clip = [fine_texture(seed) for seed in range(8)]
    fade = [0.5 * fine_texture(20 + seed) + 0.5 * fine_texture(40 + seed) for seed in range(4)]
    minimum, median = metrics.sharpness_dip(clip + fade, start=8)
    assert 0.4 < minimum <= median < 0.6
    ratios = metrics.sharpness_ratios(iter(clip + fade + clip[:2]), start=8, end=12)
    assert len(ratios) == 4 and max(ratios) < 0.6
    assert metrics.sharpness_dip([clip[0]] * 6, start=4) == (1.0, 1.0)


def test_structural_dissimilarity_zero_for_identical_half_for_unrelated():
    image = texture(64, 64, 6, cell=2)
    assert metrics.structural_dissimilarity(image, image) == 0.0
    assert metrics.structural_similarity(image, image) == 1.0
    unrelated = metrics.structural_dissimilarity(fine_texture(1), fine_texture(2))
    assert unrelated == pytest.approx(0.5, abs=0.02)
    blurred = metrics.structural_dissimilarity(image, cv2.GaussianBlur(image, (0, 0), 1.0))
    assert 0.0 < blurred < unrelated
    assert metrics.structural_dissimilarity(image, 255.0 - image) > 0.9  # the negative: structure reversed
    assert blurred == metrics.structural_dissimilarity(cv2.GaussianBlur(image, (0, 0), 1.0), image)


def test_structural_change_pairs_frames_the_given_time_apart():
    still = [texture(48, 48, 7)] * 7
    assert metrics.structural_change(still, fps=2, seconds=1.5) == [0.0] * 4  # gap 3: pairs (0,3) .. (3,6)
    changing = [fine_texture(seed, 48) for seed in range(5)]
    values = metrics.structural_change(iter(changing), fps=1, seconds=2)
    assert len(values) == 3
    assert values == pytest.approx([0.5] * 3, abs=0.03)
    assert metrics.structural_change(changing[:2], fps=1, seconds=2) == []


def test_dominant_motif_share_high_for_a_field_of_one_motif_low_for_a_varied_frame():
    motif = texture(20, 20, 8, cell=3)
    field = np.tile(motif, (7, 7, 1))[:128, :128]
    assert metrics.dominant_motif_share(field) > 0.85
    assert metrics.dominant_motif_share(fine_texture(9, 128)) < 0.05
    assert metrics.dominant_motif_share(np.full((128, 128, 3), 50, np.float32)) == 0.0


def test_new_figures_reject_bad_input():
    frames = [fine_texture(seed, 16) for seed in range(4)]
    with pytest.raises(DreamvidError, match="inside and outside"):
        metrics.sharpness_dip(frames, start=0)
    with pytest.raises(DreamvidError, match="start < end"):
        metrics.sharpness_dip(frames, start=2, end=2)
    with pytest.raises(DreamvidError, match="no detail"):
        metrics.sharpness_dip([np.zeros((8, 8, 3))] * 3 + frames[:1], start=3)
    with pytest.raises(DreamvidError, match="differ in shape"):
        metrics.structural_dissimilarity(frames[0], frames[1][:8])
    with pytest.raises(DreamvidError, match="at least one frame"):
        metrics.structural_change(frames, fps=10, seconds=0.01)
    with pytest.raises(DreamvidError, match="at least 48 x 48"):
        metrics.dominant_motif_share(frames[0])


def test_texture_distance_ignores_position_and_contrast_but_not_scale():
    image = texture(128, 128, 10, cell=4)
    other_seed = texture(128, 128, 11, cell=4)
    coarser = texture(128, 128, 12, cell=16)
    assert metrics.texture_distance(image, image) == 0.0
    assert metrics.texture_distance(image, 0.5 * image + 60.0) == pytest.approx(0.0, abs=1e-5)
    same_kind = metrics.texture_distance(image, other_seed)
    assert same_kind < 0.6
    assert metrics.texture_distance(image, coarser) > 5 * same_kind
    assert metrics.texture_distance(image, fine_texture(13, 128)) > 5 * same_kind
    assert metrics.texture_signature(image).shape == (20,)


def test_texture_change_low_where_structural_change_cannot_tell():
    """A field of one motif, shifted: the pixels no longer line up, the texture is the same."""
    motif = texture(16, 16, 14, cell=2)
    field = np.tile(motif, (14, 14, 1))
    frames = [field[shift : shift + 128, 2 * shift : 2 * shift + 128] for shift in range(0, 40, 5)]
    assert max(metrics.texture_change(frames, fps=1, seconds=3)) < 0.3
    assert min(metrics.structural_change(frames, fps=1, seconds=3)) > 0.2
    varied = [texture(128, 128, seed, cell=2 + 3 * (seed % 4)) for seed in range(8)]
    assert min(metrics.texture_change(varied, fps=1, seconds=3)) > 1.0
    with pytest.raises(DreamvidError, match="at least one frame"):
        metrics.texture_change(frames, fps=1, seconds=0.2)
    with pytest.raises(DreamvidError, match="at least 64 pixels"):
        metrics.texture_signature(np.zeros((32, 128, 3)))
SQUARE, SQUARE_STEP, MOVING_FRAMES = 32, 3, 12


def moving_square_clip(count=MOVING_FRAMES, pan=0):
    """A textured square sliding SQUARE_STEP px right per frame over a static textured background (seen
    by a camera panning `pan` px a frame to the right).

    Returns (frames, square_masks): uint8 RGB frames and a boolean mask of the square in each.
    """
    background = texture(64, 96 + pan * count, 5)
    square = texture(SQUARE, SQUARE, 6, cell=3)
    frames, masks = [], []
    for index in range(count):
        left = 8 + SQUARE_STEP * index
        frame = background[:, pan * index:pan * index + 96].copy()
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


def test_motion_coverage_keeps_each_frame_ratios_by_index():
    frames, masks = moving_square_clip()
    inputs, outputs = dreamed(frames, plain_masks=[mask if index >= 6 else np.zeros_like(mask) for index, mask in enumerate(masks)])
    meter = metrics.MotionCoverageMeter(first_frame=3)
    for frame, output in zip(inputs, outputs):
        meter.add(frame, output)
    assert [index for index, _, _ in meter.frames] == list(range(3, MOVING_FRAMES))
    moving = {index: ratio for index, ratio, _ in meter.frames}
    assert all(moving[index] == pytest.approx(1.0, abs=0.01) for index in (3, 4, 5))  # dreamed square
    assert all(moving[index] < 0.05 for index in range(6, MOVING_FRAMES))  # plain square
    assert meter.value.moving == pytest.approx(float(np.median([ratio for _, ratio, _ in meter.frames])))


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


def test_video_figures_measure_flicker_strength_and_coverage():
    from dreamvid.measure.metrics import VideoFigures

    rng = np.random.default_rng(3)
    scene = cv2.GaussianBlur(rng.uniform(0, 255, (96, 160, 3)).astype(np.float32), (0, 0), 2.0)
    figures = VideoFigures()
    patch = scene[20:60, 10:50].copy()
    for index in range(12):  # a patch crosses a still scene 3 px a frame; the output adds fresh noise
        frame = scene[::-1].copy()
        frame[30:70, 20 + 3 * index:60 + 3 * index] = patch
        figures.add(frame, np.clip(frame + rng.normal(0, 10, frame.shape), 0, 255))
    data = figures.as_dict()
    assert data["frames_measured"] == 12
    assert data["flicker_ratio"] > 1.5  # fresh noise every frame flickers more than the input
    assert 6.0 < data["strength"] < 10.0  # mean |N(0, 10)| is about 8
    coverage = data["motion_coverage"]  # the noise is as strong on the patch as on the rest
    assert coverage["frames_used"] >= 1 and 0.7 < coverage["moving"] < 1.4


def test_moving_regions_are_binned_by_the_height_of_their_components():
    moving = np.zeros((200, 60), bool)
    moving[5:15, 5:25] = True  # 10 px tall
    moving[20:80, 5:10] = True  # 60 px tall
    moving[85:195, 30:40] = True  # 110 px tall
    small, middle, large = metrics.moving_by_height(moving)
    assert small.sum() == 200 and small[5:15, 5:25].all()
    assert middle.sum() == 300 and middle[20:80, 5:10].all()
    assert large.sum() == 1100 and large[85:195, 30:40].all()
    assert not (small & middle).any() and not (middle & large).any()


def two_squares_clip(count=10):
    """A 16-px and a 56-px textured square sliding 3 px right per frame over a textured 128x160
    background; returns (frames, small square masks)."""
    background = texture(128, 160, 7)
    small, large = texture(16, 16, 8, cell=3), texture(56, 56, 9, cell=3)
    frames, masks = [], []
    for index in range(count):
        left = 6 + 3 * index
        frame = background.copy()
        frame[8:24, left : left + 16] = small
        frame[50:106, left + 20 : left + 76] = large
        mask = np.zeros((128, 160), bool)
        mask[8:24, left : left + 16] = True
        frames.append(np.clip(frame, 20, 235).astype(np.float32))
        masks.append(mask)
    return frames, masks


def test_coverage_by_height_sees_a_small_subject_left_plain():
    frames, small_masks = two_squares_clip()
    detail = np.repeat(np.where((np.indices((128, 160)).sum(axis=0) % 2) == 0, 12.0, -12.0)[..., None], 3, axis=2)
    outputs = [frame + detail * ~mask[..., None] for frame, mask in zip(frames, small_masks)]
    coverage = metrics.motion_coverage(frames, outputs, first_frame=3)
    assert coverage.height_frames[0] == coverage.height_frames[1] == 7 and coverage.height_frames[2] == 0
    assert coverage.by_height[0] < 0.35  # the small square, plain (the 9-px strength window reaches in from its edges)
    assert coverage.by_height[1] == pytest.approx(1.0, abs=0.05)  # the large one, dreamed
    assert math.isnan(coverage.by_height[2])
    evenly = metrics.motion_coverage(frames, [frame + detail for frame in frames], first_frame=3)
    assert evenly.by_height[0] == pytest.approx(1.0, abs=0.05)


def test_the_ghost_figure_sees_an_imprint_left_on_uncovered_background():
    background = np.full((96, 160, 3), 170.0, np.float32) + texture(96, 160, 3) * 0.2
    detail = (texture(96, 160, 4, cell=12) - 128.0) * 0.3  # motifs coarser than the 4-px blur
    inputs, clean, ghosted = [], [], []
    previous_outputs = []
    for index in range(12):
        left = 4 + 6 * index
        frame = background.copy()
        frame[30:70, left : left + 20] = 40.0 + texture(40, 20, 5) * 0.1  # a dark walker
        inputs.append(frame)
        clean.append(frame + detail)
        smeared = frame + detail
        for back, earlier in enumerate(reversed(previous_outputs[-5:]), start=1):  # a fading trail
            trail = np.zeros((96, 160), bool)
            trail[30:70, left - 6 * back : left - 6 * back + 20] = True
            trail[30:70, left : left + 20] = False
            smeared[trail] = 0.5 * smeared[trail] + 0.5 * earlier[trail]
        ghosted.append(smeared)
        previous_outputs.append(frame)
    meter_clean, meter_ghost = metrics.MotionCoverageMeter(first_frame=6), metrics.MotionCoverageMeter(first_frame=6)
    for frame, good, bad in zip(inputs, clean, ghosted):
        meter_clean.add(frame, good)
        meter_ghost.add(frame, bad)
    assert meter_clean.value.ghost_frames == 6
    assert meter_clean.value.ghost == pytest.approx(1.0, abs=0.3)
    assert meter_ghost.value.ghost > 2.5 * meter_clean.value.ghost


def test_the_ghost_figure_needs_uncovered_and_static_ground():
    frame = texture(48, 64, 1)
    nothing = np.zeros((48, 64), bool)
    assert metrics.ghost_figure(frame, frame + 5, nothing, nothing) is None
    with pytest.raises(DreamvidError, match="differ in shape"):
        metrics.ghost_figure(frame, frame[:10], nothing, nothing)


def test_a_frozen_picture_does_not_follow_its_moving_subject():
    from dreamvid.measure.metrics import MotionCoverageMeter

    rng = np.random.default_rng(0)
    ground = cv2.GaussianBlur(rng.uniform(0, 255, (96, 128, 3)).astype(np.float32), (0, 0), 3)
    frames = []
    for t in range(8):
        frame = ground.copy()
        frame[30:60, 10 + 6 * t: 40 + 6 * t] = 230.0  # a bright square walking right
        frames.append(frame)
    live, frozen = MotionCoverageMeter(first_frame=3), MotionCoverageMeter(first_frame=3)
    for frame in frames:
        live.add(frame, np.clip(frame + rng.normal(0, 8, frame.shape), 0, 255))  # a picture that follows
        frozen.add(frame, frames[0])  # one that stands still
    assert live.value.follow > 0.9 and frozen.value.follow < 0.5


def test_motion_coverage_under_a_panning_camera_counts_the_subject_not_the_whole_frame():
    frames, masks = moving_square_clip(pan=3)
    dreamed_everywhere = metrics.motion_coverage(*dreamed(frames), first_frame=3)
    plain_subject = metrics.motion_coverage(*dreamed(frames, plain_masks=masks), first_frame=3)
    assert dreamed_everywhere.frames_used == plain_subject.frames_used == MOVING_FRAMES - 3
    assert dreamed_everywhere.moving == pytest.approx(1.0, abs=0.1)
    assert plain_subject.moving < 0.3


def test_a_scene_cut_starts_the_wake_afresh():
    """After a cut the flow is noise: the meter skips the cut frame and does not count the new scene as the
    background the old one's motion uncovered (vehicle.mp4's cut made the whole frame wake for six frames)."""
    frames, _ = moving_square_clip()
    other = texture(*frames[0].shape[:2], 11)  # a different, still scene after the cut
    clip = frames[:6] + [np.clip(other, 20, 235).astype(np.float32)] * 6
    meter = metrics.MotionCoverageMeter(first_frame=3)
    for frame in clip:
        meter.add(frame, frame + 5.0)
    assert 6 not in [index for index, _, _ in meter.frames]  # the cut itself is not measured
    after = [(moving, wake) for index, moving, wake in meter.frames if index > 6]
    assert after and all(ratios == (None, None) for ratios in after)  # nothing after it moved or was uncovered
    assert all(index < 6 for index, _ in meter.value.ghost_by_frame)


def test_ratios_need_static_ground_to_divide_by():
    """A frame that is nearly all moving or wake gives no ratio: its static median is a sliver's."""
    frame = texture(48, 64, 1)
    moving = np.zeros((48, 64), bool)
    moving[:, :30] = True
    wake = np.zeros((48, 64), bool)
    wake[:, 30:52] = True  # the static ground left, 8 px clear of both, is 4 columns: a sixteenth of the frame
    assert metrics.ghost_figure(frame, frame + 5, moving, wake) is None
    wake[:, 30:] = False
    wake[:, 30:34] = True
    assert metrics.ghost_figure(frame, frame + 5, np.zeros_like(moving), wake) is not None


def test_a_low_contrast_cut_is_a_cut_by_the_dream_s_own_test():
    """A cut between two faint textures misses by under 30 grey levels, but the flow cannot carry one onto the
    other: the meter takes it for a cut where the coherent dream does (bikes.mp4 at 3.04 s, 26.6 grey levels)."""
    frames, _ = moving_square_clip()
    faint = [128.0 + (texture(*frames[0].shape[:2], seed) - 128.0) * 0.15 for seed in (21, 22)]
    assert np.abs(faint[0] - faint[1]).mean() < 30  # the warp error alone would not call it a cut
    clip = frames[:6] + [faint[0]] * 3 + [faint[1]] * 3
    meter = metrics.MotionCoverageMeter(first_frame=3)
    for frame in clip:
        meter.add(frame, frame + 5.0)
    indices = [index for index, _, _ in meter.frames]
    assert 6 not in indices and 9 not in indices  # both cuts skipped
