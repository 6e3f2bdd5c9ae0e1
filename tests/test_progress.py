"""Long work reports its steps in order, from 0 to 1."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from shapely.geometry import box

from geo.imports.runner import import_areas_file, import_customers_file, import_sales_file
from geo.progress import within
from geo.store.protocol import Store


def test_within_maps_a_stage_onto_its_share() -> None:
    seen: list[tuple[str, float]] = []
    stage = within(lambda step, f: seen.append((step, f)), 0.4, 1.0)
    assert stage is not None
    stage("half", 0.5)
    stage("beyond", 3.0)
    assert seen == [("half", 0.7), ("beyond", 1.0)]
    assert within(None, 0.0, 1.0) is None


def test_imports_report_steps_in_order_up_to_done(tiny_store: Store, tmp_path: Path) -> None:
    customers = tmp_path / "c.csv"
    customers.write_text("id,name,lat,lon\nN1,New,0.5,0.5\nN2,Other,0.5,1.5\n")
    sales = tmp_path / "s.csv"
    sales.write_text("order_id,customer_id,date,amount\nz1,N1,2026-01-05,10\n")
    for run, last in (
        (lambda p: import_customers_file(tiny_store, customers, progress=p), "2 imported"),
        (lambda p: import_sales_file(tiny_store, sales, progress=p), "1 imported"),
    ):
        seen: list[tuple[str, float]] = []
        run(lambda step, f, seen=seen: seen.append((step, f)))
        fractions = [f for _, f in seen]
        assert len(seen) >= 3
        assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
        # The bar ends on what happened, not on the last inner step ("assigned").
        assert seen[-1][0] == f"done: {last}, 0 rejected"


def test_an_area_import_ends_at_done_with_its_counts(tiny_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "zones.geojson"
    zones = gpd.GeoDataFrame(
        {"id": ["Z1", "Z2", ""], "name": ["West", "East", "No id"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(3, 3, 4, 4)],
        crs="EPSG:4326",
    )
    zones.to_file(path, driver="GeoJSON")
    seen: list[tuple[str, float]] = []
    import_areas_file(tiny_store, path, level="zone", progress=lambda s, f: seen.append((s, f)))
    assert [step for step, _ in seen][-2:] == ["assigned", "done: 2 imported, 1 rejected"]
    assert seen[-1][1] == 1.0
