"""Where the studio reads and writes: FOLDER (read only) and its own folder, by generated names.

A client's file name is never a path: an upload is stored as `uploads/<random hex><suffix>`, its
suffix taken from the name only when it is one of the media suffixes below. Every request names a
file by such a generated name (checked against a pattern, so no `/`, `..` or other path can pass),
or FOLDER's files by a name that must be one of those FOLDER lists.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Iterable

from dreamvid.errors import DreamvidError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v", ".gif")
SCHEDULE_SUFFIXES = (".toml", ".json")  # a zoom's keyframes
AUDIO_SUFFIXES = (".mp3", ".wav", ".flac", ".ogg", ".m4a", ".aac", ".opus")  # a zoom's soundtrack
AREAS = ("uploads", "previews", "renders", "thumbs")
STORED = re.compile(r"^[0-9a-f]{32}(?:-[a-z0-9]{1,16})?\.[a-z0-9]{2,5}$")
MEGABYTE = 1 << 20


def media_kind(name: str) -> str:
    """"image", "video", "schedule" or "audio" by the suffix, or DreamvidError naming the suffixes the
    studio takes."""
    suffix = suffix_of(name)
    for kind, suffixes in (("image", IMAGE_SUFFIXES), ("video", VIDEO_SUFFIXES), ("schedule", SCHEDULE_SUFFIXES),
                           ("audio", AUDIO_SUFFIXES)):
        if suffix in suffixes:
            return kind
    raise DreamvidError(f"{display_name(name)!r} is neither an image nor a video: use "
                        f"{', '.join(IMAGE_SUFFIXES + VIDEO_SUFFIXES)}")


def suffix_of(name: str) -> str:
    """The suffix of a file name's last part, lower case (".jpg"), or "" when it has none."""
    last = re.split(r"[\\/]", name)[-1]
    return "." + last.rpartition(".")[2].lower() if "." in last else ""


def display_name(name: str) -> str:
    """A client's file name as shown in messages: its last part, printable characters only, short."""
    last = re.split(r"[\\/]", name)[-1]
    return "".join(character for character in last if character.isprintable())[:80] or "the file"


class Store:
    """The studio's own folder (`root`) and the folder it may read media from (`folder`)."""

    def __init__(self, root: str | os.PathLike, folder: str | os.PathLike | None = None,
                 max_upload_mb: float = 500) -> None:
        self.root = Path(root).resolve()
        self.folder = Path(folder).resolve() if folder is not None else None
        self.max_upload = int(max_upload_mb * MEGABYTE)
        for area in AREAS:
            (self.root / area).mkdir(parents=True, exist_ok=True)

    def new_name(self, suffix: str, tag: str = "") -> str:
        suffix = suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{2,5}", suffix):
            raise DreamvidError(f"not a file suffix: {suffix!r}")
        return secrets.token_hex(16) + (f"-{tag}" if tag else "") + suffix

    def path(self, area: str, name: str) -> Path:
        """The file `name` of one of the studio's areas; any other name is refused."""
        if area not in AREAS or not STORED.fullmatch(name):
            raise DreamvidError(f"no such studio file: {display_name(name)!r}")
        return self.root / area / name

    def new_path(self, area: str, suffix: str, tag: str = "") -> Path:
        return self.path(area, self.new_name(suffix, tag))

    def save_upload(self, client_name: str, chunks: Iterable[bytes]) -> Path:
        """Store an upload's bytes under a generated name (see UploadWriter)."""
        writer = UploadWriter(self, client_name)
        try:
            for chunk in chunks:
                writer.write(chunk)
            return writer.finish()
        finally:
            writer.abort()

    def folder_files(self) -> list[str]:
        """FOLDER's images, videos, schedules and sound files (its own files only, not its subfolders nor the studio's folder)."""
        if self.folder is None or not self.folder.is_dir():
            return []
        names = []
        for entry in sorted(os.scandir(self.folder), key=lambda entry: entry.name.lower()):
            if entry.is_file() and not entry.name.startswith("."):
                try:
                    media_kind(entry.name)
                except DreamvidError:
                    continue
                names.append(entry.name)
        return names

    def folder_path(self, name: str) -> Path:
        """A file of FOLDER by its exact listed name; nothing else is read."""
        if name not in self.folder_files():
            raise DreamvidError(f"no such file in the folder: {display_name(name)!r}")
        return self.folder / name

    def source(self, reference: str) -> Path:
        """An input named as the page names it: `upload:NAME` (a stored upload) or `folder:NAME`."""
        kind, _, name = reference.partition(":")
        if kind == "upload":
            path = self.path("uploads", name)
        elif kind == "folder":
            path = self.folder_path(name)
        else:
            raise DreamvidError("choose an input first: upload an image or a clip, or pick one from the folder")
        if not path.is_file():
            raise DreamvidError(f"the input {display_name(name)!r} is gone; upload it again")
        return path


class UploadWriter:
    """One upload written under a generated name in `uploads/`, its suffix from the client's name
    (a media suffix, else refused before a byte is kept); over the size limit it is refused and
    nothing is kept. The file appears under its name only when whole (`finish`)."""

    def __init__(self, store: Store, client_name: str) -> None:
        suffix = suffix_of(client_name)
        media_kind(client_name)
        self.client_name = client_name
        self.limit = store.max_upload
        self.target = store.new_path("uploads", suffix)
        self.partial = self.target.with_name(f".{self.target.name}.partial")
        self.size = 0
        self._file: BinaryIO | None = open(self.partial, "xb")

    def check_size(self, size: int) -> None:
        if size > self.limit:
            raise DreamvidError(f"{display_name(self.client_name)!r} is larger than the upload limit of "
                                f"{self.limit / MEGABYTE:g} MB")

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.check_size(self.size)
        self._file.write(chunk)

    def finish(self) -> Path:
        self._file.close()
        if self.size == 0:
            raise DreamvidError(f"{display_name(self.client_name)!r} is empty")
        os.replace(self.partial, self.target)
        return self.target

    def abort(self) -> None:
        """Close and remove the partial file (nothing once `finish` renamed it)."""
        if not self._file.closed:
            self._file.close()
        self.partial.unlink(missing_ok=True)
