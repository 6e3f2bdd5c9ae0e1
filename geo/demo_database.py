"""Filling a database with the seeded demo business (see :mod:`geo.demo`)."""

from __future__ import annotations

from geo.demo import build_demo
from geo.progress import Progress, within
from geo.store import Store
from geo.territory_assignment import assign_into


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
    replaced in one transaction.
    """
    if progress:
        progress("generating the demo business", 0.0)
    demo = build_demo(seed, customers=customers, prospects=prospects, order_lines=order_lines)
    if progress:
        progress("storing the demo business", 0.4)
    with store.transaction() as con:
        for table in ("assignments", "sales", "customers", "areas"):
            con.execute(f"DELETE FROM {table}")
        for _, level_areas in demo.areas.groupby("level", sort=False):
            store.replace_level(con, level_areas)
        store.upsert_customers(con, demo.customers)
        store.upsert_sales(con, demo.sales)
        assign_into(
            con,
            store,
            demo.customers[["customer_id", "lat", "lon"]],
            progress=within(progress, 0.7, 1.0),
        )
        store.bump_data_version(con)
    return store.table_counts()
