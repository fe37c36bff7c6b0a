import dataclasses

import numpy as np
import pytest
from conftest import TINY_SPEC, textured_image

from dreamvid.errors import DreamvidError
from dreamvid.io.images import write_image
from dreamvid.settings import StyleSettings
from dreamvid.style.optimiser import (
    StyleImage,
    Stylist,
    TemporalTarget,
    gram_matrix,
    optimise,
    optimise_from,
    picture_tiles,
    read_styles,
    scale_shapes,
    style_shape,
    stylise,
    tile_edges,
)

TINY_STYLE = StyleSettings(
    styles=(("unused.png", 1.0),),
    model="tiny",
    style_layers=("conv_a", "conv_b"),
    content_layer="conv_b",
    steps=4,
    scales=2,
    learning_rate=4.0,
    steps_next=2,
)


def striped(height: int = 64, width: int = 64) -> np.ndarray:
    """A style unlike the textured content: hard diagonal colour stripes."""
    rows, columns = np.mgrid[0:height, 0:width]
    stripes = ((rows + columns) // 6) % 2
    return np.stack([stripes * 255.0, 40.0 + stripes * 0, (1 - stripes) * 200.0], axis=-1).astype(np.float32)


@pytest.fixture(scope="module")
def stylist(tiny):
    return Stylist(tiny, TINY_SPEC, TINY_STYLE, (StyleImage("stripes", striped(), 1.0),))


def test_gram_of_a_known_tensor_matches_a_hand_computation():
    # Two positions, two channels: rows of F are (1, 2) and (3, 4).
    features = np.float32([[[[1, 2], [3, 4]]]])  # (1, 1, 2, 2)
    expected = np.float32([[1 + 9, 2 + 12], [2 + 12, 4 + 16]]) / 2
    np.testing.assert_allclose(gram_matrix(features).numpy(), expected)


def test_tiled_grams_match_the_whole_image_for_one_tile(stylist):
    import tensorflow as tf

    rgb = striped(48, 80)
    features = stylist._features(tf.constant(rgb))
    for gram, name in zip(stylist.tiled_grams(rgb), stylist.style_layers):
        np.testing.assert_allclose(gram.numpy(), gram_matrix(features[name]).numpy(), rtol=1e-5)


def test_tile_edges_are_aligned_and_cover_the_side():
    edges = tile_edges(1300, 512)
    assert edges[0] == 0 and edges[-1] == 1300 and len(edges) == 4
    assert all(edge % 16 == 0 for edge in edges[:-1])
    assert max(b - a for a, b in zip(edges, edges[1:])) <= 512 + 16


def test_style_loss_falls_over_steps(stylist):
    content = textured_image(64, 64)
    before = stylist.losses(content, content)
    after = stylist.losses(optimise(content, content, stylist, 15), content)
    assert after.style < 0.7 * before.style
    assert before.content == pytest.approx(0.0, abs=1e-6)


def test_pixels_stay_in_range_and_shape_is_kept(stylist):
    content = textured_image(70, 90)
    result = stylise(content, dataclasses.replace(TINY_STYLE, learning_rate=200.0), stylist)
    assert result.shape == content.shape and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() <= 255.0


def test_temporal_term_is_zero_for_identical_frames_and_positive_otherwise(stylist):
    frame = textured_image(64, 64)
    mask = np.ones((64, 64), np.float32)
    same = stylist.losses(frame, frame, TemporalTarget(frame, mask))
    other = stylist.losses(frame, frame, TemporalTarget(textured_image(64, 64, seed=1), mask))
    masked_out = stylist.losses(frame, frame, TemporalTarget(textured_image(64, 64, seed=1), 0 * mask))
    assert same.temporal == 0.0
    assert other.temporal > 0.0
    assert masked_out.temporal == 0.0


def test_warm_start_stays_near_the_warped_previous_frame(stylist):
    """A later frame starts from the warped previous styled frame; the temporal term holds it there."""
    content = textured_image(64, 64)
    previous = stylise(content, TINY_STYLE, stylist)
    mask = np.ones((64, 64), np.float32)
    held = stylise(content, TINY_STYLE, stylist, start=previous, temporal=TemporalTarget(previous, mask))
    fresh = stylise(content, TINY_STYLE, stylist)
    assert np.abs(held - previous).mean() < np.abs(previous - content).mean()
    assert np.array_equal(fresh, previous)  # deterministic
    no_steps = stylise(content, TINY_STYLE, stylist, start=previous, steps=0)
    assert np.array_equal(no_steps, previous)


def test_where_the_flow_fails_a_video_frame_steps_at_the_stills_learning_rate(stylist):
    """Pixels the flow does not carry are styled afresh: they take `learning_rate`, the trusted
    ones `learning_rate_next`."""
    settings = dataclasses.replace(TINY_STYLE, learning_rate_next=1e-3)
    content = textured_image(64, 64)
    mask = np.zeros((64, 64), np.float32)
    mask[:, :32] = 1.0
    result = stylise(content, settings, stylist, start=content, temporal=TemporalTarget(content, mask))
    assert np.abs(result[:, :24] - content[:, :24]).max() < 0.05
    assert np.abs(result[:, 40:] - content[:, 40:]).mean() > 1.0


def test_step_is_traced_once_across_sizes_styles_and_temporal(stylist):
    stylise(textured_image(64, 80), TINY_STYLE, stylist)
    frame = textured_image(72, 56)
    stylise(frame, TINY_STYLE, stylist, start=frame, temporal=TemporalTarget(frame, np.ones((72, 56), np.float32)))
    assert stylist._step.experimental_get_tracing_count() == 1


def test_two_styles_mix_their_grams(tiny):
    first, second = striped(), textured_image(64, 64)
    mixed = Stylist(tiny, TINY_SPEC, TINY_STYLE, (StyleImage("a", first, 3.0), StyleImage("b", second, 1.0)))
    alone_first = Stylist(tiny, TINY_SPEC, TINY_STYLE, (StyleImage("a", first, 1.0),))
    alone_second = Stylist(tiny, TINY_SPEC, TINY_STYLE, (StyleImage("b", second, 1.0),))
    for gram, a, b in zip(mixed.style_targets((64, 64)), alone_first.style_targets((64, 64)),
                          alone_second.style_targets((64, 64))):
        np.testing.assert_allclose(gram.numpy(), 0.75 * a.numpy() + 0.25 * b.numpy(), rtol=1e-5, atol=1e-6)


def test_dream_term_raises_the_dream_layer(tiny):
    settings = dataclasses.replace(TINY_STYLE, dream_weight=1.0, style_weight=1e-6, content_weight=0.0)
    styles = (StyleImage("stripes", striped(), 1.0),)
    stylist = Stylist(tiny, TINY_SPEC, settings, styles, dream_layers=("conv_b",))
    content = textured_image(64, 64)
    assert stylist.losses(optimise(content, content, stylist, 10), content).dream > 1.2


def test_sizes_follow_the_picture():
    assert scale_shapes(300, 320, 3) == [(75, 80), (150, 160), (300, 320)]
    assert scale_shapes(100, 120, 3) == [(100, 120)]  # 25x30 and 50x60 are too small
    assert style_shape((300, 320), (408, 512), 1.0) == (255, 320)


def test_bad_style_path_is_one_line_error(tmp_path):
    with pytest.raises(DreamvidError, match="not found"):
        read_styles(((str(tmp_path / "missing.jpg"), 1.0),))
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image")
    with pytest.raises(DreamvidError, match="cannot read"):
        read_styles(((str(junk), 1.0),))


def test_too_small_style_or_picture_is_an_error(tmp_path, stylist):
    tiny_style = tmp_path / "small.png"
    write_image(tiny_style, striped(16, 40))
    with pytest.raises(DreamvidError, match="at least 32"):
        read_styles(((str(tiny_style), 1.0),))
    with pytest.raises(DreamvidError, match="at least 32"):
        stylise(textured_image(20, 64), TINY_STYLE, stylist)


@pytest.mark.parametrize(
    "change, words",
    [
        ({"styles": ()}, "at least one style"),
        ({"styles": (("a.jpg", 0.0),)}, "must be positive"),
        ({"content_weight": -1.0}, "content weight"),
        ({"learning_rate": 0.0}, "learning rate"),
        ({"scales": 0}, "scales"),
        ({"style_layers": ()}, "style layer"),
        ({"max_side": 50}, "max side"),
    ],
)
def test_settings_reject_bad_values(change, words):
    with pytest.raises(DreamvidError, match=words):
        dataclasses.replace(TINY_STYLE, **change)


def test_unknown_layer_is_an_error(tiny):
    settings = dataclasses.replace(TINY_STYLE, content_layer="nope")
    with pytest.raises(DreamvidError, match="no layer 'nope'"):
        Stylist(tiny, TINY_SPEC, settings, (StyleImage("stripes", striped(), 1.0),))


def test_cli_style_errors_are_one_line_and_come_before_any_work(tmp_path):
    import cv2
    from conftest import cli_error, textured_image

    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), textured_image(48, 64).astype(np.uint8))
    out = tmp_path / "out.png"
    cli_error(["image", photo, "-o", out, "--style", tmp_path / "missing.jpg"], "input not found")
    cli_error(["image", photo, "-o", out, "--style", photo, "--save-octaves"], "style transfer has none")
    cli_error(["video", tmp_path, "-o", tmp_path / "out.mp4", "--style", photo, "--style-weight", "-1"], "style")
    assert not out.exists()


def test_a_tiled_picture_is_optimised_exactly_as_the_whole(tiny):
    """Gram numerators summed over tiles and divided by all positions are the whole picture's Gram
    matrix; with a halo wider than the tiny model's reach the tiled steps equal the whole ones."""
    styles = (StyleImage("stripes", striped(), 1.0),)
    whole = Stylist(tiny, TINY_SPEC, dataclasses.replace(TINY_STYLE, tile=0), styles, dream_layers=("conv_b",))
    tiled = Stylist(tiny, TINY_SPEC, dataclasses.replace(TINY_STYLE, tile=128), styles, dream_layers=("conv_b",))
    content = textured_image(200, 260)
    mask = np.random.default_rng(0).uniform(0, 1, (200, 260)).astype(np.float32)
    temporal = TemporalTarget(textured_image(200, 260, seed=3), mask)
    assert len(tiled.tiles(200, 260)) == 6 and tiled.tiled((200, 260)) and not whole.tiled((200, 260))
    events = {}
    expected, _ = optimise_from(content, content, whole, 3, temporal=temporal,
                                progress=lambda event: events.setdefault("whole", []).append(event.loss))
    result, _ = optimise_from(content, content, tiled, 3, temporal=temporal,
                              progress=lambda event: events.setdefault("tiled", []).append(event.loss))
    assert np.abs(expected - content).mean() > 5.0
    np.testing.assert_allclose(result, expected, atol=0.01)
    np.testing.assert_allclose(events["tiled"], events["whole"], rtol=1e-4)


def test_tiles_cover_the_picture_once_with_aligned_cores():
    covered = np.zeros((1000, 700), np.int32)
    for (top, left, bottom, right), (core_top, core_left, core_bottom, core_right) in picture_tiles(1000, 700, 512):
        covered[top + core_top:top + core_bottom, left + core_left:left + core_right] += 1
        assert (top + core_top) % 16 == 0 and (left + core_left) % 16 == 0
        assert core_top in (0, 32) and core_left in (0, 32)  # the halo, where there is room
    assert (covered == 1).all()
