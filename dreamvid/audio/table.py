"""The audio variables of schedule formulas, one row per output frame, at the frame's exact time.

Frame i shows at `offset + i / fps` seconds into the analysed track. The continuous variables are
the feature curves (features.py) scaled to 0..1 over the whole track, smoothed with an attack/release
envelope follower at the analysis rate, and read at that time by linear interpolation:

- `loud`: RMS level in dB, 0 at the track's quiet moments (its 5th percentile, and below), 1 at its loudest;
- `onset`: onset strength over the track's largest;
- `bass`, `mid`, `treble`: each band's power in dB, scaled like `loud`.

The beat variables come from the tracked beats, each placed on the frame nearest it:
`beat` is 1 on a beat's frame and halves every `beat_decay` seconds after it (0 before the first);
`beat_count` the beats up to and including the frame (from the output's start); `beat_phase` the
share of the way from the last beat frame to the next (0 on a beat), continued at the tempo before the
first beat and after the last; `bpm` the tracked tempo.

Rows for [0, frames) are computed when the table is made; a later frame (a clip longer than its header
said) is computed when asked for, from the same curves. Past the end of the track the sound is silence.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from dreamvid.audio.features import AudioFeatures
from dreamvid.errors import DreamvidError
from dreamvid.settings import AudioSettings
from dreamvid.audio.variables import AUDIO_VARIABLES

FLOOR_DB = 80.0  # levels further under the track's loudest count as that far under (digital silence)
QUIET = 5  # the percentile of a level curve that maps to 0: a few quiet moments do not squash the rest
CONTINUOUS = ("loud", "onset", "bass", "mid", "treble")


def _decibels(power: np.ndarray) -> np.ndarray:
    level = 10.0 * np.log10(np.maximum(power, 1e-20))
    return np.maximum(level, level.max() - FLOOR_DB)


def _unit(values: np.ndarray, quiet: float = 0.0) -> np.ndarray:
    """Scaled to 0 at the `quiet` percentile (0: the smallest) and 1 at the largest, clipped to 0..1
    (all 0 when they are equal)."""
    low, high = float(np.percentile(values, quiet)), float(values.max())
    return np.clip((values - low) / (high - low), 0.0, 1.0) if high > low else np.zeros_like(values)


def follow(values: np.ndarray, step: float, attack: float, release: float) -> np.ndarray:
    """An envelope follower over samples `step` seconds apart: each value moves toward its input by the
    share 1 - exp(-step / attack) when the input is higher, 1 - exp(-step / release) when lower
    (a time constant of 0 follows at once)."""
    rise = 1.0 - math.exp(-step / attack) if attack > 0 else 1.0
    fall = 1.0 - math.exp(-step / release) if release > 0 else 1.0
    out = np.empty_like(values)
    level = float(values[0]) if len(values) else 0.0
    for index, value in enumerate(values.tolist()):
        level += (value - level) * (rise if value > level else fall)
        out[index] = level
    return out


@dataclass(frozen=True, eq=False)
class AudioTable:
    """Audio variables per output frame: `values[name][i]` at frame i (AUDIO_VARIABLES)."""

    fps: float
    offset: float  # seconds into the analysed track at which frame 0 shows
    settings: AudioSettings
    values: dict[str, np.ndarray] = field(repr=False)
    beat_frames: np.ndarray = field(repr=False)  # the frame of each tracked beat (may be negative: before frame 0)
    curves: dict[str, np.ndarray] = field(repr=False)  # smoothed 0..1 curves at `times`
    times: np.ndarray = field(repr=False)
    bpm: float = 0.0
    duration: float = 0.0  # seconds of the analysed track
    source: str = ""

    @property
    def frames(self) -> int:
        return len(self.values["loud"])

    def at(self, frame: int) -> dict[str, float]:
        """The audio variables at output frame `frame` (0 or more)."""
        if frame < 0:
            raise DreamvidError(f"there are no audio values before frame 1 (asked for frame {frame + 1})")
        if frame < self.frames:
            return {name: float(column[frame]) for name, column in self.values.items()}
        return {name: float(column[0]) for name, column in self._rows(np.array([frame])).items()}

    def digest(self) -> str:
        """A hash of every value, so a resumed render can tell it is driven by the same sound."""
        hashed = hashlib.sha256(repr((float(self.fps), self.offset, self.frames)).encode())
        for name in AUDIO_VARIABLES:
            hashed.update(np.ascontiguousarray(self.values[name], dtype="<f8").tobytes())
        return hashed.hexdigest()

    def manifest(self) -> dict:
        return {"source": self.source, "offset": self.offset, "frames": self.frames, "digest": self.digest()}

    def rows(self) -> list[dict[str, float]]:
        """Every frame's values (rounded for a report), in frame order."""
        return [{"frame": index, **{name: round(float(self.values[name][index]), 4) for name in AUDIO_VARIABLES}}
                for index in range(self.frames)]

    def _rows(self, frames: np.ndarray) -> dict[str, np.ndarray]:
        return _rows(frames, self.fps, self.offset, self.times, self.curves, self.beat_frames, self.bpm,
                     self.settings.beat_decay)


def audio_table(features: AudioFeatures, frames: int, fps: float, settings: AudioSettings = AudioSettings(), *,
                offset: float = 0.0) -> AudioTable:
    """The table of `frames` output frames at `fps`, frame 0 at `offset` seconds into the analysed track."""
    if frames < 1:
        raise DreamvidError(f"an audio table needs at least one frame, got {frames}")
    fps = float(fps)
    if not (math.isfinite(fps) and fps > 0):
        raise DreamvidError(f"fps must be a positive number, got {fps}")
    step = features.hop / features.rate
    raw = {
        "loud": _unit(_decibels(features.rms ** 2), QUIET),
        "onset": _unit(np.maximum(features.onset, 0.0)),
        **{name: _unit(_decibels(features.bands[name]), QUIET) for name in ("bass", "mid", "treble")},
    }
    curves = {name: follow(values, step, settings.attack, settings.release) for name, values in raw.items()}
    beat_frames = np.unique(np.round((features.beats - offset) * fps).astype(np.int64))
    values = _rows(np.arange(frames), fps, offset, features.times, curves, beat_frames, features.bpm,
                   settings.beat_decay)
    return AudioTable(fps, float(offset), settings, values, beat_frames, curves, features.times, features.bpm,
                      features.duration, features.source)


def _rows(frames: np.ndarray, fps: float, offset: float, times: np.ndarray, curves: dict[str, np.ndarray],
          beat_frames: np.ndarray, bpm: float, decay: float) -> dict[str, np.ndarray]:
    seconds = offset + frames / fps
    values = {name: np.interp(seconds, times, curve, right=0.0) for name, curve in curves.items()}
    period = 60.0 / bpm * fps if bpm > 0 else math.inf  # frames per beat
    # the last beat frame at or before each frame, and the next one after it
    after = np.searchsorted(beat_frames, frames, side="right")
    has_last = after > 0
    last = np.where(has_last, beat_frames[np.maximum(after - 1, 0)], 0) if len(beat_frames) else np.zeros_like(frames)
    elapsed = (frames - last) / fps
    if decay > 0:
        beat = np.where(has_last, 0.5 ** (elapsed / decay), 0.0)
    else:
        beat = np.where(has_last & (elapsed == 0), 1.0, 0.0)
    values["beat"] = beat
    values["beat_count"] = np.searchsorted(beat_frames, frames, side="right") - np.searchsorted(beat_frames, 0)
    values["beat_count"] = np.maximum(values["beat_count"], 0).astype(np.float64)
    phase = np.zeros(len(frames), np.float64)
    if len(beat_frames) and math.isfinite(period):
        inside = has_last & (after < len(beat_frames))
        following = beat_frames[np.minimum(after, len(beat_frames) - 1)]
        phase = np.where(inside, (frames - last) / np.maximum(following - last, 1), 0.0)
        outside = ~inside  # before the first beat and after the last: on at the tempo
        reference = np.where(has_last, last, beat_frames[0])
        phase[outside] = np.mod((frames[outside] - reference[outside]) / period, 1.0)
    values["beat_phase"] = phase
    values["bpm"] = np.full(len(frames), float(bpm))
    return {name: np.asarray(values[name], dtype=np.float64) for name in AUDIO_VARIABLES}


def soundtrack_table(path: str, frames: int, fps: float, settings: AudioSettings = AudioSettings(), *,
                     offset: float = 0.0) -> AudioTable:
    """Decode the whole track at `path` (ffmpeg), analyse it once (librosa) and table `frames` frames at
    `fps`, frame 0 at `offset` seconds into the track. DreamvidError in one line for a missing extra,
    a missing, unreadable or silent track."""
    from dreamvid.audio.decode import decode_audio
    from dreamvid.audio.features import analyse, require_librosa

    require_librosa()
    track = decode_audio(path, settings.rate)
    if offset >= track.duration:
        raise DreamvidError(f"the audio of {path} is {track.duration:.2f} s long; the render starts at {offset:g} s")
    return audio_table(analyse(track.samples, track.rate, settings, source=str(path)), frames, fps, settings,
                       offset=offset)


def track_table(path: str, fps: float = 25.0, settings: AudioSettings = AudioSettings()) -> AudioTable:
    """The table of a whole track: one row per frame at `fps` over its length (what `dreamvid audio` shows)."""
    from dreamvid.audio.decode import decode_audio
    from dreamvid.audio.features import analyse, require_librosa

    require_librosa()
    track = decode_audio(path, settings.rate)
    frames = max(1, math.floor(track.duration * float(fps) + 1e-9))
    return audio_table(analyse(track.samples, track.rate, settings, source=str(path)), frames, fps, settings)
