"""The typer command line: options in, settings out, the library called, errors in one line."""

from dreamvid.cli.app import app

__all__ = ["app"]
