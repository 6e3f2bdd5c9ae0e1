"""Search: case, accents, partial postcodes, IDs with leading zeros, wildcards as text."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.customer_search import search_customers
from geo.store import Store


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
