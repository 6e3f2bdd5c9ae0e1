"""Build ``previous_release.duckdb``: a small database written by an earlier GeoCRM.

Run it with the code of that release on the import path (see README.md beside it); it uses
only what that release offers (its demo, its store writes, its command line), so the file
holds exactly what that release writes: no ``schema_version``, customer scores of its own
format, orders summed as it summed them.

The business is the seeded demo's Middle Atlantic territory (its states and counties, the
customers and prospects assigned there, their order lines) plus the demo's customers
without a location or outside every area, two saved segments, one export and one import
of extra order lines (so the logs are not empty). Geometries are WKB in EPSG:4326.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

from geo.cli import main
from geo.places.level_assignment import assign_customers
from geo.schema import CUSTOMER_COLUMNS, SALE_COLUMNS
from geo.store.duckdb_store import DuckDBStore

#: The demo the business is cut from (its options as ``geocrm demo`` takes them).
DEMO = ["--customers", "300", "--prospects", "600", "--order-lines", "3000", "--seed", "11"]
TERRITORY = "DIV2"  # Middle Atlantic: three states, about 150 counties


def _run(*argv: str) -> None:
    if main(list(argv)) != 0:
        raise SystemExit(f"failed: geocrm {' '.join(argv)}")


def build(target: Path, scratch: Path) -> None:
    """Write the small business into ``target`` (a new file), cut from a demo in ``scratch``."""
    demo_file = scratch / "demo.duckdb"
    _run("--db", str(demo_file), "demo", *DEMO)
    demo = DuckDBStore.open(demo_file)
    areas = demo.load_areas()
    states = areas[areas["parent_id"] == TERRITORY]
    counties = areas[areas["parent_id"].isin(states["area_id"])]
    kept_areas = pd.concat([areas[areas["area_id"] == TERRITORY], states, counties])
    kept_ids = demo.query(
        "SELECT customer_id FROM assignments WHERE level = 'territory' "
        "AND (area_id = ? OR location_status <> 'in_area') ORDER BY customer_id",
        [TERRITORY],
    )["customer_id"].tolist()
    customers = demo.table_rows("customers")
    customers = customers[customers["customer_id"].isin(kept_ids)][list(CUSTOMER_COLUMNS)]
    sales = demo.table_rows("sales")
    sales = sales[sales["customer_id"].isin(kept_ids)][list(SALE_COLUMNS)]
    # The latest orders are left out of the first load and imported by the command line
    # afterwards, as a team's nightly import would.
    cut = sales["order_date"].sort_values().iloc[int(len(sales) * 0.9)]
    first, later = sales[sales["order_date"] < cut], sales[sales["order_date"] >= cut]

    store = DuckDBStore.open(target)
    with store.transaction() as tx:
        for _, level in kept_areas.groupby("level"):
            store.replace_level(tx, level)
        store.upsert_customers(tx, customers)
        store.upsert_sales(tx, first)
        store.bump_data_version(tx)
    assign_customers(store)
    later_csv = scratch / "later_orders.csv"
    later.to_csv(later_csv, index=False, date_format="%Y-%m-%d")
    _run("--db", str(target), "import", "sales", str(later_csv))
    _run("--db", str(target), "segment", "save", "at risk", "--risk", "high", "medium")
    _run("--db", str(target), "segment", "save", "prospects", "--kind", "prospect")
    export = scratch / "at-risk.csv"
    _run(
        "--db",
        str(target),
        "export",
        "--segment",
        "at risk",
        "--format",
        "csv",
        "--out",
        str(export),
    )
    with store.connect() as con:
        con.execute("CHECKPOINT")  # one file, no journal beside it


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "previous_release.duckdb")
    if out.exists():
        raise SystemExit(f"{out} exists: remove it first")
    with tempfile.TemporaryDirectory() as folder:
        build(out, Path(folder))
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
