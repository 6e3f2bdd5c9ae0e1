"""Where the map looks: a circle framed, and Alaska, Hawaii and Puerto Rico one click away."""

from __future__ import annotations

import re

import folium
import pytest
from shapely.geometry import box

from geo.maps.framing import US_REGIONS, circle_box, regions_on_map, view_framing
from geo.maps.jump_control import JumpControl
from geo.maps.point_cells import zoom_to_fit
from geo.places.shapes import Shape
from geo.store.protocol import Store


def test_a_circle_is_framed_whole() -> None:
    circle = Shape("circle", ((-104.98, 39.74),), 25.0)
    south, west, north, east = circle_box(circle)
    assert (north - south) * 111.2 == pytest.approx(50, abs=0.5)  # 50 km north to south
    assert east - west > north - south  # a degree of longitude is shorter up north
    view = view_framing((south, west, north, east))
    assert (view.lat, view.lon) == pytest.approx((39.74, -104.98), abs=0.01)
    # Zoomed in as far as the whole circle still fits, in the map's quarter steps.
    fits = zoom_to_fit([[south, west], [north, east]], 860, 640)
    assert fits - 0.5 <= view.zoom < fits and view.zoom % 0.25 == 0
    assert 9.5 <= view.zoom <= 10.5  # a city, not the state (the map was left at 11)


def test_the_demo_states_reach_all_four_parts_of_the_us(demo_store: Store) -> None:
    states = demo_store.load_areas("state")
    assert [r.name for r in regions_on_map(states)] == [
        "Lower 48", "Alaska", "Hawaii", "Puerto Rico",
    ]  # fmt: skip
    # Alaska's boroughs cross the antimeridian; they are found all the same.
    counties = demo_store.load_areas("county")
    assert [r.name for r in regions_on_map(counties)][1] == "Alaska"
    lower48 = states[~states["area_id"].isin(["02", "15", "72", "60", "66", "69", "78"])]
    assert regions_on_map(lower48) == []  # one part only: nothing to jump to


def test_a_map_of_no_us_region_offers_no_jump(tiny_store: Store) -> None:
    assert regions_on_map(tiny_store.load_areas("county")) == []


def test_the_jump_buttons_frame_each_region() -> None:
    fmap = folium.Map(location=[40, -100], zoom_start=4)
    folium.GeoJson(box(-100, 30, -90, 40).__geo_interface__).add_to(fmap)
    JumpControl(US_REGIONS).add_to(fmap)
    html = fmap.get_root().render()
    regions = re.search(r"regions = (\[\[.*?\]\]);", html)
    assert regions is not None
    assert regions.group(1).startswith('[["Lower 48", 24.4, -125.0, 49.5, -66.9], ["Alaska"')
    assert "map.fitBounds([[r[1], r[2]], [r[3], r[4]]])" in html
    assert f"var map = {fmap.get_name()}" in html
