"""Shared fixtures: a tiny model built in the test, the bundled VGG16, small images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dreamvid.dream.ascent import Dreamer
from dreamvid.dream.models import ModelSpec
from dreamvid.dream.objective import build_objective
from dreamvid.settings import LayerTerm

MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def tiny_model():
    """Two small conv layers with fixed random weights: fast, and enough to have gradients."""
    import keras

    keras.utils.set_random_seed(7)
    inputs = keras.Input(shape=(None, None, 3))
    first = keras.layers.Conv2D(8, 3, padding="same", activation="relu", name="conv_a")(inputs)
    pooled = keras.layers.MaxPooling2D(2, name="pool_a")(first)
    second = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv_b")(pooled)
    return keras.Model(inputs, second)


TINY_SPEC = ModelSpec(
    name="tiny",
    description="two conv layers built in the test",
    preprocessing="tf",
    default_layers=(LayerTerm("conv_b"),),
    layer_pattern=r"conv_\w",
    builder=lambda weights: tiny_model(),
    weights_file="/nonexistent/tiny.h5",
)


@pytest.fixture(scope="session")
def tiny():
    return tiny_model()


def tiny_dreamer(model, terms=(LayerTerm("conv_b"),), loss="l2") -> Dreamer:
    from dreamvid.dream.models import dreamable_layers

    available = dict(dreamable_layers(TINY_SPEC, model))
    return Dreamer(model, TINY_SPEC, build_objective(tuple(terms), loss, available))


@pytest.fixture(scope="session")
def vgg16_dreamer():
    from dreamvid.dream.deepdream import build_dreamer
    from dreamvid.settings import DreamSettings

    return build_dreamer(DreamSettings())


def textured_image(height: int = 64, width: int = 80, seed: int = 0) -> np.ndarray:
    """A smooth random texture in 0..255, float32."""
    import cv2

    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, size=(height // 8 + 1, width // 8 + 1, 3)).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 255)


def cli_error(args, words: str) -> None:
    """Run the CLI with `args`; it must fail with one line on the terminal that contains `words`."""
    from typer.testing import CliRunner

    from dreamvid.cli.app import app

    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.output


def click_track(path, bpm: float = 120.0, seconds: float = 10.0, rate: int = 22050, first: float = 0.5,
                level: float = 0.5) -> "np.ndarray":
    """Write a mono 16-bit WAV of short 1 kHz clicks every 60/bpm s from `first` s (faint noise between);
    returns the click times in seconds."""
    import wave

    count = int(rate * seconds)
    samples = 0.001 * np.random.default_rng(0).standard_normal(count)
    length = int(0.03 * rate)
    ramp = np.arange(length) / rate
    click = level * np.sin(2 * np.pi * 1000 * ramp) * np.exp(-ramp / 0.005)
    times = np.arange(first, seconds - 0.1, 60.0 / bpm)
    for time in times:
        start = int(round(time * rate))
        samples[start:start + length] += click[: count - start]
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return times
