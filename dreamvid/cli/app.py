"""The command line: the typer app, its one-line usage errors, and the commands (one module each).

A command turns its options into the library's settings (the shared dream and style options are
defined once in options.py) and calls the library; every command runs inside one error boundary
(boundary.py), which prints a domain error in one line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own click, whose errors derive from TyperException
    from typer import TyperException as CommandLineError
except ImportError:  # older typer runs on click
    from click import ClickException as CommandLineError

from dreamvid.cli.audio import audio
from dreamvid.cli.image import image
from dreamvid.cli.models import layers, models
from dreamvid.cli.studio import studio
from dreamvid.cli.video import video
from dreamvid.cli.zoom import zoom
from dreamvid.version import __version__


class OneLineUsageErrors(TyperGroup):
    """The command group, with usage errors (a bad option value, an unknown option or command, a missing
    argument) printed as one line, typer's "did you mean" suggestions kept, and exit code 2.

    typer would draw them as a box of several lines. Help (`--help`, or no arguments) is untouched.
    """

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        arguments = list(sys.argv[1:] if args is None else args)
        if not arguments:  # no arguments: the help, with the usage error's exit code
            super().main(["--help"], prog_name, complete_var, standalone_mode=False, **extra)
            sys.exit(2)
        try:
            # Not standalone: click raises the usage error here instead of printing it; an exit (typer.Exit,
            # --help, --version) comes back as its code. The commands return None.
            code = super().main(arguments, prog_name, complete_var, standalone_mode=False, **extra)
        except CommandLineError as error:
            typer.echo(f"dreamvid: error: {usage_error_message(error)}", err=True)
            sys.exit(error.exit_code)
        except typer.Abort:
            typer.echo("dreamvid: error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def usage_error_message(error: CommandLineError) -> str:
    """Click's message on one line, with where to find help: `Invalid value for '--steps': ... (see
    'dreamvid image --help')`."""
    message = " ".join(error.format_message().split())
    context = getattr(error, "ctx", None)
    if context is not None and context.command.get_help_option(context) is not None:
        message += f" (see '{context.command_path} {context.help_option_names[0]}')"
    return message


app = typer.Typer(
    cls=OneLineUsageErrors,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Dream images, video clips and infinite zooms with DeepDream.",
)


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"dreamvid {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Dream images, video clips and infinite zooms with DeepDream."""


for command in (image, video, zoom, audio, models, layers, studio):
    app.command()(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
