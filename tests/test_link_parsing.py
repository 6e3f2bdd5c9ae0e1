"""One link parser: the sidebar and the presentation view read a malformed link alike.

Each link below is opened twice, as the app (whose sidebar seeds its widgets from
:func:`geo.segments.segment.segment_from_query`) and as the presentation view; both must render
without an exception, keep the same filters, and show the same notes, as plain text.
"""

from __future__ import annotations

import re

import pytest

from geo.analytics.area_metrics import METRICS
from geo.segments.filters import Filters
from geo.segments.saved import known_for_links
from geo.segments.segment import MAX_VALUE_CHARS, segment_from_query
from geo.segments.selection import describe_filters
from geo.store.protocol import Store
from tests.app_sessions import ROOT, open_with_link
from ui import session_keys
from ui.inert_text import WORD_JOINER, inert

HUGE = "x" * 100_000
COUNTY = "{a county}"  # replaced by a real county ID of the demo

#: (link parameters, a note that must be among the notes, or None for no note)
MALFORMED: list[tuple[dict[str, list[str]], str | None]] = [
    ({"level": ["nowhere"]}, "level 'nowhere' was ignored (parameter level)"),
    ({"level": ["state", "county"]}, "level 'state, county' was ignored"),
    ({"level": ["state", "state"]}, None),
    ({"level": ["[Session expired: log in](http://x.example)"]}, "parameter level"),
    ({"kind": ["![x](http://x.example/a.png)"]}, "who '![x](http://x.example/a.png)'"),
    ({"kind": ["alien"]}, "who 'alien' was ignored (parameter kind)"),
    ({"from": ["2025-06-01"], "to": ["2024-01-01"]}, "date range is empty: from 2025-06-01"),
    ({"from": ["2026-13-45"]}, "start date '2026-13-45' was ignored (parameter from)"),
    ({"to": ["yesterday"]}, "end date 'yesterday' was ignored (parameter to)"),
    ({"from": ["99999-01-01"]}, "parameter from"),
    ({"from": ["2024-01-01", "2024-02-01"]}, "from '2024-01-01, 2024-02-01' was ignored"),
    ({"value_min": ["5000"], "value_max": ["100"]}, "value range is empty: value_min 5000"),
    ({"value_min": ["-5"]}, "lowest lifetime revenue '-5' was ignored (parameter value_min)"),
    ({"value_min": ["nan"]}, "parameter value_min"),
    ({"value_max": ["inf"]}, "parameter value_max"),
    ({"value_max": ["1e400"]}, "parameter value_max"),
    ({"value_min": ["lots"]}, "lowest lifetime revenue 'lots' was ignored"),
    ({"view": ["north"]}, "map position 'north' was ignored (parameter view)"),
    ({"view": ["95,0,5"]}, "parameter view"),
    ({"view": ["40,-74,99"]}, "parameter view"),
    ({"view": ["nan,nan,nan"]}, "parameter view"),
    ({"metric": ["bogus"]}, "metric 'bogus' was ignored (parameter metric)"),
    ({"basemap": ["satellite"]}, "basemap 'satellite' was ignored (parameter basemap)"),
    ({"risk": ["extreme"]}, "churn risk 'extreme' was ignored (parameter risk)"),
    ({"rfm": ["champions", "nobody"]}, "RFM segment 'champions, nobody' was ignored"),
    ({"contact": ["someday"]}, "contact timing 'someday' was ignored (parameter contact)"),
    ({"shape": ["circle:1,2"]}, "shape 'circle:1,2' was ignored (parameter shape)"),
    ({"shape": ["poly:junk"]}, "parameter shape"),
    ({"area": ["XX"]}, "areas were ignored (parameter area): the link names no level"),
    ({"level": ["state"], "area": [COUNTY]}, "not an area of level 'state'"),
    ({"level": ["state"], "area": ["ZZZ"]}, "area ZZZ was ignored (parameter area)"),
    ({"owner": ["Nobody Known"]}, "owner 'Nobody Known' was ignored (parameter owner)"),
    ({"name": [HUGE]}, "name was ignored: a value of 100,000 characters is too long"),
    ({"area": [HUGE]}, "area was ignored: a value of 100,000 characters is too long"),
    ({"level": ["\x00\n<script>alert(1)</script>"]}, "parameter level"),
    ({"level": ["\ufffd\ufffe%FF%FE"]}, "parameter level"),
    ({"level": ["state"], "kind": ["customer"], "risk": ["extreme"]}, "churn risk 'extreme'"),
]


def _params(demo_store: Store, params: dict[str, list[str]]) -> dict[str, list[str]]:
    county = str(demo_store.load_areas("county")["area_id"].iloc[0])
    return {k: [county if v == COUNTY else v for v in vs] for k, vs in params.items()}


def _shown(markdown: str) -> str:
    """What a reader sees of Markdown source made by inert()."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace(WORD_JOINER, "")


@pytest.mark.parametrize(("params", "note"), MALFORMED, ids=[str(i) for i in range(len(MALFORMED))])
def test_sidebar_and_presentation_read_a_bad_link_alike(
    demo_db: Store, params: dict[str, list[str]], note: str | None
) -> None:
    params = _params(demo_db, params)
    app = open_with_link(params)
    present = open_with_link(params, ROOT / "pages" / "present.py")
    sidebar_notes = [w.value for w in app.sidebar.warning]
    prefix = inert("Not applied: ")
    present_notes = [
        c.value.removeprefix(prefix) for c in present.caption if c.value.startswith(prefix)
    ]
    # The same notes, each shown as plain text (every Markdown character escaped).
    assert sidebar_notes == present_notes
    assert all(inert(_shown(n)) == n for n in sidebar_notes)
    shown = [_shown(n) for n in sidebar_notes]
    if note is None:
        assert shown == []
    else:
        assert any(note in n for n in shown), shown
    # The same kept filters: the sidebar's, and the ones the presentation view describes.
    filters = app.session_state[session_keys.FILTERS_KEY]
    assert isinstance(filters, Filters)
    kept, problems = segment_from_query(params, known_for_links(demo_db, frozenset(METRICS)))
    assert [p.replace("\n", " ").replace("\x00", " ") for p in problems] == shown
    assert filters == kept.filters.with_level(kept.filters.level or filters.level)
    description = present.caption[0].value
    assert description.startswith(inert(describe_filters(demo_db, filters) + " · "))


def test_enough_malformed_links_are_tried() -> None:
    assert len(MALFORMED) >= 30 and len(HUGE) > MAX_VALUE_CHARS
