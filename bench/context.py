"""What the benchmark sections share: a work folder, the sizes, and the seeded businesses.

A business of ``n`` customers (five sales lines each, no prospects) over the demo's areas
(9 territories, 51 states, 3,230 counties; EPSG:4326) is built once per run and shared by
every section that needs it.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from geo.demo.database import build_demo_database
from geo.store.duckdb_store import Store

#: Customer counts of a standard run; ``BENCH_SIZES=10000000`` for the scale run.
STANDARD_SIZES = (10_000, 100_000, 1_000_000)


def sizes_from_environment() -> list[int]:
    """BENCH_SIZES (comma-separated customer counts), else the standard sizes."""
    text = os.environ.get("BENCH_SIZES", "")
    return [int(s) for s in text.split(",") if s.strip()] or list(STANDARD_SIZES)


@dataclass
class BenchContext:
    """The run's folder and sizes, and the businesses built so far (by customer count)."""

    folder: Path
    sizes: list[int]
    built_seconds: dict[int, float] = field(default_factory=dict)
    #: Tables a section prints after the run's table (the load test's, per step).
    tables: list[str] = field(default_factory=list)
    _stores: dict[int, Store] = field(default_factory=dict)

    @property
    def largest(self) -> int:
        return max(self.sizes)

    def business(self, n: int) -> Store:
        """The seeded business of ``n`` customers and ``5 n`` sales lines (DuckDB file)."""
        if n not in self._stores:
            store = Store.open(self.folder / f"bench-{n}.duckdb")
            started = time.perf_counter()
            build_demo_database(store, seed=5, customers=n, prospects=0, order_lines=5 * n)
            self.built_seconds[n] = time.perf_counter() - started
            self._stores[n] = store
        return self._stores[n]
