"""Hostile uploads are refused before anything reads them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from geo.area_import import read_areas
from geo.errors import InputError
from geo.table_files import read_table
from geo.upload_safety import check_zip_archive, detect_vector_format, extract_zip_safely


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
    import geo.table_files as tf

    monkeypatch.setattr(tf, "MAX_ROWS", 2)
    csv = tmp_path / "c.csv"
    csv.write_text("id\n1\n2\n3\n4\n")
    with pytest.raises(InputError, match="more than the 2 allowed"):
        read_table(csv)
    monkeypatch.setattr(tf, "MAX_FILE_BYTES", 5)
    with pytest.raises(InputError, match="MB allowed"):
        read_table(csv)


def test_unknown_table_format(tmp_path: Path) -> None:
    path = tmp_path / "c.ods"
    path.write_text("x")
    with pytest.raises(InputError, match=r"\.csv, \.tsv, \.txt .* or \.xlsx"):
        read_table(path)
