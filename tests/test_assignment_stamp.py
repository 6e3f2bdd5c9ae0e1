"""``assign`` after an import recomputes nothing: the assignments say when they are current."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.cli import main
from geo.imports.runner import import_customers_file, import_sales_file
from geo.places.assignment_stamp import assignments_current
from geo.places.level_assignment import assign_customers
from geo.store.protocol import Store


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def stored_assignments(store: Store) -> list[tuple[str, str, str | None, str]]:
    frame = store.query(
        "SELECT customer_id, level, area_id, location_status FROM assignments "
        "ORDER BY customer_id, level"
    )
    return [
        (
            str(r.customer_id),
            str(r.level),
            None if r.area_id is None else str(r.area_id),
            str(r.location_status),
        )
        for r in frame.astype(object).where(frame.notna(), None).itertuples()
    ]


def test_imports_keep_current_assignments_current(tiny_store: Store, tmp_path: Path) -> None:
    assert assignments_current(tiny_store)  # assigned in full by the fixture
    customers = write(tmp_path, "c.csv", "id,lat,lon\nc1,0.5,1.5\nn1,0.2,0.2\nn2,,\n")
    import_customers_file(tiny_store, customers)
    assert assignments_current(tiny_store)
    imported = stored_assignments(tiny_store)
    assert ("c1", "county", "B", "in_area") in imported  # moved from A to B
    assert ("n1", "county", "A", "in_area") in imported
    assert ("n2", "region", None, "no_location") in imported
    sales = write(tmp_path, "s.csv", "order_id,customer_id,order_date,amount\nX9,n1,2026-01-02,5\n")
    import_sales_file(tiny_store, sales)
    assert assignments_current(tiny_store)
    # What the imports assigned is what a full assignment computes.
    assign_customers(tiny_store)
    assert stored_assignments(tiny_store) == imported


def test_a_write_that_does_not_assign_makes_them_stale(tiny_store: Store) -> None:
    with tiny_store.transaction() as tx:
        tx.execute("UPDATE customers SET lat = 0.5, lon = 1.5 WHERE customer_id = 'c1'")
        tiny_store.bump_data_version(tx)
    assert not assignments_current(tiny_store)
    assign_customers(tiny_store)
    assert assignments_current(tiny_store)


def test_an_import_into_stale_assignments_leaves_them_stale(
    tiny_store: Store, tmp_path: Path
) -> None:
    with tiny_store.transaction() as tx:
        tx.execute("DELETE FROM assignments WHERE customer_id = 'c2'")
        tiny_store.bump_data_version(tx)
    import_customers_file(tiny_store, write(tmp_path, "c.csv", "id,lat,lon\nn1,0.2,0.2\n"))
    assert not assignments_current(tiny_store)


def test_cli_assign_says_when_there_is_nothing_to_recompute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.places import level_assignment

    db = str(tmp_path / "b.duckdb")
    areas = write(
        tmp_path,
        "a.geojson",
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"id": "A", "name": "Alpha"}, "geometry": {"type": "Polygon", "coordinates": '
        "[[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}}]}",
    )
    customers = write(tmp_path, "c.csv", "id,lat,lon\nc1,0.5,0.5\nc2,5,5\n")
    assert main(["--db", db, "import", "areas", str(areas), "--level", "square"]) == 0
    assert main(["--db", db, "import", "customers", str(customers)]) == 0
    capsys.readouterr()
    calls: list[int] = []
    real = level_assignment.assign_customers

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("geo.cli.assign_customers", counted)
    assert main(["--db", db, "assign"]) == 0
    out = capsys.readouterr().out
    assert "the stored assignments are current: nothing recomputed (--force recomputes)" in out
    assert "square: in_area 1, outside_areas 1, no_location 0" in out
    assert calls == []
    assert main(["--db", db, "assign", "--force"]) == 0
    assert "nothing recomputed" not in capsys.readouterr().out
    assert calls == [1]
