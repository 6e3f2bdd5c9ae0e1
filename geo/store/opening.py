"""The store a location names: the embedded DuckDB file, or a PostgreSQL server.

The one place that chooses an engine, so nothing else in GeoCRM changes with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.store.locations import is_server_url, resolve_location
from geo.store.protocol import Store


def store_at(location: str) -> Store:
    """The store at ``location`` as it is (cheap; no schema upgrade): for cached reads
    of a store opened before."""
    if is_server_url(location):
        from geo.store.postgres_store import PostgreSQLStore

        return PostgreSQLStore(location)
    from geo.store.duckdb_store import DuckDBStore

    return DuckDBStore(Path(location))


def open_store(location: str | os.PathLike[str] | None = None, *, create: bool = True) -> Store:
    """The store at ``location`` (``--db``; else ``GEOCRM_DB``; else the default file),
    its schema brought up to date. A missing file is created unless ``create`` is False
    (then :class:`geo.errors.MissingDatabaseError`)."""
    resolved = resolve_location(location)
    if is_server_url(resolved):
        from geo.store.postgres_store import PostgreSQLStore

        return PostgreSQLStore.open(resolved, create=create)
    from geo.store.duckdb_store import DuckDBStore

    return DuckDBStore.open(resolved, create=create)
