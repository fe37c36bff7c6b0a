"""A soundtrack's features, computed once with librosa's functions over arrays.

`analyse` turns samples into curves at librosa's hop rate (HOP samples apart): RMS loudness, onset
strength, the energy of three frequency bands from one STFT, and the beats librosa's dynamic-programming
tracker finds on the onset strength (Ellis 2007) with its tempo. Nothing here knows about frames; the
per-frame table (table.py) samples these curves at each output frame's time.

librosa is an optional extra (`pip install 'dreamvid[audio]'`); `require_librosa` says so in one line,
and is cheap to call before TensorFlow starts.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.settings import AudioSettings

HOP = 256  # samples between analysis frames: 11.6 ms at 22050 per second, well under a video frame
FFT = 2048  # window of the RMS and of the band energies' STFT (93 ms at 22050 per second)
# The onset strength's window: a shorter one smears a hit less in time. On a click track at 120 BPM
# (tests/audio), librosa's beats land 19 ms late on average (24 ms at most) with 2048, 10 ms (16 ms) with 1024.
ONSET_FFT = 1024
SILENT = 10 ** (-70 / 20)  # a track whose loudest sample stays under -70 dBFS counts as silent
INSTALL = "pip install 'dreamvid[audio]'"


def require_librosa() -> None:
    """DreamvidError in one line when librosa (the `audio` extra) is not installed."""
    if importlib.util.find_spec("librosa") is None:
        raise DreamvidError(f"audio-driven schedules need librosa: {INSTALL}")


def _librosa():
    require_librosa()
    import librosa

    return librosa


@dataclass(frozen=True, eq=False)
class AudioFeatures:
    """A track's raw feature curves, one value per analysis frame at `times` (seconds from the track's
    decoded start), and its beats (seconds) and tempo."""

    rate: int
    hop: int
    duration: float
    times: np.ndarray = field(repr=False)
    rms: np.ndarray = field(repr=False)  # root mean square of the samples
    onset: np.ndarray = field(repr=False)  # librosa's onset strength (spectral flux)
    bands: dict[str, np.ndarray] = field(repr=False)  # "bass", "mid", "treble": power summed over the band
    beats: np.ndarray = field(repr=False)  # seconds
    bpm: float = 0.0
    source: str = ""


def analyse(samples: np.ndarray, rate: int, settings: AudioSettings = AudioSettings(), *,
            source: str = "the audio", hop: int = HOP) -> AudioFeatures:
    """The features of mono float samples at `rate`; a silent track raises DreamvidError."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1:
        raise DreamvidError(f"audio samples must be mono (one dimension), got shape {samples.shape}")
    if samples.size < FFT:
        raise DreamvidError(f"{source} is too short to analyse ({samples.size / rate:.3f} s)")
    if not np.all(np.isfinite(samples)):
        raise DreamvidError(f"{source} holds samples that are not finite numbers")
    if float(np.max(np.abs(samples))) < SILENT:
        raise DreamvidError(f"{source} is silent: there is nothing for the audio variables to follow")
    librosa = _librosa()
    mel = librosa.filters.mel(sr=rate, n_fft=ONSET_FFT, fmax=0.5 * rate)  # onset_strength's own mel bands
    spectrum = np.concatenate([mel @ power for _, _, power in _power_blocks(librosa, samples, ONSET_FFT, hop)],
                              axis=1)
    onset = librosa.onset.onset_strength(S=librosa.power_to_db(spectrum), sr=rate, hop_length=hop, n_fft=ONSET_FFT)
    tempo, beats = librosa.beat.beat_track(onset_envelope=onset, sr=rate, hop_length=hop, units="time")
    bands = band_energies(librosa, samples, rate, settings, hop)
    rms = bands.pop("rms")
    count = min(len(onset), len(rms), len(bands["bass"]))
    times = librosa.frames_to_time(np.arange(count), sr=rate, hop_length=hop)
    return AudioFeatures(
        rate=rate, hop=hop, duration=samples.size / rate, times=times.astype(np.float64),
        rms=rms[:count].astype(np.float64), onset=onset[:count].astype(np.float64),
        bands={name: band[:count].astype(np.float64) for name, band in bands.items()},
        beats=np.asarray(beats, dtype=np.float64), bpm=float(np.atleast_1d(tempo)[0]), source=source)


BLOCK = 4096  # STFT frames per block of the band energies (48 s at 22050 per second): memory stays bounded


def band_energies(librosa, samples: np.ndarray, rate: int, settings: AudioSettings, hop: int = HOP
                  ) -> dict[str, np.ndarray]:
    """Power summed over the bass, mid and treble bands of librosa's centred STFT, frame by frame, and
    the RMS of the same frames ("rms", librosa.feature.rms).

    Worked out block by block on the zero-padded samples (the padding a centred STFT uses), so an hour
    of sound needs no hour-long spectrogram; the frames are the same as one centred `stft` would give.
    """
    frequencies = librosa.fft_frequencies(sr=rate, n_fft=FFT)
    edges = {"bass": (0.0, settings.bass_hz), "mid": (settings.bass_hz, settings.treble_hz),
             "treble": (settings.treble_hz, rate / 2 + 1)}
    masks = {name: (frequencies >= low) & (frequencies < high) for name, (low, high) in edges.items()}
    out = {name: np.empty(1 + len(samples) // hop, np.float64) for name in (*edges, "rms")}
    for first, piece, power in _power_blocks(librosa, samples, FFT, hop):
        count = power.shape[1]
        for name, mask in masks.items():
            out[name][first: first + count] = power[mask].sum(axis=0)
        out["rms"][first: first + count] = librosa.feature.rms(y=piece, frame_length=FFT, hop_length=hop,
                                                               center=False)[0][:count]
    return out


def _power_blocks(librosa, samples: np.ndarray, n_fft: int, hop: int):
    """(first frame, samples, power spectrogram of up to BLOCK frames) of librosa's centred STFT, block by block."""
    padded = np.pad(samples, n_fft // 2)  # what a centred STFT pads with (zeros)
    frames = 1 + len(samples) // hop
    for first in range(0, frames, BLOCK):
        count = min(BLOCK, frames - first)
        piece = padded[first * hop: (first + count - 1) * hop + n_fft]
        piece = np.pad(piece, (0, max(0, (count - 1) * hop + n_fft - len(piece))))
        yield first, piece, (np.abs(librosa.stft(piece, n_fft=n_fft, hop_length=hop, center=False)) ** 2)[:, :count]
