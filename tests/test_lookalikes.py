"""Look-alike lifts worked by hand, and look-alikes and whitespace on the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.filters import Filters
from geo.lookalikes import lift_table, lookalike_prospects, whitespace
from geo.store import Store


def test_lifts_worked_by_hand() -> None:
    # 8 scored customers: 4 large (2 of them best), 4 small (none best); 1 prospect.
    attributes = pd.DataFrame({"size": ["L"] * 4 + ["S"] * 4 + ["L"]})
    scored = pd.Series([True] * 8 + [False])
    best = pd.Series([True, True] + [False] * 7)
    lifts = lift_table(attributes, best, scored, prior_weight=2)["size"]
    # share among all 4/8 = 0.5; among best, smoothed: (2 + 2 x 0.5) / (2 + 2) = 0.75
    assert lifts["L"] == pytest.approx(1.5)
    # (0 + 2 x 0.5) / (2 + 2) = 0.25 over 0.5
    assert lifts["S"] == pytest.approx(0.5)


def test_demo_prospects_like_the_best_are_the_big_ones(demo_store: Store) -> None:
    ranked = lookalike_prospects(demo_store, Filters(level="state"))
    assert (ranked["kind"] == "prospect").all()
    assert ranked["lookalike_index"].is_monotonic_decreasing
    # Large customers spend more in the demo, so more of them are champions or loyal.
    by_size = ranked.groupby("size")["lookalike_index"].mean()
    assert by_size["large"] > by_size["medium"] > by_size["small"]
    top = ranked.head(1000)
    assert (top["size"] == "large").mean() > 2 * (ranked["size"] == "large").mean()


def test_whitespace_ranks_every_area_once(demo_store: Store) -> None:
    table = whitespace(demo_store, Filters(level="state"))
    assert len(table) == len(demo_store.load_areas("state"))
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    assert table["whitespace"].is_monotonic_decreasing
    prospects = demo_store.query(
        "SELECT count(*) AS n FROM customers c JOIN assignments a USING (customer_id) "
        "WHERE a.level = 'state' AND a.area_id IS NOT NULL AND c.kind = 'prospect'"
    )["n"].iloc[0]
    assert table["prospects"].sum() == prospects
