"""Benchmark row: a filter change's figures from the roll-ups against the on-the-fly SQL.

A filter change asks for the per-area KPIs and the headline counts
(:func:`geo.segments.area_kpis.compute_area_kpis`, :func:`summarise_selection`). Both are
timed over the same filter changes on the same store, read from the roll-ups and computed
on the fly (``from_rollups=False``, which joins the orders to the selected customers), on
DuckDB and, when GEOCRM_TEST_DATABASE_URL names a PostgreSQL server, on a PostgreSQL copy
of the same database. ``python -m bench.rollups`` runs this row alone, at the largest of
BENCH_SIZES.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.context import BenchContext
from bench.measure import Row, format_table, process_peak_mb, reset_peak_memory
from geo.demo.database import build_demo_database
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.copying import copy_database
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store

#: Filter changes of a session on the Map page: levels, dates cutting months, segments,
#: churn risk, kind and owners.
FILTER_CHANGES = (
    Filters(level="county", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31)),
    Filters(level="county", date_from=date(2025, 2, 14), date_to=date(2025, 11, 20)),
    Filters(level="state", kind="customer", risk_bands=("high",)),
    Filters(level="state", segments=("champions", "loyal"), date_from=date(2025, 3, 10)),
    Filters(level="county", kind="customer", contact=("overdue", "due")),
    Filters(level="state"),
)


def _figures(store: Store, filters: Filters, from_rollups: bool) -> tuple[object, ...]:
    kpis = compute_area_kpis(store, filters, from_rollups=from_rollups)
    summary = summarise_selection(store, filters, from_rollups=from_rollups)
    return (
        list(kpis["area_id"]),
        list(kpis[["customers", "prospects", "orders"]].itertuples(index=False)),
        list(kpis["sales_amount"].round(2)),
        summary,
    )


def _time_changes(store: Store, from_rollups: bool, repeat: int) -> tuple[float, list[object]]:
    """The mean seconds of one filter change (best of ``repeat`` per filter), and the
    figures of each."""
    total = 0.0
    results: list[object] = []
    for filters in FILTER_CHANGES:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            result = _figures(store, filters, from_rollups)
            best = min(best, time.perf_counter() - started)
        total += best
        results.append(result)
    return total / len(FILTER_CHANGES), results


def bench_rollup_figures(rows: list[Row], store: Store, engine: str) -> None:
    """One row: a filter change's KPIs and headline counts, roll-ups against on the fly."""
    counts = store.table_counts()
    size = f"{engine}: {counts['customers']:,} customers, {counts['sales']:,} sales lines"
    reset_peak_memory()
    rolled_s, rolled = _time_changes(store, True, 5)
    peak_mb = process_peak_mb()
    fly_s, fly = _time_changes(store, False, 2)
    same = rolled == fly
    rows.append(
        Row(
            "filter change: area KPIs + headline counts from roll-ups "
            f"(mean of {len(FILTER_CHANGES)} filters)",
            size,
            rolled_s,
            "same figures on the fly",
            fly_s,
            None,
            peak_mb,
            note="identical figures" if same else "FIGURES DIFFER",
            correct=same,
        )
    )


@contextmanager
def postgres_copy(source: Store) -> Iterator[Store | None]:
    """A PostgreSQL copy of ``source`` in a database of its own (dropped afterwards), when
    GEOCRM_TEST_DATABASE_URL names a server; else None."""
    if not os.environ.get("GEOCRM_TEST_DATABASE_URL"):
        yield None
        return
    from geo.store.postgres_store import PostgreSQLStore
    from tests.stores import postgres_database

    with postgres_database() as url:
        store = PostgreSQLStore.open(url)
        copy_database(source, store)
        yield store


def bench_rollups(ctx: BenchContext) -> list[Row]:
    """The roll-up row on the largest business (DuckDB) and on a PostgreSQL copy of it, if
    a server is given."""
    rows: list[Row] = []
    store = ctx.business(ctx.largest)
    bench_rollup_figures(rows, store, "DuckDB")
    with postgres_copy(store) as server:
        if server is not None:
            bench_rollup_figures(rows, server, "PostgreSQL")
    return rows


def main() -> int:
    n = max(int(s) for s in os.environ.get("BENCH_SIZES", "1000000").split(","))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="geocrm-bench-") as tmp:
        store = DuckDBStore.open(Path(tmp) / f"bench-{n}.duckdb")
        started = time.perf_counter()
        build_demo_database(store, seed=5, customers=n, prospects=0, order_lines=5 * n)
        print(f"built {n:,} customers in {time.perf_counter() - started:.1f} s", flush=True)
        bench_rollup_figures(rows, store, "DuckDB")
        print(format_table(rows), flush=True)
        with postgres_copy(store) as server:
            if server is not None:
                bench_rollup_figures(rows, server, "PostgreSQL")
                print(format_table(rows[-1:]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
