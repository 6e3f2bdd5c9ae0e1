"""Saved segments, suppression, per-area workbooks, and the same rows everywhere."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.cli import main
from geo.errors import InputError
from geo.places.shapes import Shape
from geo.present.exports import export_bytes, sheet_names, write_export
from geo.present.target_list import (
    apply_suppression,
    area_breakdown,
    build_target_list,
    export_file_stem,
    read_suppression,
)
from geo.segments.area_kpis import summarise_selection
from geo.segments.filters import Filters
from geo.segments.saved import (
    delete_segment,
    list_segments,
    load_segment,
    rename_segment,
    save_segment,
)
from geo.segments.segment import Segment
from geo.store.protocol import Store


def test_saved_segments_save_rename_delete_and_rerun(tiny_store: Store) -> None:
    segment = Segment(Filters(level="county", area_ids=("B",)))
    save_segment(tiny_store, segment, "  Beta people ")
    table = list_segments(tiny_store)
    assert table["name"].tolist() == ["Beta people"]
    assert table["rows"].tolist() == [3]  # c2, p1, p2
    rename_segment(tiny_store, "Beta people", "Beta")
    loaded, problems = load_segment(tiny_store, "Beta")
    assert loaded.filters == segment.filters and loaded.name == "Beta" and problems == []
    with pytest.raises(InputError, match="no saved segment named 'Beta people'"):
        load_segment(tiny_store, "Beta people")
    delete_segment(tiny_store, "Beta")
    assert list_segments(tiny_store).empty
    with pytest.raises(InputError, match="1 to 80 characters"):
        save_segment(tiny_store, segment, "   ")


def test_a_saved_segment_whose_area_is_gone_says_so(tiny_store: Store) -> None:
    save_segment(tiny_store, Segment(Filters(level="county", area_ids=("A", "GONE"))), "old")
    loaded, problems = load_segment(tiny_store, "old")
    assert loaded.filters.area_ids == ("A",)
    assert problems == ["area GONE was ignored (parameter area): not an area of level 'county'"]
    with tiny_store.transaction() as con:
        con.execute("UPDATE segments SET spec = '{broken' WHERE name = 'old'")
    loaded, problems = load_segment(tiny_store, "old")
    assert loaded.filters == Filters() and "could not be read" in problems[0]


def test_suppression_by_id_and_email_ignores_case_and_spaces(tmp_path: Path) -> None:
    rows = pd.DataFrame(
        {"customer_id": ["A1", "A2", "A3", "A4"], "email": ["x@y.com", None, "Z@y.com", "w@y"]}
    )
    listed = tmp_path / "dnc.csv"
    listed.write_text("Email,id\n z@Y.com ,\n,a2\n")
    entries = read_suppression(listed)
    kept, removed = apply_suppression(rows, entries)
    assert removed == 2 and kept["customer_id"].tolist() == ["A1", "A4"]


def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["New York: 5 boroughs [NYC]", "Summary", "A" * 40, "A" * 40 + "x"])
    assert names["New York: 5 boroughs [NYC]"] == "New York  5 boroughs  NYC"
    assert names["Summary"] == "Summary (2)"
    assert len(set(names.values())) == 4 and all(len(n) <= 31 for n in names.values())


def test_file_stem_from_the_segment_name() -> None:
    from datetime import date

    assert export_file_stem("At-risk: New England!", date(2026, 12, 1)) == (
        "geocrm-at-risk-new-england-2026-12-01"
    )


def test_screen_exports_and_cli_hold_the_same_rows(demo_copy: Store, tmp_path: Path) -> None:
    filters = Filters(
        level="state",
        kind="customer",
        risk_bands=("high", "medium"),
        shapes=(
            Shape("rectangle", ((-80.0, 37.0), (-70.0, 43.0))),
            Shape("circle", ((-87.63, 41.88),), 60.0),
        ),
    )
    segment = save_segment(demo_copy, Segment(filters), "East and Chicago at risk").segment
    on_screen = summarise_selection(demo_copy, filters)["rows"]
    target = build_target_list(demo_copy, segment)
    ids = set(target.rows["customer_id"])
    assert on_screen == len(target.rows) == len(ids) > 100
    # CSV
    csv = pd.read_csv(io.BytesIO(export_bytes(target.rows, "csv")), dtype=str)
    assert set(csv["customer_id"]) == ids
    # GeoJSON
    geo = json.loads(export_bytes(target.rows, "geojson"))
    assert {f["properties"]["customer_id"] for f in geo["features"]} == ids
    # XLSX, one sheet per area
    book = tmp_path / "per-area.xlsx"
    write_export(target.rows, book, "xlsx", summary=target.summary, split_by="area_name")
    wb = openpyxl.load_workbook(book, read_only=True)
    from_sheets = {
        row[0] for ws in wb.worksheets[1:] for row in ws.iter_rows(min_row=2, values_only=True)
    }
    assert from_sheets == ids
    breakdown = area_breakdown(target.rows)
    assert sorted(wb.sheetnames[1:]) == sorted(breakdown["area"])
    assert int(breakdown["rows"].sum()) == len(ids)
    # Command line, from the saved segment
    out = tmp_path / "cli.csv"
    code = main(["--db", demo_copy.location, "export", "--segment", segment.name or "",
                 "--format", "csv", "--out", str(out)])  # fmt: skip
    assert code == 0
    assert set(pd.read_csv(out, dtype=str)["customer_id"]) == ids
    logged = demo_copy.query("SELECT segment, rows FROM export_log ORDER BY logged_at DESC LIMIT 1")
    assert logged.iloc[0].tolist() == ["East and Chicago at risk", len(ids)]


def test_per_owner_workbook_holds_every_row_once_in_call_order(
    demo_copy: Store, tmp_path: Path
) -> None:
    filters = Filters(level="territory", kind="customer", contact=("overdue", "due"))
    save_segment(demo_copy, Segment(filters), "Due for contact")
    out = tmp_path / "reps.xlsx"
    code = main(["--db", demo_copy.location, "export", "--segment", "Due for contact",
                 "--per-owner", "--format", "xlsx", "--out", str(out)])  # fmt: skip
    assert code == 0
    expected = set(build_target_list(demo_copy, Segment(filters)).rows["customer_id"])
    wb = openpyxl.load_workbook(out, read_only=True)
    seen: list[str] = []
    owners = demo_copy.query("SELECT DISTINCT owner FROM areas WHERE owner IS NOT NULL")
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        owner_col, value_col = header.index("Owner"), header.index("3-year value")
        assert {r[owner_col] for r in body} == {ws.title}
        assert ws.title in set(owners["owner"])
        values = [r[value_col] for r in body]
        assert values == sorted(values, reverse=True)  # value at stake first
        seen += [r[0] for r in body]
    assert len(seen) == len(set(seen)) == len(expected) > 0
    assert set(seen) == expected


@pytest.mark.parametrize(
    "filters",
    [
        Filters(level="territory", kind="customer", contact=("overdue", "due")),
        Filters(level="state", kind="customer", contact=("overdue",), area_ids=("06",)),
        Filters(level="county"),
    ],
)
def test_the_contact_plan_is_the_full_call_list_s_totals_and_first_rows(
    demo_store: Store, filters: Filters
) -> None:
    from geo.present.contact_list import NO_OWNER, contact_plan
    from geo.present.target_list import build_target_list
    from geo.segments.segment import Segment

    full = build_target_list(demo_store, Segment(filters), by_priority=True).rows
    for head in (1, 37, 500):
        plan = contact_plan(demo_store, filters, head=head)
        assert plan.rows == len(full)
        assert plan.overdue == int((full["contact_timing"] == "overdue").sum())
        assert plan.value_at_stake == pytest.approx(float(full["value_3y"].sum()))
        pd.testing.assert_frame_equal(
            plan.first_calls, full.head(head).reset_index(drop=True), check_dtype=False
        )
    per_owner = full.groupby(full["owner"].fillna(NO_OWNER)).size()
    assert plan.by_owner.set_index("owner")["customers"].to_dict() == per_owner.to_dict()
