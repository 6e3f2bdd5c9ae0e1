"""Look-alike lifts worked by hand, and look-alikes and whitespace on the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.analytics.lookalikes import lift_table, location_lift, lookalike_prospects, whitespace
from geo.segments.filters import Filters
from geo.store.protocol import Store


def test_lifts_worked_by_hand() -> None:
    # 8 scored customers: 4 large (2 of them best), 4 small (none best); 1 prospect.
    attributes = pd.DataFrame({"size": ["L"] * 4 + ["S"] * 4 + ["L"]})
    scored = pd.Series([True] * 8 + [False])
    best = pd.Series([True, True] + [False] * 7)
    lifts = lift_table(attributes, best, scored, prior_weight=2)["size"]
    # base rate 2 best / 8 scored = 0.25; large, smoothed: (2 + 2 x 0.25) / (4 + 2) = 5/12
    assert lifts["L"] == pytest.approx((5 / 12) / 0.25)
    # small: (0 + 2 x 0.25) / (4 + 2) = 1/12
    assert lifts["S"] == pytest.approx((1 / 12) / 0.25)


def test_a_value_seen_in_a_handful_has_a_lift_near_one() -> None:
    # 1,000 scored, 250 best (base rate 0.25); "rare" held by 2 customers, both best.
    attributes = pd.DataFrame({"kind": ["rare"] * 2 + ["common"] * 998})
    scored = pd.Series([True] * 1000)
    best = pd.Series([True] * 250 + [False] * 750)
    lifts = lift_table(attributes, best, scored, prior_weight=20)["kind"]
    # (2 + 20 x 0.25) / (2 + 20) = 7/22, over 0.25: 1.27, not the raw 4.
    assert lifts["rare"] == pytest.approx((7 / 22) / 0.25)


def test_a_small_county_takes_its_states_rate() -> None:
    # State S1: 40 scored, 20 best; its county C1 holds 38 of them (18 best), county C2
    # only 2 (both best). State S2: 40 scored, none best (county C3). Base rate 20/80.
    areas = pd.DataFrame(
        {
            "state": ["S1"] * 40 + ["S2"] * 40 + ["S1"],
            "county": ["C1"] * 38 + ["C2"] * 2 + ["C3"] * 40 + ["C2"],
        }
    )
    best = pd.Series([True] * 18 + [False] * 20 + [True] * 2 + [False] * 41)
    scored = pd.Series([True] * 80 + [False])  # the last one: a prospect in C2
    lift = location_lift(areas, best, scored, prior_weight=2)
    state_rate = (20 + 2 * 0.25) / (40 + 2)
    c2_rate = (2 + 2 * state_rate) / (2 + 2)
    assert lift.iloc[-1] == pytest.approx(c2_rate / 0.25)
    c3_rate = (0 + 2 * (0 + 2 * 0.25) / (40 + 2)) / (40 + 2)
    assert lift.iloc[50] == pytest.approx(c3_rate / 0.25)


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


def test_the_top_lookalikes_are_told_apart(demo_store: Store) -> None:
    # Industry, size and state alone gave every prospect of one profile in one state the
    # same index (on the full demo, the top ten were all one tie); where each prospect is,
    # county by county, tells them apart.
    ranked = lookalike_prospects(demo_store, Filters(level="state"))
    counties = demo_store.query(
        "SELECT customer_id, area_id AS county FROM assignments WHERE level = 'county'"
    ).set_index("customer_id")["county"]
    ranked = ranked.assign(county=ranked["customer_id"].map(counties))
    profile = ["area_id", "industry", "size"]
    per_profile = ranked.dropna(subset=["county"]).groupby(profile)
    spread = per_profile.agg(counties=("county", "nunique"), indices=("lookalike_index", "nunique"))
    several = spread[spread["counties"] >= 3]
    assert len(several) > 20
    # Same state and profile, different counties: mostly different indices (the same one
    # only where none of those counties has a scored customer to tell them apart).
    assert (several["indices"] >= 2).mean() > 0.9
    top = ranked.head(10)
    # The list says which county, so the reader sees what sets them apart.
    names = demo_store.query("SELECT area_id, name FROM areas").set_index("area_id")["name"]
    assert top["local_area"].tolist() == top["county"].map(names).tolist()
    assert top["lookalike_index"].nunique() >= 5
    assert top["county"].nunique() >= 3


def test_attributes_read_once_per_distinct_text_keep_every_row() -> None:
    from geo.analytics.lookalikes import _attributes

    people = pd.DataFrame(
        {"extra": ['{"size": "L"}', None, '{"size": "S"}', '{"size": "L"}', "not json"]},
        index=[10, 11, 12, 13, 14],
    )
    got = _attributes(people)
    assert got.index.tolist() == [10, 11, 12, 13, 14]
    assert got["size"].tolist() == ["L", pd.NA, "S", "L", pd.NA]


def test_one_index_serves_the_list_and_the_areas(demo_store: Store) -> None:
    from geo.analytics.lookalikes import lookalike_profiles

    filters = Filters(level="state")
    profiles = lookalike_profiles(demo_store, filters)
    pd.testing.assert_frame_equal(
        lookalike_prospects(demo_store, filters, 50, profiles),
        lookalike_prospects(demo_store, filters, 50),
    )
    pd.testing.assert_frame_equal(
        whitespace(demo_store, filters, profiles), whitespace(demo_store, filters)
    )
