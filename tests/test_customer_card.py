"""The customer card: areas at every level, owner, orders in the period, scores, nearby."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.analytics.customer_card import customer_card, monthly_orders
from geo.errors import InputError
from geo.segments.filters import Filters
from geo.store.protocol import Store


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
    from geo.analytics import customer_card as module

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


def test_orders_by_month_count_every_order_of_the_sales_table(demo_store: Store) -> None:
    # The demo customer with the most orders, counted straight from the order lines: an
    # order is one order_id, dated by its earliest line.
    busiest = demo_store.query(
        "SELECT customer_id FROM sales GROUP BY customer_id "
        "ORDER BY count(DISTINCT order_id) DESC, customer_id LIMIT 1"
    )["customer_id"].iloc[0]
    expected = demo_store.query(
        "SELECT CAST(date_trunc('month', d) AS DATE) AS month, count(*) AS orders FROM "
        "(SELECT order_id, min(order_date) AS d FROM sales WHERE customer_id = ? "
        "GROUP BY order_id) AS ordered GROUP BY month ORDER BY month",
        [busiest],
    )
    history = monthly_orders(demo_store, busiest)
    assert int(history["orders"].sum()) == int(expected["orders"].sum())
    by_month = history.set_index("month")["orders"]
    for month, orders in zip(expected["month"], expected["orders"], strict=True):
        assert by_month[pd.Timestamp(month).date()] == orders, month
    # One row a month, without gaps, up to the month of the data's latest order.
    months = pd.to_datetime(history["month"])
    assert (months.diff().dropna().dt.days.between(28, 31)).all()
    latest = demo_store.query("SELECT max(order_date) AS d FROM orders")["d"].iloc[0]
    assert months.iloc[-1] == pd.Timestamp(latest).to_period("M").start_time
    assert history["label"].iloc[0] == f"{months.iloc[0]:%b %Y}"


def test_the_running_month_is_flagged(tiny_store: Store) -> None:
    # The latest order in the tiny data is on 1 May 2026: May has not ended.
    history = monthly_orders(tiny_store, "c1")
    assert history["month"].iloc[0] == date(2025, 3, 1)
    assert history["month"].iloc[-1] == date(2026, 5, 1)
    assert history["label"].iloc[-1] == "May 2026 (so far)"
    assert history["complete"].tolist() == [True] * (len(history) - 1) + [False]
    assert history["orders"].tolist()[:4] == [1, 0, 0, 1]  # Mar, Apr, May, Jun 2025
    assert int(history["orders"].sum()) == 3
