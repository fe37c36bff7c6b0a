"""Input and output paths: checked before any work starts, written under a temporary name, renamed when done.

What a user owns is never lost: an input must be a regular file (a named pipe or a device would hang the
reader), side outputs (a report, saved octaves) may not land on the input or the main output under any
spelling, and an existing output is replaced only when the caller allows it (`check_overwrite`).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import os
import secrets
import shutil
import stat
import threading
from collections.abc import Iterable
from pathlib import Path

from dreamvid.errors import DreamvidError


def check_input_file(path: str | os.PathLike) -> Path:
    """A readable, non-empty regular file (symlinks are followed); DreamvidError otherwise."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DreamvidError(f"input not found: {path}") from None
    except OSError as error:
        raise DreamvidError(f"cannot open input {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise DreamvidError(f"input is not a file ({_file_kind(mode)}): {path}")
    if path.stat().st_size == 0:
        raise DreamvidError(f"input is empty: {path}")
    if not os.access(path, os.R_OK):
        raise DreamvidError(f"input is not readable: {path}")
    return path


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a plain file"


def check_regular_if_exists(path: str | os.PathLike) -> None:
    """Refuse a named pipe, device or socket before a reader (ffmpeg) blocks on it; other paths pass."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise DreamvidError(f"input is not a file ({_file_kind(mode)}): {os.fspath(path)}")


def output_is_folder(text: str) -> bool:
    """Whether the output as the user typed it names a folder: a trailing slash, `.` or `..`.

    Call it on the raw string: `pathlib.Path` (and so typer's Path options) drops the trailing slash, so
    `-o render.v2/` would otherwise read as a file with the extension `.v2`.
    """
    text = os.fspath(text)
    if text.endswith(("/", os.sep)) or (os.altsep is not None and text.endswith(os.altsep)):
        return True
    return os.path.basename(text) in (".", "..")


def folder_output_text(text: str) -> str:
    """The output with a trailing separator when `output_is_folder` says it names a folder.

    `-o .` becomes `./`, `-o ./` and `-o render.v2/` stay as they are: writers then treat them as folders
    whatever their name looks like. Other outputs are returned unchanged.
    """
    text = os.fspath(text)
    if output_is_folder(text) and not text.endswith(("/", os.sep)):
        return text + os.sep
    return text


def named_output(path: str | os.PathLike) -> Path:
    """An absolute output path whose last part is a real name (`.`, `./` and `..` are resolved).

    Sibling names such as a work folder `.NAME.dreamvid-work` need a name to build on; `Path('.').name` is ''.
    """
    return Path(os.path.abspath(os.fspath(path)))


def check_output_folder(path: str | os.PathLike) -> Path:
    """The folder an output goes into must exist and be writable; returns the output path."""
    path = Path(os.fspath(path).rstrip("/" + os.sep) or os.fspath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        if os.path.lexists(folder) and not os.path.isdir(folder):
            raise DreamvidError(f"{folder} is a file, not a folder, so {path} cannot be written")
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


SYSTEM_FILES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})  # made by file browsers; left alone


def check_overwrite(path: str | os.PathLike, overwrite: bool) -> None:
    """Refuse to replace an existing output unless `overwrite` (the CLI's `--overwrite`), and a named pipe,
    device or socket by the output's name always.

    An empty folder (or one holding only system files such as .DS_Store) is not an output yet, so it
    passes. What counts is what is on disk now; a resumed render whose output does not exist yet passes too.
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        # a named pipe, a device or a socket is never replaced, --overwrite or not (`-o /dev/null` as root)
        raise DreamvidError(f"{_shown(path)} is {_file_kind(mode)}, not a file; dreamvid replaces only files")
    if overwrite or not (path.exists() or path.is_symlink()):
        return
    if path.is_dir() and all(entry.name in SYSTEM_FILES for entry in path.iterdir()):
        return
    raise DreamvidError(f"{_shown(path)} exists; pass --overwrite to replace it")


def _shown(path: str | os.PathLike) -> str:
    """A path as a message shows it: `.` and `..` (an empty output, the current folder) get their full name."""
    text = os.fspath(path)
    if text in ("", ".", "..") or os.path.basename(text.rstrip("/" + os.sep)) in (".", ".."):
        return os.path.abspath(text or ".")
    return text


def same_file(first: str | os.PathLike, second: str | os.PathLike) -> bool:
    """Whether two spellings name one file: resolved paths (symlinks, `..`, relative) or one inode.

    Works when neither exists yet: `out.mp4` and `./sub/../out.mp4` are the same output to be.
    """
    if _resolved(first) == _resolved(second):
        return True
    try:
        return os.path.samefile(first, second)  # hard links
    except OSError:
        return False


def _resolved(path: str | os.PathLike) -> Path:
    # os.path.realpath, not Path.resolve: it ends a symlink loop where it finds one instead of raising
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def input_files(source: str | os.PathLike) -> list[str]:
    """The files an input stands for: a glob pattern's matches, else the path itself (a file or a folder)."""
    text = os.fspath(source)
    if not os.path.lexists(text) and glob.has_magic(text):
        return sorted(glob.glob(text))
    return [text]


def check_not_an_input(output: str | os.PathLike, inputs: Iterable[str | os.PathLike | None]) -> None:
    """Refuse an output that is an input (the main one, a style image, a schedule, weights: any spelling,
    a glob pattern's matches included) or, when the output is a folder, one that holds an input.

    `--overwrite` does not lift this: what dreamvid reads is never what it writes.
    """
    target = _resolved(output)
    folder_output = output_is_folder(os.fspath(output)) or os.path.isdir(target)
    for source in inputs:
        if source is None or not os.fspath(source):
            continue
        for path in input_files(source):
            if same_file(output, path):
                raise DreamvidError(f"the output must not be an input: {os.fspath(output)} is {path}")
            if folder_output and target in _resolved(path).parents:
                raise DreamvidError(f"the output folder {os.fspath(output)} holds the input {path}; "
                                    "choose another folder")


def check_side_output(path: str | os.PathLike, *, protected: list[str | os.PathLike],
                      overwrite: bool = True) -> Path:
    """A report, a saved octave or any other extra file: the same checks as a main output.

    Its folder must exist and be writable, it must not be a folder, and it must not be (or, for a folder
    output among `protected`, lie inside) the input, the main output or any other protected path, however
    it is spelled. With `overwrite=False` an existing file is refused as well.
    """
    path = check_output_dir(path)
    target = _resolved(path)
    for other in (entry for source in protected if source is not None for entry in input_files(source)):
        if same_file(path, other):
            raise DreamvidError(f"{path} would replace {os.fspath(other)}; choose another name")
        other_resolved = _resolved(other)
        if os.path.isdir(other_resolved) and other_resolved in target.parents:
            raise DreamvidError(f"{path} would be inside the folder {os.fspath(other)}; choose another place")
    check_overwrite(path, overwrite)
    return path


def check_outputs(source: str | os.PathLike, output: str | os.PathLike, report: str | os.PathLike | None,
                  overwrite: bool, inputs: Iterable[str | os.PathLike] = ()) -> str:
    """The output as the writers read it (`-o .` and `-o name/` are folders), and the report checked
    before any work: it may replace neither the input, nor any of the other `inputs` (style images,
    weights, a schedule, a soundtrack), nor the output, nor (without overwrite) a file.
    The output itself is checked by the renderer, also before any work."""
    if not os.fspath(output):
        raise DreamvidError("the output is empty: name a file, or a folder ending in /")
    output = folder_output_text(os.fspath(output))
    if report is not None:
        check_side_output(report, protected=[source, output, *inputs], overwrite=overwrite)
    return output


def temporary_sibling(path: str | os.PathLike) -> Path:
    """A new, empty hidden file beside `path` that keeps its extension (writers pick the format from it):
    `.NAME.<8 hex>.partial.EXT`, created exclusively, so it is never a file someone else owns.

    The caller renames it into place or removes it with `discard_temporary`. While this process holds the
    output's lock, the temporary is recorded in the lock file, so a run after a kill removes it
    (`remove_left_behind`) and nothing else.
    """
    path = Path(path)
    while True:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial{path.suffix}")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        record_temporary(path, temporary)
        return temporary


def record_temporary(output: str | os.PathLike, temporary: str | os.PathLike) -> None:
    """Note in `output`'s lock file (when this process holds it) a temporary just made for it."""
    lock = OutputLock.held_for(output)
    if lock is not None:
        lock.record(temporary)


def discard_temporary(output: str | os.PathLike, temporary: str | os.PathLike) -> None:
    """Remove a temporary made for `output` (a file or a folder; nothing if it was renamed into place) and
    its record."""
    temporary = os.fspath(temporary)
    if os.path.isdir(temporary) and not os.path.islink(temporary):
        shutil.rmtree(temporary, ignore_errors=True)
    elif os.path.lexists(temporary):
        os.remove(temporary)
    lock = OutputLock.held_for(output)
    if lock is not None:
        lock.forget(temporary)


def remove_left_behind(output: str | os.PathLike) -> list[str]:
    """Remove the temporaries an earlier run of `output` made and could not remove (it was killed): those
    its lock file records, each still the very file recorded (same inode). Call it holding the lock.

    A file that only looks like a temporary (a user's `.out.mp4.0123abcd.partial.mp4`) is never touched;
    the records prove what dreamvid made. Returns the removed paths.
    """
    lock = OutputLock.held_for(output)
    return [] if lock is None else lock.remove_left_behind()


FINGERPRINT_BYTES = 1 << 20  # the hash covers the first MiB: the header and the first frames of a video


def input_fingerprint(source: str | os.PathLike) -> dict:
    """What identifies an input for resuming: size, modification time and a hash of its start.

    For a folder or glob of images: every image's name, size and modification time. Two fingerprints differ
    when the input was replaced, even by another clip of the same size. JSON-ready.

    Hidden files in a folder (dreamvid's own lock, partial files and work folder when the output is
    written inside the input folder, a file browser's notes) are not part of the input.
    """
    text = os.fspath(source)
    if os.path.isdir(text) or (not os.path.exists(text) and glob.has_magic(text)):
        names = sorted(os.listdir(text)) if os.path.isdir(text) else sorted(glob.glob(text))
        files = [os.path.join(text, name) if os.path.isdir(text) else name for name in names]
        listing = [[os.path.basename(name), os.stat(name).st_size, os.stat(name).st_mtime_ns]
                   for name in files if os.path.isfile(name) and not os.path.basename(name).startswith(".")]
        return {"images": hashlib.sha256(repr(listing).encode()).hexdigest(), "count": len(listing)}
    status = os.stat(text)
    with open(text, "rb") as file:
        start = hashlib.sha256(file.read(FINGERPRINT_BYTES)).hexdigest()
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "start_sha256": start}


LOCK_MARK = b"dreamvid output lock\n"  # what a lock file starts with: a file by that name without it is not ours
LOCK_BYTES = 1 << 20  # a lock file is the mark and a few records; a bigger one is not ours


class OutputLock:
    """Only one dreamvid writes (or resumes) one output at a time: `with OutputLock(output):`.

    An exclusive, non-blocking `flock` on a hidden `.NAME.dreamvid-lock` beside the output; a second run
    gets DreamvidError at once instead of interleaving frames with the first. The lock file is removed on
    release; the kernel drops the lock if the process dies (kill -9 included), so no stale lock blocks.
    A file of that name that is not a dreamvid lock (it does not start with LOCK_MARK) is left alone and
    refused.

    The lock file also records every temporary made for the output while it is held (one JSON line each:
    its inode and its path relative to the lock's folder). A run killed before it could clean up leaves the
    lock file with its records; the next holder removes exactly those files (`remove_left_behind`).

    Take it before checking whether the output exists (`claim_output` in the renderer does), so the check
    and the claim are one step: a second run waits for nothing and replaces nothing.
    """

    _held: dict[str, "OutputLock"] = {}  # lock path -> the lock this process holds
    _guard = threading.Lock()

    def __init__(self, output: str | os.PathLike) -> None:
        self.path = _lock_path(output)
        self._file = None
        self._records: list[tuple[int, str]] = []  # (inode, path relative to the lock's folder)
        self._left: list[tuple[int, str]] = []  # a killed run's records, read on taking the lock

    @classmethod
    def held_for(cls, output: str | os.PathLike) -> "OutputLock | None":
        """The lock on `output` this process holds, or None."""
        return cls._held.get(os.fspath(_lock_path(output)))

    def __enter__(self) -> "OutputLock":
        while True:
            try:
                file = open(self.path, "a+b")
            except OSError as error:
                raise DreamvidError(f"cannot create {self.path}: {error.strerror or error}") from None
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                file.close()
                output = self.path.with_name(self.path.name[1:].removesuffix(".dreamvid-lock"))
                raise DreamvidError(f"another dreamvid is writing {output}; wait for it to finish or stop it") from None
            try:
                same = os.fstat(file.fileno()).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # a file the previous holder unlinked after we opened it
                file.close()
                continue
            file.seek(0)
            held = file.read(LOCK_BYTES + 1)
            if held and (not held.startswith(LOCK_MARK) or len(held) > LOCK_BYTES):
                fcntl.flock(file, fcntl.LOCK_UN)
                file.close()
                raise DreamvidError(f"{self.path} is in the way of dreamvid's lock and is not one; "
                                    "rename it or choose another output")
            self._file = file
            self._left = _records(held[len(LOCK_MARK):])
            self._records = list(self._left)
            if not held:
                self._save()
            with self._guard:
                self._held[os.fspath(self.path)] = self
            return self

    def record(self, temporary: str | os.PathLike) -> None:
        """Note a temporary just made for the output (it must exist)."""
        with self._guard:
            if self._file is None:
                return
            self._records.append((os.lstat(temporary).st_ino, self._relative(temporary)))
            self._save()

    def forget(self, temporary: str | os.PathLike) -> None:
        """Drop the record of a temporary that was removed or renamed into place."""
        with self._guard:
            if self._file is None:
                return
            relative = self._relative(temporary)
            self._records = [record for record in self._records if record[1] != relative]
            self._save()

    def remove_left_behind(self) -> list[str]:
        """Remove the recorded temporaries of a killed run that are still the files recorded."""
        removed = []
        for inode, relative in self._left:
            path = os.path.join(self.path.parent, relative)
            try:
                if os.lstat(path).st_ino != inode:
                    continue  # not the file dreamvid made: someone's since
            except OSError:
                continue
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(path)
            removed.append(path)
        self._left = []
        with self._guard:
            self._records = [record for record in self._records
                             if os.path.lexists(os.path.join(self.path.parent, record[1]))]
            self._save()
        return removed

    def _relative(self, temporary: str | os.PathLike) -> str:
        return os.path.relpath(os.path.abspath(os.fspath(temporary)), self.path.parent)

    def _save(self) -> None:
        """Rewrite the lock file: the mark, then the records (a kill halfway loses records, never adds one)."""
        lines = b"".join(json.dumps(list(record)).encode() + b"\n" for record in self._records)
        with contextlib.suppress(OSError):  # a full disk: the records are a convenience, the lock holds
            self._file.seek(0)
            self._file.truncate()
            self._file.write(LOCK_MARK + lines)
            self._file.flush()

    def __exit__(self, *exception_info: object) -> None:
        if self._file is None:
            return
        with self._guard:
            self._held.pop(os.fspath(self.path), None)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        fcntl.flock(self._file, fcntl.LOCK_UN)
        self._file.close()
        self._file = None


def _lock_path(output: str | os.PathLike) -> Path:
    """`.NAME.dreamvid-lock` beside the output, its folder spelled without symlinks (one lock per output)."""
    target = named_output(os.fspath(output).rstrip("/" + os.sep) or os.fspath(output))
    return Path(os.path.realpath(target.parent)) / f".{target.name}.dreamvid-lock"


def _records(text: bytes) -> list[tuple[int, str]]:
    """The records of a lock file after its mark; a damaged line is skipped (its file is then left alone)."""
    records = []
    for line in text.splitlines():
        try:
            inode, relative = json.loads(line)
        except (ValueError, TypeError):
            continue
        if isinstance(inode, int) and isinstance(relative, str) and not os.path.isabs(relative) \
                and ".." not in Path(relative).parts and ".partial" in os.path.basename(relative):
            records.append((inode, relative))
    return records
