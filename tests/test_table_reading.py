"""Reading CSV files as text: the columnar reader and the row reader read every file alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import InputError
from geo.imports.customer_files import read_customers
from geo.imports.table_files import read_table


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_quotes_commas_and_newlines_inside_cells_are_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'id,name\nA1,"Smith, John"\nA2,"two\nlines"\nA3,"say ""hi"""\nA4,007\n',
    )
    frame = read_table(path).frame
    assert frame["name"].tolist() == ["Smith, John", "two\nlines", 'say "hi"', "007"]
    # Rows are records: a cell's newline does not move the next row's number.
    assert frame["_row"].tolist() == [2, 3, 4, 5]


def test_blank_lines_and_short_rows_keep_their_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name,lat\nA1,Ann,1\n\nA2,Bob\n\n\nA3,Cy,3\n")
    frame = read_table(path).frame
    assert frame["id"].tolist() == ["A1", "A2", "A3"]
    assert frame["_row"].tolist() == [2, 4, 7]
    assert frame["lat"].isna().tolist() == [False, True, False]


def test_a_row_with_too_many_fields_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id,name\nA1,Ann\nA2,Bob,extra\n")
    with pytest.raises(InputError) as err:
        read_table(path)
    assert err.value.row == 3 and "Expected 2 fields in line 3, saw 3" in str(err.value)


def test_repeated_and_empty_header_names_are_named_apart(tmp_path: Path) -> None:
    assert list(read_table(write(tmp_path, "id,id,name\n1,2,a\n")).frame.columns) == [
        "id",
        "id.1",
        "name",
        "_row",
    ]
    assert list(read_table(write(tmp_path, "id,,name\n1,2,a\n")).frame.columns) == [
        "id",
        "Unnamed: 1",
        "name",
        "_row",
    ]
    with pytest.raises(InputError, match="appears twice"):
        read_table(write(tmp_path, "id, id\n1,2\n"))


def test_cells_are_trimmed_of_every_kind_of_whitespace_and_empty_is_missing(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "id,name,notes\n A1 ,\u00a0Ann\u3000,\x1f\nA2,\t,  x y  \n")
    frame = read_table(path).frame
    assert frame["id"].tolist() == ["A1", "A2"]
    assert frame["name"].tolist()[0] == "Ann" and frame["name"].isna().tolist() == [False, True]
    assert frame["notes"].isna().tolist() == [True, False]
    assert frame["notes"].iloc[1] == "x y"


def test_each_rejection_tells_its_own_row(tmp_path: Path) -> None:
    rows = "".join(f"C{i},{i % 50},{i % 60}\n" for i in range(2000))
    path = write(tmp_path, "id,lat,lon\n" + rows + "C7,1,1\nC9,abc,1\nC10,1,x1\nC11,95,200\n")
    frame, report = read_customers(path)
    assert report.imported == 2000 and len(frame) == 2000
    assert report.rejected_cells()[["row", "reason", "detail"]].values.tolist() == [
        [2002, "duplicate_id", "same ID as row 9"],
        [2003, "duplicate_id", "same ID as row 11"],
        [2004, "duplicate_id", "same ID as row 12"],
        [2005, "duplicate_id", "same ID as row 13"],
    ]


def test_coordinate_details_quote_the_cell(tmp_path: Path) -> None:
    bad = "A,abc,1\nB,1,1;5\nC,95,200\nD,-95,100\nE,10,200\n"
    path = write(tmp_path, "id,lat,lon\n" + bad + "F,1,1\nG,2,2\nH,3,3\n")
    _, report = read_customers(path)
    assert report.rejected_cells()[["reason", "detail"]].values.tolist() == [
        ["bad_coordinate", "latitude 'abc' is not a number"],
        ["bad_coordinate", "longitude '1;5' is not a number"],
        ["lat_out_of_range", "latitude 95.0 is outside -90..90"],
        ["lat_out_of_range", "latitude -95.0 is outside -90..90"],
        ["lon_out_of_range", "longitude 200.0 is outside -180..180"],
    ]
