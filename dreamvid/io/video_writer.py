"""Write uint8 RGB frames to a video file or a folder of PNG frames, atomically.

`VideoWriter` is a context manager. It writes to a hidden temporary name in the target's folder and
renames it to the final path only when the `with` block ends cleanly; on an exception ffmpeg is killed and
the temporary file is deleted, so the final path never holds a half-written video and an existing file
there is replaced only by a complete one.

The output kind follows the path:
- `.mp4`, `.mov`, `.mkv`: H.264 (libx264, yuv420p) with AAC audio (or the source's, copied: see below);
  mp4/mov get `-movflags +faststart`.
  yuv420p needs even sizes, so an odd width or height is padded by 1 px that repeats the last column or
  row (edge replication); the picture is never scaled.
- `.webm`: VP9 (libvpx-vp9) with Opus audio when the shipped ffmpeg has them, else VP8 with Vorbis.
- `.gif`: one filter graph with palettegen/paletteuse; no audio, no colour tags. GIF delays are whole
  centiseconds, so the frame rate is only approximate.
- a path ending in "/", `.`, an existing folder or a path without extension: a folder of PNG frames
  `frame_000001.png`, ... (no audio), each marked as dreamvid's by a PNG text chunk (Software: dreamvid).
  A video extension on an existing folder (`out.mp4/` spelled without the slash) is refused.

A folder output never loses a file dreamvid did not make. An existing folder is accepted only when it holds
nothing but dreamvid's own marked frames (and system files such as .DS_Store); otherwise the writer refuses
before anything is written. Frames are staged in a hidden folder and moved in one by one on success, each
with an atomic rename; dreamvid's own frames numbered past the new clip's end are removed so the folder
holds one clip. The folder itself is never removed.

Frames go to ffmpeg at the exact fraction `fps` (`-framerate 30000/1001`), so the output has the input's
frame rate, frame count and duration. With `audio`, the video is encoded first to a temporary file, then a
second ffmpeg pass copies it and adds the source's audio trimmed to the clip, placed by its timestamps.

Colour: the RGB frames become YUV with the matrix and range of `colour` (the source's tags, see
colour.py; BT.709 when none is given, as for stills), and the stream is tagged with it, so players
decode it with the matrix it was encoded with.

The audio is copied as it is (`-c:a copy`, bit for bit) when the container takes the source's codec
(`AUDIO_COPIED`: AAC, MP3, AC-3, E-AC-3 and ALAC into mp4, mov and mkv, PCM into mov and mkv, Opus,
Vorbis and FLAC into mkv, Opus and Vorbis into webm) and the clip starts where the source does. Otherwise
it is re-encoded (AAC, or Opus/Vorbis for webm), cut at the exact sample, with silence filling any gap
before a late-starting track; so is a copy the muxer refuses.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import secrets
import subprocess
import tempfile
from fractions import Fraction
from types import TracebackType

import cv2
import imageio_ffmpeg
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.io.colour import BT709, ColourTags
from dreamvid.io.images import png_with_text, read_png_text
from dreamvid.io.paths import SYSTEM_FILES, discard_temporary, record_temporary, remove_left_behind
from dreamvid.io.video_reader import VideoInfo, audio_codec, exact_fps, ffmpeg_seconds, ffmpeg_url
from dreamvid.settings import EncodeSettings


@dataclasses.dataclass(frozen=True)
class AudioSource:
    """The audio track of `path` from `start` for `duration` seconds (None: up to the end of the video)."""

    path: str
    start: float = 0.0
    duration: float | None = None


def audio_of(info: VideoInfo) -> AudioSource | None:
    """The audio that goes with the frames `info` describes, or None if the source has no audio."""
    return AudioSource(info.source, info.start, info.duration) if info.has_audio else None


@dataclasses.dataclass(frozen=True)
class OutputFormat:
    video_arguments: tuple[str, ...]
    audio_arguments: tuple[str, ...] | None  # how audio is encoded; None: the format carries no audio
    even_size: bool = False
    audio_copied: frozenset[str] = frozenset()  # source audio codecs (ffmpeg's names) kept as they are
    mux_arguments: tuple[str, ...] = ()  # for the pass that adds the audio
    colour_tags: bool = True  # YUV video tagged with its colour description (not GIF's palette)


_H264 = ("-c:v", "libx264", "-preset", "medium", "-crf", "18", "-pix_fmt", "yuv420p")
_AAC = ("-c:a", "aac", "-b:a", "192k")
_FASTSTART = ("-movflags", "+faststart")
_GIF_PALETTE = "[0:v]split[a][b];[a]palettegen[p];[b][p]paletteuse=dither=sierra2_4a"
# What each container takes as it is, among the codecs players expect in it: the MPEG-4 family the
# MPEG and Dolby audio (Opus and FLAC in mp4 are left out: older ffmpeg builds call them experimental),
# QuickTime PCM too, Matroska nearly anything, WebM only Opus and Vorbis. GIF has no audio at all.
_MPEG4_AUDIO = frozenset({"aac", "mp3", "ac3", "eac3", "alac"})
_PCM = frozenset({"pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be"})
_WEBM_AUDIO = frozenset({"opus", "vorbis"})

OUTPUT_FORMATS: dict[str, OutputFormat] = {
    ".mp4": OutputFormat(_H264 + _FASTSTART, _AAC, even_size=True, audio_copied=_MPEG4_AUDIO,
                         mux_arguments=_FASTSTART),
    ".mov": OutputFormat(_H264 + _FASTSTART, _AAC, even_size=True, audio_copied=_MPEG4_AUDIO | _PCM,
                         mux_arguments=_FASTSTART),
    ".mkv": OutputFormat(_H264, _AAC, even_size=True,
                         audio_copied=_MPEG4_AUDIO | _PCM | _WEBM_AUDIO | {"flac", "dts", "truehd"}),
    ".webm": OutputFormat(("-pix_fmt", "yuv420p", "-crf", "32", "-b:v", "0", "-row-mt", "1",
                           "-deadline", "good", "-cpu-used", "4"), ("-b:a", "128k"),  # codecs: _webm_codecs
                          audio_copied=_WEBM_AUDIO),
    ".gif": OutputFormat(("-filter_complex", _GIF_PALETTE, "-loop", "0"), None, colour_tags=False),
}
FOLDER = "folder"
FRAME_NAME = "frame_{:06d}.png"
FRAME_PATTERN = re.compile(r"frame_(\d{6,})\.png")
FRAME_MARK = {"Software": "dreamvid"}  # a PNG text chunk in every frame: what tells our frames from a user's
STAGING_PATTERN = re.compile(r"\.dreamvid-frames\.[0-9a-f]{8}\.partial")  # inside an existing output folder
# One encoding thread: a dreamed frame arrives about once a second, and the dream has both cores.
ENCODER_THREADS = ("-threads", "1", "-filter_threads", "1")


@functools.cache
def _has_encoder(name: str) -> bool:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-encoders"]
    listing = subprocess.run(command, capture_output=True, text=True, errors="replace").stdout
    return any(line.split()[1:2] == [name] for line in listing.splitlines())


def _webm_codecs() -> tuple[str, str]:
    """(video, audio) encoders for webm: VP9 + Opus if available, else VP8 + Vorbis."""
    video = "libvpx-vp9" if _has_encoder("libvpx-vp9") else "libvpx"
    audio = "libopus" if _has_encoder("libopus") else "libvorbis"
    return video, audio


def output_kind(path: str | os.PathLike) -> str:
    """".mp4", ".webm", ... or FOLDER; DreamvidError for an unsupported extension or a folder named like a video."""
    text = os.fspath(path)
    bare = text.rstrip("/" + os.sep)
    extension = os.path.splitext(bare)[1].lower()
    if text.endswith(("/", os.sep)) or os.path.basename(bare) in (".", "..") or not extension:
        return FOLDER
    if extension in OUTPUT_FORMATS:
        if os.path.isdir(text):
            raise DreamvidError(f"{text} is a folder; name a new {extension} file, or end the path with / "
                                "to write PNG frames into the folder")
        return extension
    if os.path.isdir(text):
        return FOLDER
    supported = ", ".join(OUTPUT_FORMATS)
    raise DreamvidError(f"cannot write {extension} files; use {supported} or a folder (a path ending in /)")


def is_dreamvid_frame(path: str | os.PathLike) -> bool:
    """A file named like our frames that carries our mark (reads the PNG header only)."""
    path = os.fspath(path)
    if FRAME_PATTERN.fullmatch(os.path.basename(path)) is None or not os.path.isfile(path):
        return False
    text = read_png_text(path)
    return all(text.get(key) == value for key, value in FRAME_MARK.items())


def check_frame_folder(path: str | os.PathLike) -> None:
    """Refuse a folder output that exists and holds anything dreamvid did not make; a missing one passes.

    Call it before any work starts (the writer calls it too): what it refuses, the writer would refuse.
    """
    path = os.fspath(path)
    if not os.path.lexists(path):
        return
    if not os.path.isdir(path):
        raise DreamvidError(f"{path} exists and is not a folder")
    foreign = sorted(name for name in os.listdir(path)
                     if name not in SYSTEM_FILES and STAGING_PATTERN.fullmatch(name) is None
                     and not is_dreamvid_frame(os.path.join(path, name)))
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise DreamvidError(f"{path} holds files dreamvid did not make ({foreign[0]}{more}); "
                            "write the frames to a new or empty folder")


def remove_stale_partials(path: str | os.PathLike) -> list[str]:
    """Delete what an interrupted writer of this output left behind (killed before it could clean up).

    Only what the output's lock file records as made for it (`paths.remove_left_behind`): the hidden
    `.NAME.<hex>.partial...` siblings and, inside a folder output, `.dreamvid-frames.<hex>.partial`, each
    still the file recorded. A user's file that merely has such a name is left alone. Call it while holding
    the output's lock (without it nothing is removed). Returns the removed paths.
    """
    return remove_left_behind(path)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _run_ffmpeg(arguments: list[str], target: str) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"] + arguments
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        message = _last_line(result.stderr) or f"ffmpeg stopped with exit code {result.returncode}"
        raise DreamvidError(f"ffmpeg failed writing {target}: {message}")


class VideoWriter:
    """Stream frames into a video file or PNG folder: `with VideoWriter(path, fps=..., size=(w, h)) as out:`.

    size is (width, height) of the frames given to `write`. `audio` is dropped for GIF and PNG folders;
    `colour` is what the frames' colours are (default BT.709, sRGB's primaries), for the video's tags.
    Construction raises DreamvidError for an unsupported extension or a missing or read-only folder, before
    anything is written; `write` and the end of the `with` block raise it with ffmpeg's last line of error.
    Without `with`, call `close()` to finish or `abort()` to discard.
    """

    def __init__(self, path: str | os.PathLike, *, fps: Fraction | int | float, size: tuple[int, int],
                 audio: AudioSource | None = None, metadata: dict[str, str] | None = None,
                 encode: EncodeSettings | None = None, colour: ColourTags | None = None) -> None:
        self.encode = encode or EncodeSettings()
        self.colour = colour or BT709
        self.metadata = dict(metadata or {})  # container tags (e.g. comment), where the format keeps them
        self.path = os.fspath(path).rstrip("/" + os.sep) or os.fspath(path)
        self.kind = output_kind(path)
        self.fps = exact_fps(fps)
        self.width, self.height = (int(side) for side in size)
        if self.width < 1 or self.height < 1:
            raise DreamvidError(f"the frame size must be positive, not {self.width}x{self.height}")
        carries_audio = self.kind != FOLDER and OUTPUT_FORMATS[self.kind].audio_arguments is not None
        self.audio = audio if carries_audio else None  # GIF and PNG folders drop the audio
        self.frames_written = 0
        self._finished = False
        self._process: subprocess.Popen | None = None
        self._error_log = None
        self._video_file: str | None = None
        self._temporary_paths: list[str] = []

        target = os.path.abspath(self.path)
        folder = os.path.dirname(target)
        if not os.path.isdir(folder):
            raise DreamvidError(f"output folder does not exist: {folder}")
        if self.kind == FOLDER:
            check_frame_folder(self.path)
            if os.path.isdir(target):
                folder = target  # frames are staged inside the output folder; its parent may be read-only
        if not os.access(folder, os.W_OK):
            raise DreamvidError(f"cannot write to folder {folder}: permission denied")
        even_size = self.kind != FOLDER and OUTPUT_FORMATS[self.kind].even_size
        self._pad_right = self.width % 2 if even_size else 0
        self._pad_bottom = self.height % 2 if even_size else 0
        try:
            if self.kind == FOLDER:
                if folder == target:
                    self._output = self._new_temporary(os.path.join(
                        target, f".dreamvid-frames.{secrets.token_hex(4)}.partial"), directory=True)
                else:
                    self._output = self._temporary_path(folder, ".partial", directory=True)
            else:
                self._output = self._temporary_path(folder, f".partial{self.kind}")
                self._video_file = self._output
                if self.audio is not None:
                    self._video_file = self._temporary_path(folder, f".video.partial{self.kind}")
                self._start_encoder()
        except OSError as error:
            self.abort()
            raise DreamvidError(f"cannot write to folder {folder}: {error.strerror}") from None
        except BaseException:  # Ctrl-C or SIGTERM while the temporaries are made or ffmpeg starts
            self.abort()
            raise

    def _temporary_path(self, folder: str, suffix: str, directory: bool = False) -> str:
        """A new hidden file or folder next to the target, named after it, deleted unless moved into place."""
        name = os.path.basename(os.path.abspath(self.path))
        return self._new_temporary(os.path.join(folder, f".{name}.{secrets.token_hex(4)}{suffix}"), directory)

    def _new_temporary(self, path: str, directory: bool = False) -> str:
        if directory:
            os.mkdir(path)
        else:
            open(path, "xb").close()  # unlike mkstemp, keeps the usual permissions (umask)
        self._temporary_paths.append(path)
        record_temporary(self.path, path)  # in the output's lock file, when held: removable after a kill
        return path

    def _start_encoder(self) -> None:
        output_format = OUTPUT_FORMATS[self.kind]
        codec = ("-c:v", _webm_codecs()[0]) if self.kind == ".webm" else ()
        size = f"{self.width + self._pad_right}x{self.height + self._pad_bottom}"
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                   "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-framerate", str(self.fps), "-i", "-",
                   *codec, *self._video_arguments(output_format), *self._colour_arguments(output_format),
                   *ENCODER_THREADS, *self._metadata_arguments(), ffmpeg_url(self._video_file)]
        self._error_log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                         stderr=self._error_log)

    def _video_arguments(self, output_format: OutputFormat) -> list[str]:
        """The format's encoder arguments with the chosen CRF and preset, where the format has them."""
        arguments = list(output_format.video_arguments)
        for flag, value in (("-crf", self.encode.crf), ("-preset", self.encode.preset)):
            if value is not None and flag in arguments:
                arguments[arguments.index(flag) + 1] = str(value)
        if self.encode.crf is not None and self.encode.crf > 51 and "libx264" in arguments:
            raise DreamvidError(f"crf must be at most 51 for H.264, got {self.encode.crf}")
        return arguments

    def _colour_arguments(self, output_format: OutputFormat) -> list[str]:
        """Convert to YUV with the colour's matrix and range, and tag the stream (and the frames) with it."""
        if not output_format.colour_tags:
            return []
        return ["-vf", self.colour.encoding_filter(), *self.colour.encoder_arguments()]

    def _metadata_arguments(self) -> list[str]:
        if self.kind == ".gif":
            return []
        return [argument for key, value in self.metadata.items() for argument in ("-metadata", f"{key}={value}")]

    def _ffmpeg_message(self) -> str:
        self._error_log.seek(0)
        message = _last_line(self._error_log.read().decode("utf-8", errors="replace"))
        return message or f"ffmpeg stopped with exit code {self._process.returncode}"

    def write(self, frame: np.ndarray) -> None:
        """Append one uint8 RGB frame of shape (height, width, 3)."""
        if self._finished:
            raise DreamvidError(f"{self.path} is already closed")
        expected_shape = (self.height, self.width, 3)
        if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.shape != expected_shape:
            shape, dtype = getattr(frame, "shape", None), getattr(frame, "dtype", type(frame).__name__)
            raise DreamvidError(f"a frame must be a {expected_shape} uint8 array, not {shape} {dtype}")
        if self.kind == FOLDER:
            image_path = os.path.join(self._output, FRAME_NAME.format(self.frames_written + 1))
            encoded = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))[1].tobytes()
            try:
                with open(image_path, "wb") as image_file:
                    image_file.write(png_with_text(encoded, FRAME_MARK))
            except OSError as error:
                self.abort()
                raise DreamvidError(f"cannot write {image_path}: {error.strerror}") from None
        else:
            if self._pad_right or self._pad_bottom:
                frame = np.pad(frame, ((0, self._pad_bottom), (0, self._pad_right), (0, 0)), mode="edge")
            try:
                self._process.stdin.write(np.ascontiguousarray(frame).data)
            except (BrokenPipeError, OSError):
                self._process.wait()
                message = self._ffmpeg_message()
                self.abort()
                raise DreamvidError(f"ffmpeg failed writing {self.path}: {message}") from None
        self.frames_written += 1

    def close(self) -> None:
        """Finish the video and move it to its final path."""
        if self._finished:
            return
        try:
            if self.frames_written == 0:
                raise DreamvidError(f"no frames were written, so {self.path} was not created")
            if self._process is not None:
                self._finish_encoder()
            self._move_into_place()
        except BaseException:
            self.abort()
            raise
        self._finished = True

    def _finish_encoder(self) -> None:
        self._process.stdin.close()
        if self._process.wait() != 0:
            raise DreamvidError(f"ffmpeg failed writing {self.path}: {self._ffmpeg_message()}")
        if self.audio is None:
            return
        clip_duration = self.frames_written / self.fps
        duration = float(clip_duration if self.audio.duration is None else min(self.audio.duration, clip_duration))
        if self.copies_audio():
            try:
                self._add_audio(["-t", ffmpeg_seconds(duration)], ["-c:a", "copy"])
                return
            except DreamvidError:
                pass  # the muxer refused this stream after all (a profile or rate it cannot tag): re-encode
        encoder = ("-c:a", _webm_codecs()[1]) if self.kind == ".webm" else ()
        self._add_audio(["-ss", ffmpeg_seconds(self.audio.start), "-t", ffmpeg_seconds(duration)],
                        [*encoder, *OUTPUT_FORMATS[self.kind].audio_arguments, "-af", "aresample=async=1:first_pts=0"])

    def copies_audio(self) -> bool:
        """Whether the audio goes in as it is: the container takes the source's codec, and the clip starts
        where the source does.

        A clip that starts inside the source (`--start`) is re-encoded: a copy can begin only at an audio
        packet (AAC: 1024 samples, 21 ms at 48 kHz), late by up to one, and that packet would decode
        without the one before it (AAC frames overlap), a click; decoding cuts at the exact sample. The
        end needs no such care: `-t` keeps the packets that begin before the clip's end, whole, so a
        copied track ends less than one packet after the last frame, as the source's own track may.
        """
        if self.audio is None or self.audio.start > 0:
            return False
        return audio_codec(self.audio.path) in OUTPUT_FORMATS[self.kind].audio_copied

    def _add_audio(self, audio_input: list[str], audio_output: list[str]) -> None:
        """The second pass: the encoded video copied, the source's audio added (`audio_input` selects it)."""
        _run_ffmpeg(["-i", ffmpeg_url(self._video_file), *audio_input, "-i", ffmpeg_url(self.audio.path),
                     "-map", "0:v:0", "-map", "1:a:0?",
                     "-c:v", "copy", *audio_output, *OUTPUT_FORMATS[self.kind].mux_arguments,
                     *self._metadata_arguments(), ffmpeg_url(self._output)], self.path)

    def _move_into_place(self) -> None:
        if self.kind == FOLDER:
            self._move_frames_into_place()
        else:
            os.replace(self._output, self.path)
            self._temporary_paths.remove(self._output)
            discard_temporary(self.path, self._output)  # renamed into place: only its record goes
        self._remove_temporary_files()

    def _move_frames_into_place(self) -> None:
        """A new folder is renamed into place whole; into an existing one, frame by frame (atomic each)."""
        target = os.path.abspath(self.path)
        if not os.path.lexists(target):
            try:
                os.rename(self._output, target)
                self._temporary_paths.remove(self._output)
                discard_temporary(self.path, self._output)
                return
            except OSError:
                pass  # created meanwhile: fall through and merge
        check_frame_folder(target)  # again: files may have appeared while the frames were dreamed
        names = [FRAME_NAME.format(number) for number in range(1, self.frames_written + 1)]
        stale = [os.path.join(target, name) for name in os.listdir(target)
                 if (match := FRAME_PATTERN.fullmatch(name)) and int(match.group(1)) > self.frames_written]
        for name in names:
            os.replace(os.path.join(self._output, name), os.path.join(target, name))
        for path in stale:
            if is_dreamvid_frame(path):
                os.remove(path)

    def abort(self) -> None:
        """Stop ffmpeg and delete the temporary output; the final path is left as it was."""
        self._finished = True
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait()
            try:
                self._process.stdin.close()
            except OSError:
                pass
        self._remove_temporary_files()

    def _remove_temporary_files(self) -> None:
        for path in self._temporary_paths:
            discard_temporary(self.path, path)
        self._temporary_paths.clear()
        if self._error_log is not None:
            self._error_log.close()
            self._error_log = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exception_type: type[BaseException] | None, exception: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if exception_type is None:
            self.close()
        else:
            self.abort()
