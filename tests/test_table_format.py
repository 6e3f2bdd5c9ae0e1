"""One formatting layer: names, kinds, the decimals rule, empty columns and cells, files."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.analytics.lookalikes import whitespace
from geo.analytics.rfm_views import segment_summary
from geo.present.exports import export_bytes, write_xlsx
from geo.present.table_format import (
    COLUMNS,
    column_spec,
    fitted_width,
    rounded_for_files,
    shown_text,
    table_for_screen,
    visible_columns,
)
from geo.present.target_list import area_breakdown, export_file_stem
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.protocol import Store


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (6287, "count", "6,287"),
        (13890229.749999946, "money", "$13,890,230"),
        (-1234.6, "money", "-$1,235"),
        (20803.288279, "money_average", "$20,803.29"),
        (0.2452, "percent", "24.5%"),
        (0.24536, "percent", "24.5%"),
        (0.252, "percent", "25.2%"),
        (0.99953, "percent", "100.0%"),
        (19123.4, "score", "19,123"),
        (24.097561, "days", "24"),
        (3.24, "distance", "3.2"),
        (pd.Timestamp("2026-07-19 00:00:00"), "date", "2026-07-19"),
        (None, "text", ""),
        (float("nan"), "money", ""),
        (pd.NaT, "date", ""),
    ],
)
def test_each_kind_is_shown_by_one_rule(value: object, kind: str, text: str) -> None:
    assert shown_text(value, kind) == text  # type: ignore[arg-type]


def test_money_keeps_its_cents_in_a_workbook() -> None:
    assert shown_text(13890229.749999946, "money", in_workbook=True) == "$13,890,229.75"


def test_every_column_the_app_shows_is_declared(demo_store: Store) -> None:
    filters = Filters(level="state")
    frames = [
        select_customers(demo_store, filters),
        compute_area_kpis(demo_store, filters),
        segment_summary(demo_store, filters),
        whitespace(demo_store, filters),
    ]
    for frame in frames:
        undeclared = [c for c in frame.columns if c not in COLUMNS]
        assert undeclared == []
    assert column_spec("penetration").kind == "percent"
    assert column_spec("sales_amount").label == "Sales"
    assert column_spec("churn_risk").kind == "percent"


def test_undeclared_columns_get_a_readable_name_and_a_kind_from_their_values() -> None:
    frame = pd.DataFrame({"potential_loyalists": [3, 4], "ratio_x": [0.5, 1.25]})
    assert column_spec("potential_loyalists", frame["potential_loyalists"]).label == (
        "Potential loyalists"
    )
    assert column_spec("potential_loyalists", frame["potential_loyalists"]).kind == "count"
    assert column_spec("ratio_x", frame["ratio_x"]).kind == "number"
    # An undeclared float is kept as it is in files: the rule rounds only what it knows.
    assert rounded_for_files(frame)["ratio_x"].tolist() == [0.5, 1.25]


def test_columns_with_no_values_are_hidden_and_empty_text_shows_empty(
    demo_store: Store,
) -> None:
    # The whitespace table of the demo has no household figures: two all-empty columns.
    targets = whitespace(demo_store, Filters(level="state"))
    assert targets["households"].isna().all()
    shown = table_for_screen(targets)
    assert "households" not in shown.columns
    assert "penetration_households" not in shown.columns
    assert {"name", "whitespace", "penetration"} <= set(shown.columns)
    rows = select_customers(demo_store, Filters(level="state"))
    assert rows["postcode"].isna().any()
    preview = table_for_screen(rows)
    assert not preview["postcode"].isna().any()
    assert "None" not in set(preview["postcode"]) and "" in set(preview["postcode"])
    assert visible_columns(pd.DataFrame({"a": [None, " "], "b": [1, None]})) == ["b"]


def test_screen_and_files_round_by_the_same_rule(demo_store: Store) -> None:
    kpis = compute_area_kpis(demo_store, Filters(level="state"))
    shown = table_for_screen(kpis)
    # Money to the cent, percent fractions to one decimal of the percentage.
    assert (shown["sales_amount"] * 100).round(6).eq((shown["sales_amount"] * 100).round()).all()
    per_mille = shown["penetration"].dropna() * 1000
    assert len(per_mille) > 40 and per_mille.round(6).eq(per_mille.round()).all()
    assert shown["penetration"].isna().tolist() == kpis["penetration"].isna().tolist()
    assert shown["penetration"].dropna().tolist() == kpis["penetration"].dropna().round(3).tolist()
    assert shown["customers"].tolist() == kpis["customers"].tolist()


def test_dates_are_dates(demo_store: Store) -> None:
    rows = select_customers(demo_store, Filters(level="state")).head(50)
    shown = table_for_screen(rows)
    assert pd.api.types.is_datetime64_any_dtype(shown["last_order_date"])
    last = shown["last_order_date"].dropna()
    assert (last == last.dt.normalize()).all()
    assert shown_text(last.iloc[0], "date") == f"{last.iloc[0]:%Y-%m-%d}"
    assert fitted_width(rows, "expected_next_order") == len("Next order expected")


def test_widths_fit_the_longest_value_and_the_name() -> None:
    frame = pd.DataFrame({"sales_amount": [12.0, 13890229.749999946], "name": ["Al", "Bo"]})
    assert fitted_width(frame, "sales_amount") == len("$13,890,230")
    assert fitted_width(frame, "sales_amount", in_workbook=True) == len("$13,890,229.75")
    assert fitted_width(frame, "name") == len("Name")


def test_csv_rounds_money_to_the_cent_and_percent_to_one_decimal(demo_store: Store) -> None:
    kpis = compute_area_kpis(demo_store, Filters(level="state"))
    raw = kpis["sales_amount"].astype(str)
    assert raw.str.len().max() > 12  # the sums carry float noise (13890229.749999946)
    back = pd.read_csv(io.BytesIO(export_bytes(kpis, "csv")), dtype=str, encoding="utf-8-sig")
    assert list(back.columns) == list(kpis.columns)  # machine names stay in CSV
    decimals = back["sales_amount"].str.partition(".")[2].str.len()
    assert decimals.max() <= 2
    assert back["penetration"].str.partition(".")[2].str.len().max() <= 3
    assert pd.to_numeric(back["sales_amount"]).tolist() == kpis["sales_amount"].round(2).tolist()
    assert (back["area_id"] == kpis["area_id"]).all()  # IDs stay text


def test_geojson_values_equal_the_screen(demo_store: Store) -> None:
    rows = select_customers(demo_store, Filters(level="state")).head(20)
    features = json.loads(export_bytes(rows, "geojson"))["features"]
    props = pd.DataFrame([f["properties"] for f in features])
    pd.testing.assert_series_equal(
        props["churn_risk"].astype(float), rows["churn_risk"].round(3), check_names=False
    )
    pd.testing.assert_series_equal(
        props["value_3y"].astype(float), rows["value_3y"].round(2), check_names=False
    )


def test_workbook_has_names_widths_frozen_header_and_number_formats(
    demo_store: Store, tmp_path: Path
) -> None:
    rows = select_customers(demo_store, Filters(level="state")).head(300)
    path = tmp_path / "out.xlsx"
    reports: list[tuple[int, int]] = []
    write_xlsx(
        rows, path, summary={"Rows": len(rows)}, progress=lambda d, t: reports.append((d, t))
    )
    assert reports[-1] == (len(rows), len(rows))
    sheet = openpyxl.load_workbook(path)["Customers"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Customer ID", "Name", "Kind"]
    assert "Sales" in header and "sales_amount" not in header
    assert sheet.freeze_panes == "A2"
    col = {h: i for i, h in enumerate(header)}
    first = sheet[2]
    sales = first[col["Sales"]]
    assert isinstance(sales.value, float) and sales.number_format == "$#,##0.00"
    assert first[col["Orders"]].number_format == "#,##0"
    assert isinstance(first[col["Orders"]].value, int)
    churn = first[col["Churn risk"]]
    assert churn.number_format == "0.0%" and churn.value == round(rows["churn_risk"].iloc[0], 3)
    assert first[col["Last order"]].number_format == "yyyy-mm-dd"
    assert first[col["Last order"]].is_date
    assert first[col["Customer ID"]].data_type == "s"
    letters = {h: openpyxl.utils.get_column_letter(i + 1) for h, i in col.items()}
    widths = {h: sheet.column_dimensions[letters[h]].width for h in header}
    longest_email = int(rows["email"].str.len().max())
    assert widths["Email"] >= longest_email
    assert widths["Sales"] >= len(f"${rows['sales_amount'].max():,.2f}")
    assert widths["Kind"] < widths["Email"]


def test_workbook_summary_figures_have_their_formats(demo_store: Store) -> None:
    from geo.present.target_list import build_target_list
    from geo.segments.segment import Segment

    target = build_target_list(demo_store, Segment(Filters(level="state", area_ids=("06",))))
    book = openpyxl.load_workbook(
        io.BytesIO(export_bytes(target.rows, "xlsx", summary=target.summary))
    )
    cells = {row[0].value: row[1] for row in book["Summary"].iter_rows()}
    assert cells["Sales"].number_format == "$#,##0.00"
    assert cells["Sales"].value == round(float(target.rows["sales_amount"].sum()), 2)
    assert cells["Rows"].number_format == "#,##0" and cells["Rows"].value == len(target.rows)
    assert cells["Description"].data_type == "s"


def test_workbook_reports_progress_as_it_writes(demo_store: Store) -> None:
    rows = select_customers(demo_store, Filters(level="state")).head(12_000)
    reports: list[tuple[int, int]] = []
    export_bytes(rows, "xlsx", split_by="area_name", progress=lambda d, t: reports.append((d, t)))
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[0] < len(rows) and done[-1] == len(rows)
    assert {t for _, t in reports} == {len(rows)}


def test_per_area_table_is_readable(demo_store: Store) -> None:
    breakdown = area_breakdown(select_customers(demo_store, Filters(level="state")))
    shown = table_for_screen(breakdown)
    assert [column_spec(c).label for c in shown.columns] == [
        "Area", "Rows", "Customers", "Prospects", "Sales",
    ]  # fmt: skip


def test_file_names_are_cut_at_a_word() -> None:
    label = "Customers, level state, kind customer, risk high, contact due, churn risk high"
    stem = export_file_stem(label, date(2026, 12, 1))
    assert stem == "geocrm-customers-level-state-kind-customer-risk-high-contact-due-2026-12-01"
    words = set(label.lower().replace(",", "").split())
    assert set(stem.removeprefix("geocrm-").removesuffix("-2026-12-01").split("-")) <= words
    # A single word longer than the limit is cut at the limit.
    assert export_file_stem("x" * 80, date(2026, 12, 1)) == f"geocrm-{'x' * 60}-2026-12-01"


def test_growth_from_nothing_is_empty_not_infinite() -> None:
    frame = pd.DataFrame({"growth": [0.1234, float("inf"), -float("inf")], "new": [1, 2, 3]})
    shown = table_for_screen(frame)
    assert shown["growth"].iloc[0] == 0.123 and shown["growth"].iloc[1:].isna().all()
    assert shown["new"].dtype == "int64"
    text = export_bytes(frame, "csv").decode("utf-8-sig")
    assert "inf" not in text and text.splitlines()[2] == ",2"


def test_long_text_gets_the_room_the_table_has_and_no_more(demo_store: Store) -> None:
    from ui.tables import CONTENT_PX, MAX_TEXT_PX, fitted_widths

    segments = table_for_screen(segment_summary(demo_store, Filters(level="state")))
    labels = {c: column_spec(c).label for c in segments.columns}
    widths = fitted_widths(segments, labels)
    # "What it means" is long: wider than the cap, since the table has room for it ...
    assert widths["meaning"] > MAX_TEXT_PX
    assert sum(widths.values()) <= CONTENT_PX
    alone = fitted_widths(segments[["customers"]], {"customers": "Customers"})
    assert widths["customers"] == alone["customers"]  # numbers keep their fitted width
    # ... but in a table with no room left it stays at the cap.
    crowded = segments.assign(**{f"extra_{i}": segments["revenue"] for i in range(6)})
    more = {c: column_spec(c, crowded[c]).label for c in crowded.columns}
    assert fitted_widths(crowded, more)["meaning"] == MAX_TEXT_PX


def test_location_codes_read_as_words_on_screen_and_in_the_workbook(tmp_path: Path) -> None:
    from geo.present.exports import write_csv, write_xlsx
    from geo.present.table_format import table_for_screen

    frame = pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "location_status": ["in_area", "outside_areas", "no_location"],
        }
    )
    words = ["in an area", "outside all areas", "without a location"]
    assert table_for_screen(frame)["location_status"].tolist() == words
    xlsx, csv = tmp_path / "list.xlsx", tmp_path / "list.csv"
    write_xlsx(frame, xlsx)
    sheet = openpyxl.load_workbook(xlsx).worksheets[0]
    assert [sheet.cell(row=r, column=2).value for r in (2, 3, 4)] == words
    # A CSV is read by machines (a CRM re-import): it keeps the codes.
    write_csv(frame, csv)
    assert pd.read_csv(csv, encoding="utf-8-sig")["location_status"].tolist() == [
        "in_area", "outside_areas", "no_location",
    ]  # fmt: skip


def test_a_yes_no_column_named_like_a_figure_is_shown_as_text_not_as_a_count() -> None:
    # The users table's "active" flag shares its name with the count of active customers.
    users = pd.DataFrame({"email": ["ana@example.com", "bo@example.com"], "active": [True, False]})
    spec = column_spec("active", users["active"])
    assert spec.kind == "text" and spec.label == "Active"
    shown = table_for_screen(users)
    assert list(shown["active"]) == [True, False]
    assert fitted_width(shown, "active") >= len("Active")
    # The figure itself keeps its declaration.
    assert column_spec("active", pd.Series([3, 4])).kind == "count"
