"""`python -m dreamvid` runs the command line."""

from dreamvid.cli.app import app

app(prog_name="dreamvid")
