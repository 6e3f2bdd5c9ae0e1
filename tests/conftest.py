"""Shared fixtures: a tiny hand-made business in a fresh database."""

from __future__ import annotations

import shutil
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


@pytest.fixture
def demo_db(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The shared demo database as the one the app opens (for tests that only read it)."""
    monkeypatch.setenv("GEOCRM_DB", str(demo_store.path))
    return demo_store


@pytest.fixture
def demo_copy(demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A copy of the demo database of this test's own, which the app opens too: for a test
    that writes, so the shared one stays as it was however the test ends."""
    copy = tmp_path / "demo-copy.duckdb"
    shutil.copyfile(demo_store.path, copy)
    journal = demo_store.path.with_name(demo_store.path.name + ".wal")
    if journal.exists():  # written but not yet checkpointed: part of the database
        shutil.copyfile(journal, copy.with_name(copy.name + ".wal"))
    monkeypatch.setenv("GEOCRM_DB", str(copy))
    return Store.open(copy)
