"""The work directory of a long render: finished frames and the state the next frame needs.

It sits next to the output (`.NAME.dreamvid-work/`). Each finished frame is saved as a lossless PNG,
then the float state is replaced atomically, so after Ctrl-C, a crash, a kill or a full disk the
directory always describes a consistent prefix of the render, and `--resume` continues from it.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from dreamvid.errors import DreamvidError
from dreamvid.paths import named_output

MANIFEST = "manifest.json"
STATE = "state.npz"


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
        if work.path.exists() and not work.has_state() and (work.path / MANIFEST).exists():
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

    def manifest(self) -> dict:
        try:
            return json.loads((self.path / MANIFEST).read_text())
        except (OSError, ValueError):
            raise DreamvidError(f"{self.path} is not a dreamvid work folder; delete it to start over") from None

    def frame_path(self, index: int) -> Path:
        return self.path / "frames" / f"{index:06d}.png"

    def has_state(self) -> bool:
        return (self.path / STATE).exists()

    def frames_done(self) -> int:
        """How many frames the saved state covers (0 when none)."""
        return int(self.load_state()["frames_done"]) if self.has_state() else 0

    def load_state(self) -> dict:
        """The saved state, checked: readable, with a frame count, every number finite."""
        try:
            with np.load(self.path / STATE) as stored:
                state = {key: stored[key] for key in stored.files}
        except (OSError, ValueError, EOFError, KeyError) as error:
            raise self._damaged(f"its state cannot be read ({error})") from None
        if "frames_done" not in state or state["frames_done"].shape != () or int(state["frames_done"]) < 0:
            raise self._damaged("its state has no frame count")
        for key, values in state.items():
            if values.dtype.kind == "f" and not np.isfinite(values).all():
                raise self._damaged(f"its saved {key} holds values that are not numbers")
        return state

    def _damaged(self, why: str) -> DreamvidError:
        return DreamvidError(f"the unfinished render in {self.path} is damaged: {why}; delete that folder to start over")

    def save_frame(self, index: int, rgb_uint8: np.ndarray, state: dict) -> None:
        """Save frame `index` (0-based), then the state after it; a failure leaves the old state."""
        try:
            ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb_uint8, cv2.COLOR_RGB2BGR))
            if not ok:
                raise OSError(0, "PNG encoding failed")
            encoded.tofile(self.frame_path(index))
            temporary = self.path / f".{STATE}.partial.npz"
            np.savez(temporary, frames_done=np.int64(index + 1), **state)
            os.replace(temporary, self.path / STATE)
        except OSError as error:
            raise DreamvidError(
                f"cannot save frame {index + 1} in {self.path}: {error.strerror or error}; "
                f"free some space and run again with --resume"
            ) from None

    def saved_frame(self, index: int, size: tuple[int, int] | None = None) -> np.ndarray:
        """Finished frame `index`; with `size` (width, height) it must have that size."""
        pixels = cv2.imread(str(self.frame_path(index)), cv2.IMREAD_COLOR)
        if pixels is None:
            raise self._damaged(f"frame {index + 1} is missing or unreadable")
        if size is not None and pixels.shape[:2] != (size[1], size[0]):
            raise self._damaged(f"frame {index + 1} is {pixels.shape[1]}x{pixels.shape[0]}, not {size[0]}x{size[1]}")
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _write_json(self, name: str, data: dict) -> None:
        (self.path / name).write_text(json.dumps(data, indent=2, sort_keys=True))
