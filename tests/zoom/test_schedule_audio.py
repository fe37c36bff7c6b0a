"""Schedules that follow a soundtrack: audio variables per frame, the [audio] table, which keys a render varies."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from conftest import click_track

from dreamvid.audio.table import soundtrack_table
from dreamvid.errors import DreamvidError
from dreamvid.render.zoom import bound_zoom_schedule
from dreamvid.settings import AudioSettings, ZoomSettings
from dreamvid.zoom.formulas import Expression
from dreamvid.zoom.frames import camera_move
from dreamvid.zoom.schedule import load_schedule

FPS = 25


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    path = tmp_path_factory.mktemp("sound") / "clicks.wav"
    click_track(path, bpm=120, seconds=6.0)
    return path


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_zoom_one_plus_beat_is_exactly_what_the_formula_says(tmp_path, clicks):
    path = write(tmp_path, '[audio]\nbeat_decay = 0.1\n\n[[keyframe]]\ntime = 0\nzoom = "1 + beat"\n')
    zoom = ZoomSettings(frames=150, fps=FPS, soundtrack=str(clicks))
    schedule = bound_zoom_schedule(load_schedule(path), zoom)
    table = schedule.audio
    assert table.settings == AudioSettings(beat_decay=0.1) and table.frames == 150
    for frame in range(150):
        move = camera_move(zoom, schedule, frame / FPS)
        assert move.zoom == pytest.approx((1 + table.values["beat"][frame]) ** (1 / FPS), rel=1e-12)
    beats = np.flatnonzero(table.values["beat"] == 1.0)
    assert len(beats) >= 10
    assert camera_move(zoom, schedule, beats[2] / FPS).zoom == pytest.approx(2 ** (1 / FPS))


def test_every_audio_variable_reads_its_column(tmp_path, clicks):
    table = soundtrack_table(str(clicks), 40, FPS)
    names = ("loud", "onset", "beat", "bass", "mid", "treble", "bpm", "beat_count", "beat_phase")
    text = "[[keyframe]]\ntime = 0\nlayers = { " + ", ".join(f'b{i} = "{name}"' for i, name in enumerate(names)) + " }\n"
    schedule = load_schedule(write(tmp_path, text)).with_audio(table)
    for frame in (0, 13, 27):
        weights = schedule.value("layers", frame / FPS, None)
        assert weights == {f"b{i}": table.values[name][frame] for i, name in enumerate(names)}


def test_an_audio_variable_without_audio_is_one_line(tmp_path):
    path = write(tmp_path, '[[keyframe]]\ntime = 0\nstep_size = 1\n\n[[keyframe]]\ntime = 2\nzoom = "1.1 + 0.5*beat"\n')
    schedule = load_schedule(path)
    assert schedule.needs_audio and schedule.audio_use()[1] == "beat"
    with pytest.raises(DreamvidError, match=r"s.toml line 7 \(keyframe 2 `zoom`\): uses beat, an audio variable, "
                                            r"but there is no audio \(give --audio FILE") as error:
        bound_zoom_schedule(schedule, ZoomSettings(frames=10))
    assert "\n" not in str(error.value)
    with pytest.raises(DreamvidError, match="uses beat, an audio variable"):
        schedule.value("zoom", 3.0, 1.0, frame=75)
    with pytest.raises(DreamvidError, match="uses loud, an audio variable"):
        Expression.parse("2 + 4*loud").evaluate(t=1.0)
    assert Expression.parse("2 + 4*loud").evaluate(audio={"loud": 0.5}) == 4.0


def test_keys_a_render_cannot_vary_are_named(tmp_path):
    path = write(tmp_path, "[[keyframe]]\ntime = 0\nstep_size = 2\n\n[[keyframe]]\ntime = 1\nzoom = 1.3\n")
    schedule = load_schedule(path)
    schedule.check_keys("zoom")
    with pytest.raises(DreamvidError, match=r"s.toml line 7: a video schedule cannot vary zoom; it varies "
                                            r"step_size, layers, steps, blend$"):
        schedule.check_keys("video")
    blend = load_schedule(write(tmp_path, "[[keyframe]]\ntime = 0\nblend = 0.5\nstyle_weight = 2\n", "b.toml"))
    blend.check_keys("style video")
    with pytest.raises(DreamvidError, match="b.toml line 3: a zoom schedule cannot vary blend"):
        blend.check_keys("zoom")
    with pytest.raises(DreamvidError, match=r"b.toml line 4: a video schedule cannot vary style_weight \(style_weight "
                                            r"needs --style\)"):
        load_schedule(write(tmp_path, "[[keyframe]]\ntime = 0\nstep_size = 1\nstyle_weight = 2\n", "b.toml")
                      ).check_keys("video")


@pytest.mark.parametrize(("text", "message"), [
    ("[audio]\nattack = -1\n", "s.toml line 1: audio attack must be 0 or more seconds, got -1.0"),
    ("[audio]\nrelease = 0.1\nbeat_deacy = 1\n", "s.toml line 3: unknown audio setting 'beat_deacy'; settings are attack"),
    ('[audio]\nrate = "fast"\n', "s.toml line 2: audio rate must be a number, got 'fast'"),
    ("[audio]\nbass_hz = 5000\n", "s.toml line 1: audio bands need 0 < bass_hz < treble_hz, got 5000 and 4000"),
    ("[[keyframe]]\ntime = 0\nblend = 1.5\n", "s.toml line 3: blend must be between 0 and 1, got 1.5"),
    ("[[keyframe]]\ntime = 0\nsteps = -1\n", "s.toml line 3: steps must be 0 or more, got -1.0"),
])
def test_bad_audio_tables_and_video_values_name_the_line(tmp_path, text, message):
    if "keyframe" not in text:
        text += "\n[[keyframe]]\ntime = 0\nzoom = 1.2\n"
    with pytest.raises(DreamvidError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_schedule(write(tmp_path, text))


def test_a_formula_out_of_range_fails_when_checked(tmp_path, clicks):
    schedule = load_schedule(write(tmp_path, '[[keyframe]]\ntime = 0\nblend = "2*loud"\n'))
    table = soundtrack_table(str(clicks), 50, FPS)
    with pytest.raises(DreamvidError, match=r"blend is [\d.]+ at t=[\d.]+ s; it must be between 0 and 1"):
        schedule.with_audio(table).check(50, FPS)


def test_the_manifest_holds_the_audio_settings_and_values(tmp_path, clicks):
    schedule = load_schedule(write(tmp_path, '[audio]\nrelease = 0.3\n[[keyframe]]\ntime = 0\nzoom = "1 + loud"\n'))
    manifest = schedule.manifest()
    assert manifest["audio"]["release"] == 0.3 and "audio_values" not in manifest
    bound = schedule.with_audio(soundtrack_table(str(clicks), 20, FPS, schedule.settings_of_audio))
    again = schedule.with_audio(soundtrack_table(str(clicks), 20, FPS, schedule.settings_of_audio))
    assert bound.manifest() == again.manifest()
    other = schedule.with_audio(soundtrack_table(str(clicks), 20, FPS, dataclasses.replace(AudioSettings(), release=0.5)))
    assert other.manifest()["audio_values"]["digest"] != bound.manifest()["audio_values"]["digest"]
    assert math.isclose(bound.value("zoom", 0.4, 1.0), 1 + bound.audio.values["loud"][10])
