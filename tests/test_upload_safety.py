"""Hostile uploads are refused before anything reads them."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import InputError
from geo.imports.area_files import read_areas
from geo.imports.customer_files import read_customers
from geo.imports.gazetteer import load_postcode_file
from geo.imports.sale_files import read_sales
from geo.imports.table_files import read_table
from geo.imports.upload_safety import (
    check_zip_archive,
    detect_vector_format,
    extract_zip_safely,
    read_bounded,
)
from geo.present.target_list import read_suppression


def test_vrt_disguised_as_geojson_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(
        '<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    with pytest.raises(InputError, match="not JSON"):
        read_areas(path)


def test_unsupported_and_virtual_paths(tmp_path: Path) -> None:
    kml = tmp_path / "areas.kml"
    kml.write_text("<kml/>")
    with pytest.raises(InputError, match="not a supported area format"):
        detect_vector_format(kml)
    with pytest.raises(InputError, match="not a local file"):
        detect_vector_format(Path("/vsicurl/http://example.com/a.geojson"))


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../evil.shp", "/etc/evil.shp", "..\\evil.shp"])
def test_zip_traversal_is_refused(tmp_path: Path, name: str) -> None:
    path = _zip(tmp_path / "a.zip", {name: b"x"})
    with pytest.raises(InputError, match="outside the archive"):
        check_zip_archive(path)


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", {"a.shp": b"\0" * 20_000_000})
    with pytest.raises(InputError, match="compressed"):
        check_zip_archive(path)


def test_safe_zip_extracts_inside(tmp_path: Path) -> None:
    path = _zip(tmp_path / "a.zip", {"dir/a.txt": b"hello"})
    dest = tmp_path / "out"
    dest.mkdir()
    extract_zip_safely(path, dest)
    assert (dest / "dir" / "a.txt").read_bytes() == b"hello"


def test_xlsx_bomb_and_table_bounds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _zip(tmp_path / "c.xlsx", {"xl/worksheets/sheet1.xml": b" " * 50_000_000})
    with pytest.raises(InputError, match="unpacks to"):
        read_table(bomb)
    import geo.imports.table_files as tf

    monkeypatch.setattr(tf, "MAX_ROWS", 2)
    csv = tmp_path / "c.csv"
    csv.write_text("id\n1\n2\n3\n4\n")
    with pytest.raises(InputError, match="4 rows is more than the 2 allowed"):
        read_table(csv)
    csv.write_text("id\n1\n2\n3\n4\n5\n")
    with pytest.raises(InputError, match="5 lines after the header is more than the 2 rows"):
        read_table(csv)
    # Exactly as many rows as allowed, with or without a final line break: read.
    for text in ("id\n1\n2\n", "id\n1\n2", 'id,note\n1,"two\nlines"\n2,x\n'):
        csv.write_text(text)
        assert len(read_table(csv).frame) == 2
    csv.write_text("id\n1\n2\n3\n4\n")
    monkeypatch.setattr(tf, "MAX_FILE_BYTES", 5)
    with pytest.raises(InputError, match="11 bytes, more than the 5 bytes allowed"):
        read_table(csv)


def test_unknown_table_format(tmp_path: Path) -> None:
    path = tmp_path / "c.ods"
    path.write_text("x")
    with pytest.raises(InputError, match=r"\.csv, \.tsv, \.txt .* or \.xlsx"):
        read_table(path)


ODD_FILE_READERS = [
    pytest.param(read_table, id="table"),
    pytest.param(read_areas, id="areas"),
    pytest.param(read_customers, id="customers"),
    pytest.param(read_sales, id="sales"),
    pytest.param(read_suppression, id="suppression"),
    pytest.param(load_postcode_file, id="gazetteer"),
]


@pytest.mark.parametrize("reader", ODD_FILE_READERS)
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path, reader: Callable) -> None:
    fifo = tmp_path / "customers.csv"
    os.mkfifo(fifo)
    # Opening a FIFO for reading blocks until a writer comes: that it returns at all
    # shows that it was refused from its metadata.
    with pytest.raises(InputError, match=r"customers\.csv: this is a pipe \(FIFO\)"):
        reader(fifo)


@pytest.mark.parametrize("reader", ODD_FILE_READERS)
def test_a_device_and_a_folder_are_refused(tmp_path: Path, reader: Callable) -> None:
    with pytest.raises(InputError, match="zero: this is a device, not a regular file"):
        reader(Path("/dev/zero"))
    with pytest.raises(InputError, match="this is a folder"):
        reader(tmp_path)


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "areas.geojson"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match=r"areas\.geojson: this is a device"):
        read_areas(link)


def test_a_read_stops_at_the_limit_whatever_the_stated_size(tmp_path: Path) -> None:
    # /proc files state a size of 0 and hold more: the read must stop at limit + 1 bytes.
    proc = Path("/proc/self/maps")
    if not proc.exists():
        pytest.skip("needs /proc")
    assert proc.stat().st_size == 0
    with pytest.raises(InputError, match="more than the 100 bytes allowed"):
        read_bounded(proc, 100)
    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 100)
    assert read_bounded(small, 100) == b"x" * 100
    small.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="101 bytes, more than the 100 bytes allowed"):
        read_bounded(small, 100)


def test_cli_refuses_a_fifo_and_a_device_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "customers.csv"
    os.mkfifo(fifo)
    db = str(tmp_path / "t.duckdb")
    for path, words in ((fifo, "customers.csv: this is a pipe (FIFO)"), ("/dev/zero", "device")):
        assert main(["--db", db, "import", "customers", str(path)]) == 2
        err = capsys.readouterr().err
        assert words in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "name", ["a.geojson", "a.topojson", "a.zip", "a.gpkg", "a.parquet", "a.xlsx", "a.txt"]
)
def test_a_fifo_is_refused_in_every_format(tmp_path: Path, name: str) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    reader = read_table if name.endswith((".xlsx", ".txt")) else read_areas
    with pytest.raises(InputError, match=r"this is a pipe \(FIFO\), not a regular file"):
        reader(fifo)
    with pytest.raises(InputError, match="this is a pipe"):
        detect_vector_format(fifo) if reader is read_areas else read_suppression(fifo)


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused_when_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geo.imports.upload_safety as safety

    fifo = tmp_path / "customers.csv"
    os.mkfifo(fifo)
    # As if the path were a regular file when checked, and a FIFO by the time it is opened.
    monkeypatch.setattr(safety, "check_file_size", lambda *args, **kwargs: None)
    with pytest.raises(InputError, match=r"this is a pipe \(FIFO\)"):
        safety.read_bounded(fifo, 100)
