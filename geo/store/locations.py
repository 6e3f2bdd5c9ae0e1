"""Where a GeoCRM database lives: an embedded DuckDB file, or a PostgreSQL server.

A location is text: ``postgresql://user@host:port/db`` (or ``postgres://``) names a
PostgreSQL/PostGIS database; anything else is the path of a DuckDB file. ``--db`` on the
command line, else ``GEOCRM_DB``, else ``data/geocrm.duckdb`` of the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from geo.shipped_files import DEFAULT_WORK_DIR

#: The database unless ``--db`` or ``GEOCRM_DB`` name another (never inside the package).
DEFAULT_DB = DEFAULT_WORK_DIR / "geocrm.duckdb"
#: The schemes that name a PostgreSQL server rather than a file.
SERVER_SCHEMES = ("postgresql", "postgres")


def resolve_location(explicit: str | os.PathLike[str] | None = None) -> str:
    """The database: ``explicit`` (``--db``) if given, else ``GEOCRM_DB``, else the default
    file. Paths come back as given (relative ones are relative to the working folder)."""
    if explicit:
        return os.fspath(explicit)
    return os.environ.get("GEOCRM_DB") or str(DEFAULT_DB)


def resolve_db_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file of :func:`resolve_location` (for a file location only)."""
    return Path(resolve_location(explicit))


def is_server_url(location: str) -> bool:
    """Whether ``location`` names a PostgreSQL server (``postgresql://...``)."""
    return urlsplit(location).scheme.lower() in SERVER_SCHEMES and "://" in location


def shown_location(location: str) -> str:
    """``location`` as it may be shown to a person: a server URL without its password and
    query options; a file by its name only (never a path of the server's disk)."""
    if not is_server_url(location):
        return Path(location).name
    parts = urlsplit(location)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def server_work_dir() -> Path:
    """The folder of uploads and exports of a server database (which has no file to keep
    them beside): ``GEOCRM_WORK_DIR``, else the checkout's ``data/``."""
    return Path(os.environ.get("GEOCRM_WORK_DIR") or DEFAULT_WORK_DIR)


def with_database(url: str, database: str) -> str:
    """The server URL ``url`` naming the database ``database`` instead (its user, host,
    port and options kept)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))
