"""What only a browser shows on the Territories page: a click on a county picks that county
to move, and the map colours the units by territory with a legend of the territories."""

from __future__ import annotations

import time

import numpy as np
import pytest

from geo.places.exact_assignment import assign_points
from tests.e2e.conftest import Browsing, ServedApp, wait_until_settled
from tests.e2e.test_browser import MAP_FRAME, WAIT_MS, on_live_map

pytestmark = pytest.mark.browser
#: A point in the middle of Kansas, far from any territory border.
KANSAS = (38.5, -98.8)


def test_a_click_on_a_county_picks_it_to_move(browsing: Browsing, served_demo: ServedApp) -> None:
    store = served_demo.store
    counties = store.load_areas("county")
    found = assign_points(np.array([KANSAS[1]]), np.array([KANSAS[0]]), counties)[0]
    name = str(counties.set_index("area_id").loc[found, "name"])
    page = browsing.page
    page.goto(f"{served_demo.url}/territories")
    legend = page.frame_locator(MAP_FRAME).locator(".geocrm-legend")
    legend.wait_for(timeout=WAIT_MS)
    text = legend.inner_text()
    # One entry per territory, named with its ID; no "none" when every county has one.
    assert "West North Central (DIV4)" in text and "none" not in text
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None
    picked = (
        page.locator("[data-testid='stMultiSelect']")
        .filter(has_text="County areas to move")
        .locator("[data-tag]")
    )
    deadline = time.monotonic() + WAIT_MS / 1000
    while picked.count() == 0 and time.monotonic() < deadline:
        wait_until_settled(page, WAIT_MS)
        point = on_live_map(
            page,
            f"() => {{ const p = window.map.latLngToContainerPoint([{KANSAS[0]}, {KANSAS[1]}]);"
            " return [p.x, p.y]; }",
        )
        if point is None:
            page.wait_for_timeout(250)  # polling interval: the map is being drawn
            continue
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        try:
            picked.first.wait_for(timeout=WAIT_MS // 3)
        except Exception:
            continue  # a click while the map wires its handlers is lost: click again
    assert picked.count() == 1, "the click picked no county"
    label = str(picked.first.get_attribute("aria-label"))
    assert label == f"{name} · West North Central (DIV4)"
    assert browsing.errors == []


def test_a_rectangle_drawn_on_the_map_picks_the_counties_inside(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    from geo.places.shapes import Shape
    from geo.territories.scenario_figures import unit_base

    south, west, north, east = 37.6, -100.2, 39.4, -97.6
    expected = unit_base(served_demo.store, "county").units_inside(
        Shape("rectangle", ((west, south), (east, north)))
    )
    assert len(expected) > 4
    page = browsing.page
    page.goto(f"{served_demo.url}/territories")
    page.frame_locator(MAP_FRAME).locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
    picked = (
        page.locator("[data-testid='stMultiSelect']")
        .filter(has_text="County areas to move")
        .locator("[data-tag]")
    )
    # What Leaflet.draw's rectangle tool hands the map when a drawing ends.
    draw = (
        f"() => {{ const r = L.rectangle([[{south}, {west}], [{north}, {east}]]);"
        " window.map.fire('draw:created', {layer: r, layerType: 'rectangle'}); return 1; }"
    )
    deadline = time.monotonic() + WAIT_MS / 1000
    while picked.count() == 0 and time.monotonic() < deadline:
        wait_until_settled(page, WAIT_MS)
        if on_live_map(page, draw) is None:
            page.wait_for_timeout(250)  # polling interval: the map is being drawn
            continue
        try:
            picked.first.wait_for(timeout=WAIT_MS // 3)
        except Exception:
            continue
    wait_until_settled(page, WAIT_MS)
    assert picked.count() == len(expected)
    names = served_demo.store.load_areas("county").set_index("area_id")["name"]
    shown = {str(t.get_attribute("aria-label")).split(" · ")[0] for t in picked.all()}
    assert shown == {str(names[u]) for u in expected}
