"""Import batches: what each import wrote and what it replaced, so that it can be undone.

Every import is a batch with an ID (``B`` + its UTC time + 4 hex digits). The rows it writes
(customers, order lines, areas) carry the ID in their ``batch_id`` column; the stored rows it
replaces are kept, as they were, in ``batch_customers``, ``batch_sales`` or ``batch_areas``
under ``undo_batch``. Undoing the batch deletes the rows carrying its ID and puts the kept
rows back, so the table holds again exactly what it held before the import.

A batch can be undone while every row it wrote is still stored as it wrote it. A later
batch that replaced some of them keeps them (with their ``batch_id``) among its own
replaced rows: that batch depends on this one and is undone first. A write that is not a
batch (a demo build, an applied territory scenario) leaves the batch's count of stored rows
short, and the batch can no longer be undone.

The kept rows hold customer data: on PostgreSQL only a reader who sees everything reads
them (a policy like the roll-ups'); undo is a data owner's action on the whole database.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from geo.schema import AREA_COLUMNS, CUSTOMER_COLUMNS, SALE_COLUMNS
from geo.store.derived_tables import rebuild_orders
from geo.store.dialect import placeholders
from geo.store.protocol import StoreReader, StoreWriter
from geo.store.row_security import hide_from_restricted_readers
from geo.store.scope import BATCH_TABLES

#: What an import table keeps of the rows a batch replaced: (kept table, key, columns).
KEPT_ROWS = {
    "customers": (BATCH_TABLES[0], "customer_id", (*CUSTOMER_COLUMNS, "batch_id")),
    "sales": (BATCH_TABLES[1], "order_id", (*SALE_COLUMNS, "batch_id")),
    "areas": (BATCH_TABLES[2], "area_id", (*AREA_COLUMNS, "batch_id")),
}


def new_batch_id(now: datetime | None = None) -> str:
    """A new batch ID: 'B', the UTC time to the second, and 4 random hex digits
    ('B20261202-191503-3f9a'), so that two processes importing at once never share one."""
    at = now or datetime.now(UTC)
    return f"B{at:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def create_import_batches(tx: StoreWriter) -> None:
    """Schema step 8: the batch ID on imported rows and in the import log (with who
    imported, and when and by whom it was undone), and the tables of replaced rows. Runs
    again without harm on a database that has them (a step re-run after a downgrade)."""
    for table in ("customers", "sales", "areas"):
        tx.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS batch_id VARCHAR")
    for column, kind in (
        ("batch_id", "VARCHAR"),
        ("imported_by", "VARCHAR"),
        ("undone_at", "TIMESTAMP"),
        ("undone_by", "VARCHAR"),
        ("written", "BIGINT"),
        ("closed", "VARCHAR"),
    ):
        tx.execute(f"ALTER TABLE import_log ADD COLUMN IF NOT EXISTS {column} {kind}")
    for table, (kept, _key, _columns) in KEPT_ROWS.items():
        tx.execute(f"CREATE TABLE IF NOT EXISTS {kept} AS SELECT * FROM {table} WHERE FALSE")
        tx.execute(f"ALTER TABLE {kept} ADD COLUMN IF NOT EXISTS undo_batch VARCHAR")
        for derived in tx.dialect.derived_columns:
            if derived in _stored_columns(tx, kept):
                tx.execute(f"ALTER TABLE {kept} DROP COLUMN {derived}")
    hide_from_restricted_readers(tx, BATCH_TABLES)


def _stored_columns(reader: StoreReader, table: str) -> list[str]:
    return [str(c) for c in reader.query(f"SELECT * FROM {table} LIMIT 0").columns]


def keep_replaced_rows(tx: StoreWriter, table: str, incoming: str, batch_id: str) -> None:
    """Inside an import's transaction, before ``incoming`` (a staged frame with the table's
    key) replaces stored rows of ``table``: keep those rows under the batch's ID."""
    kept, key, columns = KEPT_ROWS[table]
    names = ", ".join(columns)
    tx.execute(
        f"INSERT INTO {kept} (undo_batch, {names}) SELECT ?, {names} FROM {table} "
        f"WHERE {key} IN (SELECT DISTINCT {key} FROM {incoming})",
        [batch_id],
    )


def keep_replaced_levels(tx: StoreWriter, levels: list[str], batch_id: str) -> None:
    """Before an area import replaces whole levels: keep their stored areas."""
    kept, _key, columns = KEPT_ROWS["areas"]
    names = ", ".join(columns)
    tx.execute(
        f"INSERT INTO {kept} (undo_batch, {names}) SELECT ?, {names} FROM areas "
        f"WHERE level IN ({placeholders(levels)})",
        [batch_id, *levels],
    )


def close_every_batch(tx: StoreWriter, reason: str) -> None:
    """Every batch not undone can no longer be: the rows it wrote were all replaced (a demo
    build clears the business tables). Its kept rows go."""
    tx.execute(
        "UPDATE import_log SET closed = ? WHERE batch_id IS NOT NULL AND undone_at IS NULL "
        "AND closed IS NULL",
        [reason],
    )
    for kept in BATCH_TABLES:
        tx.execute(f"DELETE FROM {kept}")


@dataclass(frozen=True)
class BatchRecord:
    """One import batch as the log holds it."""

    batch_id: str
    table: str
    source: str
    logged_at: datetime
    imported_by: str | None
    written: int
    undone_at: datetime | None
    undone_by: str | None
    closed: str | None


def batch_record(reader: StoreReader, batch_id: str) -> BatchRecord | None:
    """The batch's log entry; None when there is no such batch."""
    rows = reader.query(
        "SELECT batch_id, table_name, source, logged_at, imported_by, written, undone_at, "
        "undone_by, closed FROM import_log WHERE batch_id = ?",
        [batch_id],
    )
    if rows.empty:
        return None
    row = rows.iloc[0]

    def optional(value: object) -> object:
        return None if pd.isna(value) else value  # type: ignore[call-overload]

    return BatchRecord(
        batch_id=str(row["batch_id"]),
        table=str(row["table_name"]),
        source=str(row["source"]),
        logged_at=pd.Timestamp(row["logged_at"]).to_pydatetime(),
        imported_by=optional(row["imported_by"]),  # type: ignore[arg-type]
        written=int(row["written"]) if pd.notna(row["written"]) else 0,
        undone_at=(
            pd.Timestamp(row["undone_at"]).to_pydatetime() if pd.notna(row["undone_at"]) else None
        ),
        undone_by=optional(row["undone_by"]),  # type: ignore[arg-type]
        closed=optional(row["closed"]),  # type: ignore[arg-type]
    )


def import_batches(reader: StoreReader, limit: int = 50) -> pd.DataFrame:
    """The latest ``limit`` imports, newest first: batch_id (null for imports logged before
    batches were kept), logged_at, table_name, source, imported_by, rows_read, imported,
    rejected, written, undone_at, undone_by, closed."""
    return reader.query(
        "SELECT batch_id, logged_at, table_name, source, imported_by, rows_read, imported, "
        "rejected, written, undone_at, undone_by, closed FROM import_log "
        "ORDER BY logged_at DESC, batch_id DESC LIMIT ?",
        [limit],
    )


def rows_still_written(reader: StoreReader, table: str, batch_id: str) -> int:
    """How many rows of ``table`` still carry the batch's ID."""
    return int(reader.scalar(f"SELECT count(*) FROM {table} WHERE batch_id = ?", [batch_id]))


def dependent_batches(reader: StoreReader, table: str, batch_id: str) -> list[str]:
    """The batches not undone that replaced rows this batch wrote (they are undone first)."""
    kept, _key, _columns = KEPT_ROWS[table]
    rows = reader.query(
        f"SELECT DISTINCT k.undo_batch FROM {kept} k JOIN import_log l "
        "ON l.batch_id = k.undo_batch WHERE k.batch_id = ? AND l.undone_at IS NULL "
        "ORDER BY k.undo_batch",
        [batch_id],
    )
    return [str(b) for b in rows["undo_batch"]]


def sales_batches_on_added_customers(reader: StoreReader, batch_id: str) -> list[str]:
    """The batches of order lines (or '' for lines written otherwise) whose customers this
    customer batch added: undoing it would leave those lines without their customer."""
    rows = reader.query(
        "SELECT DISTINCT coalesce(s.batch_id, '') AS batch FROM sales s "
        "JOIN customers c ON c.customer_id = s.customer_id WHERE c.batch_id = ? "
        "AND c.customer_id NOT IN (SELECT customer_id FROM batch_customers "
        "WHERE undo_batch = ?) ORDER BY batch",
        [batch_id, batch_id],
    )
    return [str(b) for b in rows["batch"]]


def restored_customer_ids(reader: StoreReader, batch_id: str) -> pd.DataFrame:
    """The customers an undo of the batch puts back as they were: customer_id, lat, lon,
    location_source."""
    return reader.query(
        "SELECT customer_id, lat, lon, location_source FROM batch_customers WHERE undo_batch = ?",
        [batch_id],
    )


def batch_levels(reader: StoreReader, batch_id: str) -> list[str]:
    """The area levels an area batch replaced (those it wrote and those it kept)."""
    rows = reader.query(
        "SELECT level FROM areas WHERE batch_id = ? UNION "
        "SELECT level FROM batch_areas WHERE undo_batch = ?",
        [batch_id, batch_id],
    )
    return sorted(str(level) for level in rows["level"])


def put_back_replaced_rows(tx: StoreWriter, table: str, batch_id: str) -> None:
    """Delete the rows of ``table`` the batch wrote (customers with their assignments) and
    put back the rows it replaced, as they were; its kept rows go."""
    kept, _key, columns = KEPT_ROWS[table]
    if table == "customers":
        tx.execute(
            "DELETE FROM assignments WHERE customer_id IN "
            "(SELECT customer_id FROM customers WHERE batch_id = ?)",
            [batch_id],
        )
    if table == "areas":
        tx.execute(
            "DELETE FROM assignments WHERE level IN (SELECT level FROM areas WHERE batch_id = ? "
            "UNION SELECT level FROM batch_areas WHERE undo_batch = ?)",
            [batch_id, batch_id],
        )
    tx.execute(f"DELETE FROM {table} WHERE batch_id = ?", [batch_id])
    names = ", ".join(columns)
    tx.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {kept} WHERE undo_batch = ?",
        [batch_id],
    )
    tx.execute(f"DELETE FROM {kept} WHERE undo_batch = ?", [batch_id])
    if table == "sales":
        rebuild_orders(tx)  # an order is the sum of its lines


def mark_undone(tx: StoreWriter, batch_id: str, by: str | None) -> None:
    """Record that the batch was undone, when and by whom."""
    tx.execute(
        "UPDATE import_log SET undone_at = ?, undone_by = ? WHERE batch_id = ?",
        [datetime.now(UTC).replace(tzinfo=None), by, batch_id],
    )


__all__ = [
    "BATCH_TABLES",
    "BatchRecord",
    "batch_levels",
    "batch_record",
    "close_every_batch",
    "create_import_batches",
    "dependent_batches",
    "import_batches",
    "keep_replaced_levels",
    "keep_replaced_rows",
    "mark_undone",
    "new_batch_id",
    "put_back_replaced_rows",
    "restored_customer_ids",
    "rows_still_written",
    "sales_batches_on_added_customers",
]
