"""``geocrm copy``: a whole database moved between stores, verified table by table.

Every stored table (and the database's own settings) is read from the source in one
snapshot and written to the destination in one transaction, replacing what it held; then
both are read back and compared by row count and by a checksum of their rows that does not
depend on the engine (values in one canonical text form, rows in sorted order).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from geo.errors import InputError
from geo.store.protocol import Store
from geo.store.tables import TABLES

#: The tables a copy moves: every stored table and the settings (``meta``).
COPIED_TABLES = ("meta", *TABLES)


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
    """One text per value, the same whichever engine returned it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "\\N"
    if isinstance(value, float):
        return "\\N" if math.isnan(value) else repr(value)
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


def table_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of the frame's rows in canonical text, rows sorted, columns by name."""
    columns = sorted(str(c) for c in frame.columns)
    lines = sorted(
        "\t".join(_canonical(v) for v in row)
        for row in frame[columns].astype(object).itertuples(index=False, name=None)
    )
    digest = hashlib.sha256("\t".join(columns).encode())
    for line in lines:
        digest.update(b"\n" + line.encode())
    return digest.hexdigest()


#: Settings each engine keeps for itself: the scores' state holds a fingerprint of the
#: orders made with the engine's own hash, so the destination writes its own.
ENGINE_OWN_SETTINGS = ("scores",)


def _compared(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table == "meta":
        return frame[~frame["key"].isin(ENGINE_OWN_SETTINGS)]
    return frame


def _rows(store: Store, table: str) -> pd.DataFrame:
    if table == "meta":
        return store.query("SELECT key, value FROM meta")
    return store.table_rows(table)


def copy_database(source: Store, dest: Store, *, verify: bool = True) -> list[TableCheck]:
    """Replace everything ``dest`` holds by what ``source`` holds, in one transaction, and
    (unless ``verify`` is False) check every table by count and checksum: raises
    InputError if a table differs. Without verification, no checks are returned."""
    if source.location == dest.location:
        raise InputError("the source and the destination are the same database")
    with source.snapshot() as reader:
        frames = {
            table: reader.query("SELECT key, value FROM meta")
            if table == "meta"
            else reader.query(f"SELECT {', '.join(source.table_columns(table))} FROM {table}")
            for table in COPIED_TABLES
        }
    with dest.transaction() as tx:
        for table in COPIED_TABLES:
            tx.execute(f"DELETE FROM {table}")
        for table, frame in frames.items():
            tx.insert_frame(table, frame)
    if not verify:
        return []
    checks = [
        TableCheck(
            table,
            len(_compared(table, frames[table])),
            len(copied := _compared(table, _rows(dest, table))),
            table_checksum(_compared(table, frames[table])),
            table_checksum(copied),
        )
        for table in COPIED_TABLES
    ]
    wrong = [c.table for c in checks if not c.matches]
    if wrong:
        raise InputError(
            f"the copy differs from the source in {', '.join(wrong)}",
            hint="Nothing else was changed in the source; run the copy again",
        )
    return checks
