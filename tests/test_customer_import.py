"""Customer and prospect files: detection, location, and one test per rejection reason."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from geo.errors import InputError
from geo.imports.customer_files import CustomerColumns, read_customers
from geo.imports.gazetteer import load_postcode_file
from geo.imports.runner import import_customers_file
from geo.schema import REJECTION_REASONS
from geo.store.protocol import Store


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def reasons(path: Path, **kwargs: object) -> dict[str, int]:
    _, report = read_customers(path, **kwargs)  # type: ignore[arg-type]
    report.check_counts()
    return report.rejected_by_reason()


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (",Ann,1,1", "missing_id"),
        ("A1,Dup,1,1", "duplicate_id"),
        ("A2,Bad,abc,1", "bad_coordinate"),
        ("A2,Lat,-95,200", "lat_out_of_range"),
        ("A2,Lon,10,200", "lon_out_of_range"),
        ("A2,Swap,120,40", "swapped_lat_lon"),
        ("A2,NewYorkTypo,140.7,-74.0", "lat_out_of_range"),
        ("A2,Polar,-120,86", "lat_out_of_range"),
        ("A2," + "x" * 1001 + ",1,1", "text_too_long"),
        ("A2,Half,10,", "half_coordinate"),
    ],
)
def test_each_rejection_reason(tmp_path: Path, rows: str, reason: str) -> None:
    path = write(tmp_path, "c.csv", f"id,name,lat,lon\nA1,First,1,1\n{rows}\n")
    _frame, report = read_customers(path)
    assert report.rejected_by_reason() == {reason: 1}
    assert reason in REJECTION_REASONS  # every code has words for the user
    assert report.rows_read == 2 and report.imported == 1
    rejected = report.rejected.iloc[0]
    assert rejected["_row"] == 3  # header is row 1
    assert rejected["_detail"]


def test_bad_kind_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,type\n1,customer\n2,Prospect\n3,lead\n")
    frame, report = read_customers(path)
    assert report.rejected_by_reason() == {"bad_kind": 1}
    assert frame["kind"].tolist() == ["customer", "prospect"]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_delimiters_and_bom(tmp_path: Path, sep: str) -> None:
    text = sep.join(["customer_id", "Name", "Latitude", "Longitude"]) + "\n"
    text += sep.join(["007", "Bond", "51.5", "-0.12"]) + "\n"
    path = tmp_path / "c.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    frame, report = read_customers(path)
    assert frame["customer_id"].tolist() == ["007"]
    assert frame["lat"].tolist() == [51.5] and report.warnings == []


def test_latin1_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id;name\n1;Müller Zürich\n", encoding="latin-1")
    frame, report = read_customers(path)
    assert frame["name"].tolist() == ["Müller Zürich"]
    assert any("Latin-1" in w for w in report.warnings)


def test_xlsx_keeps_text_ids_and_restores_zip_zeros(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ID", "Name", "ZIP"])
    sheet.append(["00123", "Boston Store", 2134])  # Excel made the ZIP a number
    sheet.append(["00124", "New York Store", "10001"])
    path = tmp_path / "c.xlsx"
    book.save(path)
    frame, report = read_customers(path)
    assert frame["customer_id"].tolist() == ["00123", "00124"]
    assert frame["postcode"].tolist() == ["02134", "10001"]
    assert frame["lat"].round(1).tolist() == [42.4, 40.8]
    assert any("leading zeros" in w and "rows 2" in w for w in report.warnings)


def test_unknown_postcode_is_kept_without_location(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,zip\n1,10001\n2,00000\n3,\n")
    frame, report = read_customers(path)
    assert report.imported == 3 and report.rejected_count == 0
    assert frame["lat"].isna().tolist() == [False, True, True]
    assert any("not in the US gazetteer" in w for w in report.warnings)


def test_projected_xy_is_reprojected(tmp_path: Path) -> None:
    # Web Mercator metres of (lon -74.0, lat 40.7).
    path = write(tmp_path, "c.csv", "id,x,y\n1,-8237642.32,4968191.93\n")
    frame, _ = read_customers(path, columns=CustomerColumns(crs="EPSG:3857"))
    assert frame["lon"].iloc[0] == pytest.approx(-74.0, abs=1e-4)
    assert frame["lat"].iloc[0] == pytest.approx(40.7, abs=1e-4)


def test_xy_without_crs_asks_for_it(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,easting,northing\n1,530000,180000\n")
    with pytest.raises(InputError, match="--crs"):
        read_customers(path)


def test_user_postcode_file_for_another_country(tmp_path: Path) -> None:
    gaz_path = write(tmp_path, "gb.csv", "postcode,lat,lon\nSW1A 1AA,51.501,-0.1416\n")
    path = write(tmp_path, "c.csv", "id,postcode\n1,sw1a1aa\n")
    frame, _ = read_customers(path, country="GB", gazetteer=load_postcode_file(gaz_path, "GB"))
    assert frame["lat"].iloc[0] == pytest.approx(51.501)


def test_column_overrides_and_extra_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "ref,label,y_deg,x_deg,industry\n9,Nine,1.5,2.5,Retail\n")
    cols = CustomerColumns(id="ref", name="label", lat="y_deg", lon="x_deg")
    frame, _ = read_customers(path, kind="prospect", columns=cols)
    row = frame.iloc[0]
    assert (row["customer_id"], row["name"], row["kind"]) == ("9", "Nine", "prospect")
    assert (row["lat"], row["lon"]) == (1.5, 2.5)
    assert row["extra"] == '{"industry": "Retail"}'


def test_missing_id_column_says_what_to_do(tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", "who,where\nAnn,here\n")
    with pytest.raises(InputError) as err:
        read_customers(path)
    assert "people.csv" in str(err.value) and "--id-col" in str(err.value)


def test_override_naming_a_missing_column(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,name\n1,A\n")
    with pytest.raises(InputError, match=r"there is no column 'nom'.*id, name"):
        read_customers(path, columns=CustomerColumns(name="nom"))


def test_swapped_only_when_the_swapped_point_is_where_customers_can_be(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "id,lat,lon\nNY,40.7,-74.0\nTYPO,140.7,-74.0\nLA,-118.2,34.1\nFAR,500,20\n",
    )
    _, report = read_customers(path)
    rejected = report.rejected.set_index("id")
    assert rejected["_reason"].to_dict() == {
        "TYPO": "lat_out_of_range",  # swapped it would be at 74°S, in Antarctica
        "LA": "swapped_lat_lon",  # swapped it is Los Angeles
        "FAR": "lat_out_of_range",  # 500 is no longitude either
    }
    assert rejected.loc["TYPO", "_detail"] == "latitude 140.7 is outside -90..90"


def test_a_long_text_rejection_names_its_column(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,name,notes\nA1,Ann,ok\nA2,Bob," + "n" * 1001 + "\n")
    frame, report = read_customers(path)
    assert frame["customer_id"].tolist() == ["A1"]
    assert report.rejected[["_reason", "_column"]].values.tolist() == [["text_too_long", "notes"]]
    assert report.rejected["_detail"].iloc[0] == (
        "the cell holds 1,001 characters, more than 1,000"
    )


def test_coordinates_in_metres_are_refused_and_read_with_their_crs(tmp_path: Path) -> None:
    # New York and Boston in Web Mercator metres, under latitude/longitude headers.
    path = write(
        tmp_path,
        "metres.csv",
        "id,lat,lon\nNY,4970241.3,-8238310.2\nBOS,5215074.2,-7910240.6\nBAD,41.0,-73.0\n",
    )
    with pytest.raises(InputError) as err:
        read_customers(path)
    assert str(err.value) == (
        "metres.csv: coordinates reach 8,238,310 — not degrees; the columns are probably "
        "projected (easting/northing). Give their CRS with --crs EPSG:xxxx "
        "(e.g. EPSG:3857, EPSG:27700)"
    )
    frame, report = read_customers(path, columns=CustomerColumns(crs="EPSG:3857"))
    located = frame.set_index("customer_id")
    assert located.loc["NY", "lat"] == pytest.approx(40.71, abs=0.01)
    assert located.loc["NY", "lon"] == pytest.approx(-74.006, abs=0.01)
    assert located.loc["BOS", "lat"] == pytest.approx(42.36, abs=0.01)
    # 41/-73 metres is near (0, 0): in range, so kept; a real file is all one CRS.
    assert report.imported == 3


def test_swapped_columns_are_told_from_the_areas(tiny_store: Store, tmp_path: Path) -> None:
    # The tiny areas cover lon 0..2, lat 0..1. S1-S3 are given as (lat, lon) = (lon, lat):
    # every value is in range, so only the areas show that they are swapped.
    path = write(
        tmp_path,
        "swapped.csv",
        "id,lat,lon\nS1,1.5,0.5\nS2,1.2,0.2\nS3,1.8,0.9\nOK,0.5,0.5\nFAR,5,5\n",
    )
    result = import_customers_file(tiny_store, path)
    assert result.report.imported == 5
    assert (
        "3 customers are outside all areas but would fall inside if latitude and longitude "
        "were swapped: check the column order"
    ) in result.report.warnings
    # Nothing is changed on a guess: the customers are stored as given.
    stored = tiny_store.query("SELECT lat FROM customers WHERE customer_id = 'S1'")
    assert stored["lat"].iloc[0] == 1.5
    plain = write(tmp_path, "plain.csv", "id,lat,lon\nOK2,0.5,1.5\nFAR2,5,5\n")
    assert not any("swapped" in w for w in import_customers_file(tiny_store, plain).report.warnings)


def test_rejected_cells_name_the_value_that_was_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,name,lat,lon\nA1,Ann,1,1\n,NoId,1,1\nA3,Half,2,\n")
    _, report = read_customers(path)
    assert report.rejected_cells().values.tolist() == [
        [3, "id", "", "missing_id", "the ID is empty: give every row an ID"],
        [4, "lon", "", "half_coordinate", "give both latitude and longitude, or neither"],
    ]


def test_creation_dates_with_mixed_time_zones_keep_the_date_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "id,name,created_on\n"
        "a,Alpha,2024-01-05T10:00:00+02:00\n"
        "b,Beta,2024-02-01\n"
        "c,Gamma,2024-03-01T23:30:00-05:00\n"
        "d,Delta,2024-03-04T01:00:00Z\n"
        "e,Epsilon,01/05/2024\n",
    )
    frame, report = read_customers(path)
    assert report.imported == 5
    created = frame.set_index("customer_id")["created_on"]
    assert [str(created[k].date()) for k in "abcd"] == [
        "2024-01-05",
        "2024-02-01",
        "2024-03-01",
        "2024-03-04",
    ]
    assert pd.isna(created["e"])
    assert any("'created_on' dates could not be read" in w for w in report.warnings)
