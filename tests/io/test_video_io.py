"""Video reading and writing on tiny synthetic clips made with the shipped ffmpeg, plus two real files."""

import os
import subprocess
import sys
from fractions import Fraction

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from dreamvid.errors import DreamvidError
from dreamvid.io import video_reader, video_writer
from dreamvid.io.colour import BT601, BT709, ColourTags
from dreamvid.io.paths import OutputLock
from dreamvid.io.video_reader import count_frames, open_video, probe_video
from dreamvid.io.video_writer import AudioSource, VideoWriter, audio_of

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
from conftest import MEDIA, SAMPLES

NTSC = Fraction(30000, 1001)


def ffmpeg(*arguments) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, arguments)],
                   check=True, timeout=60)


def video_source(rate, seconds, size="96x64"):
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def tone(seconds, frequency=440):
    return ["-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=44100:duration={seconds}"]


H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """Short clips shared by the tests (made once, never modified)."""
    folder = tmp_path_factory.mktemp("clips")
    made = {
        "ntsc": folder / "ntsc.mp4",  # 30 frames at 30000/1001 with a 1 s tone
        "odd_rate": folder / "odd_rate.mp4",  # 27 frames at 26.78 fps, no audio
        "thirty": folder / "thirty.mp4",  # 60 frames at 30 fps, no audio
        "audio_first": folder / "audio_first.mp4",  # audio is stream 0, video stream 1
        "late_audio": folder / "late_audio.mp4",  # 2 s of video; the tone starts at 0.5 s by its timestamps
    }
    ffmpeg(*video_source(NTSC, 1), *tone(1), *H264, made["ntsc"])
    ffmpeg(*video_source("2678/100", 1), *H264, made["odd_rate"])
    ffmpeg(*video_source(30, 2), *H264, "-movflags", "+faststart", made["thirty"])
    ffmpeg(*video_source(NTSC, 1), *tone(1), "-map", "1:a", "-map", "0:v", *H264, made["audio_first"])
    ffmpeg(*video_source(30, 2), "-itsoffset", "0.5", *tone(1.5), *H264, made["late_audio"])
    return made


def read_all(path, **selection):
    info, frames = open_video(path, **selection)
    with frames:
        return info, list(frames)


def write_clip(path, frames, fps, audio=None):
    height, width = frames[0].shape[:2]
    with VideoWriter(path, fps=fps, size=(width, height), audio=audio) as writer:
        for frame in frames:
            writer.write(frame)
    return path


def gradient_frames(count, width=96, height=64):
    x = np.linspace(0, 255, width).astype(int)[None, :, None]
    return [np.broadcast_to((x + 8 * index) % 256, (height, width, 3)).astype(np.uint8) for index in range(count)]


def tone_onset(path) -> float:
    """Seconds into the file's audio where the tone becomes audible, on the file's own timeline."""
    pcm = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a", "-ac", "1", "-ar", "8000",
                          "-af", "aresample=async=1:first_pts=0", "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    samples = np.frombuffer(pcm, dtype=np.int16)
    return np.flatnonzero(np.abs(samples) > 1000)[0] / 8000


# Reader ------------------------------------------------------------------------------------------------


def test_exact_fps_snaps_ntsc_decimals():
    assert video_reader.exact_fps(29.97) == NTSC
    assert video_reader.exact_fps("23.98") == Fraction(24000, 1001)
    assert video_reader.exact_fps(59.94) == Fraction(60000, 1001)
    assert video_reader.exact_fps(26.78) == Fraction(2678, 100)
    assert video_reader.exact_fps(Fraction(2997, 100)) == Fraction(2997, 100)  # an exact value stays
    with pytest.raises(DreamvidError):
        video_reader.exact_fps(0)


def test_reads_ntsc_clip_with_exact_fps(clips):
    info, frames = read_all(clips["ntsc"])
    assert info.fps == NTSC
    assert (info.width, info.height, info.has_audio, info.start) == (96, 64, True, 0.0)
    assert info.frame_count == len(frames) == 30
    assert info.duration == pytest.approx(30 * 1001 / 30000)
    assert all(frame.shape == (64, 96, 3) and frame.dtype == np.uint8 for frame in frames)
    assert frames[0].flags.writeable


def test_reads_decimal_fps_exactly(clips):
    info, frames = read_all(clips["odd_rate"])
    assert info.fps == Fraction(2678, 100)
    assert len(frames) == info.frame_count == count_frames(clips["odd_rate"])


def test_audio_stream_before_video_stream(clips):
    info, frames = read_all(clips["audio_first"])
    assert info.has_audio and (info.width, info.height) == (96, 64)
    assert len(frames) == count_frames(clips["audio_first"])


def test_start_end_and_frames_select_exact_frames(clips):
    _, every_frame = read_all(clips["thirty"])
    assert len(every_frame) == 60
    info, selected = read_all(clips["thirty"], start=0.51, end=1.01)  # frames 16..30 at 30 fps
    assert info.frame_count == len(selected) == 15
    assert info.start == 0.51 and info.duration == pytest.approx(0.5)
    assert all(np.array_equal(a, b) for a, b in zip(selected, every_frame[16:31]))
    info, selected = read_all(clips["thirty"], start=0.51, frames=5)
    assert info.frame_count == len(selected) == 5
    assert np.array_equal(selected[0], every_frame[16]) and np.array_equal(selected[-1], every_frame[20])


def test_max_side_shrinks_keeping_aspect(clips):
    info, frames = read_all(clips["thirty"], frames=2, max_side=48)
    assert (info.width, info.height) == (48, 32)
    assert frames[0].shape == (32, 48, 3)


def test_closing_early_ends_ffmpeg(clips, monkeypatch):
    started = []

    class RecordingPopen(subprocess.Popen):
        def __init__(self, *arguments, **options):
            super().__init__(*arguments, **options)
            started.append(self)

    monkeypatch.setattr(video_reader.subprocess, "Popen", RecordingPopen)
    _, frames = open_video(clips["thirty"])
    next(frames)
    frames.close()
    decoder = started[-1]  # the ones before it read the header
    assert decoder.poll() is not None and decoder.stdout.closed


def test_truncated_video_yields_what_decodes_and_warns(clips, tmp_path):
    data = clips["thirty"].read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) * 6 // 10])
    info, frames = open_video(truncated)
    decoded = list(frames)
    assert 0 < len(decoded) < info.frame_count == 60
    assert frames.frames_read == len(decoded)
    assert frames.warnings and "truncated" in " ".join(frames.warnings)


def test_clean_video_has_no_warnings(clips):
    _, frames = open_video(clips["ntsc"])
    list(frames)
    assert frames.warnings == []


def test_image_sequence_folder_sorted_by_number(tmp_path):
    for number in range(1, 12):
        cv2.imwrite(str(tmp_path / f"shot_{number}.png"), np.full((16, 20, 3), number, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    info, frames = read_all(tmp_path)
    assert info.fps == 25 and info.frame_count == 11 and not info.has_audio
    assert [int(frame[0, 0, 0]) for frame in frames] == list(range(1, 12))
    info, frames = read_all(tmp_path / "shot_*.png", fps=10, start=0.3, frames=2)
    assert info.fps == 10 and [int(frame[0, 0, 0]) for frame in frames] == [4, 5]


@pytest.mark.skipif(not (MEDIA / "tree.avi").exists(), reason="shared media not beside the checkout")
def test_real_files():
    info, frames = read_all(MEDIA / "tree.avi", frames=3)
    assert (info.width, info.height, info.fps, info.has_audio) == (320, 240, 15, False)
    assert len(frames) == 3 and frames[0].shape == (240, 320, 3)
    info, frames = read_all(MEDIA / "cup.mp4", start=1.0, frames=3, max_side=320)
    assert (info.width, info.height, info.fps, info.has_audio) == (320, 240, Fraction(2678, 100), True)
    assert len(frames) == 3


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "not found"),
    ("notes.mp4", b"just some text\n", "not a video"),
    ("empty.mp4", b"", "not a video"),
])
def test_unreadable_inputs(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(DreamvidError, match=message):
        open_video(tmp_path / name)


def test_zero_frame_video(tmp_path):
    ffmpeg(*video_source(30, 1), "-frames:v", "0", tmp_path / "zero.avi")
    with pytest.raises(DreamvidError, match="no video frames"):
        open_video(tmp_path / "zero.avi")


def test_empty_folder_and_glob(tmp_path):
    with pytest.raises(DreamvidError, match="no images"):
        open_video(tmp_path)
    with pytest.raises(DreamvidError, match="no images match"):
        open_video(tmp_path / "*.png")


def test_bad_selections(clips):
    with pytest.raises(DreamvidError, match=r"--start 12.0 s is past the end of the video \(2 s\)"):
        open_video(clips["thirty"], start=12.0)
    with pytest.raises(DreamvidError, match="must be after start"):
        open_video(clips["thirty"], start=1.0, end=0.5)
    with pytest.raises(DreamvidError, match="only be set for an image sequence"):
        open_video(clips["thirty"], fps=10)


# Writer ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fps", [NTSC, Fraction(2678, 100)])
def test_mp4_round_trip_keeps_exact_fps_and_count(tmp_path, fps):
    output = write_clip(tmp_path / "out.mp4", gradient_frames(31), fps)
    info = probe_video(output)
    assert info.fps == fps and not info.has_audio
    assert count_frames(output) == info.frame_count == 31
    assert info.duration == pytest.approx(float(31 / fps))


def test_odd_size_mp4_is_padded_by_one_pixel(tmp_path):
    frames = [frame[:63, :95] for frame in gradient_frames(5)]
    info, decoded = read_all(write_clip(tmp_path / "odd.mp4", frames, 30))
    assert (info.width, info.height) == (96, 64) and len(decoded) == 5
    edge = decoded[2].astype(int)
    assert np.abs(edge[:, 95] - edge[:, 94]).mean() < 6  # the last column repeats, it is not black


def test_webm_gif_and_png_folder(tmp_path):
    frames = gradient_frames(12)
    webm = write_clip(tmp_path / "out.webm", frames, NTSC)
    assert count_frames(webm) == 12 and probe_video(webm).fps == NTSC
    gif = write_clip(tmp_path / "out.gif", frames, 10)
    assert count_frames(gif) == 12 and not probe_video(gif).has_audio
    folder = write_clip(tmp_path / "pngs/", frames, 10)
    assert sorted(os.listdir(folder))[:2] == ["frame_000001.png", "frame_000002.png"]
    _, decoded = read_all(folder)
    assert len(decoded) == 12 and all(np.array_equal(a, b) for a, b in zip(frames, decoded))


def test_audio_is_carried_and_trimmed(clips, tmp_path):
    info, frames = read_all(clips["ntsc"], start=0.25)
    with_audio = write_clip(tmp_path / "with.mp4", frames, info.fps, audio=audio_of(info))
    result = probe_video(with_audio)
    assert result.has_audio and result.fps == NTSC and count_frames(with_audio) == len(frames)
    assert result.duration == pytest.approx(info.duration, abs=0.05)
    webm = write_clip(tmp_path / "with.webm", frames, info.fps, audio=audio_of(info))
    assert probe_video(webm).has_audio
    without = write_clip(tmp_path / "without.mp4", frames, info.fps, audio=None)
    assert not probe_video(without).has_audio


def test_late_audio_stays_in_sync(clips, tmp_path):
    info, frames = read_all(clips["late_audio"], start=0.2)
    output = write_clip(tmp_path / "late.mp4", frames, info.fps, audio=audio_of(info))
    assert tone_onset(clips["late_audio"]) == pytest.approx(0.5, abs=0.02)
    assert tone_onset(output) == pytest.approx(0.3, abs=0.02)


def test_late_audio_copied_keeps_its_place(clips, tmp_path):
    info, frames = read_all(clips["late_audio"])
    output = tmp_path / "late.mp4"
    with VideoWriter(output, fps=info.fps, size=(96, 64), audio=audio_of(info)) as writer:
        for frame in frames:
            writer.write(frame)
        assert writer.copies_audio()
    assert tone_onset(output) == pytest.approx(0.5, abs=0.02)


def audio_md5(path) -> str:
    """The md5 of the file's audio packets, as they are stored (no decoding)."""
    return subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "md5", "-"],
                          capture_output=True, text=True, check=True).stdout.strip()


def audio_packets(path) -> tuple[Fraction, list[tuple[int, int, str]]]:
    """(time base, [(pts, duration, md5 of the data)] of each audio packet), read without decoding."""
    text = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-map", "0:a", "-c", "copy", "-f", "framemd5", "-"],
                          capture_output=True, text=True, check=True).stdout
    time_base = Fraction(next(line for line in text.splitlines() if line.startswith("#tb")).split(":")[1].strip())
    rows = [[field.strip() for field in line.split(",")] for line in text.splitlines() if not line.startswith("#")]
    return time_base, [(int(row[2]), int(row[3]), row[5]) for row in rows]


def write_with_audio(path, frame_count, fps, audio):
    """A clip of `frame_count` made-up frames with `audio`; returns whether the writer copied the audio."""
    with VideoWriter(path, fps=fps, size=(96, 64), audio=audio) as writer:
        for frame in gradient_frames(frame_count):
            writer.write(frame)
        return writer.copies_audio()


@pytest.mark.parametrize("extension", [".mp4", ".mov", ".mkv"])
def test_aac_audio_is_copied_bit_for_bit(tmp_path, extension):
    """samples/cup.mp4 (H.264 + AAC) rendered whole: the audio packets come out unchanged."""
    source = SAMPLES / "cup.mp4"
    info = probe_video(source)
    output = tmp_path / f"cup{extension}"
    assert write_with_audio(output, info.frame_count, info.fps, audio_of(info))
    assert video_reader.audio_codec(source) == video_reader.audio_codec(output) == "aac"
    assert audio_md5(output) == audio_md5(source)


def test_copied_audio_of_a_shorter_clip_is_cut_after_its_last_frame(tmp_path):
    """The first 20 frames of cup.mp4: the source's first audio packets, as they are, ending within one
    packet after the last frame."""
    source = SAMPLES / "cup.mp4"
    info, _ = open_video(source, frames=20)
    assert write_with_audio(tmp_path / "short.mp4", 20, info.fps, audio_of(info))
    time_base, packets = audio_packets(tmp_path / "short.mp4")
    _, source_packets = audio_packets(source)
    assert [packet[2] for packet in packets] == [packet[2] for packet in source_packets[:len(packets)]]
    pts, duration, _ = packets[-1]
    clip_end = Fraction(20) / info.fps
    assert pts * time_base < clip_end <= (pts + duration) * time_base


def test_audio_of_a_clip_starting_inside_the_source_is_re_encoded(tmp_path):
    """--start 0.5: a copy could only start at a packet, so the audio is decoded and cut at the sample."""
    source = SAMPLES / "cup.mp4"
    info, _ = open_video(source, start=0.5, frames=20)
    output = tmp_path / "late.mp4"
    assert not write_with_audio(output, 20, info.fps, audio_of(info))
    result = probe_video(output)
    assert result.has_audio and result.duration == pytest.approx(float(Fraction(20) / info.fps), abs=0.03)


def test_webm_takes_opus_as_it_is_and_re_encodes_aac(tmp_path):
    opus_source = tmp_path / "opus.mkv"
    ffmpeg(*video_source(25, 1), *tone(1), *H264, "-c:a", "libopus", opus_source)
    info = probe_video(opus_source)
    assert write_with_audio(tmp_path / "opus.webm", info.frame_count, info.fps, audio_of(info))
    assert audio_md5(tmp_path / "opus.webm") == audio_md5(opus_source)

    cup = probe_video(SAMPLES / "cup.mp4")
    assert not write_with_audio(tmp_path / "cup.webm", cup.frame_count, cup.fps, audio_of(cup))
    assert video_reader.audio_codec(tmp_path / "cup.webm") in ("opus", "vorbis")
    assert probe_video(tmp_path / "cup.webm").duration == pytest.approx(cup.duration, abs=0.05)


def stream_line(path) -> str:
    """The video stream's line of `ffmpeg -i` (ffprobe does not ship with imageio-ffmpeg)."""
    text = subprocess.run([FFMPEG, "-hide_banner", "-i", str(path)], capture_output=True, text=True, check=False).stderr
    return next(line for line in text.splitlines() if " Video: " in line)


def solid_clip(path, rgb, colour, frames=2):
    with VideoWriter(path, fps=10, size=(96, 64), colour=colour) as writer:
        for _ in range(frames):
            writer.write(np.full((64, 96, 3), rgb, np.uint8))
    return path


def first_luma(path) -> int:
    raw = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "yuv420p", "-"], capture_output=True, check=True).stdout
    return raw[96 * 64 // 2]  # a pixel in the middle of the first frame's Y plane


@pytest.mark.parametrize("colour, weights", [(BT709, (0.2126, 0.7152, 0.0722)), (BT601, (0.299, 0.587, 0.114))])
@pytest.mark.parametrize("extension", [".mp4", ".webm"])
def test_the_matrix_encoded_with_is_the_one_tagged(tmp_path, colour, weights, extension):
    """A saturated colour's luma is the tagged matrix's (BT.709 and BT.601 differ by 11 levels here)."""
    rgb = (200, 50, 30)
    output = solid_clip(tmp_path / f"solid{extension}", rgb, colour)
    expected = 16 + 219 * sum(weight * value for weight, value in zip(weights, rgb)) / 255
    assert abs(first_luma(output) - expected) <= 1
    name = colour.matrix
    assert f"(tv, {name}, progressive)" in stream_line(output)
    assert probe_video(output).colour == colour
    _, frames = read_all(output)
    assert np.abs(frames[0].astype(int) - rgb).max() <= 2  # decoded by its tag: the colour comes back


def test_full_range_is_carried(tmp_path):
    output = solid_clip(tmp_path / "full.mkv", (200, 50, 30), ColourTags(range="pc"))
    assert "(pc, bt709" in stream_line(output) and probe_video(output).colour.range == "pc"
    _, frames = read_all(output)
    assert np.abs(frames[0].astype(int) - (200, 50, 30)).max() <= 2


@pytest.mark.parametrize("extension", [".mp4", ".mkv", ".webm"])
def test_source_colour_tags_are_carried_with_the_audio(tmp_path, extension):
    """cup.mp4 is tagged smpte170m/smpte170m/bt709: its output says the same, after the audio pass too,
    and reads back as the frames that went in."""
    info, frames = read_all(SAMPLES / "cup.mp4", frames=6)
    assert info.colour == ColourTags("smpte170m", "smpte170m", "bt709", "tv")
    output = tmp_path / f"cup{extension}"
    with VideoWriter(output, fps=info.fps, size=(info.width, info.height), audio=audio_of(info),
                     colour=info.colour) as writer:
        for frame in frames:
            writer.write(frame)
    assert "smpte170m/smpte170m/bt709" in stream_line(output) and probe_video(output).has_audio
    _, back = read_all(output)
    assert np.mean([np.abs(a.astype(int) - b).mean() for a, b in zip(frames, back)]) < 2.5


@pytest.mark.parametrize("size, tags", [("96x64", BT601), ("1280x720", BT709)])
def test_untagged_sources_are_read_and_tagged_as_players_assume(tmp_path, size, tags):
    """No tags: BT.601 below HD, BT.709 from 1280 wide; decoded with that matrix and written tagged with it."""
    source = tmp_path / "untagged.mp4"
    ffmpeg(*video_source(10, 0.2, size), *H264, source)
    assert "bt709" not in stream_line(source) and "smpte170m" not in stream_line(source)
    info, frames = read_all(source)
    assert info.colour == tags
    matrix = "bt709" if tags == BT709 else "smpte170m"
    expected = subprocess.run([FFMPEG, "-v", "error", "-i", str(source), "-frames:v", "1", "-vf",
                               f"scale=in_color_matrix={matrix}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                              capture_output=True, check=True).stdout
    assert frames[0].tobytes() == expected
    output = write_clip(tmp_path / "out.mp4", frames, info.fps)
    assert probe_video(output).colour == BT709  # a writer told nothing tags BT.709
    with VideoWriter(tmp_path / "tagged.mp4", fps=info.fps, size=(info.width, info.height), colour=info.colour) as writer:
        for frame in frames:
            writer.write(frame)
    assert probe_video(tmp_path / "tagged.mp4").colour == tags


def test_audio_source_without_audio_track_gives_silent_video(tmp_path):
    frames = gradient_frames(4)
    output = write_clip(tmp_path / "out.mp4", frames, 15, audio=AudioSource(str(SAMPLES / "tree.mp4"), 1.0, 0.3))
    assert not probe_video(output).has_audio and count_frames(output) == 4


def test_nothing_at_final_path_until_clean_exit(tmp_path):
    frames = gradient_frames(3)
    with VideoWriter(tmp_path / "out.mp4", fps=30, size=(96, 64)) as writer:
        writer.write(frames[0])
        assert not (tmp_path / "out.mp4").exists()
    assert (tmp_path / "out.mp4").exists() and os.listdir(tmp_path) == ["out.mp4"]


@pytest.mark.parametrize("name", ["out.mp4", "out.gif", "frames/"])
def test_exception_leaves_existing_output_untouched(tmp_path, name):
    target = tmp_path / name
    if name.endswith("/"):
        write_clip(target, gradient_frames(2), 10)  # a folder dreamvid made: it may be written again
        old = (target / "frame_000001.png").read_bytes()
    else:
        target.write_bytes(b"old")
        old = b"old"
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(RuntimeError):
        with VideoWriter(target, fps=30, size=(96, 64), audio=None) as writer:
            writer.write(gradient_frames(3)[2])
            raise RuntimeError("interrupted")
    assert sorted(os.listdir(tmp_path)) == before
    assert (target / "frame_000001.png" if name.endswith("/") else target).read_bytes() == old
    if name.endswith("/"):
        assert sorted(os.listdir(target)) == ["frame_000001.png", "frame_000002.png"]


def user_folder(folder):
    """A folder of the user's own files, one of them named exactly like a dreamvid frame (ffmpeg made it)."""
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"the user's photo")
    cv2.imwrite(str(folder / "frame_000001.png"), np.zeros((8, 8, 3), np.uint8))
    return {name: (folder / name).read_bytes() for name in os.listdir(folder)}


@pytest.mark.parametrize("spelling", ["photos/", "photos"])
def test_folder_holding_user_files_is_refused_and_kept(tmp_path, spelling):
    kept = user_folder(tmp_path / "photos")
    with pytest.raises(DreamvidError, match=r"holds files dreamvid did not make \(frame_000001.png and 1 more\)"):
        VideoWriter(tmp_path / spelling, fps=10, size=(96, 64))
    assert {name: (tmp_path / "photos" / name).read_bytes() for name in os.listdir(tmp_path / "photos")} == kept
    assert os.listdir(tmp_path) == ["photos"]


def test_user_frames_as_input_and_output_are_refused(tmp_path):
    """`video 'frames/*.png' -o frames/` once deleted its own input."""
    frames = tmp_path / "frames"
    frames.mkdir()
    for number in range(1, 4):
        cv2.imwrite(str(frames / f"frame_{number:06d}.png"), np.full((64, 96, 3), number, np.uint8))
    kept = {name: (frames / name).read_bytes() for name in os.listdir(frames)}
    info, decoded = read_all(frames / "*.png")
    with pytest.raises(DreamvidError, match="did not make"):
        write_clip(str(frames) + "/", decoded, info.fps)
    assert {name: (frames / name).read_bytes() for name in os.listdir(frames)} == kept


def test_video_name_on_a_folder_is_refused(tmp_path):
    kept = user_folder(tmp_path / "out.mp4")
    with pytest.raises(DreamvidError, match="out.mp4 is a folder"):
        VideoWriter(tmp_path / "out.mp4", fps=10, size=(96, 64))
    assert {name: (tmp_path / "out.mp4" / name).read_bytes() for name in os.listdir(tmp_path / "out.mp4")} == kept
    assert video_writer.output_kind(str(tmp_path / "out.mp4") + "/") == video_writer.FOLDER


def test_files_appearing_during_the_render_are_kept(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    with pytest.raises(DreamvidError, match="did not make"):
        with VideoWriter(target, fps=10, size=(96, 64)) as writer:
            writer.write(gradient_frames(1)[0])
            (target / "notes.txt").write_text("mine")
    assert os.listdir(target) == ["notes.txt"] and os.listdir(tmp_path) == ["frames"]


def test_png_folder_adds_and_replaces_only_its_own_frames(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    (target / ".DS_Store").write_bytes(b"finder")
    write_clip(target, gradient_frames(5), 10)
    assert sorted(os.listdir(target)) == [".DS_Store"] + [f"frame_{n:06d}.png" for n in range(1, 6)]
    assert all(video_writer.is_dreamvid_frame(target / f"frame_{n:06d}.png") for n in range(1, 6))
    shorter = gradient_frames(7)[4:]
    write_clip(target, shorter, 10)  # a shorter clip: its own frames past the end go, the folder stays one clip
    assert sorted(os.listdir(target)) == [".DS_Store", "frame_000001.png", "frame_000002.png", "frame_000003.png"]
    _, decoded = read_all(target)
    assert all(np.array_equal(a, b) for a, b in zip(shorter, decoded))
    assert (target / ".DS_Store").read_bytes() == b"finder" and os.listdir(tmp_path) == ["frames"]


def test_current_folder_as_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for spelling in (".", "./"):
        write_clip(spelling, gradient_frames(2), 10)
        assert sorted(os.listdir(tmp_path)) == ["frame_000001.png", "frame_000002.png"]


KILLED_WRITERS = """
import os, sys
import numpy as np
from dreamvid.io.paths import OutputLock
from dreamvid.io.video_writer import AudioSource, VideoWriter
frame = np.zeros((64, 96, 3), np.uint8)
for output, audio in ((sys.argv[1], AudioSource(sys.argv[3])), (sys.argv[2], None)):
    lock = OutputLock(output).__enter__()
    writer = VideoWriter(output, fps=10, size=(96, 64), audio=audio)
    writer.write(frame)
    if writer._process is not None:  # kill -9 of the process group: its ffmpeg dies with it
        writer._process.kill()
        writer._process.wait()
os._exit(9)  # as kill -9: no cleanup runs, the kernel drops the locks
"""


def test_stale_partials_are_only_what_a_killed_writer_recorded(tmp_path):
    """After a kill, the next run removes the temporaries the killed one made (recorded in the lock file), and
    never a user's file with exactly such a name."""
    target = write_clip(tmp_path / "frames", gradient_frames(1), 10)
    sound = write_clip(tmp_path / "sound.mp4", gradient_frames(2), 10)
    mine = [tmp_path / ".out.mp4.0123abcd.partial.mp4", tmp_path / ".out.mp4.89abcdef.video.partial.mp4",
            target / ".dreamvid-frames.0123abcd.partial"]
    for path in mine[:2]:
        path.write_bytes(b"the user's own")
    mine[2].mkdir()
    (tmp_path / ".frames.0123abcd.old").mkdir()  # an older version's copy of a replaced folder: kept
    before = set(os.listdir(tmp_path)) | {f"frames/{name}" for name in os.listdir(target)}
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITERS, str(tmp_path / "out.mp4"), f"{target}/",
                             str(sound)], capture_output=True, text=True)
    assert killed.returncode == 9, killed.stderr
    left = (set(os.listdir(tmp_path)) | {f"frames/{name}" for name in os.listdir(target)}) - before
    assert len([name for name in left if ".partial" in name]) == 3, left  # video, video+audio, staged frames
    for output in (tmp_path / "out.mp4", f"{target}/"):
        assert video_writer.remove_stale_partials(output) == []  # without the lock, nothing is proven
        with OutputLock(output):
            removed = video_writer.remove_stale_partials(output)
            assert removed and all(".partial" in path for path in removed)
    after = set(os.listdir(tmp_path)) | {f"frames/{name}" for name in os.listdir(target)}
    assert after == before
    assert all(path.read_bytes() == b"the user's own" for path in mine[:2]) and mine[2].is_dir()


def test_writer_errors_at_construction(tmp_path):
    with pytest.raises(DreamvidError, match=r"\.mp4, \.mov, \.mkv, \.webm, \.gif"):
        VideoWriter(tmp_path / "out.avi", fps=30, size=(96, 64))
    with pytest.raises(DreamvidError, match="output folder does not exist"):
        VideoWriter(tmp_path / "missing" / "out.mp4", fps=30, size=(96, 64))
    assert os.listdir(tmp_path) == []


def test_unwritable_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(video_writer.os, "access", lambda path, mode: False)  # chmod does not stop root
    with pytest.raises(DreamvidError, match="cannot write to folder"):
        VideoWriter(tmp_path / "out.mp4", fps=30, size=(96, 64))


def test_ffmpeg_failure_is_one_line_error_and_cleans_up(tmp_path, monkeypatch):
    broken = video_writer.OutputFormat(("-c:v", "libx264", "-crf", "not-a-number"), None)
    monkeypatch.setitem(video_writer.OUTPUT_FORMATS, ".mp4", broken)
    with pytest.raises(DreamvidError, match="ffmpeg failed writing .*out.mp4: ") as raised:
        write_clip(tmp_path / "out.mp4", gradient_frames(40), 30)
    assert "\n" not in str(raised.value)
    assert os.listdir(tmp_path) == []


def test_bad_frames_and_empty_output(tmp_path):
    with pytest.raises(DreamvidError, match=r"\(64, 96, 3\) uint8"):
        with VideoWriter(tmp_path / "out.mp4", fps=30, size=(96, 64)) as writer:
            writer.write(np.zeros((64, 96, 3), np.float32))
    with pytest.raises(DreamvidError, match="no frames were written"):
        with VideoWriter(tmp_path / "out.mp4", fps=30, size=(96, 64)):
            pass
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("selection, words", [
    ({"start": float("nan")}, "start must be a number of seconds, not nan"),
    ({"start": float("inf")}, "start must be a number of seconds, not inf"),
    ({"end": float("inf")}, "end must be a number of seconds, not inf"),
    ({"end": float("nan")}, "end must be a number of seconds"),
])
def test_non_finite_start_and_end_are_refused(clips, selection, words):
    with pytest.raises(DreamvidError, match=words):
        open_video(clips["thirty"], **selection)


def test_named_pipe_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "clip.mp4"
    os.mkfifo(pipe)  # nothing ever writes to it: reading it would block forever
    with pytest.raises(DreamvidError, match=r"input is not a file \(a named pipe\)"):
        open_video(pipe)


@pytest.mark.parametrize("size, selection, words", [
    ("14x14", {}, "a video frame is 14x14; dreamvid needs at least 16 px a side"),
    ("96x8", {}, "a video frame is 96x8"),
    ("96x64", {"max_side": 1}, "max side 1 would shrink 96x64 to 1x1; dreamvid needs at least 16 px a side"),
    ("96x64", {"max_side": 20}, "to 20x13"),
])
def test_frames_too_small_for_the_network_are_refused(tmp_path, size, selection, words):
    ffmpeg(*video_source(10, 0.3, size), tmp_path / "small.avi")
    with pytest.raises(DreamvidError, match=words):
        open_video(tmp_path / "small.avi", **selection)


def test_huge_image_in_a_sequence_is_refused_from_its_header(tmp_path, monkeypatch):
    monkeypatch.setattr("dreamvid.io.images.MAX_PIXELS", 20 * 20)  # a 21x20 frame stands in for a 400 MP one
    cv2.imwrite(str(tmp_path / "frame_1.png"), np.zeros((20, 21, 3), np.uint8))
    with pytest.raises(DreamvidError, match=r"image is 21x20 \(0 MP\); dreamvid reads at most 0 MP"):
        open_video(tmp_path)


def test_a_signal_while_the_writer_starts_leaves_no_temporary(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM while ffmpeg was starting left `.out.mp4.<hex>.partial.mp4` behind (no `with` yet)."""
    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(VideoWriter, "_start_encoder", interrupted)
    with pytest.raises(KeyboardInterrupt):
        VideoWriter(tmp_path / "out.mp4", fps=10, size=(64, 48), audio=AudioSource(str(tmp_path / "a.wav")))
    assert os.listdir(tmp_path) == []
