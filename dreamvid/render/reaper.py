"""Leave no process behind when dreamvid is killed (kill -9) while a local Ray runtime is up.

A local runtime's head processes share the driver's fate, but the agents and workers the raylet
started are re-parented when it dies and some linger (measured: a DashboardAgent and a
RuntimeEnvAgent still running 25 s after a kill -9 of the driver). `start_reaper` starts a small
detached process that, while the driver lives, notes every process descended from it (twice a
second), and once the driver is gone kills those that are still running (the same process: its
start time is checked, so a reused pid is left alone), then exits. Linux only (it reads /proc);
elsewhere it does nothing.

Run as `python -m dreamvid.render.reaper DRIVER_PID`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

POLL_SECONDS = 0.5


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks (field 22 of /proc/PID/stat), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as file:
            return file.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _parents() -> dict[int, int]:
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as file:
                    found[int(name)] = int(file.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return found


def descendants(pid: int) -> set[int]:
    """Every process below `pid` in the process tree, now."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def watch(driver: int) -> None:
    """Note the driver's descendants while it runs; when it is gone, kill those still running."""
    driver_started = _start_time(driver)
    seen: dict[int, str] = {}
    while driver_started is not None and _start_time(driver) == driver_started:
        for pid in descendants(driver) - {os.getpid()}:
            started = _start_time(pid)
            if started is not None:
                seen.setdefault(pid, started)
        time.sleep(POLL_SECONDS)
    for pid, started in seen.items():
        if _start_time(pid) == started:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def start_reaper() -> subprocess.Popen | None:
    """Start the reaper for this process (detached: its own session, so it outlives a kill -9 of ours)."""
    if not os.path.isdir("/proc/self"):
        return None
    return subprocess.Popen([sys.executable, "-m", "dreamvid.render.reaper", str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, close_fds=True)


if __name__ == "__main__":  # pragma: no cover
    watch(int(sys.argv[1]))
