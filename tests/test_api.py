"""The one-call library functions and `python -m dreamvid`, on the tiny model."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import SAMPLES as SAMPLES_DIR
from conftest import textured_image, tiny_dreamer

import dreamvid
from dreamvid.dream.deepdream import DeepDream
from dreamvid.settings import DreamSettings, WarmStart

OPTIONS = dict(model="tiny", octaves=2, steps=2, tile_size=64)


@pytest.fixture
def effect(tiny):
    return DeepDream(DreamSettings(**OPTIONS), tiny_dreamer(tiny), warm=WarmStart(steps=1))


def test_dream_image_returns_the_input_kind(effect, tmp_path):
    pixels = textured_image(48, 64).astype(np.uint8)
    dreamed = dreamvid.dream_image(pixels, effect=effect, **OPTIONS)
    assert dreamed.dtype == np.uint8 and dreamed.shape == pixels.shape
    assert np.abs(dreamed.astype(float) - pixels).mean() > 0.5
    floats = dreamvid.dream_image(pixels.astype(np.float32), effect=effect, **OPTIONS)
    assert floats.dtype == np.float32 and np.abs(floats - dreamed).max() <= 1.0
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), pixels[..., ::-1])
    written = dreamvid.dream_image(source, tmp_path / "out.png", effect=effect, **OPTIONS)
    assert written == tmp_path / "out.png"
    assert np.array_equal(cv2.imread(str(written))[..., ::-1], dreamed)


def test_dream_frames_streams_every_frame(effect):
    frames = (textured_image(48, 64, seed=0)[:, shift:shift + 56].astype(np.uint8) for shift in range(5))
    outputs = list(dreamvid.dream_frames(frames, effect=effect, **OPTIONS, steps_next=1))
    assert len(outputs) == 5 and all(frame.shape == (48, 56, 3) and frame.dtype == np.uint8 for frame in outputs)


def test_unknown_options_are_named():
    with pytest.raises(dreamvid.DreamvidError, match="unknown option stpes"):
        dreamvid.dream_image(np.zeros((32, 32, 3), np.uint8), stpes=3)


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "dreamvid", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"dreamvid {dreamvid.__version__}"


def test_render_zoom_makes_the_same_file_as_the_cli(tmp_path):
    from conftest import SAMPLES
    from typer.testing import CliRunner

    from dreamvid.cli.app import app

    options = ["--frames", "8", "--loop", "--max-side", "48", "--steps", "1", "--octaves", "1", "--steps-next", "1",
               "--zoom", "1.02/frame", "--pan", "0.1,0"]
    result = CliRunner().invoke(app, ["zoom", str(SAMPLES / "fruits.jpg"), "-o", str(tmp_path / "cli.mp4"), *options])
    assert result.exit_code == 0, result.output
    settings = dreamvid.zoom_settings(frames=8, loop=True, max_side=48, steps=1, octaves=1, steps_next=1,
                                      zoom="1.02/frame", pan="0.1,0")
    summary = dreamvid.render_zoom(SAMPLES / "fruits.jpg", tmp_path / "library.mp4", settings)
    assert summary.frames == 8
    assert (tmp_path / "cli.mp4").read_bytes() == (tmp_path / "library.mp4").read_bytes()


def test_render_video_reuses_an_effect_and_makes_the_same_file(tmp_path):
    options = dict(frames=3, max_side=48, steps=1, octaves=1, steps_next=1)
    settings = dreamvid.video_settings(**options)
    dreamvid.render_video(SAMPLES_DIR / "box.mp4", tmp_path / "loaded.mp4", settings)
    effect = dreamvid.make_effect(**options)
    for name in ("first.mp4", "second.mp4"):  # one model for two renders
        summary = dreamvid.render_video(SAMPLES_DIR / "box.mp4", tmp_path / name, settings, effect=effect)
        assert summary.frames == 3
        assert (tmp_path / name).read_bytes() == (tmp_path / "loaded.mp4").read_bytes()
    scheduled = dreamvid.video_settings(**options, schedule=str(SAMPLES_DIR / "trip.toml"))
    with pytest.raises(dreamvid.DreamvidError, match="effect= cannot be used with a schedule"):
        dreamvid.render_video(SAMPLES_DIR / "box.mp4", tmp_path / "scheduled.mp4", scheduled, effect=effect)
    assert not (tmp_path / "scheduled.mp4").exists()


def test_video_settings_are_the_clis(tmp_path):
    settings = dreamvid.video_settings(style=str(SAMPLES_DIR / "starry_night.jpg"), independent=True, frames=3)
    assert settings.style is not None and settings.style.styles[0][1] == 1.0
    assert settings.coherence == dreamvid.CoherenceSettings(coherent=False).for_style()
    assert settings.dream.max_side == 640 and settings.frames == 3
    with pytest.raises(dreamvid.DreamvidError, match="not found"):
        dreamvid.video_settings(style="missing.jpg")


def test_zoom_settings_turn_seconds_and_units_into_frames():
    settings = dreamvid.zoom_settings(seconds=2, fps=10, zoom="1.02/frame", center="0.25,0.75")
    assert settings.zoom.frames == 20 and settings.zoom.zoom == pytest.approx(1.02**10)
    assert settings.zoom.center == (0.25, 0.75) and settings.dream.max_side == 512
    with pytest.raises(dreamvid.DreamvidError, match="not both"):
        dreamvid.zoom_settings(frames=10, seconds=2)
    with pytest.raises(dreamvid.DreamvidError, match="not both"):
        dreamvid.zoom_settings(schedule="trip.toml", layer_cycle="block3_conv3,block4_conv3")


def test_a_style_zoom_refuses_a_schedule_that_varies_the_dream(tmp_path):
    schedule = tmp_path / "s.toml"
    schedule.write_text('[[keyframe]]\ntime = 0\nstep_size = 2\n[[keyframe]]\ntime = 1\nstep_size = 4\n')
    settings = dreamvid.zoom_settings(frames=4, style=str(SAMPLES_DIR / "starry_night.jpg"), schedule=schedule)
    with pytest.raises(dreamvid.DreamvidError, match="step_size, which a style zoom does not use"):
        dreamvid.render_zoom(SAMPLES_DIR / "fruits.jpg", tmp_path / "out.mp4", settings)
    assert not (tmp_path / "out.mp4").exists()


def test_the_public_surface_is_listed():
    for name in dreamvid.__all__:
        assert getattr(dreamvid, name) is not None, name
    assert {"dream_image", "dream_frames", "render_video", "render_zoom", "DeepDream", "StyleTransfer",
            "VideoSettings", "ZoomRenderSettings"} <= set(dreamvid.__all__)


def test_dream_image_keeps_the_size_and_writes_the_settings_into_the_file(effect, tmp_path):
    pixels = textured_image(48, 700).astype(np.uint8)  # longer than any command's default max side
    source = tmp_path / "wide.png"
    cv2.imwrite(str(source), pixels[..., ::-1])
    written = dreamvid.dream_image(source, tmp_path / "out.png", effect=effect, **OPTIONS)
    assert cv2.imread(str(written)).shape[:2] == (48, 700)
    assert dreamvid.read_settings(written)["settings"]["dream"]["steps"] == OPTIONS["steps"]
