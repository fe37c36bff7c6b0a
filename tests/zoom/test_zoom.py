"""Zoom animations on a small picture: frame counts, loop seam, resume, schedules, errors."""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pytest
from conftest import cli_error, textured_image
from typer.testing import CliRunner

from dreamvid.cli.app import app
from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.measure.metrics import loop_seam
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.render.zoom import render_zoom
from dreamvid.settings import DreamSettings, ZoomSettings, parse_zoom
from dreamvid.zoom.camera import CameraMove
from dreamvid.zoom.frames import frame_number, hold_colour
from dreamvid.zoom.schedule import load_schedule

SMALL = DreamSettings(octaves=2, steps=3, max_side=96)
ZOOM = ZoomSettings(frames=12, fps=10, zoom=1.3, steps_next=1)


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "picture.png"
    cv2.imwrite(str(path), textured_image(72, 96, seed=2).astype(np.uint8))
    return path


def read_folder(folder):
    return [cv2.cvtColor(cv2.imread(str(p)), cv2.COLOR_BGR2RGB) for p in sorted(folder.glob("*.png"))]


def test_frames_and_motion(picture, tmp_path, vgg16_dreamer):
    out = tmp_path / "zoom"
    summary = render_zoom(picture, f"{out}/", SMALL, ZOOM, DeepDream.for_zoom(SMALL, ZOOM, dreamer=vgg16_dreamer))
    frames = read_folder(out)
    assert summary.frames == len(frames) == 12
    assert frames[0].shape == (72, 96, 3)
    steps = [np.abs(a.astype(float) - b).mean() for a, b in zip(frames, frames[1:])]
    assert min(steps) > 0.5  # every frame moves on


def test_loop_has_no_seam(picture, tmp_path, vgg16_dreamer):
    settings = dataclasses.replace(ZOOM, frames=16, loop=True)
    out = tmp_path / "loop"
    render_zoom(picture, f"{out}/", SMALL, settings, DeepDream.for_zoom(SMALL, settings, dreamer=vgg16_dreamer))
    frames = read_folder(out)
    assert len(frames) == 16
    move = CameraMove.per_frame(zoom_per_second=settings.zoom, fps=settings.fps)
    d_wrap, median = loop_seam([f.astype(np.float32) for f in frames], move)
    assert d_wrap / median <= 1.5, (d_wrap, median)


def test_resume_equals_an_uninterrupted_run(picture, tmp_path, vgg16_dreamer):
    settings = dataclasses.replace(ZOOM, frames=10, loop=True, loop_frames=2)
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    render_zoom(picture, f"{whole}/", SMALL, settings, DeepDream.for_zoom(SMALL, settings, dreamer=vgg16_dreamer))

    def stop(event):
        if event.frame_finished and event.frames_done == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_zoom(picture, f"{stopped}/", SMALL, settings, DeepDream.for_zoom(SMALL, settings, dreamer=vgg16_dreamer), on_progress=stop)
    assert WorkDir(work_dir_for(f"{stopped}/")).frames_done() == 6 and not stopped.exists()
    render_zoom(picture, f"{stopped}/", SMALL, settings, DeepDream.for_zoom(SMALL, settings, dreamer=vgg16_dreamer), resume=True)
    for a, b in zip(read_folder(whole), read_folder(stopped), strict=True):
        assert np.array_equal(a, b)


def test_colour_hold_pulls_toward_the_reference():
    image = np.full((8, 8, 3), 200.0, np.float32) + np.random.default_rng(0).normal(0, 5, (8, 8, 3)).astype(np.float32)
    reference = (np.full(3, 100.0), np.full(3, 20.0))
    held = hold_colour(image, reference, 0.5)
    assert held.reshape(-1, 3).mean(axis=0) == pytest.approx([150, 150, 150], abs=0.5)


def test_fps_does_not_change_the_motion():
    slow = CameraMove.per_frame(zoom_per_second=2.0, fps=10)
    fast = CameraMove.per_frame(zoom_per_second=2.0, fps=40)
    assert slow.zoom == pytest.approx(fast.zoom**4)
    assert parse_zoom("1.02/frame", 25) == pytest.approx(1.02**25)
    assert parse_zoom("1.3/s", 25) == parse_zoom("1.3", 25) == 1.3


def test_schedule_moves_layer_weights(tmp_path, picture, vgg16_dreamer):
    path = tmp_path / "s.toml"
    path.write_text("[[keyframe]]\ntime = 0\nlayers = { block4_conv3 = 1.0 }\n"
                    "[[keyframe]]\ntime = 1\nlayers = { block5_conv1 = 1.0 }\n")
    effect = DeepDream.for_zoom(SMALL, ZOOM, load_schedule(path), vgg16_dreamer)
    terms = [t.layer for t in vgg16_dreamer.objective.terms]
    weights = dict(zip(terms, effect.weights(0.5)))
    assert weights == pytest.approx({"block4_conv3": 0.5, "block5_conv1": 0.5})


runner = CliRunner()


def test_cli_zoom_bad_inputs(picture, tmp_path):
    out = tmp_path / "out.mp4"
    bad = tmp_path / "bad.toml"
    bad.write_text("[[keyframe]]\ntime = 0\nzoom = 0\n")
    cli_error(["zoom", tmp_path / "missing.png", "-o", out], "input not found")
    cli_error(["zoom", picture, "-o", out, "--zoom", "0"], "zoom must be positive")
    cli_error(["zoom", picture, "-o", out, "--zoom", "-2"], "zoom must be positive")
    cli_error(["zoom", picture, "-o", out, "--frames", "1"], "at least 2 frames")
    cli_error(["zoom", picture, "-o", out, "--frames", "5", "--loop"], "a loop needs at least 8 frames")
    cli_error(["zoom", picture, "-o", out, "--frames", "10", "--loop", "--loop-frames", "6"], "cross-fade over 1 to 5")
    cli_error(["zoom", picture, "-o", out, "--schedule", bad], "bad.toml line 3: zoom must be positive")
    cli_error(["zoom", picture, "-o", out, "--schedule", tmp_path / "none.toml"], "cannot read schedule")
    cli_error(["zoom", picture, "-o", out, "--pan", "1"], "pan takes two numbers")
    cli_error(["zoom", picture, "-o", out, "--fps", "inf"], "fps must be a positive number")
    cli_error(["zoom", picture, "-o", out, "--seconds", "nan"], "seconds must be a positive number")
    cli_error(["zoom", picture, "-o", tmp_path / "out.doc"], "cannot write .doc")
    cli_error(["zoom", picture, "-o", out, "--octaves", "0"], "octaves must be positive")
    assert not out.exists()


def test_cli_zoom_gif(picture, tmp_path):
    out = tmp_path / "out.gif"
    result = runner.invoke(app, ["zoom", str(picture), "-o", str(out), "--frames", "8", "--loop", "--fps", "8",
                                 "--octaves", "2", "--steps", "2", "--steps-next", "1", "--max-side", "64",
                                 "--rotate", "20", "--report", str(tmp_path / "r.json"), "-q"])
    assert result.exit_code == 0, result.output
    import json

    from dreamvid.io.video_reader import count_frames

    assert count_frames(out) == 8
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["frames_written"] == 8 and report["settings"]["zoom"]["loop"] is True
    assert len(report["sharpness"]["all"]) == 8 and report["figures"]["loop_sharpness"]["minimum"] > 0


def test_loop_transition_grows_the_lead_in_from_the_centre_and_ends_on_it():
    from dreamvid.zoom.loop import crossfade, wipe_mask

    late, early = np.zeros((40, 60, 3), np.uint8), np.full((40, 60, 3), 200, np.uint8)
    middle = crossfade(late, early, 3, 8)
    assert middle[20, 30, 0] == 200 and middle[0, 0, 0] == 0  # the centre shows the lead-in, the corner not yet
    assert np.array_equal(crossfade(late, early, 7, 8), early)
    shares = [wipe_mask((40, 60), share, (0.5, 0.5)).mean() for share in (0.25, 0.5, 0.75)]
    assert shares == sorted(shares)


def test_loop_transition_is_sharper_than_a_pixel_cross_fade(picture, vgg16_dreamer):
    from dreamvid.io.images import read_image, to_uint8
    from dreamvid.measure.metrics import sharpness
    from dreamvid.zoom.frames import zoom_frames
    from dreamvid.zoom.loop import loop_crossfade

    settings = dataclasses.replace(ZOOM, frames=16, loop=True)
    effect = DeepDream.for_zoom(SMALL, settings, dreamer=vgg16_dreamer)
    raw = [frame.pixels for frame in zoom_frames(read_image(picture, 96).rgb, effect, settings, None, seed=0)]
    joined = list(loop_crossfade(iter(raw), settings, effect, seed=0))
    overlap, frames, settle = settings.fade, settings.frames, settings.settle
    assert settle > 0 and len(raw) == settle + overlap + frames
    for position in range(overlap - 1):  # the last transition frame is the lead-in frame itself
        late, early = raw[settle + overlap + frames - overlap + position], raw[settle + position]
        share = (position + 1) / overlap
        faded = to_uint8((1 - share) * late.astype(np.float32) + share * early.astype(np.float32))
        assert sharpness(joined[frames - overlap + position]) > 1.1 * sharpness(faded), position
    assert np.array_equal(joined[-1], raw[settle + overlap - 1])
    assert np.array_equal(joined[0], raw[settle + overlap])  # the loop starts once the dream has settled


def test_loop_settles_for_an_octave_of_zoom_before_its_lead_in():
    loop = ZoomSettings(frames=48, fps=25, zoom=1.25, loop=True)
    needed = math.ceil(math.log(ZoomSettings.SETTLE_ZOOM) / math.log(1.25) * 25)  # 38 frames to zoom by 1.4
    assert (loop.fade, loop.settle, loop.lead) == (12, needed - 12, needed)
    assert ZoomSettings(frames=48, loop=True, zoom=1.0).settle == 0  # no zoom, nothing to settle
    assert ZoomSettings(frames=16, loop=True).settle == 12  # at most the frames outside the transition
    assert ZoomSettings(frames=48, loop=True, loop_settle=5).lead == 17
    assert ZoomSettings(frames=48).settle == 0
    assert [frame_number(loop, index) for index in (0, needed - 1, needed)] == [48 - needed, 47, 0]
    with pytest.raises(DreamvidError, match="settle over 0 to 36 frames"):
        ZoomSettings(frames=48, loop=True, loop_settle=40)


def test_cli_zoom_layer_cycle_is_checked_before_any_work(picture, tmp_path):
    out = tmp_path / "out.mp4"
    cli_error(["zoom", picture, "-o", out, "--layer-cycle", "block3_conv3,block9_conv1"], "unknown layer 'block9_conv1'")
    cli_error(["zoom", picture, "-o", out, "--layer-cycle", "block3_conv3"], "at least two layers")
    assert not out.exists()
