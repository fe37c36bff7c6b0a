"""Read a video file or a numbered image sequence as uint8 RGB frames of shape (height, width, 3).

`open_video(path)` returns a `VideoInfo` and a `VideoFrames` iterator. The iterator starts ffmpeg
lazily on the first frame and stops it when it is exhausted or closed (`frames.close()` or a `with`
block), so reading a few frames of a long video is cheap.

A truncated or corrupt video does not raise half-way: the frames that decode are yielded, and once the
iteration ends `frames.warnings` lists what went wrong (ffmpeg's decoding error, fewer frames than
expected). `frames.frames_read` counts the frames yielded.

Frame rate: parsed from the stream line of ffmpeg's header (`-hide_banner -i path`): its "tbr" value
(the stream's r_frame_rate), or its "fps" value (the average rate) for a variable-rate stream whose tbr
is a timebase-like 210+ while the average is below 70, as ffmpeg itself guesses. The printed decimal is
made exact: within 0.01 of 24000/1001, 30000/1001 or 60000/1001 it becomes that fraction, otherwise
`Fraction("26.78")` == 2678/100. Frames are read at that constant rate (ffmpeg `-fps_mode cfr -r`),
so frame count, fps and duration stay consistent with the audio track.

Colour: frames are decoded to RGB with the source's own YUV matrix; a source that names none is decoded
with the one players assume for its size (colour.py), and `VideoInfo.colour` says which tags its outputs
should carry.
"""

from __future__ import annotations

import dataclasses
import glob
import math
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction

import cv2
import imageio_ffmpeg
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.io.colour import BT709, ColourTags, SourceColour, source_colour
from dreamvid.io.images import check_image_header, check_min_side, check_pixel_count, fitted_size, read_file_bytes
from dreamvid.io.paths import check_regular_if_exists

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
DEFAULT_SEQUENCE_FPS = Fraction(25)
NTSC_RATES = tuple(Fraction(rate * 1000, 1001) for rate in (24, 30, 60))


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What `open_video` will yield: frame size (after resizing), exact fps and the selection."""

    width: int
    height: int
    fps: Fraction
    frame_count: int  # expected number of frames yielded for the selection (exact for image sequences)
    duration: float  # seconds of the selection, frame_count / fps
    start: float  # seconds into the source where the selection begins
    has_audio: bool
    source: str
    colour: ColourTags = BT709  # what the frames' colours are, as tags for an output (colour.py)


class VideoFrames:
    """Iterator of frames; after it ends, `warnings` says whether the input was truncated or corrupt."""

    def __init__(self, produce: Callable[[list[str]], Iterator[np.ndarray]], expected_count: int) -> None:
        self.warnings: list[str] = []
        self.frames_read = 0
        self.expected_count = expected_count
        self._frames = produce(self.warnings)
        self._ended = False

    def __iter__(self) -> VideoFrames:
        return self

    def __next__(self) -> np.ndarray:
        try:
            frame = next(self._frames)
        except StopIteration:
            self._note_shortfall()
            raise
        self.frames_read += 1
        return frame

    def close(self) -> None:
        """Stop reading early; ends the ffmpeg process."""
        self._frames.close()

    def __enter__(self) -> VideoFrames:
        return self

    def __exit__(self, *exception_info: object) -> None:
        self.close()

    def _note_shortfall(self) -> None:
        if self._ended:
            return
        self._ended = True
        tolerance = max(3, self.expected_count // 20)
        if self.frames_read < self.expected_count - tolerance:
            self.warnings.append(
                f"got {self.frames_read} of an expected {self.expected_count} frames;"
                " the video may be truncated"
            )


def ffmpeg_url(path: str | os.PathLike) -> str:
    """A local path as ffmpeg must be given it: `file:` and the absolute path, so a name such as
    `a:b.mp4` is never read as a URL protocol (`a:`)."""
    return "file:" + os.path.abspath(os.fspath(path))


def ffmpeg_seconds(value: float | Fraction) -> str:
    """A time as ffmpeg parses it: fixed-point with microseconds (it reads neither `1e-05` nor `1e+16`)."""
    return f"{float(value):.6f}"


def exact_fps(value: Fraction | int | float | str) -> Fraction:
    """A frame rate as an exact fraction; a decimal within 0.01 of 23.976, 29.97 or 59.94 snaps to k*1000/1001."""
    if isinstance(value, (Fraction, int)):
        rate = Fraction(value)
    else:
        try:
            rate = Fraction(str(value))
        except ValueError:
            raise DreamvidError(f"not a frame rate: {value!r}") from None
        for ntsc_rate in NTSC_RATES:
            if abs(rate - ntsc_rate) <= Fraction(1, 100):
                rate = ntsc_rate
    if rate <= 0:
        raise DreamvidError(f"the frame rate must be positive, not {value}")
    return rate


def open_video(
    path: str | os.PathLike,
    *,
    start: float = 0.0,
    end: float | None = None,
    frames: int | None = None,
    max_side: int | None = None,
    fps: Fraction | float | None = None,
) -> tuple[VideoInfo, VideoFrames]:
    """Open a video file, a folder of numbered images or a glob pattern of images.

    start, end: seconds; frames: at most this many frames from start; max_side: shrink (INTER_AREA) so the
    longer side is at most this; fps: the rate of an image sequence (default 25), not allowed for a video.
    """
    source = os.fspath(path)
    start = float(start)
    _check_selection(start, end, frames, max_side)
    check_regular_if_exists(source)  # ffmpeg would wait forever on a named pipe
    if os.path.isdir(source) or (not os.path.exists(source) and glob.has_magic(source)):
        return _open_image_sequence(source, start, end, frames, max_side, fps)
    if not os.path.exists(source):
        raise DreamvidError(f"file not found: {source}")
    if fps is not None:
        raise DreamvidError("fps can only be set for an image sequence; a video keeps its own frame rate")
    return _open_video_file(source, start, end, frames, max_side)


def probe_video(path: str | os.PathLike) -> VideoInfo:
    """VideoInfo of a whole video or image sequence, without decoding more than its first frame."""
    info, frames = open_video(path)
    frames.close()
    return info


def count_frames(path: str | os.PathLike) -> int:
    """The exact number of frames in the first video stream, by decoding all of it."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_url(path),
               "-map", "0:v:0", "-fps_mode", "passthrough", "-f", "null", "-"]
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    counts = re.findall(r"frame=\s*(\d+)", result.stderr)
    if result.returncode != 0 or not counts:
        raise DreamvidError(f"cannot decode {os.fspath(path)}: {_last_line(result.stderr)}")
    return int(counts[-1])


def _check_selection(start: float, end: float | None, frames: int | None, max_side: int | None) -> None:
    for name, value in (("start", start), ("end", end)):
        if value is not None and not math.isfinite(value):
            raise DreamvidError(f"{name} must be a number of seconds, not {value}")
    if start < 0:
        raise DreamvidError(f"start must be 0 s or later, not {start} s")
    if end is not None and end <= start:
        raise DreamvidError(f"end ({end} s) must be after start ({start} s)")
    if frames is not None and frames < 1:
        raise DreamvidError(f"frames must be at least 1, not {frames}")
    if max_side is not None and max_side < 1:
        raise DreamvidError(f"max_side must be at least 1, not {max_side}")


def _selected_range(total: int, fps: Fraction, start: float, end: float | None, frames: int | None,
                    video_duration: float) -> tuple[int, int]:
    """Indices [first, stop) of the frames at times i / fps with start <= time < end."""
    first = math.ceil(Fraction(str(start)) * fps)
    if start >= video_duration or first >= total:
        raise DreamvidError(f"--start {start} s is past the end of the video ({round(video_duration, 2):g} s)")
    stop = total if end is None else min(total, math.ceil(Fraction(str(end)) * fps))
    if frames is not None:
        stop = min(stop, first + frames)
    if stop <= first:
        raise DreamvidError(f"no frame falls between --start {start} s and --end {end} s")
    return first, stop


def _fitted_size(width: int, height: int, max_side: int | None) -> tuple[int, int]:
    """The frame size after max_side; frames too small for the network (before or after) are refused."""
    check_min_side(width, height, "a video frame")
    return fitted_size(width, height, max_side)


def _resized(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    if frame.shape[1] == width and frame.shape[0] == height:
        return frame
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return "no message from ffmpeg"
    return re.sub(r"^(\[[^\]]*\]\s*)+", "", lines[-1])


# Video files -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Header:
    width: int  # of the stored pixels
    height: int
    display_width: int  # the width a player shows: the stored width times the pixel aspect ratio (SAR)
    fps: Fraction
    duration: float | None
    has_audio: bool
    colour: SourceColour


def _read_header(path: str) -> _Header:
    """Parse `ffmpeg -i` output, decoding one frame through showinfo to learn its real size."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_url(path), "-map", "0:v:0?",
               "-frames:v", "1", "-vf", "showinfo", "-f", "null", "-"]
    text = subprocess.run(command, capture_output=True, text=True, errors="replace").stderr
    header = _input_part(text)
    if "Input #0" not in header:
        raise DreamvidError(f"not a video ffmpeg can read: {path} ({_last_line(text)})")
    video_line = re.search(r"^\s*Stream #\d+:\d+.*?: Video: (.*)$", header, re.MULTILINE)
    if video_line is None:
        raise DreamvidError(f"no video stream in {path}")
    if "(attached pic)" in video_line.group(1):  # a sound file's cover art: one picture, not a clip
        raise DreamvidError(f"no video stream in {path}, only cover art; a sound file goes in --audio")
    first_frame = re.search(r"\bn:\s*0\s.*?\bs:(\d+)x(\d+)", text)
    if first_frame is None:
        raise DreamvidError(f"no video frames in {path}")
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", header)
    width, height = int(first_frame.group(1)), int(first_frame.group(2))
    check_pixel_count(width, height)
    return _Header(
        width=width,
        height=height,
        display_width=_display_width(width, height, video_line.group(1)),
        fps=_stream_fps(video_line.group(1)),
        duration=None if duration is None else (
            int(duration.group(1)) * 3600 + int(duration.group(2)) * 60 + float(duration.group(3))),
        has_audio=_AUDIO_STREAM.search(header) is not None,
        colour=source_colour(video_line.group(1), width, height),
    )


def _display_width(width: int, height: int, video_line: str) -> int:
    """The width a player shows a frame at: non-square pixels (`[SAR 2:1 DAR 8:3]`) are resampled to square
    ones by scaling the width, so the picture keeps its display aspect ratio."""
    aspect = re.search(r"\bSAR (\d+):(\d+)", video_line)
    if aspect is None or int(aspect.group(1)) == 0 or int(aspect.group(2)) == 0:
        return width
    shown = max(1, round(width * int(aspect.group(1)) / int(aspect.group(2))))
    check_pixel_count(shown, height)
    return shown


_AUDIO_STREAM = re.compile(r"^\s*Stream #\d+:\d+.*?: Audio: (\w+)", re.MULTILINE)


def _input_part(text: str) -> str:
    """What ffmpeg printed about its input, before the stream mapping and outputs."""
    return re.split(r"^(?:Stream mapping:|Output #)", text, maxsplit=1, flags=re.MULTILINE)[0]


def audio_codec(path: str | os.PathLike) -> str | None:
    """The codec of the file's first audio stream as ffmpeg names it (aac, opus, mp3, pcm_s16le, ...);
    None when it has no audio stream or ffmpeg cannot read it. Reads the header only."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", ffmpeg_url(path)]
    text = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                          check=False).stderr  # ffmpeg stops with "no output file" after the header
    stream = _AUDIO_STREAM.search(_input_part(text))
    return None if stream is None else stream.group(1)


def _stream_fps(video_line: str) -> Fraction:
    def printed_rate(unit: str) -> Fraction | None:
        match = re.search(r"([\d.]+)(k?) " + unit + r"\b", video_line)
        if match is None:
            return None
        return exact_fps(match.group(1)) * (1000 if match.group(2) else 1)

    real_rate, average_rate = printed_rate("tbr"), printed_rate("fps")
    if real_rate is None or (average_rate is not None and real_rate > 210 and average_rate < 70):
        real_rate = average_rate
    return real_rate if real_rate is not None else DEFAULT_SEQUENCE_FPS


def _open_video_file(path: str, start: float, end: float | None, frames: int | None,
                     max_side: int | None) -> tuple[VideoInfo, VideoFrames]:
    # Times to the microsecond, as ffmpeg is given them, so the frames counted are the frames it cuts.
    start = float(ffmpeg_seconds(start))
    end = None if end is None else max(float(ffmpeg_seconds(end)), start + 1e-6)
    header = _read_header(path)
    if header.duration is None:
        total = count_frames(path)
        duration = float(total / header.fps)
    else:
        duration = header.duration
        total = round(Fraction(str(duration)) * header.fps)
    first, stop = _selected_range(total, header.fps, start, end, frames, duration)
    width, height = _fitted_size(header.display_width, header.height, max_side)
    info = VideoInfo(width=width, height=height, fps=header.fps, frame_count=stop - first,
                     duration=float((stop - first) / header.fps), start=start, has_audio=header.has_audio,
                     source=path, colour=header.colour.tags)

    # trim keeps the frames [first, stop) counted above: it cuts half a frame before each (so a start of
    # 0.00001 s, which the stream's timebase rounds to 0, still drops frame 0 as counted), in times ffmpeg
    # reads (no exponent), with no end past the video's; setpts then puts the first one at 0 so that the
    # constant-rate output neither repeats nor drops frames of a constant-rate source.
    cut = f"trim=start={ffmpeg_seconds(max(0, (first - Fraction(1, 2)) / header.fps))}"
    if end is not None and stop < total:
        cut += f":end={ffmpeg_seconds((stop - Fraction(1, 2)) / header.fps)}"
    filters = [cut, "setpts=PTS-STARTPTS"]
    if header.colour.decode_matrix is not None:  # untagged: to RGB with the matrix players assume for its size
        filters.append(f"scale=in_color_matrix={header.colour.decode_matrix}")
    # One decoding thread: frames are needed about one a second, and the dream has both cores.
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
               "-threads", "1", "-i", ffmpeg_url(path), "-map", "0:v:0", "-vf", ",".join(filters)]
    if frames is not None:
        command += ["-frames:v", str(frames)]
    command += ["-fps_mode", "cfr", "-r", str(header.fps), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]

    def produce(warnings: list[str]) -> Iterator[np.ndarray]:
        frame_bytes = header.width * header.height * 3
        with tempfile.TemporaryFile() as error_log:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=error_log)
            finished = False
            frames_read = 0
            try:
                while True:
                    data = process.stdout.read(frame_bytes)
                    if len(data) < frame_bytes:
                        break
                    frame = np.frombuffer(bytearray(data), dtype=np.uint8).reshape(header.height, header.width, 3)
                    frames_read += 1
                    yield _resized(frame, width, height)
                finished = True
            finally:
                if process.poll() is None:
                    process.kill()
                process.stdout.close()
                return_code = process.wait()
            if finished:
                error_log.seek(0)
                errors = error_log.read().decode("utf-8", errors="replace")
                if return_code < 0:  # killed (a signal), not the clip's end: the frames after are unread
                    raise DreamvidError(
                        f"the decoder (ffmpeg) was stopped by signal {-return_code} after {frames_read} of "
                        f"{info.frame_count} frames of {path}; run again with --resume to continue")
                if return_code != 0 or errors.strip():
                    warnings.append(f"ffmpeg reported a decoding error; {path} may be truncated or corrupt:"
                                    f" {_last_line(errors)}")

    return info, VideoFrames(produce, info.frame_count)


# Image sequences ---------------------------------------------------------------------------------------


def _natural_key(path: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", os.path.basename(path))]


def _read_image(path: str) -> np.ndarray | None:
    """RGB pixels, upright (OpenCV applies the EXIF orientation); DreamvidError over image_io.MAX_PIXELS."""
    check_image_header(path)
    data = read_file_bytes(path)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def sequence_files(candidates: list[str]) -> list[str]:
    """The images of a sequence in frame order: files with an image extension, hidden ones left out
    (dreamvid's own partial files when the output is written into the input's folder, `._` notes)."""
    return sorted((name for name in candidates if os.path.isfile(name) and not os.path.basename(name).startswith(".")
                   and name.lower().endswith(IMAGE_EXTENSIONS)), key=_natural_key)


def _open_image_sequence(source: str, start: float, end: float | None, frames: int | None,
                         max_side: int | None, fps: Fraction | float | None) -> tuple[VideoInfo, VideoFrames]:
    if os.path.isdir(source):
        candidates = [os.path.join(source, name) for name in os.listdir(source)]
        missing = f"no images ({', '.join(IMAGE_EXTENSIONS)}) in folder {source}"
    else:
        candidates = glob.glob(source)
        missing = f"no images match {source}"
    files = sequence_files(candidates)
    if not files:
        raise DreamvidError(missing)
    rate = DEFAULT_SEQUENCE_FPS if fps is None else exact_fps(fps)
    first_image = _read_image(files[0])
    if first_image is None:
        raise DreamvidError(f"cannot read image {files[0]}")
    first, stop = _selected_range(len(files), rate, start, end, frames, float(len(files) / rate))
    width, height = _fitted_size(first_image.shape[1], first_image.shape[0], max_side)
    info = VideoInfo(width=width, height=height, fps=rate, frame_count=stop - first,
                     duration=float((stop - first) / rate), start=start, has_audio=False, source=source)

    def produce(warnings: list[str]) -> Iterator[np.ndarray]:
        """Images of another size are resized to the first one's; unreadable ones are skipped."""
        for name in files[first:stop]:
            image = _read_image(name)
            if image is None:
                warnings.append(f"skipped unreadable image {name}")
                continue
            yield _resized(image, width, height)

    return info, VideoFrames(produce, info.frame_count)
