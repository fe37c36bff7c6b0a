"""`dreamvid studio`: its options, and one line for what it cannot serve."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from conftest import cli_error
from dreamvid.cli.app import app


def test_studio_is_a_command_with_its_options():
    result = CliRunner().invoke(app, ["studio", "--help"])
    assert result.exit_code == 0
    for option in ("--port", "--host", "--no-browser", "--store", "--max-upload"):
        assert option in result.output


def test_a_missing_folder_fails_in_one_line(tmp_path):
    pytest.importorskip("fastapi")
    cli_error(["studio", tmp_path / "absent", "--no-browser"], "not a folder")


def test_a_port_in_use_fails_in_one_line(tmp_path):
    pytest.importorskip("fastapi")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        cli_error(["studio", tmp_path, "--no-browser", "--port", taken.getsockname()[1]], "cannot serve on")


@pytest.mark.parametrize("options, words", [
    (["--max-upload", "inf"], "max upload must be a positive number of MB, got inf"),
    (["--max-upload", "1e-300"], "max upload must be a positive number of MB"),
    (["--host", "999.1.1.1"], "cannot serve on 999.1.1.1"),  # one line: no warning about the network before it
])
def test_odd_studio_options_fail_in_one_line(tmp_path, options, words):
    pytest.importorskip("fastapi")
    cli_error(["studio", tmp_path, "--no-browser", *options], words)
    assert list(tmp_path.iterdir()) == []
