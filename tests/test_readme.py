"""The README's library example runs as written, on the tiny model."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import cv2
import imageio.v3 as iio
import pytest
from conftest import SAMPLES, TINY_SPEC

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_library_example() -> str:
    text = README.read_text()
    start = text.index("```python\n") + len("```python\n")
    return text[start:text.index("```", start)]


@pytest.fixture
def tiny_default_model(monkeypatch):
    """The bundled VGG16's place in the registry taken by the tiny test model, so library calls that
    name no model run fast."""
    from dreamvid.dream.models import MODELS

    monkeypatch.setitem(MODELS, "vgg16", dataclasses.replace(TINY_SPEC, name="vgg16"))


def test_the_readmes_library_example_runs_as_written(tiny_default_model, tmp_path, monkeypatch):
    for name in ("fruits.jpg", "cup.mp4"):
        (tmp_path / "samples").mkdir(exist_ok=True)
        shutil.copy(SAMPLES / name, tmp_path / "samples" / name)
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_library_example(), "README.md", "exec"), {})
    assert max(cv2.imread("fruits-dream.png").shape[:2]) == 320
    video = iio.imread("cup-dream.mp4", index=None)
    assert video.shape[0] == 12 and max(video.shape[1:3]) == 256
    zoom = iio.imread("zoom.mp4", index=None)
    assert zoom.shape[0] == 50


