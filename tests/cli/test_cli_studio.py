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
