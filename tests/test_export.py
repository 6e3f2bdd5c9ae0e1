from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.present.exports import (
    neutralise_formula,
    write_csv,
    write_export,
    write_geojson,
    write_xlsx,
)
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.protocol import Store

HOSTILE = [
    "=1+1",
    "+1 555",
    "-1+1",
    "-2-3",
    "+A1",
    "-1e5",
    "-",
    "@SUM(A1)",
    "\tx",
    "\rx",
    '=HYPERLINK("http://x")',
]
#: Plain decimal numbers: a spreadsheet reads them as numbers and never runs them.
NUMBERS = ["-74.0", "+1.5", "-3", "-3,5", "-.5", "+0", "40.7128", "-0."]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_characters_get_a_quote(text: str) -> None:
    assert neutralise_formula(text) == "'" + text


def test_plain_text_is_untouched() -> None:
    assert neutralise_formula("Smith & Sons") == "Smith & Sons"


@pytest.mark.parametrize("text", NUMBERS)
def test_plain_numbers_stay_numbers(text: str) -> None:
    assert neutralise_formula(text) == text


def test_csv_keeps_negative_coordinates_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    write_csv(pd.DataFrame({"lon": ["-74.0"], "name": ["-1+1"]}), path)
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["lon"].iloc[0] == -74.0
    assert back["name"].iloc[0] == "'-1+1"


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["00123", "0000456789012345678"],
            "name": ["=1+1", "Müller GmbH"],
            "postcode": ["02134", None],
            "sales_amount": [-12.5, 1000.0],
            "lat": [40.0, float("nan")],
            "lon": [-74.0, float("nan")],
        }
    )


def test_csv_is_safe_keeps_ids_and_has_bom(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_csv(_frame(), path) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0]["customer_id"] == "00123"
    assert rows[1]["customer_id"] == "0000456789012345678"
    assert rows[0]["name"] == "'=1+1"
    assert rows[0]["sales_amount"] == "-12.5"  # numbers stay numbers
    assert rows[1]["name"] == "Müller GmbH"


def test_xlsx_writes_text_cells_not_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    write_xlsx(_frame(), path, summary={"Description": "=evil()", "Rows": 2})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Customers"]
    sheet = book["Customers"]
    header = [c.value for c in sheet[1]]  # the names people read (issue 12)
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Name"].value == "=1+1"
    assert row["Name"].data_type == "s"  # a text cell: Excel shows it, never runs it
    assert row["Customer ID"].value == "00123"
    assert row["Customer ID"].data_type == "s"
    assert row["Sales"].value == -12.5
    summary = book["Summary"]
    assert summary["B1"].value == "=evil()" and summary["B1"].data_type == "s"


def test_geojson_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "out.geojson"
    assert write_geojson(_frame(), path) == 2
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["features"][0]["geometry"]["coordinates"] == [-74.0, 40.0]
    assert data["features"][1]["geometry"] is None
    assert data["features"][0]["properties"]["customer_id"] == "00123"


def test_every_format_holds_the_same_rows_as_the_selection(
    tiny_store: Store, tmp_path: Path
) -> None:
    rows = select_customers(tiny_store, Filters(level="county", area_ids=("A", "B")))
    ids = sorted(rows["customer_id"])
    for fmt in ("csv", "xlsx", "geojson"):
        path = tmp_path / f"out.{fmt}"
        assert write_export(rows, path, fmt) == len(rows)
        if fmt == "csv":
            got = pd.read_csv(path, dtype=str, encoding="utf-8-sig")["customer_id"].tolist()
        elif fmt == "xlsx":
            got = pd.read_excel(path, dtype=str)["Customer ID"].tolist()
        else:
            feats = json.loads(path.read_text())["features"]
            got = [f["properties"]["customer_id"] for f in feats]
        assert sorted(got) == ids
