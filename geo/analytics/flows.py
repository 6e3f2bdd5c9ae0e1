"""Customers gained and lost per area and period, and sales growth.

A customer is *active* in a period (calendar month, quarter or year) when they placed at
least one order in it (orders dated by their earliest line). For a period P and the one
before it, P-1:

- new: first order ever in P;
- retained: active in P and in P-1;
- reactivated: active in P, not in P-1, but active some time before;
- lost: active in P-1 and not in P;
- net change = new + reactivated - lost = active(P) - active(P-1).

Sales growth compares the sales of P with P-1 and with the same period a year before.
Customers count in the area they are located in at the filters' level.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from geo.segments.filters import Filters
from geo.segments.selection import level_areas_condition, selection_sql
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

PERIODS = ("month", "quarter", "year")
PERIODS_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}
FLOW_COLUMNS = ("new", "retained", "reactivated", "lost", "net_change", "active", "sales")


def _check_period(period: str) -> None:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")


#: One period as an SQL interval (a quarter is three months in both engines' spelling).
PERIOD_INTERVALS = {
    "month": "INTERVAL '1 month'",
    "quarter": "INTERVAL '3 months'",
    "year": "INTERVAL '1 year'",
}


def _step(period: str) -> str:
    return PERIOD_INTERVALS[period]


def flows_sql(filters: Filters, period: str) -> tuple[str, list[Any]]:
    """SQL (and parameters): one row per (area_id, period_start) with FLOW_COLUMNS.

    Rows exist for every period in which someone in the area was active or was lost.
    Only customers count (prospects have no orders); the filters' date range is ignored:
    flows need the whole history.
    """
    _check_period(period)
    who_sql, params = selection_sql(
        replace(filters, kind="customer", date_from=None, date_to=None), with_sales=False
    )
    step = _step(period)
    sql = f"""
    WITH who AS (SELECT customer_id, area_id FROM ({who_sql}) AS selected),
    act AS (
        SELECT o.customer_id, who.area_id, date_trunc('{period}', o.order_date) AS p,
               sum(o.amount) AS sales
        FROM orders o JOIN who ON who.customer_id = o.customer_id
        GROUP BY o.customer_id, who.area_id, date_trunc('{period}', o.order_date)
    ),
    seq AS (
        SELECT *, lag(p) OVER w AS prev_p, lead(p) OVER w AS next_p,
               row_number() OVER w AS nth
        FROM act WINDOW w AS (PARTITION BY customer_id ORDER BY p)
    ),
    gained AS (
        SELECT area_id, p,
               count(*) FILTER (WHERE nth = 1) AS new,
               count(*) FILTER (WHERE prev_p = p - {step}) AS retained,
               count(*) FILTER (WHERE nth > 1 AND prev_p < p - {step}) AS reactivated,
               count(*) AS active, sum(sales) AS sales
        FROM seq GROUP BY area_id, p
    ),
    lost AS (
        SELECT area_id, p + {step} AS p, count(*) AS lost
        FROM seq WHERE next_p IS NULL OR next_p > p + {step} GROUP BY area_id, p + {step}
    )
    SELECT COALESCE(g.area_id, l.area_id) AS area_id,
           CAST(COALESCE(g.p, l.p) AS DATE) AS period_start,
           COALESCE(g.new, 0) AS new, COALESCE(g.retained, 0) AS retained,
           COALESCE(g.reactivated, 0) AS reactivated, COALESCE(l.lost, 0) AS lost,
           COALESCE(g.new, 0) + COALESCE(g.reactivated, 0) - COALESCE(l.lost, 0)
               AS net_change,
           COALESCE(g.active, 0) AS active, COALESCE(g.sales, 0.0) AS sales
    FROM gained g FULL OUTER JOIN lost l ON g.area_id IS NOT DISTINCT FROM l.area_id
        AND g.p = l.p
    """
    return sql, params


def period_start(day: date, period: str) -> date:
    """The first day of the period holding ``day``."""
    _check_period(period)
    ts = pd.Timestamp(day)
    if period == "month":
        return ts.replace(day=1).date()
    if period == "quarter":
        return ts.to_period("Q").start_time.date()
    return ts.replace(month=1, day=1).date()


def shift_period(start: date, period: str, n: int) -> date:
    """The start of the period ``n`` periods after (negative: before) ``start``."""
    months = {"month": 1, "quarter": 3, "year": 12}[period] * n
    return (pd.Timestamp(start) + pd.DateOffset(months=months)).date()


def flows_over_time(
    store: Store, filters: Filters, period: str, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """All areas together: FLOW_COLUMNS per period, oldest first, up to the latest order."""
    sql, params = flows_sql(filters, period)
    frame = store.query(
        f"SELECT period_start, sum(new) AS new, sum(retained) AS retained, "
        "sum(reactivated) AS reactivated, sum(lost) AS lost, sum(net_change) AS net_change, "
        "sum(active) AS active, sum(sales) AS sales "
        f"FROM ({sql}) AS flows WHERE period_start <= (SELECT max(order_date) FROM orders) "
        "GROUP BY period_start ORDER BY period_start",
        params,
        scope=scope,
    )
    return _as_counts(frame)


def _as_counts(frame: pd.DataFrame) -> pd.DataFrame:
    for col in ("new", "retained", "reactivated", "lost", "net_change", "active"):
        frame[col] = frame[col].astype("int64")
    frame["sales"] = frame["sales"].astype("float64")
    return frame


def area_flows(
    store: Store, filters: Filters, period: str, start: date, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Per area of ``filters.level`` for the period beginning ``start``: FLOW_COLUMNS,
    active_before (P-1), sales_before (P-1), sales_last_year (same period a year before),
    growth (sales vs P-1) and growth_yoy (sales vs a year before), as fractions (NaN when
    the earlier sales are zero)."""
    if filters.level is None:
        raise ValueError("per-area flows need a level")
    sql, params = flows_sql(filters, period)
    before = shift_period(start, period, -1)
    last_year = shift_period(start, period, -PERIODS_PER_YEAR[period])
    area_where, area_params = level_areas_condition(filters)
    frame = store.query(
        f"WITH f AS ({sql}) "
        "SELECT ar.area_id, ar.name, "
        "COALESCE(cur.new, 0) AS new, COALESCE(cur.retained, 0) AS retained, "
        "COALESCE(cur.reactivated, 0) AS reactivated, COALESCE(cur.lost, 0) AS lost, "
        "COALESCE(cur.net_change, 0) AS net_change, COALESCE(cur.active, 0) AS active, "
        "COALESCE(cur.sales, 0.0) AS sales, COALESCE(prev.active, 0) AS active_before, "
        "COALESCE(prev.sales, 0.0) AS sales_before, "
        "COALESCE(ly.sales, 0.0) AS sales_last_year "
        "FROM areas ar "
        "LEFT JOIN f cur ON cur.area_id = ar.area_id AND cur.period_start = ? "
        "LEFT JOIN f prev ON prev.area_id = ar.area_id AND prev.period_start = ? "
        "LEFT JOIN f ly ON ly.area_id = ar.area_id AND ly.period_start = ? "
        f"WHERE {area_where} ORDER BY ar.area_id",
        [*params, start, before, last_year, *area_params],
        scope=scope,
    )
    frame = _as_counts(frame)
    frame["active_before"] = frame["active_before"].astype("int64")
    frame["growth"] = frame["sales"] / frame["sales_before"].where(frame["sales_before"] > 0) - 1
    frame["growth_yoy"] = (
        frame["sales"] / frame["sales_last_year"].where(frame["sales_last_year"] > 0) - 1
    )
    return frame


def latest_complete_period(store: Store, period: str, *, scope: Scope = EVERYTHING) -> date | None:
    """The start of the latest period that ended on or before the latest order's date.

    The data's last period is usually still running, and comparing a half month with a
    whole one would show a fall that is not there.
    """
    row = store.query("SELECT max(order_date) AS d FROM orders", scope=scope).iloc[0]["d"]
    if pd.isna(row):
        return None
    last = pd.Timestamp(row).date()
    current = period_start(last, period)
    if is_complete(current, period, last):
        return current
    return shift_period(current, period, -1)


def is_complete(start: date, period: str, last_day: date) -> bool:
    """Whether the period beginning ``start`` ended on or before ``last_day`` (the date of
    the latest order: the data says nothing about the days after it)."""
    end = pd.Timestamp(shift_period(start, period, 1)) - pd.Timedelta(days=1)
    return end.date() <= last_day


def period_name(start: date, period: str) -> str:
    """The period beginning ``start`` as people say it: 'Apr 2026', 'Q2 2026' or '2026'."""
    _check_period(period)
    if period == "month":
        return f"{start:%b %Y}"
    if period == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def compared_with(start: date, period: str) -> str:
    """What a change over the period beginning ``start`` compares with: 'vs Q2 2026'."""
    return f"vs {period_name(shift_period(start, period, -1), period)}"


#: Appended to the label of a period that has not ended yet.
SO_FAR = " (so far)"


def periods_to_chart(
    over_time: pd.DataFrame, period: str, latest_complete: date | None
) -> pd.DataFrame:
    """The rows of :func:`flows_over_time` worth charting, with ``label`` and ``complete``.

    The first period of the data is left out (everyone is new in it: it says nothing about
    gains). A period after ``latest_complete`` has not ended: ``complete`` is False and its
    label says "(so far)", so that its lower counts do not read as a collapse.
    """
    shown = over_time.iloc[1:].copy()
    starts = [pd.Timestamp(d).date() for d in shown["period_start"]]
    shown["complete"] = [latest_complete is not None and d <= latest_complete for d in starts]
    shown["label"] = [
        period_name(d, period) + ("" if whole else SO_FAR)
        for d, whole in zip(starts, shown["complete"], strict=True)
    ]
    return shown.reset_index(drop=True)
