"""Locations fixed by hand: kept apart from the imported data, so that an import of the
same customer keeps the fix, and each fix is listed (who, when, before, after) and can be
reverted.

Table ``location_fixes`` (schema step 9): one row per fix; ``lat``/``lon`` the fixed point
and ``imported_lat``/``imported_lon``/``imported_source`` the point the imports last
brought and how it was found (WGS84 degrees; null: none), which a revert puts back. A fix
is in force until ``reverted_at``; a later fix of the same customer ends the earlier one
(``reverted_by`` then names the new fix).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from geo.store.customer_merges import create_customer_merges
from geo.store.protocol import StoreReader, StoreWriter
from geo.store.row_security import hide_from_restricted_readers
from geo.store.scope import FIX_TABLES

_COLUMNS = (
    "fix_id, customer_id, lat, lon, imported_lat, imported_lon, imported_source, fixed_at, "
    "fixed_by, note, reverted_at, reverted_by"
)


def create_corrections(tx: StoreWriter) -> None:
    """Schema step 9: the tables of fixed locations and of merged customers (hidden from
    restricted readers)."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS location_fixes (fix_id VARCHAR PRIMARY KEY, customer_id "
        "VARCHAR NOT NULL, lat DOUBLE PRECISION NOT NULL, lon DOUBLE PRECISION NOT NULL, "
        "imported_lat DOUBLE PRECISION, imported_lon DOUBLE PRECISION, imported_source VARCHAR, "
        "fixed_at TIMESTAMP "
        "NOT NULL, fixed_by VARCHAR, note VARCHAR, reverted_at TIMESTAMP, reverted_by VARCHAR)"
    )
    create_customer_merges(tx)
    hide_from_restricted_readers(tx, FIX_TABLES)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def fixes_in_force(
    reader: StoreReader, customer_ids: list[str] | pd.Series | None = None
) -> pd.DataFrame:
    """The fixes in force (of ``customer_ids``, or all), one per customer: the columns of
    ``location_fixes``."""
    rows = reader.query(
        f"SELECT {_COLUMNS} FROM location_fixes WHERE reverted_at IS NULL ORDER BY customer_id"
    )
    if customer_ids is not None and len(rows):
        wanted = pd.Index(pd.Series(customer_ids, dtype=object))
        rows = rows[rows["customer_id"].astype(object).isin(wanted)].reset_index(drop=True)
    return rows


def location_fix_history(reader: StoreReader, limit: int) -> pd.DataFrame:
    """The latest ``limit`` fixes, newest first, reverted ones too."""
    return reader.query(
        f"SELECT {_COLUMNS} FROM location_fixes ORDER BY fixed_at DESC, fix_id DESC LIMIT ?",
        [limit],
    )


def customer_location(reader: StoreReader, customer_id: str) -> pd.DataFrame:
    """The stored lat, lon (NaN: none) and location_source of a customer (no row: no
    such customer)."""
    return reader.query(
        "SELECT lat, lon, location_source FROM customers WHERE customer_id = ?", [customer_id]
    )


def record_fix(
    tx: StoreWriter,
    fix_id: str,
    customer_id: str,
    point: tuple[float, float],
    imported: tuple[float | None, float | None, str | None],
    fixed_by: str | None,
    note: str | None,
) -> None:
    """End the customer's fix in force (if any) and record the new one; set the stored
    location to the fixed point. ``imported``: lat, lon and source the imports brought."""
    tx.execute(
        "UPDATE location_fixes SET reverted_at = ?, reverted_by = ? "
        "WHERE customer_id = ? AND reverted_at IS NULL",
        [_now(), f"replaced by {fix_id}", customer_id],
    )
    tx.execute(
        f"INSERT INTO location_fixes ({_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
        [fix_id, customer_id, point[0], point[1], *imported, _now(), fixed_by, note],
    )
    set_location(tx, customer_id, point, "fixed")


def set_location(
    tx: StoreWriter,
    customer_id: str,
    point: tuple[float | None, float | None],
    source: str | None,
) -> None:
    """Store ``point`` (lat, lon; None: none) as the customer's location, found by
    ``source`` (see :data:`geo.schema.LOCATION_CONFIDENCE`)."""
    tx.execute(
        "UPDATE customers SET lat = ?, lon = ?, location_source = ?, location_note = ? "
        "WHERE customer_id = ?",
        [point[0], point[1], source, None if point[0] is not None else "fix reverted", customer_id],
    )


def end_fix(tx: StoreWriter, fix_id: str, reverted_by: str | None) -> None:
    """Mark a fix reverted (now, by whom)."""
    tx.execute(
        "UPDATE location_fixes SET reverted_at = ?, reverted_by = ? WHERE fix_id = ?",
        [_now(), reverted_by or "command line", fix_id],
    )


def note_imported_points(tx: StoreWriter, points: pd.DataFrame) -> None:
    """Record, on the fixes in force of ``points``' customers (customer_id, lat, lon,
    location_source), the point an import brought for them: what a revert puts back."""
    given = points.reindex(columns=["customer_id", "lat", "lon", "location_source"])
    for customer_id, lat, lon, source in given.itertuples(index=False):
        tx.execute(
            "UPDATE location_fixes SET imported_lat = ?, imported_lon = ?, imported_source = ? "
            "WHERE customer_id = ? AND reverted_at IS NULL",
            [
                None if pd.isna(lat) else float(lat),
                None if pd.isna(lon) else float(lon),
                None if pd.isna(source) else str(source),
                customer_id,
            ],
        )
