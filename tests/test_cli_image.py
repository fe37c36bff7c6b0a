"""`dreamvid image`, `models` and `layers` through typer's CliRunner, bad inputs included."""

import os

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import cli_error, textured_image
from dreamvid.cli import app

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
