"""Customers merged into others: one ID kept, the other's order lines moved to it, the
other removed, and the merge recorded, so that later imports follow it.

Table ``customer_merges`` (schema step 9): one row per merge, with the removed customer's
stored row as JSON (``dropped_row``) and how many order lines moved.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from geo.schema import CUSTOMER_COLUMNS
from geo.store.derived_tables import rebuild_orders
from geo.store.protocol import StoreReader, StoreWriter

_COLUMNS = "merge_id, kept_id, dropped_id, dropped_row, sales_moved, merged_at, merged_by"


def create_customer_merges(tx: StoreWriter) -> None:
    """Part of schema step 9: the table of merges."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS customer_merges (merge_id VARCHAR PRIMARY KEY, kept_id "
        "VARCHAR NOT NULL, dropped_id VARCHAR NOT NULL, dropped_row VARCHAR, sales_moved "
        "BIGINT NOT NULL, merged_at TIMESTAMP NOT NULL, merged_by VARCHAR)"
    )


def stored_customer(reader: StoreReader, customer_id: str) -> dict[str, object] | None:
    """The customer's stored row (the columns of :data:`CUSTOMER_COLUMNS`); None: none."""
    rows = reader.query(
        f"SELECT {', '.join(CUSTOMER_COLUMNS)} FROM customers WHERE customer_id = ?",
        [customer_id],
    )
    if rows.empty:
        return None
    row = {str(k): v for k, v in rows.iloc[0].items()}
    return {k: (None if _is_missing(v) else v) for k, v in row.items()}


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def merge_into(
    tx: StoreWriter,
    merge_id: str,
    kept_id: str,
    dropped: dict[str, object],
    merged_by: str | None,
) -> int:
    """Move the dropped customer's order lines to ``kept_id``, remove the dropped customer
    (row, assignments, scores, fixes in force) and record the merge; the lines moved."""
    dropped_id = str(dropped["customer_id"])
    moved = int(tx.scalar("SELECT count(*) FROM sales WHERE customer_id = ?", [dropped_id]) or 0)
    tx.execute("UPDATE sales SET customer_id = ? WHERE customer_id = ?", [kept_id, dropped_id])
    for table in ("assignments", "customer_scores", "customers"):
        tx.execute(f"DELETE FROM {table} WHERE customer_id = ?", [dropped_id])
    now = datetime.now(UTC).replace(tzinfo=None)
    tx.execute(
        "UPDATE location_fixes SET reverted_at = ?, reverted_by = ? "
        "WHERE customer_id = ? AND reverted_at IS NULL",
        [now, f"merged into {kept_id} ({merge_id})", dropped_id],
    )
    tx.execute(
        f"INSERT INTO customer_merges ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [merge_id, kept_id, dropped_id, json.dumps(dropped, default=str), moved, now, merged_by],
    )
    rebuild_orders(tx)
    return moved


def merged_ids(reader: StoreReader) -> dict[str, str]:
    """Every merged-away ID and the ID it lives on as now (a chain of merges followed to
    its end)."""
    rows = reader.query("SELECT dropped_id, kept_id FROM customer_merges ORDER BY merged_at")
    into = dict(zip(rows["dropped_id"].astype(str), rows["kept_id"].astype(str), strict=True))
    resolved = {}
    for dropped in into:
        target, seen = into[dropped], {dropped}
        while target in into and target not in seen:
            seen.add(target)
            target = into[target]
        resolved[dropped] = target
    return resolved


def merge_history(reader: StoreReader, limit: int) -> pd.DataFrame:
    """The latest ``limit`` merges, newest first."""
    return reader.query(
        f"SELECT {_COLUMNS} FROM customer_merges ORDER BY merged_at DESC, merge_id DESC LIMIT ?",
        [limit],
    )
