"""Timing, memory and targets of the benchmark table.

Every figure is timed against a baseline doing the same job without GeoCRM, in the same
run, because a shared machine's speed drifts. The ratio is GeoCRM's time divided by the
baseline's ("1.4x" = 40% slower than the baseline; "0.12x" = more than 8 times faster).
Peak memory is measured per figure: the process's peak resident size is reset before the
figure runs (Linux ``/proc/self/clear_refs``) and read after it, so a figure never reports
an earlier figure's peak.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Target:
    """What a figure must reach: time / baseline time at most ``max_ratio``; the peak memory
    at most ``max_peak_mb``; the payload at most ``max_payload_mb`` (any may be None)."""

    max_ratio: float | None = None
    max_peak_mb: float | None = None
    max_payload_mb: float | None = None
    #: A time the figure must stay within on this machine, as the issue that set it asks.
    max_seconds: float | None = None

    def describe(self) -> str:
        parts = []
        if self.max_seconds is not None:
            parts.append(f"≤ {self.max_seconds:g} s")
        if self.max_ratio is not None:
            if self.max_ratio < 1:
                parts.append(f"≤ {self.max_ratio:.3g}x ({1 / self.max_ratio:.3g}x faster)")
            else:
                parts.append(f"≤ {self.max_ratio:.3g}x")
        if self.max_peak_mb is not None:
            parts.append(f"peak ≤ {self.max_peak_mb:,.0f} MB")
        if self.max_payload_mb is not None:
            parts.append(f"payload ≤ {self.max_payload_mb:g} MB")
        return "; ".join(parts) or "-"


def _missed_by(value: float, limit: float, unit: str) -> str:
    return f"{value:.3g}{unit} vs {limit:.3g}{unit} (+{100 * (value / limit - 1):.0f}%)"


@dataclass
class Row:
    """One line of the benchmark table."""

    what: str
    size: str
    seconds: float
    baseline_what: str
    baseline_seconds: float
    target: Target | None = None
    peak_mb: float | None = None
    payload_mb: float | None = None
    note: str = ""
    #: False when the figure's result differs from the baseline's (a wrong answer fails
    #: whatever its speed).
    correct: bool = True

    @property
    def ratio(self) -> float:
        """GeoCRM's time / the baseline's time."""
        return self.seconds / self.baseline_seconds if self.baseline_seconds else float("inf")

    def verdict(self) -> str:
        """'met', or what is missed and by how much."""
        if not self.correct:
            return "missed: results differ from the baseline's"
        if self.target is None:
            return "-"
        misses = []
        t = self.target
        if t.max_seconds is not None and self.seconds > t.max_seconds:
            misses.append(_missed_by(self.seconds, t.max_seconds, " s"))
        if t.max_ratio is not None and self.ratio > t.max_ratio:
            misses.append(_missed_by(self.ratio, t.max_ratio, "x"))
        if t.max_peak_mb is not None and (self.peak_mb or 0) > t.max_peak_mb:
            misses.append(_missed_by(self.peak_mb or 0, t.max_peak_mb, " MB"))
        if t.max_payload_mb is not None and (self.payload_mb or 0) > t.max_payload_mb:
            misses.append(_missed_by(self.payload_mb or 0, t.max_payload_mb, " MB"))
        return "missed: " + "; ".join(misses) if misses else "met"


@dataclass
class Measured:
    """A figure's best time of its runs (s), its peak resident memory (MB) and its result."""

    seconds: float
    peak_mb: float
    result: Any = None


def reset_peak_memory() -> bool:
    """Reset this process's peak resident size (False where the system cannot)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def process_peak_mb(pid: int | str = "self") -> float:
    """A process's peak resident memory since it started or since its last reset (VmHWM),
    in MB."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(fn: Callable[[], Any], repeat: int = 3) -> Measured:
    """The fastest of ``repeat`` runs of ``fn``, and the peak memory over all of them."""
    reset_peak_memory()
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return Measured(best, process_peak_mb(), result)


def best_of(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (seconds) and the last result."""
    m = measure(fn, repeat)
    return m.seconds, m.result


def machine_yardstick() -> float:
    """Seconds for a pandas groupby-sum of 5M rows into 3,230 keys (best of 3): a line that
    says how fast this machine was during the run, never a baseline."""
    frame = pd.DataFrame(
        {"k": np.random.default_rng(0).integers(3230, size=5_000_000), "v": np.ones(5_000_000)}
    )
    return measure(lambda: frame.groupby("k")["v"].sum(), 3).seconds


COLUMNS = (
    "figure",
    "size",
    "GeoCRM (s)",
    "baseline",
    "baseline (s)",
    "ratio",
    "target",
    "verdict",
    "peak memory (MB)",
    "payload (MB)",
    "note",
)


def _cells(r: Row) -> list[str]:
    return [
        r.what,
        r.size,
        f"{r.seconds:.3f}",
        r.baseline_what,
        f"{r.baseline_seconds:.3f}",
        f"{r.ratio:.2f}x",
        r.target.describe() if r.target else "-",
        r.verdict(),
        f"{r.peak_mb:,.0f}" if r.peak_mb is not None else "-",
        f"{r.payload_mb:.2f}" if r.payload_mb is not None else "-",
        r.note,
    ]


def format_table(rows: list[Row]) -> str:
    """The rows as one markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |"]
    aligned = ("---:" if "(" in c or c == "ratio" else "---" for c in COLUMNS)
    lines.append("|" + "|".join(aligned) + "|")
    lines.extend("| " + " | ".join(_cells(r)) + " |" for r in rows)
    return "\n".join(lines)


@dataclass
class BenchRun:
    """One run of the benchmarks: when, on what machine, how fast it was, and the rows."""

    date: str
    machine: str
    yardstick_seconds: float
    sizes: list[int]
    rows: list[Row] = field(default_factory=list)
    extra: str = ""
    #: The code measured: the checkout's commit, "+ changes" when it had uncommitted edits.
    code: str = ""
    #: The sections asked for, and those measured so far (all of them in a finished run).
    sections: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.done == self.sections

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> BenchRun:
        raw = json.loads(text)
        rows = []
        for r in raw.pop("rows"):
            target = Target(**r.pop("target")) if r.get("target") else None
            r.pop("target", None)
            rows.append(Row(**r, target=target))
        return cls(**raw, rows=rows)

    def summary(self) -> str:
        verdicts = [r.verdict() for r in self.rows if r.target is not None or not r.correct]
        met = sum(v == "met" for v in verdicts)
        return f"{met} of {len(verdicts)} targets met"

    def markdown(self) -> str:
        at = f" at {self.code}" if self.code else ""
        head = (
            f"Run of {self.date}{at} on {self.machine}; "
            f"sizes {', '.join(f'{n:,}' for n in self.sizes)}"
            f" customers. Machine speed: a pandas groupby-sum of 5M rows took "
            f"{self.yardstick_seconds:.3f} s. {self.summary()}."
        )
        if not self.finished:
            left = [name for name in self.sections if name not in self.done]
            head += (
                f" **An unfinished run**: it was stopped after {', '.join(self.done) or 'no'}"
                f" section{'s' * (len(self.done) != 1)}; {', '.join(left)} not measured."
            )
        out = head + "\n\n" + format_table(self.rows)
        if self.extra:
            out += "\n\n" + self.extra
        return out
