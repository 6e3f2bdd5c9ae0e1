"""The filter table: every filter criterion, declared once, as a field of :class:`Filters`.

The filters every view shares: the same filters give the same rows everywhere. The map, the
area table, the exports and the command line all select customers through
:func:`geo.segments.selection.selection_sql` with one :class:`Filters` value. Each field
carries its :class:`geo.segments.criteria.Criterion` (link parameter, command-line flag,
parsing, check against the data, SQL condition, words, sidebar widget kind); the link and
JSON codec, the selection SQL, the sidebar and the CLI are derived from :data:`CRITERIA`.
Adding a criterion is adding a field here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from geo.places.shapes import Shape, ShapeError, describe_shapes, shapes_condition
from geo.schema import CONTACT_STATUSES, KINDS, RISK_BANDS, SEGMENTS
from geo.segments.criteria import (
    Condition,
    Criterion,
    Reading,
    SelectionContext,
    Widget,
    WidgetKind,
    criteria_of,
    declare,
    is_set,
    one_of,
    parse_amount,
    parse_count,
    parse_day,
    plural,
    quoted,
    write_amount,
)
from geo.store.dialect import placeholders

#: What the "Who" choice says, for each value of ``kind``.
WHO = {None: "Customers and prospects", "customer": "Customers", "prospect": "Prospects"}


def _known_level(level: str, reading: Reading) -> str:
    known = reading.known
    if known is not None and level not in known.areas_by_level:
        raise ValueError(f"no such level (known: {', '.join(known.levels) or 'none'})")
    return level


def _areas_of_level(area_ids: tuple[str, ...], reading: Reading) -> tuple[str, ...]:
    # Read after the level: an area ID means something only at a level.
    level = reading.kept.get("level")
    if level is None:
        reading.problems.append("areas were ignored (parameter area): the link names no level")
        return ()
    if reading.known is None:
        return area_ids
    allowed = reading.known.areas_by_level.get(level, frozenset())
    unknown = [a for a in area_ids if a not in allowed]
    if unknown:
        reading.problems.append(
            f"area {quoted(unknown[:5])} was ignored (parameter area): "
            f"not an area of level '{level}'"
        )
    return tuple(a for a in area_ids if a in allowed)


def _known_owners(owners: tuple[str, ...], reading: Reading) -> tuple[str, ...]:
    known = reading.known
    if known is None or known.owners is None:
        return owners
    unknown = [o for o in owners if o not in known.owners]
    if unknown:
        reading.problems.append(
            f"owner '{quoted(unknown)}' was ignored (parameter owner): no such owner"
        )
    return tuple(o for o in owners if o in known.owners)


def _parse_shape(text: str) -> Shape:
    try:
        return Shape.from_text(text)
    except ShapeError as exc:
        raise ValueError(str(exc)) from None


#: A criterion's SQL condition (see geo.segments.criteria.Criterion.condition).
ConditionOf = Callable[[Any, SelectionContext], Condition]


def _is_in(column: str) -> ConditionOf:
    """The condition ``column IN (values)``, one bound parameter per value."""

    def condition(values: tuple[Any, ...], _: SelectionContext) -> Condition:
        return f"{column} IN ({placeholders(values)})", list(values)

    return condition


def _at_least(column: str) -> ConditionOf:
    def condition(value: Any, _: SelectionContext) -> Condition:
        return f"{column} >= ?", [value]

    return condition


def _at_most(column: str) -> ConditionOf:
    def condition(value: Any, _: SelectionContext) -> Condition:
        return f"{column} <= ?", [value]

    return condition


def _either(words: str) -> Callable[[Any, Any, Mapping[str, str]], str | None]:
    """Describes several values as 'words a or b'."""

    def describe(values: tuple[str, ...], _: Any, __: Mapping[str, str]) -> str | None:
        return f"{words} " + " or ".join(values) if values else None

    return describe


def _describe_level(level: str | None, f: Filters, names: Mapping[str, str]) -> str | None:
    if f.area_ids:
        shown_names = [names.get(a, a) for a in f.area_ids]
        shown = ", ".join(shown_names[:5]) + (" …" if len(shown_names) > 5 else "")
        unit = level or "area"
        many = len(shown_names) > 1
        return f"in {len(shown_names)} {plural(unit) if many else unit}: {shown}"
    return f"by {level}" if level else None


def _describe_dates(_: date | None, f: Filters, __: Mapping[str, str]) -> str | None:
    if not (f.date_from or f.date_to):
        return None
    return (
        f"sales {f.date_from.isoformat() if f.date_from else 'start'}"
        f" to {f.date_to.isoformat() if f.date_to else 'today'}"
    )


def _describe_value(_: float | None, f: Filters, __: Mapping[str, str]) -> str | None:
    if f.value_min is None and f.value_max is None:
        return None
    low = f"${f.value_min:,.0f}" if f.value_min is not None else "$0"
    high = f"${f.value_max:,.0f}" if f.value_max is not None else "more"
    return f"lifetime revenue {low} to {high}"


def _orders_at_least(count: int, ctx: SelectionContext) -> Condition:
    # The orders that count are those of the date range, as for the orders column.
    dates, params = order_date_condition(ctx.filters)
    return (
        "c.customer_id IN (SELECT customer_id FROM orders "
        f"WHERE {dates} GROUP BY customer_id HAVING count(*) >= ?)",
        [*params, count],
    )


@dataclass(frozen=True)
class Filters:
    """What to look at: each field is one filter criterion, declared once with its link
    parameter, command-line flag, parsing, SQL condition, words and sidebar widget (see
    :class:`geo.segments.criteria.Criterion`). Unset criteria (None, empty) keep everyone.

    ``level`` is the area level customers are grouped by (``None``: no area grouping).
    ``area_ids`` limits to customers located in those areas of ``level`` (empty: no limit,
    which keeps customers outside all areas and without a location too).
    ``kind`` is ``customer``, ``prospect`` or ``None`` for both. ``owners`` limits to those
    owners (a customer without an owner takes its area's owner). ``date_from``/``date_to``
    (inclusive calendar dates) bound the orders that count for orders and sales amounts
    (an order is dated by its earliest line). ``segments`` (RFM segments), ``risk_bands``
    (churn risk bands) and ``value_min``/``value_max`` (lifetime revenue, in the sales
    currency) keep only scored customers that match (see :mod:`geo.analytics.scores`).
    ``shapes`` (drawn circles, rectangles, polygons; WGS84 degrees, radii in km) keep the
    located customers inside any of them (see :mod:`geo.places.shapes`). ``contact`` keeps
    scored customers whose contact timing is one of overdue, due, later. ``min_orders``
    keeps customers with at least that many orders (within the dates, if any).
    """

    # The level's and the dates' SQL is the selection's shape, not a condition: the level
    # picks the assignments joined (selection_sql), the dates bound the orders that count
    # (order_date_condition, below).
    level: str | None = declare(None, Criterion(
        param="level", flag="--level", what="level", help="area level (default: the finest)",
        check=_known_level, describe=_describe_level,
        widget=Widget(WidgetKind.LEVEL, "Level", "f_level",
                      help="Areas to group by; the first view opens at an overview level"),
    ))  # fmt: skip
    area_ids: tuple[str, ...] = declare((), Criterion(
        param="area", flag="--area", what="areas", help="area IDs to keep", metavar="ID",
        many=True, check=_areas_of_level, every_command=False,
        # An area filter means something only at a level (the assignments joined).
        condition=lambda ids, ctx: _is_in("a.area_id")(ids, ctx)
        if ctx.filters.level is not None else None,
        widget=Widget(WidgetKind.AREAS, "Areas", "f_areas", placeholder="All areas"),
    ))  # fmt: skip
    kind: str | None = declare(None, Criterion(
        param="kind", flag="--kind", what="who", help="customers or prospects",
        parse=one_of(KINDS), options=KINDS, every_command=False,
        condition=lambda kind, _: ("c.kind = ?", [kind]),
        describe=lambda kind, _, __: WHO[kind], subject=True,
        widget=Widget(WidgetKind.ONE_OF, "Who", "f_kind",
                      labels=tuple((label, kind) for kind, label in WHO.items())),
    ))  # fmt: skip
    owners: tuple[str, ...] = declare((), Criterion(
        param="owner", flag="--owner", what="owner", help="owners to keep", metavar="O",
        many=True, check=_known_owners, every_command=False,
        condition=lambda owners, ctx: _is_in(ctx.owner)(owners, ctx),
        describe=lambda owners, _, __: "owned by " + ", ".join(owners) if owners else None,
        widget=Widget(WidgetKind.OWNERS, "Owner", "f_owners", placeholder="All owners"),
    ))  # fmt: skip
    # declare() gives a dataclasses.field; its default (None) is not a call.
    date_from: date | None = declare(None, Criterion(  # noqa: RUF009
        param="from", flag="--from", what="start date", help="first sales date",
        parse=parse_day, write=date.isoformat, upper="date_to", describe=_describe_dates,
        widget=Widget(WidgetKind.DATE_RANGE, "Sales between", "f_dates"),
    ))  # fmt: skip
    date_to: date | None = declare(None, Criterion(  # noqa: RUF009
        param="to", flag="--to", what="end date", help="last sales date",
        parse=parse_day, write=date.isoformat,
    ))  # fmt: skip
    segments: tuple[str, ...] = declare((), Criterion(
        param="rfm", flag="--rfm-segment", what="RFM segment", help="RFM segments",
        parse=one_of(SEGMENTS), options=SEGMENTS, many=True, needs_scores=True,
        condition=_is_in("cs.segment"), describe=_either("RFM segment"),
        widget=Widget(WidgetKind.CHOICES, "RFM segment", "f_segments",
                      placeholder="All segments",
                      help="Customers' recency, frequency and money segment "
                      "(see the Customers page)"),
    ))  # fmt: skip
    risk_bands: tuple[str, ...] = declare((), Criterion(
        param="risk", flag="--risk", what="churn risk", help="churn risk bands",
        parse=one_of(RISK_BANDS), options=RISK_BANDS, many=True, needs_scores=True,
        condition=_is_in("cs.risk_band"), describe=_either("churn risk"),
        widget=Widget(WidgetKind.CHOICES, "Churn risk", "f_risk", placeholder="Any risk",
                      help="How overdue customers are against their own buying rhythm"),
    ))  # fmt: skip
    value_min: float | None = declare(None, Criterion(
        param="value_min", flag="--value-min", what="lowest lifetime revenue",
        help="lowest lifetime revenue", parse=parse_amount, write=write_amount,
        upper="value_max", needs_scores=True, condition=_at_least("cs.monetary"),
        describe=_describe_value,
        widget=Widget(WidgetKind.AMOUNT_RANGE, "Lifetime revenue from ($)", "f_value_min",
                      upper_label="to ($)", upper_key="f_value_max", step=1000.0,
                      what="Lifetime revenue"),
    ))  # fmt: skip
    value_max: float | None = declare(None, Criterion(
        param="value_max", flag="--value-max", what="highest lifetime revenue",
        help="highest lifetime revenue", parse=parse_amount, write=write_amount,
        needs_scores=True, condition=_at_most("cs.monetary"),
    ))  # fmt: skip
    shapes: tuple[Shape, ...] = declare((), Criterion(
        param="shape", flag="--shape", what="shape", metavar="SHAPE",
        help="keep customers inside: circle:LON,LAT,KM | rect:W,S,E,N | poly:LON LAT;... "
        "(repeat for several)",
        parse=_parse_shape, write=Shape.to_text, many=True, each_alone=True,
        repeat_flag=True, condition=lambda shapes, _: (shapes_condition(shapes), []),
        describe=lambda shapes, _, __: describe_shapes(shapes) if shapes else None,
        widget=Widget(WidgetKind.DRAWN),
    ))  # fmt: skip
    contact: tuple[str, ...] = declare((), Criterion(
        param="contact", flag="--contact", what="contact timing", help="contact timing",
        parse=one_of(CONTACT_STATUSES), options=CONTACT_STATUSES, many=True,
        needs_scores=True, condition=_is_in("cs.contact_status"), describe=_either("contact"),
        widget=Widget(WidgetKind.CHOICES, "Contact timing", "f_contact",
                      placeholder="Any timing",
                      help="overdue: silent for over twice their usual gap; due: next order "
                      "expected within 30 days"),
    ))  # fmt: skip
    min_orders: int | None = declare(None, Criterion(
        param="min_orders", flag="--min-orders", what="fewest orders", metavar="N",
        help="keep customers with at least N orders (between --from and --to, if given)",
        parse=parse_count, condition=_orders_at_least,
        describe=lambda n, _, __: f"at least {n} order{'s' if n > 1 else ''}" if n else None,
        widget=Widget(WidgetKind.COUNT, "Orders, at least", "f_min_orders",
                      help="Orders in the sales dates above (all orders without dates)"),
    ))  # fmt: skip

    @property
    def needs_scores(self) -> bool:
        """Whether the filters look at RFM segments, churn risk, value or contact timing."""
        return any(c.needs_scores and is_set(getattr(self, name)) for name, c in CRITERIA)

    @property
    def narrows_beyond_kind(self) -> bool:
        """Whether a criterion other than the kind keeps fewer customers (the level and
        the dates add no condition: they shape the sums)."""
        return any(
            c.condition is not None and is_set(getattr(self, name))
            for name, c in CRITERIA
            if name != "kind"
        )

    def __post_init__(self) -> None:
        for name, criterion in CRITERIA:
            value = getattr(self, name)
            criterion.validate(name, value)
            upper = getattr(self, criterion.upper) if criterion.upper else None
            if is_set(value) and is_set(upper) and value > upper:
                what, order = ("date", "after") if isinstance(value, date) else ("value", "above")
                raise ValueError(f"{what} range is empty: {value} is {order} {upper}")

    def with_level(self, level: str | None) -> Filters:
        """The same filters at another level; an area choice does not carry across levels."""
        return replace(self, level=level, area_ids=() if level != self.level else self.area_ids)

    def to_query(self) -> dict[str, list[str]]:
        """The filters as URL query parameters (a shareable link); empty ones left out."""
        params = {c.param: c.to_texts(getattr(self, name)) for name, c in CRITERIA}
        return {k: v for k, v in params.items() if v}

    def describe(self, area_names: Mapping[str, str] | None = None) -> str:
        """A sentence a marketer can read, e.g. 'Customers in 2 states: Ohio, Iowa, sales …'.

        ``area_names`` (area_id -> name) lets the sentence name the areas.
        """
        parts: list[tuple[bool, str]] = []
        for name, criterion in CRITERIA:
            if criterion.describe is not None:
                words = criterion.describe(getattr(self, name), self, area_names or {})
                if words:
                    parts.append((not criterion.subject, words))
        return ", ".join(words for _, words in sorted(parts, key=lambda p: p[0]))


#: Every filter criterion, (field name of Filters, criterion), in the order links, the
#: sidebar and the sentence list them.
CRITERIA: tuple[tuple[str, Criterion], ...] = criteria_of(Filters)


def order_date_condition(filters: Filters) -> tuple[str, list[Any]]:
    """SQL condition on ``order_date`` (and its parameters) for the filters' date range:
    the orders that count for orders and sales amounts."""
    where = ["true"]
    params: list[Any] = []
    if filters.date_from:
        where.append("order_date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        where.append("order_date <= ?")
        params.append(filters.date_to)
    return " AND ".join(where), params


#: The first view shows at most this many areas, so that it reads as an overview.
OVERVIEW_MAX_AREAS = 100


def overview_level(levels: list[str], area_counts: dict[str, int]) -> str | None:
    """The level a first view opens at: the finest of ``levels`` (coarse to fine) with at
    most OVERVIEW_MAX_AREAS areas, else the coarsest. None when there are no levels."""
    if not levels:
        return None
    fitting = [lv for lv in levels if area_counts.get(lv, 0) <= OVERVIEW_MAX_AREAS]
    return fitting[-1] if fitting else levels[0]
