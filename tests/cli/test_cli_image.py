"""`dreamvid image`, `models` and `layers` through typer's CliRunner, bad inputs included."""

import os

import cv2
import numpy as np
import pytest
from conftest import cli_error, textured_image
from typer.testing import CliRunner

from dreamvid.cli.app import app

runner = CliRunner()
FAST = ["--octaves", "2", "--steps", "2", "--max-side", "96", "-q"]


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.png"
    cv2.imwrite(str(path), textured_image(80, 96).astype(np.uint8))
    return path


def test_image_dreams_and_writes(photo, tmp_path):
    out = tmp_path / "out.jpg"
    result = run("image", photo, "-o", out, *FAST, "--save-octaves")
    assert result.exit_code == 0, result.output
    written = cv2.imread(str(out))
    assert written.shape == (80, 96, 3)
    assert np.abs(written.astype(float) - cv2.imread(str(photo)).astype(float)).mean() > 1.0
    assert (tmp_path / "out.octave1.jpg").exists() and (tmp_path / "out.octave2.jpg").exists()
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]


def test_image_keeps_alpha_and_reads_16_bit_grey(tmp_path):
    source = tmp_path / "grey16.png"
    grey = (textured_image(64, 64)[..., 0] * 257).astype(np.uint16)
    cv2.imwrite(str(source), grey)
    out = tmp_path / "out.webp"
    assert run("image", source, "-o", out, *FAST).exit_code == 0
    assert cv2.imread(str(out)).shape == (64, 64, 3)
    rgba = tmp_path / "rgba.png"
    cv2.imwrite(str(rgba), np.dstack([textured_image(64, 64), np.full((64, 64), 128.0)]).astype(np.uint8))
    out_png = tmp_path / "out.png"
    assert run("image", rgba, "-o", out_png, *FAST).exit_code == 0
    written = cv2.imread(str(out_png), cv2.IMREAD_UNCHANGED)
    assert written.shape == (64, 64, 4) and (written[..., 3] == 128).all()


def test_seed_reproduces_the_file(photo, tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    run("image", photo, "-o", first, *FAST, "--seed", "3")
    run("image", photo, "-o", second, *FAST, "--seed", "3")
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "args, words",
    [
        (["--model", "alexnet"], "unknown model 'alexnet'"),
        (["--layer", "block9_conv9"], "unknown layer 'block9_conv9'; dreamable layers: block1_conv1"),
        (["--layer", "block5_conv3:512"], "channel 512 is out of range"),
        (["--layer", "block5 conv3"], "cannot read layer"),
        (["--octaves", "0"], "octaves must be positive"),
        (["--steps", "0"], "steps must be positive"),
        (["--octave-scale", "0.5"], "octave scale must be above 1"),
        (["--step-size", "-1"], "step size must be positive"),
        (["--weights", "/nonexistent/w.h5"], "weights file not found"),
    ],
)
def test_bad_options(photo, tmp_path, args, words):
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    cli_error(["image", photo, "-o", out, *FAST, *args], words)
    assert out.read_bytes() == b"keep me"


def test_bad_inputs(tmp_path):
    out = tmp_path / "out.png"
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    empty = tmp_path / "empty.jpg"
    empty.touch()
    cli_error(["image", tmp_path / "missing.jpg", "-o", out], "input not found")
    cli_error(["image", text, "-o", out], "cannot read")
    cli_error(["image", empty, "-o", out], "input is empty")
    cli_error(["image", tmp_path, "-o", out], "input is not a file")
    assert not out.exists()


def test_bad_outputs(photo, tmp_path):
    cli_error(["image", photo, "-o", tmp_path / "nowhere" / "out.png"], "output folder does not exist")
    cli_error(["image", photo, "-o", tmp_path / "out.bmpx"], "cannot write .bmpx")
    if not os.access("/sys", os.W_OK):
        cli_error(["image", photo, "-o", "/sys/out.png"], "output folder is not writable")


def test_models_lists_availability():
    result = run("models")
    assert result.exit_code == 0
    assert "vgg16" in result.output and "available" in result.output and "inception_v3" in result.output


def test_layers_lists_shapes():
    result = run("layers", "--model", "vgg16")
    assert result.exit_code == 0
    assert "block5_conv3" in result.output and "(14, 14, 512)" in result.output


def test_help_and_version():
    assert run("--version").output.startswith("dreamvid ")
    assert "image" in run("--help").output


def test_output_must_not_be_the_input(photo):
    before = photo.read_bytes()
    cli_error(["image", photo, "-o", photo, *FAST], "must not be the input")
    assert photo.read_bytes() == before


@pytest.mark.parametrize("args, words", [
    (["image", "x.png", "-o", "y.png", "--steps", "abc"], "Invalid value for '--steps'"),
    (["image", "x.png", "-o", "y.png", "--step", "3"], "--steps"),  # the suggestion is kept
    (["imag", "x.png"], "Did you mean 'image'?"),
    (["video", "-o", "y.mp4"], "Missing argument"),
    (["zoom", "x.png", "-o", "y.mp4", "--loss"], "'--loss' requires an argument"),
])
def test_usage_errors_are_one_line_with_exit_code_2(args, words):
    result = run(*args)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.output
    assert lines[0].startswith("dreamvid: error: ") and words in lines[0]


def test_usage_error_from_the_installed_command_line():
    """Through `python -m dreamvid`, as a shell runs it: one line on stderr, nothing on stdout, exit 2."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "dreamvid", "image", "x.png", "-o", "y.png", "--steps", "abc"],
                            check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Invalid value for '--steps'" in result.stderr
    assert "dreamvid image --help" in result.stderr


def test_help_keeps_its_panels():
    result = run("video", "--help")
    assert result.exit_code == 0
    assert all(panel in result.output for panel in ("Input and output", "Dream", "Coherence", "Render"))
    bare = run()
    assert bare.exit_code == 2 and "Usage:" in bare.output and "image" in bare.output
