"""The map page as a laptop shows it: the map takes the room, and Alaska is one click away."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import Browsing, ServedApp, wait_until_settled
from tests.e2e.test_browser import MAP_FRAME, WAIT_MS, open_map

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

#: The width of the page's content, inside its padding (what the map shares with the KPIs).
CONTENT_WIDTH_JS = """() => {
  const main = document.querySelector("[data-testid=stMainBlockContainer]");
  const style = getComputedStyle(main);
  return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}"""
#: The map of the page's map frame, whichever frame that is now: the page draws the map
#: anew when its position changes (the link follows it), which detaches the old frame.
LIVE_MAP = f'document.querySelector("{MAP_FRAME}")?.contentWindow?.map'


#: True once the live map has no pan or zoom animation under way.
SETTLED = "!(m._panAnim && m._panAnim._inProgress) && !m._animatingZoom"


def wait_for_map(page: Page, condition: str) -> None:
    """Poll until ``condition`` (JavaScript about ``m``, the live Leaflet map) holds."""
    page.wait_for_function(
        f"() => {{ const m = {LIVE_MAP}; return !!m && ({condition}); }}", timeout=WAIT_MS
    )


def map_bounds(page: Page) -> list[float]:
    """[south, west, north, east] of the live map, in degrees."""
    return page.evaluate(
        f"() => {{ const b = {LIVE_MAP}.getBounds(); "
        "return [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()]; }"
    )


def test_the_map_takes_most_of_a_laptop_screen(browsing: Browsing, served_demo: ServedApp) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})
    open_map(browsing, served_demo, "?level=state")
    wait_until_settled(page, WAIT_MS)
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None, "the map frame is not shown"
    content = page.evaluate(CONTENT_WIDTH_JS)
    assert box["width"] >= 2 / 3 * content, (box, content)
    assert box["y"] <= 250, box  # under one row of controls, no empty band above
    assert box["y"] + box["height"] <= 900 and box["height"] >= 600, box
    # Every control of the row shows its whole label and value (nothing cut to "No basem…").
    for label in ("Colour areas by", "Colour customers by", "Basemap"):
        value = page.get_by_label(label).first
        assert value.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), label
    for toggle in ("Customers", "Prospects", "Look-alikes"):
        text = page.locator("[data-testid=stCheckbox] p", has_text=toggle).first
        assert text.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), toggle


def test_jump_to_alaska_shows_alaska(browsing: Browsing, served_demo: ServedApp) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})
    frame = open_map(browsing, served_demo, "?level=state")
    wait_until_settled(page, WAIT_MS)
    frame.locator(".geocrm-jump a", has_text="Alaska").click(timeout=WAIT_MS)
    # The map moves in the browser; at the same zoom Leaflet pans there in an animation
    # whose centre passes through Alaska before it stops: poll until it has stopped on
    # the centre of Alaska's box (63.06 N, 149.95 W in Web Mercator).
    wait_for_map(
        page, f"{SETTLED} && Math.abs(m.getCenter().lng + 149.95) < 0.5 && m.getCenter().lat > 62"
    )
    south, west, north, east = map_bounds(page)
    # Anchorage (61.2, -149.9) and Fairbanks (64.8, -147.7) are in view; Seattle is not.
    assert south < 61.2 < north and west < -149.9 < east
    assert south < 64.8 < north and west < -147.7 < east
    assert not (south < 47.6 < north and west < -122.3 < east)
    # Framed, not zoomed out to the whole Pacific.
    assert page.evaluate(f"() => {LIVE_MAP}.getZoom()") >= 3
    frame.locator(".geocrm-jump a", has_text="Lower 48").click(timeout=WAIT_MS)
    wait_for_map(page, f"{SETTLED} && Math.abs(m.getCenter().lng + 95.95) < 0.5")


def test_a_radius_search_by_place_name_frames_its_circle(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    page = browsing.page
    page.set_viewport_size({"width": 1440, "height": 900})
    open_map(browsing, served_demo, "?level=state&view=40.7,-74.0,11")
    wait_until_settled(page, WAIT_MS)
    wait_for_map(page, "m.getZoom() === 11")  # New York, close up
    page.get_by_role("button", name="Radius search").click()
    place = page.get_by_label("Around a place, ZIP code, customer ID or 'latitude, longitude'")
    place.fill("Denver")
    place.press("Enter")
    page.get_by_role("button", name="Add the circle").click()
    # The map, left at zoom 11 over New York, now frames the circle around Denver.
    page.get_by_text("Radius search: 25 km around Denver, CO.").wait_for(timeout=WAIT_MS)
    wait_for_map(
        page,
        "Math.abs(m.getCenter().lat - 39.74) < 0.05 && Math.abs(m.getCenter().lng + 104.98) < 0.05",
    )
    south, west, north, east = map_bounds(page)
    # 25 km each way: 0.22 degrees of latitude, 0.29 of longitude at Denver; all in view.
    assert south < 39.74 - 0.22 and north > 39.74 + 0.22, (south, north)
    assert west < -104.98 - 0.29 and east > -104.98 + 0.29, (west, east)
    assert north - south < 2.0  # framed: the city, not the state
