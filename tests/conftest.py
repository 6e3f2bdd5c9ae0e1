"""Shared fixtures: a tiny hand-made business and the small demo, each on both stores
(the embedded DuckDB file and a PostgreSQL database; see :mod:`tests.stores`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.places.level_assignment import assign_customers
from geo.store.copying import copy_database
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from tests.stores import ENGINES, copy_of, empty_store, postgres_database
from tests.tiny_business import MESSY, tiny_areas, tiny_customers, tiny_sales


def fill_tiny_business(store: Store) -> Store:
    areas = tiny_areas()
    with store.transaction() as con:
        for _, level in areas.groupby("level"):
            store.replace_level(con, level)
        store.upsert_customers(con, tiny_customers())
        store.upsert_sales(con, tiny_sales())
    assign_customers(store)
    return store


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each store engine in turn."""
    return str(request.param)


@pytest.fixture
def new_store(engine: str, tmp_path: Path) -> Iterator[Store]:
    """An empty store of this test's own, on each engine."""
    with empty_store(engine, tmp_path) as store:
        yield store


@pytest.fixture
def tiny_store(new_store: Store) -> Store:
    """The tiny business (tests/tiny_business.py), on each engine."""
    return fill_tiny_business(new_store)


@pytest.fixture
def messy(tiny_store: Store, tmp_path: Path) -> Store:
    """The tiny business with a messy customer file imported (tests/tiny_business.MESSY):
    probable duplicates, an unknown postcode and a point at sea."""
    from geo.imports.runner import import_customers_file

    path = tmp_path / "messy.csv"
    path.write_text(MESSY)
    import_customers_file(tiny_store, path)
    return tiny_store


@pytest.fixture
def tiny_file_store(tmp_path: Path) -> DuckDBStore:
    """The tiny business in a DuckDB file: for what only a file has (its path, its journal,
    its permissions)."""
    store = DuckDBStore.open(tmp_path / "tiny.duckdb")
    fill_tiny_business(store)
    return store


@pytest.fixture(scope="session")
def demo_file_store(tmp_path_factory: pytest.TempPathFactory) -> DuckDBStore:
    """The small seeded demo business in a DuckDB file of its own for the whole run."""
    from tests.demo_fixture import build_small_demo

    return build_small_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session", params=ENGINES)
def demo_store(request: pytest.FixtureRequest, demo_file_store: DuckDBStore) -> Iterator[Store]:
    """The small demo business, for the whole run, on each engine (the server's a copy of
    the file's, so both hold exactly the same rows)."""
    if request.param == "duckdb":
        yield demo_file_store
        return
    from geo.store.postgres_store import PostgreSQLStore

    with postgres_database() as url:
        store = PostgreSQLStore.open(url)
        copy_database(demo_file_store, store)
        yield store


@pytest.fixture
def demo_db(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The shared demo database as the one the app opens (for tests that only read it)."""
    monkeypatch.setenv("GEOCRM_DB", demo_store.location)
    return demo_store


@pytest.fixture
def demo_copy(
    demo_store: Store,
    demo_file_store: DuckDBStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Store]:
    """A copy of the demo database of this test's own, which the app opens too: for a test
    that writes, so the shared one stays as it was however the test ends."""
    engine = "duckdb" if isinstance(demo_store, DuckDBStore) else "postgresql"
    with copy_of(demo_file_store, engine, tmp_path) as store:
        monkeypatch.setenv("GEOCRM_DB", store.location)
        yield store
