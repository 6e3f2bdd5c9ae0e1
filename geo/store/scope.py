"""What one user may see, applied by the store to every read of customer data.

A :class:`Scope` is either everything or the areas of one level (a rep's territories, a
manager's states). Restricted, a reader sees:

- the customers located in one of those areas (``in_area`` at the scope's level); customers
  outside all areas or without a location belong to no region and are not seen;
- their sales, orders, scores and area assignments, at every level;
- the scope's areas, the areas inside them (their descendants through ``parent_id``, up to
  :data:`ANCESTOR_STEPS` levels down) and the areas that hold them (their ancestors).

The store applies a scope to a query by prefixing it with common table expressions that
shadow the customer tables by their visible rows (``WITH customers AS (SELECT ... FROM
main.customers WHERE ...)``); DuckDB and PostgreSQL both resolve a table name to a CTE of
that name first, anywhere in the statement, so the query's own text is unchanged and no
reader can forget the restriction. A scope with no areas sees nothing: access is denied by
default, never widened by an empty list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from geo.store.dialect import placeholders

#: How many ``parent_id`` steps separate the finest level from the coarsest
#: (county -> state -> division -> country).
ANCESTOR_STEPS = 3
#: The tables whose rows a scope narrows; every other table (import and export logs, meta,
#: saved segment definitions) holds no customer data.
SCOPED_TABLES = ("customers", "sales", "orders", "customer_scores", "assignments", "areas")

_LEADING_WITH = re.compile(r"^\s*WITH\s+(RECURSIVE\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Scope:
    """The areas of one level a user may see, or everything (``level`` None)."""

    level: str | None = None
    area_ids: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def everything(cls) -> Scope:
        """No restriction: every customer, inside areas or not."""
        return cls()

    @classmethod
    def of_areas(cls, level: str, area_ids: Sequence[str]) -> Scope:
        """Only the customers in these areas of ``level`` (none given: nothing at all)."""
        if not level:
            raise ValueError("a restricted scope needs the level of its areas")
        return cls(level, tuple(sorted(set(area_ids))))

    @property
    def sees_everything(self) -> bool:
        return self.level is None

    def describe(self) -> str:
        """In words, for a page's caption: "all data" or "3 areas of level territory"."""
        if self.sees_everything:
            return "all data"
        count = len(self.area_ids)
        return f"{count} area{'s' if count != 1 else ''} of level {self.level}"


EVERYTHING = Scope.everything()


def scope_ctes(scope: Scope, schema: str = "main") -> tuple[str, list[Any]]:
    """The common table expressions that shadow :data:`SCOPED_TABLES`, and their parameters.

    ``schema`` qualifies the real tables (DuckDB's ``main``, PostgreSQL's ``public``) so that
    each CTE reads the table it shadows, not itself. Empty for a scope that sees everything.
    """
    if scope.sees_everything:
        return "", []
    t = {name: f"{schema}.{name}" for name in SCOPED_TABLES}
    ids = placeholders(scope.area_ids)
    # Ancestors and descendants through parent_id, a fixed number of steps (portable SQL:
    # no recursive CTE, which would force WITH RECURSIVE onto every scoped query).
    down = [f"SELECT area_id FROM {t['areas']} WHERE level = ? AND area_id IN ({ids})"]
    for _ in range(ANCESTOR_STEPS):
        down.append(f"SELECT area_id FROM {t['areas']} WHERE parent_id IN ({down[-1]})")
    up = [f"SELECT parent_id FROM {t['areas']} WHERE level = ? AND area_id IN ({ids})"]
    for _ in range(ANCESTOR_STEPS - 1):
        up.append(f"SELECT parent_id FROM {t['areas']} WHERE area_id IN ({up[-1]})")
    area_parts = down + up
    area_params: list[Any] = []
    for _ in area_parts:
        area_params += [scope.level, *scope.area_ids]
    visible_ids = (
        f"SELECT customer_id FROM {t['assignments']} WHERE level = ? "
        f"AND location_status = 'in_area' AND area_id IN ({ids})"
    )
    ids_params: list[Any] = [scope.level, *scope.area_ids]
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
    return ",\n".join(ctes), ids_params + area_params


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
