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
from geo.store.dialect import placeholders
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


def _credited_activity(
    filters: Filters, period: str, units: str | None
) -> tuple[str, str, list[Any]]:
    """The CTEs ``who`` and ``act``'s FROM clause: each customer's orders with the area
    they count in. ``units`` None: the area the customer is located in at the filters'
    level. ``units`` a level: the territory of the filters' level that held the
    customer's unit of that level on the first day of each period, from the alignment
    history (:mod:`geo.territories.history`); the filters' areas then keep the periods
    credited to those territories."""
    chosen = replace(filters, kind="customer", date_from=None, date_to=None)
    p = f"date_trunc('{period}', o.order_date)"
    if units is None:
        who_sql, params = selection_sql(chosen, with_sales=False)
        return who_sql, "orders o JOIN who ON who.customer_id = o.customer_id", params
    who_sql, params = selection_sql(replace(chosen, level=units, area_ids=()), with_sales=False)
    source = (
        "orders o JOIN who ON who.customer_id = o.customer_id "
        "LEFT JOIN alignment_history h ON h.territory_level = ? AND h.unit_level = ? "
        f"AND h.unit_id = who.unit_id AND (h.valid_from IS NULL OR h.valid_from <= {p}) "
        f"AND (h.valid_to IS NULL OR h.valid_to > {p})"
    )
    params = [*params, filters.level, units]
    if filters.area_ids:
        source += f" WHERE h.territory_id IN ({placeholders(filters.area_ids)})"
        params.extend(filters.area_ids)
    return who_sql, source, params


def flows_sql(filters: Filters, period: str, *, units: str | None = None) -> tuple[str, list[Any]]:
    """SQL (and parameters): one row per (area_id, period_start) with FLOW_COLUMNS.

    Rows exist for every period in which someone in the area was active or was lost.
    Only customers count (prospects have no orders); the filters' date range is ignored:
    flows need the whole history. ``units``: credit each period to the territory that
    held the customer's unit of that level then (see :func:`_credited_activity`); a lost
    customer counts where they were last active.
    """
    _check_period(period)
    who_sql, source, params = _credited_activity(filters, period, units)
    area = "who.area_id" if units is None else "h.territory_id"
    step = _step(period)
    sql = f"""
    WITH who AS (SELECT customer_id, area_id{"" if units is None else " AS unit_id"}
                 FROM ({who_sql}) AS selected),
    act AS (
        SELECT o.customer_id, {area} AS area_id, date_trunc('{period}', o.order_date) AS p,
               sum(o.amount) AS sales
        FROM {source}
        GROUP BY o.customer_id, {area}, date_trunc('{period}', o.order_date)
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
    store: Store,
    filters: Filters,
    period: str,
    *,
    units: str | None = None,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """All areas together: FLOW_COLUMNS per period, oldest first, up to the latest order
    (``units``: credited by the alignment history, see :func:`flows_sql`)."""
    sql, params = flows_sql(filters, period, units=units)
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


def _credited_areas(filters: Filters, units: str | None) -> tuple[str, list[Any]]:
    """The areas a per-area table lists (area_id, name, level): those of the filters'
    level, and with ``units`` also the territories the history credits that no longer
    exist (named as they were last)."""
    if units is None:
        return "SELECT area_id, name, level FROM areas", []
    return (
        "SELECT area_id, name, level FROM areas UNION ALL "
        "SELECT territory_id, max(territory_name), territory_level FROM alignment_history "
        "WHERE territory_level = ? AND territory_id IS NOT NULL AND territory_id NOT IN "
        "(SELECT area_id FROM areas) GROUP BY territory_id, territory_level",
        [filters.level],
    )


def area_flows(
    store: Store,
    filters: Filters,
    period: str,
    start: date,
    *,
    units: str | None = None,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """Per area of ``filters.level`` for the period beginning ``start``: FLOW_COLUMNS,
    active_before (P-1), sales_before (P-1), sales_last_year (same period a year before),
    growth (sales vs P-1) and growth_yoy (sales vs a year before), as fractions (NaN when
    the earlier sales are zero). ``units``: credited by the alignment history (see
    :func:`flows_sql`), listing past territories too, with ``owner_then``: each
    territory's rep on the period's first day."""
    if filters.level is None:
        raise ValueError("per-area flows need a level")
    sql, params = flows_sql(filters, period, units=units)
    before = shift_period(start, period, -1)
    last_year = shift_period(start, period, -PERIODS_PER_YEAR[period])
    area_where, area_params = level_areas_condition(filters)
    listed_sql, listed_params = _credited_areas(filters, units)
    frame = store.query(
        f"WITH f AS ({sql}), listed AS ({listed_sql}) "
        "SELECT ar.area_id, ar.name, "
        "COALESCE(cur.new, 0) AS new, COALESCE(cur.retained, 0) AS retained, "
        "COALESCE(cur.reactivated, 0) AS reactivated, COALESCE(cur.lost, 0) AS lost, "
        "COALESCE(cur.net_change, 0) AS net_change, COALESCE(cur.active, 0) AS active, "
        "COALESCE(cur.sales, 0.0) AS sales, COALESCE(prev.active, 0) AS active_before, "
        "COALESCE(prev.sales, 0.0) AS sales_before, "
        "COALESCE(ly.sales, 0.0) AS sales_last_year "
        "FROM listed ar "
        "LEFT JOIN f cur ON cur.area_id = ar.area_id AND cur.period_start = ? "
        "LEFT JOIN f prev ON prev.area_id = ar.area_id AND prev.period_start = ? "
        "LEFT JOIN f ly ON ly.area_id = ar.area_id AND ly.period_start = ? "
        f"WHERE {area_where} ORDER BY ar.area_id",
        [*params, *listed_params, start, before, last_year, *area_params],
        scope=scope,
    )
    frame = _as_counts(frame)
    frame["active_before"] = frame["active_before"].astype("int64")
    frame["growth"] = frame["sales"] / frame["sales_before"].where(frame["sales_before"] > 0) - 1
    frame["growth_yoy"] = (
        frame["sales"] / frame["sales_last_year"].where(frame["sales_last_year"] > 0) - 1
    )
    if units is not None:
        reps = _owners_on(store, str(filters.level), units, start, scope)
        frame.insert(2, "owner_then", frame["area_id"].map(reps))
    return frame


def _owners_on(
    store: Store, territory_level: str, units: str, day: date, scope: Scope
) -> pd.Series:
    """Each territory's rep on ``day`` by the alignment history (the reps of its units
    then, joined by " / " in the rare case of more than one), by territory_id."""
    held = store.query(
        "SELECT DISTINCT territory_id, owner FROM alignment_history WHERE territory_level = ? "
        "AND unit_level = ? AND owner IS NOT NULL AND (valid_from IS NULL OR valid_from <= ?) "
        "AND (valid_to IS NULL OR valid_to > ?) ORDER BY territory_id, owner",
        [territory_level, units, day, day],
        scope=scope,
    )
    return held.groupby("territory_id")["owner"].agg(" / ".join)


def flows_by_rep(frame: pd.DataFrame) -> pd.DataFrame:
    """A per-territory table credited by the alignment history (:func:`area_flows` with
    ``units``) summed per rep then: new, reactivated, lost, net change, active, sales,
    and sales before and a year before, with growth as fractions."""
    columns = ["new", "reactivated", "lost", "net_change", "active", "sales", "sales_before",
               "sales_last_year"]  # fmt: skip
    reps = frame.assign(owner_then=frame["owner_then"].fillna("no rep"))
    table = reps.groupby("owner_then", sort=True)[columns].sum().reset_index()
    table["growth"] = table["sales"] / table["sales_before"].where(table["sales_before"] > 0) - 1
    table["growth_yoy"] = (
        table["sales"] / table["sales_last_year"].where(table["sales_last_year"] > 0) - 1
    )
    return table


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
