"""The embedded DuckDB store: one database file holding every canonical table.

Geometries are kept as WKB in EPSG:4326 (lon/lat degrees). Writes happen inside one
transaction per import, so a failed import leaves the database exactly as it was.

Many users at once, following DuckDB's rules for concurrency: within one process, every
thread shares one database instance per file and runs each operation on a cursor of its
own; writers of one process take turns through a process-wide lock. Across processes only
one may hold the file, so the instance is closed as soon as no operation uses it: the app
and the command line take turns on the same file. A file held by another process for longer
than the wait raises :class:`StoreBusyError`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from geo.errors import InputError, MissingDatabaseError, StoreBusyError
from geo.import_report import ImportReport
from geo.schema import (
    AREA_COLUMNS,
    ASSIGNMENT_COLUMNS,
    CRS_WGS84,
    CUSTOMER_COLUMNS,
    SALE_COLUMNS,
)
from geo.shipped_files import DEFAULT_WORK_DIR

#: The database unless ``--db`` or ``GEOCRM_DB`` name another (never inside the package).
DEFAULT_DB = DEFAULT_WORK_DIR / "geocrm.duckdb"
#: How long to wait for another process to release the database file, in seconds
#: (``GEOCRM_LOCK_WAIT_SECONDS`` overrides it).
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


def lock_wait_seconds() -> float:
    """How long an operation waits for another process to release the file, in seconds."""
    text = os.environ.get("GEOCRM_LOCK_WAIT_SECONDS")
    try:
        return max(float(text), 0.0) if text else LOCK_WAIT_SECONDS
    except ValueError:
        return LOCK_WAIT_SECONDS


def is_writable(path: Path) -> bool:
    """Whether this process may change the database file (and create its journal beside it).

    A file or folder without any write permission bit counts as read-only even for a
    superuser, who could write it: someone marked it so.
    """

    def may_write(p: Path) -> bool:
        return os.access(p, os.W_OK) and bool(p.stat().st_mode & 0o222)

    return (not path.exists() or may_write(path)) and may_write(path.parent)


@dataclass
class _SharedDatabase:
    """One process's DuckDB instance of a file, and how many operations are using it."""

    connection: duckdb.DuckDBPyConnection
    read_only: bool
    users: int = 0


# Opening and closing instances, and handing out cursors, happen under one lock: a file
# opened and closed by two threads at once makes DuckDB report a file handle conflict.
_SHARED: dict[str, _SharedDatabase] = {}
_SHARED_LOCK = threading.Lock()
_WRITE_LOCKS: dict[str, threading.RLock] = {}


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return "lock" in text or "conflict" in text


def _open_cursor(path: Path, wait: float) -> duckdb.DuckDBPyConnection:
    """A cursor on the process's shared instance of ``path``, opening it if needed."""
    key = _key(path)
    delay = 0.05
    deadline = time.monotonic() + wait
    while True:
        with _SHARED_LOCK:
            shared = _SHARED.get(key)
            if shared is None:
                read_only = not is_writable(path)
                try:
                    connection = duckdb.connect(key, read_only=read_only)
                except (duckdb.IOException, duckdb.BinderException) as exc:
                    if not _is_lock_conflict(exc):
                        raise InputError(
                            f"cannot open the database {path.name}",
                            hint="Check that it is a GeoCRM database file",
                        ) from None
                else:
                    shared = _SHARED[key] = _SharedDatabase(connection, read_only)
            if shared is not None:
                cursor = shared.connection.cursor()
                shared.users += 1
                # A terminal progress bar would scribble over the command line's output.
                cursor.execute("SET enable_progress_bar = false")
                return cursor
        # Another process holds the file; its operations are short, so waiting a little
        # beats failing.
        if time.monotonic() >= deadline:
            raise StoreBusyError()
        time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
        delay = min(delay * 2, 0.5)


def _close_cursor(path: Path, cursor: duckdb.DuckDBPyConnection) -> None:
    key = _key(path)
    with _SHARED_LOCK:
        cursor.close()
        shared = _SHARED[key]
        shared.users -= 1
        if shared.users == 0:
            # Releases the file, so that another process can take its turn.
            del _SHARED[key]
            shared.connection.close()


def _write_lock(path: Path) -> threading.RLock:
    with _SHARED_LOCK:
        return _WRITE_LOCKS.setdefault(_key(path), threading.RLock())


@dataclass(frozen=True)
class Store:
    """A GeoCRM database file. Cheap to create; each operation uses a cursor of its own."""

    path: Path

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
        """The store at ``path`` (see :func:`resolve_db_path`), brought up to date.

        A missing file is created empty, or with ``create=False`` refused with
        :class:`MissingDatabaseError`. A file this process may not change is opened read-only,
        as it is; otherwise tables added by newer versions are created and derived tables
        (orders, customer scores) computed once if missing or stale.
        """
        store = cls(resolve_db_path(path))
        if not store.path.exists():
            if not create:
                raise MissingDatabaseError(str(store.path))
            store.path.parent.mkdir(parents=True, exist_ok=True)
        if not store.writable:
            return store
        with store.transaction() as con:
            con.execute(SCHEMA_SQL)
            # A database written before the orders table existed: derive it once.
            row = con.execute(
                "SELECT (SELECT count(*) FROM orders) = 0 AND EXISTS (SELECT 1 FROM sales)"
            ).fetchone()
            if row and row[0]:
                rebuild_orders(con)
        return store

    @property
    def writable(self) -> bool:
        return is_writable(self.path)

    def is_free(self) -> bool:
        """Whether an operation could start now (no other process holds the file)."""
        try:
            with self.connect(wait=0.0):
                return True
        except StoreBusyError:
            return False

    @contextmanager
    def connect(self, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of this thread's own; waits up to ``wait`` s for another process."""
        con = _open_cursor(self.path, lock_wait_seconds() if wait is None else wait)
        try:
            yield con
        finally:
            _close_cursor(self.path, con)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: everything written through the connection commits together.

        Derived tables whose inputs changed (the customer scores) are recomputed inside
        the same transaction, so readers never need to write.
        """
        from geo.analytics.scores import refresh_scores_in

        if not self.writable:
            raise InputError(
                f"the database {self.path.name} is read-only",
                hint="Make the file and its folder writable to change it",
            )
        lock = _write_lock(self.path)
        if not lock.acquire(timeout=lock_wait_seconds()):
            raise StoreBusyError()
        try:
            with self.connect() as con:
                con.execute("BEGIN TRANSACTION")
                try:
                    yield con
                    refresh_scores_in(con)
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
        finally:
            lock.release()

    def replace_file(self, new_file: Path) -> None:
        """Make ``new_file``, a complete GeoCRM database, this store's file.

        Open sessions keep working: the swap waits until no operation of this process
        uses the file (operations that start meanwhile wait for it, then open the new
        file), and it holds the file against other processes while the old file's journal
        is checkpointed, because the journal is named after the file and would otherwise
        be replayed into the new one. Raises :class:`StoreBusyError` after the usual wait.
        """
        key = _key(self.path)
        wait = lock_wait_seconds()
        deadline = time.monotonic() + wait
        lock = _write_lock(self.path)
        if not lock.acquire(timeout=wait):
            raise StoreBusyError()
        try:
            while True:
                with _SHARED_LOCK:
                    if key not in _SHARED and self._swap_in(new_file):
                        return
                if time.monotonic() >= deadline:
                    raise StoreBusyError()
                time.sleep(0.05)
        finally:
            lock.release()

    def _swap_in(self, new_file: Path) -> bool:
        """Replace the file by ``new_file`` unless another process holds it (then False)."""
        if not self.path.exists():
            os.replace(new_file, self.path)
            return True
        try:
            con = duckdb.connect(_key(self.path))
        except duckdb.IOException as exc:
            if _is_lock_conflict(exc):
                return False
            raise
        try:
            con.execute("CHECKPOINT")
            os.replace(new_file, self.path)
        finally:
            con.close()
        return True

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

    def area_names(self, level: str) -> pd.DataFrame:
        """area_id and name of the level's areas, by name."""
        return self.query(
            "SELECT area_id, name FROM areas WHERE level = ? ORDER BY name, area_id", [level]
        )

    def owner_names(self) -> list[str]:
        """Every owner named by a customer or an area, in order."""
        frame = self.query(
            "SELECT DISTINCT owner FROM (SELECT owner FROM customers UNION ALL "
            "SELECT owner FROM areas) WHERE owner IS NOT NULL ORDER BY owner"
        )
        return [str(v) for v in frame["owner"]]

    def sales_date_range(self) -> tuple[date | None, date | None]:
        """The first and last order line dates (calendar dates); None, None without sales."""
        row = self.query("SELECT min(order_date) AS lo, max(order_date) AS hi FROM sales")
        lo, hi = row.iloc[0]["lo"], row.iloc[0]["hi"]
        if pd.isna(lo) or pd.isna(hi):
            return None, None
        return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()

    def latest_imports(self, limit: int) -> pd.DataFrame:
        """The import log's latest ``limit`` entries, newest first."""
        return self.query(
            "SELECT logged_at, table_name, source, rows_read, imported, rejected FROM import_log "
            "ORDER BY logged_at DESC LIMIT ?",
            [limit],
        )

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
