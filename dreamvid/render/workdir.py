"""The work directory of a long render: finished frames and the state the next frame needs.

It sits next to the output (`.NAME.dreamvid-work/`). Each finished frame is saved as a lossless PNG
(written under a temporary name, then renamed, so a frame file is always whole), then the float
state is replaced atomically, so after Ctrl-C, a crash, a kill or a full disk the directory always
describes a consistent prefix of the render, and `--resume` continues from it.

A render whose frames are made in any order (segments dreamed side by side on Ray workers) keeps
them by index instead: its state only marks the folder as such and counts the frames, every frame
file it holds is finished, and `parts/` holds the halves of overlap frames whose other half (from
the neighbouring segment) is not made yet.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.io.paths import named_output

MANIFEST = "manifest.json"
STATE = "state.npz"
ANY_ORDER = "any_order"  # the state key that marks a folder whose frames are kept by index
FRAME_NAME = re.compile(r"^(\d{6,})\.png$")


def work_dir_for(output: str | os.PathLike) -> Path:
    output = named_output(os.fspath(output).rstrip("/" + os.sep) or os.fspath(output))
    return output.with_name(f".{output.name}.dreamvid-work")


@dataclass
class WorkDir:
    path: Path

    @classmethod
    def open(cls, output: str | os.PathLike, manifest: dict, *, resume: bool) -> "WorkDir":
        """Create the directory, or with `resume` reopen one made with the same manifest."""
        work = cls(work_dir_for(output))
        if work.path.is_symlink():  # dreamvid makes a folder there, never a link: it would write elsewhere
            raise DreamvidError(f"{work.path} is a link, not dreamvid's work folder; remove the link to start over")
        if work.path.exists() and not work.has_state() and work.is_ours():
            work.remove()  # it holds no finished frame: nothing to resume, nothing to lose
        if work.path.exists():
            if not resume:
                raise DreamvidError(
                    f"an unfinished render of this output is in {work.path}: pass --resume to continue it, "
                    f"or delete that folder to start over"
                )
            stored = work.manifest()
            if stored != manifest:
                changed = sorted(key for key in set(stored) | set(manifest) if stored.get(key) != manifest.get(key))
                raise DreamvidError(
                    f"cannot resume: the unfinished render in {work.path} was made with other "
                    f"{', '.join(changed)}; use the same options or delete that folder"
                )
            return work
        try:
            (work.path / "frames").mkdir(parents=True)
            work._write_json(MANIFEST, manifest)
        except OSError as error:
            raise DreamvidError(f"cannot create {work.path}: {error.strerror}") from None
        return work

    def is_ours(self) -> bool:
        """Whether the folder holds a render's manifest (a folder of the user's that has the name, without
        one, is left alone)."""
        try:
            self.manifest()
        except DreamvidError:
            return False
        return True

    def manifest(self) -> dict:
        try:
            manifest = json.loads((self.path / MANIFEST).read_text())
        except (OSError, ValueError, RecursionError):
            manifest = None
        if not isinstance(manifest, dict):
            raise DreamvidError(f"{self.path} is not a dreamvid work folder; delete it to start over")
        return manifest

    def frame_path(self, index: int) -> Path:
        return self.path / "frames" / f"{index:06d}.png"

    def has_state(self) -> bool:
        return (self.path / STATE).exists()

    def frames_done(self) -> int:
        """How many frames the saved state covers (0 when none)."""
        return int(self.load_state()["frames_done"]) if self.has_state() else 0

    def in_any_order(self) -> bool:
        """Whether this folder keeps frames by index (made in any order) rather than a prefix."""
        return self.has_state() and ANY_ORDER in self.load_state()

    def stored_frames(self) -> set[int]:
        """The indices of the finished frames it holds: the saved prefix, or every frame file of a folder
        kept by index."""
        if not self.has_state():
            return set()
        if not self.in_any_order():
            return set(range(self.frames_done()))
        try:
            names = os.listdir(self.path / "frames")
        except OSError as error:
            raise self._damaged(f"its frames cannot be listed ({error.strerror})") from None
        return {int(match.group(1)) for match in map(FRAME_NAME.match, names) if match}

    def keep_in_any_order(self) -> set[int]:
        """Prepare to keep frames by index; returns the finished frames held. Frame files past a
        saved prefix (one a kill may have cut short, under older versions) are removed first."""
        stored = self.stored_frames()
        if self.has_state() and not self.in_any_order():
            for name in os.listdir(self.path / "frames"):
                match = FRAME_NAME.match(name)
                if match and int(match.group(1)) not in stored:
                    os.remove(self.path / "frames" / name)
        return stored

    def load_state(self) -> dict:
        """The saved state, checked: readable, with a frame count, every array numeric and every number finite.

        What the arrays must hold (their shapes) the stream that made them checks when it takes them back.
        """
        try:
            with np.load(self.path / STATE) as stored:
                state = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
            raise self._damaged(f"its state cannot be read ({error})") from None
        count = state.get("frames_done")
        if count is None or count.shape != () or count.dtype.kind not in "iu" or int(count) < 0:
            raise self._damaged("its state has no frame count")
        for key, values in state.items():
            if values.dtype.kind not in "biuf":
                raise self._damaged(f"its saved {key} is not numbers")
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                raise self._damaged(f"its saved {key} holds values that are not numbers")
        return state

    def damaged(self, why: str) -> DreamvidError:
        """The error for a work folder whose contents are not what the render left (`why` says what)."""
        return self._damaged(why)

    def _damaged(self, why: str) -> DreamvidError:
        return DreamvidError(f"the unfinished render in {self.path} is damaged: {why}; delete that folder to start over")

    def save_frame(self, index: int, rgb_uint8: np.ndarray, state: dict | None,
                   frames_done: int | None = None) -> None:
        """Save frame `index` (0-based), then the state after it; a failure leaves the old state.

        With `state` None the frame is kept by index (frames made in any order) and the state records
        only that and `frames_done`, the number of frames held.
        """
        if state is None:
            state = {ANY_ORDER: np.int8(1)}
        temporary = self.path / f".{STATE}.partial.npz"
        try:
            _write_png(self.frame_path(index), rgb_uint8)
            np.savez(temporary, frames_done=np.int64(index + 1 if frames_done is None else frames_done), **state)
            os.replace(temporary, self.path / STATE)
        except OSError as error:
            temporary.unlink(missing_ok=True)  # a full disk: what was half written goes, the old state stays
            raise DreamvidError(
                f"cannot save frame {index + 1} in {self.path}: {error.strerror or error}; "
                f"free some space and run again with --resume"
            ) from None

    def saved_frame(self, index: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """Finished frame `index`; with `size` (width, height) it must have that size."""
        if self.frame_path(index).is_symlink():  # dreamvid writes its frames, never links them to elsewhere
            raise self._damaged(f"frame {index + 1} is a link to another file")
        pixels = cv2.imread(str(self.frame_path(index)), cv2.IMREAD_COLOR)
        if pixels is None:
            raise self._damaged(f"frame {index + 1} is missing or unreadable")
        if size is not None and pixels.shape[:2] != (size[1], size[0]):
            raise self._damaged(f"frame {index + 1} is {pixels.shape[1]}x{pixels.shape[0]}, not {size[0]}x{size[1]}")
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)

    def half_path(self, index: int, side: str) -> Path:
        return self.path / "parts" / f"{index:06d}-{side}.png"

    def save_half(self, index: int, side: str, rgb_uint8: np.ndarray) -> None:
        """Keep one segment's half (`side`) of overlap frame `index` until the other half is made."""
        try:
            (self.path / "parts").mkdir(exist_ok=True)
            _write_png(self.half_path(index, side), rgb_uint8)
        except OSError as error:
            raise DreamvidError(
                f"cannot save part of frame {index + 1} in {self.path}: {error.strerror or error}; "
                f"free some space and run again with --resume"
            ) from None

    def has_half(self, index: int, side: str) -> bool:
        return self.half_path(index, side).exists()

    def saved_half(self, index: int, side: str) -> np.ndarray:
        pixels = cv2.imread(str(self.half_path(index, side)), cv2.IMREAD_COLOR)
        if pixels is None:
            raise self._damaged(f"part of frame {index + 1} is unreadable")
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)

    def remove_half(self, index: int, side: str) -> None:
        self.half_path(index, side).unlink(missing_ok=True)

    def load_json(self, name: str) -> dict | None:
        """A JSON note a render keeps beside its frames (e.g. how its clip was cut), or None."""
        try:
            data = json.loads((self.path / name).read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise self._damaged(f"its {name} cannot be read")
        return data

    def save_json(self, name: str, data: dict) -> None:
        try:
            temporary = self.path / f".{name}.partial"
            temporary.write_text(json.dumps(data, indent=2, sort_keys=True))
            os.replace(temporary, self.path / name)
        except OSError as error:
            raise DreamvidError(f"cannot write {name} in {self.path}: {error.strerror or error}") from None

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _write_json(self, name: str, data: dict) -> None:
        (self.path / name).write_text(json.dumps(data, indent=2, sort_keys=True))


def _write_png(path: Path, rgb_uint8: np.ndarray) -> None:
    """A lossless PNG written under a temporary name and renamed, so the file is whole or absent."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb_uint8, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(0, "PNG encoding failed")
    temporary = path.with_name(f".{path.stem}.partial.png")
    try:
        encoded.tofile(temporary)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
