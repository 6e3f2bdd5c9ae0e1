from __future__ import annotations

import pytest

from geo.errors import InputError
from geo.store import Store
from tests.tiny_business import tiny_areas, tiny_customers


def _snapshot(store: Store) -> dict[str, object]:
    return {
        "counts": store.table_counts(),
        "customers": store.query("SELECT * FROM customers ORDER BY customer_id").to_json(
            date_format="iso"
        ),
        "version": store.data_version(),
    }


def test_levels_are_ordered_coarse_to_fine_by_parent_links(tiny_store: Store) -> None:
    assert tiny_store.levels() == ["region", "county"]


def test_areas_round_trip_with_geometry(tiny_store: Store) -> None:
    areas = tiny_store.load_areas("county")
    assert areas["area_id"].tolist() == ["A", "B"]
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.bounds.values.tolist() == [[0, 0, 1, 1], [1, 0, 2, 1]]


def test_failed_transaction_leaves_database_exactly_as_it_was(tiny_store: Store) -> None:
    before = _snapshot(tiny_store)
    changed = tiny_customers().assign(name="changed")
    with pytest.raises(RuntimeError), tiny_store.transaction() as con:
        tiny_store.upsert_customers(con, changed)
        tiny_store.bump_data_version(con)
        raise RuntimeError("failure half-way through an import")
    assert _snapshot(tiny_store) == before


def test_upsert_replaces_same_ids_and_keeps_others(tiny_store: Store) -> None:
    again = tiny_customers().head(2).assign(name=["Ann", "Bob"])
    with tiny_store.transaction() as con:
        tiny_store.upsert_customers(con, again)
    names = tiny_store.query("SELECT customer_id, name FROM customers ORDER BY customer_id")
    assert len(names) == 7
    assert names.set_index("customer_id").loc["c1", "name"] == "Ann"


def test_area_id_used_by_another_level_is_refused(tiny_store: Store) -> None:
    clash = tiny_areas().iloc[[1]].assign(level="district")
    before = _snapshot(tiny_store)
    with (
        pytest.raises(InputError, match="already used at level 'county'"),
        tiny_store.transaction() as con,
    ):
        tiny_store.replace_level(con, clash)
    assert _snapshot(tiny_store) == before


def test_data_version_increases_with_each_write(tiny_store: Store) -> None:
    first = tiny_store.data_version()
    with tiny_store.transaction() as con:
        tiny_store.bump_data_version(con)
    assert tiny_store.data_version() == first + 1
