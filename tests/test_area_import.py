"""Area files: every format, CRS handling, repairs and rejections, on real and drawn shapes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box

from geo.errors import InputError
from geo.imports.area_files import list_layers, read_areas
from geo.schema import REJECTION_REASONS

DATA = Path(__file__).resolve().parent.parent / "data" / "us-atlas"


def frame(crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["A", "B"], "name": ["Alpha", "Beta"], "parent": ["R", "R"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=crs,
    )


def test_real_counties_topojson() -> None:
    assert list_layers(DATA / "counties-10m.json") == ["counties", "states", "nation"]
    areas, report = read_areas(DATA / "counties-10m.json", layer="counties")
    assert report.rows_read == 3231
    assert report.imported == 3230
    assert report.rejected_by_reason() == {"empty_geometry": 1}
    assert report.rejected["id"].tolist() == ["51610"]  # Falls Church, VA
    assert any(w.startswith("22 invalid geometries were repaired") for w in report.warnings)
    assert areas.geometry.is_valid.all()
    assert areas.crs.to_epsg() == 4326
    assert areas["level"].iloc[0] == "counties"
    assert areas["area_id"].str.len().eq(5).all()  # FIPS codes keep their zeros


def test_topojson_with_layers_needs_a_choice() -> None:
    with pytest.raises(InputError, match=r"3 layers: counties, states, nation.*--layer"):
        read_areas(DATA / "counties-10m.json")


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "parquet", "shapezip"])
def test_every_format(tmp_path: Path, fmt: str) -> None:
    areas = frame()
    if fmt == "geojson":
        path = tmp_path / "a.geojson"
        areas.to_file(path, driver="GeoJSON")
    elif fmt == "gpkg":
        path = tmp_path / "a.gpkg"
        areas.to_file(path, layer="zones", driver="GPKG")
    elif fmt == "parquet":
        path = tmp_path / "a.parquet"
        areas.to_parquet(path)
    else:
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        areas.to_file(shp_dir / "zones.shp")
        path = tmp_path / "zones.zip"
        with zipfile.ZipFile(path, "w") as z:
            for part in shp_dir.iterdir():
                z.write(part, part.name)
    out, report = read_areas(path, id_col="code", parent_col="parent", level="zone")
    assert out["area_id"].tolist() == ["A", "B"]
    assert out["name"].tolist() == ["Alpha", "Beta"]
    assert out["parent_id"].tolist() == ["R", "R"]
    assert (out["level"] == "zone").all()
    assert report.rows_read == 2 and report.imported == 2


def test_projected_file_is_reprojected(tmp_path: Path) -> None:
    areas = frame().to_crs("EPSG:3857")
    path = tmp_path / "a.gpkg"
    areas.to_file(path, driver="GPKG")
    out, _ = read_areas(path, id_col="code")
    assert out.crs.to_epsg() == 4326
    assert out.total_bounds == pytest.approx([0, 0, 2, 1], abs=1e-6)


def test_file_without_crs(tmp_path: Path) -> None:
    lonlat = tmp_path / "lonlat.parquet"
    frame(crs=None).to_parquet(lonlat)
    out, _ = read_areas(lonlat, id_col="code")
    assert out.crs.to_epsg() == 4326
    metres = tmp_path / "metres.parquet"
    gpd.GeoDataFrame(
        {"code": ["A"]}, geometry=[box(500000, 100000, 510000, 110000)], crs=None
    ).to_parquet(metres)
    with pytest.raises(InputError, match=r"states no CRS.*--crs"):
        read_areas(metres, id_col="code")
    out, _ = read_areas(metres, id_col="code", crs="EPSG:27700")
    assert -3 < out.total_bounds[0] < 0  # British National Grid -> Great Britain


def test_invalid_empty_duplicate_and_non_polygon(tmp_path: Path) -> None:
    features = [
        ("A", Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)]).__geo_interface__),
        ("B", None),
        ("A", box(5, 5, 6, 6).__geo_interface__),
        (None, box(7, 7, 8, 8).__geo_interface__),
        ("P", {"type": "Point", "coordinates": [1, 1]}),
    ]
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"id": i}, "geometry": g} for i, g in features
        ],
    }
    path = tmp_path / "a.geojson"
    path.write_text(json.dumps(data))
    out, report = read_areas(path)
    assert out["area_id"].tolist() == ["A"]
    assert out.geometry.is_valid.all()
    assert report.rejected_by_reason() == {
        "duplicate_area_id": 1,
        "empty_geometry": 1,
        "missing_area_id": 1,
        "not_polygon": 1,
    }
    assert report.rejected["_row"].tolist() == [2, 3, 4, 5]
    assert set(report.rejected["_reason"]) <= set(REJECTION_REASONS)
    assert any("repaired" in w for w in report.warnings)
    report.check_counts()


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:27700"])
def test_geojson_in_metres_is_refused_until_its_crs_is_given(tmp_path: Path, crs: str) -> None:
    # GeoJSON has no CRS field GDAL reads: it reports WGS84 for any coordinates.
    metres = frame().set_crs(crs, allow_override=True)
    metres.geometry = [box(500000, 180000, 510000, 190000), box(510000, 180000, 520000, 190000)]
    data = json.loads(metres.to_json())
    data.pop("crs", None)
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as err:
        read_areas(path, id_col="code")
    assert str(err.value) == (
        "areas.geojson: the coordinates reach 520,000 — not degrees; the file's CRS is "
        "probably projected. Give it with --crs EPSG:xxxx (e.g. --crs EPSG:27700 or EPSG:3857)"
    )
    out, report = read_areas(path, id_col="code", crs=crs)
    assert report.imported == 2
    x0, y0, x1, y1 = out.total_bounds
    assert -180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90
    expected = metres.to_crs("EPSG:4326").total_bounds
    assert out.total_bounds == pytest.approx(expected, abs=1e-9)


def test_a_wrong_crs_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[box(0, 0, 500, 500)], crs=None).to_parquet(path)
    with pytest.raises(InputError, match="not degrees"):
        read_areas(path, id_col="code")
    with pytest.raises(InputError, match="not a known CRS"):
        read_areas(path, id_col="code", crs="EPSG:nonsense")


def test_an_area_name_over_1000_characters_is_rejected(tmp_path: Path) -> None:
    areas = frame()
    areas.loc[1, "name"] = "B" * 1001
    path = tmp_path / "a.geojson"
    areas.to_file(path, driver="GeoJSON")
    out, report = read_areas(path, id_col="code")
    assert out["area_id"].tolist() == ["A"]
    assert report.rejected_by_reason() == {"text_too_long": 1}
    assert report.rejected["_column"].tolist() == ["name"]
    assert "1,001 characters" in report.rejected["_detail"].iloc[0]
