"""The map page as a laptop shows it: the map takes the room, and Alaska is one click away."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Browsing, ServedApp, wait_until_settled
from tests.e2e.test_browser import MAP_FRAME, WAIT_MS, open_map

pytestmark = pytest.mark.browser

#: The width of the page's content, inside its padding (what the map shares with the KPIs).
CONTENT_WIDTH_JS = """() => {
  const main = document.querySelector("[data-testid=stMainBlockContainer]");
  const style = getComputedStyle(main);
  return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}"""
MAP_BOUNDS_JS = """() => { const b = window.map.getBounds();
  return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"""


def test_the_map_takes_most_of_a_laptop_screen(browsing: Browsing, served_demo: ServedApp) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]
    open_map(browsing, served_demo, "?level=state")
    wait_until_settled(page, WAIT_MS)
    box = page.locator(MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    content = page.evaluate(CONTENT_WIDTH_JS)  # type: ignore[attr-defined]
    assert box["width"] >= 2 / 3 * content, (box, content)
    assert box["y"] <= 250, box  # under one row of controls, no empty band above
    assert box["y"] + box["height"] <= 900 and box["height"] >= 600, box
    # Every control of the row shows its whole label and value (nothing cut to "No basem…").
    for label in ("Colour areas by", "Colour customers by", "Basemap"):
        value = page.get_by_label(label).first  # type: ignore[attr-defined]
        assert value.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), label
    for toggle in ("Customers", "Prospects", "Look-alikes"):
        text = page.locator("[data-testid=stCheckbox] p", has_text=toggle).first  # type: ignore[attr-defined]
        assert text.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), toggle


def test_jump_to_alaska_shows_alaska(browsing: Browsing, served_demo: ServedApp) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]
    frame = open_map(browsing, served_demo, "?level=state")
    wait_until_settled(page, WAIT_MS)
    frame.locator(".geocrm-jump a", has_text="Alaska").click(timeout=WAIT_MS)  # type: ignore[attr-defined]
    live = next(f for f in page.frames if "st_folium" in f.url)  # type: ignore[attr-defined]
    # The map moves in the browser; poll until it has settled on Alaska.
    live.wait_for_function(  # type: ignore[attr-defined]
        "() => { const c = window.map.getCenter(); return c.lat > 55 && c.lng < -140; }",
        timeout=WAIT_MS,
    )
    south, west, north, east = live.evaluate(MAP_BOUNDS_JS)
    # Anchorage (61.2, -149.9) and Fairbanks (64.8, -147.7) are in view; Seattle is not.
    assert south < 61.2 < north and west < -149.9 < east
    assert south < 64.8 < north and west < -147.7 < east
    assert not (south < 47.6 < north and west < -122.3 < east)
    # Framed, not zoomed out to the whole Pacific.
    assert live.evaluate("() => window.map.getZoom()") >= 3
    frame.locator(".geocrm-jump a", has_text="Lower 48").click(timeout=WAIT_MS)  # type: ignore[attr-defined]
    live.wait_for_function(  # type: ignore[attr-defined]
        "() => { const c = window.map.getCenter(); return c.lat < 45 && c.lng > -110; }",
        timeout=WAIT_MS,
    )


def test_a_radius_search_by_place_name_frames_its_circle(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]
    open_map(browsing, served_demo, "?level=state&view=40.7,-74.0,11")
    wait_until_settled(page, WAIT_MS)
    before = next(f for f in page.frames if "st_folium" in f.url)  # type: ignore[attr-defined]
    assert before.evaluate("() => window.map.getZoom()") == 11  # New York, close up
    page.get_by_role("button", name="Radius search").click()  # type: ignore[attr-defined]
    place = page.get_by_label("Around a place, ZIP code, customer ID or 'latitude, longitude'")  # type: ignore[attr-defined]
    place.fill("Denver")
    place.press("Enter")
    page.get_by_role("button", name="Add the circle").click()  # type: ignore[attr-defined]
    # The map, left at zoom 11 over New York, now frames the circle around Denver.
    page.get_by_text("Radius search: 25 km around Denver, CO.").wait_for(timeout=WAIT_MS)  # type: ignore[attr-defined]
    live = next(f for f in page.frames if "st_folium" in f.url)  # type: ignore[attr-defined]
    live.wait_for_function(  # type: ignore[attr-defined]
        "() => { const c = window.map.getCenter(); "
        "return Math.abs(c.lat - 39.74) < 0.05 && Math.abs(c.lng + 104.98) < 0.05; }",
        timeout=WAIT_MS,
    )
    south, west, north, east = live.evaluate(MAP_BOUNDS_JS)
    # 25 km each way: 0.22 degrees of latitude, 0.29 of longitude at Denver; all in view.
    assert south < 39.74 - 0.22 and north > 39.74 + 0.22, (south, north)
    assert west < -104.98 - 0.29 and east > -104.98 + 0.29, (west, east)
    assert north - south < 2.0  # framed: the city, not the state
