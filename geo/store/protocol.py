"""What the rest of GeoCRM may ask of a database: the ``Store`` protocol and its handles.

Everything outside :mod:`geo.store` talks to these protocols and never sees a driver
type. Queries are SQL in the portable subset (see :mod:`geo.store.dialect`) with ``?``
placeholders and bound parameters; results come back as pandas frames, and areas as
GeoDataFrames in EPSG:4326 (lon/lat degrees). The DuckDB store
(:class:`geo.store.duckdb_store.DuckDBStore`) and the PostgreSQL store
(:class:`geo.store.postgres_store.PostgreSQLStore`) implement them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo.import_report import ImportReport
from geo.store.dialect import Dialect
from geo.store.scope import EVERYTHING, Scope


class StoreReader(Protocol):
    """Reads that all see one state of the database (a snapshot, or a transaction's own),
    within the scope the snapshot was opened with (see :mod:`geo.store.scope`)."""

    @property
    def scope(self) -> Scope:
        """The scope every read through this handle sees (a writer's is everything)."""
        ...

    @property
    def dialect(self) -> Dialect: ...

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """The rows of ``sql`` with ``params`` bound to its ``?`` placeholders."""
        ...

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first column of the first row of ``sql``; None without rows."""
        ...


class StoreWriter(StoreReader, Protocol):
    """The handle of a write transaction: everything written through it commits together."""

    #: The tables written so far in this transaction (lower case, without schema).
    written_tables: set[str]

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run ``sql`` (a statement that changes data) with ``params`` bound."""
        ...

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Append the rows of ``frame`` to ``table``; its columns name the table's columns."""
        ...

    def staged(
        self, name: str, frame: pd.DataFrame, like: str | None = None
    ) -> AbstractContextManager[None]:
        """While the context lasts, ``frame`` can be read in SQL as the relation ``name``
        (a bulk write's incoming rows, compared with the stored ones before they replace
        them), its columns typed as those of the table ``like`` (else as the frame's)."""
        ...


class Store(Protocol):
    """A GeoCRM database: its canonical tables, the derived tables kept with them, and the
    operations on them. Cheap to create; each operation takes its own connection.

    A store may be bound to a scope (:meth:`within`): then every read of it, whatever
    scope the caller passes, sees no more than that scope. The app hands its pages only
    the store bound to the signed-in user's scope.
    """

    @property
    def scope(self) -> Scope:
        """The scope every read is narrowed to (everything for an unbound store)."""
        ...

    def within(self, scope: Scope) -> Store:
        """This store with its reads narrowed to ``scope`` as well (never widened)."""
        ...

    @property
    def location(self) -> str:
        """Where the database lives: a file's path or a server's URL (see
        :mod:`geo.store.locations`); caches key on it. Never shown to a user."""
        ...

    @property
    def shown(self) -> str:
        """The database as a user may see it named: a file's name, a URL without password."""
        ...

    @property
    def work_dir(self) -> Path:
        """The folder of uploads and exports (beside a file; configured for a server)."""
        ...

    @property
    def dialect(self) -> Dialect: ...

    @property
    def writable(self) -> bool:
        """Whether this process may change the database."""
        ...

    def is_free(self) -> bool:
        """Whether an operation could start now (no other process holds the database)."""
        ...

    # -- reading -----------------------------------------------------------------------

    def query(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> pd.DataFrame:
        """The rows of ``sql`` with ``params`` bound, read on a connection of its own, as
        ``scope`` sees the customer tables."""
        ...

    def scalar(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> Any:
        """The first column of the first row of ``sql`` as ``scope`` sees it; None without
        rows."""
        ...

    def snapshot(self, scope: Scope = EVERYTHING) -> AbstractContextManager[StoreReader]:
        """Several reads that see the same state, whatever is written meanwhile, each as
        ``scope`` sees it."""
        ...

    def kept_open(self) -> AbstractContextManager[None]:
        """The database kept open while the block runs (a page's run), so its operations
        do not each open it again. Each operation still uses a connection of its own;
        another process that wants the file waits until the block ends."""
        ...

    def table_counts(self) -> dict[str, int]:
        """Rows per stored table."""
        ...

    def data_version(self) -> int:
        """A number that changes with every write; caches key on it."""
        ...

    def levels(self) -> list[str]:
        """Area levels from coarsest to finest."""
        ...

    def area_counts(self) -> dict[str, int]:
        """Number of areas per level."""
        ...

    def load_areas(
        self, level: str | None = None, *, scope: Scope = EVERYTHING
    ) -> gpd.GeoDataFrame:
        """Areas (all levels, or one) as a GeoDataFrame in EPSG:4326."""
        ...

    def area_names(self, level: str, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
        """area_id and name of the level's areas, by name."""
        ...

    def named_areas(self, *, scope: Scope = EVERYTHING) -> dict[str, str]:
        """The name of every area that has one (all levels), by area_id."""
        ...

    def owner_names(self, *, scope: Scope = EVERYTHING) -> list[str]:
        """Every owner named by a customer or an area, in order."""
        ...

    def sales_date_range(self, *, scope: Scope = EVERYTHING) -> tuple[date | None, date | None]:
        """The first and last order line dates; None, None without sales."""
        ...

    def latest_imports(self, limit: int) -> pd.DataFrame:
        """The import log's latest ``limit`` entries, newest first."""
        ...

    def customer_ids(self, *, scope: Scope = EVERYTHING) -> pd.Index:
        """Every stored customer_id, in no particular order (a set: sorting 10M IDs is not
        free, and no caller needs an order)."""
        ...

    def customer_locations(self) -> pd.DataFrame:
        """customer_id, lat, lon (WGS84 degrees; null when unknown) of every customer and
        prospect, by customer_id."""
        ...

    def order_ids(self) -> pd.Index:
        """Every stored order_id, once, in no particular order."""
        ...

    def holds_business(self) -> bool:
        """Whether there are areas and customers (a usable business), judged by the data."""
        ...

    def table_rows(self, table: str) -> pd.DataFrame:
        """Every row of one of the stored tables, in no particular order."""
        ...

    def table_columns(self, table: str) -> list[str]:
        """The stored columns of one of the tables, in order."""
        ...

    def replace_file(self, new_file: Path) -> None:
        """Make the contents of ``new_file``, a complete GeoCRM database file, this
        database's at once (open sessions see the old contents, then the new)."""
        ...

    # -- writing -----------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[StoreWriter]:
        """All or nothing: what is written through the handle commits together, with the
        derived tables (orders' scores) recomputed from it before the commit."""
        ...

    def bump_data_version(self, tx: StoreWriter) -> None:
        """Count one more write (inside ``tx``)."""
        ...

    def replace_level(
        self, tx: StoreWriter, areas: gpd.GeoDataFrame, batch_id: str | None = None
    ) -> None:
        """Replace every area of the frame's level(s) by the frame's areas (``batch_id``:
        the import batch writing them, which keeps the areas replaced)."""
        ...

    def upsert_customers(
        self, tx: StoreWriter, customers: pd.DataFrame, batch_id: str | None = None
    ) -> None:
        """Insert customers; a customer_id already present is replaced (row and assignments)."""
        ...

    def upsert_sales(
        self, tx: StoreWriter, sales: pd.DataFrame, batch_id: str | None = None
    ) -> None:
        """Insert order lines; the lines of an order_id already present are replaced."""
        ...

    def write_assignments(
        self, tx: StoreWriter, level: str, assignments: pd.DataFrame, *, replacing: bool = True
    ) -> None:
        """Replace the level's assignments of the given customers (``replacing=False``: they
        have none stored)."""
        ...

    def clear_business(self, tx: StoreWriter) -> None:
        """Remove every area, customer, order line and assignment (saved segments and the
        logs stay)."""
        ...

    def set_meta(self, tx: StoreWriter, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in the database's own settings."""
        ...

    def carry_data_version(self, tx: StoreWriter, earlier: int) -> None:
        """Carry on the data version of a database this one replaces."""
        ...

    def log_import(self, tx: StoreWriter, report: ImportReport, written: int | None = None) -> None:
        """Record an import (its batch) in the import log."""
        ...

    def log_export(
        self, tx: StoreWriter, description: str, fmt: str, rows: int, file_name: str
    ) -> None:
        """Record an export in the audit trail."""
        ...
