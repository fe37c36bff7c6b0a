"""`dreamvid audio`, and the audio options of video and zoom: outputs, the length a track sets, one-line errors."""

from __future__ import annotations

import json
import os
import wave

import cv2
import numpy as np
import pytest
from conftest import SAMPLES, cli_error, click_track
from typer.testing import CliRunner

from dreamvid.api import zoom_settings
from dreamvid.cli.app import app


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli_audio") / "clicks.wav"
    return path, click_track(path, bpm=120, seconds=6.0)


def test_audio_plots_and_writes_the_values(tmp_path, clicks):
    path, truth = clicks
    picture, data = tmp_path / "features.png", tmp_path / "features.json"
    result = CliRunner().invoke(app, ["audio", str(path), "-o", str(picture), "--json", str(data), "--width", "800"])
    assert result.exit_code == 0, result.output
    assert "150 frames" in result.output
    plot = cv2.imread(str(picture))
    assert plot.shape[1] == 800 and plot.std() > 10
    values = json.loads(data.read_text())
    assert values["fps"] == 25 and values["frames"] == 150 and len(values["frames_values"]) == 150
    beats = np.array(values["beat_times"])
    assert np.all(np.abs(beats[:, None] - truth[None, :]).min(axis=1) <= 0.04 + 1e-9)
    assert {"loud", "beat", "bass", "beat_phase"} <= set(values["frames_values"][0])
    cli_error(["audio", path, "-o", picture], "exists; pass --overwrite to replace it")


def test_audio_errors_are_one_line(tmp_path):
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(22050)
        file.writeframes(np.zeros(44100, "<i2").tobytes())
    cli_error(["audio", silent, "-o", tmp_path / "f.png"], "is silent")
    cli_error(["audio", tmp_path / "missing.wav", "-o", tmp_path / "f.png"], "audio file not found")
    cli_error(["audio", SAMPLES / "fruits.jpg", "-o", tmp_path / "f.png"], "no audio stream")
    cli_error(["audio", SAMPLES / "beat.m4a", "-o", tmp_path / "f.jpg"], "give a .png output")


def test_a_music_schedule_without_audio_and_other_mistakes_are_one_line(tmp_path):
    music = SAMPLES / "music.toml"
    cli_error(["zoom", SAMPLES / "fruits.jpg", "-o", tmp_path / "z.mp4", "--schedule", music],
              "music.toml line 21 (keyframe 1 `zoom`): uses beat, an audio variable, but there is no audio")
    cli_error(["video", SAMPLES / "cup.mp4", "-o", tmp_path / "v.mp4", "--schedule", music],
              "music.toml line 21: a video schedule cannot vary zoom; it varies step_size, layers, steps, blend")
    cli_error(["video", SAMPLES / "cup.mp4", "-o", tmp_path / "v.mp4", "--audio", SAMPLES / "beat.m4a", "--no-audio"],
              "give --audio FILE or --no-audio, not both")
    cli_error(["zoom", SAMPLES / "fruits.jpg", "-o", tmp_path / "z.mp4", "--audio", tmp_path / "none.wav"],
              "audio file not found")


def test_the_soundtrack_sets_a_zooms_length_unless_told(clicks):
    path, _ = clicks
    assert zoom_settings(soundtrack=path, fps=10).zoom.frames == 60
    assert zoom_settings(soundtrack=path, seconds=2).zoom.frames == 50
    assert zoom_settings(soundtrack=path, frames=7).zoom.soundtrack == str(path)


def test_a_soundtrack_without_sound_fails_before_any_work(tmp_path):
    cli_error(["zoom", SAMPLES / "fruits.jpg", "-o", tmp_path / "z.mp4", "--frames", "4", "--audio", SAMPLES / "box.mp4"],
              "no audio stream ffmpeg can read in")
    cli_error(["video", SAMPLES / "box.mp4", "-o", tmp_path / "v.mp4", "--audio", SAMPLES / "tree.mp4"],
              "no audio stream ffmpeg can read in")
    assert not list(tmp_path.iterdir())


SCHEDULE = "[[keyframe]]\ntime = 0\nzoom = 1.1\n"


def test_two_audio_plots_racing_for_one_output(tmp_path, clicks):
    """The plot is claimed (locked), then checked, in one step: a second run while the first holds the plot
    fails at once, and one after it finds the finished file and leaves it alone without --overwrite."""
    import threading

    from dreamvid.audio.plot import claim_plot

    path, _ = clicks
    picture, data = tmp_path / "p.png", tmp_path / "p.json"
    holding, release = threading.Event(), threading.Event()

    def first():
        with claim_plot(picture, data):
            holding.set()
            release.wait(30)
            picture.write_bytes(b"the first run's plot")

    racer = threading.Thread(target=first)
    racer.start()
    try:
        assert holding.wait(30)
        cli_error(["audio", path, "-o", picture], "another dreamvid is writing")
        cli_error(["audio", path, "-o", tmp_path / "q.png", "--json", data], "another dreamvid is writing")
    finally:
        release.set()
        racer.join()
    cli_error(["audio", path, "-o", picture], "exists; pass --overwrite")
    assert picture.read_bytes() == b"the first run's plot" and sorted(os.listdir(tmp_path)) == ["p.png"]
    schedule = tmp_path / "s.toml"
    schedule.write_text(SCHEDULE)
    cli_error(["audio", path, "-o", tmp_path / "r.png", "--json", schedule, "--schedule", schedule, "--overwrite"],
              "would replace")
    cli_error(["audio", path, "-o", tmp_path / "r.png", "--json", tmp_path / "./r.png"], "would replace the plot")
    assert schedule.read_text() == SCHEDULE
