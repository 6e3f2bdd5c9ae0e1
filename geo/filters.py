"""The filters every view shares: the same filters give the same rows everywhere.

The map, the area table, the exports and the command line all select customers through
:func:`geo.customer_selection.selection_sql` with one :class:`Filters` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from geo.schema import KINDS


@dataclass(frozen=True)
class Filters:
    """What to look at.

    ``level`` is the area level customers are grouped by (``None``: no area grouping).
    ``area_ids`` limits to customers located in those areas of ``level`` (empty: no limit,
    which keeps customers outside all areas and without a location too).
    ``kind`` is ``customer``, ``prospect`` or ``None`` for both. ``owners`` limits to those
    owners (a customer without an owner takes its area's owner). ``date_from``/``date_to``
    (inclusive calendar dates) bound the sales that count for orders and sales amounts.
    """

    level: str | None = None
    area_ids: tuple[str, ...] = field(default_factory=tuple)
    kind: str | None = None
    owners: tuple[str, ...] = field(default_factory=tuple)
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date range is empty: {self.date_from} is after {self.date_to}")

    def with_level(self, level: str | None) -> Filters:
        """The same filters at another level; an area choice does not carry across levels."""
        return replace(self, level=level, area_ids=() if level != self.level else self.area_ids)

    def to_query(self) -> dict[str, list[str]]:
        """The filters as URL query parameters (a shareable link); empty ones left out."""
        params = {
            "level": [self.level] if self.level else [],
            "area": list(self.area_ids),
            "kind": [self.kind] if self.kind else [],
            "owner": list(self.owners),
            "from": [self.date_from.isoformat()] if self.date_from else [],
            "to": [self.date_to.isoformat()] if self.date_to else [],
        }
        return {k: v for k, v in params.items() if v}

    def describe(self, area_names: Mapping[str, str] | None = None) -> str:
        """A sentence a marketer can read, e.g. 'Customers in 2 states: Ohio, Iowa, sales …'.

        ``area_names`` (area_id -> name) lets the sentence name the areas.
        """
        who = {None: "Customers and prospects", "customer": "Customers", "prospect": "Prospects"}[
            self.kind
        ]
        parts = [who]
        if self.area_ids:
            names = [(area_names or {}).get(a, a) for a in self.area_ids]
            shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
            unit = self.level or "area"
            parts.append(f"in {len(names)} {unit}{'s' if len(names) > 1 else ''}: {shown}")
        elif self.level:
            parts.append(f"by {self.level}")
        if self.owners:
            parts.append("owned by " + ", ".join(self.owners))
        if self.date_from or self.date_to:
            parts.append(
                f"sales {self.date_from.isoformat() if self.date_from else 'start'}"
                f" to {self.date_to.isoformat() if self.date_to else 'today'}"
            )
        return ", ".join(parts)


#: The first view shows at most this many areas, so that it reads as an overview.
OVERVIEW_MAX_AREAS = 100


def overview_level(levels: list[str], area_counts: dict[str, int]) -> str | None:
    """The level a first view opens at: the finest of ``levels`` (coarse to fine) with at
    most OVERVIEW_MAX_AREAS areas, else the coarsest. None when there are no levels."""
    if not levels:
        return None
    fitting = [lv for lv in levels if area_counts.get(lv, 0) <= OVERVIEW_MAX_AREAS]
    return fitting[-1] if fitting else levels[0]
