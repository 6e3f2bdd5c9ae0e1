"""What only a browser measures: the presentation view's type is projector-sized and its
labels whole, and the map's legend after a filter or a drawn shape has distinct classes."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from geo.store.duckdb_store import Store
from tests.e2e.conftest import Browsing, ServedApp, wait_until_settled
from tests.e2e.test_browser import MAP_FRAME, WAIT_MS, click_an_area, open_map

if TYPE_CHECKING:
    from playwright.sync_api import Frame, FrameLocator

pytestmark = pytest.mark.browser

#: (font size in px, text) of every piece of text in an element and its descendants.
TEXT_SIZES = """(root) => {
    const out = [];
    const walk = (el) => {
        for (const node of el.childNodes) {
            if (node.nodeType === 3 && node.textContent.trim()) {
                out.push([parseFloat(getComputedStyle(el).fontSize), node.textContent.trim()]);
            } else if (node.nodeType === 1 && node.tagName !== 'STYLE') { walk(node); }
        }
    };
    walk(root);
    return out;
}"""
#: Labels that are cut: wider content than their box.
CUT_LABELS = """(els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1)
    .map((el) => el.textContent)"""


def test_presentation_type_is_16_px_or_more_and_labels_are_whole(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    page = browsing.page
    page.goto(f"{served_demo.url}/present?level=state&metric=net_change")
    frame = page.frame_locator(MAP_FRAME)
    legend = frame.locator(".geocrm-legend")
    legend.wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    sizes = legend.evaluate(TEXT_SIZES)
    assert sizes and min(size for size, _ in sizes) >= 16, sizes
    texts = [text for _, text in sizes]
    assert "0" in texts or any(t.startswith(("−", "+")) for t in texts), texts
    for control in (".leaflet-control-attribution", ".leaflet-control-scale-line"):
        control_sizes = frame.locator(control).first.evaluate(TEXT_SIZES)
        assert min(size for size, _ in control_sizes) >= 16, (control, control_sizes)
    assert frame.locator(".leaflet-control-zoom-fullscreen").count() == 1
    labels = page.locator("[data-testid=stMetricLabel]")
    assert labels.count() == 5
    assert labels.first.evaluate(TEXT_SIZES)[0][0] >= 16
    assert "Net customer change, Q" in " ".join(labels.all_inner_texts())
    cut = page.eval_on_selector_all("[data-testid=stMetricLabel] *", CUT_LABELS)
    assert not cut, cut
    for caption in page.locator("[data-testid=stCaptionContainer]").all():
        assert min(size for size, _ in caption.evaluate(TEXT_SIZES)) >= 16
    back = page.get_by_text("Back to the app")
    href = back.get_attribute("href")
    assert href is not None
    assert href.startswith("./?level=state")


def _legend_classes(frame: FrameLocator) -> list[tuple[str, str]]:
    """(label, swatch colour) of the area classes of the map's legend."""
    return frame.locator(".geocrm-legend span").evaluate_all(
        "(spans) => spans.map((s) => [s.parentElement.textContent.trim(), s.style.background])"
    )


@pytest.mark.parametrize(
    "query",
    [
        "level=county&owner={owner}",
        # A rectangle over Colorado: most counties hold none of the selection.
        "level=county&shape=" + quote("rect:-109.05,37.0,-102.05,41.0"),
    ],
)
def test_the_legend_after_a_filter_has_distinct_classes(
    browsing: Browsing, served_demo: ServedApp, demo_store: Store, query: str
) -> None:
    owner = demo_store.owner_names()[0]
    frame = open_map(browsing, served_demo, "?" + query.format(owner=quote(owner)))
    classes = _legend_classes(frame)
    labels = [label for label, _ in classes if label != "no data"]
    colours = [colour for label, colour in classes if label != "no data"]
    assert len(labels) >= 3, classes
    assert len(set(labels)) == len(labels) and len(set(colours)) == len(colours), classes
    assert labels[0] == "0" and not any("up to" in label for label in labels), labels


#: The selected area's outline pane, and how many outlines are drawn in it (halo + line),
#: in whichever map frame holds one: a click draws the map again in a new frame, and for a
#: moment the page may hold the old frame, the new one or none.
OUTLINE_JS = """() => {
    for (const f of document.querySelectorAll("iframe")) {
        let map = null;
        try { map = f.contentWindow.map; } catch (e) { continue; }
        const pane = map && map.getPane("geocrm-selected");
        if (!pane) { continue; }
        let drawn = 0;
        map.eachLayer((l) => { if (l.options && l.options.pane === "geocrm-selected"
            && l.feature) { drawn += 1; } });
        if (drawn) {
            return [getComputedStyle(pane).zIndex, getComputedStyle(pane).pointerEvents, drawn];
        }
    }
    return null;
}"""


def test_a_clicked_area_is_outlined_at_once_above_the_others(
    browsing: Browsing, served_demo: ServedApp
) -> None:
    open_map(browsing, served_demo, "?level=state")
    page = browsing.page

    def frame() -> Frame:
        return next(f for f in page.frames if "st_folium" in f.url)

    assert page.evaluate(OUTLINE_JS) is None  # nothing selected yet
    click_an_area(
        page,
        lambda: frame().evaluate(
            "() => { const p = window.map.latLngToContainerPoint([38.5, -98.8]); "
            "return [p.x, p.y]; }"
        ),
    )
    assert "Kansas" in [t.strip() for t in page.locator("h3").all_inner_texts()]
    # The same click outlines Kansas (not one click late), over the areas, taking no clicks.
    outline = page.wait_for_function(OUTLINE_JS, timeout=WAIT_MS).json_value()
    z_index, pointer_events, drawn = outline
    assert int(z_index) > 400 and pointer_events == "none" and drawn == 2
