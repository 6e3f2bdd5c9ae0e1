"""Shared fixtures: a tiny hand-made business in a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.places.level_assignment import assign_customers
from geo.store.duckdb_store import Store
from tests.tiny_business import tiny_areas, tiny_customers, tiny_sales


@pytest.fixture
def tiny_store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "tiny.duckdb")
    areas = tiny_areas()
    with store.transaction() as con:
        for _, level in areas.groupby("level"):
            store.replace_level(con, level)
        store.upsert_customers(con, tiny_customers())
        store.upsert_sales(con, tiny_sales())
    assign_customers(store)
    return store


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The small seeded demo business, in a database of its own for the whole run."""
    from tests.demo_fixture import build_small_demo

    return build_small_demo(tmp_path_factory.mktemp("demo"))
