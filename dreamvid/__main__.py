"""`python -m dreamvid` runs the command line."""

from dreamvid.cli import app

app(prog_name="dreamvid")
