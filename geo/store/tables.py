"""The canonical tables: their definition, and the reads and writes every store shares.

Written in the portable SQL subset (see :mod:`geo.store.dialect`), through the handles of
:mod:`geo.store.protocol`, so any engine's store runs them. Geometries are kept as WKB in
EPSG:4326 (lon/lat degrees).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, Self

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
    LOCATION_PROVENANCE,
    SALE_COLUMNS,
)
from geo.store.data_version import data_version_in
from geo.store.derived_tables import parse_score_state, rebuild_orders
from geo.store.dialect import Dialect, placeholders
from geo.store.import_batches import (
    close_every_batch,
    create_import_batches,
    import_batches,
    keep_replaced_levels,
    keep_replaced_rows,
)
from geo.store.location_fixes import create_corrections
from geo.store.protocol import Store, StoreReader, StoreWriter
from geo.store.rollups import create_rollup_tables
from geo.store.row_security import (
    enable_row_security,
    grant_plain_reads,
    may_complete_row_security,
)
from geo.store.scope import EVERYTHING, TERRITORY_TABLES, Scope

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
#: Who may sign in and the audit trail (schema version 5): kept apart from :data:`TABLES`,
#: which a database of any version holds, so that an older file read as it is can be
#: counted and shown.
ACCESS_TABLES = ("users", "user_areas", "audit_log")


def schema_sql(dialect: Dialect) -> str:
    """The statements that create every table missing from a database: schema version 1.

    Never changed: a database at version 1 or later does not run them again, so a table or
    column added here would never reach it. A change of schema is a new step of
    :data:`MIGRATIONS` (``CREATE TABLE IF NOT EXISTS``, ``ALTER TABLE ... ADD COLUMN``).
    """
    return f"""
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS areas (
    area_id VARCHAR PRIMARY KEY, name VARCHAR, level VARCHAR NOT NULL, parent_id VARCHAR,
    owner VARCHAR, households DOUBLE PRECISION, geometry {dialect.binary_type} NOT NULL
);
CREATE TABLE IF NOT EXISTS customers (
    customer_id VARCHAR PRIMARY KEY, name VARCHAR, kind VARCHAR NOT NULL, lat DOUBLE PRECISION,
    lon DOUBLE PRECISION, postcode VARCHAR, email VARCHAR, owner VARCHAR, created_on DATE,
    extra VARCHAR
);
CREATE TABLE IF NOT EXISTS sales (
    order_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, order_date DATE NOT NULL,
    amount DOUBLE PRECISION NOT NULL, category VARCHAR, channel VARCHAR
);
CREATE TABLE IF NOT EXISTS orders (
    order_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, order_date DATE NOT NULL,
    amount DOUBLE PRECISION NOT NULL, lines BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS customer_scores (
    customer_id VARCHAR NOT NULL, first_order DATE, last_order DATE, frequency BIGINT,
    monetary DOUBLE PRECISION, recency_days BIGINT, r INTEGER, f INTEGER, m INTEGER,
    segment VARCHAR, gap_days DOUBLE PRECISION, churn_risk DOUBLE PRECISION,
    risk_band VARCHAR, aov DOUBLE PRECISION, value_3y DOUBLE PRECISION, expected_next DATE,
    contact_status VARCHAR
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


def _create_tables(tx: StoreWriter) -> None:
    """Version 1: the canonical tables (each created only if missing, so a database written
    before versions were counted keeps its rows). The orders of such a database are derived
    again: it summed an order's lines without rounding (see
    :func:`geo.store.derived_tables.money_sum`), or had no orders table at all."""
    for setup in tx.dialect.setup_statements:
        tx.execute(setup)
    for statement in schema_sql(tx.dialect).split(";"):
        if statement.strip():
            tx.execute(statement)
    if tx.scalar("SELECT EXISTS (SELECT 1 FROM sales)"):
        rebuild_orders(tx)


def _add_engine_indexes(tx: StoreWriter) -> None:
    """Version 2: what the engine adds for speed (on PostgreSQL: PostGIS geometries of
    areas and customers with GiST indexes, and key indexes)."""
    for statement in tx.dialect.index_statements:
        tx.execute(statement)


def _add_segment_revisions(tx: StoreWriter) -> None:
    """Version 3: each saved segment counts its revisions (1 for one saved before), so a
    save, rename or delete can state the revision it started from and be refused when
    someone else changed the segment meanwhile (see :mod:`geo.segments.saved`)."""
    tx.execute("ALTER TABLE segments ADD COLUMN revision BIGINT")
    tx.execute("UPDATE segments SET revision = 1")


def _create_users_and_audit(tx: StoreWriter) -> None:
    """Version 5: who may sign in, with which role and areas, and the audit trail (see
    :mod:`geo.access`)."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS users (email VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, "
        "all_areas BOOLEAN NOT NULL, active BOOLEAN NOT NULL, changed_at TIMESTAMP, "
        "changed_by VARCHAR)"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS user_areas (email VARCHAR NOT NULL, level VARCHAR NOT NULL, "
        "area_id VARCHAR NOT NULL, PRIMARY KEY (email, level, area_id))"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS audit_log (logged_at TIMESTAMP NOT NULL, actor VARCHAR "
        "NOT NULL, action VARCHAR NOT NULL, subject VARCHAR, detail VARCHAR, rows BIGINT, "
        "format VARCHAR)"
    )


def _create_territory_tables(tx: StoreWriter) -> None:
    """Version 7: what-if scenarios of territory design (each unit's territory, and each
    territory's name and owner) and the alignment history: which territory and owner held
    each unit (the territory's name then) from when (``valid_from``, NULL: since records
    began) until when
    (``valid_to``, NULL: still), calendar days (see :mod:`geo.territories.history`)."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS scenarios (name VARCHAR PRIMARY KEY, unit_level VARCHAR "
        "NOT NULL, territory_level VARCHAR NOT NULL, note VARCHAR, created_by VARCHAR, "
        "created_at TIMESTAMP, updated_at TIMESTAMP, revision BIGINT NOT NULL, "
        "applied_at TIMESTAMP, applied_by VARCHAR)"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS scenario_units (scenario VARCHAR NOT NULL, unit_id VARCHAR "
        "NOT NULL, territory_id VARCHAR NOT NULL, PRIMARY KEY (scenario, unit_id))"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS scenario_territories (scenario VARCHAR NOT NULL, "
        "territory_id VARCHAR NOT NULL, name VARCHAR, owner VARCHAR, "
        "PRIMARY KEY (scenario, territory_id))"
    )
    tx.execute(
        "CREATE TABLE IF NOT EXISTS alignment_history (territory_level VARCHAR NOT NULL, "
        "unit_level VARCHAR NOT NULL, unit_id VARCHAR NOT NULL, territory_id VARCHAR, "
        "territory_name VARCHAR, owner VARCHAR, valid_from DATE, valid_to DATE, scenario VARCHAR, "
        "recorded_at TIMESTAMP, recorded_by VARCHAR)"
    )
    grant_plain_reads(tx, TERRITORY_TABLES)


def _add_location_sources(tx: StoreWriter) -> None:
    """Schema step 10: how each customer's point was found, and why there is none (on
    the customers and on the rows import batches keep). Rows stored before stay without a
    source: it was not recorded."""
    for table in ("customers", "batch_customers"):
        for column in LOCATION_PROVENANCE:
            tx.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} VARCHAR")


#: The schema's history: each step brings a database from the version before it to its
#: own number. Steps are never edited once released; a change of schema is a new step.
MIGRATIONS = (
    (1, "canonical tables", _create_tables),
    (2, "engine indexes", _add_engine_indexes),
    (3, "segment revisions", _add_segment_revisions),
    (4, "roll-ups", create_rollup_tables),
    (5, "users and audit", _create_users_and_audit),
    (6, "row-level security", enable_row_security),
    (7, "territory scenarios and alignment history", _create_territory_tables),
    (8, "import batches", create_import_batches),
    (9, "locations fixed by hand and merged customers", create_corrections),
    (10, "how each location was found", _add_location_sources),
)
#: The version a database has once every step ran.
SCHEMA_VERSION = MIGRATIONS[-1][0]


def schema_version_of(reader: StoreReader) -> int:
    """The schema version of a database: 0 when it has no tables yet, or was written
    before versions were counted (then step 1 keeps what it holds)."""
    has_meta = reader.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' "
        "AND table_schema = ?",
        [reader.dialect.table_schema],
    )
    if not has_meta:
        return 0
    value = reader.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
    return int(value) if value is not None else 0


def upgrade_schema(store: Store) -> int:
    """Bring ``store``'s schema to :data:`SCHEMA_VERSION`; the number of steps run.

    Run when a store is opened. Only one writer upgrades: the version is read again inside
    the write transaction (which writers of every process take in turn), so a process that
    starts while another upgrades finds the work done and runs no step. Customer scores of
    an older :data:`~geo.store.derived_tables.SCORES_FORMAT` are recomputed in the same
    transaction. A read-only database is left as it is; one written by a newer
    GeoCRM is refused (:class:`InputError`) and left unchanged, read-only or not. A
    PostgreSQL database set up without row-level security because its user could not
    create the reader role gets it at the first open after that role exists.
    """
    with store.snapshot() as reader:
        found = schema_version_of(reader)
        stale = found == SCHEMA_VERSION and _scores_are_stale(reader)
        complete_security = found >= 6 and store.writable and may_complete_row_security(reader)
    _refuse_newer(store, found)
    if complete_security:
        # Set up without the reader role once; an administrator has made it since.
        with store.transaction() as tx:
            enable_row_security(tx)
    if not store.writable or (found == SCHEMA_VERSION and not stale):
        return 0
    ran = 0
    with store.transaction() as tx:  # its commit rescores stale scores
        found = schema_version_of(tx)
        _refuse_newer(store, found)
        for number, _description, step in MIGRATIONS:
            if number > found:
                step(tx)
                set_meta(tx, "schema_version", str(number))
                found = number
                ran += 1
    return ran


def _refuse_newer(store: Store, found: int) -> None:
    if found > SCHEMA_VERSION:
        raise InputError(
            f"the database {store.shown} was written by a newer GeoCRM "
            f"(schema version {found}; this GeoCRM knows up to {SCHEMA_VERSION})",
            hint="Open it with that GeoCRM or a newer one; it was left unchanged",
        )


def _scores_are_stale(reader: StoreReader) -> bool:
    """Whether the stored customer scores are missing their record or of another format
    (the store rescores them before its next commit)."""
    text = reader.scalar("SELECT value FROM meta WHERE key = 'scores'")
    return text is None or not parse_score_state(str(text))[0].current


# -- reading ---------------------------------------------------------------------------


def levels_in(reader: StoreReader) -> list[str]:
    """Area levels from coarsest to finest, ordered by the parent links between levels.

    A level whose areas' parents lie in level X comes after X; levels without such links
    are ordered by their number of areas (fewer areas = coarser).
    """
    counts = area_counts_in(reader)
    links = reader.query(
        "SELECT DISTINCT c.level AS child, p.level AS parent FROM areas c JOIN areas p "
        "ON c.parent_id = p.area_id WHERE c.level <> p.level"
    )
    parent_of = dict(zip(links["child"], links["parent"], strict=True))

    def depth_of(level: str, seen: frozenset[str] = frozenset()) -> int:
        parent = parent_of.get(level)
        if parent is None or parent in seen:
            return 0
        return 1 + depth_of(parent, seen | {level})

    return sorted(counts, key=lambda lv: (depth_of(lv), counts[lv], lv))


def area_counts_in(reader: StoreReader) -> dict[str, int]:
    """Number of areas per level."""
    frame = reader.query("SELECT level, count(*) AS n FROM areas GROUP BY level ORDER BY level")
    return {str(level): int(n) for level, n in zip(frame["level"], frame["n"], strict=True)}


def areas_in(reader: StoreReader, level: str | None = None) -> gpd.GeoDataFrame:
    """Areas seen through ``reader`` (so inside a transaction too), EPSG:4326."""
    sql = f"SELECT {', '.join(AREA_COLUMNS)} FROM areas"
    params: list[Any] = []
    if level is not None:
        sql += " WHERE level = ?"
        params.append(level)
    frame = reader.query(sql + " ORDER BY area_id", params)
    geometry = shapely.from_wkb([bytes(b) for b in frame.pop("geometry")])
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=CRS_WGS84)


# -- writing (inside a transaction) ------------------------------------------------------


def bump_data_version(tx: StoreWriter) -> None:
    """Count one more write: caches keyed by the data version are then not reused."""
    tx.execute(
        "INSERT INTO meta VALUES ('data_version', '1') ON CONFLICT (key) DO UPDATE "
        "SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
    )


def replace_level(tx: StoreWriter, areas: gpd.GeoDataFrame, batch_id: str | None = None) -> None:
    """Replace every area of the frame's level(s) by the frame's areas (written by the
    import batch ``batch_id``, which keeps the areas it replaces; None: not an import)."""
    frame = pd.DataFrame(areas.drop(columns="geometry"))
    frame["geometry"] = shapely.to_wkb(areas.geometry.to_numpy())
    columns = (*AREA_COLUMNS, "batch_id") if batch_id is not None else AREA_COLUMNS
    frame = frame.assign(batch_id=_batch_column(frame, batch_id))[list(columns)]
    levels = sorted(frame["level"].dropna().unique().tolist())
    with tx.staged("new_areas", frame, "areas"):
        clash = tx.query(
            "SELECT n.area_id, a.level FROM new_areas n JOIN areas a ON a.area_id = n.area_id "
            "WHERE a.level NOT IN (SELECT DISTINCT level FROM new_areas) LIMIT 1"
        )
        if len(clash):
            raise InputError(
                f"area ID '{clash['area_id'].iloc[0]}' is already used at level "
                f"'{clash['level'].iloc[0]}'",
                column="area_id",
                hint="Area IDs must be unique across levels: prefix them",
            )
        marks = placeholders(levels)
        if batch_id is not None:
            keep_replaced_levels(tx, levels, batch_id)
        tx.execute(f"DELETE FROM assignments WHERE level IN ({marks})", levels)
        tx.execute(f"DELETE FROM areas WHERE level IN ({marks})", levels)
        names = ", ".join(columns)
        tx.execute(f"INSERT INTO areas ({names}) SELECT {names} FROM new_areas")


def replace_by_key(
    tx: StoreWriter,
    table: str,
    columns: tuple[str, ...],
    frame: pd.DataFrame,
    key: str,
    dependent: str | None = None,
    batch_id: str | None = None,
) -> None:
    """Insert ``frame`` into ``table``; stored rows sharing a ``key`` value are replaced first
    (and rows of the ``dependent`` table with that key, which belong to the old rows). Rows
    written by the import batch ``batch_id`` carry its ID, and the batch keeps the rows they
    replace (None: not an import)."""
    if batch_id is not None:  # a database of an older schema has no batch_id column
        columns = (*columns, "batch_id")
    incoming = frame.assign(batch_id=_batch_column(frame, batch_id))[list(columns)]
    with tx.staged("incoming", incoming, table):
        if batch_id is not None and not _is_empty(tx, table):
            keep_replaced_rows(tx, table, "incoming", batch_id)
        for target in (dependent, table):
            # From an empty table (a first import) nothing is replaced: no pass over keys.
            if target and not _is_empty(tx, target):
                tx.execute(
                    f"DELETE FROM {target} WHERE {key} IN (SELECT DISTINCT {key} FROM incoming)"
                )
        names = ", ".join(columns)
        tx.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming")


def _batch_column(frame: pd.DataFrame, batch_id: str | None) -> pd.Series:
    """The ``batch_id`` column of rows an import batch is about to write (text)."""
    return pd.Series(batch_id, index=frame.index, dtype="string")


def _is_empty(tx: StoreWriter, table: str) -> bool:
    return tx.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT 1) AS one") == 0


def upsert_customers(tx: StoreWriter, customers: pd.DataFrame, batch_id: str | None = None) -> None:
    """Insert customers; a customer_id already present is replaced (row and assignments).
    ``batch_id``: the import batch writing them (see :mod:`geo.store.import_batches`)."""
    # A frame that does not say how its points were found (a hand-made one, a tool's)
    # leaves those columns empty, and so writes to a database of an older schema too.
    columns = (
        CUSTOMER_COLUMNS
        if "location_source" in customers.columns
        else tuple(c for c in CUSTOMER_COLUMNS if c not in LOCATION_PROVENANCE)
    )
    replace_by_key(tx, "customers", columns, customers, "customer_id", "assignments", batch_id)


def upsert_sales(tx: StoreWriter, sales: pd.DataFrame, batch_id: str | None = None) -> None:
    """Insert order lines; the lines of an order_id already present are replaced.
    ``batch_id``: the import batch writing them (see :mod:`geo.store.import_batches`).

    The ``orders`` table (one row per customer's order) is rebuilt from all the lines.
    """
    replace_by_key(tx, "sales", SALE_COLUMNS, sales, "order_id", batch_id=batch_id)
    rebuild_orders(tx)


def write_assignments(
    tx: StoreWriter, level: str, assignments: pd.DataFrame, *, replacing: bool = True
) -> None:
    """Replace the level's assignments of the given customers (``replacing=False``: they
    have none stored, so none is looked for)."""
    with tx.staged("new_assignments", assignments[list(ASSIGNMENT_COLUMNS)], "assignments"):
        if replacing:
            tx.execute(
                "DELETE FROM assignments WHERE level = ? AND customer_id IN "
                "(SELECT customer_id FROM new_assignments)",
                [level],
            )
        columns = ", ".join(ASSIGNMENT_COLUMNS)
        tx.execute(f"INSERT INTO assignments ({columns}) SELECT {columns} FROM new_assignments")


def clear_business(tx: StoreWriter) -> None:
    """Remove every area, customer, order line and assignment (saved segments and the logs
    stay); no import before it can be undone any more."""
    for table in ("assignments", "sales", "orders", "customers", "areas"):
        tx.execute(f"DELETE FROM {table}")
    close_every_batch(tx, "all the data was replaced since")


def set_meta(tx: StoreWriter, key: str, value: str) -> None:
    """Store ``value`` under ``key`` in the ``meta`` table (replacing what was there)."""
    tx.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def carry_data_version(tx: StoreWriter, earlier: int) -> None:
    """Add ``earlier`` (the data version of a database this one replaces) to the data
    version, so caches keyed by a version of the replaced database are never reused."""
    tx.execute(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + ? AS VARCHAR) "
        "WHERE key = 'data_version'",
        [earlier],
    )


def log_import(tx: StoreWriter, report: ImportReport, written: int | None = None) -> None:
    """Record an import in the import log: its batch, who imported, and ``written``, the
    rows it wrote (the imported rows unless told: an area file's areas, a sales file's
    lines), which an undo finds still stored."""
    tx.execute(
        "INSERT INTO import_log (table_name, source, rows_read, imported, rejected, detail, "
        "batch_id, imported_by, written) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.table,
            report.source,
            report.rows_read,
            report.imported,
            report.rejected_count,
            json.dumps(report.to_dict()),
            report.batch_id,
            report.imported_by,
            report.imported if written is None else written,
        ],
    )


def log_export(tx: StoreWriter, description: str, fmt: str, rows: int, file_name: str) -> None:
    """Record an export in the audit trail."""
    tx.execute(
        "INSERT INTO export_log (segment, format, rows, file_name) VALUES (?, ?, ?, ?)",
        [description, fmt, rows, file_name],
    )


class CanonicalTables:
    """The reads and writes of the canonical tables that every store shares, in portable SQL.

    A store supplies :meth:`query`, :meth:`scalar` and :meth:`snapshot` (its connections);
    the writes take the handle of the store's transaction.
    """

    scope: Scope

    @property
    def dialect(self) -> Dialect:
        raise NotImplementedError

    def within(self, scope: Scope) -> Self:
        """This store with its reads narrowed to ``scope`` as well (never widened): the
        store itself is a frozen dataclass, so the copy shares its connections."""
        return dataclasses.replace(self, scope=self.scope.narrowed_by(scope))  # type: ignore[type-var]

    def query(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> pd.DataFrame:
        raise NotImplementedError

    def scalar(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> Any:
        raise NotImplementedError

    def snapshot(self, scope: Scope = EVERYTHING) -> AbstractContextManager[StoreReader]:
        raise NotImplementedError

    # -- reading -----------------------------------------------------------------------

    def table_counts(self) -> dict[str, int]:
        """Rows per stored table."""
        with self.snapshot() as reader:
            return {t: int(reader.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}

    def data_version(self) -> int:
        """A number that changes with every write; caches key on it."""
        with self.snapshot() as reader:
            return data_version_in(reader)

    def levels(self) -> list[str]:
        """Area levels from coarsest to finest (see :func:`levels_in`)."""
        with self.snapshot() as reader:
            return levels_in(reader)

    def area_counts(self) -> dict[str, int]:
        """Number of areas per level."""
        with self.snapshot() as reader:
            return area_counts_in(reader)

    def load_areas(
        self, level: str | None = None, *, scope: Scope = EVERYTHING
    ) -> gpd.GeoDataFrame:
        """Areas (all levels, or one) as a GeoDataFrame in EPSG:4326."""
        with self.snapshot(scope) as reader:
            return areas_in(reader, level)

    def area_names(self, level: str, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
        """area_id and name of the level's areas, by name."""
        return self.query(
            "SELECT area_id, name FROM areas WHERE level = ? ORDER BY name, area_id",
            [level],
            scope=scope,
        )

    def named_areas(self, *, scope: Scope = EVERYTHING) -> dict[str, str]:
        """The name of every area that has one (all levels), by area_id."""
        frame = self.query("SELECT area_id, name FROM areas WHERE name IS NOT NULL", scope=scope)
        return dict(zip(frame["area_id"], frame["name"], strict=True))

    def owner_names(self, *, scope: Scope = EVERYTHING) -> list[str]:
        """Every owner named by a customer or an area, in order."""
        frame = self.query(
            "SELECT DISTINCT owner FROM (SELECT owner FROM customers UNION ALL "
            "SELECT owner FROM areas) AS named WHERE owner IS NOT NULL ORDER BY owner",
            scope=scope,
        )
        return [str(v) for v in frame["owner"]]

    def sales_date_range(self, *, scope: Scope = EVERYTHING) -> tuple[date | None, date | None]:
        """The first and last order line dates (calendar dates); None, None without sales."""
        row = self.query(
            "SELECT min(order_date) AS lo, max(order_date) AS hi FROM sales", scope=scope
        )
        lo, hi = row.iloc[0]["lo"], row.iloc[0]["hi"]
        if pd.isna(lo) or pd.isna(hi):
            return None, None
        return pd.Timestamp(lo).date(), pd.Timestamp(hi).date()

    def latest_imports(self, limit: int) -> pd.DataFrame:
        """The import log's latest ``limit`` entries, newest first, with their batch (see
        :func:`geo.store.import_batches.import_batches`)."""
        return import_batches(self, limit)

    def customer_ids(self, *, scope: Scope = EVERYTHING) -> pd.Index:
        """Every stored customer_id."""
        return pd.Index(self.query("SELECT customer_id FROM customers", scope=scope)["customer_id"])

    def customer_locations(self) -> pd.DataFrame:
        """customer_id, lat, lon (WGS84 degrees; null when unknown) of every customer and
        prospect, by customer_id."""
        return self.query("SELECT customer_id, lat, lon FROM customers ORDER BY customer_id")

    def order_ids(self) -> pd.Index:
        """Every stored order_id, once."""
        return pd.Index(self.query("SELECT DISTINCT order_id FROM sales")["order_id"])

    def holds_business(self) -> bool:
        """Whether there are areas and customers (a usable business), judged by the data."""
        return bool(
            self.scalar("SELECT EXISTS (SELECT 1 FROM areas) AND EXISTS (SELECT 1 FROM customers)")
        )

    def table_rows(self, table: str) -> pd.DataFrame:
        """Every row of ``table``, one of :data:`TABLES`."""
        if table not in TABLES:
            raise ValueError(f"no table {table!r}")
        return self.query(f"SELECT {', '.join(self.table_columns(table))} FROM {table}")

    def table_columns(self, table: str) -> list[str]:
        """The stored columns of ``table`` in order (not those the engine derives itself,
        such as PostGIS geometries)."""
        columns = self.query(f"SELECT * FROM {table} LIMIT 0").columns
        return [str(c) for c in columns if c not in self.dialect.derived_columns]

    # -- writing (inside a transaction) --------------------------------------------------

    bump_data_version = staticmethod(bump_data_version)
    replace_level = staticmethod(replace_level)
    upsert_customers = staticmethod(upsert_customers)
    upsert_sales = staticmethod(upsert_sales)
    write_assignments = staticmethod(write_assignments)
    clear_business = staticmethod(clear_business)
    set_meta = staticmethod(set_meta)
    carry_data_version = staticmethod(carry_data_version)
    log_import = staticmethod(log_import)
    log_export = staticmethod(log_export)
