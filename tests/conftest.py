"""Shared fixtures: a tiny hand-made business in a fresh database."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.store import Store
from geo.territory_assignment import assign_customers
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
