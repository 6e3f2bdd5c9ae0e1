"""The customer card: areas at every level, owner, orders in the period, scores, nearby."""

from __future__ import annotations

from datetime import date

import pytest

from geo.customer_card import customer_card
from geo.errors import InputError
from geo.filters import Filters
from geo.store import Store


def test_card_worked_by_hand(tiny_store: Store) -> None:
    # c2 at (1.5, 0.5) in county B, region R (owner Rita); one order of 200 on 2026-05-01;
    # prospects p1 (1.2, 0.2) and p2 (1.8, 0.8) are about 47 km away.
    card = customer_card(tiny_store, "c2", Filters(date_from=date(2026, 1, 1)))
    assert card.areas[["level", "area_id"]].values.tolist() == [["region", "R"], ["county", "B"]]
    assert card.owner == "Rita"  # inherited from the region
    assert (card.orders_in_period, card.revenue_in_period) == (1, 200.0)
    assert card.scores["frequency"] == 1 and card.scores["segment"]
    assert card.history["revenue"].tolist() == [200.0]
    assert card.nearby.empty  # both prospects are beyond 25 km
    c1 = customer_card(tiny_store, "c1")
    assert c1.owner == "Olga"  # their own owner comes first
    assert c1.orders_in_period == 3 and c1.revenue_in_period == 175.0


def test_nearby_prospects_sorted_by_distance(tiny_store: Store) -> None:
    from geo import customer_card as module

    original = module.NEARBY_KM
    module.NEARBY_KM = 60.0
    try:
        card = customer_card(tiny_store, "c2")
    finally:
        module.NEARBY_KM = original
    assert card.nearby["customer_id"].tolist() == ["p1", "p2"] or card.nearby[
        "customer_id"
    ].tolist() == ["p2", "p1"]
    assert card.nearby["km"].is_monotonic_increasing and (card.nearby["km"] < 60).all()


def test_unknown_customer_is_a_clear_error(tiny_store: Store) -> None:
    with pytest.raises(InputError, match="no customer with ID 'nobody'"):
        customer_card(tiny_store, "nobody")
