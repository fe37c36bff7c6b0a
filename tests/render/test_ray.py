"""Rendering on a local Ray runtime (2 workers, the tiny model): count, order, fps, audio, faults, resume."""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import textured_image, tiny_dreamer, tiny_model

from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.io.video_reader import count_frames, probe_video
from dreamvid.render.video import render_video
from dreamvid.settings import DreamSettings, VideoSettings, WarmStart

ray = pytest.importorskip("ray")
HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
SETTINGS = VideoSettings(dream=DreamSettings(model="tiny", octaves=2, steps=2, tile_size=64))


def make_tiny_effect():
    """Built on each worker: the tiny model, its objective and the warm start."""
    return DeepDream(SETTINGS.dream, tiny_dreamer(tiny_model()), warm=WarmStart(1))


def fingerprint(image) -> str:
    return hashlib.sha1(np.asarray(image, np.float32).tobytes()).hexdigest()[:12]


class LoggedEffect:
    """The tiny effect, writing a line to `log` for each frame it dreams (a full first dream or a
    refinement; the re-dreamed crops are parts of a frame) with the input's fingerprint; it fails on
    the frame whose fingerprint is `poison`."""

    def __init__(self, log: str, poison: str | None):
        self.effect, self.log, self.poison = make_tiny_effect(), log, poison

    def _record(self, kind: str, image) -> None:
        if fingerprint(image) == self.poison:
            raise ValueError("a poisoned frame")
        with open(self.log, "a") as log:
            log.write(f"{kind} {fingerprint(image)}\n")

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        if steps is None:
            self._record("first", image)
        return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        self._record("refine", image)
        return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


def make_logged_effect(log: str, poison: str | None = None) -> LoggedEffect:
    return LoggedEffect(log, poison)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": f"{HERE}:{TESTS}:{TESTS.parent}"}})
    yield ray
    ray.shutdown()


def distinct_frames(count=20, height=40, width=56):
    """Unrelated textures, so each output frame can only match its own input."""
    return [textured_image(height, width, seed=100 + index).astype(np.uint8) for index in range(count)]


def write_folder(folder: Path, frames) -> Path:
    folder.mkdir()
    for index, frame in enumerate(frames):
        cv2.imwrite(str(folder / f"f{index:03d}.png"), frame[..., ::-1])
    return folder


def read_folder(folder: Path):
    return [cv2.imread(str(path))[..., ::-1] for path in sorted(folder.glob("*.png"))]


def ray_settings(**changes):
    from dreamvid.render.ray import RaySettings

    return RaySettings(**{"workers": 2, "segment_frames": 6, "run_up": 2, "overlap": 2, **changes})


def test_frames_come_back_complete_and_in_order(local_ray, tmp_path):
    inputs = distinct_frames()
    out = tmp_path / "out"
    summary = render_video(write_folder(tmp_path / "in", inputs), f"{out}/", SETTINGS, make_tiny_effect,
                           ray=ray_settings())
    outputs = read_folder(out)
    assert summary.frames == len(outputs) == 20
    for index, output in enumerate(outputs):
        distances = [np.abs(output.astype(float) - frame).mean() for frame in inputs]
        assert int(np.argmin(distances)) == index


def test_fps_and_audio_are_kept(local_ray, tmp_path):
    clip = tmp_path / "tone.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=64x48:rate=30000/1001", "-f", "lavfi", "-i", "sine=frequency=440",
                    "-t", "0.6", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip)], check=True)
    out = tmp_path / "out.mp4"
    render_video(clip, out, SETTINGS, make_tiny_effect, ray=ray_settings())
    info = probe_video(out)
    assert info.fps == Fraction(30000, 1001) and info.has_audio and count_frames(out) == count_frames(clip)


def test_a_killed_worker_has_its_segment_run_again(local_ray, tmp_path):
    from dreamvid.render.ray import ray_frames

    killed = []

    def kill_one(event):
        if event.frame_finished and event.frames_done == 3 and not killed:
            killed.append(True)
            ray.kill(kill_one.stream.workers[1], no_restart=False)

    original = ray_frames

    def spying(*arguments, **options):
        stream = original(*arguments, **options)
        kill_one.stream = stream
        return stream

    import dreamvid.render.video as ray_render  # render_video calls the ray_frames it imported

    ray_render.ray_frames = spying
    try:
        out = tmp_path / "out"
        summary = render_video(write_folder(tmp_path / "in", distinct_frames()), f"{out}/", SETTINGS,
                               make_tiny_effect, ray=ray_settings(), on_progress=kill_one)
    finally:
        ray_render.ray_frames = original
    outputs = read_folder(out)
    assert killed and summary.frames == 20 and len(outputs) == 20
    for index, output in enumerate(outputs):
        assert int(np.argmin([np.abs(output.astype(float) - frame).mean() for frame in distinct_frames()])) == index


def test_resume_after_a_stop_completes_the_clip(local_ray, tmp_path):
    source = write_folder(tmp_path / "in", distinct_frames())
    out = tmp_path / "out"

    def stop(event):
        if event.frame_finished and event.frames_done == 9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_video(source, f"{out}/", SETTINGS, make_tiny_effect, ray=ray_settings(), on_progress=stop)
    summary = render_video(source, f"{out}/", SETTINGS, make_tiny_effect, ray=ray_settings(), resume=True)
    assert summary.resumed_at == 9 and summary.frames == 20 and len(read_folder(out)) == 20


def test_a_local_runtime_keeps_token_authentication_without_the_notice():
    """Ray turns token authentication on for a new local runtime and says so unless the mode is set;
    dreamvid sets the same mode, so the start is quiet and the protection stays."""
    script = ("import os; from dreamvid.render.ray import RaySettings, start_ray; "
              "ray = start_ray(RaySettings(workers=1)); print(os.environ['RAY_AUTH_MODE']); ray.shutdown()")
    environment = {key: value for key, value in os.environ.items() if key not in ("RAY_AUTH_MODE", "RAY_ADDRESS")}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS.parent), environment.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True,
                            env=environment, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["token"] and "Token authentication" not in result.stderr, result.stderr


def test_an_unreachable_cluster_fails_fast(tmp_path):
    source = write_folder(tmp_path / "in", distinct_frames(4))
    started = time.perf_counter()
    with pytest.raises(DreamvidError, match="cannot reach the Ray cluster at 127.0.0.1:9"):
        render_video(source, f"{tmp_path / 'out'}/", SETTINGS, make_tiny_effect,
                     ray=ray_settings(address="127.0.0.1:9", workers=None))
    assert time.perf_counter() - started < 10


def test_resume_dreams_only_the_segments_not_finished(local_ray, tmp_path):
    """Segment 1 (frames 0..7) fails at once while segments 2..4 finish: the finished frames are not a
    prefix. The resumed render dreams segment 1 alone and joins it to the half of frames 7..8 that
    segment 2 stored; the clip is the one an uninterrupted render makes."""
    inputs = distinct_frames()
    source = write_folder(tmp_path / "in", inputs)
    out, whole = tmp_path / "out", tmp_path / "whole"
    first_run, second_run = tmp_path / "first.log", tmp_path / "second.log"
    with pytest.raises(DreamvidError, match="segment 1 failed on its worker: .*poisoned frame"):
        render_video(source, f"{out}/", SETTINGS, functools.partial(make_logged_effect, str(first_run),
                                                                     fingerprint(inputs[0])), ray=ray_settings())
    from dreamvid.render.workdir import WorkDir, work_dir_for

    work = WorkDir(work_dir_for(f"{out}/"))
    assert work.stored_frames() == set(range(8, 20))  # segments of 6 keep [0, 8), [6, 14), [12, 20), [18, 20)
    with pytest.raises(DreamvidError, match="cut the clip into segments of 6 frames"):  # another cut: refused
        render_video(source, f"{out}/", SETTINGS, make_tiny_effect, ray=ray_settings(segment_frames=7), resume=True)
    summary = render_video(source, f"{out}/", SETTINGS, functools.partial(make_logged_effect, str(second_run)),
                           ray=ray_settings(), resume=True)
    dreamed = second_run.read_text().split()
    assert len(dreamed) // 2 == 8 and dreamed[:2] == ["first", fingerprint(inputs[0])]  # frames 0..7 only
    assert summary.resumed_at == 12 and summary.frames == 20
    render_video(source, f"{whole}/", SETTINGS, make_tiny_effect, ray=ray_settings())
    outputs, uninterrupted = read_folder(out), read_folder(whole)
    assert len(outputs) == len(uninterrupted) == 20
    for index, (output, reference) in enumerate(zip(outputs, uninterrupted)):
        distances = [np.abs(output.astype(float) - frame).mean() for frame in inputs]
        assert int(np.argmin(distances)) == index
        assert np.abs(output.astype(float) - reference).mean() < 1.0, index


class TimedEffect:
    """The tiny effect with a schedule, writing the frame number it is asked to dream at to `log`."""

    def __init__(self, log: str, schedule):
        self.effect = DeepDream(SETTINGS.dream, tiny_dreamer(tiny_model()), warm=WarmStart(1), schedule=schedule,
                                fps=schedule.fps)
        self.log, self.fps = log, schedule.fps

    def _record(self, time: float) -> None:
        with open(self.log, "a") as log:
            log.write(f"{round(time * self.fps)}\n")

    def first(self, image, *, seed, time=0.0, progress=None, steps=None):
        if steps is None:
            self._record(time)
        return self.effect.first(image, seed=seed, time=time, progress=progress, steps=steps)

    def refine(self, image, *, seed, time=0.0, progress=None, guide=None):
        self._record(time)
        return self.effect.refine(image, seed=seed, time=time, progress=progress, guide=guide)


def make_timed_effect(log: str, schedule) -> TimedEffect:
    return TimedEffect(log, schedule)


def test_segments_read_a_music_schedule_at_their_own_frames(local_ray, tmp_path):
    from conftest import click_track

    from dreamvid.render.video import bound_video_schedule
    from dreamvid.zoom.schedule import load_schedule

    sound = tmp_path / "clicks.wav"
    click_track(sound, bpm=150, seconds=2.0, first=0.1)
    schedule_file = tmp_path / "music.toml"
    schedule_file.write_text('[[keyframe]]\ntime = 0\nstep_size = "1 + 2*beat"\n')
    clip = write_folder(tmp_path / "in", distinct_frames())
    settings = VideoSettings(dream=SETTINGS.dream, soundtrack=str(sound))
    schedule = bound_video_schedule(clip, settings, load_schedule(schedule_file))
    log = tmp_path / "frames.log"
    summary = render_video(clip, f"{tmp_path / 'out'}/", settings,
                           functools.partial(make_timed_effect, str(log), schedule), schedule=schedule,
                           ray=ray_settings())
    assert summary.frames == 20
    numbers = [int(line) for line in log.read_text().split()]
    # every frame is dreamed at its own frame number (run-up frames twice), not at its place in its segment
    assert set(numbers) == set(range(20)) and len(numbers) > 20


def _ray_render(tmp_path):
    """A `dreamvid video --workers 2` run, returned once its Ray workers are dreaming, with the processes
    below it then (pid -> start time)."""
    from dreamvid.render.reaper import _start_time, descendants

    clip = write_folder(tmp_path / "clip", distinct_frames(24, 48, 64))
    command = [sys.executable, "-m", "dreamvid", "video", str(clip), "-o", str(tmp_path / "out.mp4"), "--workers",
               "2", "--max-side", "64", "--octaves", "1", "--steps", "1", "-q"]
    process = subprocess.Popen(command, cwd=TESTS.parent, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(TESTS.parent)})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        below = {pid: _start_time(pid) for pid in descendants(process.pid)}
        names = []
        for pid in below:
            try:
                names.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                pass
        if any(name.startswith(b"ray::SegmentDreamer") for name in names):
            return process, below
        time.sleep(0.5)
    process.kill()
    pytest.fail("the Ray workers never started")


def _still_running(processes: dict) -> list[int]:
    from dreamvid.render.reaper import _start_time

    return [pid for pid, started in processes.items() if started is not None and _start_time(pid) == started]


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc")
def test_sigterm_under_ray_ends_in_one_line_and_leaves_nothing(tmp_path):
    process, below = _ray_render(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 143, errors
    assert errors.strip().splitlines() == ["dreamvid: error: terminated; run again with --resume to continue"]
    time.sleep(3)
    assert not _still_running(below)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process tree from /proc")
def test_kill_9_of_a_ray_render_leaves_no_process_running(tmp_path):
    process, below = _ray_render(tmp_path)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 3  # the reaper looks twice a second
    while _still_running(below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _still_running(below)
