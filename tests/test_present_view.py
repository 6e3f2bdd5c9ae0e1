"""The presentation view: complete labels, the link back to the app, the chosen classes."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from geo.analytics.figures import net_change_last_period, quarter_name
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store
from tests.app_sessions import ROOT, open_with_link

PRESENT = ROOT / "pages" / "present.py"


@pytest.fixture(autouse=True)
def _demo(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOCRM_DB", demo_store.location)


def _back_link(at: AppTest) -> str:
    links = [m.value for m in at.markdown if "Back to the app" in m.value]
    assert len(links) == 1, [m.value for m in at.markdown]
    return links[0].split('href="')[1].split('"')[0].replace("&amp;", "&")


def test_labels_are_whole_and_the_link_back_keeps_the_filters(demo_store: Store) -> None:
    params = {
        "level": "state",
        "kind": "customer",
        "metric": "net_change",
        "classes": "equal_interval",
    }
    at = open_with_link(params, PRESENT)
    net = net_change_last_period(demo_store, Filters(level="state", kind="customer"))
    assert net is not None
    labels = [m.label for m in at.metric]
    # The whole label, with the quarter it is about (it used to be cut to "last qu...").
    assert f"Net customer change, {quarter_name(net.period_start)}" in labels
    assert all(not label.endswith(("...", "…")) for label in labels)
    assert not any(c.value.startswith("Not applied") for c in at.caption)
    back = urlsplit(_back_link(at))
    assert back.path == "./"
    assert parse_qs(back.query) == {k: [v] for k, v in params.items()}
    assert "← Back to the app</a>" in next(m.value for m in at.markdown if "href=" in m.value)


def test_an_unknown_class_scheme_is_noted_and_the_default_used() -> None:
    at = open_with_link({"level": "state", "classes": "kmeans"}, PRESENT)
    notes = [c.value for c in at.caption if c.value.startswith("Not applied")]
    assert len(notes) == 1 and "kmeans" in notes[0] and "quantiles" in notes[0]


def _map_script(at: AppTest) -> str:
    """The script of the page's one map, as the map component receives it."""
    maps = [e for e in at.main if getattr(e.proto, "json_args", "").startswith('{"script"')]
    assert len(maps) == 1
    return str(json.loads(maps[0].proto.json_args)["script"])


def test_a_one_state_view_has_a_legend_of_its_value(demo_store: Store) -> None:
    at = open_with_link({"level": "state", "area": "06", "metric": "customers"}, PRESENT)
    customers = compute_area_kpis(demo_store, Filters(level="state", area_ids=("06",)))
    script = _map_script(at)
    legend = json.loads(script.split("div.innerHTML = ")[1].split(";\n")[0])
    count = int(customers["customers"].iloc[0])
    # One class, reading as California's count; in projector type, with a fullscreen control.
    assert legend.count("<span style=") == 1
    assert f"</span>{count:,}</div>" in legend
    assert "font:18px" in legend and "up to" not in legend
    assert "L.control.fullscreen" in script
    # Top right, seen on a first screen of 900 pixels; no layer list on a slide.
    assert 'L.control({position: "topright"})' in script and "L.control.layers" not in script


def test_the_map_page_offers_the_class_schemes_and_links_them() -> None:
    at = open_with_link({"level": "state"})
    box = at.selectbox(key="map_classes")
    assert box.options == ["Quantiles", "Natural breaks", "Equal intervals"]
    box.select("natural_breaks").run()
    assert not at.exception, at.exception
