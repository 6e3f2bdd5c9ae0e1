"""A radius search finds the point a person means: a place, a ZIP code, a customer or a point."""

from __future__ import annotations

import pytest

from geo.analytics.place_finder import circle_around, find_place
from geo.errors import InputError
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.protocol import Store


def test_a_place_name_is_the_most_populous_of_that_name(tiny_store: Store) -> None:
    denver = find_place(tiny_store, "Denver")
    # Denver, CO (about 700,000 people), not Denver, PA (about 4,000).
    assert denver.label == "Denver, CO"
    assert denver.lat == pytest.approx(39.74, abs=0.01)
    assert denver.lon == pytest.approx(-104.98, abs=0.01)
    assert denver.note is not None and "Denver, CO, the most populous" in denver.note
    assert find_place(tiny_store, "  denver  ").label == "Denver, CO"


def test_a_shared_name_says_which_was_taken_and_how_to_name_another(tiny_store: Store) -> None:
    springfield = find_place(tiny_store, "Springfield")
    assert springfield.label == "Springfield, MO"
    assert springfield.note is not None
    assert "this is Springfield, MO, the most populous" in springfield.note
    assert "'Springfield, IL'" in springfield.note
    illinois = find_place(tiny_store, "Springfield, IL")
    assert illinois.label == "Springfield, IL" and illinois.note is None
    assert illinois.lat == pytest.approx(39.80, abs=0.01)
    assert find_place(tiny_store, "springfield, mo").lat == pytest.approx(37.22, abs=0.01)


def test_a_zip_code(tiny_store: Store) -> None:
    chelsea = find_place(tiny_store, "10001")
    assert chelsea.label == "ZIP 10001"
    assert (chelsea.lat, chelsea.lon) == pytest.approx((40.75, -73.997), abs=0.01)
    assert find_place(tiny_store, "10001-1234").label == "ZIP 10001"
    with pytest.raises(InputError, match="99999 is not a US ZIP code"):
        find_place(tiny_store, "99999")


def test_a_customer_id_and_coordinates(tiny_store: Store) -> None:
    dan = find_place(tiny_store, "c4")
    assert (dan.lat, dan.lon, dan.label) == (5.0, 5.0, "customer c4")
    point = find_place(tiny_store, "39.7, -104.9")
    assert (point.lat, point.lon) == (39.7, -104.9)
    assert find_place(tiny_store, "39.7 -104.9") == point
    with pytest.raises(InputError, match="latitude 95 is not between -90 and 90"):
        find_place(tiny_store, "95, 10")
    with pytest.raises(InputError, match="customer c5 has no location"):
        find_place(tiny_store, "c5")


def test_an_unknown_place_says_what_to_write(tiny_store: Store) -> None:
    with pytest.raises(InputError) as raised:
        find_place(tiny_store, "Narnia")
    message = str(raised.value)
    assert message.startswith("no place called 'Narnia' is known.")
    assert "'Springfield, MO'" in message and "'10001'" in message
    with pytest.raises(InputError, match="no place called 'Denver' in ZZ is known"):
        find_place(tiny_store, "Denver, ZZ")
    with pytest.raises(InputError, match="no place given"):
        find_place(tiny_store, "   ")


def test_the_circle_selects_the_customers_within_its_radius(tiny_store: Store) -> None:
    # c1 (0.5, 0.5) and c3 (0.5, 1.0) are 28 km from (0.5, 0.75); p1 is 60 km, c2 83 km.
    circle = circle_around(tiny_store, "0.5, 0.75", 40)
    assert circle.kind == "circle" and circle.points == ((0.75, 0.5),)
    inside = select_customers(tiny_store, Filters(level="region", shapes=(circle,)))
    assert sorted(inside["customer_id"]) == ["c1", "c3"]
    with pytest.raises(InputError, match="radius search of -1 km around customer c4"):
        circle_around(tiny_store, "c4", -1)
