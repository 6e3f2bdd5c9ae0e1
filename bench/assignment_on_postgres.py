"""Assignment on PostgreSQL: GeoCRM's fast path with the results copied in, or SQL in PostGIS.

``python -m bench.assignment_on_postgres [--points 1000000]`` makes a throwaway database on
the server named by ``GEOCRM_TEST_DATABASE_URL`` (dropped afterwards), stores the demo's
3,230 counties and ``--points`` random customers spread like the demo's (WGS84 lon/lat,
EPSG:4326), and assigns every customer to its county both ways, each from an empty
assignments table, each in one transaction:

(a) the fast path: the customers' locations and the counties read from the database,
    :func:`geo.places.level_assignment.locate_in_level` (shapely, bounding-box candidates
    then exact tests), the assignments written back by COPY (the store's
    ``write_assignments``);
(b) SQL in PostGIS: a polygon-driven join with an explicit ``&&`` (the GiST indexes on
    ``areas.geom`` and ``customers.geom``) and ``ST_Covers``, the smallest area_id (code
    point order) per customer, inserted into ``assignments`` by one statement.

Both must give every customer the same area and location status. Prints the seconds of
each (best of ``--repeat``) and their ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import pandas as pd

from bench.sample_data import counties, random_points
from bench.server_databases import server_url, throwaway_database
from geo.places.level_assignment import locate_in_level
from geo.schema import CUSTOMER_COLUMNS, IN_AREA, NO_LOCATION, OUTSIDE_AREAS
from geo.store.postgres_store import PostgreSQLStore
from geo.store.tables import areas_in

LEVEL = "county"

#: The covering county with the smallest area_id of every customer in one.
HITS_SQL = """
    SELECT c.customer_id, min(a.area_id COLLATE "C") AS area_id
    FROM areas AS a
    JOIN customers AS c ON c.geom && a.geom AND ST_Covers(a.geom, c.geom)
    WHERE a.level = ?
    GROUP BY c.customer_id
"""
#: Every customer's county: the covering county with the smallest area_id, else none.
ASSIGN_IN_SQL = f"""
WITH hits AS ({HITS_SQL})
INSERT INTO assignments (customer_id, level, area_id, location_status)
SELECT c.customer_id, ?, h.area_id,
       CASE WHEN c.geom IS NULL THEN '{NO_LOCATION}'
            WHEN h.area_id IS NULL THEN '{OUTSIDE_AREAS}'
            ELSE '{IN_AREA}' END
FROM customers AS c
LEFT JOIN hits AS h ON h.customer_id = c.customer_id
"""


def load(store: PostgreSQLStore, points: int) -> float:
    """Store the counties and ``points`` customers (seconds taken)."""
    started = time.perf_counter()
    lon, lat = random_points(points, seed=14)
    customers = pd.DataFrame(
        {
            "customer_id": [f"P{i:07d}" for i in range(points)],
            "name": "Customer",
            "kind": "customer",
            "lat": lat.round(6),
            "lon": lon.round(6),
        }
    ).reindex(columns=list(CUSTOMER_COLUMNS))
    with store.transaction() as tx:
        store.replace_level(tx, counties())
        store.upsert_customers(tx, customers)
    with store.transaction() as tx:
        tx.execute("ANALYZE")
    return time.perf_counter() - started


def assign_by_fast_path(store: PostgreSQLStore) -> dict[str, float]:
    """(a): read, assign in Python, COPY back; the seconds of each part and in all."""
    started = time.perf_counter()
    with store.transaction() as tx:
        customers = tx.query("SELECT customer_id, lat, lon FROM customers")
        areas = areas_in(tx, LEVEL)
        read = time.perf_counter()
        assigned = locate_in_level(customers, areas, LEVEL)
        computed = time.perf_counter()
        store.write_assignments(tx, LEVEL, assigned)
        written = time.perf_counter()
    done = time.perf_counter()
    return {
        "read": read - started,
        "assign": computed - read,
        "write": written - computed,
        "commit": done - written,
        "total": done - started,
    }


def assign_in_sql(store: PostgreSQLStore) -> dict[str, float]:
    """(b): one INSERT ... SELECT with the spatial join; its seconds, and in all."""
    started = time.perf_counter()
    with store.transaction() as tx:
        tx.execute(ASSIGN_IN_SQL, [LEVEL, LEVEL])
        inserted = time.perf_counter()
    done = time.perf_counter()
    return {"insert": inserted - started, "commit": done - inserted, "total": done - started}


def time_join_alone(store: PostgreSQLStore) -> float:
    """Seconds of (b)'s spatial join alone, counted, nothing written: where (b)'s time goes."""
    started = time.perf_counter()
    store.scalar(f"SELECT count(*) FROM ({HITS_SQL}) AS hits", [LEVEL])
    return time.perf_counter() - started


def assignments(store: PostgreSQLStore) -> pd.DataFrame:
    """The stored assignments, one row per customer, by customer_id."""
    frame = store.query(
        "SELECT customer_id, area_id, location_status FROM assignments WHERE level = ?", [LEVEL]
    )
    return frame.sort_values("customer_id").reset_index(drop=True)


def best_run(store: PostgreSQLStore, way: Callable[[PostgreSQLStore], dict[str, float]],
             repeat: int) -> tuple[dict[str, float], pd.DataFrame]:  # fmt: skip
    """The fastest of ``repeat`` runs of ``way``, each from an empty assignments table,
    and the assignments it stored."""
    best: dict[str, float] | None = None
    for _ in range(repeat):
        with store.transaction() as tx:
            tx.execute("TRUNCATE assignments")
        times = way(store)
        if best is None or times["total"] < best["total"]:
            best = times
    assert best is not None
    return best, assignments(store)


def compare(fast: pd.DataFrame, sql: pd.DataFrame) -> str:
    """Whether both ways gave every customer the same area and status (or how they differ)."""
    if len(fast) != len(sql):
        return f"ROW COUNTS DIFFER: {len(fast):,} vs {len(sql):,}"
    same_ids = fast["customer_id"].equals(sql["customer_id"])
    same_area = (fast["area_id"].fillna("") == sql["area_id"].fillna("")).to_numpy()
    same_status = (fast["location_status"] == sql["location_status"]).to_numpy()
    differ = int((~(same_area & same_status)).sum())
    if same_ids and differ == 0:
        return f"identical owners for all {len(fast):,} customers"
    return f"OWNERS DIFFER for {differ:,} customers" + ("" if same_ids else " (and the ids)")


def format_report(
    points: int, fast: dict[str, float], sql: dict[str, float], join_s: float, same: str
) -> str:
    parts_fast = ", ".join(f"{k} {v:.2f}" for k, v in fast.items() if k != "total")
    parts_sql = ", ".join(f"{k} {v:.2f}" for k, v in sql.items() if k != "total")
    return "\n".join(
        [
            f"Assignment of {points:,} random customers to the 3,230 counties, PostgreSQL/PostGIS",
            "",
            "| way | seconds | of which (s) | ratio (SQL / this) |",
            "|---|---:|---|---:|",
            f"| (a) fast path (shapely) + COPY of the results | {fast['total']:.2f} | "
            f"{parts_fast} | {sql['total'] / fast['total']:.2f} |",
            f"| (b) SQL: && + ST_Covers join, INSERT ... SELECT | {sql['total']:.2f} | "
            f"{parts_sql} | 1.00 |",
            f"| (b) its join alone, counted (nothing written) | {join_s:.2f} | | "
            f"{sql['total'] / join_s:.2f} |",
            "",
            f"Check: {same}.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.assignment_on_postgres",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each way (best kept)")
    args = parser.parse_args(argv)
    server = server_url()
    if not server:
        print("set GEOCRM_TEST_DATABASE_URL to a PostgreSQL server", file=sys.stderr)
        return 2
    with throwaway_database(server, "geocrm_assign") as url:
        store = PostgreSQLStore.open(url)
        load_s = load(store, args.points)
        print(f"stored {args.points:,} customers and the counties in {load_s:.1f} s", flush=True)
        fast, fast_rows = best_run(store, assign_by_fast_path, args.repeat)
        sql, sql_rows = best_run(store, assign_in_sql, args.repeat)
        join_s = time_join_alone(store)
        same = compare(fast_rows, sql_rows)
    print(format_report(args.points, fast, sql, join_s, same))
    return 0 if same.startswith("identical") else 1


if __name__ == "__main__":
    sys.exit(main())
