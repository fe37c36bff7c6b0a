"""Renders that follow a soundtrack (tiny model): a video schedule's step size per frame, blend, resume, sound."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest
from conftest import click_track, textured_image, tiny_dreamer

import dreamvid.dream.deepdream as deepdream_module
from dreamvid.dream.deepdream import DeepDream
from dreamvid.errors import DreamvidError
from dreamvid.io.video_reader import audio_codec
from dreamvid.render.video import bound_video_schedule, render_video
from dreamvid.render.workdir import WorkDir, work_dir_for
from dreamvid.render.zoom import bound_zoom_schedule, render_zoom
from dreamvid.settings import CoherenceSettings, DreamSettings, VideoSettings, ZoomSettings
from dreamvid.zoom.frames import camera_move, frame_number, frame_time
from dreamvid.zoom.schedule import load_schedule

SMALL = DreamSettings(octaves=2, steps=2, step_size=2.0, tile_size=64)
FPS = 25


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    path = tmp_path_factory.mktemp("music") / "clicks.wav"
    click_track(path, bpm=150, seconds=3.0, first=0.2)
    return path


@pytest.fixture(scope="module")
def dreamer(tiny):
    return tiny_dreamer(tiny)


def folder_of_frames(folder, count=10):
    folder.mkdir()
    wide = textured_image(48, 64 + 2 * count, seed=5)
    for index in range(count):
        frame = wide[:, 2 * index: 2 * index + 64].astype(np.uint8)
        cv2.imwrite(str(folder / f"f{index + 1:03d}.png"), frame)
    return folder


def read_folder(folder):
    return [cv2.imread(str(path)) for path in sorted(folder.glob("*.png"))]


def test_a_video_schedule_sets_each_frames_step_size_and_blend(tmp_path, clicks, dreamer, monkeypatch):
    clip = folder_of_frames(tmp_path / "clip")
    schedule_file = tmp_path / "music.toml"
    schedule_file.write_text('[[keyframe]]\ntime = 0\nstep_size = "0.5 + 2*beat + 0.1*f"\nblend = "0.5 + 0.5*loud"\n')
    settings = VideoSettings(dream=SMALL, coherence=CoherenceSettings(steps_next=1, redream=None),
                             soundtrack=str(clicks))
    schedule = bound_video_schedule(clip, settings, load_schedule(schedule_file))
    table = schedule.audio
    assert table.frames == 10 and table.fps == FPS
    used = []
    original = deepdream_module.dream_at_scale

    def recording(image, settings, *args, **kwargs):
        used.append(settings.step_size)
        return original(image, settings, *args, **kwargs)

    monkeypatch.setattr(deepdream_module, "dream_at_scale", recording)
    effect = DeepDream.for_video(settings, dreamer=dreamer, schedule=schedule)
    summary = render_video(clip, f"{tmp_path / 'out'}/", settings, effect, schedule=schedule)
    assert summary.frames == 10 and len(summary.audio) == 10
    expected = [0.5 + 2 * table.values["beat"][frame] + 0.1 * frame for frame in range(1, 10)]
    assert used[0] == SMALL.step_size  # the first frame's full dream keeps the settings' step size
    assert used[1:] == pytest.approx(expected, rel=1e-12)
    assert len(set(np.round(used[1:], 6))) > 5  # it changes frame by frame
    assert summary.audio[3]["beat"] == round(table.values["beat"][3], 4)


def test_a_video_schedule_names_audio_the_clip_does_not_have(tmp_path):
    clip = folder_of_frames(tmp_path / "clip", count=3)
    schedule_file = tmp_path / "music.toml"
    schedule_file.write_text('[[keyframe]]\ntime = 0\nstep_size = "1 + beat"\n')
    with pytest.raises(DreamvidError, match=r"music.toml line 3 \(keyframe 1 `step_size`\): uses beat, an audio "
                                            r"variable, but .*clip has no sound \(give --audio FILE\)"):
        bound_video_schedule(clip, VideoSettings(dream=SMALL), load_schedule(schedule_file))
    schedule_file.write_text('[[keyframe]]\ntime = 0\nzoom = "1 + beat"\n')
    with pytest.raises(DreamvidError, match="a video schedule cannot vary zoom"):
        bound_video_schedule(clip, VideoSettings(dream=SMALL), load_schedule(schedule_file))


def test_resume_of_a_music_zoom_equals_an_uninterrupted_one(tmp_path, clicks, dreamer):
    schedule_file = tmp_path / "music.toml"
    schedule_file.write_text('[[keyframe]]\ntime = 0\nzoom = "1.05 + 2*beat"\nstep_size = "0.5 + 3*loud"\n')
    picture = tmp_path / "picture.png"
    cv2.imwrite(str(picture), textured_image(48, 64, seed=3).astype(np.uint8))
    zoom = ZoomSettings(frames=12, fps=FPS, steps_next=1, soundtrack=str(clicks))
    schedule = bound_zoom_schedule(load_schedule(schedule_file), zoom)

    def effect():
        return DeepDream.for_zoom(SMALL, zoom, schedule, dreamer=dreamer)

    summary = render_zoom(picture, tmp_path / "whole.mp4", SMALL, zoom, effect(), schedule=schedule)
    assert summary.frames == 12 and audio_codec(tmp_path / "whole.mp4") == "aac"  # the soundtrack is the output's

    def stop(event):
        if event.frame_finished and event.frames_done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render_zoom(picture, f"{tmp_path / 'stopped'}/", SMALL, zoom, effect(), schedule=schedule, on_progress=stop)
    assert WorkDir(work_dir_for(f"{tmp_path / 'stopped'}/")).frames_done() == 5
    render_zoom(picture, f"{tmp_path / 'stopped'}/", SMALL, zoom, effect(), schedule=schedule, resume=True)
    render_zoom(picture, f"{tmp_path / 'whole'}/", SMALL, zoom, effect(), schedule=schedule)
    for a, b in zip(read_folder(tmp_path / "whole"), read_folder(tmp_path / "stopped"), strict=True):
        assert np.array_equal(a, b)
    # another sound is another render: resume refuses it
    other = tmp_path / "other.wav"
    click_track(other, bpm=100, seconds=3.0)
    moved = bound_zoom_schedule(load_schedule(schedule_file), dataclasses.replace(zoom, soundtrack=str(other)))
    assert moved.manifest() != schedule.manifest()


def test_a_music_loop_repeats_its_values(tmp_path, clicks, dreamer):
    schedule_file = tmp_path / "music.toml"
    schedule_file.write_text('[[keyframe]]\ntime = 0\nzoom = "1.05 + 2*beat"\n')
    zoom = ZoomSettings(frames=16, fps=FPS, steps_next=1, loop=True, loop_frames=4, soundtrack=str(clicks))
    schedule = bound_zoom_schedule(load_schedule(schedule_file), zoom)
    beat = schedule.audio.values["beat"]
    for index in range(zoom.frames + zoom.lead):  # the lead-in frames take the values of the loop's last frames
        shown = frame_number(zoom, index)
        expected = (1.05 + 2 * beat[shown]) ** (1 / FPS)
        assert camera_move(zoom, schedule, frame_time(zoom, index)).zoom == pytest.approx(expected)
    picture = tmp_path / "picture.png"
    cv2.imwrite(str(picture), textured_image(48, 64, seed=4).astype(np.uint8))
    summary = render_zoom(picture, f"{tmp_path / 'loop'}/", SMALL, zoom,
                          DeepDream.for_zoom(SMALL, zoom, schedule, dreamer=dreamer), schedule=schedule)
    assert summary.frames == 16 and len(summary.audio) == 16
