"""The memory a dream of a big picture takes is known before the model loads (issue 22): a picture that
would not fit is refused in one line naming the --max-side that does, for stills, zooms and video frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import textured_image

from dreamvid.dream import memory
from dreamvid.dream.memory import check_dream_memory, dream_memory, largest_side_that_fits
from dreamvid.errors import DreamvidError
from dreamvid.io.video_writer import VideoWriter
from dreamvid.render.still import dream_file
from dreamvid.render.video import render_video
from dreamvid.render.zoom import render_zoom
from dreamvid.settings import DreamSettings, VideoSettings, ZoomSettings


def test_the_estimate_grows_with_the_pixels_and_the_advice_fits():
    for kind in ("still", "zoom", "video"):
        assert dream_memory(4000, 4000, kind) - dream_memory(2000, 2000, kind) == memory.BYTES_PER_PIXEL[kind] * 12_000_000
        free = 8 * 10**9
        side = largest_side_that_fits(9000, 9000, free, kind)
        assert dream_memory(side, side, kind) <= free < dream_memory(side + 200, side + 200, kind)
        assert largest_side_that_fits(9000, 9000, memory.BASE_BYTES // 2, kind) == 0


def test_big_pictures_are_refused_before_the_model_loads(tmp_path, monkeypatch):
    """With 2 GB free, an 80x64 picture passes and a 2000x1500 one (3 MP) is refused, for a still, a zoom and a
    video, before the effect is built; nothing is written."""
    monkeypatch.setattr(memory, "available_memory", lambda: 2 * 10**9)
    check_dream_memory(80, 64)
    photo = tmp_path / "big.jpg"
    cv2.imwrite(str(photo), cv2.resize(textured_image(60, 80), (2000, 1500)).astype(np.uint8))
    clip = tmp_path / "big.mp4"
    with VideoWriter(clip, fps=10, size=(2000, 1500)) as writer:
        writer.write(np.zeros((1500, 2000, 3), np.uint8))

    def never():
        raise AssertionError("the effect was built")

    runs = [lambda: dream_file(photo, tmp_path / "out.png", never),
            lambda: render_zoom(photo, tmp_path / "zoom.mp4", DreamSettings(), ZoomSettings(frames=2), never),
            lambda: render_video(clip, tmp_path / "video.mp4", VideoSettings(), never)]
    for run in runs:
        with pytest.raises(DreamvidError, match=r"2000x1500 \(3 MP\) needs about [2-3]\.\d GB of memory, more than "
                                                r"80% of the 2\.0 GB free; use --max-side \d+ or less"):
            run()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.jpg", "big.mp4"]
    from conftest import cli_error

    cli_error(["image", photo, "-o", tmp_path / "out.png", "--max-side", "0"], "use --max-side")
    cli_error(["zoom", photo, "-o", tmp_path / "zoom.mp4", "--max-side", "0", "--frames", "2"], "use --max-side")
    cli_error(["video", clip, "-o", tmp_path / "video.mp4", "--max-side", "0"], "use --max-side")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["big.jpg", "big.mp4"]


def test_local_ray_workers_are_priced_as_one_dream_each(tmp_path, monkeypatch):
    """`--workers 10000` started 10000 processes that each load the model; refused before Ray starts, naming
    the number of workers that fits."""
    from dreamvid.render.ray import RaySettings

    monkeypatch.setattr(memory, "available_memory", lambda: 10 * 10**9)
    clip = tmp_path / "small.mp4"
    with VideoWriter(clip, fps=10, size=(64, 48)) as writer:
        for _ in range(4):
            writer.write(np.zeros((48, 64, 3), np.uint8))

    def never():
        raise AssertionError("the effect was built")

    with pytest.raises(DreamvidError, match=r"on 10000 workers needs about 15\d{3}\.\d GB .*; use --workers 5 or fewer"):
        render_video(clip, tmp_path / "out.mp4", VideoSettings(), never, ray=RaySettings(workers=10000))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["small.mp4"]


def test_an_array_given_to_dream_image_is_priced_too(monkeypatch):
    from dreamvid.api import dream_image

    monkeypatch.setattr(memory, "available_memory", lambda: 2 * 10**9)

    class Never:
        def first(self, *arguments, **options):
            raise AssertionError("dreamed")

    with pytest.raises(DreamvidError, match="2000x1500 .* use --max-side"):
        dream_image(np.zeros((1500, 2000, 3), np.uint8), effect=Never())
