"""The two stores every store-backed test runs on: the embedded DuckDB file, and a
PostgreSQL/PostGIS database of the test's own on the server named by
``GEOCRM_TEST_DATABASE_URL`` (else ``DATABASE_URL``; ``.ci/run`` starts one on 127.0.0.1).

Without a server, the PostgreSQL half is skipped on a developer's machine and fails in CI
(``CI=true``), so a missing server can never pass unnoticed.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from geo.store.duckdb_store import DuckDBStore
from geo.store.locations import with_database
from geo.store.protocol import Store

#: The engines a store fixture is parametrised over, as they appear in test IDs.
ENGINES = ("duckdb", "postgresql")
#: The database every test database is cloned from (PostGIS and unaccent installed once).
TEMPLATE = "geocrm_test_template"


def server_url() -> str | None:
    """The test server's URL (any database on it), or None."""
    return os.environ.get("GEOCRM_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or None


def require_server() -> str:
    """The server's URL; skips the test without one (fails under CI=true)."""
    url = server_url()
    if url:
        return url
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("no PostgreSQL server for the tests: set GEOCRM_TEST_DATABASE_URL")
    pytest.skip("no PostgreSQL server (set GEOCRM_TEST_DATABASE_URL to run the team store)")


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def _ensure_template(url: str) -> None:
    with _admin(url) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TEMPLATE]).fetchone():
            return
        try:
            admin.execute(f"CREATE DATABASE {TEMPLATE}")
        except Exception:  # another test process made it meanwhile
            return
    import psycopg

    with psycopg.connect(with_database(url, TEMPLATE), autocommit=True) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        con.execute("CREATE EXTENSION IF NOT EXISTS unaccent")


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty database on the test server, dropped afterwards."""
    url = require_server()
    _ensure_template(url)
    name = f"geocrm_test_{uuid.uuid4().hex[:12]}"
    with _admin(url) as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    database = with_database(url, name)
    try:
        yield database
    finally:
        from geo.store.postgres_store import close_pool

        close_pool(database)
        with _admin(url) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def empty_store(engine: str, folder: Path, name: str = "store") -> Iterator[Store]:
    """A new, empty store of ``engine``: a file in ``folder``, or a server database."""
    if engine == "duckdb":
        yield DuckDBStore.open(folder / f"{name}.duckdb")
        return
    from geo.store.postgres_store import PostgreSQLStore

    with postgres_database() as url:
        yield PostgreSQLStore.open(url)


@contextmanager
def read_only(store: Store) -> Iterator[Store]:
    """``store`` as a process that may not write it sees it: a file without write
    permission, or a server session whose transactions are read-only."""
    if isinstance(store, DuckDBStore):
        store.path.chmod(0o444)
        try:
            yield store
        finally:
            store.path.chmod(0o644)
        return
    from geo.store.postgres_store import PostgreSQLStore, close_pool

    joiner = "&" if "?" in store.location else "?"
    url = f"{store.location}{joiner}options=-c%20default_transaction_read_only%3Don"
    try:
        yield PostgreSQLStore(url)
    finally:
        close_pool(url)


@contextmanager
def copy_of(source: Store, engine: str, folder: Path) -> Iterator[Store]:
    """A copy of ``source`` of one's own on ``engine``: a file copied whole (with its
    journal), or a new server database filled by :func:`geo.store.copying.copy_database`."""
    if engine == "duckdb" and isinstance(source, DuckDBStore):
        import shutil

        copy = folder / "copy.duckdb"
        shutil.copyfile(source.path, copy)
        journal = source.path.with_name(source.path.name + ".wal")
        if journal.exists():  # written but not yet checkpointed: part of the database
            shutil.copyfile(journal, copy.with_name(copy.name + ".wal"))
        yield DuckDBStore.open(copy)
        return
    from geo.store.copying import copy_database

    with empty_store(engine, folder, "copy") as store:
        copy_database(source, store)
        yield store
