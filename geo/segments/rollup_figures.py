"""The selection's figures read from the roll-ups, when the filters let them answer.

:func:`answers_from_rollups` decides; the SQL here sums the cells of
:mod:`geo.store.rollups` that the filters keep, so that a filter change reads a few
thousand pre-aggregated rows instead of joining every order to its customer. The figures
are the same as those of the on-the-fly SQL of :mod:`geo.segments.area_kpis` (counts
exactly, money to the cent): tests/test_rollups.py compares both.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from geo.segments.criteria import is_set
from geo.segments.filters import CRITERIA, Filters
from geo.store.dialect import placeholders
from geo.store.protocol import StoreReader
from geo.store.rollups import rolled_up_levels
from geo.store.scope import Scope

#: The criteria that look at the customer scores: their sums are read from the roll-ups by
#: full cell; the others' from the much smaller roll-ups by area cell.
SCORE_CRITERIA = frozenset({"segments", "risk_bands", "contact"})
#: The criteria the roll-ups answer, by the roll-up column each narrows.
ROLLUP_COLUMNS = {
    "area_ids": "area_id",
    "kind": "kind",
    "owners": "owner",
    "segments": "segment",
    "risk_bands": "risk_band",
    "contact": "contact_status",
}
#: The criteria that shape the sums instead: which level's cells, which days or months.
SHAPING_CRITERIA = frozenset({"level", "date_from", "date_to"})
#: Every criterion the roll-ups answer.
ANSWERED_CRITERIA = frozenset(ROLLUP_COLUMNS) | SHAPING_CRITERIA


def answers_from_rollups(reader: StoreReader, filters: Filters, scope: Scope) -> bool:
    """Whether the roll-ups answer the selection's counts and sums for ``filters``.

    They do when every criterion set is one of: the level (one the roll-ups hold, or none),
    the areas, the kind, the owners, the RFM segments, the churn risk bands, the contact
    timing and the sales dates (any range: whole months are read from the monthly
    roll-up, the days before and after them from the daily one). Everything else is
    computed on the fly from the customers, assignments, scores and orders: drawn shapes
    (a point-in-shape test per customer), lifetime revenue bounds and a least number of
    orders (per-customer numbers the cells do not keep), any restricted scope (the
    roll-ups are not narrowed to a user's areas), and a database without current
    roll-ups (an older schema opened read-only).
    """
    if not (scope.sees_everything and reader.scope.sees_everything):
        return False
    for name, _criterion in CRITERIA:
        if is_set(getattr(filters, name)) and name not in ANSWERED_CRITERIA:
            return False
    levels = rolled_up_levels(reader)
    if levels is None:
        return False
    return filters.level is None or filters.level in levels


def _cells_condition(filters: Filters) -> tuple[str, list[Any]]:
    """The condition on roll-up cells (and its parameters): the filters' level and their
    criteria that the roll-ups answer."""
    where = ["level IS NULL"] if filters.level is None else ["level = ?"]
    params: list[Any] = [] if filters.level is None else [filters.level]
    for name, column in ROLLUP_COLUMNS.items():
        value = getattr(filters, name)
        # As in the selection: an area choice means something only at a level.
        if not is_set(value) or (name == "area_ids" and filters.level is None):
            continue
        values = (value,) if isinstance(value, str) else tuple(value)
        where.append(f"{column} IN ({placeholders(values)})")
        params.extend(values)
    return " AND ".join(where), params


def _next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _whole_months(filters: Filters) -> tuple[date | None, date | None] | None:
    """The first day of the first and of the last whole month of the date range (None:
    unbounded on that side); None when the range holds no whole month."""
    first = filters.date_from
    if first is not None and first.day != 1:
        first = _next_month(first)
    last = filters.date_to
    if last is not None:
        last = (
            last.replace(day=1)
            if _next_month(last) - timedelta(days=1) == last
            else (last.replace(day=1) - timedelta(days=1)).replace(day=1)
        )
    if first is not None and last is not None and first > last:
        return None
    return first, last


def rolled_sales_sql(filters: Filters) -> tuple[str, list[Any]]:
    """SQL (and parameters) of the roll-up rows of the orders and sales the filters count:
    ``area_id, location_status, kind, orders, sales``, from the monthly roll-up for the
    whole months of the date range and from the daily one for the days around them (by
    area cell unless the filters look at scores)."""
    cells, cell_params = _cells_condition(filters)
    columns = "area_id, location_status, kind, orders, sales"
    by_score = any(is_set(getattr(filters, name)) for name in SCORE_CRITERIA)
    days, months_table = (
        ("rollup_sales_days", "rollup_sales_months")
        if by_score
        else ("rollup_area_days", "rollup_area_months")
    )
    months = _whole_months(filters)
    parts: list[str] = []
    params: list[Any] = []
    # Days outside the whole months (all days of the range when it holds none).
    day_where = [cells]
    day_params = list(cell_params)
    for bound, op in ((filters.date_from, ">="), (filters.date_to, "<=")):
        if bound is not None:
            day_where.append(f"order_date {op} ?")
            day_params.append(bound)
    if months is not None:
        first, last = months
        month_where = [cells]
        month_params = list(cell_params)
        outside: list[str] = []
        if first is not None:
            month_where.append("month >= ?")
            month_params.append(first)
            outside.append("order_date < ?")
            day_params.append(first)
        if last is not None:
            month_where.append("month <= ?")
            month_params.append(last)
            outside.append("order_date >= ?")
            day_params.append(_next_month(last))
        parts.append(f"SELECT {columns} FROM {months_table} WHERE {' AND '.join(month_where)}")
        params += month_params
        if not outside:  # every month: no day is left around them
            return parts[0], params
        day_where.append("(" + " OR ".join(outside) + ")")
    parts.append(f"SELECT {columns} FROM {days} WHERE {' AND '.join(day_where)}")
    params += day_params
    return " UNION ALL ".join(parts), params


def rolled_people_sql(filters: Filters) -> tuple[str, list[Any]]:
    """SQL (and parameters) of the roll-up rows of the people the filters keep:
    ``area_id, location_status, kind, risk_band, people``."""
    cells, params = _cells_condition(filters)
    return (
        f"SELECT area_id, location_status, kind, risk_band, people FROM rollup_people "
        f"WHERE {cells}",
        params,
    )
