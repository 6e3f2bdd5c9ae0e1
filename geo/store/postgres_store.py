"""The team store: one PostgreSQL/PostGIS database shared by several app processes.

The canonical tables are those of the embedded store (:mod:`geo.store.tables`), with area
geometries kept as WKB in EPSG:4326 (lon/lat degrees) and, beside them, PostGIS
geometries (``areas.geom``, ``customers.geom``) that the database derives itself, with GiST
indexes. Reads and writes are the portable ones; this module supplies connections, the
translation of ``?`` placeholders, bulk writes by ``COPY`` and result frames typed as the
embedded store types them.

Many users at once, following PostgreSQL's rules: every operation borrows a connection
from a bounded pool of the process (``GEOCRM_DB_POOL_SIZE``, default 8); reads see a
snapshot and never wait for a writer; writers of every process take turns through one
transaction-level advisory lock, so an import elsewhere makes a second import wait (up to
``GEOCRM_LOCK_WAIT_SECONDS``), never a reader.

A store bound to a scope that names its user (a signed-in user's, see
:meth:`Scope.user <geo.store.scope.Scope>`) reads, where the database has row-level
security (:mod:`geo.store.row_security`), as its reader role with the user's email in a
transaction-local setting: every read then passes the app's filter and the database's
policies. Both are local to the read's transaction, so a connection goes back to the pool
as the app's own role with no user set.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
import psycopg.errors
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg_pool import ConnectionPool, PoolTimeout

from geo.errors import InputError, StoreBusyError
from geo.store import tables
from geo.store.derived_tables import refresh_scores_in
from geo.store.dialect import POSTGRESQL, Dialect
from geo.store.locations import server_work_dir, shown_location
from geo.store.protocol import StoreReader, StoreWriter
from geo.store.rollups import refresh_rollups_in
from geo.store.row_security import USER_SETTING, row_security_state
from geo.store.scope import EVERYTHING, Scope, apply_scope
from geo.store.waiting import lock_wait_seconds, pool_wait_seconds
from geo.store.write_targets import written_table

#: Connections one process keeps to the server at most (``GEOCRM_DB_POOL_SIZE``).
POOL_SIZE = 8
#: The advisory lock every writer holds for its transaction (any fixed 64-bit number).
WRITER_LOCK_KEY = 0x6765_6F63_726D  # "geocrm"

_POOLS: dict[str, ConnectionPool] = {}
_POOLS_LOCK = threading.Lock()
#: The role a user's reads of each database (by URL) run as, None where the database does
#: not enforce row-level security for this process's role: read from its catalog at its
#: first read for a user, kept until its pool is closed.
_READER_OF: dict[str, str | None] = {}


def pool_size() -> int:
    """Connections per process at most: ``GEOCRM_DB_POOL_SIZE``, else :data:`POOL_SIZE`.

    Read when a database's pool is made (its first use in the process)."""
    text = os.environ.get("GEOCRM_DB_POOL_SIZE", "").strip()
    if not text:
        return POOL_SIZE
    if not text.isdigit() or int(text) < 1:
        raise InputError(
            f"GEOCRM_DB_POOL_SIZE is '{text[:20]}'",
            hint=f"Set it to a whole number of connections, 1 or more (default {POOL_SIZE})",
        )
    return int(text)


def _unreachable(url: str) -> InputError:
    return InputError(
        f"cannot reach the database {shown_location(url)}",
        hint="Check the address in GEOCRM_DB (or --db), and that the server is running "
        "and lets this user in",
    )


def _pool_of(url: str) -> ConnectionPool:
    """The process's pool of connections to ``url``, opened on first use."""
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            try:
                # One direct connection first: a clear message if the server is not there,
                # rather than a pool that waits for it.
                psycopg.connect(url, connect_timeout=10).close()
            except psycopg.Error:
                raise _unreachable(url) from None
            pool = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size(),
                kwargs={"autocommit": True, "cursor_factory": psycopg.ClientCursor},
                configure=_configure,
                check=ConnectionPool.check_connection,
                name="geocrm",
                open=True,
            )
            _POOLS[url] = pool
        return pool


def _configure(connection: psycopg.Connection[Any]) -> None:
    # Interactive reads are short; parallel workers only slow many sessions down.
    connection.execute("SET max_parallel_workers_per_gather = 0")
    connection.execute("SET application_name = 'geocrm'")


def close_pool(url: str) -> None:
    """Close this process's pool of ``url`` (before the database is dropped)."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(url, None)
        _READER_OF.pop(url, None)
    if pool is not None:
        pool.close()


@atexit.register
def close_pools() -> None:
    """Close every pool of this process (at exit, and in tests that drop a database)."""
    with _POOLS_LOCK:
        for pool in _POOLS.values():
            pool.close()
        _POOLS.clear()
        _READER_OF.clear()


def pyformat_of(sql: str) -> str:
    """``sql`` with ``?`` placeholders as psycopg's ``%s`` and every literal ``%`` doubled
    (a ``?`` inside a quoted string or identifier is text, not a placeholder)."""
    out: list[str] = []
    quote: str | None = None
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        out.append("%%" if char == "%" else char)
    return "".join(out)


# PostgreSQL type OIDs, and the pandas dtype the embedded store gives the same column.
_INTEGERS = {20: "Int64", 21: "Int16", 23: "Int32"}
_NUMPY_INTEGERS = {20: "int64", 21: "int16", 23: "int32"}
_FLOATS = {700, 701, 1700}
_TEXTS = {25, 1043, 1042, 19}
_DATES = {1082, 1114}
_BOOL = 16


def _plain(value: Any) -> Any:
    """A value as the embedded store returns it: whole numbers as int, others as float."""
    if isinstance(value, Decimal):
        whole = value == value.to_integral_value() and value.as_tuple().exponent == 0
        return int(value) if whole else float(value)
    return value


def _column(values: list[Any], type_code: int) -> pd.Series:
    has_null = any(v is None for v in values)
    if type_code in _INTEGERS:
        return pd.Series(
            values, dtype=_INTEGERS[type_code] if has_null else _NUMPY_INTEGERS[type_code]
        )
    if type_code in _FLOATS:
        return pd.Series([float("nan") if v is None else float(v) for v in values], dtype="float64")
    if type_code in _TEXTS:
        if has_null and all(v is None for v in values):
            return pd.Series(values, dtype=object)  # as DuckDB gives a column of nulls
        return pd.Series(values, dtype="str")
    if type_code in _DATES:
        return pd.Series(pd.to_datetime(values), dtype="datetime64[us]")
    if type_code == _BOOL:
        return pd.Series(values, dtype="boolean" if has_null else "bool")
    if type_code == 1184:  # timestamptz: as local time without a zone, as DuckDB reads it
        stamps = pd.to_datetime(values, utc=True)
        return pd.Series(stamps.tz_localize(None), dtype="datetime64[us]")
    return pd.Series(values, dtype=object)


def frame_of(cursor: psycopg.Cursor[Any]) -> pd.DataFrame:
    """The rows of the cursor's last query as a frame typed as the embedded store types
    it: integers with nulls as nullable integers, dates as datetime64, text as str."""
    description = cursor.description or []
    rows = cursor.fetchall()
    names = [d.name for d in description]
    if not rows:
        empty = {n: _column([], d.type_code) for n, d in zip(names, description, strict=True)}
        return pd.DataFrame(empty, columns=names)
    columns = list(zip(*rows, strict=True))
    data = {
        i: _column(list(col), d.type_code)
        for i, (col, d) in enumerate(zip(columns, description, strict=True))
    }
    frame = pd.DataFrame(data)
    frame.columns = pd.Index(names)
    return frame


def _csv_ready(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table that writes as PostgreSQL's CSV input: binary values as
    ``\\x`` hex text, dates and times as ISO text."""
    ready = {}
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            first = column.dropna()
            sample = first.iloc[0] if len(first) else None
            if isinstance(sample, (bytes, bytearray, memoryview)):
                hexed = [None if pd.isna(v) else "\\x" + bytes(v).hex() for v in column]
                column = pd.Series(hexed, dtype="str", index=column.index)
            elif isinstance(sample, (dt.date, dt.datetime)):
                column = pd.Series(pd.to_datetime(column), index=column.index)
        ready[str(name)] = column
    return pa.Table.from_pandas(pd.DataFrame(ready), preserve_index=False)


def _column_type(column: pd.Series) -> str:
    """The PostgreSQL type of a frame's column, from its dtype (or its first value)."""
    kind = column.dtype
    if pd.api.types.is_bool_dtype(kind):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(kind):
        return "BIGINT"
    if pd.api.types.is_float_dtype(kind):
        return "DOUBLE PRECISION"
    if pd.api.types.is_datetime64_any_dtype(kind):
        return "TIMESTAMP"
    present = column.dropna()
    sample = present.iloc[0] if len(present) else None
    if isinstance(sample, (bytes, bytearray, memoryview)):
        return "BYTEA"
    if isinstance(sample, dt.datetime):
        return "TIMESTAMP"
    if isinstance(sample, dt.date):
        return "DATE"
    return "TEXT"


def copy_frame(cursor: psycopg.Cursor[Any], table: str, frame: pd.DataFrame) -> None:
    """Append ``frame``'s rows to ``table`` by one ``COPY``.

    CSV with every value quoted and nulls unquoted keeps empty text and NULL apart; Arrow
    writes floats in their shortest exact form, so numbers arrive unchanged.
    """
    if frame.empty:
        return
    buffer = io.BytesIO()
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    pacsv.write_csv(_csv_ready(frame), buffer, options)
    columns = ", ".join(str(c) for c in frame.columns)
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


class PostgreSQLHandle:
    """A psycopg cursor seen through :class:`~geo.store.protocol.StoreWriter`: the reads
    and writes of one snapshot or transaction."""

    dialect: Dialect = POSTGRESQL

    def __init__(self, cursor: psycopg.Cursor[Any], scope: Scope = EVERYTHING) -> None:
        self._cursor = cursor
        self.scope = scope  # reads only; a writer handle is never scoped
        self.written_tables: set[str] = set()

    def _run(self, sql: str, params: Sequence[Any] | None) -> None:
        scoped, bound = apply_scope(sql, params, self.scope, self.dialect.table_schema)
        self._cursor.execute(pyformat_of(scoped), bound)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        self._run(sql, params)
        return frame_of(self._cursor)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        self._run(sql, params)
        row = self._cursor.fetchone()
        return _plain(row[0]) if row else None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        table = written_table(sql)
        if table:
            self.written_tables.add(table)
        self._cursor.execute(pyformat_of(sql), list(params or []))

    def insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        self.written_tables.add(table.lower())
        copy_frame(self._cursor, table, frame)

    @contextmanager
    def staged(self, name: str, frame: pd.DataFrame, like: str | None = None) -> Iterator[None]:
        # A temporary table with the columns (and types) of the table the rows are for, or
        # else of the frame's own types, filled by COPY: never a row-by-row insert.
        if like:
            columns = f"LIKE {like}"
        else:
            columns = ", ".join(f"{c} {_column_type(frame[c])}" for c in frame.columns)
        self._cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}) ON COMMIT DROP")
        try:
            copy_frame(self._cursor, name, frame)
            self._cursor.execute(f"ANALYZE {name}")
            yield
        finally:
            self._cursor.execute(f"DROP TABLE IF EXISTS {name}")


@dataclass(frozen=True)
class PostgreSQLStore(tables.CanonicalTables):
    """A GeoCRM database on a PostgreSQL/PostGIS server, implementing
    :class:`geo.store.protocol.Store`. Cheap to create; each operation borrows a pooled
    connection of its own."""

    url: str
    #: The scope every read of this store is narrowed to (see :meth:`within`).
    scope: Scope = EVERYTHING

    @property
    def dialect(self) -> Dialect:
        return POSTGRESQL

    @property
    def location(self) -> str:
        return self.url

    @property
    def shown(self) -> str:
        return shown_location(self.url)

    @property
    def work_dir(self) -> Path:
        return server_work_dir()

    @property
    def writable(self) -> bool:
        """Whether this connection may write: not a read-only replica, not a read-only
        session (``default_transaction_read_only``)."""
        return bool(
            self.scalar(
                "SELECT NOT pg_is_in_recovery() "
                "AND current_setting('default_transaction_read_only') = 'off'"
            )
        )

    @classmethod
    def open(cls, url: str, *, create: bool = True) -> PostgreSQLStore:
        """The store at ``url``, its schema brought up to date (see
        :func:`geo.store.tables.upgrade_schema`). ``create`` is accepted for symmetry with
        the file store: a server database always exists once it can be reached."""
        del create
        store = cls(url)
        tables.upgrade_schema(store)
        return store

    def is_free(self) -> bool:
        """Reads never wait for a writer on a server: always True once reachable."""
        return True

    @contextmanager
    def connect(self) -> Iterator[psycopg.Cursor[Any]]:
        """A cursor on a pooled connection of this operation's own.

        With every connection of the pool in use, waits for one up to
        ``GEOCRM_POOL_WAIT_SECONDS`` (read now; default 120 s: readers queue), then raises
        :class:`StoreBusyError`; so does a lock another writer held for longer than
        ``GEOCRM_LOCK_WAIT_SECONDS``.
        """
        pool = _pool_of(self.url)
        try:
            with (
                pool.connection(timeout=pool_wait_seconds()) as connection,
                connection.cursor() as cursor,
            ):
                yield cursor
        except PoolTimeout:
            raise StoreBusyError() from None
        except psycopg.errors.LockNotAvailable:
            raise StoreBusyError() from None
        except psycopg.errors.InsufficientPrivilege as exc:
            raise InputError(
                f"the database {self.shown} refused: {exc.diag.message_primary}",
                hint="Ask its administrator for the rights the README lists (Team database)",
            ) from None
        except psycopg.errors.ReadOnlySqlTransaction:
            raise InputError(
                f"the database {self.shown} is read-only",
                hint="Point GEOCRM_DB at the primary server to change it",
            ) from None
        except psycopg.OperationalError:
            raise _unreachable(self.url) from None

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Nothing to hold: the pool keeps its connections open between operations."""
        yield

    @contextmanager
    def snapshot(self, scope: Scope = EVERYTHING) -> Iterator[StoreReader]:
        """Several reads in one repeatable-read transaction: they see one committed state.

        For a scope that names its user, on a database with row-level security, the
        transaction reads as :data:`~geo.store.row_security.READER_ROLE` for that user
        (``SET LOCAL``: gone at its end, whatever happens)."""
        narrowed = self.scope.narrowed_by(scope)
        with self.connect() as cursor:
            reader = self._reader_role(cursor) if narrowed.user is not None else None
            begin = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
            try:
                if reader is not None:  # one round trip: the role and the user with the BEGIN
                    cursor.execute(
                        f"{begin}; SET LOCAL ROLE {reader}; SELECT set_config(%s, %s, true)",
                        [USER_SETTING, narrowed.user],
                    )
                else:
                    cursor.execute(begin)
                yield PostgreSQLHandle(cursor, narrowed)
            finally:
                cursor.execute("ROLLBACK")

    def _reader_role(self, cursor: psycopg.Cursor[Any]) -> str | None:
        """The role a user's reads run as, None when this database does not enforce their
        scope itself (see :func:`~geo.store.row_security.row_security_state`); read once
        per pool."""
        if self.url not in _READER_OF:
            state = row_security_state(PostgreSQLHandle(cursor))
            _READER_OF[self.url] = state.role if state.on else None
        return _READER_OF[self.url]

    @contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """All or nothing: everything written through the handle commits together, with
        the customer scores recomputed from it before the commit.

        Writers of every process take turns (one advisory lock held to the commit);
        readers go on reading the state before the transaction until it commits.
        """
        with self.connect() as cursor:
            cursor.execute("BEGIN")
            handle = PostgreSQLHandle(cursor)
            try:
                cursor.execute(f"SET LOCAL lock_timeout = '{int(lock_wait_seconds() * 1000)}ms'")
                try:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITER_LOCK_KEY])
                except psycopg.errors.LockNotAvailable:
                    raise StoreBusyError() from None
                yield handle
                refresh_scores_in(handle)
                refresh_rollups_in(handle)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def replace_file(self, new_file: Path) -> None:
        """Make the contents of ``new_file``, a complete GeoCRM database file, this
        database's, in one transaction (readers see the old contents until it commits)."""
        from geo.store.copying import copy_database
        from geo.store.duckdb_store import DuckDBStore

        copy_database(DuckDBStore.open(new_file, create=False), self, replace=True)

    # -- reading -----------------------------------------------------------------------

    def query(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> pd.DataFrame:
        narrowed = self.scope.narrowed_by(scope)
        if narrowed.user is not None:  # a user's read: in a snapshot, which reads as them
            with self.snapshot(scope) as reader:
                return reader.query(sql, params)
        with self.connect() as cursor:
            return PostgreSQLHandle(cursor, narrowed).query(sql, params)

    def scalar(
        self, sql: str, params: Sequence[Any] | None = None, *, scope: Scope = EVERYTHING
    ) -> Any:
        narrowed = self.scope.narrowed_by(scope)
        if narrowed.user is not None:
            with self.snapshot(scope) as reader:
                return reader.scalar(sql, params)
        with self.connect() as cursor:
            return PostgreSQLHandle(cursor, narrowed).scalar(sql, params)
