"""Timing and memory helpers: best-of-N wall time and peak RSS, with a same-run baseline."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Row:
    """One line of the benchmark table. ratio = baseline / time (above 1: faster than it)."""

    what: str
    size: str
    seconds: float
    baseline_what: str
    baseline_seconds: float
    peak_mb: float
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline_seconds / self.seconds if self.seconds else float("inf")


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_peak_mb(pid: int) -> float:
    """Another process's peak resident memory (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def format_table(rows: list[Row]) -> str:
    head = "| what | size | time (s) | baseline | baseline (s) | ratio | peak memory (MB) | note |"
    lines = [head, "|---|---|---:|---|---:|---:|---:|---|"]
    for r in rows:
        lines.append(
            f"| {r.what} | {r.size} | {r.seconds:.3f} | {r.baseline_what} | "
            f"{r.baseline_seconds:.3f} | {r.ratio:.2f} | {r.peak_mb:.0f} | {r.note} |"
        )
    return "\n".join(lines)
