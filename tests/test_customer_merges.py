"""Merging duplicates: one ID kept, the other's order lines moved to it and the other
removed, the merge recorded and followed by later imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.analytics.figures import selection_figures
from geo.cli import main
from geo.errors import InputError
from geo.imports.merges import listed_merges, merge_customers
from geo.imports.runner import import_customers_file, import_sales_file
from geo.quality.fix_lists import fix_list
from geo.segments.filters import Filters
from geo.store.protocol import Store


@pytest.fixture
def twins(tiny_store: Store, tmp_path: Path) -> Store:
    """c1 and its duplicate d1 (same name and postcode), d1 with one order of 30."""
    people = tmp_path / "twins.csv"
    people.write_text("id,name,lat,lon,postcode\nd1,=cmd|' /C calc'!A0,0.5,0.5,01234\n")
    import_customers_file(tiny_store, people)
    sales = tmp_path / "twin-sales.csv"
    sales.write_text("order_id,customer_id,order_date,amount\nt1,d1,2026-04-01,30\n")
    import_sales_file(tiny_store, sales)
    return tiny_store


def _revenue(store: Store) -> float:
    return float(store.scalar("SELECT sum(amount) FROM sales"))


def test_a_merge_moves_the_sales_removes_the_duplicate_and_is_recorded(twins: Store) -> None:
    assert {"c1", "d1"} <= set(fix_list(twins, "duplicates")["customer_id"])
    revenue, before = _revenue(twins), selection_figures(twins, Filters())
    merge = merge_customers(twins, "c1", "d1", merged_by="ada@example.com")
    assert merge.sales_moved == 1
    assert twins.scalar("SELECT count(*) FROM customers WHERE customer_id = 'd1'") == 0
    assert twins.scalar("SELECT count(*) FROM assignments WHERE customer_id = 'd1'") == 0
    assert twins.scalar("SELECT count(*) FROM sales WHERE customer_id = 'c1'") == 5
    assert twins.scalar("SELECT count(*) FROM orders WHERE customer_id = 'c1'") == 4
    assert _revenue(twins) == pytest.approx(revenue)  # nothing lost, nothing counted twice
    after = selection_figures(twins, Filters())
    assert after.customers == before.customers - 1
    assert fix_list(twins, "duplicates").empty
    logged = listed_merges(twins).iloc[0]
    assert (logged["kept_id"], logged["dropped_id"], logged["merged_by"]) == (
        "c1",
        "d1",
        "ada@example.com",
    )
    assert json.loads(logged["dropped_row"])["postcode"] == "01234"


def test_later_imports_follow_the_merge(twins: Store, tmp_path: Path) -> None:
    merge_customers(twins, "c1", "d1")
    again = tmp_path / "again.csv"
    again.write_text("id,name,lat,lon\nd1,Twin,0.5,0.5\nn1,New,0.5,0.5\n")
    report = import_customers_file(twins, again).report
    assert (report.imported, report.rejected_by_reason()) == (1, {"merged_id": 1})
    assert report.rejected["_detail"].tolist() == ["the customer was merged into c1"]
    lines = tmp_path / "more-sales.csv"
    lines.write_text("order_id,customer_id,order_date,amount\nt2,d1,2026-05-01,12\n")
    sales = import_sales_file(twins, lines).report
    assert sales.imported == 1 and any("merged into others" in w for w in sales.warnings)
    assert twins.scalar("SELECT customer_id FROM sales WHERE order_id = 't2'") == "c1"


def test_a_merge_is_refused_and_changes_nothing_when_it_cannot_be(twins: Store) -> None:
    version = twins.data_version()
    with pytest.raises(InputError, match="merged into itself"):
        merge_customers(twins, "c1", "c1")
    with pytest.raises(InputError, match="no customer 'zz' to merge"):
        merge_customers(twins, "c1", "zz")
    with pytest.raises(InputError, match="no customer 'zz' to keep"):
        merge_customers(twins, "zz", "d1")
    assert twins.data_version() == version


def test_the_merge_command(twins: Store, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", twins.location]
    assert main([*db, "merge", "c1", "d1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["merged"]["sales_moved"] == 1
    assert main([*db, "merge", "list", "--json"]) == 0
    assert [m["dropped_id"] for m in json.loads(capsys.readouterr().out)["merges"]] == ["d1"]
    assert main([*db, "merge", "c1"]) == 2
    assert "geocrm merge KEEP DROP" in capsys.readouterr().err
