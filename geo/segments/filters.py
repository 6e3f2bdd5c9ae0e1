"""The filters every view shares: the same filters give the same rows everywhere.

The map, the area table, the exports and the command line all select customers through
:func:`geo.segments.selection.selection_sql` with one :class:`Filters` value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from geo.places.shapes import Shape, describe_shapes
from geo.schema import CONTACT_STATUSES, KINDS, RISK_BANDS, SEGMENTS


@dataclass(frozen=True)
class Filters:
    """What to look at.

    ``level`` is the area level customers are grouped by (``None``: no area grouping).
    ``area_ids`` limits to customers located in those areas of ``level`` (empty: no limit,
    which keeps customers outside all areas and without a location too).
    ``kind`` is ``customer``, ``prospect`` or ``None`` for both. ``owners`` limits to those
    owners (a customer without an owner takes its area's owner). ``date_from``/``date_to``
    (inclusive calendar dates) bound the orders that count for orders and sales amounts
    (an order is dated by its earliest line). ``segments`` (RFM segments), ``risk_bands``
    (churn risk bands) and ``value_min``/``value_max`` (lifetime revenue, in the sales
    currency) keep only scored customers that match (see :mod:`geo.analytics.scores`).
    ``shapes`` (drawn circles, rectangles, polygons) keep the located customers inside any
    of them (see :mod:`geo.places.shapes`). ``contact`` keeps scored customers whose contact
    timing is one of overdue, due, later.
    """

    level: str | None = None
    area_ids: tuple[str, ...] = field(default_factory=tuple)
    kind: str | None = None
    owners: tuple[str, ...] = field(default_factory=tuple)
    date_from: date | None = None
    date_to: date | None = None
    segments: tuple[str, ...] = field(default_factory=tuple)
    risk_bands: tuple[str, ...] = field(default_factory=tuple)
    value_min: float | None = None
    value_max: float | None = None
    shapes: tuple[Shape, ...] = field(default_factory=tuple)
    contact: tuple[str, ...] = field(default_factory=tuple)

    @property
    def needs_scores(self) -> bool:
        """Whether the filters look at RFM segments, churn risk or value."""
        return bool(
            self.segments
            or self.contact
            or self.risk_bands
            or self.value_min is not None
            or self.value_max is not None
        )

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date range is empty: {self.date_from} is after {self.date_to}")
        unknown = [s for s in self.segments if s not in SEGMENTS]
        if unknown:
            raise ValueError(
                f"unknown RFM segment {unknown[0]!r}: use one of {', '.join(SEGMENTS)}"
            )
        unknown = [c for c in self.contact if c not in CONTACT_STATUSES]
        if unknown:
            raise ValueError(f"unknown contact timing {unknown[0]!r}: use overdue, due or later")
        unknown = [b for b in self.risk_bands if b not in RISK_BANDS]
        if unknown:
            raise ValueError(f"unknown churn risk band {unknown[0]!r}: use low, medium or high")
        if (
            self.value_min is not None
            and self.value_max is not None
            and self.value_min > self.value_max
        ):
            raise ValueError(f"value range is empty: {self.value_min} is above {self.value_max}")

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
            "rfm": list(self.segments),
            "risk": list(self.risk_bands),
            "value_min": [f"{self.value_min:g}"] if self.value_min is not None else [],
            "value_max": [f"{self.value_max:g}"] if self.value_max is not None else [],
            "shape": [shape.to_text() for shape in self.shapes],
            "contact": list(self.contact),
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
            parts.append(f"in {len(names)} {plural(unit) if len(names) > 1 else unit}: {shown}")
        elif self.level:
            parts.append(f"by {self.level}")
        if self.owners:
            parts.append("owned by " + ", ".join(self.owners))
        if self.date_from or self.date_to:
            parts.append(
                f"sales {self.date_from.isoformat() if self.date_from else 'start'}"
                f" to {self.date_to.isoformat() if self.date_to else 'today'}"
            )
        if self.segments:
            parts.append("RFM segment " + " or ".join(self.segments))
        if self.risk_bands:
            parts.append("churn risk " + " or ".join(self.risk_bands))
        if self.value_min is not None or self.value_max is not None:
            low = f"${self.value_min:,.0f}" if self.value_min is not None else "$0"
            high = f"${self.value_max:,.0f}" if self.value_max is not None else "more"
            parts.append(f"lifetime revenue {low} to {high}")
        if self.contact:
            parts.append("contact " + " or ".join(self.contact))
        if self.shapes:
            parts.append(describe_shapes(self.shapes))
        return ", ".join(parts)


def plural(noun: str) -> str:
    """county -> counties, state -> states, territory -> territories."""
    if noun.endswith("y") and len(noun) > 1 and noun[-2] not in "aeiou":
        return noun[:-1] + "ies"
    return noun if noun.endswith("s") else noun + "s"


#: The first view shows at most this many areas, so that it reads as an overview.
OVERVIEW_MAX_AREAS = 100


def overview_level(levels: list[str], area_counts: dict[str, int]) -> str | None:
    """The level a first view opens at: the finest of ``levels`` (coarse to fine) with at
    most OVERVIEW_MAX_AREAS areas, else the coarsest. None when there are no levels."""
    if not levels:
        return None
    fitting = [lv for lv in levels if area_counts.get(lv, 0) <= OVERVIEW_MAX_AREAS]
    return fitting[-1] if fitting else levels[0]
