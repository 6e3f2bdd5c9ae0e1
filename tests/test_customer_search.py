"""Search: case, accents, partial postcodes, IDs with leading zeros, wildcards as text."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.analytics.customer_search import describe_result, search_customers
from geo.store.protocol import Store


@pytest.fixture
def people(tiny_store: Store) -> Store:
    rows = pd.DataFrame(
        {
            "customer_id": ["0123", "123", "A9", "B1", "C5"],
            "name": ["Café Müller", "Cafeteria Plus", "Zed 100% Co", "Bob's Bakery", "Dana"],
            "kind": "customer",
            "lat": 0.5,
            "lon": 0.5,
            "postcode": ["02134", "10001", "02139", None, "90210"],
            "email": ["hello@mueller.example", None, "z@zed.example", None, "DANA@Shop.example"],
            "owner": None,
            "created_on": pd.Timestamp("2024-01-01"),
            "extra": None,
        }
    )
    with tiny_store.transaction() as con:
        tiny_store.upsert_customers(con, rows)
    return tiny_store


@pytest.mark.parametrize(
    ("text", "first", "ids"),
    [
        ("cafe", "0123", {"0123", "123"}),  # accents and case ignored; name prefix
        ("CAFÉ MÜ", "0123", {"0123"}),
        ("0123", "0123", {"0123"}),  # a leading zero is part of the ID
        ("123", "123", {"123"}),  # exact ID first
        ("021", "0123", {"0123", "A9"}),  # partial postcode
        ("shop.example", "C5", {"C5"}),  # email, any case
        ("100%", "A9", {"A9"}),  # % is text, not a wildcard
        ("b's", "B1", {"B1"}),
        ("x", None, set()),  # too short
    ],
)
def test_matching_rules(people: Store, text: str, first: str | None, ids: set[str]) -> None:
    found = search_customers(people, text)
    assert set(found["customer_id"]) >= ids
    if first is None:
        assert found.empty
    else:
        assert found["customer_id"].iloc[0] == first


def test_results_tell_namesakes_apart(demo_store: Store) -> None:
    # The demo's names come from a few words, so many people share one: each result
    # carries where they are, their postcode, their owner and their last order.
    name = demo_store.query(
        "SELECT name FROM customers WHERE kind = 'customer' GROUP BY name "
        "ORDER BY count(*) DESC, name LIMIT 1"
    )["name"].iloc[0]
    hits = search_customers(demo_store, name, limit=8)
    assert len(hits) == 8 and (hits["name"] == name).all()
    truth = demo_store.query(
        "SELECT c.customer_id, c.postcode, c.owner, county.name || ', ' || state.name AS area, "
        "(SELECT max(order_date) FROM orders o WHERE o.customer_id = c.customer_id) AS last "
        "FROM customers c "
        "LEFT JOIN assignments a ON a.customer_id = c.customer_id AND a.level = 'county' "
        "LEFT JOIN areas county ON county.area_id = a.area_id "
        "LEFT JOIN areas state ON state.area_id = county.parent_id"
    ).set_index("customer_id")
    for row in hits.to_dict("records"):
        expected = truth.loc[row["customer_id"]]
        assert row["postcode"] == expected["postcode"]
        assert row["owner"] == expected["owner"]
        assert row["area_name"] == expected["area"]
        if row["kind"] == "customer":
            assert str(pd.Timestamp(row["last_order"])) == str(pd.Timestamp(expected["last"]))
        else:
            assert pd.isna(row["last_order"])
    lines = [describe_result(row) for _, row in hits.iterrows()]
    assert len(set(lines)) == len(lines)  # no two results read the same
    first = hits.iloc[0]
    assert lines[0].startswith(f"{first['area_name']} · {first['postcode']} · owner ")


def test_a_result_in_no_area_without_orders_says_so(people: Store) -> None:
    hits = search_customers(people, "dana")
    assert describe_result(hits.iloc[0]) == "in no area · 90210 · no owner · no orders yet"
