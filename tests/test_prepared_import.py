"""An import is read and counted before it is written, so a page can ask before it
replaces anything stored."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from geo.imports.runner import prepare_areas, prepare_customers, prepare_sales, write_prepared
from geo.store.protocol import Store


def test_a_customer_file_counts_the_stored_ids_it_replaces_and_writes_nothing_yet(
    tiny_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "id,name,lat,lon\nc1,Alice again,0.5,0.5\nc2,Bob again,0.5,1.5\nN1,New,0.5,0.5\n"
    )
    before = tiny_store.table_counts(), tiny_store.data_version()
    prepared = prepare_customers(tiny_store, path)
    assert prepared.replaced == 2
    assert prepared.replacement_note() == "2 stored customers and prospects with the same ID"
    assert (tiny_store.table_counts(), tiny_store.data_version()) == before
    result = write_prepared(tiny_store, prepared)
    assert result.report.imported == 3
    names = tiny_store.query("SELECT name FROM customers WHERE customer_id = 'c2'")["name"]
    assert names.tolist() == ["Bob again"]


def test_a_new_customer_file_replaces_nothing(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("id,name\nN1,New\n")
    prepared = prepare_customers(tiny_store, path)
    assert prepared.replaced == 0 and prepared.replacement_note() == ""


def test_a_sales_file_counts_the_stored_orders_it_replaces(
    tiny_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "order_id,customer_id,date,amount\no1,c1,2025-03-01,1\no1,c1,2025-03-01,2\nz9,c1,2026-01-05,10\n"
    )
    assert prepare_sales(tiny_store, path).replacement_note() == (
        "1 stored orders with the same order ID"
    )


def test_an_area_file_counts_the_stored_areas_of_its_level(
    tiny_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "counties.geojson"
    gpd.GeoDataFrame(
        {"id": ["A"], "name": ["Alpha redrawn"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    prepared = prepare_areas(tiny_store, path, level="county")
    assert prepared.replacement_note() == "2 stored areas of the level county"
    assert len(tiny_store.load_areas("county")) == 2  # nothing written yet
    assert prepare_areas(tiny_store, path, level="zone").replaced == 0
