"""The video pipeline on short synthetic clips made here: frames, fps, audio, resume, coherence, errors."""

from __future__ import annotations

import errno
import subprocess
from fractions import Fraction

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import cli_error, textured_image
from typer.testing import CliRunner

from dreamvid.cli.app import app
from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.io.video_reader import count_frames, probe_video
from dreamvid.measure.metrics import FlickerMeter
from dreamvid.render.video import render_video
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings
from dreamvid.video.motion_ahead import with_next

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SMALL = DreamSettings(octaves=2, steps=4, step_size=3.0)
FAST = VideoSettings(dream=SMALL, coherence=CoherenceSettings(steps_next=2))


def pan_frames(count=12, width=96, height=72, speed=2):
    """A camera panning right over a wide texture, `speed` px per frame."""
    wide = textured_image(height, width + speed * count, seed=11)
    return [wide[:, speed * i : speed * i + width].astype(np.uint8) for i in range(count)]


def write_folder(folder, frames):
    folder.mkdir()
    for index, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"f{index + 1:03d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return folder


def read_folder(folder):
    return [cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB) for path in sorted(folder.glob("*.png"))]


@pytest.fixture
def pan_folder(tmp_path):
    return write_folder(tmp_path / "pan", pan_frames())


@pytest.fixture(scope="module")
def clip_with_audio(tmp_path_factory):
    """2 s at 30000/1001 fps, 96x64, with a 440 Hz tone; audio stream first."""
    path = tmp_path_factory.mktemp("clips") / "tone.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30000/1001",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "2",
         "-map", "1:a", "-map", "0:v", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
        check=True,
    )
    return path


def test_folder_in_folder_out_keeps_count(pan_folder, tmp_path, vgg16_dreamer):
    out = tmp_path / "dreamed"
    summary = render_video(pan_folder, f"{out}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    written = read_folder(out)
    assert summary.frames == len(written) == 12
    assert written[0].shape == (72, 96, 3)
    assert not work_dir_for(f"{out}/").exists()


def test_mp4_keeps_fps_count_and_audio(clip_with_audio, tmp_path, vgg16_dreamer):
    out = tmp_path / "out.mp4"
    render_video(clip_with_audio, out, dataclasses_replace(FAST, frames=15), DeepDream.for_video(FAST, vgg16_dreamer))
    info = probe_video(out)
    assert info.fps == Fraction(30000, 1001)
    assert count_frames(out) == 15
    assert info.has_audio
    muted = tmp_path / "muted.webm"
    render_video(clip_with_audio, muted, dataclasses_replace(FAST, frames=6, audio=False), DeepDream.for_video(FAST, vgg16_dreamer))
    assert not probe_video(muted).has_audio and count_frames(muted) == 6


def dataclasses_replace(settings, **changes):
    import dataclasses

    return dataclasses.replace(settings, **changes)


def test_coherent_mode_flickers_far_less_than_per_frame(pan_folder, tmp_path, vgg16_dreamer):
    inputs = read_folder(pan_folder)
    coherent_out, independent_out = tmp_path / "coherent", tmp_path / "independent"
    render_video(pan_folder, f"{coherent_out}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    independent = dataclasses_replace(FAST, coherence=CoherenceSettings(coherent=False))
    render_video(pan_folder, f"{independent_out}/", independent, DeepDream.for_video(independent, vgg16_dreamer))
    ratios, strengths = {}, {}
    for name, folder in (("coherent", coherent_out), ("independent", independent_out)):
        meter = FlickerMeter()
        outputs = read_folder(folder)
        for frame, output in zip(inputs, outputs):
            meter.add(frame, output)
        ratios[name] = meter.ratio
        strengths[name] = np.mean([np.abs(o.astype(float) - i).mean() for i, o in zip(inputs, outputs)])
    assert ratios["coherent"] * 2 < ratios["independent"], ratios
    assert strengths["coherent"] > 0.5 * strengths["independent"], strengths


def test_resume_equals_an_uninterrupted_run(pan_folder, tmp_path, vgg16_dreamer):
    whole = tmp_path / "whole"
    render_video(pan_folder, f"{whole}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))

    stopped = tmp_path / "stopped"

    def stop_after_five(event):
        if event.frame_finished and event.frames_done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_video(pan_folder, f"{stopped}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer), on_progress=stop_after_five)
    assert not stopped.exists()
    assert WorkDir(work_dir_for(f"{stopped}/")).frames_done() == 5
    with pytest.raises(DreamvidError, match="--resume"):
        render_video(pan_folder, f"{stopped}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    summary = render_video(pan_folder, f"{stopped}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer), resume=True)
    assert summary.resumed_at == 5
    for a, b in zip(read_folder(whole), read_folder(stopped), strict=True):
        assert np.array_equal(a, b)


def test_overlapped_pipeline_equals_one_stage_at_a_time(pan_folder, tmp_path, vgg16_dreamer):
    overlapped, in_turn = tmp_path / "overlapped", tmp_path / "in_turn"
    render_video(pan_folder, f"{overlapped}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    render_video(pan_folder, f"{in_turn}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer), overlap=False)
    pairs = list(zip(read_folder(overlapped), read_folder(in_turn), strict=True))
    assert len(pairs) == 12
    for a, b in pairs:
        assert np.array_equal(a, b)


def test_with_next_pairs_each_frame_with_its_successor():
    assert list(with_next(iter([1, 2, 3]))) == [(1, 2), (2, 3), (3, None)]
    assert list(with_next(iter([]))) == []


def test_resume_refuses_other_settings(pan_folder, tmp_path, vgg16_dreamer):
    out = tmp_path / "out"

    def stop(event):
        if event.frame_finished:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_video(pan_folder, f"{out}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer), on_progress=stop)
    other = dataclasses_replace(FAST, coherence=CoherenceSettings(blend=0.5))
    with pytest.raises(DreamvidError, match="other settings"):
        render_video(pan_folder, f"{out}/", other, DeepDream.for_video(other, vgg16_dreamer), resume=True)


def test_full_disk_leaves_a_resumable_state(pan_folder, tmp_path, vgg16_dreamer, monkeypatch):
    out = tmp_path / "out.mp4"
    original = WorkDir.save_frame

    def fail_on_fourth(self, index, rgb, state):
        if index == 3:
            raise DreamvidError(f"cannot save frame 4 in {self.path}: {errno.errorcode[errno.ENOSPC]}; "
                                "free some space and run again with --resume")
        original(self, index, rgb, state)

    monkeypatch.setattr(WorkDir, "save_frame", fail_on_fourth)
    with pytest.raises(DreamvidError, match="--resume"):
        render_video(pan_folder, out, FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    assert not out.exists()
    monkeypatch.setattr(WorkDir, "save_frame", original)
    summary = render_video(pan_folder, out, FAST, DeepDream.for_video(FAST, vgg16_dreamer), resume=True)
    assert summary.resumed_at == 3 and count_frames(out) == 12


def test_scene_cut_starts_afresh(tmp_path, vgg16_dreamer):
    first = pan_frames(6)
    second = [np.ascontiguousarray(255 - frame[::-1]) for frame in pan_frames(6)]
    folder = write_folder(tmp_path / "cut", first + second)
    summary = render_video(folder, f"{tmp_path / 'out'}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    assert summary.scene_cuts == 1


def test_strength_stays_bounded_over_a_longer_clip(tmp_path, vgg16_dreamer):
    frames = pan_frames(40, speed=1)
    folder = write_folder(tmp_path / "long", frames)
    out = tmp_path / "out"
    render_video(folder, f"{out}/", FAST, DeepDream.for_video(FAST, vgg16_dreamer))
    strengths = [np.abs(o.astype(float) - i).mean() for i, o in zip(frames, read_folder(out))]
    assert 0.5 < strengths[-1] / strengths[5] < 1.5, strengths


runner = CliRunner()


def test_cli_video_bad_inputs(tmp_path, clip_with_audio):
    out = tmp_path / "out.mp4"
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    empty = tmp_path / "empty.mp4"
    empty.touch()
    cli_error(["video", tmp_path / "missing.mp4", "-o", out], "not found")
    cli_error(["video", text, "-o", out], "")
    cli_error(["video", empty, "-o", out], "")
    cli_error(["video", clip_with_audio, "-o", out, "--start", "30"], "past the end")
    cli_error(["video", clip_with_audio, "-o", tmp_path / "out.xyz"], "cannot write .xyz")
    cli_error(["video", clip_with_audio, "-o", clip_with_audio], "must not be the input")
    cli_error(["video", clip_with_audio, "-o", tmp_path / "nowhere" / "out.mp4"], "output folder does not exist")
    cli_error(["video", clip_with_audio, "-o", out, "--blend", "1.5"], "blend must be between 0 and 1")
    cli_error(["video", clip_with_audio, "-o", out, "--steps", "0"], "steps must be positive")
    assert not out.exists()


def test_cli_video_writes_report(tmp_path, clip_with_audio):
    import json

    out, report = tmp_path / "out.gif", tmp_path / "report.json"
    result = runner.invoke(app, ["video", str(clip_with_audio), "-o", str(out), "--frames", "4", "--octaves", "2",
                                 "--steps", "2", "--steps-next", "1", "--report", str(report), "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["frames_written"] == 4 and data["fps"] == "30000/1001"
    assert data["model"] == "vgg16" and "tensorflow" in data["versions"]
    assert len(data["seconds_per_frame"]["all"]) == 4
    assert count_frames(out) == 4
    figures = data["figures"]
    assert figures["frames_measured"] == 4
    assert figures["flicker_ratio"] > 0 and figures["strength"] > 1.0  # measured, and the frames were dreamed
    assert set(figures["motion_coverage"]) == {"moving", "wake", "frames_used", "wake_frames_used"}


def test_dream_scale_keeps_the_size_and_dreams(pan_folder, tmp_path, vgg16_dreamer):
    scaled = dataclasses_replace(FAST, coherence=CoherenceSettings(dream_scale=0.5))
    out = tmp_path / "scaled"
    render_video(pan_folder, f"{out}/", scaled, DeepDream.for_video(scaled, vgg16_dreamer))
    inputs, outputs = read_folder(pan_folder), read_folder(out)
    assert outputs[0].shape == inputs[0].shape and len(outputs) == len(inputs)
    assert np.mean([np.abs(o.astype(float) - i).mean() for i, o in zip(inputs, outputs)]) > 3.0
