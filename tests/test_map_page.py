"""The map page: one row of controls, a link that carries its metric, level and basemap,
and a radius search around a named place that the map then frames."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.places.shapes import Shape
from geo.segments.segment import MapView
from tests.app_sessions import open_with_link
from ui import session_keys


def _param(at: AppTest, key: str) -> str:
    value = at.query_params[key]
    return value if isinstance(value, str) else value[0]


def _view(at: AppTest) -> MapView:
    return MapView.from_text(_param(at, "view"))


def _label(column: Any) -> str:
    """The label of the one control in a column (a popover's: its button's)."""
    (child,) = column.children.values()
    return str(getattr(child, "label", None) or child.proto.popover.label)


@pytest.mark.usefixtures("demo_db")
def test_the_controls_share_one_row_and_the_link_carries_them() -> None:
    at = open_with_link({"level": "state"})
    # The first row of columns holds every control, one a column, left to right.
    row = at.columns[2:9]  # after the title's row: the title, the radius search
    labels = [_label(column) for column in row]
    assert labels == ["Colour areas by", "Classes", "Colour customers by", "Basemap",
                      "Customers", "Prospects", "Look-alikes"]  # fmt: skip
    assert at.selectbox(key="map_basemap").format_func("none") == "No basemap"
    assert _param(at, "level") == "state"
    assert (_param(at, "metric"), _param(at, "basemap")) == ("customers", "none")
    at.selectbox(key="map_metric").select("sales_amount").run()
    at.selectbox(key="map_basemap").select("osm").run()
    assert (_param(at, "metric"), _param(at, "basemap")) == ("sales_amount", "osm")


@pytest.mark.usefixtures("demo_db")
def test_a_link_opens_the_map_with_its_metric_and_basemap() -> None:
    at = open_with_link({"level": "county", "metric": "sales_amount", "basemap": "osm"})
    assert at.selectbox(key="map_metric").value == "sales_amount"
    assert at.selectbox(key="map_basemap").value == "osm"
    assert at.sidebar.selectbox(key="f_level").value == "county"
    assert not at.sidebar.warning
    bad = open_with_link({"level": "state", "basemap": "satellite"})
    assert bad.selectbox(key="map_basemap").value == "none"
    notes = [w.value for w in bad.sidebar.warning]
    assert any("basemap" in n and "satellite" in n and "ignored" in n for n in notes), notes


@pytest.mark.usefixtures("demo_db")
def test_a_link_carries_the_maps_classes_both_ways() -> None:
    at = open_with_link({"level": "state", "classes": "natural_breaks"})
    assert not at.exception, at.exception
    assert at.selectbox(key="map_classes").value == "natural_breaks"
    at.selectbox(key="map_classes").select("equal_interval").run()
    assert _param(at, "classes") == "equal_interval"
    bad = open_with_link({"level": "state", "classes": "jenks!"})
    assert bad.selectbox(key="map_classes").value == "quantiles"
    assert any("jenks" in c.value and "ignored" in c.value for c in bad.caption)


@pytest.mark.usefixtures("demo_db")
def test_a_radius_search_around_denver_adds_a_circle_and_frames_it() -> None:
    at = open_with_link({"level": "state"})
    at.text_input(key="map_radius_place").input("Denver")
    at.number_input(key="map_km").set_value(30.0)
    at.button(key="map_radius_add").click().run()
    assert not at.exception
    (circle,) = at.session_state[session_keys.SHAPES_KEY]
    assert isinstance(circle, Shape) and circle.kind == "circle" and circle.radius_km == 30.0
    ((lon, lat),) = circle.points
    assert (lat, lon) == pytest.approx((39.74, -104.98), abs=0.01)
    view = _view(at)
    assert (view.lat, view.lon) == pytest.approx((39.74, -104.98), abs=0.01)
    assert 9 <= view.zoom <= 11  # 60 km across fills the map
    # Said under the map once the sidebar's filters take the circle (a run AppTest skips).
    shown_with, note = at.session_state["map_radius_note"]
    assert shown_with == circle
    assert note.startswith("Radius search: 30 km around Denver, CO. ")
    assert "Denver, CO, the most populous" in note


@pytest.mark.usefixtures("demo_db")
def test_a_radius_search_around_an_unknown_place_says_what_to_write() -> None:
    at = open_with_link({"level": "state"})
    at.text_input(key="map_radius_place").input("Narnia")
    at.button(key="map_radius_add").click().run()
    assert not at.exception
    assert not at.session_state[session_keys.SHAPES_KEY]
    (error,) = at.error
    assert "no place called" in error.value and "Narnia" in error.value
    assert "10001" in error.value
