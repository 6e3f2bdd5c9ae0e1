"""Undoing an import: the database as it was before that batch, or a reason why not.

An undo deletes what the batch wrote and puts back what it replaced (see
:mod:`geo.store.import_batches`), then assigns the customers put back (a customer batch)
or every customer (an area batch) to the areas, so assignments, orders and scores are
again what they were. It is refused, with the reason and what to do, when the batch was
undone already, when a later batch replaced rows it wrote (undo that one first), when
order lines were imported for customers it added, or when a write that is not an import
(a demo build, an applied territory scenario) replaced them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.errors import InputError
from geo.imports.location_fixes import reapply_fixes
from geo.places.assignment_stamp import assignments_current_in, mark_assignments_current
from geo.places.level_assignment import assign_into
from geo.store.data_version import data_version_in
from geo.store.import_batches import (
    BatchRecord,
    batch_levels,
    batch_record,
    dependent_batches,
    import_batches,
    mark_undone,
    put_back_replaced_rows,
    restored_customer_ids,
    rows_still_written,
    sales_batches_on_added_customers,
)
from geo.store.protocol import Store, StoreReader
from geo.store.tables import levels_in

LIST_HINT = "geocrm import batches lists the imports and their batch IDs"


@dataclass(frozen=True)
class UndoneImport:
    """An undone batch: which, of what table, and how many rows it had written."""

    batch_id: str
    table: str
    source: str
    removed: int

    def sentence(self) -> str:
        return (
            f"Import {self.batch_id} of {self.source} undone: its {self.removed:,} "
            f"{_ROWS[self.table]} removed, and what it had replaced put back"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "table": self.table,
            "source": self.source,
            "removed": self.removed,
        }


_ROWS = {"customers": "customers and prospects", "sales": "order lines", "areas": "areas"}


def _refusal(reader: StoreReader, batch_id: str) -> tuple[BatchRecord, str | None]:
    """The batch and why it cannot be undone (None: it can)."""
    record = batch_record(reader, batch_id)
    if record is None:
        raise InputError(f"there is no import batch '{batch_id}'", hint=LIST_HINT)
    if record.undone_at is not None:
        return record, f"it was undone already ({record.undone_at:%d %b %Y %H:%M})"
    if record.closed:
        return record, f"it can no longer be undone: {record.closed}"
    later = dependent_batches(reader, record.table, batch_id)
    if later:
        return record, (f"a later import changed rows it wrote: undo {', '.join(later)} first")
    if record.table == "customers":
        sales = sales_batches_on_added_customers(reader, batch_id)
        if sales:
            named = [b for b in sales if b]
            which = f"undo {', '.join(named)} first" if named else "remove those order lines"
            return record, f"order lines were imported for customers it added: {which}"
    still = rows_still_written(reader, record.table, batch_id)
    if still != record.written:
        return record, (
            f"{record.written - still:,} of the {record.written:,} {_ROWS[record.table]} it "
            "wrote were replaced since by a change that is not an import"
        )
    return record, None


#: The state of an import that can be undone (the others say why not, or since when).
IN_PLACE = "in place"


def batch_state(row: pd.Series) -> str:
    """What became of one logged import (a row of :func:`listed_imports`), in words."""
    if pd.isna(row["batch_id"]):
        return "imported before imports could be undone"
    if pd.notna(row["undone_at"]):
        who = f" by {row['undone_by']}" if pd.notna(row["undone_by"]) else ""
        return f"undone {pd.Timestamp(row['undone_at']):%d %b %Y %H:%M}{who}"
    if pd.notna(row["closed"]):
        return f"can no longer be undone: {row['closed']}"
    return IN_PLACE


def listed_imports(store: Store, limit: int) -> pd.DataFrame:
    """The latest ``limit`` imports, newest first (the columns of
    :func:`geo.store.import_batches.import_batches`), with ``state`` (:func:`batch_state`;
    :data:`IN_PLACE` for those that may be undone, unless a later import depends on them)."""
    with store.snapshot() as reader:
        imports = import_batches(reader, limit)
    imports["state"] = [batch_state(row) for _, row in imports.iterrows()]
    return imports


def undo_refusal(store: Store, batch_id: str) -> str | None:
    """Why the batch cannot be undone now, in words (None: it can)."""
    with store.snapshot() as reader:
        return _refusal(reader, batch_id)[1]


def undo_import(store: Store, batch_id: str, *, undone_by: str | None = None) -> UndoneImport:
    """Undo the import batch ``batch_id`` in one transaction; :class:`InputError` (nothing
    changed) when it cannot be undone. ``undone_by``: who undoes (None: the command line)."""
    if store.scope.restricted:
        raise InputError("only a user who sees every area may undo an import")
    read_at = store.data_version()  # read first: a write after it makes it stale
    customers = store.customer_locations()  # an area batch's undo assigns them all again
    with store.transaction() as tx:
        record, refusal = _refusal(tx, batch_id)
        if refusal:
            raise InputError(
                f"import {batch_id} of {record.source} was not undone: {refusal}",
                hint=LIST_HINT,
            )
        current = assignments_current_in(tx)
        levels = batch_levels(tx, batch_id) if record.table == "areas" else []
        restored = restored_customer_ids(tx, batch_id) if record.table == "customers" else None
        put_back_replaced_rows(tx, record.table, batch_id)
        if restored is not None:
            restored = reapply_fixes(tx, restored)
            assign_into(tx, store, restored, replacing=False)
        elif record.table == "areas":
            # Only levels that held areas before the batch are assigned again.
            still = [level for level in levels if level in levels_in(tx)]
            current = current and data_version_in(tx) == read_at
            assign_into(tx, store, customers, levels=still, replacing=False)
        mark_undone(tx, batch_id, undone_by)
        store.bump_data_version(tx)
        if current:
            mark_assignments_current(tx)
    return UndoneImport(batch_id, record.table, record.source, record.written)
