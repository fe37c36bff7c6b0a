"""The one-call library functions and `python -m dreamvid`, on the tiny model."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
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
