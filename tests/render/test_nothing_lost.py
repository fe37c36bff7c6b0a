"""Nothing a user owns is lost, bad input never crashes, a typo costs nothing (issue: nothing lost)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import cli_error, textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.render.video import render_video
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.settings import DreamSettings, VideoSettings, WarmStart

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = VideoSettings(dream=DreamSettings(model="tiny", octaves=2, steps=2, tile_size=64))
TINY_CLI = ["--max-side", "64", "--octaves", "2", "--steps", "1", "-q"]


def pan_folder(folder: Path, count=8) -> Path:
    folder.mkdir()
    wide = textured_image(48, 64 + 2 * count, seed=4).astype(np.uint8)
    for index in range(count):
        cv2.imwrite(str(folder / f"f{index:03d}.png"), wide[:, 2 * index:2 * index + 64])
    return folder


@pytest.fixture
def effect(tiny):
    return DeepDream(SETTINGS.dream, tiny_dreamer(tiny), warm=WarmStart(1))


@pytest.fixture
def clip(tmp_path):
    return pan_folder(tmp_path / "clip")


def stop_after(count):
    def stop(event):
        if event.frame_finished and event.frames_done == count:
            raise KeyboardInterrupt
    return stop


def test_side_outputs_may_not_replace_the_input_or_the_output(tmp_path, clip):
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), textured_image(40, 48).astype(np.uint8))
    keep = photo.read_bytes()
    cli_error(["image", photo, "-o", tmp_path / "out.png", "--report", photo, *TINY_CLI], "would replace")
    cli_error(["video", clip, "-o", tmp_path / "out.mp4", "--report", tmp_path / "out.mp4", *TINY_CLI], "would replace")
    (tmp_path / "out").mkdir()
    cli_error(["video", clip, "-o", f"{tmp_path / 'out'}/", "--report", tmp_path / "out" / "r.json", *TINY_CLI],
              "would be inside the folder")
    assert photo.read_bytes() == keep and not (tmp_path / "out.png").exists()


def test_a_typo_leaves_no_work_folder_and_starts_no_model(tmp_path, clip):
    out = tmp_path / "out.mp4"
    cli_error(["video", clip, "-o", out, "--layer", "block4_conv9", *TINY_CLI], "unknown layer 'block4_conv9'")
    cli_error(["video", clip, "-o", out, "--flow-preset", "slowest", *TINY_CLI], "unknown flow preset")
    assert not work_dir_for(out).exists() and not out.exists()


def test_an_existing_output_needs_overwrite(tmp_path, clip):
    out = tmp_path / "out.gif"
    out.write_bytes(b"an older render")
    cli_error(["video", clip, "-o", out, *TINY_CLI], "pass --overwrite")
    assert out.read_bytes() == b"an older render"


def test_resume_refuses_an_input_replaced_by_another_of_the_same_size(tmp_path, effect):
    clip = pan_folder(tmp_path / "clip")
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        render_video(clip, f"{out}/", SETTINGS, effect, on_progress=stop_after(3))
    first = sorted(clip.glob("*.png"))[0]
    cv2.imwrite(str(first), 255 - cv2.imread(str(first)))
    with pytest.raises(DreamvidError, match="other input"):
        render_video(clip, f"{out}/", SETTINGS, effect, resume=True)


@pytest.mark.parametrize("damage, words", [
    ("nan", "not numbers"), ("garbage state", "cannot be read"), ("empty state", "cannot be read"),
    ("garbage frame", "frame 2 is missing or unreadable"), ("small frame", "frame 2 is 8x8"),
])
def test_a_tampered_work_folder_is_refused_not_rendered(tmp_path, effect, clip, damage, words):
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        render_video(clip, f"{out}/", SETTINGS, effect, on_progress=stop_after(3))
    work = WorkDir(work_dir_for(f"{out}/"))
    if damage == "nan":
        state = work.load_state()
        state["previous_detail"][0, 0, 0] = np.nan
        np.savez(work.path / "state.npz", **state)
    elif damage == "garbage state":
        (work.path / "state.npz").write_bytes(b"not a numpy archive")
    elif damage == "empty state":
        (work.path / "state.npz").write_bytes(b"")
    elif damage == "garbage frame":
        work.frame_path(1).write_bytes(b"not a png")
    else:
        cv2.imwrite(str(work.frame_path(1)), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(DreamvidError, match=words):
        render_video(clip, f"{out}/", SETTINGS, effect, resume=True)
    assert not out.exists()


def test_sigterm_keeps_finished_frames_and_resume_completes(tmp_path):
    clip = pan_folder(tmp_path / "clip", count=40)
    out = tmp_path / "out.mp4"
    command = [sys.executable, "-m", "dreamvid", "video", str(clip), "-o", str(out), "--max-side", "64",
               "--octaves", "2", "--steps", "1", "-q"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    work = WorkDir(work_dir_for(out))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (work.has_state() and work.frames_done() >= 2):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 143 and "terminated; run again with --resume" in errors
    assert not out.exists() and work.frames_done() >= 2
    assert not [name for name in os.listdir(tmp_path) if ".partial" in name]
    finished = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert out.exists() and not work.path.exists()
