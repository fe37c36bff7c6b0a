"""Input and output path checks: pipes refused, side outputs never land on what the user owns."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dreamvid.errors import DreamvidError
from dreamvid.io.paths import (
    OutputLock,
    check_input_file,
    check_overwrite,
    check_side_output,
    folder_output_text,
    input_fingerprint,
    named_output,
    output_is_folder,
    same_file,
)


def test_named_pipe_input_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "photo.jpg"
    os.mkfifo(pipe)
    with pytest.raises(DreamvidError, match=r"input is not a file \(a named pipe\)"):
        check_input_file(pipe)


def test_device_and_folder_inputs_are_refused(tmp_path):
    with pytest.raises(DreamvidError, match=r"input is not a file \(a device\): /dev/null"):
        check_input_file("/dev/null")
    with pytest.raises(DreamvidError, match=r"input is not a file \(a folder\)"):
        check_input_file(tmp_path)


def test_symlink_to_a_file_is_an_input(tmp_path):
    (tmp_path / "real.png").write_bytes(b"x")
    (tmp_path / "link.png").symlink_to(tmp_path / "real.png")
    assert check_input_file(tmp_path / "link.png") == tmp_path / "link.png"


@pytest.mark.parametrize("text, folder", [
    ("photos/", True), ("render.v2/", True), (".", True), ("./", True), ("..", True), ("a/..", True),
    ("out.mp4", False), ("render.v2", False), ("frames", False), (".hidden", False),
])
def test_output_is_folder_reads_the_raw_spelling(text, folder):
    assert output_is_folder(text) is folder


def test_folder_output_text_keeps_the_slash():
    assert folder_output_text(".") == "." + os.sep
    assert folder_output_text("render.v2/") == "render.v2/"
    assert folder_output_text("out.mp4") == "out.mp4"


def test_named_output_gives_dot_a_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert named_output(".").name == tmp_path.name and named_output("./").name == tmp_path.name


def test_same_file_sees_through_spellings_and_links(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    assert same_file("out.mp4", "./sub/../out.mp4")  # neither exists yet
    assert same_file("out.mp4", tmp_path / "out.mp4")
    (tmp_path / "in.mp4").write_bytes(b"clip")
    (tmp_path / "alias.mp4").symlink_to("in.mp4")
    os.link(tmp_path / "in.mp4", tmp_path / "hard.mp4")
    assert same_file("alias.mp4", "in.mp4") and same_file("hard.mp4", "in.mp4")
    assert not same_file("in.mp4", "out.mp4")


@pytest.mark.parametrize("report", ["in.mp4", "./in.mp4", "alias.mp4", "sub/../out.mp4", "out.mp4"])
def test_side_output_must_not_replace_input_or_output(tmp_path, monkeypatch, report):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "in.mp4").write_bytes(b"the user's clip")
    (tmp_path / "alias.mp4").symlink_to(tmp_path / "in.mp4")
    with pytest.raises(DreamvidError, match="would replace"):
        check_side_output(report, protected=["in.mp4", tmp_path / "out.mp4"])
    assert (tmp_path / "in.mp4").read_bytes() == b"the user's clip"


def test_side_output_checks_like_a_main_output(tmp_path):
    protected = [tmp_path / "in.mp4", tmp_path / "frames"]
    (tmp_path / "frames").mkdir()
    assert check_side_output(tmp_path / "report.json", protected=protected) == tmp_path / "report.json"
    with pytest.raises(DreamvidError, match="output folder does not exist"):
        check_side_output(tmp_path / "missing" / "report.json", protected=protected)
    with pytest.raises(DreamvidError, match="output is a folder"):
        check_side_output(tmp_path / "frames", protected=[tmp_path / "in.mp4"])
    with pytest.raises(DreamvidError, match="inside the folder"):
        check_side_output(tmp_path / "frames" / "report.json", protected=protected)
    (tmp_path / "report.json").write_text("{}")
    with pytest.raises(DreamvidError, match="exists; pass --overwrite"):
        check_side_output(tmp_path / "report.json", protected=protected, overwrite=False)


def test_overwrite_policy(tmp_path):
    check_overwrite(tmp_path / "new.mp4", overwrite=False)
    (tmp_path / "old.mp4").write_bytes(b"a render the user liked")
    with pytest.raises(DreamvidError, match=r"old.mp4 exists; pass --overwrite to replace it"):
        check_overwrite(tmp_path / "old.mp4", overwrite=False)
    check_overwrite(tmp_path / "old.mp4", overwrite=True)
    (tmp_path / "empty").mkdir()
    check_overwrite(tmp_path / "empty", overwrite=False)
    (tmp_path / "empty" / "frame_000001.png").write_bytes(b"x")
    with pytest.raises(DreamvidError, match="exists"):
        check_overwrite(tmp_path / "empty", overwrite=False)
    (tmp_path / "dangling.mp4").symlink_to(tmp_path / "nowhere")
    with pytest.raises(DreamvidError, match="exists"):
        check_overwrite(tmp_path / "dangling.mp4", overwrite=False)


def test_fingerprint_changes_when_the_input_is_replaced_by_one_of_the_same_size(tmp_path):
    clip = tmp_path / "in.mp4"
    clip.write_bytes(b"A" * 5000)
    first = input_fingerprint(clip)
    assert input_fingerprint(clip) == first
    replacement = tmp_path / "other.mp4"
    replacement.write_bytes(b"B" * 5000)
    os.utime(replacement, ns=(first["mtime_ns"], first["mtime_ns"]))  # even the same time stamp
    os.replace(replacement, clip)
    again = input_fingerprint(clip)
    assert again["size"] == first["size"] and again["mtime_ns"] == first["mtime_ns"]
    assert again != first


def test_fingerprint_of_an_image_folder_and_glob(tmp_path):
    for number in range(3):
        (tmp_path / f"shot_{number}.png").write_bytes(b"x" * (number + 1))
    folder, pattern = input_fingerprint(tmp_path), input_fingerprint(tmp_path / "*.png")
    assert folder["count"] == pattern["count"] == 3 and folder["images"] == pattern["images"]
    (tmp_path / "shot_1.png").write_bytes(b"yy3")
    assert input_fingerprint(tmp_path) != folder


def test_output_lock_refuses_a_second_writer(tmp_path):
    output = tmp_path / "out.mp4"
    with OutputLock(output) as lock:
        assert lock.path == tmp_path / ".out.mp4.dreamvid-lock" and lock.path.exists()
        with pytest.raises(DreamvidError, match=r"another dreamvid is writing .*out.mp4; wait"):
            with OutputLock(str(output)):
                pass
        assert OutputLock(tmp_path / "frames/").path == tmp_path / ".frames.dreamvid-lock"
    assert os.listdir(tmp_path) == []
    with OutputLock(output):  # free again
        pass


def test_output_lock_is_released_when_the_holder_dies(tmp_path):
    script = ("import sys, os, time\nfrom dreamvid.io.paths import OutputLock\n"
              "lock = OutputLock(sys.argv[1]).__enter__()\nprint('held', flush=True)\ntime.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "out.mp4")], stdout=subprocess.PIPE,
                              text=True, env={"PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(DreamvidError, match="another dreamvid"):
            OutputLock(tmp_path / "out.mp4").__enter__()
    finally:
        holder.kill()
        holder.wait()
    with OutputLock(tmp_path / "out.mp4"):  # kill -9 left the file, not the lock
        pass
