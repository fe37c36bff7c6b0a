"""Bad input and faults, a fresh round (issue 22: "cases of the same kinds that are not listed"): each test
stands for one kind of case that failed when tried on the command line with tiny settings."""

from __future__ import annotations

import subprocess

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import cli_error, textured_image

from dreamvid.errors import DreamvidError
from dreamvid.io.images import read_image
from dreamvid.io.paths import check_output_dir
from dreamvid.io.video_reader import open_video
from dreamvid.settings import DreamSettings, LayerTerm

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
TINY = ["--max-side", "64", "--steps", "1", "--octaves", "1", "-q"]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), textured_image(40, 48).astype(np.uint8))
    return path


def test_layer_weights_and_channels_take_underscores_as_every_number_does():
    """`--steps 1_0` and `--step-size 1_0e-2` are read as Python reads them; a layer's weight and channel too."""
    assert LayerTerm.parse("conv_b=1_0") == LayerTerm("conv_b", 10.0)
    assert LayerTerm.parse("conv_b:1_2=0_0.5") == LayerTerm("conv_b", 0.5, 12)
    for spec, words in (("conv_b:1__0", "channel after : must be a whole number"),
                        ("conv_b=1__0", "weight after = must be a number")):
        with pytest.raises(DreamvidError, match=words):
            LayerTerm.parse(spec)


@pytest.mark.parametrize("specs", [("conv_b=0",), ("conv_b=-0",), ("conv_b=1e-400",), ("conv_a=0", "conv_b=0")])
def test_layer_weights_that_are_all_zero_are_refused_not_dreamed_as_nothing(specs):
    """A dream whose every weight is 0 (also -0, or an underflow to 0) would write the input back unchanged."""
    with pytest.raises(DreamvidError, match="every layer weight is 0"):
        DreamSettings(layers=tuple(LayerTerm.parse(spec) for spec in specs))
    DreamSettings(layers=(LayerTerm.parse("conv_a=0"), LayerTerm.parse("conv_b=-1")))  # one weight is enough


def test_cover_art_is_not_a_clip_and_a_video_is_not_a_still(tmp_path, photo):
    """An MP3's cover art was dreamed as a one-frame "video" with a warning; a clip given as a zoom's still
    was read by its first frame. Both are refused in one line."""
    song = tmp_path / "song.mp3"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-i", str(photo), "-map", "0:a",
                    "-map", "1:v", "-c:v", "mjpeg", "-disposition:v", "attached_pic", str(song)], check=True)
    with pytest.raises(DreamvidError, match="only cover art"):
        open_video(song)
    clip = tmp_path / "clip.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", "-frames:v", "2",
                    "-pix_fmt", "yuv420p", str(clip)], check=True)
    with pytest.raises(DreamvidError, match="is a video, not an image"):
        read_image(clip)
    cli_error(["zoom", clip, "-o", tmp_path / "z.gif", "--frames", "2", *TINY], "is a video, not an image")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4", "photo.png", "song.mp3"]


def test_an_output_through_a_file_says_so(photo):
    with pytest.raises(DreamvidError, match="photo.png is a file, not a folder"):
        check_output_dir(photo / "out.png")


def test_a_pipe_or_device_by_the_output_name_is_never_replaced(tmp_path, photo):
    """`--report nul --overwrite` with `nul` a device node replaced the node with the report (as root,
    `--report /dev/null --overwrite` would replace /dev/null); a named pipe named like the output too."""
    import os
    import stat

    from dreamvid.io.paths import check_overwrite, check_side_output

    pipe, device = tmp_path / "p.png", tmp_path / "nul"
    os.mkfifo(pipe)
    os.mknod(device, 0o644 | stat.S_IFCHR, os.makedev(1, 3))
    for overwrite in (False, True):
        with pytest.raises(DreamvidError, match="is a named pipe, not a file"):
            check_overwrite(pipe, overwrite)
        with pytest.raises(DreamvidError, match="is a device, not a file"):
            check_side_output(device, protected=[photo], overwrite=overwrite)
    cli_error(["image", photo, "-o", pipe, "--overwrite", *TINY], "named pipe, not a file")
    cli_error(["image", photo, "-o", tmp_path / "o.png", "--report", device, "--overwrite", *TINY], "a device")
    cli_error(["audio", photo, "-o", pipe, "--overwrite"], "named pipe, not a file")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode) and stat.S_ISCHR(os.lstat(device).st_mode)
    assert not (tmp_path / "o.png").exists()


def test_a_zoom_state_of_one_number_says_so():
    from dreamvid.zoom.frames import saved_camera_state

    state = {"state": np.float32(1), "reference_mean": np.zeros(3), "reference_spread": np.ones(3)}
    with pytest.raises(DreamvidError, match="the saved frame is a single number, not 40x48x3"):
        saved_camera_state(state, (40, 48, 3))


@pytest.fixture
def tiny_effect(tiny):
    from conftest import tiny_dreamer

    from dreamvid.dream.deepdream import DeepDream
    from dreamvid.settings import WarmStart

    return DeepDream(DreamSettings(model="tiny", octaves=1, steps=1, tile_size=64), tiny_dreamer(tiny), warm=WarmStart(1))


@pytest.mark.parametrize("damage", ["work folder is a link", "frame is a link"])
def test_links_in_a_work_folder_are_refused_on_resume(tmp_path, photo, tiny_effect, damage):
    """A work folder replaced by a link to a folder elsewhere was resumed into that folder (and left there); a
    frame replaced by a link to a picture of the same size went into the output as it was."""
    import os
    import shutil

    from dreamvid.render.workdir import work_dir_for
    from dreamvid.render.zoom import render_zoom
    from dreamvid.settings import ZoomSettings

    settings, zoom = DreamSettings(model="tiny", octaves=1, steps=1, tile_size=64), ZoomSettings(frames=6)
    out = tmp_path / "z.mp4"

    def stop(event):
        if event.frame_finished and event.frames_done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_zoom(photo, out, settings, zoom, tiny_effect, on_progress=stop)
    work = work_dir_for(out)
    if damage == "work folder is a link":
        shutil.move(work, tmp_path / "elsewhere")
        os.symlink(tmp_path / "elsewhere", work)
        words = "is a link, not dreamvid's work folder"
    else:
        frame = work / "frames" / "000000.png"
        frame.unlink()
        os.symlink(photo, frame)
        words = "frame 1 is a link to another file"
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    with pytest.raises(DreamvidError, match=words):
        render_zoom(photo, out, settings, zoom, tiny_effect, resume=True)
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before
    assert not out.exists()


def test_a_full_disk_while_saving_leaves_no_half_written_state(tmp_path, monkeypatch):
    """A frame saved on a full disk left `.state.npz.partial.npz` in the work folder; the old state stays."""
    import errno

    from dreamvid.render import workdir
    from dreamvid.render.workdir import WorkDir

    work = WorkDir.open(tmp_path / "out.mp4", {"render": 1}, resume=False)
    frame = np.zeros((16, 16, 3), np.uint8)
    work.save_frame(0, frame, {"x": np.zeros(3)})

    def full_disk(path, **arrays):
        with open(path, "wb") as file:
            file.write(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(workdir.np, "savez", full_disk)
    with pytest.raises(DreamvidError, match="cannot save frame 2 .*No space left on device; free some space"):
        work.save_frame(1, frame, {"x": np.ones(3)})
    monkeypatch.undo()
    assert sorted(path.name for path in work.path.iterdir()) == ["frames", "manifest.json", "state.npz"]
    assert work.frames_done() == 1


def test_a_schedule_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Windows editors start a UTF-8 file with a BOM; TOML and JSON schedules were refused at line 1."""
    from dreamvid.zoom.schedule import load_schedule

    for name, text in (("s.toml", "[[keyframe]]\ntime = 0\nzoom = 1.1\n"),
                       ("s.json", '{"keyframe": [{"time": 0, "zoom": 1.1}]}')):
        path = tmp_path / name
        path.write_bytes(b"\xef\xbb\xbf" + text.encode())
        assert load_schedule(path).keys


def test_audio_at_extreme_frame_rates_neither_hangs_nor_overflows(tmp_path):
    """`dreamvid audio --fps 1e-300` hung drawing 10^296 time marks; `--fps 1e300` was a numpy traceback."""
    pytest.importorskip("librosa")
    from conftest import click_track
    from typer.testing import CliRunner

    from dreamvid.audio.plot import _tick_step
    from dreamvid.cli.app import app

    sound = tmp_path / "clicks.wav"
    click_track(sound, seconds=1.0)
    cli_error(["audio", sound, "-o", tmp_path / "p.png", "--fps", "1e300"], "fps must be a positive number of at most 1000")
    result = CliRunner().invoke(app, ["audio", str(sound), "-o", str(tmp_path / "p.png"), "--fps", "1e-300"])
    assert result.exit_code == 0, result.output
    assert 1e300 / _tick_step(1e300) <= 17


def test_a_report_may_not_be_a_saved_octave_and_a_layer_cycle_no_zero_weight(tmp_path, photo):
    """`--save-octaves --report o.octave1.png` wrote the report over the first octave's picture; a layer cycle
    of zero weights dreamed nothing."""
    from dreamvid.zoom.schedule import layer_cycle_schedule

    cli_error(["image", photo, "-o", tmp_path / "o.png", "--save-octaves", "--octaves", "2",
               "--report", tmp_path / "o.octave1.png", *TINY[:-3], "-q"], "would replace")
    assert not (tmp_path / "o.png").exists()
    with pytest.raises(DreamvidError, match="layer conv_a=0 has weight 0"):
        layer_cycle_schedule(["conv_a=0", "conv_b"], 2.0)
