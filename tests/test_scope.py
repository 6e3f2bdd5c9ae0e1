"""A scope shadows the customer tables: every query sees only the rows of its areas."""

from __future__ import annotations

import pytest

from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope, apply_scope


def rows(store: Store, sql: str, scope: Scope, params: list[object] | None = None) -> list[tuple]:
    scoped, all_params = apply_scope(sql, params, scope, store.dialect.table_schema)
    return [tuple(r) for r in store.query(scoped, all_params).itertuples(index=False)]


def test_everything_leaves_the_query_alone() -> None:
    assert apply_scope("SELECT 1", [2], EVERYTHING) == ("SELECT 1", [2])


def test_a_county_scope_sees_its_customers_their_sales_and_the_areas_around_it(
    tiny_store: Store,
) -> None:
    alpha = Scope.of_areas("county", ["A"])
    # c1 is in A, c3 is on the A|B edge and assigned to A; c2, p1, p2 are in B; c4 is
    # outside every area and c5 has no location: neither belongs to a region.
    assert rows(tiny_store, "SELECT customer_id FROM customers ORDER BY 1", alpha) == [
        ("c1",),
        ("c3",),
    ]
    everyone = rows(tiny_store, "SELECT count(*) FROM customers", EVERYTHING)
    assert everyone == [(7,)]
    # Sales and orders of hidden customers are hidden too, also without a join.
    assert rows(tiny_store, "SELECT sum(amount) FROM sales", alpha) == [(175.0,)]
    assert rows(tiny_store, "SELECT count(*) FROM orders", alpha) == [(3,)]
    # Its own area and the region holding it; not its neighbour B.
    assert rows(tiny_store, "SELECT area_id FROM areas ORDER BY 1", alpha) == [("A",), ("R",)]
    # Assignments of visible customers only, at every level.
    assert rows(tiny_store, "SELECT DISTINCT customer_id FROM assignments ORDER BY 1", alpha) == [
        ("c1",),
        ("c3",),
    ]


def test_a_region_scope_sees_the_areas_inside_it(tiny_store: Store) -> None:
    region = Scope.of_areas("region", ["R"])
    assert rows(tiny_store, "SELECT area_id FROM areas ORDER BY 1", region) == [
        ("A",),
        ("B",),
        ("R",),
    ]
    assert rows(tiny_store, "SELECT count(*) FROM customers", region) == [(5,)]


def test_the_query_keeps_its_own_with_list_subqueries_and_parameters(tiny_store: Store) -> None:
    alpha = Scope.of_areas("county", ["A"])
    sql = (
        "WITH big AS (SELECT customer_id FROM sales WHERE amount >= ?) "
        "SELECT c.customer_id FROM customers c "
        "WHERE c.customer_id IN (SELECT customer_id FROM big) "
        "AND c.kind = ? ORDER BY 1"
    )
    assert rows(tiny_store, sql, EVERYTHING, [50, "customer"]) == [("c1",), ("c2",)]
    assert rows(tiny_store, sql, alpha, [50, "customer"]) == [("c1",)]


def test_a_scope_without_areas_sees_nothing(tiny_store: Store) -> None:
    nobody = Scope.of_areas("county", [])
    assert rows(tiny_store, "SELECT count(*) FROM customers", nobody) == [(0,)]
    assert rows(tiny_store, "SELECT count(*) FROM areas", nobody) == [(0,)]
    assert nobody.describe() == "0 areas"
    with pytest.raises(ValueError, match="level"):
        Scope.of_areas("", ["A"])


def test_areas_of_several_levels_open_each_area_and_what_is_inside_it(tiny_store: Store) -> None:
    # County A of region R, and county B on its own: every customer in either.
    both = Scope.of_grants([("county", "A"), ("county", "B")])
    mixed = Scope.of_grants([("county", "A"), ("region", "R")])
    assert rows(tiny_store, "SELECT count(*) FROM customers", both) == [(5,)]
    assert rows(tiny_store, "SELECT count(*) FROM customers", mixed) == [(5,)]
    assert rows(tiny_store, "SELECT area_id FROM areas ORDER BY 1", mixed) == [
        ("A",),
        ("B",),
        ("R",),
    ]
    assert mixed.describe() == "2 areas (county, region)"
    # Nothing but the grants counts: the order and repeats of the list do not.
    assert Scope.of_grants([("county", "B"), ("county", "A"), ("county", "A")]) == both


def test_narrowing_never_widens() -> None:
    a = Scope.of_areas("county", ["A"])
    ab = Scope.of_areas("county", ["A", "B"])
    assert EVERYTHING.narrowed_by(a) == a and a.narrowed_by(EVERYTHING) == a
    assert ab.narrowed_by(a) == a and a.narrowed_by(ab) == a
    assert a.narrowed_by(Scope.of_areas("county", ["B"])) == Scope.nothing()
    assert Scope.nothing().narrowed_by(EVERYTHING) == Scope.nothing()
    assert Scope.nothing().describe() == "0 areas"


def test_a_restricted_reader_finds_the_rollups_empty(tiny_store: Store) -> None:
    alpha = Scope.of_areas("county", ["A"])
    assert rows(tiny_store, "SELECT count(*) FROM rollup_state", EVERYTHING) != [(0,)]
    assert rows(tiny_store, "SELECT count(*) FROM rollup_state", alpha) == [(0,)]
    assert rows(tiny_store, "SELECT count(*) FROM rollup_people", alpha) == [(0,)]
