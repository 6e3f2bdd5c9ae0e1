"""Text from data and links stays text in a real browser: on the customer card, in search
results, on the map (tooltips, area names), the Export, Customers, Contact list and
presentation pages. Nothing from the data becomes a link or an image, nothing is fetched
from outside, and what shows is what was typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.places.level_assignment import assign_customers
from geo.store.duckdb_store import Store
from tests.e2e.conftest import Browsing, ServedApp, serve_app, stop_app, wait_until_settled
from tests.tiny_business import tiny_areas, tiny_customers
from ui.inert_text import WORD_JOINER

pytestmark = pytest.mark.browser
WAIT_MS = 90_000
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"

NAMES = [
    "http://x.example/bare",
    "www.x.example",
    "ann@x.example",
    "[click](http://x.example/link)",
    "![x](http://x.example/a.png)",
    '=HYPERLINK("http://x.example/h","y")',
    "<b>bold</b>",
    "<img src=http://x.example/i.png>",
    "<script>alert(1)</script>",
    "back\\slash \\\\ two",
    "back`tick` *star* _under_",
    "${alert(1)}",
    "emoji 😀 café",
    "\u202eRTL mark\u200f",
    "Long " + "n" * 10_000,
]
IDS = [f"hx{i:02d}" for i in range(len(NAMES))]
AREA_NAME = "[area](http://x.example/area) <img src=http://x.example/area.png>"
OWNER = "Owner http://x.example/owner <b>x</b>"

#: Anything that came from the data as a link, an image or a script.
FROM_DATA_JS = """() => [...document.querySelectorAll('a, img, script, iframe, link')]
  .filter(e => {
    const target = e.getAttribute('href') || e.getAttribute('src') || '';
    return target.includes('x.example') || target.startsWith('mailto:')
      || (e.tagName === 'SCRIPT' && e.textContent.trim() === 'alert(1)');
  })
  .map(e => e.outerHTML.slice(0, 120))"""


def _hostile_store(folder: Path) -> Store:
    store = Store.open(folder / "hostile.duckdb")
    areas = tiny_areas()
    areas.loc[areas["area_id"] == "A", "name"] = AREA_NAME
    areas.loc[areas["area_id"] == "R", "owner"] = OWNER
    base = tiny_customers()
    n = len(NAMES)
    hostile = pd.DataFrame(
        {
            "customer_id": IDS,
            "name": NAMES,
            "kind": "customer",
            "lat": np.linspace(0.1, 0.9, n),
            "lon": np.linspace(0.1, 0.9, n),
            "postcode": None,
            "email": [f"{i}@x.example" for i in IDS],
            "owner": OWNER,
            "created_on": pd.Timestamp("2024-01-01"),
            "extra": None,
        }
    )
    sales = pd.DataFrame(
        {
            "order_id": [f"o{i}{k}" for i in IDS for k in range(2)],
            "customer_id": [i for i in IDS for _ in range(2)],
            "order_date": pd.to_datetime(["2025-01-15", "2025-07-15"] * n),
            "amount": 100.0,
            "category": "Hardware",
            "channel": "Direct",
        }
    )
    with store.transaction() as con:
        for _, level in areas.groupby("level"):
            store.replace_level(con, level)
        store.upsert_customers(con, pd.concat([base, hostile], ignore_index=True))
        store.upsert_sales(con, sales)
    assign_customers(store)
    return store


@pytest.fixture(scope="module")
def served_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    folder = tmp_path_factory.mktemp("hostile")
    store = _hostile_store(folder)
    app = serve_app(store.path, folder / "streamlit.log")
    yield app
    stop_app(app)


def _visible(text: str | None) -> str:
    assert text is not None, "the element holds no text"
    return text.replace(WORD_JOINER, "")


def _nothing_from_data(browsing: Browsing) -> None:
    page = browsing.page
    for frame in page.frames:
        assert frame.evaluate(FROM_DATA_JS) == [], frame.url
    assert browsing.blocked == [], browsing.blocked
    assert browsing.dialogs == []
    assert page.locator("[data-testid=stException]").count() == 0


@pytest.mark.parametrize("index", range(len(NAMES)))
def test_the_customer_card_title_is_the_name_as_typed(
    browsing: Browsing, served_hostile: ServedApp, index: int
) -> None:
    page = browsing.page
    page.goto(f"{served_hostile.url}/customer?id={IDS[index]}")
    heading = page.locator("h1").first
    page.get_by_text("Orders by month").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    assert _visible(heading.text_content()) == NAMES[index]
    caption = _visible(page.locator("[data-testid=stCaptionContainer]").first.text_content())
    assert caption.startswith(f"customer · ID {IDS[index]} · owner {OWNER} · ")
    assert caption.endswith(f" · {IDS[index]}@x.example")
    _nothing_from_data(browsing)


def test_search_results_show_the_names_as_typed(
    browsing: Browsing, served_hostile: ServedApp
) -> None:
    page = browsing.page
    page.goto(f"{served_hostile.url}/areas?level=county")
    box = page.get_by_label("Find a customer")
    box.wait_for(timeout=WAIT_MS)
    # The search's result links (the sidebar's other link is the one to the Help page).
    links = page.locator("[data-testid=stSidebar] [data-testid=stPageLink]").filter(
        has_not_text="Help: what the figures mean"
    )
    for name, customer_id in zip(NAMES, IDS, strict=True):
        box.fill(customer_id)
        box.press("Enter")
        links.filter(has_text=customer_id).first.wait_for(timeout=WAIT_MS)
        wait_until_settled(page, WAIT_MS)
        assert [_visible(t) for t in links.all_text_contents()] == [f"{name} · {customer_id}"]
    _nothing_from_data(browsing)


MAP_TEXTS_JS = """() => {
  const texts = {points: [], areas: [], elements: 0};
  const parse = (html) => {
    const doc = new DOMParser().parseFromString(String(html), 'text/html');
    texts.elements += doc.body.querySelectorAll('*').length;
    return doc.body.textContent;
  };
  window.map.eachLayer((layer) => {
    // Close up each customer is a dot of its own with a tooltip.
    const t = layer.feature ? null : layer.getTooltip && layer.getTooltip();
    // (The area layer's tooltip is a function that reads each feature's name: below.)
    if (t && typeof t.getContent() !== 'function') { texts.points.push(parse(t.getContent())); }
    if (layer.feature && layer.feature.properties && layer.feature.properties.name) {
      texts.areas.push(parse(layer.feature.properties.name));
    }
  });
  return texts;
}"""


def test_map_tooltips_and_headings_show_names_as_typed(
    browsing: Browsing, served_hostile: ServedApp
) -> None:
    page = browsing.page
    # Opened close up (past DOTS_ZOOM), where every customer is a dot with its name.
    page.goto(f"{served_hostile.url}/?level=county&area=A&view=0.5,0.5,11")
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    live = next(f for f in page.frames if "st_folium" in f.url)
    live.wait_for_function("() => window.map", timeout=WAIT_MS)
    texts = live.evaluate(MAP_TEXTS_JS)
    # The tooltip HTML holds text only (character references), which shows as typed.
    assert texts["elements"] == 0
    assert set(NAMES) <= set(texts["points"])
    assert texts["areas"] == [AREA_NAME]
    heading = _visible(page.locator("h3").first.text_content())
    assert heading == f"GeoCRM · Customers and prospects, in 1 county: {AREA_NAME}"
    _nothing_from_data(browsing)


PAGES = [
    ("export?level=county&area=A", "Preview", None),
    ("customers?level=county", "Top at-risk customers by value at stake", None),
    ("contacts?level=county", "Call list", None),
    ("areas?level=county&area=A", "Sort by", None),
    ("present?level=county&area=A&name=[deck](http://x.example/d)", "Net customer change",
     "[deck](http://x.example/d)"),
    ("areas?level=[Session expired: log in](http://x.example/s)", "Sort by",
     "level '[Session expired: log in](http://x.example/s)' was ignored (parameter level)"),
    ("areas?kind=![x](http://x.example/k.png)", "Sort by",
     "who '![x](http://x.example/k.png)' was ignored (parameter kind)"),
    ("areas?from=2025-06-01&to=2024-01-01", "Sort by",
     "date range is empty: from 2025-06-01 is after to 2024-01-01"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "ready", "shown"), PAGES)
def test_pages_and_bad_links_show_text_never_links_or_images(
    browsing: Browsing, served_hostile: ServedApp, path: str, ready: str, shown: str | None
) -> None:
    page = browsing.page
    page.goto(f"{served_hostile.url}/{path}")
    page.get_by_text(ready).first.wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    if shown is not None:
        texts = page.locator(
            "h1, [data-testid=stAlertContentWarning], [data-testid=stCaptionContainer]"
        ).all_text_contents()
        assert any(shown in _visible(t) for t in texts), texts
    _nothing_from_data(browsing)
