"""Merging two customers who are one: the kept ID takes the other's order lines, the other
is removed, and the merge is recorded, so that later imports follow it (a row of the
removed ID is rejected as ``merged_id``; its order lines go to the kept ID)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from geo.errors import InputError
from geo.places.assignment_stamp import assignments_current_in, mark_assignments_current
from geo.store.customer_merges import merge_history, merge_into, merged_ids, stored_customer
from geo.store.protocol import Store


@dataclass(frozen=True)
class Merge:
    """A merge done: its ID, the customer kept, the one removed, the order lines moved."""

    merge_id: str
    kept_id: str
    dropped_id: str
    sales_moved: int

    def sentence(self) -> str:
        return (
            f"{self.dropped_id} merged into {self.kept_id} ({self.merge_id}): "
            f"{self.sales_moved:,} order lines moved, {self.dropped_id} removed"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "merge_id": self.merge_id,
            "kept_id": self.kept_id,
            "dropped_id": self.dropped_id,
            "sales_moved": self.sales_moved,
        }


def merge_customers(
    store: Store, kept_id: str, dropped_id: str, *, merged_by: str | None = None
) -> Merge:
    """Merge ``dropped_id`` into ``kept_id`` in one transaction; :class:`InputError`
    (nothing changed) when either is not stored or they are the same."""
    if store.scope.restricted:
        raise InputError("only a user who sees every area may merge customers")
    if kept_id == dropped_id:
        raise InputError(f"'{kept_id}' cannot be merged into itself")
    merge_id = f"M{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    with store.transaction() as tx:
        if stored_customer(tx, kept_id) is None:
            raise InputError(f"there is no customer '{kept_id}' to keep")
        dropped = stored_customer(tx, dropped_id)
        if dropped is None:
            raise InputError(f"there is no customer '{dropped_id}' to merge")
        current = assignments_current_in(tx)
        moved = merge_into(tx, merge_id, kept_id, dropped, merged_by)
        store.bump_data_version(tx)
        if current:  # a customer removed changes no one else's areas
            mark_assignments_current(tx)
    return Merge(merge_id, kept_id, dropped_id, moved)


def merged_customer_ids(store: Store) -> dict[str, str]:
    """Every merged-away customer ID and the ID it lives on as now."""
    with store.snapshot() as reader:
        return merged_ids(reader)


def listed_merges(store: Store, limit: int = 100) -> pd.DataFrame:
    """The latest ``limit`` merges, newest first (merge_id, kept_id, dropped_id,
    dropped_row as JSON, sales_moved, merged_at, merged_by)."""
    with store.snapshot() as reader:
        return merge_history(reader, limit)
