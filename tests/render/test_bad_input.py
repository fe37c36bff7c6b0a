"""Bad input and faults, round two (issue 22): nothing of the user's lost, no traceback, no hang, no silent
wrong result. Each test stands for one kind of case."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import zipfile

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import textured_image, tiny_dreamer

from dreamvid.dream.deepdream import DeepDream
from dreamvid.dream.octaves import octave_shapes
from dreamvid.errors import DreamvidError
from dreamvid.io.images import MAX_IMAGE_BYTES, read_image, write_image
from dreamvid.io.paths import OutputLock, check_overwrite, check_side_output, input_fingerprint, temporary_sibling
from dreamvid.io.video_reader import open_video
from dreamvid.io.video_writer import VideoWriter, audio_of
from dreamvid.render.renderer import check_render_paths
from dreamvid.render.still import dream_file
from dreamvid.render.video import render_video
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.settings import (
    CoherenceSettings,
    DreamSettings,
    LayerTerm,
    StyleSettings,
    VideoSettings,
    WarmStart,
    ZoomSettings,
    zoom_per_second,
)
from dreamvid.zoom.camera import CameraMove
from dreamvid.zoom.frames import zoom_frames
from dreamvid.zoom.schedule import load_schedule

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
SETTINGS = VideoSettings(dream=DreamSettings(model="tiny", octaves=1, steps=1, tile_size=64))


@pytest.fixture
def effect(tiny):
    return DeepDream(SETTINGS.dream, tiny_dreamer(tiny), warm=WarmStart(1))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), textured_image(40, 48).astype(np.uint8))
    return path


def frame_folder(folder, count=6, marked=False):
    folder.mkdir()
    wide = textured_image(48, 64 + 2 * count, seed=4).astype(np.uint8)
    for index in range(count):
        if marked:  # frames dreamvid wrote earlier (its mark in each)
            with VideoWriter(f"{folder}/staged/", fps=25, size=(64, 48)) as writer:
                writer.write(wide[:, 2 * index:2 * index + 64])
            os.replace(folder / "staged" / "frame_000001.png", folder / f"frame_{index + 1:06d}.png")
            os.rmdir(folder / "staged")
        else:
            cv2.imwrite(str(folder / f"f{index:03d}.png"), wide[:, 2 * index:2 * index + 64])
    return folder


def stop_after(count):
    def stop(event):
        if event.frame_finished and event.frames_done == count:
            raise KeyboardInterrupt
    return stop


# Data lost ------------------------------------------------------------------------------------------------


def test_temporary_names_never_are_a_users_file(tmp_path):
    """A user's `.out.partial.png` (the old temporary name) survives writing out.png; a temporary name is
    always a new file."""
    mine = tmp_path / ".out.partial.png"
    mine.write_bytes(b"mine")
    write_image(tmp_path / "out.png", textured_image(32, 32))
    assert mine.read_bytes() == b"mine" and (tmp_path / "out.png").exists()
    assert sorted(os.listdir(tmp_path)) == [".out.partial.png", "out.png"]
    first, second = temporary_sibling(tmp_path / "r.json"), temporary_sibling(tmp_path / "r.json")
    assert first != second and first.name.startswith(".r.json.") and first.suffix == ".json"
    assert first.read_bytes() == b""


def test_every_input_is_protected_overwrite_or_not(tmp_path, photo, effect):
    style = tmp_path / "st.png"
    shutil.copy(photo, style)
    keep = style.read_bytes()
    with pytest.raises(DreamvidError, match="must not be an input"):
        dream_file(photo, style, effect, overwrite=True, inputs=(str(style),))
    with pytest.raises(DreamvidError, match="would replace"):
        check_side_output(tmp_path / "./st.png", protected=[photo, tmp_path / "out.png", str(style)])
    with pytest.raises(DreamvidError, match="must not be an input"):
        check_render_paths(photo, tmp_path / "weights.mp4", inputs=(str(tmp_path / "weights.mp4"),))
    assert style.read_bytes() == keep
    video = VideoSettings(dream=DreamSettings(weights="w.h5"),
                          style=StyleSettings(styles=(("a.jpg", 1.0), ("b.jpg", 2.0))))
    assert set(video.input_paths()) == {"w.h5", "a.jpg", "b.jpg"}


def test_a_glob_of_frames_may_not_be_written_over_by_its_own_folder(tmp_path):
    previous = frame_folder(tmp_path / "prev", marked=True)
    keep = {name: (previous / name).read_bytes() for name in os.listdir(previous)}
    for output in (f"{previous}/", str(previous)):
        with pytest.raises(DreamvidError, match="holds the input"):
            check_render_paths(f"{previous}/*.png", output, overwrite=True)
    with pytest.raises(DreamvidError, match="would replace"):
        check_side_output(previous / "frame_000001.png", protected=[f"{previous}/*.png"])
    check_render_paths(f"{previous}/*.png", tmp_path / "elsewhere/", overwrite=True)
    assert {name: (previous / name).read_bytes() for name in os.listdir(previous)} == keep


def test_the_output_is_claimed_before_it_is_checked(tmp_path, photo, effect):
    """A render that finds the output locked fails at once, before its effect (TensorFlow) is built, and one
    that takes the lock checks the output under it."""
    clip = frame_folder(tmp_path / "clip")
    built = []

    def build():
        built.append(1)
        return effect

    for output, run in ((tmp_path / "out.mp4", lambda out: render_video(clip, out, SETTINGS, build, overwrite=False)),
                        (tmp_path / "out.png", lambda out: dream_file(photo, out, build, overwrite=False))):
        with OutputLock(output):
            with pytest.raises(DreamvidError, match="another dreamvid is writing"):
                run(output)
        assert not built and not output.exists()
        output.write_bytes(b"finished by the first run")
        with pytest.raises(DreamvidError, match="pass --overwrite"):
            run(output)
        assert output.read_bytes() == b"finished by the first run" and not built


def test_a_lock_name_that_is_a_users_file_is_left_alone(tmp_path):
    mine = tmp_path / ".out.mp4.dreamvid-lock"
    mine.write_bytes(b"my notes")
    with pytest.raises(DreamvidError, match="is not one"):
        with OutputLock(tmp_path / "out.mp4"):
            pass
    assert mine.read_bytes() == b"my notes"


def test_a_folder_holding_only_system_files_is_empty(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / ".DS_Store").write_bytes(b"\0")
    check_overwrite(folder, overwrite=False)
    check_render_paths(tmp_path / "in.mp4", f"{folder}/", overwrite=False)
    with pytest.raises(DreamvidError, match=r"/.*\. exists|exists; pass --overwrite"):
        (tmp_path / "f" / "x.txt").write_text("x")
        check_overwrite(folder, overwrite=False)


def test_empty_output_names_the_folder_it_means(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x").write_text("x")
    with pytest.raises(DreamvidError) as error:
        check_overwrite("", overwrite=False)
    assert str(error.value).startswith(f"{tmp_path} exists")


# Wrong but silent --------------------------------------------------------------------------------------------


def test_a_killed_decoder_is_an_error_to_resume_not_the_end_of_the_clip(tmp_path, monkeypatch):
    clip = tmp_path / "clip.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=2",
                    "-pix_fmt", "yuv420p", str(clip)], check=True)
    import dreamvid.io.video_reader as reader

    started = []
    real_popen = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(reader.subprocess, "Popen", popen)
    info, frames = open_video(clip)
    with frames:
        next(frames)
        started[-1].kill()
        with pytest.raises(DreamvidError, match=r"stopped by signal 9 after \d+ of 50 frames.*--resume"):
            for _ in frames:
                pass


def test_non_square_pixels_keep_the_display_aspect(tmp_path):
    clip = tmp_path / "anamorphic.mp4"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=96x72:rate=25:duration=0.2",
                    "-vf", "setsar=2/1", "-pix_fmt", "yuv420p", str(clip)], check=True)
    info, frames = open_video(clip)
    with frames:
        first = next(frames)
    assert (info.width, info.height) == (192, 72) and first.shape == (72, 192, 3)  # 8:3 as it plays
    info, frames = open_video(clip, max_side=96)
    frames.close()
    assert (info.width, info.height) == (96, 36)


@pytest.mark.parametrize("damage, words", [
    ("truncated", "cannot be read"), ("bit flip", "cannot be read"), ("no arrays", "lacks previous_input"),
    ("other size", "not of the clip's frames"), ("manifest list", "not a dreamvid work folder"),
    ("text array", "not numbers"), ("count past the end", "counts 99 frames of 6"),
])
def test_everything_read_back_from_a_work_folder_is_checked(tmp_path, effect, damage, words):
    clip = frame_folder(tmp_path / "clip")
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        render_video(clip, f"{out}/", SETTINGS, effect, on_progress=stop_after(2))
    work = WorkDir(work_dir_for(f"{out}/"))
    state_file = work.path / "state.npz"
    state = work.load_state()
    if damage == "truncated":
        state_file.write_bytes(state_file.read_bytes()[: state_file.stat().st_size // 2])
    elif damage == "bit flip":
        data = bytearray(state_file.read_bytes())
        data[len(data) // 2] ^= 0x10
        state_file.write_bytes(bytes(data))
    elif damage == "no arrays":
        np.savez(state_file, frames_done=state["frames_done"])
    elif damage == "other size":
        state = {key: (np.zeros((24, 32, 3), np.float32) if key.startswith("previous") else value)
                 for key, value in state.items()}
        np.savez(state_file, **state)
    elif damage == "manifest list":
        (work.path / "manifest.json").write_text(json.dumps([1, 2]))
    elif damage == "text array":
        np.savez(state_file, **{**state, "scene_cuts": np.array("x")})
    else:
        np.savez(state_file, **{**state, "frames_done": np.int64(99)})
    if damage in ("truncated", "bit flip"):
        with pytest.raises((zipfile.BadZipFile, OSError, ValueError)):
            with np.load(state_file) as loaded:  # the damage is real
                [loaded[key] for key in loaded.files]
    with pytest.raises(DreamvidError, match=words):
        render_video(clip, f"{out}/", SETTINGS, effect, resume=True)
    assert not out.exists()


def test_a_zoom_state_of_another_picture_is_refused(tiny):
    effect = DeepDream(SETTINGS.dream, tiny_dreamer(tiny), warm=WarmStart(1))
    picture = textured_image(40, 48)
    state = {"state": np.zeros((20, 24, 3), np.float32), "reference_mean": np.zeros(3), "reference_spread": np.ones(3)}
    with pytest.raises(DreamvidError, match="saved frame is 20x24x3"):
        zoom_frames(picture, effect, ZoomSettings(frames=4), None, seed=0, first=2, state=state)
    with pytest.raises(DreamvidError, match="lacks reference_mean"):
        zoom_frames(picture, effect, ZoomSettings(frames=4), None, seed=0, first=2, state={"state": picture})


@pytest.mark.parametrize("make, words", [
    (lambda: StyleSettings(styles=(("s.jpg", 1.0),), style_weight=math.inf), "style weight must be a finite"),
    (lambda: StyleSettings(styles=(("s.jpg", 1.0),), content_weight=math.inf), "content weight must be a finite"),
    (lambda: StyleSettings(styles=(("s.jpg", math.inf),)), "styles must be a finite"),
    (lambda: StyleSettings(styles=(("s.jpg", 1.0),), style_scale=1000), "style scale must be at most 4"),
    (lambda: StyleSettings(styles=(("s.jpg", 1.0),), style_weight=1e300), "style weight must be at most"),
    (lambda: DreamSettings(step_size=1e308), "step size must be at most 255"),
    (lambda: DreamSettings(tv_weight=1e308), "tv weight must be at most"),
    (lambda: DreamSettings(layers=(LayerTerm("a", 1e300),)), "weight of layer a must be at most"),
    (lambda: DreamSettings(octave_scale=1e308), "octave scale must be at most"),
])
def test_weights_and_sizes_that_overflow_are_refused(make, words):
    with pytest.raises(DreamvidError, match=words):
        make()


# Tracebacks, hangs and memory ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["steps", "octaves", "max_side", "tile_size", "seed"])
def test_integers_too_large_for_a_float_are_refused(field):
    with pytest.raises(DreamvidError, match=f"{field.replace('_', ' ')} must be at most .* digits"):
        DreamSettings(**{field: 10**400})
    with pytest.raises(DreamvidError, match="steps next must be at most"):
        CoherenceSettings(steps_next=10**400)
    with pytest.raises(DreamvidError, match="frames must be at most"):
        VideoSettings(frames=10**400)
    with pytest.raises(DreamvidError, match="frames must be at most 1000000"):
        ZoomSettings(frames=10**18)


def test_powers_of_octaves_and_zooms_do_not_overflow():
    assert octave_shapes(64, 64, 3000, 1.4) == octave_shapes(64, 64, 4, 1.4)
    assert octave_shapes(64, 64, 10**18, 1.0001)[-1] == (64, 64)
    assert octave_shapes(64, 64, 3, 16.0) == [(64, 64)]
    with pytest.raises(DreamvidError, match="per frame"):
        zoom_per_second(1e20, 25)
    with pytest.raises(DreamvidError, match="from one frame to the next"):
        ZoomSettings(fps=1e-9)
    with pytest.raises(DreamvidError, match="fps must be at most 1000"):
        ZoomSettings(fps=2000)
    with pytest.raises(DreamvidError, match="from one frame to the next"):
        CameraMove.per_frame(1.25, fps=1e-9)
    assert zoom_per_second(1.02, 25) == pytest.approx(1.02**25)


@pytest.mark.parametrize("spec", ["block4_conv3=1.2.3", "block4_conv3=.", "a:99999999999999999999999=1"])
def test_layer_weights_that_are_not_numbers(spec):
    with pytest.raises(DreamvidError, match="cannot read layer|too large"):
        LayerTerm.parse(spec)


@pytest.mark.parametrize("text, words", [
    ('{"keyframe": [{"time": 0, "zoom": 1' + "0" * 400 + "}]}", "finite number"),
    ('{"keyframe": [{"time": 1' + "0" * 5000 + "}]}", "digits"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    ('{"keyframe": [{"time": 0, "layers": {"conv_b=1.2.3": 1}}]}', "cannot read layer"),
    ('{"keyframe": [{"time": 0, "layers": {"conv_b": "1.2.3"}}]}', "conv_b"),
])
def test_schedules_with_numbers_too_big_or_too_deep(tmp_path, text, words):
    path = tmp_path / "s.json"
    path.write_text(text)
    with pytest.raises(DreamvidError, match=words):
        load_schedule(path)


def test_a_named_pipe_as_schedule_is_refused_not_read(tmp_path):
    pipe = tmp_path / "s.toml"
    os.mkfifo(pipe)
    with pytest.raises(DreamvidError, match="named pipe"):
        load_schedule(pipe)


def test_huge_and_odd_image_files_are_refused_before_they_are_read(tmp_path):
    sparse = tmp_path / "huge.png"
    with open(sparse, "wb") as file:
        file.truncate(30 * 10**9)  # 30 GB, sparse: no disk used
    with pytest.raises(DreamvidError, match=f"at most {MAX_IMAGE_BYTES / 1e9:.1f} GB"):
        read_image(sparse)
    tiff = tmp_path / "int32.tif"
    import imageio.v3 as iio

    iio.imwrite(tiff, np.full((40, 40, 3), 7, np.int32))
    with pytest.raises(DreamvidError, match="unsupported pixel type int32|cannot read"):
        read_image(tiff, max_side=20)
    loop = tmp_path / "loop.png"
    os.symlink(loop, loop)
    with pytest.raises(DreamvidError, match="cannot open input"):
        read_image(loop)
    check_render_paths(tmp_path / "in.mp4", tmp_path / "elsewhere.mp4", inputs=(str(loop),))


def test_noise_from_libraries_stays_quiet(tmp_path, capfd):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(DreamvidError):
        read_image(broken)
    assert cv2.imread(str(tmp_path / "missing.png")) is None
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


# Valid input refused ---------------------------------------------------------------------------------------


def test_times_in_exponent_form_and_colons_in_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=0.4",
                    "-f", "lavfi", "-i", "sine=duration=0.4", "-pix_fmt", "yuv420p", "-shortest", "file:a:b.mp4"],
                   check=True)
    for start, end in ((0.00001, None), (1e-300, None), (0.0, 1e16), (0.00001, 0.2)):
        info, frames = open_video("a:b.mp4", start=start, end=end)
        with frames:
            count = sum(1 for _ in frames)
        assert count == info.frame_count and count >= 4, (start, end)
    info, frames = open_video("a:b.mp4", start=0.00001)
    with frames, VideoWriter("c:d.mp4", fps=info.fps, size=(64, 48), audio=audio_of(info)) as out:
        for frame in frames:
            out.write(frame)
    assert os.path.getsize("c:d.mp4") > 0


def test_an_output_inside_the_input_folder_resumes(tmp_path, effect):
    clip = frame_folder(tmp_path / "frames")
    out = clip / "out.mp4"
    before = input_fingerprint(clip)
    with pytest.raises(KeyboardInterrupt):
        render_video(clip, out, SETTINGS, effect, on_progress=stop_after(2))
    (clip / ".out.mp4.0badf00d.partial.mp4").write_bytes(b"left by a kill")
    assert input_fingerprint(clip) == before
    summary = render_video(clip, out, SETTINGS, effect, resume=True)
    assert summary.frames == 6 and summary.resumed_at == 2 and out.exists()



def test_the_command_line_protects_style_images_and_names_an_empty_output(tmp_path, photo, monkeypatch):
    from conftest import cli_error

    style = tmp_path / "st.png"
    shutil.copy(photo, style)
    keep = style.read_bytes()
    tiny = ["--max-side", "64", "--steps", "1", "--octaves", "1", "-q"]
    cli_error(["image", photo, "-o", style, "--style", style, "--overwrite", *tiny], "must not be an input")
    cli_error(["image", photo, "-o", tmp_path / "o.png", "--report", style, "--style", style, "--overwrite", *tiny],
              "would replace")
    cli_error(["zoom", photo, "-o", tmp_path / "z.gif", "--report", style, "--style", style, "--overwrite", *tiny],
              "would replace")
    assert style.read_bytes() == keep
    monkeypatch.chdir(tmp_path)
    cli_error(["video", photo, "-o", "", *tiny], "the output is empty")
    cli_error(["zoom", photo, "-o", "", *tiny], "the output is empty")
