"""What one user may see, applied by the store to every read of customer data.

A :class:`Scope` is either everything or a list of areas, each of any level (a rep's
territories, a manager's states and one county of another state). Restricted, a reader
sees:

- the customers located in one of those areas (``in_area`` at that area's level);
  customers outside all areas or without a location belong to no region and are not seen;
- their sales, orders, scores and area assignments, at every level;
- the scope's areas, the areas inside them (their descendants through ``parent_id``, up to
  :data:`ANCESTOR_STEPS` levels down) and the areas that hold them (their ancestors);
- no roll-up: the pre-aggregated cells sum every customer of an area, so a restricted
  reader finds them empty and every figure is computed from the rows it sees.

The store applies a scope to a query by prefixing it with common table expressions that
shadow the customer tables by their visible rows (``WITH customers AS (SELECT ... FROM
main.customers WHERE ...)``); DuckDB and PostgreSQL both resolve a table name to a CTE of
that name first, anywhere in the statement, so the query's own text is unchanged and no
reader can forget the restriction. A scope with no areas sees nothing: access is denied by
default, never widened by an empty list.

A scope may also name the user it was made for (:attr:`Scope.user`, the lower-case
email). That changes none of the rows the CTEs let through; it tells a server store
whose database enforces the same scope itself (row-level security on PostgreSQL, see
:mod:`geo.store.row_security`) whom to read as, so that every read passes both lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from geo.store.dialect import placeholders

#: How many ``parent_id`` steps separate the finest level from the coarsest
#: (county -> state -> division -> country).
ANCESTOR_STEPS = 3
#: The tables whose rows a scope narrows; every other table (import and export logs, meta,
#: users, saved segment definitions) holds no customer data.
SCOPED_TABLES = ("customers", "sales", "orders", "customer_scores", "assignments", "areas")
#: Territory design (schema version 7): saved what-if scenarios and the dated history of
#: which territory and owner held each unit (geo.territories). No customer data: a scope
#: reads them whole.
TERRITORY_TABLES = ("scenarios", "scenario_units", "scenario_territories", "alignment_history")
#: Import batches (schema version 8): the stored rows each import replaced, kept so that
#: it can be undone (geo.store.import_batches). Customer data no scope narrows: only a
#: reader who sees everything reads them.
BATCH_TABLES = ("batch_customers", "batch_sales", "batch_areas")
#: Corrections (schema version 9): locations fixed by hand (geo.store.location_fixes) and
#: merged customers (geo.store.customer_merges). Customer data no scope narrows, like the
#: import batches.
FIX_TABLES = ("location_fixes", "customer_merges")
#: Pre-aggregated tables (geo.store.rollups) that a restricted scope sees empty.
HIDDEN_TABLES = (
    "rollup_people",
    "rollup_sales_days",
    "rollup_sales_months",
    "rollup_area_days",
    "rollup_area_months",
    "rollup_state",
)

_LEADING_WITH = re.compile(r"^\s*WITH\s+(RECURSIVE\s+)?", re.IGNORECASE)

#: One area a scope opens: (level, area_id).
Grant = tuple[str, str]


@dataclass(frozen=True)
class Scope:
    """The areas a user may see (``grants``, each (level, area_id)), or everything; and
    the user it was made for (``user``, the lower-case email; None for the command line,
    imports and a machine without login)."""

    restricted: bool = False
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    # Not compared: two scopes of the same areas see the same rows, whoever they are for.
    user: str | None = field(default=None, compare=False)

    @classmethod
    def everything(cls) -> Scope:
        """No restriction: every customer, inside areas or not."""
        return cls()

    @classmethod
    def nothing(cls) -> Scope:
        """No area: nothing at all (what a user without a role, or a failed check, gets)."""
        return cls(True, ())

    @classmethod
    def of_areas(cls, level: str, area_ids: Sequence[str]) -> Scope:
        """Only the customers in these areas of ``level`` (none given: nothing at all)."""
        if not level:
            raise ValueError("a restricted scope needs the level of its areas")
        return cls.of_grants((level, str(a)) for a in area_ids)

    @classmethod
    def of_grants(cls, grants: Iterable[Grant]) -> Scope:
        """Only the customers in these (level, area_id) areas, of any levels."""
        unique = sorted({(str(level), str(area)) for level, area in grants})
        if any(not level for level, _ in unique):
            raise ValueError("a restricted scope needs the level of its areas")
        return cls(True, tuple(unique))

    def for_user(self, email: str | None) -> Scope:
        """This scope, made for the user ``email`` (the same rows)."""
        return replace(self, user=email)

    @property
    def sees_everything(self) -> bool:
        return not self.restricted

    def area_ids_by_level(self) -> dict[str, tuple[str, ...]]:
        """The scope's area IDs per level, in order."""
        by_level: dict[str, list[str]] = {}
        for level, area in self.grants:
            by_level.setdefault(level, []).append(area)
        return {level: tuple(ids) for level, ids in by_level.items()}

    def narrowed_by(self, other: Scope) -> Scope:
        """What both this scope and ``other`` allow, never more than either.

        Everything narrowed by a scope is that scope; two restricted scopes keep the areas
        they both name (a safe under-approximation when they name different levels). The
        user is this scope's, else ``other``'s.
        """
        user = self.user or other.user
        if other.sees_everything or other == self:
            return self.for_user(user)
        if self.sees_everything:
            return other.for_user(user)
        return Scope(True, tuple(g for g in self.grants if g in set(other.grants)), user)

    def describe(self) -> str:
        """In words, for a page's caption: "all data", "3 areas of level territory" or
        "4 areas (state, county)"."""
        if self.sees_everything:
            return "all data"
        count = len(self.grants)
        by_level = self.area_ids_by_level()
        noun = f"area{'s' if count != 1 else ''}"
        if len(by_level) == 1:
            return f"{count} {noun} of level {next(iter(by_level))}"
        if not by_level:
            return "0 areas"
        return f"{count} {noun} ({', '.join(by_level)})"


EVERYTHING = Scope.everything()


def _in_grants(scope: Scope, table: str, level_column: str = "level") -> tuple[str, list[Any]]:
    """A condition on ``table``'s rows: their (level, area_id) is one of the scope's."""
    by_level = scope.area_ids_by_level()
    if not by_level:
        return "FALSE", []
    parts, params = [], []
    for level, ids in by_level.items():
        parts.append(f"({table}.{level_column} = ? AND {table}.area_id IN ({placeholders(ids)}))")
        params += [level, *ids]
    return "(" + " OR ".join(parts) + ")", params


def scope_ctes(scope: Scope, schema: str = "main") -> tuple[str, list[Any]]:
    """The common table expressions that shadow :data:`SCOPED_TABLES` (and hide
    :data:`HIDDEN_TABLES`, :data:`BATCH_TABLES` and :data:`FIX_TABLES`), and their
    parameters.

    ``schema`` qualifies the real tables (DuckDB's ``main``, PostgreSQL's ``public``) so that
    each CTE reads the table it shadows, not itself. Empty for a scope that sees everything.
    """
    if scope.sees_everything:
        return "", []
    hidden = (*HIDDEN_TABLES, *BATCH_TABLES, *FIX_TABLES)
    t = {name: f"{schema}.{name}" for name in (*SCOPED_TABLES, *hidden)}
    granted, granted_params = _in_grants(scope, "g")
    # Ancestors and descendants through parent_id, a fixed number of steps (portable SQL:
    # no recursive CTE, which would force WITH RECURSIVE onto every scoped query).
    own = f"SELECT g.area_id FROM {t['areas']} AS g WHERE {granted}"
    down = [own]
    for _ in range(ANCESTOR_STEPS):
        down.append(f"SELECT area_id FROM {t['areas']} WHERE parent_id IN ({down[-1]})")
    up = [f"SELECT g.parent_id FROM {t['areas']} AS g WHERE {granted}"]
    for _ in range(ANCESTOR_STEPS - 1):
        up.append(f"SELECT parent_id FROM {t['areas']} WHERE area_id IN ({up[-1]})")
    area_parts = down + up
    area_params: list[Any] = []
    for _ in area_parts:
        area_params += granted_params
    visible_ids = (
        f"SELECT g.customer_id FROM {t['assignments']} AS g "
        f"WHERE g.location_status = 'in_area' AND {granted}"
    )
    ctes = [
        f"scope_customer_ids AS ({visible_ids})",
        f"customers AS (SELECT * FROM {t['customers']} "
        "WHERE customer_id IN (SELECT customer_id FROM scope_customer_ids))",
    ]
    for name in ("sales", "orders", "customer_scores", "assignments"):
        ctes.append(
            f"{name} AS (SELECT * FROM {t[name]} "
            "WHERE customer_id IN (SELECT customer_id FROM scope_customer_ids))"
        )
    ctes.append(
        f"areas AS (SELECT * FROM {t['areas']} WHERE area_id IN ("
        + " UNION ".join(area_parts)
        + "))"
    )
    ctes += [f"{name} AS (SELECT * FROM {t[name]} WHERE FALSE)" for name in hidden]
    return ",\n".join(ctes), granted_params + area_params


def apply_scope(
    sql: str, params: Sequence[Any] | None, scope: Scope, schema: str = "main"
) -> tuple[str, list[Any]]:
    """``sql`` and its positional parameters as ``scope`` sees them (unchanged for everything).

    The scope's CTEs come first; a query that has a ``WITH`` list of its own keeps it, after
    them, so its names may use the shadowed tables.
    """
    ctes, scope_params = scope_ctes(scope, schema)
    if not ctes:
        return sql, list(params or [])
    match = _LEADING_WITH.match(sql)
    if match:
        recursive = "RECURSIVE " if match.group(1) else ""
        scoped = f"WITH {recursive}{ctes},\n{sql[match.end() :]}"
    else:
        scoped = f"WITH {ctes}\n{sql}"
    return scoped, scope_params + list(params or [])
