"""The embedded DuckDB store: one database file holding every canonical table.

Geometries are kept as WKB in EPSG:4326 (lon/lat degrees). Writes happen inside one
transaction per import, so a failed import leaves the database exactly as it was.
Connections are short-lived: each operation opens the file and closes it, so the app and the
command line can take turns on the same file.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import InputError
from geo.import_report import ImportReport
from geo.schema import (
    AREA_COLUMNS,
    ASSIGNMENT_COLUMNS,
    CRS_WGS84,
    CUSTOMER_COLUMNS,
    SALE_COLUMNS,
)

#: The shipped data directory: boundary files, gazetteers and (by default) the database.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_DB = DATA_DIR / "geocrm.duckdb"
#: How long to wait for another process to release the database file, in seconds.
LOCK_WAIT_SECONDS = 20.0

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS areas (
    area_id VARCHAR PRIMARY KEY, name VARCHAR, level VARCHAR NOT NULL, parent_id VARCHAR,
    owner VARCHAR, households DOUBLE, geometry BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    customer_id VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR NOT NULL, lat DOUBLE,
    lon DOUBLE, postcode VARCHAR, email VARCHAR, owner VARCHAR, created_on DATE, extra VARCHAR
);
CREATE TABLE IF NOT EXISTS sales (
    order_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, order_date DATE NOT NULL,
    amount DOUBLE NOT NULL, category VARCHAR, channel VARCHAR
);
CREATE TABLE IF NOT EXISTS orders (
    order_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, order_date DATE NOT NULL,
    amount DOUBLE NOT NULL, lines BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_scores (
    customer_id VARCHAR NOT NULL, first_order DATE, last_order DATE, frequency BIGINT,
    monetary DOUBLE, recency_days BIGINT, r INTEGER, f INTEGER, m INTEGER, segment VARCHAR,
    gap_days DOUBLE, churn_risk DOUBLE, risk_band VARCHAR, aov DOUBLE, value_3y DOUBLE,
    expected_next DATE, contact_status VARCHAR
);
CREATE TABLE IF NOT EXISTS assignments (
    customer_id VARCHAR NOT NULL, level VARCHAR NOT NULL, area_id VARCHAR,
    location_status VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS segments (
    name VARCHAR PRIMARY KEY, spec VARCHAR NOT NULL, created_at TIMESTAMP, updated_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS import_log (
    logged_at TIMESTAMP DEFAULT current_timestamp, table_name VARCHAR, source VARCHAR,
    rows_read BIGINT, imported BIGINT, rejected BIGINT, detail VARCHAR
);
CREATE TABLE IF NOT EXISTS export_log (
    logged_at TIMESTAMP DEFAULT current_timestamp, segment VARCHAR, format VARCHAR, rows BIGINT,
    file_name VARCHAR
);
"""

TABLES = (
    "areas",
    "customers",
    "sales",
    "orders",
    "assignments",
    "customer_scores",
    "segments",
    "import_log",
    "export_log",
)


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: ``--db`` if given, else ``GEOCRM_DB``, else ``data/geocrm.duckdb``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("GEOCRM_DB")
    return Path(env) if env else DEFAULT_DB


@dataclass(frozen=True)
class Store:
    """A GeoCRM database file. Cheap to create; opens a connection per operation."""

    path: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None) -> Store:
        store = cls(resolve_db_path(path))
        store.path.parent.mkdir(parents=True, exist_ok=True)
        with store.connect() as con:
            con.execute(SCHEMA_SQL)
            # A database written before the orders table existed: derive it once.
            row = con.execute(
                "SELECT (SELECT count(*) FROM orders) = 0 AND EXISTS (SELECT 1 FROM sales)"
            ).fetchone()
            if row and row[0]:
                rebuild_orders(con)
        return store

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self._open_with_retry()
        try:
            yield con
        finally:
            con.close()

    def _open_with_retry(self) -> duckdb.DuckDBPyConnection:
        # Another process (the app, or a CLI run) may hold the file for a moment: the
        # connections are short, so waiting a little beats failing.
        delay = 0.05
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con = duckdb.connect(str(self.path))
                # A terminal progress bar would scribble over the command line's output.
                con.execute("SET enable_progress_bar = false")
                return con
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise InputError(
                        f"cannot open the database {self.path.name}: {exc}",
                        hint="Another GeoCRM process may be writing to it; try again when done",
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: everything written through the connection commits together."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- reading -----------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        with self.connect() as con:
            return con.execute(sql, list(params or [])).df()

    def table_counts(self) -> dict[str, int]:
        with self.connect() as con:
            return {
                t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
                for t in TABLES
            }

    def data_version(self) -> int:
        """A number that changes with every write; caches key on it."""
        with self.connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
        return int(row[0]) if row else 0

    def levels(self) -> list[str]:
        """Area levels from coarsest to finest (see :func:`levels_in`)."""
        with self.connect() as con:
            return levels_in(con)

    def area_counts(self) -> dict[str, int]:
        """Number of areas per level."""
        with self.connect() as con:
            return dict(con.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())

    def load_areas(self, level: str | None = None) -> gpd.GeoDataFrame:
        """Areas (all levels, or one) as a GeoDataFrame in EPSG:4326."""
        with self.connect() as con:
            return areas_in(con, level)

    def customer_ids(self) -> pd.Index:
        return pd.Index(self.query("SELECT customer_id FROM customers")["customer_id"])

    # -- writing (inside a transaction) --------------------------------------------------

    @staticmethod
    def bump_data_version(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "INSERT INTO meta VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE "
            "SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
        )

    @staticmethod
    def replace_level(con: duckdb.DuckDBPyConnection, areas: gpd.GeoDataFrame) -> None:
        """Replace every area of the frame's level(s) by the frame's areas."""
        frame = pd.DataFrame(areas.drop(columns="geometry"))
        frame["geometry"] = shapely.to_wkb(areas.geometry.to_numpy())
        frame = frame[list(AREA_COLUMNS)]
        levels = sorted(frame["level"].dropna().unique().tolist())
        con.register("new_areas", frame)
        try:
            clash = con.execute(
                "SELECT n.area_id, a.level FROM new_areas n JOIN areas a USING (area_id) "
                "WHERE a.level NOT IN (SELECT DISTINCT level FROM new_areas) LIMIT 1"
            ).fetchone()
            if clash:
                raise InputError(
                    f"area ID '{clash[0]}' is already used at level '{clash[1]}'",
                    column="area_id",
                    hint="Area IDs must be unique across levels: prefix them",
                )
            con.execute(
                f"DELETE FROM assignments WHERE level IN ({', '.join('?' for _ in levels)})",
                levels,
            )
            con.execute(
                f"DELETE FROM areas WHERE level IN ({', '.join('?' for _ in levels)})", levels
            )
            con.execute(f"INSERT INTO areas SELECT {', '.join(AREA_COLUMNS)} FROM new_areas")
        finally:
            con.unregister("new_areas")

    @staticmethod
    def upsert_customers(con: duckdb.DuckDBPyConnection, customers: pd.DataFrame) -> None:
        """Insert customers; a customer_id already present is replaced (row and assignments)."""
        replace_by_key(con, "customers", CUSTOMER_COLUMNS, customers, "customer_id", "assignments")

    @staticmethod
    def upsert_sales(con: duckdb.DuckDBPyConnection, sales: pd.DataFrame) -> None:
        """Insert order lines; the lines of an order_id already present are replaced.

        The ``orders`` table (one row per customer's order) is rebuilt from all the lines.
        """
        replace_by_key(con, "sales", SALE_COLUMNS, sales, "order_id")
        rebuild_orders(con)

    @staticmethod
    def write_assignments(
        con: duckdb.DuckDBPyConnection, level: str, assignments: pd.DataFrame
    ) -> None:
        """Replace the level's assignments of the given customers."""
        frame = assignments[list(ASSIGNMENT_COLUMNS)]
        con.register("new_assignments", frame)
        try:
            con.execute(
                "DELETE FROM assignments WHERE level = ? AND customer_id IN "
                "(SELECT customer_id FROM new_assignments)",
                [level],
            )
            con.execute("INSERT INTO assignments SELECT * FROM new_assignments")
        finally:
            con.unregister("new_assignments")

    @staticmethod
    def log_import(con: duckdb.DuckDBPyConnection, report: ImportReport) -> None:
        con.execute(
            "INSERT INTO import_log (table_name, source, rows_read, imported, rejected, detail) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [
                report.table,
                report.source,
                report.rows_read,
                report.imported,
                report.rejected_count,
                json.dumps(report.to_dict()),
            ],
        )


def replace_by_key(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    frame: pd.DataFrame,
    key: str,
    dependent: str | None = None,
) -> None:
    """Insert ``frame`` into ``table``; stored rows sharing a ``key`` value are replaced first
    (and rows of the ``dependent`` table with that key, which belong to the old rows)."""
    con.register("incoming", frame[list(columns)])
    try:
        for target in (dependent, table):
            if target:
                con.execute(
                    f"DELETE FROM {target} WHERE {key} IN (SELECT DISTINCT {key} FROM incoming)"
                )
        con.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM incoming")
    finally:
        con.unregister("incoming")


def rebuild_orders(con: duckdb.DuckDBPyConnection) -> None:
    """One row per order and customer, from the order lines, stored in date order.

    An order is dated by its earliest line and worth the sum of its lines. Orders are the
    grain of every count of orders and of the date filters; storing them in date order lets
    a date range skip the rest of the table.
    """
    con.execute("DELETE FROM orders")
    con.execute(
        "INSERT INTO orders SELECT order_id, customer_id, min(order_date), sum(amount), "
        "count(*) FROM sales GROUP BY order_id, customer_id ORDER BY min(order_date), customer_id"
    )


def levels_in(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Area levels from coarsest to finest, ordered by the parent links between levels.

    A level whose areas' parents lie in level X comes after X; levels without such links
    are ordered by their number of areas (fewer areas = coarser).
    """
    counts = dict(con.execute("SELECT level, count(*) FROM areas GROUP BY level").fetchall())
    parent_of = dict(
        con.execute(
            "SELECT DISTINCT c.level, p.level FROM areas c JOIN areas p "
            "ON c.parent_id = p.area_id WHERE c.level <> p.level"
        ).fetchall()
    )

    def depth_of(level: str, seen: frozenset[str] = frozenset()) -> int:
        parent = parent_of.get(level)
        if parent is None or parent in seen:
            return 0
        return 1 + depth_of(parent, seen | {level})

    return sorted(counts, key=lambda lv: (depth_of(lv), counts[lv], lv))


def areas_in(con: duckdb.DuckDBPyConnection, level: str | None = None) -> gpd.GeoDataFrame:
    """Areas seen through ``con`` (so inside a transaction too), EPSG:4326."""
    sql = f"SELECT {', '.join(AREA_COLUMNS)} FROM areas"
    params: list[Any] = []
    if level is not None:
        sql += " WHERE level = ?"
        params.append(level)
    frame = con.execute(sql + " ORDER BY area_id", params).df()
    geometry = shapely.from_wkb([bytes(b) for b in frame.pop("geometry")])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS_WGS84)


def log_export(store: Store, description: str, fmt: str, rows: int, file_name: str) -> None:
    """Record an export in the audit trail."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO export_log (segment, format, rows, file_name) VALUES (?, ?, ?, ?)",
            [description, fmt, rows, file_name],
        )
