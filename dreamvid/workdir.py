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

MANIFEST = "manifest.json"
STATE = "state.npz"


def work_dir_for(output: str | os.PathLike) -> Path:
    output = Path(os.fspath(output).rstrip("/" + os.sep))
    return output.with_name(f".{output.name}.dreamvid-work")


@dataclass
class WorkDir:
    path: Path

    @classmethod
    def open(cls, output: str | os.PathLike, manifest: dict, *, resume: bool) -> "WorkDir":
        """Create the directory, or with `resume` reopen one made with the same manifest."""
        work = cls(work_dir_for(output))
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

    def frames_done(self) -> int:
        """How many frames the saved state covers (0 when none)."""
        state = self.path / STATE
        if not state.exists():
            return 0
        with np.load(state) as stored:
            return int(stored["frames_done"])

    def load_state(self) -> dict:
        with np.load(self.path / STATE) as stored:
            return {key: stored[key] for key in stored.files}

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

    def saved_frame(self, index: int) -> np.ndarray:
        pixels = cv2.imread(str(self.frame_path(index)), cv2.IMREAD_COLOR)
        if pixels is None:
            raise DreamvidError(f"frame {index + 1} is missing from {self.path}; delete it to start over")
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def _write_json(self, name: str, data: dict) -> None:
        (self.path / name).write_text(json.dumps(data, indent=2, sort_keys=True))
