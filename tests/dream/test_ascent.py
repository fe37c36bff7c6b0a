import dataclasses

import numpy as np
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.octaves import ascend, dream, octave_shapes
from dreamvid.settings import DreamSettings, LayerTerm


def test_steps_raise_the_objective(tiny):
    dreamer = tiny_dreamer(tiny)
    image = textured_image()
    settings = DreamSettings(model="tiny", step_size=2.0, tile_size=64)
    before = dreamer.loss(image)
    after = dreamer.loss(ascend(image, dreamer, settings, np.random.default_rng(0), 10))
    assert after > before * 1.2


def test_channel_objective_raises_that_channel(tiny):
    dreamer = tiny_dreamer(tiny, (LayerTerm("conv_a", channel=3),), loss="mean")
    image = textured_image()
    settings = DreamSettings(model="tiny", step_size=2.0, tile_size=64)
    before = dreamer.loss(image)
    assert dreamer.loss(ascend(image, dreamer, settings, np.random.default_rng(0), 5)) > before


def test_pixels_stay_in_range(tiny):
    dreamer = tiny_dreamer(tiny)
    settings = DreamSettings(model="tiny", step_size=50.0, tile_size=64)
    result = ascend(textured_image(), dreamer, settings, np.random.default_rng(0), 5)
    assert result.min() >= 0.0 and result.max() <= 255.0


def test_tiled_gradient_reaches_every_tile(tiny):
    """A 3x3 grid of tiles on a rolled image: every pixel gets a gradient, none is left out."""
    dreamer = tiny_dreamer(tiny)
    image = textured_image(150, 140)
    loss, gradient = dreamer._tiled_gradient(
        image, np.int32([17, -23]), dreamer.default_weights(), np.int32(64)
    )
    gradient = gradient.numpy()
    assert gradient.shape == image.shape
    per_block = np.abs(gradient).reshape(10, 15, 10, 14, 3).sum(axis=(1, 3, 4))
    assert (per_block > 0).all()
    assert np.isfinite(float(loss))


def test_one_tile_matches_the_untiled_gradient(tiny):
    import tensorflow as tf

    dreamer = tiny_dreamer(tiny)
    image = tf.constant(textured_image())
    _, tiled = dreamer._tiled_gradient(image, np.int32([0, 0]), dreamer.default_weights(), np.int32(512))
    _, direct = dreamer._tile_gradient(image, tf.constant(dreamer.default_weights()))
    np.testing.assert_allclose(tiled.numpy(), direct.numpy(), rtol=1e-5, atol=1e-7)


def test_step_is_traced_once_for_all_sizes(tiny):
    dreamer = tiny_dreamer(tiny)
    settings = DreamSettings(model="tiny", octaves=3, steps=2, tile_size=64)
    dream(textured_image(90, 70), settings, dreamer)
    dream(textured_image(50, 130), settings, dreamer, weights=np.float32([0.3]))
    assert dreamer._step.experimental_get_tracing_count() == 1


def test_same_seed_same_bits_other_seed_differs(tiny):
    dreamer = tiny_dreamer(tiny)
    settings = DreamSettings(model="tiny", octaves=2, steps=3, tile_size=64)
    image = textured_image(96, 96)
    first = dream(image, settings, dreamer, seed=5)
    again = dream(image, settings, dreamer, seed=5)
    other = dream(image, settings, dreamer, seed=6)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_octave_shapes_smallest_first_and_skip_tiny():
    assert octave_shapes(100, 200, 3, 2.0) == [(50, 100), (100, 200)]
    assert octave_shapes(512, 512, 3, 1.4) == [(261, 261), (366, 366), (512, 512)]


def test_octaves_reinject_lost_detail(tiny):
    """With a step too small to change anything, the octave loop gives back the original."""
    dreamer = tiny_dreamer(tiny)
    settings = DreamSettings(model="tiny", octaves=3, octave_scale=1.5, steps=1, step_size=1e-6, tile_size=64)
    image = textured_image(96, 120, seed=3) + np.random.default_rng(0).uniform(-20, 20, (96, 120, 3))
    image = image.clip(0, 255).astype(np.float32)
    result = dream(image, settings, dreamer)
    assert np.abs(result - image).max() < 1e-2


def test_progress_reports_every_step(tiny):
    dreamer = tiny_dreamer(tiny)
    events = []
    dream(textured_image(), DreamSettings(model="tiny", octaves=2, steps=3, tile_size=64), dreamer, progress=events.append)
    assert [(e.octave, e.step) for e in events] == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    assert all(np.isfinite(e.loss) for e in events)


def test_progress_read_a_step_late_reports_each_steps_own_loss(tiny):
    dreamer = tiny_dreamer(tiny)
    settings = DreamSettings(model="tiny", octaves=2, steps=4, tile_size=64)
    late, at_once = [], []
    dream(textured_image(), settings, dreamer, progress=late.append)
    # max_loss makes the loop read every loss as soon as its step is done
    dream(textured_image(), dataclasses.replace(settings, max_loss=1e30), dreamer, progress=at_once.append)
    assert late == at_once and len(late) == 8


def test_max_loss_stops_early(tiny):
    dreamer = tiny_dreamer(tiny)
    events = []
    settings = DreamSettings(model="tiny", octaves=1, steps=10, tile_size=64, max_loss=1e-9)
    dream(textured_image(), settings, dreamer, progress=events.append)
    assert len(events) == 1


def test_total_variation_smooths(tiny):
    dreamer = tiny_dreamer(tiny)
    image = textured_image()
    rough = DreamSettings(model="tiny", octaves=1, steps=5, step_size=4.0, tile_size=64)
    smooth = DreamSettings(model="tiny", octaves=1, steps=5, step_size=4.0, tile_size=64, tv_weight=1.0)

    def variation(picture):
        return np.abs(np.diff(picture, axis=0)).mean() + np.abs(np.diff(picture, axis=1)).mean()

    assert variation(dream(image, smooth, dreamer)) < variation(dream(image, rough, dreamer))


def test_dream_at_scale_adds_an_upsampled_change(tiny):
    from dreamvid.dream.octaves import dream_at_scale

    dreamer = tiny_dreamer(tiny)
    image = textured_image(96, 128)
    settings = DreamSettings(model="tiny", octaves=1, steps=3, step_size=4.0, tile_size=64)
    result = dream_at_scale(image, settings, dreamer, 0.5)
    assert result.shape == image.shape
    change = result - image
    assert np.abs(change).mean() > 1.0
    # The change was made at half size: it is smooth, with little energy between neighbours.
    assert np.abs(np.diff(change, axis=1)).mean() < 0.6 * np.abs(change).mean()
