"""The soundtrack: decoding with ffmpeg, librosa's beats on a click track, the per-frame table, errors."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from conftest import MEDIA, click_track

from dreamvid.audio.decode import decode_audio
from dreamvid.audio.features import analyse, require_librosa
from dreamvid.audio.table import audio_table, follow, soundtrack_table
from dreamvid.audio.variables import AUDIO_VARIABLES
from dreamvid.errors import DreamvidError
from dreamvid.settings import AudioSettings

FPS = 25


@pytest.fixture(scope="module")
def clicks(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "clicks.wav"
    times = click_track(path, bpm=120, seconds=12.0)
    return path, times


@pytest.fixture(scope="module")
def click_features(clicks):
    path, _ = clicks
    track = decode_audio(path, 22050)
    return analyse(track.samples, track.rate, source=str(path))


def test_decode_gives_mono_float32_at_the_rate_asked(clicks):
    path, times = clicks
    track = decode_audio(path, 16000)
    assert track.samples.dtype == np.float32 and track.samples.ndim == 1
    assert track.rate == 16000 and abs(track.duration - 12.0) < 0.01
    click = int(round(times[3] * 16000))
    assert np.abs(track.samples[click:click + 400]).max() > 0.3 > np.abs(track.samples[click - 2000:click - 100]).max()
    later = decode_audio(path, 16000, start=2.0)
    assert abs(later.duration - 10.0) < 0.01


def test_beats_of_a_120_bpm_click_track_within_one_frame(clicks, click_features):
    _, truth = clicks
    found = click_features.beats
    tolerance = 1.0 / FPS + 1e-9
    distance = np.abs(found[:, None] - truth[None, :])
    precision = np.mean(distance.min(axis=1) <= tolerance)
    recall = np.mean(distance.min(axis=0) <= tolerance)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, found)
    assert abs(click_features.bpm - 120) < 2
    table = audio_table(click_features, frames=12 * FPS, fps=FPS)
    beat_frames = np.flatnonzero(table.values["beat"] == 1.0)
    assert np.all(np.abs(beat_frames[:, None] / FPS - truth[None, :]).min(axis=1) <= tolerance)


def test_table_values_follow_the_beats(click_features):
    settings = AudioSettings(beat_decay=0.1)
    table = audio_table(click_features, frames=250, fps=FPS, settings=settings)
    assert set(table.values) == set(AUDIO_VARIABLES) and table.frames == 250
    beat, count, phase = table.values["beat"], table.values["beat_count"], table.values["beat_phase"]
    beats = [int(frame) for frame in table.beat_frames if 0 <= frame < 250]
    first = beats[0]
    assert np.all(beat[:first] == 0) and np.all(count[:first] == 0)
    for number, frame in enumerate(beats[:-1], 1):
        following = beats[number]
        assert beat[frame] == 1.0 and count[frame] == number and phase[frame] == 0.0
        # halves every beat_decay seconds: 0.1 s is 2.5 frames
        assert beat[frame + 5] == pytest.approx(0.25)
        assert phase[frame + 1] == pytest.approx(1 / (following - frame))
    for name in ("loud", "onset", "bass", "mid", "treble"):
        assert 0.0 <= table.values[name].min() and table.values[name].max() <= 1.0
    # loud on a click, quiet between clicks
    assert table.values["loud"][first] > 0.8 > 0.3 > table.values["loud"][first + 8]
    assert np.all(table.values["bpm"] == pytest.approx(click_features.bpm))
    assert table.at(10) == {name: float(table.values[name][10]) for name in AUDIO_VARIABLES}
    later = table.at(400)  # past the table (and the track): silence, the beat decayed
    assert later["loud"] == 0.0 and later["beat"] < 1e-6


def test_the_table_is_the_same_at_the_same_frames_from_any_offset(click_features):
    whole = audio_table(click_features, frames=100, fps=FPS)
    later = audio_table(click_features, frames=60, fps=FPS, offset=40 / FPS)
    for name in ("loud", "onset", "bass", "beat", "beat_phase"):
        np.testing.assert_allclose(later.values[name], whole.values[name][40:], atol=1e-12)
    assert later.digest() != whole.digest()


def test_follow_rises_with_attack_and_falls_with_release():
    step = np.r_[np.zeros(5), np.ones(20), np.zeros(20)]
    quick = follow(step, 0.01, attack=0.0, release=0.1)
    assert quick[5] == 1.0 and quick[25] == pytest.approx(np.exp(-0.1))
    slow = follow(step, 0.01, attack=0.05, release=0.0)
    assert slow[5] == pytest.approx(1 - np.exp(-0.2)) and slow[25] == 0.0


def test_errors_are_one_line(tmp_path, monkeypatch):
    with pytest.raises(DreamvidError, match="audio file not found"):
        decode_audio(tmp_path / "missing.wav")
    silent = tmp_path / "silent.wav"
    with wave.open(str(silent), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(22050)
        file.writeframes(np.zeros(22050 * 2, "<i2").tobytes())
    with pytest.raises(DreamvidError, match="is silent") as error:
        soundtrack_table(str(silent), 10, FPS)
    assert "\n" not in str(error.value)
    picture = MEDIA / "fruits.jpg"
    with pytest.raises(DreamvidError, match="no audio stream"):
        decode_audio(picture)
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *args: None)
    with pytest.raises(DreamvidError, match=r"pip install 'dreamvid\[audio\]'"):
        require_librosa()


def test_features_in_blocks_equal_librosa_on_the_whole_track(clicks, click_features, monkeypatch):
    import librosa

    import dreamvid.audio.features as features

    path, _ = clicks
    samples = decode_audio(path, 22050).samples
    monkeypatch.setattr(features, "BLOCK", 97)
    blocked = analyse(samples, 22050)
    rms = librosa.feature.rms(y=samples, frame_length=features.FFT, hop_length=features.HOP)[0]
    onset = librosa.onset.onset_strength(y=samples, sr=22050, hop_length=features.HOP, n_fft=features.ONSET_FFT)
    power = np.abs(librosa.stft(samples, n_fft=features.FFT, hop_length=features.HOP)) ** 2
    bass = power[librosa.fft_frequencies(sr=22050, n_fft=features.FFT) < 250].sum(axis=0)
    count = len(blocked.times)
    for mine, theirs in ((blocked.rms, rms), (blocked.onset, onset), (blocked.bands["bass"], bass),
                         (click_features.onset, onset)):
        np.testing.assert_allclose(mine, theirs[:count], rtol=1e-5, atol=1e-6 * theirs.max())
    np.testing.assert_array_equal(blocked.beats, click_features.beats)
