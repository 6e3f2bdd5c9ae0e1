"""Import batches and undo: a batch undone leaves every business table as it was before it,
and a batch others depend on is refused with the reason and what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import InputError
from geo.imports.runner import (
    import_areas_file,
    import_customers_file,
    import_sales_file,
    prepare_customers,
)
from geo.imports.undo import undo_import, undo_refusal
from geo.store.import_batches import batch_record, import_batches
from geo.store.protocol import Store
from geo.store.tables import TABLES

#: The tables an import changes (the logs and saved segments are history, not content).
CONTENT_TABLES = tuple(t for t in TABLES if t not in ("import_log", "export_log", "segments"))


def content(store: Store) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every business table as text, in one order: equal content, equal value."""
    out = {}
    for table in CONTENT_TABLES:
        rows = store.table_rows(table)
        out[table] = sorted(
            tuple(_text(value) for value in row) for row in rows.itertuples(index=False)
        )
    return out


def _text(value: object) -> str:
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()  # a geometry's WKB
    return "None" if value is None or value is pd.NA or value != value else str(value)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CHANGING = (
    "customer_id,name,lat,lon,owner\n"
    "c1,Renamed One,0.5,0.5,Otto\n"  # changes c1's name and owner
    "c2,Bob,0.5,1.5,\n"  # as stored, but with no creation date: that is a change too
    "n1,Newcomer,0.2,0.2,\n"  # new, in A
    "n2,Far Away,9,9,\n"  # new, outside every area
)


def test_a_customer_import_is_a_batch_and_its_undo_restores_every_table(
    tiny_store: Store, tmp_path: Path
) -> None:
    before = content(tiny_store)
    path = write(tmp_path, "changes.csv", CHANGING)
    prepared = prepare_customers(tiny_store, path)
    changes = prepared.report.changes
    assert changes is not None
    assert (changes.added, changes.changed, changes.unchanged) == (2, 2, 0)
    c1 = next(e for e in changes.examples if e.customer_id == "c1")
    assert ("name", "Renamed One") in {(c, after) for c, _b, after in c1.fields}
    assert ("owner", "Olga", "Otto") in c1.fields
    c2 = next(e for e in changes.examples if e.customer_id == "c2")
    assert c2.fields == (("created_on", "2024-01-01", ""),)

    result = import_customers_file(tiny_store, path)
    batch = result.report.batch_id
    assert batch and batch.startswith("B") and result.to_dict()["batch_id"] == batch
    assert f"geocrm import undo {batch}" in result.report.summary()
    assert content(tiny_store) != before
    logged = import_batches(tiny_store)
    assert logged["batch_id"].iloc[0] == batch and int(logged["written"].iloc[0]) == 4
    assert json.loads(json.dumps(result.to_dict()))["changes"]["added"] == 2

    assert undo_refusal(tiny_store, batch) is None
    undone = undo_import(tiny_store, batch, undone_by="ann@example.com")
    assert undone.removed == 4 and batch in undone.sentence()
    assert content(tiny_store) == before
    record = batch_record(tiny_store, batch)
    assert record is not None and record.undone_by == "ann@example.com"
    with pytest.raises(InputError, match="undone already"):
        undo_import(tiny_store, batch)


def test_a_batch_a_later_import_changed_waits_for_that_one(
    tiny_store: Store, tmp_path: Path
) -> None:
    before = content(tiny_store)
    first = import_customers_file(tiny_store, write(tmp_path, "a.csv", CHANGING)).report
    after_first = content(tiny_store)
    second = import_customers_file(
        tiny_store, write(tmp_path, "b.csv", "customer_id,name,lat,lon\nn1,Moved,0.5,1.5\n")
    ).report
    refusal = undo_refusal(tiny_store, str(first.batch_id))
    assert refusal is not None and f"undo {second.batch_id} first" in refusal
    with pytest.raises(InputError, match="was not undone") as raised:
        undo_import(tiny_store, str(first.batch_id))
    assert content(tiny_store) != after_first  # the refusal changed nothing: second still in
    assert raised.value.hint and "geocrm import batches" in raised.value.hint
    undo_import(tiny_store, str(second.batch_id))
    assert content(tiny_store) == after_first
    undo_import(tiny_store, str(first.batch_id))
    assert content(tiny_store) == before


def test_order_lines_for_added_customers_hold_the_customer_batch(
    tiny_store: Store, tmp_path: Path
) -> None:
    before = content(tiny_store)
    customers = import_customers_file(tiny_store, write(tmp_path, "c.csv", CHANGING)).report
    sales = import_sales_file(
        tiny_store,
        write(
            tmp_path,
            "s.csv",
            "order_id,customer_id,order_date,amount\nz1,n1,2026-01-05,40\nz1,c1,2026-01-05,2\n",
        ),
    ).report
    refusal = undo_refusal(tiny_store, str(customers.batch_id))
    assert refusal is not None and "order lines" in refusal and str(sales.batch_id) in refusal
    undo_import(tiny_store, str(sales.batch_id))
    undo_import(tiny_store, str(customers.batch_id))
    assert content(tiny_store) == before


def test_an_order_import_that_replaced_orders_is_undone_to_the_old_lines(
    tiny_store: Store, tmp_path: Path
) -> None:
    before = content(tiny_store)
    stored = tiny_store.table_rows("sales")
    order = str(stored["order_id"].iloc[0])
    customer = str(stored["customer_id"].iloc[0])
    report = import_sales_file(
        tiny_store,
        write(
            tmp_path,
            "s.csv",
            f"order_id,customer_id,order_date,amount\n{order},{customer},2026-02-01,999\n",
        ),
    ).report
    assert float(tiny_store.scalar("SELECT sum(amount) FROM sales WHERE amount = 999")) == 999
    undo_import(tiny_store, str(report.batch_id))
    assert content(tiny_store) == before


def test_an_area_import_is_undone_with_the_areas_and_assignments_it_replaced(
    tiny_store: Store, tmp_path: Path
) -> None:
    before = content(tiny_store)
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area_id": "W", "name": "Whole", "level": "county"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[0, 0], [2, 0], [2, 1], [0, 1], [0, 0]]],
                },
            }
        ],
    }
    path = write(tmp_path, "counties.geojson", json.dumps(geojson))
    report = import_areas_file(tiny_store, path, level="county", id_col="area_id").report
    counties = tiny_store.query("SELECT area_id FROM areas WHERE level = 'county'")
    assert list(counties["area_id"]) == ["W"]
    undo_import(tiny_store, str(report.batch_id))
    assert content(tiny_store) == before

    # A new level undone goes with its assignments.
    new_level = write(tmp_path, "zones.geojson", json.dumps(geojson).replace('"W"', '"Z1"'))
    zone = import_areas_file(tiny_store, new_level, level="zone", id_col="area_id").report
    assert "zone" in tiny_store.levels()
    undo_import(tiny_store, str(zone.batch_id))
    assert "zone" not in tiny_store.levels() and content(tiny_store) == before


def test_a_batch_whose_rows_a_demo_build_replaced_cannot_be_undone(
    tiny_store: Store, tmp_path: Path
) -> None:
    report = import_customers_file(tiny_store, write(tmp_path, "c.csv", CHANGING)).report
    with tiny_store.transaction() as tx:
        tiny_store.clear_business(tx)
    refusal = undo_refusal(tiny_store, str(report.batch_id))
    assert refusal is not None and "no longer be undone" in refusal
    with pytest.raises(InputError, match="there is no import batch 'B-nothing'"):
        undo_import(tiny_store, "B-nothing")


def test_a_customer_rewritten_outside_an_import_keeps_the_batch_from_being_undone(
    tiny_store: Store, tmp_path: Path
) -> None:
    report = import_customers_file(tiny_store, write(tmp_path, "c.csv", CHANGING)).report
    newcomer = tiny_store.query("SELECT * FROM customers WHERE customer_id = 'n1'")
    frame = pd.DataFrame(newcomer.drop(columns=["batch_id", "geom"], errors="ignore"))
    with tiny_store.transaction() as tx:
        tiny_store.upsert_customers(tx, frame)  # not an import: no batch
    refusal = undo_refusal(tiny_store, str(report.batch_id))
    assert refusal is not None and "1 of the 4" in refusal and "not an import" in refusal
