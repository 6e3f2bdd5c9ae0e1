"""Whether the stored assignments are current, so that ``assign`` recomputes nothing in vain.

The ``meta`` key ``assignments`` holds the data version at which every customer's stored
assignments matched the stored customers and areas. A write that keeps them matching (a
full assignment; an import of customers or areas, which assigns what it writes; the demo
business; an import of sales, which moves neither customers nor areas) carries the mark to
its own new data version, but only when the assignments were current before it (as they
are in a store without customers). Any other
write of the data moves the data version on and leaves the mark behind: the assignments then
count as stale, and ``assign`` recomputes them.
"""

from __future__ import annotations

from geo.store.data_version import data_version_in
from geo.store.protocol import Store, StoreReader, StoreWriter
from geo.store.tables import set_meta

#: The ``meta`` key of the mark.
STAMP_KEY = "assignments"


def assignments_current_in(reader: StoreReader) -> bool:
    """Whether the assignments matched the customers and areas at the data version
    ``reader`` sees (inside a transaction: before its own writes move the version on).
    Without customers and assignments there is nothing to be stale."""
    stamp = reader.scalar("SELECT value FROM meta WHERE key = ?", [STAMP_KEY])
    if stamp is not None and str(stamp) == str(data_version_in(reader)):
        return True
    return bool(
        reader.scalar(
            "SELECT NOT EXISTS (SELECT 1 FROM customers) AND NOT EXISTS (SELECT 1 FROM assignments)"
        )
    )


def assignments_current(store: Store) -> bool:
    """Whether the stored assignments are those ``assign`` would compute now."""
    with store.snapshot() as reader:
        return assignments_current_in(reader)


def mark_assignments_current(tx: StoreWriter) -> None:
    """Inside a write transaction, after its data version moved on: its assignments match
    its customers and areas."""
    set_meta(tx, STAMP_KEY, str(data_version_in(tx)))
