"""``geocrm copy``: a whole database moved between stores, verified table by table.

Every stored table (and the database's own settings) is read from the source in one
snapshot and written to the destination in one transaction (a destination that holds data
only when asked to replace it); then the destination is read back and compared with the
source by row count and by a checksum of the rows that does not depend on the engine
(values in one canonical text form, rows in any order).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.store.locations import is_server_url
from geo.store.protocol import Store, StoreReader
from geo.store.scope import BATCH_TABLES, FIX_TABLES, TERRITORY_TABLES
from geo.store.tables import ACCESS_TABLES, TABLES, set_meta

#: The tables a copy moves: every stored table, the users and audit trail, and the
#: settings (``meta``).
COPIED_TABLES = ("meta", *TABLES, *ACCESS_TABLES, *TERRITORY_TABLES, *BATCH_TABLES, *FIX_TABLES)


@dataclass(frozen=True)
class TableCheck:
    """One table after a copy: rows and checksum on each side."""

    table: str
    source_rows: int
    dest_rows: int
    source_checksum: str
    dest_checksum: str

    @property
    def matches(self) -> bool:
        return self.source_rows == self.dest_rows and self.source_checksum == self.dest_checksum


def _canonical(value: object) -> str:
    """One text per value, the same whichever engine returned it (for columns of mixed
    Python objects; typed columns take :func:`_canonical_column`'s vectorised path)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return NULL_TEXT
    if isinstance(value, float):
        if math.isnan(value):
            return NULL_TEXT
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _canonical(value.item())
    return str(value)


#: The text of a null in every column (whatever the engine's own null).
NULL_TEXT = "\\N"


def _canonical_column(column: pd.Series) -> pd.Series:
    """The column's values as canonical text, as :func:`_canonical` writes them: whole
    numbers without a decimal point whether stored as integer or float, dates as
    YYYY-MM-DD, other timestamps in ISO form, binary as hex, nulls as ``\\N``."""
    missing = column.isna().to_numpy()
    kind = column.dtype
    if pd.api.types.is_bool_dtype(kind):
        text = np.where(column.fillna(False).to_numpy(dtype=bool), "True", "False")
    elif pd.api.types.is_integer_dtype(kind):
        text = column.fillna(0).to_numpy().astype(str)
    elif pd.api.types.is_float_dtype(kind):
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(values) & (values == np.trunc(values)) & (np.abs(values) < 2**53)
        as_int = np.where(whole, values, 0).astype(np.int64).astype(str)
        text = np.where(whole, as_int, values.astype(str))
    elif pd.api.types.is_datetime64_any_dtype(kind):
        naive = column.dt.tz_localize(None) if column.dt.tz is not None else column
        values = naive.to_numpy(dtype="datetime64[us]")
        days = values.astype("datetime64[D]")
        text = np.datetime_as_string(days, unit="D").astype(object)
        timed = ~missing & (values != days.astype("datetime64[us]"))
        if timed.any():  # times of day (rare: log entries), in ISO form
            text[timed] = [pd.Timestamp(v).isoformat() for v in values[timed]]
    elif pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        text = column.astype(object).to_numpy()
    else:
        text = column.map(_canonical).to_numpy(dtype=object)
    return pd.Series(np.where(missing, NULL_TEXT, text), index=column.index, dtype=object)


def table_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's rows, whatever their order and whichever engine read them.

    Every value is written as canonical text (:func:`_canonical_column`), each row hashed
    to 64 bits from its columns taken by name, and the sorted row hashes digested with the
    column names and the number of rows: equal tables give equal checksums, and a changed,
    missing or extra row changes it (but for a 64-bit collision). Vectorised, so a table
    of millions of rows takes seconds.
    """
    columns = sorted(str(c) for c in frame.columns)
    digest = hashlib.sha256("\t".join(columns).encode())
    digest.update(f"\n{len(frame)}".encode())
    if len(frame) and columns:
        texts = pd.DataFrame({c: _canonical_column(frame[c]) for c in columns})
        rows = pd.util.hash_pandas_object(texts, index=False).to_numpy(dtype=np.uint64)
        digest.update(np.sort(rows).tobytes())
    return digest.hexdigest()


#: Settings each engine keeps for itself: the scores' state holds a fingerprint of the
#: orders made with the engine's own hash, so the destination writes its own; and the data
#: version, which the destination carries on from its own (see :func:`copy_database`).
ENGINE_OWN_SETTINGS = ("scores", "data_version")


def _compared(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table == "meta":
        return frame[~frame["key"].isin(ENGINE_OWN_SETTINGS)]
    return frame


def _select_all(reader: StoreReader, table: str) -> str:
    """The SELECT of every stored column of ``table`` (not those the engine derives)."""
    if table == "meta":
        return "SELECT key, value FROM meta"
    columns = reader.query(f"SELECT * FROM {table} LIMIT 0").columns
    kept = [str(c) for c in columns if c not in reader.dialect.derived_columns]
    return f"SELECT {', '.join(kept)} FROM {table}"


def _same_database(source: Store, dest: Store) -> bool:
    if is_server_url(source.location) or is_server_url(dest.location):
        return source.location == dest.location
    return Path(source.location).resolve() == Path(dest.location).resolve()


def tables_holding_rows(reader: StoreReader) -> list[str]:
    """The stored tables (not the settings) that hold at least one row."""
    return [
        t
        for t in (*TABLES, *ACCESS_TABLES, *TERRITORY_TABLES, *BATCH_TABLES, *FIX_TABLES)
        if reader.scalar(f"SELECT EXISTS (SELECT 1 FROM {t})")
    ]


def copy_database(source: Store, dest: Store, *, replace: bool = False) -> list[TableCheck]:
    """Make ``dest`` hold exactly what ``source`` holds, in one transaction of ``dest``,
    and check every table by row count and checksum (:func:`table_checksum`).

    ``source`` is read in one snapshot. A ``dest`` that holds any row is refused unless
    ``replace`` (then everything it held is replaced), so a copy never overwrites data by
    mistake. The destination's data version moves on from its own, so app processes that
    cached figures of what it held before read again; a server's planner statistics are
    refreshed, so its first queries are planned for the rows copied. Raises InputError when
    refused, and when a table differs after the copy.
    """
    if _same_database(source, dest):
        raise InputError("the source and the destination are the same database")
    with source.snapshot() as reader:
        frames = {table: reader.query(_select_all(reader, table)) for table in COPIED_TABLES}
    expected = {
        table: (len(_compared(table, frame)), table_checksum(_compared(table, frame)))
        for table, frame in frames.items()
    }
    with dest.transaction() as tx:
        holding = tables_holding_rows(tx)
        if holding and not replace:
            raise InputError(
                f"the destination {dest.shown} already holds data "
                f"(in {', '.join(holding)}); nothing was copied",
                hint="Give --replace to replace everything it holds by the source",
            )
        earlier = tx.scalar("SELECT value FROM meta WHERE key = 'data_version'")
        for table in COPIED_TABLES:
            tx.execute(f"DELETE FROM {table}")
        for table in COPIED_TABLES:
            tx.insert_frame(table, frames.pop(table))
        if earlier is not None:  # past every version it had: no cache is reused
            copied_version = tx.scalar("SELECT value FROM meta WHERE key = 'data_version'")
            moved_on = int(copied_version or 0) + int(earlier) + 1
            set_meta(tx, "data_version", str(moved_on))
        for statement in tx.dialect.statistics_statements:
            tx.execute(statement)
    checks = []
    with dest.snapshot() as reader:
        for table in COPIED_TABLES:
            copied = _compared(table, reader.query(_select_all(reader, table)))
            rows, checksum = expected[table]
            checks.append(TableCheck(table, rows, len(copied), checksum, table_checksum(copied)))
    wrong = [c.table for c in checks if not c.matches]
    if wrong:
        raise InputError(
            f"the copy differs from the source in {', '.join(wrong)}",
            hint="The source was not changed; run the copy again with --replace",
        )
    return checks
