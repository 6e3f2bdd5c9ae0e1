"""Filling a database with the seeded demo business (see :mod:`geo.demo.business`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from geo.demo.business import DemoData, build_demo
from geo.errors import InputError
from geo.places.assignment_stamp import mark_assignments_current
from geo.places.level_assignment import assign_into
from geo.progress import Progress, within
from geo.store.duckdb_store import DuckDBStore
from geo.store.locations import is_server_url
from geo.store.opening import open_store, store_at
from geo.store.protocol import Store

#: ``meta`` key written in the same transaction as the demo business.
DEMO_MARKER = "demo_built"
#: Tables a rebuilt demo file takes over from the database it replaces.
KEPT_TABLES = ("segments", "import_log", "export_log")
#: Share of a demo build's progress reached when the built file replaces the old one.
REPLACING_AT = 0.95


#: Customers (or prospects) generated at once; a larger demo is built batch by batch.
BATCH_PEOPLE = 1_000_000


@dataclass(frozen=True)
class DemoBatch:
    """One batch of a demo business: its seed, sizes and the first number of its IDs."""

    seed: int
    customers: int
    prospects: int
    order_lines: int
    first_customer: int
    first_prospect: int
    first_order: int

    def build(self) -> DemoData:
        return build_demo(
            self.seed,
            customers=self.customers,
            prospects=self.prospects,
            order_lines=self.order_lines,
            first_customer=self.first_customer,
            first_prospect=self.first_prospect,
            first_order=self.first_order,
        )


def demo_batches(customers: int, prospects: int, order_lines: int, seed: int) -> list[DemoBatch]:
    """The batches of a demo business, in order.

    One batch when there are at most BATCH_PEOPLE customers and prospects each (the seed
    as given, so a demo of up to 1M customers is the same as ever); else equal shares, the
    k-th seeded ``seed + 7919 k``, its IDs numbered after the previous batches'."""
    count = max(1, -(-max(customers, prospects) // BATCH_PEOPLE))

    def share(total: int, k: int) -> int:
        return (total * (k + 1)) // count - (total * k) // count

    def before(total: int, k: int) -> int:
        return (total * k) // count

    return [
        DemoBatch(
            seed + 7919 * k,
            share(customers, k),
            share(prospects, k),
            share(order_lines, k),
            before(customers, k) + 1,
            before(prospects, k) + 1,
            before(order_lines, k) + 1,
        )
        for k in range(count)
    ]


def build_demo_database(
    store: Store,
    *,
    seed: int = 42,
    customers: int = 50_000,
    prospects: int = 150_000,
    order_lines: int = 500_000,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Replace the database's contents by the demo business; return rows per table.

    Saved segments and the logs are kept; areas, customers, sales and assignments are
    replaced in one transaction (which also scores the customers and writes the
    completion marker). A business of more than BATCH_PEOPLE customers or prospects is
    generated and stored in batches (see :func:`demo_batches`), so memory stays that of one
    batch.
    """
    batches = demo_batches(customers, prospects, order_lines, seed)
    with store.transaction() as tx:
        store.clear_business(tx)
        for number, batch in enumerate(batches):
            step = within(progress, number / len(batches), (number + 1) / len(batches))
            if step:
                step("generating the demo business", 0.0)
            demo = batch.build()
            if number == 0:
                for _, level_areas in demo.areas.groupby("level", sort=False):
                    store.replace_level(tx, level_areas)
            if step:
                step("storing the demo business", 0.4)
            store.upsert_customers(tx, demo.customers)
            store.upsert_sales(tx, demo.sales)
            assign_into(
                tx,
                store,
                demo.customers[["customer_id", "lat", "lon"]],
                progress=within(step, 0.7, 1.0),
                replacing=False,  # the business was cleared above, batches never overlap
            )
            del demo  # one batch in memory at a time
        store.bump_data_version(tx)
        mark_assignments_current(tx)  # every customer was just assigned at every level
        store.set_meta(tx, DEMO_MARKER, f"seed {seed}")
    return store.table_counts()


def build_demo_file(
    target: str | os.PathLike[str], *, progress: Progress | None = None, **demo_options: int
) -> dict[str, int]:
    """Build the demo business into a new file whose contents replace the database at
    ``target`` (a file or a server, see :mod:`geo.store.locations`) only when complete.

    ``demo_options`` are those of :func:`build_demo_database` (seed and sizes).

    The build goes into a hidden file next to a target file (a server builds it in one
    transaction instead), so a build killed half-way leaves ``target`` as it was. Saved
    segments and the logs of a replaced database are kept, and its data version is carried
    on (so caches keyed by it are not reused). The app may have ``target`` open: see
    :meth:`geo.store.protocol.Store.replace_file`.
    """
    location = os.fspath(target)
    destination = store_at(location)
    if (is_server_url(location) or Path(location).exists()) and not destination.writable:
        raise InputError(
            f"the database {destination.shown} is read-only",
            hint="Make it writable, or build the demo into another file with --db",
        )
    if is_server_url(location):
        # A server's transaction is all or nothing already, and readers keep seeing the old
        # business until it commits: no file to build first.
        counts = build_demo_database(open_store(location), progress=progress, **demo_options)
        if progress:
            progress(_done(counts), 1.0)
        return counts
    partial = Path(location).with_name(f".{Path(location).name}.partial")
    _remove_database_file(partial)  # the leftover of a build that was killed
    try:
        store = DuckDBStore.open(partial)
        counts = build_demo_database(
            store, progress=within(progress, 0.0, REPLACING_AT), **demo_options
        )
        if progress:
            progress("putting the new data in place", REPLACING_AT)
        if Path(location).exists():
            _take_over_kept_rows(open_store(location), store)
        destination.replace_file(partial)
    finally:
        _remove_database_file(partial)
    if progress:
        progress(_done(counts), 1.0)
    return counts


def _done(counts: dict[str, int]) -> str:
    return f"done: {counts['customers']:,} customers and prospects, {counts['sales']:,} order lines"


def demo_is_complete(target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` holds a usable business (areas and customers), judged by its data.

    A file that exists but is empty (such as one left by a build that was killed before
    builds went through a temporary file) is not complete.
    """
    location = os.fspath(target)
    if not is_server_url(location) and not Path(location).exists():
        return False
    return open_store(location, create=False).holds_business()


def _take_over_kept_rows(old: Store, new: Store) -> None:
    kept = {table: old.table_rows(table) for table in KEPT_TABLES}
    version = old.data_version()
    with new.transaction() as tx:
        for table, frame in kept.items():
            if len(frame):
                tx.insert_frame(table, frame)
        new.carry_data_version(tx, version)


def _remove_database_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
