"""Renders one after another in a background thread, with progress, cancel and resume.

A cancel is raised from the render's own progress callback as `Cancelled`, a KeyboardInterrupt: the
renderer unwinds as it does for Ctrl-C, so every finished frame and the state after it stay in the
work folder beside the output, and a resumed render (the same output, the same settings) continues
from there. Each job is also written down in the studio's folder (`renders/ID.json`), so after a
restart of the studio an unfinished render shows as stopped and can be resumed.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from dreamvid.errors import DreamvidError
from dreamvid.events import RenderEvent
from dreamvid.render.workdir import WorkDir, work_dir_for

WAITING = ("queued", "running")
RESUMABLE = ("cancelled", "stopped", "failed")


class Cancelled(KeyboardInterrupt):
    """A cancel from the page, unwound like Ctrl-C so that finished frames are kept."""


@dataclass
class Job:
    id: str
    kind: str  # "video", "zoom" or "still"
    source: str  # the page's name of the input
    form: dict
    output: Path
    label: str
    status: str = "queued"
    frames_done: int = 0
    total: int | None = None
    seconds: list[float] = field(default_factory=list)
    error: str | None = None
    resume: bool = False
    started: float | None = None
    cancel: threading.Event = field(default_factory=threading.Event, repr=False)

    RECORD = ("id", "kind", "source", "form", "label", "status", "error", "total")

    def work(self) -> Path:
        return work_dir_for(self.output)

    def resumable(self) -> bool:
        """Whether a work folder with finished frames waits for this render."""
        return self.status in RESUMABLE and (self.work() / "state.npz").exists()

    def seconds_left(self) -> float | None:
        if self.total is None or not self.seconds:
            return None
        later = self.seconds[1:] if len(self.seconds) > 1 else self.seconds  # the first frame's full dream is slower
        recent = later[-5:]
        return sum(recent) / len(recent) * max(self.total - self.frames_done, 0)

    def newest_frame(self) -> Path | None:
        """The newest finished frame in the work folder (saved a moment after it is reported done)."""
        work = WorkDir(self.work())
        for index in range(self.frames_done - 1, max(self.frames_done - 3, -1), -1):
            path = work.frame_path(index)
            if path.exists():
                return path
        return None

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": self.label, "status": self.status,
                "frames_done": self.frames_done, "total": self.total, "seconds_left": self.seconds_left(),
                "error": self.error, "resumable": self.resumable(),
                "output": self.output.name if self.status == "done" else None}

    def record(self) -> dict:
        return {**{name: getattr(self, name) for name in self.RECORD}, "output": self.output.name}


class RenderQueue:
    """One render at a time, in the order asked for.

    `run(job, on_progress)` does the render (the studio's: the library's renderer); it must call
    `on_progress` with the renderer's events, which is where a cancel takes effect.
    """

    def __init__(self, folder: Path, run: Callable[[Job, Callable[[RenderEvent], None]], None]) -> None:
        self.folder = folder
        self._run = run
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._load()
        self._thread = threading.Thread(target=self._work, name="dreamvid-studio-render", daemon=True)
        self._thread.start()

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def get(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise DreamvidError(f"no such render: {job_id[:40]!r}")
            return self._jobs[job_id]

    def submit(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
        self._save(job)
        self._queue.put(job)
        return job

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.status not in WAITING:
            raise DreamvidError(f"the render is {job.status}, not running")
        job.cancel.set()
        if job.status == "queued":
            self._finish(job, "cancelled")
        return job

    def resume(self, job_id: str) -> Job:
        """Queue a cancelled, stopped or failed render again, to continue from its finished frames."""
        job = self.get(job_id)
        if job.status not in RESUMABLE:
            raise DreamvidError(f"the render is {job.status}; only a cancelled or stopped render resumes")
        job.cancel = threading.Event()
        job.resume, job.error, job.status, job.seconds = job.resumable(), None, "queued", []
        self._save(job)
        self._queue.put(job)
        return job

    def close(self, timeout: float = 30.0) -> None:
        """Stop the running render (its finished frames are kept) and the worker thread."""
        for job in self.jobs():
            job.cancel.set()
        self._queue.put(None)
        self._thread.join(timeout)

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            if job.cancel.is_set() or job.status != "queued":
                continue
            job.status, job.started = "running", time.perf_counter()
            self._save(job)
            try:
                self._run(job, lambda event: self._progress(job, event))
            except Cancelled:
                self._finish(job, "cancelled")
            except (DreamvidError, OSError) as error:
                self._finish(job, "failed", str(error))
            except Exception as error:  # the studio keeps running; the page shows one line
                self._finish(job, "failed", f"{type(error).__name__}: {error}")
            else:
                job.frames_done = job.total or job.frames_done
                self._finish(job, "done")

    def _progress(self, job: Job, event: RenderEvent) -> None:
        if job.cancel.is_set():
            raise Cancelled()
        job.total = event.total
        job.frames_done = event.frames_done
        if event.seconds is not None:
            job.seconds.append(event.seconds)

    def _finish(self, job: Job, status: str, error: str | None = None) -> None:
        job.status, job.error = status, error
        self._save(job)

    def _save(self, job: Job) -> None:
        path = self.folder / f"{job.id}.json"
        temporary = path.with_name(f".{path.name}.partial")
        temporary.write_text(json.dumps(job.record(), indent=1, sort_keys=True))
        os.replace(temporary, path)

    def _load(self) -> None:
        """The renders of earlier runs of the studio: a render that was running or queued then is stopped."""
        for path in sorted(self.folder.glob("*.json"), key=lambda path: path.stat().st_mtime):
            try:
                record = json.loads(path.read_text())
                job = Job(record["id"], record["kind"], record["source"], record["form"],
                          self.folder / record["output"], record["label"], record["status"],
                          total=record.get("total"), error=record.get("error"))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # not a record of ours: left alone
            if job.status in WAITING:
                job.status = "stopped"
            if job.status == "done" and not job.output.exists():
                continue
            if job.resumable():
                try:
                    job.frames_done = WorkDir(job.work()).frames_done()
                except DreamvidError as error:  # a damaged work folder: shown, not resumed
                    job.status, job.error = "failed", str(error)
            self._jobs[job.id] = job
