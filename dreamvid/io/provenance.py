"""The settings that made a file travel with it: a PNG text chunk, a video's comment tag.

`settings_tags` turns a render's settings into the tags writers embed; `read_settings` reads them
back from a PNG, MP4, MOV, MKV or WebM that dreamvid wrote, so a result can be reproduced.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from typing import Any

from dreamvid.errors import DreamvidError
from dreamvid.version import __version__

KEY = "dreamvid"  # the PNG text key; in videos, the comment tag holds the same JSON


def as_plain(settings: object) -> Any:
    """Settings as plain data for JSON: dataclasses as dicts, dicts of them likewise, anything else as is."""
    if dataclasses.is_dataclass(settings):
        return dataclasses.asdict(settings)
    if isinstance(settings, dict):
        return {key: as_plain(value) for key, value in settings.items()}
    return settings


def provenance(command: str, settings: object) -> str:
    """Compact JSON: dreamvid's version, the command and its settings."""
    return json.dumps({"version": __version__, "command": command, "settings": as_plain(settings)},
                      sort_keys=True, separators=(",", ":"), default=str)


def settings_tags(command: str, settings: object) -> dict[str, str]:
    return {KEY: provenance(command, settings)}


def video_metadata(command: str, settings: object) -> dict[str, str]:
    return {"comment": provenance(command, settings)}


def read_settings(path: str | os.PathLike) -> dict:
    """The provenance a dreamvid output carries: {"version", "command", "settings"}."""
    path = os.fspath(path)
    if path.lower().endswith(".png"):
        from dreamvid.io.images import read_png_text

        text = read_png_text(path).get(KEY)
    else:
        text = _video_comment(path)
    if not text:
        raise DreamvidError(f"{path} carries no dreamvid settings")
    try:
        return json.loads(text)
    except ValueError:
        raise DreamvidError(f"{path} carries unreadable dreamvid settings") from None


def _video_comment(path: str) -> str | None:
    import imageio_ffmpeg

    from dreamvid.io.video_reader import ffmpeg_url

    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error",
                             "-i", ffmpeg_url(path), "-f", "ffmetadata", "-"], capture_output=True, text=True)
    if result.returncode != 0:
        raise DreamvidError(f"cannot read the tags of {path}")
    for line in _logical_lines(result.stdout):
        key, _, value = line.partition("=")
        if key.lower() == "comment":
            return _unescape(value)
    return None


def _logical_lines(text: str) -> list[str]:
    """ffmetadata lines, a backslash before a newline continuing the line."""
    lines, current = [], ""
    for line in text.split("\n"):
        if line.endswith("\\") and not line.endswith("\\\\"):
            current += line[:-1] + "\n"
        else:
            lines.append(current + line)
            current = ""
    return lines


def _unescape(value: str) -> str:
    out, escaped = [], False
    for character in value:
        if escaped or character != "\\":
            out.append(character)
            escaped = False
        else:
            escaped = True
    return "".join(out)
