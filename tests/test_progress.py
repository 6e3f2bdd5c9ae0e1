"""Long work reports its steps in order, from 0 to 1."""

from __future__ import annotations

from pathlib import Path

from geo.imports import import_customers_file, import_sales_file
from geo.progress import within
from geo.store import Store


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
    for run in (
        lambda p: import_customers_file(tiny_store, customers, progress=p),
        lambda p: import_sales_file(tiny_store, sales, progress=p),
    ):
        seen: list[tuple[str, float]] = []
        run(lambda step, f, seen=seen: seen.append((step, f)))
        fractions = [f for _, f in seen]
        assert len(seen) >= 3
        assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
