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

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from geo.errors import InputError, MissingDatabaseError, StoreBusyError
from geo.store import tables
from geo.store.derived_tables import rebuild_orders, refresh_scores_in
from geo.store.dialect import DUCKDB, Dialect
from geo.store.locations import DEFAULT_DB, resolve_db_path
from geo.store.protocol import StoreReader, StoreWriter
from geo.store.rollups import refresh_rollups_in
from geo.store.scope import EVERYTHING, Scope, apply_scope
from geo.store.tables import TABLES, areas_in, levels_in
from geo.store.waiting import lock_wait_seconds
from geo.store.write_targets import written_table

__all__ = [
    "DEFAULT_DB",
    "TABLES",
    "DuckDBStore",
    "Store",
    "areas_in",
    "levels_in",
    "rebuild_orders",
    "resolve_db_path",
]


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


#: A file written within this many seconds may still be being created by another process.
FRESH_FILE_SECONDS = 2.0


def _just_written(path: Path) -> bool:
    try:
        return time.time() - path.stat().st_mtime < FRESH_FILE_SECONDS
    except OSError:
        return False


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
                    # A file another process is creating this moment is not a database
                    # yet: it gets the same short wait as a lock held.
                    unfinished = _just_written(path) and time.monotonic() < deadline
                    if not _is_lock_conflict(exc) and not unfinished:
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


class DuckDBHandle:
    """A DuckDB cursor seen through :class:`~geo.store.protocol.StoreWriter`: the reads and
    writes of one snapshot or transaction."""

    dialect: Dialect = DUCKDB

    def __init__(self, cursor: duckdb.DuckDBPyConnection, scope: Scope = EVERYTHING) -> None:
        self._cursor = cursor
        self.scope = scope  # reads only; a writer handle is never scoped
        self.written_tables: set[str] = set()

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self._cursor.execute(*self._scoped(sql, params)).df()

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self._cursor.execute(*self._scoped(sql, params)).fetchone()
        return row[0] if row else None

    def _scoped(self, sql: str, params: Sequence[Any] | None) -> tuple[str, list[Any]]:
        return apply_scope(sql, params, self.scope, self.dialect.table_schema)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._note_write(sql)
        self._cursor.execute(sql, list(params or []))

    def _note_write(self, sql: str) -> None:
        table = written_table(sql)
        if table:
            self.written_tables.add(table)

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        with self.staged("incoming_rows", frame, table):
            columns = ", ".join(str(c) for c in frame.columns)
            self.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming_rows")

    @contextmanager
    def staged(self, name: str, frame: pd.DataFrame, like: str | None = None) -> Iterator[None]:
        del like  # the frame's own types are read as they are
        # DuckDB reads the frame in place, without copying it into a table first; columns
        # held by Arrow (text, categories) it reads fastest as an Arrow table.
        self._cursor.register(name, _as_arrow_if_held_by_arrow(frame))
        try:
            yield
        finally:
            self._cursor.unregister(name)


def _as_arrow_if_held_by_arrow(frame: pd.DataFrame) -> pd.DataFrame | pa.Table:
    """``frame`` as an Arrow table when a column of it is text held by Arrow or categories
    (DuckDB scans those column by column, without a Python object per value); else as it is."""
    held = any(
        isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype, pd.ArrowDtype))
        for dtype in frame.dtypes
    )
    return pa.Table.from_pandas(frame, preserve_index=False) if held else frame


@dataclass(frozen=True)
class DuckDBStore(tables.CanonicalTables):
    """A GeoCRM database file, implementing :class:`geo.store.protocol.Store`. Cheap to
    create; each operation uses a cursor of its own. The reads and writes of the tables
    themselves are the portable ones of :class:`geo.store.tables.CanonicalTables`."""

    path: Path
    #: The scope every read of this store is narrowed to (see :meth:`within`).
    scope: Scope = EVERYTHING

    @property
    def dialect(self) -> Dialect:
        return DUCKDB

    @classmethod
    def open(
        cls, path: str | os.PathLike[str] | None = None, *, create: bool = True
    ) -> DuckDBStore:
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
        tables.upgrade_schema(store)
        return store

    @property
    def location(self) -> str:
        return str(self.path)

    @property
    def shown(self) -> str:
        return self.path.name

    @property
    def work_dir(self) -> Path:
        return self.path.parent

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
    def kept_open(self) -> Iterator[None]:
        """This process's instance of the file held open while the block runs: opening it
        reads the file's catalogue (tens of ms), which a page's dozens of reads would
        otherwise each pay. Another process takes its turn when the block ends."""
        with self.connect():
            yield

    @contextmanager
    def snapshot(self, scope: Scope = EVERYTHING) -> Iterator[StoreReader]:
        """Several reads in one read transaction: they see the same committed state, as
        ``scope`` sees it."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield DuckDBHandle(con, self.scope.narrowed_by(scope))
            finally:
                con.execute("ROLLBACK")

    @contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """All or nothing: everything written through the handle commits together.

        Derived tables whose inputs changed (the customer scores) are recomputed inside
        the same transaction, so readers never need to write.
        """
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
                handle = DuckDBHandle(con)
                try:
                    yield handle
                    refresh_scores_in(handle)
                    refresh_rollups_in(handle)
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

    def query(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> pd.DataFrame:
        with self.connect() as con:
            return DuckDBHandle(con, self.scope.narrowed_by(scope)).query(sql, params)

    def scalar(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> Any:
        with self.connect() as con:
            return DuckDBHandle(con, self.scope.narrowed_by(scope)).scalar(sql, params)


#: The name the app's glue and the tests construct the DuckDB store by.
Store = DuckDBStore
