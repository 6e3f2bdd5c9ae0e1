"""Throwaway databases on a PostgreSQL server, for benchmarks that need one of their own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from geo.store.locations import with_database


def server_url() -> str | None:
    """The PostgreSQL server benchmarks may use (any database on it), or None."""
    return os.environ.get("GEOCRM_TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or None


@contextmanager
def throwaway_database(server: str, prefix: str) -> Iterator[str]:
    """The URL of a new, empty database on ``server`` named ``prefix`` and a random
    suffix; this process's connections to it are closed and it is dropped afterwards."""
    import psycopg

    from geo.store.postgres_store import close_pool

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin_url = with_database(server, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = with_database(server, name)
    try:
        yield url
    finally:
        close_pool(url)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
