import dataclasses

import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.video.redream import RedreamSettings, _area, deficit_boxes, deficit_map, redream_deficit

HEIGHT, WIDTH = 96, 128
SETTINGS = RedreamSettings(margin=8, min_side=32, feather=2.0, crop_scale=1.0)  # crops at their own size


def scene():
    """A frame, a carried detail of strength 10 everywhere and full reliability."""
    rng = np.random.default_rng(0)
    current = rng.uniform(40, 200, (HEIGHT, WIDTH, 3)).astype(np.float32)
    detail = np.where(rng.random((HEIGHT, WIDTH, 1)) < 0.5, 10.0, -10.0).repeat(3, axis=2).astype(np.float32)
    return current, detail, np.ones((HEIGHT, WIDTH), np.float32)


class CountingDream:
    """A stand-in effect: adds 50 to every pixel of the crop and remembers the crop shapes."""

    def __init__(self):
        self.shapes = []

    def __call__(self, crop):
        self.shapes.append(crop.shape)
        return crop + 50.0


def test_no_deficit_means_no_extra_dream():
    current, detail, reliable = scene()
    start = current + detail
    dream = CountingDream()
    result = redream_deficit(start, current, detail, reliable, 10.0, dream, SETTINGS).image
    assert dream.shapes == []
    np.testing.assert_array_equal(result, start)


def test_an_unreliable_patch_is_redreamed_locally():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0
    start = current + detail
    dream = CountingDream()
    result = redream_deficit(start, current, detail, reliable, 10.0, dream, SETTINGS).image
    assert dream.shapes == [(20 + 16, 20 + 16, 3)]  # the patch plus the margin on each side
    inside = result[44:56, 54:66] - current[44:56, 54:66]
    np.testing.assert_allclose(inside, 50.0, atol=1e-3)  # the carried detail there is replaced, not grown
    np.testing.assert_array_equal(result[:30], start[:30])  # far away: untouched


def test_a_region_without_detail_is_short_even_when_reliable():
    current, detail, reliable = scene()
    detail[:, :30] = 0.0  # content entering from the left edge, nothing carried
    deficit = deficit_map(detail, reliable, 10.0, SETTINGS)
    assert deficit[:, :20].min() == 1.0 and deficit[:, 40:].max() == 0.0
    boxes = deficit_boxes(deficit, SETTINGS)
    # deficit over the 0.25 trigger where the 9x9 blur keeps under 7.5: columns 0..31, then 8 px margin
    assert boxes == [(0, 0, HEIGHT, 32 + 8)]


def test_small_regions_are_left_alone_and_close_ones_merge():
    current, detail, reliable = scene()
    reliable[10:14, 10:14] = 0.0  # 16 pixels: under min_area
    reliable[50:60, 20:30] = 0.0
    reliable[50:60, 36:46] = 0.0  # 6 px from the previous patch: one region with it
    boxes = deficit_boxes(deficit_map(detail, reliable, 10.0, SETTINGS), SETTINGS)
    # the two patches count as one region (within half the merge gap): 10 x 26 px plus 8 px margin,
    # its height grown to 32 about its centre
    assert boxes == [(39, 12, 71, 54)]
    reliable[:] = 1.0
    for top in (20, 27, 34, 41):  # four 4x4 fragments 3 px apart: 64 px in all, each under min_area
        reliable[top:top + 4, 60:64] = 0.0
    assert len(deficit_boxes(deficit_map(detail, reliable, 10.0, SETTINGS), SETTINGS)) == 1


def test_weak_detail_on_still_content_is_not_short():
    current, detail, reliable = scene()
    detail[:, :30] = 0.0
    still = np.zeros((HEIGHT, WIDTH, 2), np.float32)
    assert deficit_map(detail, reliable, 10.0, SETTINGS, still).max() == 0.0
    moving = still + np.float32(2.0)
    assert deficit_map(detail, reliable, 10.0, SETTINGS, moving)[:, :20].min() == 1.0


def test_the_area_budget_caps_the_work():
    current, detail, reliable = scene()
    reliable[:] = 0.0
    settings = RedreamSettings(max_share=0.5)
    assert deficit_boxes(deficit_map(detail, reliable, 10.0, settings), settings) == []


def test_bad_settings_and_inputs_raise():
    with pytest.raises(DreamvidError, match="threshold"):
        RedreamSettings(threshold=2.5)
    with pytest.raises(DreamvidError, match="area share"):
        RedreamSettings(max_share=0.0)
    current, detail, reliable = scene()
    with pytest.raises(DreamvidError, match="reference strength"):
        deficit_map(detail, reliable, 0.0, SETTINGS)
    with pytest.raises(DreamvidError, match="came back"):
        reliable[40:60, 50:70] = 0.0
        redream_deficit(current + detail, current, detail, reliable, 10.0, lambda crop: crop[1:], SETTINGS)


def entering_clip(count=12, height=96, width=128, step=4):
    """A textured 28 px object sliding in from the left edge over a static textured background."""
    from conftest import textured_image

    background = textured_image(height, width, seed=1)
    thing = textured_image(28, 28 + step * count, seed=2)
    frames = []
    for index in range(count):
        frame = background.copy()
        right = step * (index + 1)
        visible = min(right, 28)
        frame[34:62, right - visible : right] = thing[:, 28 - visible : 28]
        frames.append(frame)
    return frames


class CountingCrops:
    """An effect wrapper that counts the lighter full dreams asked for crops."""

    def __init__(self, effect):
        self.effect, self.crops = effect, []

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        if steps is not None:
            self.crops.append(image.shape)
        return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


def test_redream_dreams_an_entering_object_and_costs_nothing_on_a_still_clip(tiny):
    from conftest import tiny_dreamer

    from dreamvid.dream.deepdream import DeepDream
    from dreamvid.measure import metrics
    from dreamvid.settings import CoherenceSettings, DreamSettings, WarmStart
    from dreamvid.video.coherence import Coherence
    from dreamvid.video.frames import video_frames

    settings = DreamSettings(model="tiny", octaves=2, steps=6, step_size=4.0, tile_size=64)
    effect = DeepDream(settings, tiny_dreamer(tiny), warm=WarmStart(steps=1, step_size=1.0))
    frames = entering_clip()
    coverage = {}
    small = RedreamSettings(min_side=32, margin=8, crop_steps=None)
    modes = (("independent", False, None), ("coherent", True, None), ("redream", True, small))
    for label, coherent, redream in modes:
        coherence = Coherence(effect, CoherenceSettings(coherent=coherent, redream=redream))
        outputs = [frame.pixels for frame in video_frames(frames, coherence, seed=0, overlap=False)]
        coverage[label] = metrics.motion_coverage(frames, outputs, first_frame=4)
        if redream is not None:
            flicker = metrics.flicker_ratio(frames, outputs)
    assert coverage["redream"].frames_used >= 6
    # measured: independent 1.13, coherent 0.36, redream 0.98 (crops at half size; 0.94 at full size, 0.72
    # at full size before crops were held to the clip's fresh strength)
    assert coverage["redream"].moving >= 0.75 * coverage["independent"].moving
    assert coverage["redream"].moving > 2 * coverage["coherent"].moving
    assert flicker < 3.0
    counting = CountingCrops(effect)
    still = Coherence(counting, CoherenceSettings(redream=small))
    list(video_frames([frames[0]] * 4, still, seed=0, overlap=False))
    assert counting.crops == []


def test_a_local_reference_holds_each_place_to_its_own_strength():
    current, detail, reliable = scene()
    reference = np.full((HEIGHT, WIDTH), 10.0, np.float32)
    reference[:, 64:] = 40.0  # a fresh dream gave the right half four times the detail it carries now
    deficit = deficit_map(detail, reliable, reference, SETTINGS)
    assert deficit[:, :56].max() == 0.0
    np.testing.assert_allclose(deficit[:, 72:], 0.75, atol=1e-5)
    with pytest.raises(DreamvidError, match="does not match"):
        deficit_map(detail, reliable, reference[:, :10], SETTINGS)


def test_full_blend_replaces_a_partly_short_region_and_says_where():
    current, detail, reliable = scene()
    detail[30:70, 40:80] *= 0.5  # half the strength it should have: deficit 0.5
    start = current + detail
    for blend, expected_inside in (("full", 50.0), ("deficit", 0.5 * 50.0 + 0.5 * 5.0)):
        settings = RedreamSettings(margin=8, min_side=32, feather=2.0, blend=blend)
        result, weight = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings)
        inside = (result - current)[45:55, 55:65]
        # the dream starts from the input with the short detail faded out by the deficit, then adds 50
        assert np.abs(inside).mean() == pytest.approx(expected_inside, rel=0.15)
        assert weight[:20].max() == 0.0 and weight[45:55, 55:65].min() > (0.99 if blend == "full" else 0.45)


def test_crops_are_held_to_the_target_strength_within_the_limit():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0
    start = current + detail
    # the counting dream adds 50 everywhere: a target of 25 halves it, one of 10 is held to 50 / max_gain (3)
    reliable[10:30, 10:30] = 0.0  # a second crop, scaled the same way (the first one's gain is its own)
    settings = dataclasses.replace(SETTINGS, match_context=False)  # the clip's mean, not the still context's
    for target, expected in ((25.0, 25.0), (10.0, 50.0 / 3), (None, 50.0)):
        result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings,
                                 target_strength=target).image
        np.testing.assert_allclose((result - current)[44:56, 54:66], expected, atol=1e-3)
        np.testing.assert_allclose((result - current)[14:26, 14:26], expected, atol=1e-3)


def test_a_crop_in_still_context_is_matched_to_the_detail_kept_around_it():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0
    start = current + detail
    settings = dataclasses.replace(SETTINGS, match_context=True, max_gain=10.0)
    still = np.zeros((HEIGHT, WIDTH, 2), np.float32)
    # the still context kept detail of 10: the counting dream's 50 is scaled to it, whatever the clip's mean
    result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings, still,
                             target_strength=25.0).image
    np.testing.assert_allclose((result - current)[44:56, 54:66], 10.0, atol=1e-3)
    # a context that moved (a panning camera: its detail was resampled) is not trusted: the clip's mean
    panned = np.full((HEIGHT, WIDTH, 2), 2.0, np.float32)
    result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings, panned,
                             target_strength=25.0).image
    np.testing.assert_allclose((result - current)[44:56, 54:66], 25.0, atol=1e-3)
    # nor one whose flow is in doubt (reliability 0.7: not short, but not to be matched to either)
    doubtful = np.where(reliable > 0, 0.7, 0.0).astype(np.float32)
    result = redream_deficit(start, current, detail, doubtful, 10.0, CountingDream(), settings,
                             still, target_strength=25.0).image
    np.testing.assert_allclose((result - current)[44:56, 54:66], 25.0, atol=1e-3)



def test_a_moving_subject_in_still_context_is_held_to_the_target_and_its_wake_to_the_context():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0  # short: a walker at 40:60, 50:60 and the ground it uncovered at 40:60, 60:70
    start = current + detail
    settings = dataclasses.replace(SETTINGS, match_context=True, max_gain=10.0)
    backward = np.zeros((HEIGHT, WIDTH, 2), np.float32)
    backward[40:60, 50:60, 0] = 3.0  # only the walker moved
    result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings, backward,
                             target_strength=25.0).image
    change = np.abs(result - current).mean(axis=2)
    # the walker as strong as a fresh dream (the clip's 25), the uncovered ground as the ground kept (10)
    np.testing.assert_allclose(change[44:56, 50:54], 25.0, atol=0.5)
    np.testing.assert_allclose(change[44:56, 65:70], 10.0, atol=0.5)
    # the flow bled onto the uncovered ground (it moved too), but the warp check says only the walker moved
    # with the picture: the ground is still held to the context
    backward[40:60, 50:70, 0] = 3.0
    subject = np.zeros((HEIGHT, WIDTH), np.float32)
    subject[40:60, 50:60] = 1.0
    result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings, backward,
                             target_strength=25.0, subject=subject).image
    change = np.abs(result - current).mean(axis=2)
    np.testing.assert_allclose(change[44:56, 50:54], 25.0, atol=0.5)
    np.testing.assert_allclose(change[44:56, 65:70], 10.0, atol=0.5)
    # a subject too small to weigh (a pixel or two) leaves the whole crop held to its context
    backward[:] = 0.0
    backward[50, 55, 0] = 3.0
    result = redream_deficit(start, current, detail, reliable, 10.0, CountingDream(), settings, backward,
                             target_strength=25.0).image
    np.testing.assert_allclose(np.abs(result - current).mean(axis=2)[44:56, 54:66], 10.0, atol=1e-3)

def test_a_shrunk_crop_dream_adds_its_change_at_full_size():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0
    dream = CountingDream()
    settings = dataclasses.replace(SETTINGS, crop_scale=0.5, min_side=16)
    result = redream_deficit(current + detail, current, detail, reliable, 10.0, dream, settings).image
    assert result.shape == current.shape
    np.testing.assert_allclose((result - current)[44:56, 54:66], 50.0, atol=1e-3)
    boxes = deficit_boxes(deficit_map(detail, reliable, 10.0, settings), settings)
    assert [shape[:2] for shape in dream.shapes] == [(round(0.5 * (bottom - top)), round(0.5 * (right - left)))
                                                      for top, left, bottom, right in boxes]

def test_a_crop_is_not_dreamed_with_a_side_under_the_minimum():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0  # a 36-px crop with its margin
    for min_side, expected in ((32, (32, 32)), (24, (24, 24)), (16, (18, 18))):
        dream = CountingDream()
        settings = dataclasses.replace(SETTINGS, crop_scale=0.5, min_side=min_side)
        result = redream_deficit(current + detail, current, detail, reliable, 10.0, dream, settings).image
        assert [shape[:2] for shape in dream.shapes] == [expected]
        np.testing.assert_allclose((result - current)[44:56, 54:66], 50.0, atol=1e-3)


def test_a_crop_in_still_context_is_dreamed_at_the_context_scale_and_others_at_the_crop_scale():
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0  # a 36-px crop with its margin
    settings = dataclasses.replace(SETTINGS, crop_scale=0.5, context_crop_scale=1.0, min_side=16, match_context=True)
    for backward, expected in ((np.zeros((HEIGHT, WIDTH, 2), np.float32), (36, 36)),  # still context: full size
                               (np.full((HEIGHT, WIDTH, 2), 2.0, np.float32), (18, 18))):  # a panning camera: half
        dream = CountingDream()
        redream_deficit(current + detail, current, detail, reliable, 10.0, dream, settings, backward,
                        target_strength=25.0)
        assert [shape[:2] for shape in dream.shapes] == [expected]
    assert RedreamSettings(context_crop_scale=0.5).for_size(240, 320, dream_scale=0.5).context_crop_scale == 1.0
    with pytest.raises(DreamvidError, match="crop scales"):
        RedreamSettings(context_crop_scale=0.0)


def test_crops_are_not_shrunk_twice_under_a_scaled_dream():
    assert RedreamSettings(crop_scale=0.5).for_size(240, 320).crop_scale == 0.5
    assert RedreamSettings(crop_scale=0.5).for_size(240, 320, dream_scale=0.5).crop_scale == 1.0
    assert RedreamSettings(crop_scale=0.25).for_size(240, 320, dream_scale=0.5).crop_scale == 0.5


def objects_clip(objects, count=10, height=96, width=128, dark=False):
    """Textured objects of `side` px sliding in from the left edge (`step` px a frame) over a static
    textured background, each at its own row; returns (frames, per-object masks per frame).
    `objects`: (top, side, step) each. Dark: background and objects squeezed into 0..45."""
    from conftest import textured_image

    background = textured_image(height, width, seed=1)
    things = [textured_image(side, side, seed=2 + number) for number, (_, side, _) in enumerate(objects)]
    if dark:
        background, things = background * 0.15, [thing * 0.18 for thing in things]
    frames, masks = [], []
    for index in range(count):
        frame, frame_masks = background.copy(), []
        for (top, side, step), thing in zip(objects, things):
            right = step * (index + 1)
            visible = min(right, side)
            left = right - visible
            frame[top : top + side, left:right] = thing[:, side - visible :]
            mask = np.zeros((height, width), bool)
            mask[top : top + side, left:right] = True
            frame_masks.append(mask)
        frames.append(frame.astype(np.float32))
        masks.append(frame_masks)
    return frames, masks


def object_coverage(frames, outputs, masks, first_frame):
    """Per object: median over frames from first_frame of (median local strength over the object,
    eroded 2 px) / (median over pixels at least 12 px from every object)."""
    import cv2

    from dreamvid.measure import metrics

    ratios = [[] for _ in masks[0]]
    for index in range(first_frame, len(frames)):
        strength = metrics.local_strength(frames[index], outputs[index])
        anywhere = np.zeros(frames[index].shape[:2], np.uint8)
        for mask in masks[index]:
            anywhere |= mask.astype(np.uint8)
        static = ~cv2.dilate(anywhere, np.ones((25, 25), np.uint8)).astype(bool)
        for number, mask in enumerate(masks[index]):
            inner = cv2.erode(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
            ratios[number].append(float(np.median(strength[inner])) / float(np.median(strength[static])))
    return [float(np.median(values)) for values in ratios]


def dream_both_ways(tiny, frames):
    """The clip dreamed frame by frame and coherently with the default re-dreaming, on the tiny model."""
    from conftest import tiny_dreamer

    from dreamvid.dream.deepdream import DeepDream
    from dreamvid.settings import CoherenceSettings, DreamSettings, WarmStart
    from dreamvid.video.coherence import Coherence
    from dreamvid.video.frames import video_frames

    settings = DreamSettings(model="tiny", octaves=2, steps=6, step_size=4.0, tile_size=64)
    effect = DeepDream(settings, tiny_dreamer(tiny), warm=WarmStart(steps=1, step_size=1.0))
    outputs = {}
    for label, coherence in (("independent", CoherenceSettings(coherent=False)), ("redream", CoherenceSettings())):
        stream = video_frames(frames, Coherence(effect, coherence), seed=0, overlap=False)
        outputs[label] = [frame.pixels for frame in stream]
    return outputs


@pytest.mark.parametrize("objects, dark", [
    (((38, 20, 5),), False),  # one small object entering
    (((12, 20, 5), (62, 20, 4)), False),  # two at once
    (((38, 20, 5),), True),  # a dark object on a dark ground
], ids=["one", "two", "dark"])
def test_small_objects_entering_are_dreamed_as_in_a_per_frame_dream_within_five_frames(tiny, objects, dark):
    frames, masks = objects_clip(objects, dark=dark)
    outputs = dream_both_ways(tiny, frames)
    independent = object_coverage(frames, outputs["independent"], masks, first_frame=5)
    redreamed = object_coverage(frames, outputs["redream"], masks, first_frame=5)
    for mine, theirs in zip(redreamed, independent):
        assert mine >= 0.75 * theirs, (redreamed, independent)


def test_a_light_gain_is_interpolated_by_crop_size_and_scales_every_crop_alike():
    from dreamvid.video.redream import LightGain, light_gain

    gain = LightGain(small=2.0, large=1.5, min_side=64, frame_side=256)
    assert gain.at(32) == 2.0 and gain.at(64) == 2.0 and gain.at(256) == 1.5 and gain.at(999) == 1.5
    assert gain.at(128) == pytest.approx(1.75)  # halfway on the log of the side
    current, detail, reliable = scene()
    reliable[40:60, 50:70] = 0.0
    result = redream_deficit(current + detail, current, detail, reliable, 10.0, CountingDream(), SETTINGS,
                             gain=LightGain(0.6, 0.6, 64, 100)).image
    np.testing.assert_allclose((result - current)[44:56, 54:66], 0.6 * 50.0, atol=1e-3)
    # calibration: the full dream changed the picture by 60, the light one by 50 (the counting dream)
    image = current.copy()
    calibrated = light_gain(image, np.clip(image + 60.0, 0, 255), CountingDream(), SETTINGS)
    expected = np.abs(np.clip(image + 60.0, 0, 255) - image).mean() / np.abs(np.clip(image + 50.0, 0, 255) - image).mean()
    assert calibrated.large == pytest.approx(expected, rel=0.02) and calibrated.small > 1.0


def test_a_crop_keeps_its_size_in_the_network_s_pixels_whatever_the_frame_size():
    settings = RedreamSettings()
    for height, width in ((240, 320), (270, 480), (720, 1280)):
        assert settings.for_size(height, width).min_side == settings.min_side
        assert settings.for_size(height, width).margin == settings.margin
    halved = settings.for_size(270, 480, dream_scale=0.5)  # the scaled dream shrinks the crop by half itself
    assert halved.min_side == 2 * settings.min_side and halved.margin == 2 * settings.margin
    assert settings.for_size(720, 1280).feather == pytest.approx(4 * settings.feather)  # blending scales


def test_a_region_over_the_budget_is_dreamed_tile_by_tile_not_dropped():
    current, detail, reliable = scene()
    reliable[:] = 0.0  # a moving camera: the whole frame is short
    settings = dataclasses.replace(SETTINGS, max_share=0.3)
    boxes = deficit_boxes(deficit_map(detail, reliable, 10.0, settings), settings)
    assert boxes and sum(_area(box) for box in boxes) <= 0.3 * HEIGHT * WIDTH
    assert all(box[2] - box[0] <= 2 * settings.min_side + 1 and box[3] - box[1] <= 2 * settings.min_side + 1
               for box in boxes)
