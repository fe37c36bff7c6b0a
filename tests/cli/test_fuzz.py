"""Property-based fuzz of the command line (issue 22): generated values for every numeric option and
generated names for every path option of `image`, `video`, `zoom`, `audio` and `layers`, on the tiny
model. Whatever comes in: no traceback, no hang, a clean exit or one line `dreamvid: error: ...`, and
nothing of the user's changed. Bounded (examples and seconds) so the suite stays fast.

Values that are valid and only ask for a long render (`--steps 10**9`, `--frames 10**6`) are not a fault,
so the options that set how much work there is get values that are either invalid or small. Ray's options
are left out: a valid one starts a Ray runtime (tests/render/test_ray.py covers them).
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import signal
import subprocess
import tempfile
import types
import typing
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest
from conftest import TINY_SPEC, textured_image
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from dreamvid.cli.app import app

TINY = ["--model", "tiny", "--max-side", "64", "--steps", "1", "--octaves", "1", "--tile-size", "64", "-q"]
SECONDS_PER_RUN = 120  # a run still going after this is a hang (a tiny run takes seconds; a loaded machine, more)
RAY_OPTIONS = {"--workers", "--ray", "--segment-frames"}
# How much work a render is: valid values past a few are long renders, not faults; they get small ones.
WORK = {"--steps": 3, "--octaves": 3, "--style-steps": 3, "--frames": 3, "--steps-next": 2, "--octaves-next": 2,
        "--loop-frames": 2, "--width": 400, "--size": 256, "--seconds": 0.2, "--fps": 60}
NUMERIC_TEXT = {"--zoom", "--pan", "--center", "--layer"}  # text options that carry numbers
PATHS = {"source", "--output", "--report", "--style", "--schedule", "--weights", "--audio", "--json"}


class Hung(Exception):
    """A run took longer than SECONDS_PER_RUN."""


def _flag(parameter) -> str:
    """The option's long flag (or `source` for the argument), from its declaration or its name."""
    info = next((extra for extra in typing.get_args(parameter.annotation)[1:] if hasattr(extra, "param_decls")), None)
    names = (*(getattr(info, "param_decls", None) or ()), getattr(info, "default", None))  # typer keeps the
    declared = [name for name in names if isinstance(name, str) and name.startswith("--")]  # first as default
    if parameter.name == "source" or (info is not None and not hasattr(info, "param_decls")):
        return parameter.name
    return declared[0] if declared else "--" + parameter.name.replace("_", "-")


def _base_type(annotation):
    """int, float, str, Path or bool behind Annotated[...], Optional[...] and list[...]."""
    while typing.get_origin(annotation) in (typing.Annotated, typing.Union, types.UnionType, list):
        annotation = next(argument for argument in typing.get_args(annotation) if argument is not type(None))
    return annotation


def _options():
    """{command: [(option, kind)]}, read from the commands' signatures: 'number' or 'path'."""
    callbacks = {command.name or command.callback.__name__: command.callback for command in app.registered_commands}
    found = {}
    for name in ("image", "video", "zoom", "audio", "layers"):
        options = []
        for parameter in inspect.signature(callbacks[name], eval_str=True).parameters.values():
            flag, kind = _flag(parameter), _base_type(parameter.annotation)
            if flag in RAY_OPTIONS or kind is bool:
                continue
            if kind in (int, float) or flag in NUMERIC_TEXT:
                options.append((flag, "number"))
            elif flag in PATHS:
                options.append((flag, "path"))
        found[name] = options
    return found


OPTIONS = _options()

special_numbers = st.sampled_from([
    "0", "-0", "-1", "1", "2", "nan", "-nan", "inf", "-inf", "1e308", "-1e308", "1e-300", "-1e-300", "1e400",
    "9" * 30, "-" + "9" * 30, "9" * 5000, "1.2.3", ".", "", " ", "0x10", "1e", "1_0", "+", "--", "1,2", "1,2,3",
    "nan,nan", "inf,0", "1e308,1e308", "0.5,0.5", "1.02/frame", "1e20/frame", "0/s", "-1/frame", "2/minute",
    "1.25/s", "conv_b=1.2.3", "conv_b=.", "conv_b=inf", "conv_b:99999999999999999999", "conv_b:-1", "conv_b=1e308",
    "1_000", "1__0", "_1", "-0.0", "+0", "0e0", "1e-400", "conv_b=1_0", "conv_b:1__0", "conv_b=-0", "conv_b=1e-400",
    "1_0.0/s", "-0/frame", "0.5,-0",
])
numbers = st.one_of(
    special_numbers,
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


def within_work(option: str, text: str) -> str:
    """A valid value for an option that sets the amount of work stays small (see WORK)."""
    if option not in WORK:
        return text
    try:
        value = float(text)
    except ValueError:
        return text
    return text if not (WORK[option] < value < 2**63) else str(WORK[option])


@contextlib.contextmanager
def sandbox():
    """A folder of the user's files (an image, a clip, a style image, a schedule, a sound, odd things),
    entered as the working folder; the tiny model registered under the name `tiny`."""
    from dreamvid.dream import models

    before = os.getcwd()
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="fz") as folder:
        root = Path(folder)
        cv2.imwrite(str(root / "photo.png"), textured_image(40, 48).astype(np.uint8))
        cv2.imwrite(str(root / "style.jpg"), textured_image(40, 40, seed=3).astype(np.uint8))
        (root / "clip").mkdir()
        for index in range(3):
            cv2.imwrite(str(root / "clip" / f"f{index}.png"), textured_image(40, 48, seed=index).astype(np.uint8))
        (root / "zoom.toml").write_text("[[keyframe]]\ntime = 0\nzoom = 1.1\n")
        (root / ".out.partial.png").write_bytes(b"the user's own")
        (root / ".r.partial.json").write_bytes(b"the user's own")
        (root / "old.mp4").write_bytes(b"an older render")
        (root / "empty").mkdir()
        os.mkfifo(root / "pipe.toml")
        os.symlink(root / "loop", root / "loop")
        os.link(root / "photo.png", root / "hard.png")  # the input under another name: a hard link, a symlink
        os.symlink("photo.png", root / "soft.png")
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=duration=1",
                        str(root / "music.wav")], check=True)
        os.chdir(root)
        models.MODELS["tiny"] = TINY_SPEC
        try:
            yield root
        finally:
            models.MODELS.pop("tiny", None)
            os.chdir(before)


def snapshot(root: Path) -> dict:
    """Every file and link there is, with a hash of what it holds."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                found[path] = os.readlink(path) if path.is_symlink() else "special"
            else:
                found[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


BASES = {  # a valid tiny run of each command; a fuzzed option replaces its own value
    "image": ["image", "photo.png", "-o", "out.png", *TINY],
    "video": ["video", "clip", "-o", "out.mp4", *TINY],
    "zoom": ["zoom", "photo.png", "-o", "zoom.gif", "--frames", "2", *TINY],
    "audio": ["audio", "music.wav", "-o", "plot.png"],
    "layers": ["layers", "--model", "tiny"],
}


def with_option(base: list[str], option: str, value: str) -> list[str]:
    arguments = list(base)
    option = "-o" if option == "--output" else option
    if option == "source":
        arguments[1] = value
    elif option in arguments:
        arguments[arguments.index(option) + 1] = value
    else:
        arguments += [option, value]
    return arguments


def _hung(signal_number, frame):
    raise Hung(f"still running after {SECONDS_PER_RUN} s")


def check_run(root: Path, arguments: list[str]) -> None:
    """Run the CLI: a clean exit or one error line, no traceback, in time; nothing of the user's changed."""
    before = snapshot(root)
    previous = signal.signal(signal.SIGALRM, _hung)
    signal.alarm(SECONDS_PER_RUN)
    try:
        result = CliRunner().invoke(app, arguments)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    shown = " ".join(repr(argument) for argument in arguments)
    assert result.exception is None or isinstance(result.exception, SystemExit), (shown, repr(result.exception))
    assert "Traceback" not in result.output, (shown, result.output)
    if result.exit_code != 0:
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("dreamvid: error: "), (shown, result.output)
    after = snapshot(root)
    changed = [str(path) for path, content in before.items() if after.get(path) != content]
    assert not changed, (shown, changed, result.output)


numeric_cases = st.sampled_from([(command, option) for command, options in OPTIONS.items()
                                 for option, kind in options if kind == "number"])


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=numeric_cases, value=numbers)
def test_numbers_in_every_numeric_option(case, value):
    command, option = case
    with sandbox() as root:
        check_run(root, with_option(BASES[command], option, within_work(option, value)))


names = st.one_of(
    st.sampled_from([
        "photo.png", "./photo.png", "clip/../photo.png", "style.jpg", "zoom.toml", "clip", "clip/", "clip/*.png",
        "clip/f0.png", ".out.partial.png", ".r.partial.json", "old.mp4", "empty", "empty/", "pipe.toml", "loop",
        "missing/x.png", "", ".", "..", "/", "a:b.png", "a:b.mp4", "x" * 300 + ".png", "new\nline.png", "*", "?.png",
        "~/x.png", "/dev/null", "out.png", "out.mp4", "out.gif", "out/", "r.json", "music.wav", "style.jpg=2",
        "style.jpg=inf", "photo.png/", "photo.png/x.png", ".", "-", "--", "-o",
        "hard.png", "soft.png", "clip/../hard.png", "zoom.toml/x.png", "music.wav", ".zoom.gif.dreamvid-lock",
    ]),
    st.text(alphabet="ab./:*?-~=\\ \n", max_size=12),
)
path_cases = st.sampled_from([(command, option) for command, options in OPTIONS.items()
                              for option, kind in options if kind == "path"])


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(case=path_cases, name=names)
def test_names_in_every_path_option(case, name):
    command, option = case
    with sandbox() as root:
        check_run(root, with_option(BASES[command], option, name))


def test_every_option_is_fuzzed():
    """The fuzz reads the options from the app, so a new numeric or path option is fuzzed too."""
    flags = {option for options in OPTIONS.values() for option, _ in options}
    assert {"--steps", "--octave-scale", "--fps", "--zoom", "--crf", "--size", "--style-scale"} <= flags
    assert {"source", "--output", "--report", "--style", "--schedule", "--weights", "--audio"} <= flags


@pytest.mark.parametrize("arguments", [BASES["image"], BASES["zoom"]])
def test_the_bases_are_valid_runs(arguments):
    with sandbox() as root:
        result = CliRunner().invoke(app, arguments)
        assert result.exit_code == 0, result.output
        assert (root / arguments[3]).exists()
