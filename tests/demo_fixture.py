"""A small seeded demo database shared by the app and browser tests (built once per run)."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from geo.demo.database import build_demo_database
from geo.store.duckdb_store import DuckDBStore


class DemoSizes(TypedDict):
    """How many customers, prospects and sales lines a demo build makes."""

    customers: int
    prospects: int
    order_lines: int


class DemoOptions(DemoSizes):
    seed: int


#: Small enough to build in seconds, large enough to have every level and status.
SMALL_DEMO: DemoOptions = {"seed": 7, "customers": 3_000, "prospects": 6_000, "order_lines": 30_000}


def build_small_demo(folder: Path) -> DuckDBStore:
    store = DuckDBStore.open(folder / "demo.duckdb")
    build_demo_database(store, **SMALL_DEMO)
    return store
