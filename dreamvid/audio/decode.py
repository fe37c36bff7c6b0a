"""A soundtrack decoded to mono float32 samples at a fixed rate, by the ffmpeg that imageio-ffmpeg ships.

librosa's own loaders (soundfile, audioread) are never used: ffmpeg reads every container and codec
dreamvid's video reader reads, the audio of a video clip included, and it resamples as it decodes.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

import imageio_ffmpeg
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.io.paths import check_regular_if_exists
from dreamvid.io.video_reader import audio_codec, ffmpeg_seconds, ffmpeg_url


@dataclass(frozen=True, eq=False)
class Soundtrack:
    """Samples of one track: mono float32 in -1..1 at `rate` per second, from `start` seconds into `path`."""

    path: str
    rate: int
    samples: np.ndarray = field(repr=False)
    start: float = 0.0

    @property
    def duration(self) -> float:
        """Seconds of sound decoded."""
        return len(self.samples) / self.rate


def decode_audio(path: str | os.PathLike, rate: int = 22050, *, start: float = 0.0,
                 duration: float | None = None) -> Soundtrack:
    """The first audio stream of `path` (an audio file or a video with sound), mixed to mono and resampled
    to `rate`; from `start` seconds, for at most `duration` seconds (None: to the end).

    A missing file, a file without audio or one ffmpeg cannot decode raise DreamvidError in one line.
    """
    source = check_soundtrack(path)
    if not (np.isfinite(start) and start >= 0):
        raise DreamvidError(f"the audio start must be 0 or more seconds, got {start}")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error"]
    if start > 0:
        command += ["-ss", ffmpeg_seconds(start)]
    command += ["-i", ffmpeg_url(source)]
    if duration is not None:
        command += ["-t", ffmpeg_seconds(duration)]
    command += ["-map", "0:a:0", "-vn", "-ac", "1", "-ar", str(int(rate)), "-f", "f32le", "-acodec", "pcm_f32le", "-"]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, check=False)
    if result.returncode != 0:
        raise DreamvidError(f"cannot decode the audio of {source}: {_last_line(result.stderr)}")
    samples = np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)
    if samples.size == 0:
        raise DreamvidError(f"the audio of {source} is empty" + (f" after {start:g} s" if start else ""))
    return Soundtrack(source, int(rate), samples, float(start))


def check_soundtrack(path: str | os.PathLike) -> str:
    """The path, when it is a file with an audio stream ffmpeg reads (its header only); DreamvidError otherwise."""
    source = os.fspath(path)
    if not os.path.exists(source):
        raise DreamvidError(f"audio file not found: {source}")
    if os.path.isdir(source):
        raise DreamvidError(f"audio must be a file, not a folder: {source}")
    check_regular_if_exists(source)  # ffmpeg would wait forever on a named pipe
    if audio_codec(source) is None:
        raise DreamvidError(f"no audio stream ffmpeg can read in {source}")
    return source


def _last_line(data: bytes) -> str:
    lines = [line.strip() for line in data.decode(errors="replace").splitlines() if line.strip()]
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", lines[-1]) if lines else "no message from ffmpeg"
