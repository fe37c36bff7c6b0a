"""Output paths: checked before any work starts, written under a temporary name, renamed when done."""

from __future__ import annotations

import os
from pathlib import Path

from dreamvid.errors import DreamvidError


def check_input_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise DreamvidError(f"input not found: {path}")
    if not path.is_file():
        raise DreamvidError(f"input is not a file: {path}")
    if path.stat().st_size == 0:
        raise DreamvidError(f"input is empty: {path}")
    if not os.access(path, os.R_OK):
        raise DreamvidError(f"input is not readable: {path}")
    return path


def check_output_folder(path: str | os.PathLike) -> Path:
    """The folder an output goes into must exist and be writable; returns the output path."""
    path = Path(os.fspath(path).rstrip("/" + os.sep) or os.fspath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise DreamvidError(f"output folder does not exist: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DreamvidError(f"output folder is not writable: {folder}")
    return path


def check_output_dir(path: str | os.PathLike) -> Path:
    """A file output: its folder must exist and be writable, and it must not be a folder itself."""
    path = check_output_folder(path)
    if path.is_dir():
        raise DreamvidError(f"output is a folder, not a file: {path}")
    return path


def partial_path(path: str | os.PathLike) -> Path:
    """A hidden sibling that keeps the extension, so writers still pick the format from it."""
    path = Path(path)
    return path.with_name(f".{path.stem}.partial{path.suffix}")
