"""The area map: escaping of data text, legend, point layers, and offline assets."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.maps.area_map import build_area_map
from geo.maps.assets import (
    VENDOR_DIR,
    UnknownAssetError,
    build_standalone_html,
    list_map_assets,
    rewrite_asset_url,
)
from geo.maps.display_geometry import simplify_for_display
from geo.maps.inert_text import to_map_text
from geo.maps.point_cells import PointCells
from geo.maps.point_layers import CELL_DIAMETER_PX, CellLayer, PointLayer

HOSTILE = ["<img src=x onerror=alert(1)>", "${alert(1)}", "Smith`s \\ Sons", "\\u0041", "\\x41"]


@pytest.mark.parametrize("text", HOSTILE)
def test_map_text_is_inert(text: str) -> None:
    out = to_map_text(text)
    assert not any(c in out for c in "<>`$\\")


def _areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"area_id": ["A", "B", "C"], "name": [HOSTILE[0], HOSTILE[1], "C`\\"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)],
        crs="EPSG:4326",
    )


def _map(points: int = 10, total: int = 10) -> str:
    layer = PointLayer(
        name="Customers",
        lat=np.linspace(0.1, 0.9, points),
        lon=np.linspace(0.1, 2.9, points),
        labels=[HOSTILE[i % len(HOSTILE)] for i in range(points)],
        colour="#1b7837",
        total=total,
    )
    fmap = build_area_map(
        _areas(),
        pd.Series({"A": 1.0, "B": 12345.0}),
        metric_label="Sales amount",
        unit="$",
        point_layers=[layer],
    )
    return fmap.get_root().render()


def test_rendered_map_has_no_live_data_text() -> None:
    html = _map()
    assert "<img src=x" not in html
    assert "${alert" not in html
    assert "Smith`s" not in html
    assert "\\u0041" not in html and "\\x41" not in html
    # The names are there, as character references the browser shows as text (inside JSON,
    # where & is written \u0026).
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in html
    assert "\\u0026#36;{alert(1)}" in html


def test_choropleth_legend_and_layers() -> None:
    html = _map(points=5, total=1234)
    assert html.count('"area_id"') == 3
    assert "Sales amount (\\u0026#36;)" in html and "\\u0026#36;12,345" in html
    assert "no data" in html  # area C has no value
    assert "Customers (showing 5 of 1,234)" in html


def test_simplified_areas_keep_every_id() -> None:
    fine = gpd.GeoDataFrame(
        {"area_id": ["S", "T"]},
        geometry=[box(0, 0, 1e-4, 1e-4), box(1, 1, 3, 3)],
        crs="EPSG:4326",
    )
    simple = simplify_for_display(fine, 0.01)
    assert simple["area_id"].tolist() == ["S", "T"]
    assert not simple.geometry.is_empty.any()


def test_every_asset_of_the_map_has_a_local_copy() -> None:
    fmap = build_area_map(
        _areas(),
        pd.Series({"A": 1.0}),
        metric_label="Customers",
        unit="count",
        point_layers=[PointLayer("P", np.array([0.5]), np.array([0.5]), None, "#000", 1)],
    )
    urls = list_map_assets(fmap)
    assert any("leaflet.js" in u for u in urls)
    for url in urls:
        assert rewrite_asset_url(url).startswith("app/static/vendor/")
    with pytest.raises(UnknownAssetError):
        rewrite_asset_url("https://cdn.example.org/unknown.js")


@pytest.mark.skipif(not VENDOR_DIR.is_dir(), reason="map assets not installed (make install)")
def test_standalone_html_has_no_external_scripts_or_styles() -> None:
    fmap = build_area_map(_areas(), pd.Series({"A": 1.0}), metric_label="C", unit="count")
    html = build_standalone_html(fmap)
    assert not re.search(r"<script[^>]+src=[\"']https?:", html)
    assert not re.search(r"<link[^>]+href=[\"']https?:", html)
    assert "url(http" not in html
    assert "L.map(" in html or "L.map (" in html


def test_owner_map_gives_each_owner_one_colour_and_a_legend_line() -> None:
    from geo.maps.area_colours import NO_DATA, area_colours

    owners = pd.Series({"A": "Rita", "B": "Olga", "C": "Rita", "D": None})
    colours = area_colours(["A", "B", "C", "D"], owners, "category")
    assert colours.fill["A"] == colours.fill["C"] != colours.fill["B"]
    assert colours.fill["D"] == NO_DATA
    assert [label for label, _ in colours.legend] == ["Olga", "Rita", "none"]
    assert colours.text == {"A": "Rita", "B": "Olga", "C": "Rita", "D": "none"}


def _cells(counts: list[int]) -> PointCells:
    n = len(counts)
    return PointCells(
        lat=np.linspace(0.2, 0.8, n),
        lon=np.linspace(0.2, 2.8, n),
        count=np.array(counts, dtype="int64"),
        total=sum(counts),
        zoom=5,
    )


def test_count_discs_show_true_counts_and_take_no_clicks() -> None:
    layer = CellLayer("Customers", _cells([1633, 6287, 4]), "rgba(38,50,56,.6)")
    rows = layer.rows()
    assert [r[2] for r in rows] == [1633, 6287, 4]
    small, large = CELL_DIAMETER_PX
    # Area in proportion to the count, the largest at the cap, the smallest at the floor.
    assert rows[1][3] == large and rows[2][3] == small
    assert rows[0][3] == pytest.approx(large * (1633 / 6287) ** 0.5, abs=0.1)
    fmap = build_area_map(
        _areas(), pd.Series({"A": 1.0}), metric_label="Customers", unit="count",
        cell_layers=[layer],
    )  # fmt: skip
    html = fmap.get_root().render()
    # Each disc is drawn where rows() put it (kept inside its cell: see test_point_cells).
    assert "interactive: false" in html and str(rows[0][:3])[:-1] + ", " in html
    assert "Customers (7,924, counted per cell)" in html
    # Nothing clusters in the browser, so no number on the map is a count of a sample.
    assert "markercluster" not in html.lower() and "MarkerCluster" not in html
    assert "Customers: number in the area of the disc" in html


def test_customer_layers_come_apart_from_the_map_script() -> None:
    from geo.maps.point_layers import customer_layers

    fmap = build_area_map(_areas(), pd.Series({"A": 1.0}), metric_label="C", unit="count")
    before = fmap.get_root().render()
    group = customer_layers(cell_layers=[CellLayer("Customers", _cells([5, 7]), "#263238")])
    assert "1633" not in before and "counted per cell" not in before
    assert [type(child).__name__ for child in group._children.values()] == ["PointCellLayer"]


def test_the_selected_area_is_outlined_on_top_and_takes_no_clicks() -> None:
    areas = _areas()
    html = build_area_map(
        areas, pd.Series({"A": 1.0, "B": 2.0}), metric_label="C", unit="count",
        selected_area_id="B",
    ).get_root().render()  # fmt: skip
    assert html.count('createPane("geocrm-selected")') == 1
    assert "interactive: false" in html
    # B's outline ([1, 2] x [0, 1]) and no other, a white halo under a dark line.
    outline = html[html.index('createPane("geocrm-selected")') :]
    shape = outline[outline.index("var shape = ") + 12 :].split(";\n")[0]
    assert json.loads(shape) == {
        "type": "Polygon",
        "coordinates": [[[2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 0.0], [2.0, 0.0]]],
    }
    assert '"weight": 8' in outline and '"weight": 3.5' in outline
    unselected = build_area_map(
        areas, pd.Series({"A": 1.0}), metric_label="C", unit="count", selected_area_id="Z"
    )
    assert "geocrm-selected" not in unselected.get_root().render()


def test_a_projector_map_has_large_labels_and_a_fullscreen_control() -> None:
    fmap = build_area_map(
        _areas(), pd.Series({"A": 1.0, "B": 2.0}), metric_label="C", unit="count",
        legend_font_px=18, fullscreen=True,
    )  # fmt: skip
    html = fmap.get_root().render()
    assert "font:18px" in html and "font-size:16px" in html
    assert "L.control.fullscreen" in html
    assert any("Control.FullScreen.js" in rewrite_asset_url(u) for u in list_map_assets(fmap))
    assert "font:13px" in _map()  # the app's own map keeps its compact legend


@pytest.mark.skipif(not VENDOR_DIR.is_dir(), reason="map assets not installed (make install)")
def test_every_image_the_maps_stylesheets_name_is_vendored() -> None:
    # A missing one is a 404 in the browser (the fullscreen button's icon was).
    fmap = build_area_map(
        _areas(), pd.Series({"A": 1.0}), metric_label="C", unit="count",
        drawing=True, fullscreen=True,
    )  # fmt: skip
    for url in (u for u in list_map_assets(fmap) if u.endswith(".css")):
        path = VENDOR_DIR / rewrite_asset_url(url).removeprefix("app/static/vendor/")
        names = re.findall(r"url\(['\"]?([^'\")]+)", path.read_text(encoding="utf-8"))
        for name in {n.split("?")[0].split("#")[0] for n in names} - {""}:
            if not name.startswith("data:"):
                assert (path.parent / name).resolve().is_file(), (url, name)
