"""Synthesise samples/beat.m4a: 12 s of drums, bass and a pad at 120 BPM, made with numpy (no one else's music).

    python bench/beat_sample.py samples/beat.m4a

Bars 1-2 drums and bass, bars 3-4 add a swelling pad, bar 5 a breakdown (hi-hats and pad only, quiet),
bar 6 everything. So `beat` ticks every 0.5 s, `loud` swells and dips, `bass` drops out in the breakdown,
`treble` follows the hi-hats. Encoded as AAC by the ffmpeg imageio-ffmpeg ships.
"""

from __future__ import annotations

import subprocess
import sys

import imageio_ffmpeg
import numpy as np

RATE = 22050
BPM = 120
BEAT = 60 / BPM
BARS = 6
SECONDS = BARS * 4 * BEAT


def envelope(length: int, decay: float) -> np.ndarray:
    return np.exp(-np.arange(length) / (decay * RATE))


def place(track: np.ndarray, sound: np.ndarray, time: float, gain: float = 1.0) -> None:
    start = int(round(time * RATE))
    end = min(len(track), start + len(sound))
    track[start:end] += gain * sound[: end - start]


def main(path: str) -> None:
    rng = np.random.default_rng(23)
    count = int(SECONDS * RATE)
    mix = np.zeros(count)
    t = np.arange(int(0.35 * RATE)) / RATE
    kick = np.sin(2 * np.pi * np.cumsum(45 + 75 * np.exp(-t / 0.04)) / RATE) * envelope(len(t), 0.12)
    noise = rng.standard_normal(int(0.2 * RATE))
    snare = (0.6 * noise + 0.4 * np.sin(2 * np.pi * 190 * np.arange(len(noise)) / RATE)) * envelope(len(noise), 0.05)
    hat_noise = rng.standard_normal(int(0.06 * RATE))
    hat = np.diff(hat_noise, prepend=0.0) * envelope(len(hat_noise), 0.012)
    roots = [55.0, 55.0, 73.4, 65.4, 0.0, 55.0]  # bass per bar (Hz); none in the breakdown
    chords = [(220.0, 277.2, 329.6), (220.0, 277.2, 329.6), (293.7, 370.0, 440.0), (261.6, 329.6, 392.0),
              (220.0, 261.6, 329.6), (220.0, 277.2, 329.6)]
    for bar in range(BARS):
        for step in range(8):  # eighth notes
            time = (bar * 4 + step / 2) * BEAT
            place(mix, hat, time, 0.25 if bar != 4 else 0.35)
            if step % 2 == 0 and bar != 4:
                place(mix, kick, time, 0.9)
                if step in (2, 6):
                    place(mix, snare, time, 0.45)
                if roots[bar]:
                    length = int(0.45 * BEAT * RATE)
                    phase = 2 * np.pi * roots[bar] * np.arange(length) / RATE
                    bass = (np.sin(phase) + 0.3 * np.sin(2 * phase)) * envelope(length, 0.15)
                    place(mix, bass, time, 0.35)
        if bar >= 2:
            length = int(4 * BEAT * RATE)
            seconds = np.arange(length) / RATE
            swell = np.clip(seconds / (4 * BEAT), 0, 1) if bar in (2, 4) else np.ones(length)
            pad = sum(np.sin(2 * np.pi * f * seconds) for f in chords[bar]) / 3
            place(mix, pad * swell, bar * 4 * BEAT, 0.12 if bar == 4 else 0.2)
    mix *= 0.8 / np.max(np.abs(mix))
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "f32le", "-ar", str(RATE), "-ac", "1",
               "-i", "-", "-c:a", "aac", "-b:a", "64k", path]
    subprocess.run(command, input=mix.astype("<f4").tobytes(), check=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/beat.m4a")
