"""Time variants side by side: each warmed up once, then run in turn, `repeats` rounds, in one process.

Alternating spreads this machine's noise over every variant alike, so their ratios mean something.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable


def alternating_medians(variants: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds of each variant; a variant returns a tensor (waited on) or an array."""
    def run(variant):
        result = variant()
        if hasattr(result, "numpy"):
            result.numpy()

    for variant in variants.values():
        run(variant)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, variant in variants.items():
            start = time.perf_counter()
            run(variant)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def print_against(medians: dict[str, float], base: str) -> None:
    for name, seconds in medians.items():
        print(f"  {name:14} {seconds:.3f} s  ({medians[base] / seconds:.2f}x {base})")
