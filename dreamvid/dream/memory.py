"""How much memory dreaming a picture of a given size takes, known before the model loads, and the check
that refuses a size the machine cannot hold, naming the `--max-side` that fits.

The ascent step's tiles bound the network's activations (one tile at a time), but the step and the octave
driver also hold whole-picture float32 arrays (the image, its roll, the gradient and each padded tile
gradient added into it, the total variation, the re-injected detail); a zoom keeps its previous frame and
camera warp besides, and a video its flow, warps, carried state and strength maps. So the peak grows with
the pixels dreamed, by a measured number of bytes a pixel for each kind of render on top of TensorFlow and
the model, whatever `--tile-size` is (figures: docs/measurements.md, "Memory of big pictures (issue 22)").
"""

from __future__ import annotations

import math

from dreamvid.errors import DreamvidError

BASE_BYTES = 1_500_000_000  # TensorFlow, the model and one 512-px tile's activations (VGG16: 1.1-1.4 GB measured)
# Bytes a pixel on top of BASE_BYTES, a little above the measured slopes (207 for a still, 325 for a zoom,
# 500 for a video, between 1 and 16 MP; the same for the tests' tiny model as for VGG16).
BYTES_PER_PIXEL = {"still": 220, "zoom": 340, "video": 520}
SHARE = 0.8  # of the available memory a dream may take: the rest is for the writer, ffmpeg and everything else
WHAT = {"still": "dreaming", "zoom": "a zoom of", "video": "dreaming frames of"}


def dream_memory(width: int, height: int, kind: str = "still") -> int:
    """Bytes at the peak of dreaming a `width` x `height` still, zoom or video (`kind`)."""
    return BASE_BYTES + BYTES_PER_PIXEL[kind] * int(width) * int(height)


def available_memory() -> int | None:
    """Bytes this process may still take: the system's available memory, or the cgroup's room if less;
    None where neither can be read."""
    found = []
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as limit_file, open("/sys/fs/cgroup/memory.current") as used_file:
            limit = limit_file.read().strip()
            if limit != "max":
                found.append(max(0, int(limit) - int(used_file.read().strip())))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def largest_side_that_fits(width: int, height: int, memory: int, kind: str = "still") -> int:
    """The longest `--max-side` whose shrunk picture fits in `memory` bytes (0 when none does)."""
    pixels = (memory - BASE_BYTES) / BYTES_PER_PIXEL[kind]
    if pixels <= 0:
        return 0
    scale = min(1.0, math.sqrt(pixels / (width * height)))
    return max(0, math.floor(max(width, height) * scale * 0.99))


def check_dream_memory(width: int, height: int, kind: str = "still", copies: int = 1) -> None:
    """Refuse, before the model loads, a still, zoom or video (`kind`) whose dream would need more than
    SHARE of the memory available now; `copies` dreams at once (local Ray workers, each its own process with
    its own model). The message says what it needs, what is free and the `--max-side` (or `--workers`) that
    fits."""
    needed = copies * dream_memory(width, height, kind)
    free = available_memory()
    if free is None or needed <= SHARE * free:
        return
    room = int(SHARE * free)
    side = largest_side_that_fits(width, height, room // copies, kind)
    fitting_copies = room // dream_memory(width, height, kind)
    if copies > 1 and fitting_copies >= 1:
        advice = f"use --workers {fitting_copies} or fewer"
    elif side >= 16:
        advice = f"use --max-side {side} or less"
    else:
        advice = "free some memory first"
    on = f" on {copies} workers" if copies > 1 else ""
    raise DreamvidError(
        f"{WHAT[kind]} {width}x{height} ({width * height / 1e6:.0f} MP){on} needs about {needed / 1e9:.1f} GB of "
        f"memory, more than {SHARE:.0%} of the {free / 1e9:.1f} GB free; {advice}"
    )
