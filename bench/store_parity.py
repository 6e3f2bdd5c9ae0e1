"""Parity of the two stores at scale: the same demo business on DuckDB and on PostgreSQL
gives the same assignments and the same figures (``python -m bench.store_parity``).

A demo of ``--customers`` customers (prospects and order lines in the demo's proportions
unless given) is built into a DuckDB file, copied (``geocrm copy``'s core) into a new
database on the PostgreSQL server (``--server``, else ``GEOCRM_TEST_DATABASE_URL``, else
``DATABASE_URL``), which is dropped at the end. Then each store assigns every customer
again by its own path and computes the app's figures, and the two are compared:
assignments per customer per level exactly (and, at the finest level, with PostGIS's own
spatial join), per-area figures (every level, unfiltered and
under three filters) and the headline figures with money to the cent. Prints one markdown
table: rows compared, differences (all 0 when the stores agree) and seconds on each side.
Exits with status 1 when anything differs. Not part of the test suite (it takes minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from bench.server_databases import throwaway_database
from geo.demo.database import build_demo_file
from geo.places.level_assignment import assign_customers
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.copying import copy_database
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store

#: Prospects and order lines per customer in the demo's default build.
PROSPECTS_PER_CUSTOMER = 3
ORDER_LINES_PER_CUSTOMER = 10
#: Columns of money (in the sales currency), compared to the cent.
MONEY = frozenset({"sales_amount", "sales_in_area"})
T = TypeVar("T")


@dataclass
class Check:
    """One line of the table: what was compared, how many rows, how many differ."""

    what: str
    rows: int
    differences: int
    duckdb_seconds: float
    postgresql_seconds: float


def timed(fn: Callable[..., T], *args: Any) -> tuple[float, T]:
    """Seconds ``fn(*args)`` took, and its result."""
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def filter_sets(store: Store, level: str) -> dict[str, Filters]:
    """Unfiltered, and three filters that reach the scores, the orders' dates and owners."""
    _, last = store.sales_date_range()
    year_start = date((last or date.today()).year, 1, 1)
    owners = tuple(store.owner_names()[:2])
    base = Filters(level=level)
    return {
        "unfiltered": base,
        "customers, orders this year": replace(
            base, kind="customer", date_from=year_start, date_to=last
        ),
        "high risk or champions, 2+ orders": replace(
            base, risk_bands=("high",), segments=("champions",), min_orders=2
        ),
        f"owners {', '.join(owners)}, value 500+": replace(base, owners=owners, value_min=500.0),
    }


def differing_rows(left: pd.DataFrame, right: pd.DataFrame, key: str) -> int:
    """Rows of ``left`` and ``right`` (matched by ``key``) that are missing on one side or
    differ in any column: money to the cent, other numbers exactly, nulls equal to nulls."""
    if list(left.columns) != list(right.columns):
        return max(len(left), len(right))
    both = left.merge(right, on=key, how="outer", suffixes=("_l", "_r"), indicator=True)
    differs = both["_merge"] != "both"
    for column in (c for c in left.columns if c != key):
        a, b = both[f"{column}_l"], both[f"{column}_r"]
        if column in MONEY:
            a, b = a.astype("float64").round(2), b.astype("float64").round(2)
        same = (a == b) | (a.isna() & b.isna())
        differs |= ~same.fillna(False).astype(bool)
    return int(differs.sum())


def compare_assignments(duck: Store, pg: Store, level: str) -> tuple[int, int]:
    """Rows (customers at ``level``) and how many differ in area or location status."""
    sql = (
        "SELECT customer_id, area_id, location_status FROM assignments WHERE level = ? "
        "ORDER BY customer_id"
    )
    left, right = duck.query(sql, [level]), pg.query(sql, [level])
    return max(len(left), len(right)), differing_rows(left, right, "customer_id")


def postgis_owners_differing(pg: Store, level: str) -> tuple[float, int, int]:
    """Seconds, customers and differences between the stored assignments at ``level`` and
    PostGIS's own answer: a polygon-driven join with an explicit ``&&`` and the rule of
    :mod:`geo.places.exact_assignment` (the closed polygon covers the point; of several, the
    smallest area_id in code point order)."""
    sql = (
        'WITH owners AS (SELECT c.customer_id, min(a.area_id COLLATE "C") AS area_id '
        "FROM areas a JOIN customers c ON a.geom && c.geom AND ST_Intersects(a.geom, c.geom) "
        "WHERE a.level = ? GROUP BY c.customer_id) "
        "SELECT count(*) AS customers, count(*) FILTER (WHERE s.area_id IS DISTINCT FROM "
        "o.area_id) AS differences FROM assignments s LEFT JOIN owners o "
        "ON o.customer_id = s.customer_id WHERE s.level = ?"
    )
    seconds, row = timed(pg.query, sql, [level, level])
    return seconds, int(row["customers"].iloc[0]), int(row["differences"].iloc[0])


def compare_stores(duck: Store, pg: Store) -> list[Check]:
    """Each store assigns again, then assignments and figures are compared."""
    duck_s, _ = timed(assign_customers, duck)
    pg_s, _ = timed(assign_customers, pg)
    levels = duck.levels()
    checks = []
    for number, level in enumerate(levels):
        rows, differences = compare_assignments(duck, pg, level)
        seconds = (duck_s, pg_s) if number == 0 else (0.0, 0.0)
        checks.append(Check(f"assignments at {level}", rows, differences, *seconds))
    checks[0].what += " (seconds: assigning every level)"
    join_s, customers, differences = postgis_owners_differing(pg, levels[-1])
    checks.append(
        Check(f"assignments at {levels[-1]}: PostGIS join", customers, differences, 0.0, join_s)
    )
    for level in levels:
        for name, filters in filter_sets(duck, level).items():
            duck_s, left = timed(compute_area_kpis, duck, filters)
            pg_s, right = timed(compute_area_kpis, pg, filters)
            checks.append(
                Check(
                    f"per-area figures, {level}, {name}",
                    len(left),
                    differing_rows(left, right, "area_id"),
                    duck_s,
                    pg_s,
                )
            )
    for name, filters in filter_sets(duck, levels[-1]).items():
        duck_s, left_sum = timed(summarise_selection, duck, filters)
        pg_s, right_sum = timed(summarise_selection, pg, filters)
        differences = sum(
            left_sum.get(k) != right_sum.get(k) for k in set(left_sum) | set(right_sum)
        )
        checks.append(Check(f"headline figures, {name}", len(left_sum), differences, duck_s, pg_s))
    return checks


def format_checks(checks: list[Check]) -> str:
    lines = [
        "| check | rows | differences | DuckDB (s) | PostgreSQL (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {c.what} | {c.rows:,} | {c.differences} | {c.duckdb_seconds:.2f} | "
        f"{c.postgresql_seconds:.2f} |"
        for c in checks
    ]
    return "\n".join(lines)


@contextmanager
def server_database(server: str) -> Iterator[str]:
    """A new database of this run's own on ``server`` (PostGIS and unaccent installed),
    dropped afterwards however the run ends."""
    import psycopg

    with throwaway_database(server, "geocrm_parity") as url:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            con.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        yield url


def run(args: argparse.Namespace, server: str) -> list[Check]:
    from geo.store.postgres_store import PostgreSQLStore

    prospects = args.prospects if args.prospects is not None else (
        PROSPECTS_PER_CUSTOMER * args.customers
    )  # fmt: skip
    lines = args.order_lines if args.order_lines is not None else (
        ORDER_LINES_PER_CUSTOMER * args.customers
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, server_database(server) as url:
        path = Path(folder) / "parity.duckdb"
        build_s, counts = timed(
            lambda: build_demo_file(
                path,
                seed=args.seed,
                customers=args.customers,
                prospects=prospects,
                order_lines=lines,
            )
        )
        duck = DuckDBStore.open(path)
        pg = PostgreSQLStore.open(url)
        copy_s, copied = timed(lambda: copy_database(duck, pg))
        checks = [
            Check(
                "demo built (DuckDB): customers and prospects",
                int(counts["customers"]),
                0,
                build_s,
                0.0,
            ),
            Check(
                "copied to PostgreSQL: tables differing by count or checksum",
                sum(c.source_rows for c in copied),
                sum(not c.matches for c in copied),
                0.0,
                copy_s,
            ),
        ]
        print(
            f"built {counts['customers']:,} customers and prospects, "
            f"{counts['sales']:,} order lines in {build_s:.0f} s; copied in {copy_s:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        return checks + compare_stores(duck, pg)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store_parity", description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--prospects", type=int, help="default: 3 per customer")
    parser.add_argument("--order-lines", type=int, help="default: 10 per customer")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--server", help="postgresql:// URL of a server this run may create a "
                        "database on (default: $GEOCRM_TEST_DATABASE_URL)")  # fmt: skip
    args = parser.parse_args(argv)
    server = (
        args.server or os.environ.get("GEOCRM_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    )
    if not server:
        parser.error("no PostgreSQL server: give --server or set GEOCRM_TEST_DATABASE_URL")
    started = time.perf_counter()
    checks = run(args, server)
    print(f"store parity at {args.customers:,} customers (seed {args.seed}):\n")
    print(format_checks(checks))
    differences = sum(c.differences for c in checks)
    print(f"\n{differences} differences in {time.perf_counter() - started:.0f} s in all")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
