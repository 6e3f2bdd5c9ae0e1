"""Only the map assets the app's map asks for are vendored, and nothing else is left served."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.maps.area_map import build_area_map
from geo.maps.assets import ASSETS, VENDOR_FOLDERS, list_map_assets
from geo.maps.point_cells import PointCells
from geo.maps.point_layers import CellLayer, PointLayer
from tools import vendor_assets

ROOT = Path(__file__).resolve().parent.parent


def _fullest_map_urls() -> set[str]:
    """The assets of a map with every option the app's pages use."""
    areas = gpd.GeoDataFrame(
        {"area_id": ["A", "B"], "name": ["a", "b"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    cells = PointCells(
        lat=np.array([0.5]), lon=np.array([0.5]), count=np.array([3]), total=3, zoom=5
    )
    fmap = build_area_map(
        areas, pd.Series({"A": 1.0, "B": -1.0}), metric_label="C", unit="count",
        diverging=True, selected_area_id="A", drawing=True, fullscreen=True,
        point_layers=[PointLayer("P", np.array([0.5]), np.array([0.5]), None, "#000", 1)],
        cell_layers=[CellLayer("Customers", cells, "#263238")],
    )  # fmt: skip
    return set(list_map_assets(fmap))


def test_every_vendored_asset_is_asked_for_by_the_app_map() -> None:
    assert set(ASSETS) == _fullest_map_urls()


def test_package_json_installs_exactly_the_packages_the_table_copies_from() -> None:
    wanted = {item.package_dir for item in [*ASSETS.values(), *VENDOR_FOLDERS]}
    package = json.loads((ROOT / "package.json").read_text("utf-8"))
    assert set(package["dependencies"]) == wanted


@pytest.mark.skipif(
    not (ROOT / "node_modules" / "leaflet").is_dir(),
    reason="npm packages not installed (make install)",
)
def test_vendoring_copies_the_table_and_drops_what_it_no_longer_names(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    stale = vendor / "jquery@3.7.1" / "dist" / "jquery.min.js"
    stale.parent.mkdir(parents=True)
    stale.write_text("/* an asset an earlier table named */")

    assert vendor_assets.main(vendor) == 0

    assert not stale.exists()
    assert {p.name for p in vendor.iterdir()} == {
        f"{item.local_name}@{item.version}" for item in [*ASSETS.values(), *VENDOR_FOLDERS]
    }
    for item in ASSETS.values():
        assert (vendor / item.local_path).is_file()
    assert (vendor / "leaflet@1.9.3" / "dist" / "images" / "marker-icon.png").is_file()
