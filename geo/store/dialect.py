"""The few SQL expressions that differ between database engines, one spec per engine.

Every query GeoCRM runs is written in the subset of SQL that DuckDB and PostgreSQL both
run (explicit ``GROUP BY``, date arithmetic, ``percentile_cont(...) WITHIN GROUP``,
``INTERVAL '3 months'``, ``CASE``). What no shared spelling exists for is asked of the
store's dialect, :attr:`geo.store.protocol.Store.dialect`. As in Superset's
``db_engine_specs``, the base spec holds what engines share and each engine's spec
overrides only the expressions it spells differently.

Every method takes and returns SQL text; arguments are SQL expressions (column names,
``?`` placeholders), never user input.
"""

from __future__ import annotations

from collections.abc import Sized
from typing import Any


def placeholders(values: Sized) -> str:
    """``?, ?, ?``: one bound parameter per value, in the syntax every dialect reads.

    ``NULL`` for no values, so that ``x IN (NULL)`` matches nothing (``IN ()`` is no SQL).
    """
    return ", ".join("?" * len(values)) if len(values) else "NULL"


class Dialect:
    """The base spec: what every supported engine shares, and what each must say itself."""

    #: The engine's name, as shown in messages and ``status``.
    name = "sql"
    #: The range of :meth:`stable_hash_of`: integers from ``hash_min`` up to (not including)
    #: ``hash_max``, of SQL type ``hash_type``.
    hash_min = 0
    hash_max = 2**64
    hash_type = "BIGINT"
    #: Statements run once when a database is opened for writing (extensions, settings).
    setup_statements: tuple[str, ...] = ()
    #: The column type of binary data (area geometries as WKB).
    binary_type = "BLOB"
    #: The schema that holds GeoCRM's tables (a scope's CTEs name the real tables by it).
    table_schema = "main"
    #: Indexes and derived columns the engine adds for speed (schema version 2).
    index_statements: tuple[str, ...] = ()
    #: Columns the engine derives itself (never written, never copied).
    derived_columns: frozenset[str] = frozenset()
    #: Whether the engine has database roles and row-level security, so that the
    #: database enforces a user's scope as well (schema version 6, geo.store.row_security).
    has_row_security = False
    #: Statements that refresh the planner's statistics after a bulk load (a server's
    #: planner guesses from them; without, a copied database's first queries are slow).
    statistics_statements: tuple[str, ...] = ()

    def fold_accents(self, expr: str) -> str:
        """``expr`` (text) without accents: 'Café' becomes 'Cafe'. Case is kept."""
        raise NotImplementedError

    def stable_hash_of(self, *exprs: str) -> str:
        """A hash of the values of ``exprs``, the same on every run and in every session,
        uniform over [hash_min, hash_max): the key of seeded samples and fingerprints."""
        raise NotImplementedError

    def hash_below(self, hashed: str, share: float) -> tuple[str, list[Any]]:
        """A condition (and its parameter) true for about ``share`` (0 to 1) of the rows,
        given ``hashed``, an expression of :meth:`stable_hash_of`: the cheap first cut of a
        seeded sample."""
        span = self.hash_max - self.hash_min
        threshold = min(self.hash_max - 1, self.hash_min + int(share * span))
        return f"{hashed} < CAST(? AS {self.hash_type})", [threshold]

    def round_number(self, expr: str, digits: int) -> str:
        """``expr`` (a floating-point number) rounded to ``digits`` decimals, still a float."""
        return f"round({expr}, {int(digits)})"


class DuckDBDialect(Dialect):
    """DuckDB 1.x: ``strip_accents`` and its 64-bit unsigned ``hash``."""

    name = "DuckDB"
    hash_type = "UBIGINT"

    def fold_accents(self, expr: str) -> str:
        return f"strip_accents({expr})"

    def stable_hash_of(self, *exprs: str) -> str:
        return f"hash({', '.join(exprs)})"


class PostgreSQLDialect(Dialect):
    """PostgreSQL 15 or later with PostGIS 3 (every subquery in FROM has an alias, which
    PostgreSQL before 16 requires).

    Accents are folded by the ``unaccent`` extension; the hash is the first 64 bits of the
    MD5 of the values joined by '|', read as a signed ``bigint``; ``round`` with a number
    of decimals exists only for ``numeric``. Areas and customers carry PostGIS geometries
    (EPSG:4326) that the database derives from the stored WKB and lon/lat, with GiST
    indexes, for spatial SQL beside the portable queries.
    """

    name = "PostgreSQL"
    hash_min = -(2**63)
    hash_max = 2**63
    hash_type = "BIGINT"
    setup_statements = (
        "CREATE EXTENSION IF NOT EXISTS unaccent",
        "CREATE EXTENSION IF NOT EXISTS postgis",
    )
    binary_type = "BYTEA"
    table_schema = "public"
    index_statements = (
        "ALTER TABLE areas ADD COLUMN IF NOT EXISTS geom geometry(Geometry, 4326) "
        "GENERATED ALWAYS AS (ST_GeomFromWKB(geometry, 4326)) STORED",
        "CREATE INDEX IF NOT EXISTS areas_geom ON areas USING gist (geom)",
        "ALTER TABLE customers ADD COLUMN IF NOT EXISTS geom geometry(Point, 4326) "
        "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED",
        "CREATE INDEX IF NOT EXISTS customers_geom ON customers USING gist (geom)",
        "CREATE INDEX IF NOT EXISTS sales_order ON sales (order_id)",
        "CREATE INDEX IF NOT EXISTS sales_customer ON sales (customer_id)",
        "CREATE INDEX IF NOT EXISTS orders_customer ON orders (customer_id)",
        "CREATE INDEX IF NOT EXISTS assignments_customer ON assignments (customer_id, level)",
        "CREATE INDEX IF NOT EXISTS assignments_area ON assignments (level, area_id)",
        "CREATE INDEX IF NOT EXISTS areas_level ON areas (level)",
    )
    derived_columns = frozenset({"geom"})
    has_row_security = True
    statistics_statements = ("ANALYZE",)

    def fold_accents(self, expr: str) -> str:
        return f"unaccent({expr})"

    def stable_hash_of(self, *exprs: str) -> str:
        joined = f"concat_ws('|', {', '.join(exprs)})"
        return f"CAST(CAST('x' || substr(md5({joined}), 1, 16) AS BIT(64)) AS BIGINT)"

    def round_number(self, expr: str, digits: int) -> str:
        return f"CAST(round(CAST({expr} AS NUMERIC), {int(digits)}) AS DOUBLE PRECISION)"


DUCKDB = DuckDBDialect()
POSTGRESQL = PostgreSQLDialect()
