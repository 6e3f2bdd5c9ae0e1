"""What only a browser shows: the map paints offline, a click shows KPIs, a download holds
exactly the rows on screen, and hostile names stay text."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from playwright.sync_api import Error as PlaywrightError

from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.duckdb_store import Store
from tests.e2e.conftest import Browsing, ServedApp, serve_app, stop_app, wait_until_settled

if TYPE_CHECKING:
    from playwright.sync_api import FrameLocator, Page

pytestmark = pytest.mark.browser
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
WAIT_MS = 90_000


def open_map(browsing: Browsing, app: ServedApp, query: str = "") -> FrameLocator:
    page = browsing.page
    page.goto(f"{app.url}/{query}")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=WAIT_MS)
    return frame


def click_an_area(
    page: Page, where: Callable[[], tuple[float, float] | None], attempts: int = 4
) -> None:
    """Click the map at ``where()`` (a point in the map frame, or None: not yet) until the
    side panel leaves "Click an area". A click that lands while the component wires its
    handlers, or while the page swaps the count discs, is lost: the user would click
    again, and so does the test, looking again each time."""
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None, "the map frame is not shown"
    heading = page.locator("h3").filter(has_text="Click an area")
    deadline = time.monotonic() + WAIT_MS / 1000
    clicks = 0
    while clicks < attempts and time.monotonic() < deadline:
        wait_until_settled(page, WAIT_MS)
        point = where()
        if point is None:
            # Not yet (the map is drawn again, or its first grid is too coarse): a look is
            # not a click, so it does not use up a try; look again shortly.
            page.wait_for_timeout(250)
            continue
        clicks += 1
        page.mouse.click(box["x"] + point[0], box["y"] + point[1])
        try:
            heading.wait_for(state="detached", timeout=WAIT_MS // 3)
        except Exception:
            continue
        # The heading also goes for a moment while a rerun for another reason (the map's
        # first report) redraws the panel: the click counts only if it stays gone.
        wait_until_settled(page, WAIT_MS)
        if heading.count() == 0:
            return
    pytest.fail(f"no click on the map opened an area in {clicks} clicks")


def on_live_map(page: Page, script: str) -> Any:
    """``script`` evaluated in the map's frame of the moment, once its map is made; None
    while there is none (the page draws the map again in a new frame after a click or a
    zoom, and a frame can be replaced while it answers)."""
    for frame in page.frames:
        if "st_folium" not in frame.url:
            continue
        try:
            if frame.evaluate("() => !!window.map"):
                return frame.evaluate(script)
        except PlaywrightError:
            continue
    return None


def drawn_map_zoom(page: Page) -> float:
    """The zoom of the map once its frame has drawn it (looked up again until one answers)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while time.monotonic() < deadline:
        wait_until_settled(page, WAIT_MS)
        zoom = on_live_map(page, "() => window.map.getZoom()")
        if zoom is not None:
            return float(zoom)
        page.wait_for_timeout(200)  # polling interval
    pytest.fail("the map was not drawn again after the click")


def test_map_paints_with_no_network(browsing: Browsing, served_demo: ServedApp) -> None:
    frame = open_map(browsing, served_demo)
    legend = frame.locator(".geocrm-legend").inner_text()
    # Classes as ranges ("no data" is listed only when an area has none).
    assert "Customers" in legend and " – " in legend and "up to" not in legend
    attribution = frame.locator(".leaflet-control-attribution").inner_text()
    assert "US Census Bureau" in attribution
    # The choropleth canvas really has colour on it (not a blank rectangle).
    png = frame.locator(".leaflet-overlay-pane canvas").first.screenshot()
    from PIL import Image

    pixels = Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1_000_000)
    assert pixels is not None and len(pixels) > 20
    # Customers are counted per cell: the numbers on the discs add up to every located
    # customer, not to a sample.
    discs = frame.locator(".geocrm-cell").all_inner_texts()
    located = served_demo.store.query(
        "SELECT count(*) AS n FROM customers WHERE kind = 'customer' AND lat IS NOT NULL "
        "AND lon IS NOT NULL"
    )["n"].iloc[0]
    assert discs and sum(int(t.replace(",", "")) for t in discs) == located
    assert browsing.blocked == [], browsing.blocked
    assert browsing.dialogs == []


def test_click_on_an_area_shows_its_kpis(browsing: Browsing, served_demo: ServedApp) -> None:
    open_map(browsing, served_demo, "?level=state")
    page = browsing.page
    names = set(served_demo.store.load_areas("state")["name"])
    # Ask Leaflet where central Kansas is on screen (in the map's frame of the moment: the
    # page may draw the map again), and click there.
    click_an_area(
        page,
        lambda: on_live_map(
            page,
            "() => { const p = window.map.latLngToContainerPoint([38.5, -98.8]); "
            "return [p.x, p.y]; }",
        ),
    )
    shown = [t.strip() for t in page.locator("h3").all_inner_texts()]
    assert "Kansas" in shown and names & set(shown), shown
    # The figures follow the heading in the same rerun: poll for them.
    page.get_by_text("Penetration").first.wait_for(timeout=WAIT_MS)


FIND_DOT_JS = """
(needle) => {
  let found = null;
  (window.feature_group || []).forEach((group) => {
    if (!window.map.hasLayer(group)) { return; }
    group.eachLayer((layer) => {
      (layer.eachLayer ? layer.getLayers() : []).forEach((m) => {
        const t = m.getTooltip && m.getTooltip();
        if (t && !found) {
          const probe = document.createElement("div");
          probe.innerHTML = t.getContent();
          if (probe.textContent === needle) { found = m; }
        }
      });
    });
  });
  window.geocrmProbe = found;
  return found !== null;
}
"""
OPEN_TOOLTIP_JS = """
() => {
  window.geocrmProbe.openTooltip();
  const all = document.querySelectorAll(".leaflet-tooltip");
  return all[all.length - 1].textContent;
}
"""


@pytest.mark.parametrize("name", ["<img src=x onerror=alert(1)>", "${alert(1)}", "Smith`s \\ Sons"])
def test_hostile_names_show_as_text(browsing: Browsing, served_demo: ServedApp, name: str) -> None:
    # Request interception stalls Leaflet's redraw after a zoom in this headless setup; the
    # map's offline paint is proven above, so this test browses without it.
    browsing.page.context.unroute("**/*")
    open_map(browsing, served_demo)
    page = browsing.page
    where = served_demo.store.query(
        "SELECT lat, lon FROM customers WHERE name = ? AND kind = 'customer' "
        "AND lat IS NOT NULL ORDER BY customer_id LIMIT 1",
        [name],
    )
    lat, lon = float(where["lat"].iloc[0]), float(where["lon"].iloc[0])
    # Zoomed in past DOTS_ZOOM the page swaps the counted cells for one dot per customer;
    # this customer's dot exists, and its tooltip shows the name as plain text. The page
    # may draw the map again in a new frame (after its first report, or after the zoom):
    # each look zooms the map of the moment in, if it is not yet, and opens the tooltip.
    zoom_in = (
        f"() => {{ if (window.map.getZoom() < 14) "
        f"window.map.setView([{lat}, {lon}], 14, {{animate: false}}); }}"
    )
    open_tooltip = f"() => ({FIND_DOT_JS})({json.dumps(name)}) ? ({OPEN_TOOLTIP_JS})() : null"
    shown = None
    deadline = time.monotonic() + WAIT_MS / 1000
    while shown is None and time.monotonic() < deadline:
        wait_until_settled(page, WAIT_MS)
        on_live_map(page, zoom_in)
        wait_until_settled(page, WAIT_MS)
        shown = on_live_map(page, open_tooltip)
        if shown is None:
            page.wait_for_timeout(250)  # polling interval
    assert shown == name
    injected = "() => document.querySelectorAll('img[src=\"x\"]').length"
    assert on_live_map(page, injected) == 0
    assert (
        on_live_map(page, "() => document.querySelectorAll('.leaflet-overlay-pane canvas').length")
        > 0
    )
    assert browsing.dialogs == []


def test_export_download_holds_the_rows_on_screen(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    store = served_demo.store
    area = store.load_areas("state")["area_id"].iloc[4]
    expected = select_customers(store, Filters(level="state", area_ids=(area,)))
    page = browsing.page
    page.goto(f"{served_demo.url}/export?level=state&area={area}")
    page.get_by_text("Prepare download").click(timeout=WAIT_MS)
    button = page.get_by_role("button", name=f"Download {len(expected):,} rows")
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click(timeout=WAIT_MS)
    path = info.value.path()
    got = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    assert sorted(got["customer_id"]) == sorted(expected["customer_id"])
    assert len(got) == len(expected)


def test_a_shared_link_to_a_page_opens_with_its_filters(
    browsing: Browsing, demo_store: Store, tmp_path: Path
) -> None:
    # A fresh server whose very first visit is a page's own address (a shared link).
    app = serve_app(demo_store.path, tmp_path / "streamlit.log")
    try:
        page = browsing.page
        page.goto(f"{app.url}/areas?level=state&kind=customer")
        page.get_by_text("Customers, by state").wait_for(timeout=WAIT_MS)
        sidebar = page.locator("[data-testid='stSidebar']")
        sidebar.get_by_text("Filters", exact=True).wait_for(timeout=WAIT_MS)
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Map" in nav and "app" not in nav.split()
    finally:
        # Leave the page first: a page whose server stops logs failed loads, not app errors.
        browsing.page.goto("about:blank")
        stop_app(app)


def test_draw_a_rectangle_count_it_and_download_exactly_what_is_inside(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    from urllib.parse import parse_qs, urlparse

    from geo.places.shapes import Shape
    from geo.segments.area_kpis import summarise_selection

    store = served_demo.store
    open_map(browsing, served_demo, "?level=state&kind=customer")
    page = browsing.page
    box = page.locator(MAP_FRAME).bounding_box()
    assert box is not None, "the map frame is not shown"
    frame = next(f for f in page.frames if "st_folium" in f.url)
    # Drag a rectangle from Pittsburgh to Boston, as a user does with the draw tool.
    corners = [
        frame.evaluate(
            f"() => {{ const p = window.map.latLngToContainerPoint([{lat}, {lon}]); "
            "return [p.x, p.y]; }"
        )
        for lat, lon in ((42.4, -80.0), (39.9, -71.0))
    ]
    frame.locator(".leaflet-draw-draw-rectangle").click()
    (x1, y1), (x2, y2) = corners
    page.mouse.move(box["x"] + x1, box["y"] + y1)
    page.mouse.down()
    page.mouse.move(box["x"] + (x1 + x2) / 2, box["y"] + (y1 + y2) / 2, steps=5)
    page.mouse.move(box["x"] + x2, box["y"] + y2, steps=5)
    page.mouse.up()
    page.get_by_text("Drawn selection", exact=True).wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('shape')", timeout=WAIT_MS
    )
    shape_text = parse_qs(urlparse(page.url).query)["shape"][0]
    shape = Shape.from_text(shape_text)
    assert shape.kind == "rectangle"
    # Exactly the located customers inside the rectangle, by an independent check.
    people = store.query("SELECT customer_id, lat, lon FROM customers WHERE kind = 'customer'")
    located = people.dropna(subset=["lat", "lon"])
    inside = set(
        located["customer_id"][shape.contains(located["lon"].to_numpy(), located["lat"].to_numpy())]
    )
    filters = Filters(level="state", kind="customer", shapes=(shape,))
    assert summarise_selection(store, filters)["rows"] == len(inside) > 100
    # The count beside the map says so at once.
    panel = page.get_by_text("Drawn selection", exact=True).locator(
        "xpath=ancestor::div[@data-testid='stVerticalBlock'][1]"
    )
    assert f"{len(inside):,}" in panel.inner_text()
    # The Export page's file holds exactly them.
    page.get_by_role("link", name="Export").click()
    page.get_by_text("Prepare download").click(timeout=WAIT_MS)
    button = page.get_by_role("button", name=f"Download {len(inside):,} rows")
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click(timeout=WAIT_MS)
    got = pd.read_csv(info.value.path(), dtype=str, encoding="utf-8-sig")
    assert set(got["customer_id"]) == inside and len(got) == len(inside)


def test_opening_a_saved_segment_restores_its_view(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    from geo.places.shapes import Shape
    from geo.segments.area_kpis import summarise_selection
    from geo.segments.saved import delete_segment, save_segment
    from geo.segments.segment import Segment

    store = served_demo.store
    filters = Filters(
        level="territory",
        area_ids=("DIV2",),
        kind="customer",
        risk_bands=("high",),
        shapes=(Shape("circle", ((-74.0, 40.7),), 40.0),),
    )
    save_segment(store, Segment(filters), "NYC at risk")
    try:
        expected = summarise_selection(store, filters)["rows"]
        page = browsing.page
        page.goto(f"{served_demo.url}/export")
        page.get_by_text("Saved segments", exact=True).click(timeout=WAIT_MS)
        details = page.locator("[data-testid='stExpanderDetails']")
        details.locator("[data-testid='stBaseButton-primary']").filter(has_text="Open").click(
            timeout=WAIT_MS
        )
        page.get_by_text("Segment “NYC at risk”").wait_for(timeout=WAIT_MS)
        rows = page.locator("[data-testid='stMetric']").filter(has_text="Rows")
        assert f"{expected:,}" in rows.inner_text()
        sidebar = page.locator("[data-testid='stSidebar']").inner_text()
        assert "within 40 km of 40.7000, -74.0000" in sidebar
        page.wait_for_function(
            "() => new URL(location.href).searchParams.get('risk') === 'high'", timeout=WAIT_MS
        )
    finally:
        delete_segment(store, "NYC at risk")


def test_find_a_customer_open_the_card_and_centre_the_map(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    store = served_demo.store
    # A name only one customer has, typed in part and in lower case.
    target = store.query(
        "SELECT any_value(customer_id) AS customer_id, name, any_value(lat) AS lat, "
        "any_value(lon) AS lon FROM customers WHERE name SIMILAR TO '[A-Za-z &]+' "
        "GROUP BY name HAVING count(*) = 1 AND any_value(lat) IS NOT NULL "
        "ORDER BY name LIMIT 1"
    ).iloc[0]
    page = browsing.page
    open_map(browsing, served_demo, "?level=state")
    box = page.get_by_label("Find a customer")
    box.fill(str(target["name"])[:-3].lower())
    box.press("Enter")
    link = page.get_by_role("link", name=f"{target['name']} · {target['customer_id']}")
    link.first.click(timeout=WAIT_MS)
    page.get_by_role("heading", name=str(target["name"])).wait_for(timeout=WAIT_MS)
    # The heading comes first; the card's figures follow in the same run.
    page.get_by_text("Next order expected").first.wait_for(timeout=WAIT_MS)
    page.get_by_role("link", name="Show on the map").click(timeout=WAIT_MS)
    frame = page.frame_locator(MAP_FRAME)
    frame.get_by_text("Chosen customer").wait_for(timeout=WAIT_MS)
    live = next(f for f in page.frames if "st_folium" in f.url)
    lat, lon = live.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng]; }")
    assert abs(lat - target["lat"]) < 0.05 and abs(lon - target["lon"]) < 0.05


DISC_CENTRES_JS = """() => Array.from(document.querySelectorAll(".geocrm-cell")).map((el) => {
  const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const at = window.map.containerPointToLatLng([x, y]);
  // The disc takes no clicks: a click there reaches the map's canvas, unless a control
  // (the legend) covers the disc.
  const hit = document.elementFromPoint(x, y);
  const open = hit !== null && hit.tagName === "CANVAS";
  return [Number(el.textContent.replace(/,/g, "")), x, y, at.lat, at.lng, open];
})"""


def test_a_click_on_a_count_disc_selects_the_area_beneath(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    import shapely

    store = served_demo.store
    frame = open_map(browsing, served_demo, "?level=state")
    page = browsing.page
    discs = frame.locator(".geocrm-cell")
    discs.first.wait_for(timeout=WAIT_MS)
    states = store.load_areas("state")
    borders = states.boundary.union_all()
    kpis = compute_area_kpis(store, Filters(level="state")).set_index("area_id")
    chosen: list[pd.Series] = []

    def largest_disc_well_inside_a_state() -> tuple[float, float] | None:
        live = next((f for f in page.frames if "st_folium" in f.url), None)
        try:
            if live is None:
                return None  # the map is being drawn again: look again
            live.wait_for_function(
                # The discs drawn and the map object of this frame made (a redrawn frame has
                # its discs a moment before the map answers).
                "() => document.querySelectorAll('.geocrm-cell').length > 0 && !!window.map",
                timeout=WAIT_MS,
            )
            found = live.evaluate(DISC_CENTRES_JS)
        except PlaywrightError:  # the frame was replaced while it answered: look again
            return None
        # The largest disc whose centre lies well inside one state (half a degree from its
        # border, so the drawn outline cannot miss it), not under a control. The first
        # grid, drawn before the map reported its zoom, may be too coarse to hold one: the
        # next look sees the grid counted on the map's own zoom.
        for _, x, y, lat, lon, open_ in sorted(found, reverse=True):
            beneath = states[shapely.contains_xy(states.geometry.to_numpy(), lon, lat)]
            well_inside = shapely.distance(shapely.points(lon, lat), borders) > 0.5
            if open_ and len(beneath) == 1 and well_inside:
                chosen[:] = [beneath.iloc[0]]
                return x, y
        return None

    click_an_area(page, largest_disc_well_inside_a_state)
    state = chosen[0]
    panel = (
        page.locator("h3")
        .filter(has_text=str(state["name"]))
        .locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
    )
    panel.wait_for(timeout=WAIT_MS)
    customers = panel.locator("[data-testid='stMetric']").filter(has_text="Customers")
    assert f"{int(kpis['customers'].loc[state['area_id']]):,}" in customers.inner_text()
    # The click selected the area; it did not zoom the map in. (The click redraws the map
    # with the area outlined: the zoom is read from the redrawn map once it is there.)
    assert drawn_map_zoom(page) < 6


PAGES = [
    "",
    "areas",
    "customers",
    "trends",
    "contacts",
    "customer",
    "export",
    "territories",
    "data",
    "quality",
    "help",
    "present",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_without_script_errors_or_exceptions(
    browsing: Browsing, served_demo: ServedApp, path: str
) -> None:
    page = browsing.page
    # As a first visit opens it: no parameters (the map frames the business itself, where
    # the old clustering plugin threw "reading 'lat'" at the end of the first zoom).
    page.goto(f"{served_demo.url}/{path}")
    main = page.locator("[data-testid='stMain']")
    main.locator("h1, h2, h3").first.wait_for(timeout=WAIT_MS)
    if path in ("", "present"):
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
        frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=WAIT_MS)
    # The script has finished: Streamlit shows no "running" status any more.
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )
    assert page.locator("[data-testid='stException']").count() == 0
    assert "Traceback" not in main.inner_text()
    assert browsing.errors == [], browsing.errors


DISC_TOTAL_JS = """() => Array.from(document.querySelectorAll(".geocrm-cell"))
  .map((el) => Number(el.textContent.replace(/,/g, "")))"""


def test_zooming_in_counts_the_customers_again_on_a_finer_grid(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    located = served_demo.store.query(
        "SELECT count(*) AS n FROM customers WHERE kind = 'customer' AND lat IS NOT NULL "
        "AND lon IS NOT NULL"
    )["n"].iloc[0]
    open_map(browsing, served_demo, "?level=state").locator(".geocrm-cell").first.wait_for(
        timeout=WAIT_MS
    )
    live = next(f for f in browsing.page.frames if "st_folium" in f.url)
    national = live.evaluate(DISC_TOTAL_JS)
    assert sum(national) == located
    live.evaluate("() => { window.geocrmSameMap = true; }")
    live.evaluate("() => window.map.setView([40.7, -74.0], 7, {animate: false})")
    # The page hears the new zoom, counts again and swaps the discs on the same map.
    live.wait_for_function(
        f"() => document.querySelectorAll('.geocrm-cell').length > {len(national)}",
        timeout=WAIT_MS,
    )
    finer = live.evaluate(DISC_TOTAL_JS)
    assert sum(finer) == located and max(finer) < max(national)
    assert live.evaluate("() => window.geocrmSameMap === true && window.map.getZoom() === 7")


def test_the_customers_outside_all_areas_show_on_the_quality_pages_map(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    from geo.quality.fix_lists import fix_list

    outside = fix_list(served_demo.store, "outside_areas", "county")
    page = browsing.page
    page.goto(f"{served_demo.url}/quality?problem=outside_areas")
    frame = page.frame_locator(MAP_FRAME)
    legend = frame.locator(".geocrm-legend")
    legend.wait_for(timeout=WAIT_MS)
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=WAIT_MS)
    # Every one of them is on the map (none sampled away), and the legend says how many.
    assert f"Outside all areas ({len(outside):,})" in legend.inner_text()
    # The link chose the list: its heading, and the list's first rows, are the core's.
    heading = page.locator("h2, h3").filter(has_text="Outside all areas")
    assert f"Outside all areas: {len(outside):,}" in heading.first.inner_text()
    assert browsing.blocked == [], browsing.blocked
