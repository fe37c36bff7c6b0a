"""The settings that made an output travel with it: read back from a PNG and an MP4."""

from __future__ import annotations

import cv2
import numpy as np
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.io.provenance import read_settings, settings_tags
from dreamvid.render.still import dream_file
from dreamvid.render.video import render_video
from dreamvid.settings import DreamSettings, EncodeSettings, VideoSettings, WarmStart

SETTINGS = DreamSettings(model="tiny", octaves=2, steps=2, tile_size=64, seed=7)


def test_png_carries_its_settings(tiny, tmp_path):
    source = tmp_path / "in.png"
    cv2.imwrite(str(source), textured_image(48, 64).astype(np.uint8))
    effect = DeepDream(SETTINGS, tiny_dreamer(tiny))
    out = tmp_path / "out.png"
    dream_file(source, out, effect, seed=7, tags=settings_tags("image", SETTINGS))
    stored = read_settings(out)
    assert stored["command"] == "image" and stored["settings"]["seed"] == 7 and stored["settings"]["model"] == "tiny"


def test_mp4_carries_its_settings(tiny, tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    wide = textured_image(48, 80, seed=1).astype(np.uint8)
    for index in range(4):
        cv2.imwrite(str(folder / f"f{index}.png"), wide[:, 2 * index:2 * index + 64])
    settings = VideoSettings(dream=SETTINGS)
    effect = DeepDream(SETTINGS, tiny_dreamer(tiny), warm=WarmStart(1))
    out = tmp_path / "out.mp4"
    render_video(folder, out, settings, effect, encode=EncodeSettings(crf=30, preset="veryfast"))
    stored = read_settings(out)
    assert stored["command"] == "video" and stored["settings"]["dream"]["seed"] == 7
    assert stored["settings"]["coherence"]["blend"] == settings.coherence.blend


def test_cli_still_report_and_png_settings(tmp_path):
    import json

    from typer.testing import CliRunner

    from dreamvid.cli.app import app

    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), textured_image(48, 64).astype(np.uint8))
    out, report = tmp_path / "out.png", tmp_path / "r.json"
    result = CliRunner().invoke(app, ["image", str(photo), "-o", str(out), "--max-side", "64", "--octaves", "2",
                                      "--steps", "1", "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["frames_written"] == 1 and data["settings"]["dream"]["steps"] == 1 and data["settings"]["style"] is None
    assert read_settings(out)["settings"]["dream"]["octaves"] == 2
