"""Summing a selection: the headline figures of the whole selection and the KPIs per area.

Both count the customers of :func:`geo.segments.selection.selection_sql`, so every page counts
the same customers: read from the roll-ups when they can answer the filters (see
:func:`geo.segments.rollup_figures.answers_from_rollups`), else on the fly.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.schema import IN_AREA, NO_LOCATION, OUTSIDE_AREAS
from geo.segments.filters import Filters
from geo.segments.rollup_figures import answers_from_rollups, rolled_people_sql, rolled_sales_sql
from geo.segments.selection import level_areas_condition, order_date_condition, selection_sql
from geo.store.protocol import Store, StoreReader
from geo.store.scope import EVERYTHING, Scope

#: Per-area KPI columns, in table order.
AREA_KPI_COLUMNS = (
    "area_id",
    "name",
    "level",
    "parent_id",
    "parent_name",
    "owner",
    "customers",
    "prospects",
    "orders",
    "sales_amount",
    "penetration",
)


#: The headline counts by location status (and kind), as (column, status, kind test).
_STATUS_COUNTS = tuple(
    (f"{prefix}{status}", status, kind_test)
    for prefix, kind_test in (
        ("", ""),
        ("customers_", " AND kind = 'customer'"),
        ("prospects_", " AND kind = 'prospect'"),
    )
    for status in (IN_AREA, OUTSIDE_AREAS, NO_LOCATION)
)


def summarise_selection(
    store: Store, filters: Filters, *, scope: Scope = EVERYTHING, from_rollups: bool = True
) -> dict[str, Any]:
    """Headline counts of a selection, computed in one pass (see :mod:`geo.analytics.figures` for
    what each means).

    rows, customers, prospects, orders, sales_amount: the whole selection, wherever its
    customers are; in_area / outside_areas / no_location: rows by location status at the
    filters' level, also per kind (customers_in_area, prospects_no_location, ...);
    orders_in_area / sales_in_area: the part of the orders and sales placed by customers
    located in an area (what per-area tables add up to); customers_high_risk: selected
    customers whose churn risk band is high. Money is rounded to the cent.

    ``from_rollups=False`` computes everything on the fly even where the roll-ups answer.
    """
    with store.snapshot(scope) as reader:
        if from_rollups and answers_from_rollups(reader, filters, scope):
            row = reader.query(*_summary_from_rollups_sql(filters)).iloc[0]
        else:
            row = reader.query(*_summary_on_the_fly_sql(filters)).iloc[0]
    money = ("sales_amount", "sales_in_area")
    # Money to the cent: the database adds in parallel, in no fixed order.
    return {
        str(k): (round(float(v), 2) if k in money else int(v)) for k, v in row.to_dict().items()
    }


def _summary_on_the_fly_sql(filters: Filters) -> tuple[str, list[Any]]:
    sql, params = selection_sql(filters)
    status_counts = ", ".join(
        f"count(*) FILTER (WHERE location_status = '{status}'{kind_test}) AS {column}"
        for column, status, kind_test in _STATUS_COUNTS
    )
    return (
        "SELECT count(*) AS rows, count(*) FILTER (WHERE kind = 'customer') AS customers, "
        "count(*) FILTER (WHERE kind = 'prospect') AS prospects, "
        "COALESCE(sum(orders), 0) AS orders, COALESCE(sum(sales_amount), 0) AS sales_amount, "
        f"COALESCE(sum(orders) FILTER (WHERE location_status = '{IN_AREA}'), 0) "
        "AS orders_in_area, "
        f"COALESCE(sum(sales_amount) FILTER (WHERE location_status = '{IN_AREA}'), 0) "
        "AS sales_in_area, "
        "count(*) FILTER (WHERE kind = 'customer' AND churn_risk_band = 'high') "
        f"AS customers_high_risk, {status_counts} FROM ({sql}) AS selected",
        params,
    )


def _summary_from_rollups_sql(filters: Filters) -> tuple[str, list[Any]]:
    """The same columns as :func:`_summary_on_the_fly_sql`, summed from the roll-ups."""
    people_sql, people_params = rolled_people_sql(filters)
    sales_sql, sales_params = rolled_sales_sql(filters)

    def people(column: str, where: str | None = None) -> str:
        counted = "sum(people)" + (f" FILTER (WHERE {where})" if where else "")
        return f"CAST(COALESCE({counted}, 0) AS BIGINT) AS {column}"

    counted = (
        people("rows"),
        people("customers", "kind = 'customer'"),
        people("prospects", "kind = 'prospect'"),
        people("customers_high_risk", "kind = 'customer' AND risk_band = 'high'"),
        *(
            people(column, f"location_status = '{status}'{kind_test}")
            for column, status, kind_test in _STATUS_COUNTS
        ),
    )
    return (
        f"WITH p AS (SELECT {', '.join(counted)} FROM ({people_sql}) AS rolled), "
        "s AS (SELECT CAST(COALESCE(sum(orders), 0) AS BIGINT) AS orders, "
        "COALESCE(sum(sales), 0) AS sales_amount, "
        f"CAST(COALESCE(sum(orders) FILTER (WHERE location_status = '{IN_AREA}'), 0) AS BIGINT) "
        "AS orders_in_area, "
        f"COALESCE(sum(sales) FILTER (WHERE location_status = '{IN_AREA}'), 0) "
        f"AS sales_in_area FROM ({sales_sql}) AS rolled) "
        "SELECT p.rows, p.customers, p.prospects, s.orders, s.sales_amount, s.orders_in_area, "
        "s.sales_in_area, p.customers_high_risk, "
        + ", ".join(f"p.{column}" for column, _, _ in _STATUS_COUNTS)
        + " FROM p CROSS JOIN s",
        people_params + sales_params,
    )


def compute_area_kpis(
    store: Store, filters: Filters, *, scope: Scope = EVERYTHING, from_rollups: bool = True
) -> pd.DataFrame:
    """One row per area of ``filters.level`` (limited to ``filters.area_ids`` if any).

    parent_name is the name of the parent area (None without one), for people who do not
    know the parent's code; customers / prospects: how many of the selection are located
    in the area;
    orders / sales_amount: orders and their amounts in the date range, of the customers
    located in the area; penetration = customers / (customers + prospects), NaN when both
    are zero.

    ``from_rollups=False`` computes everything on the fly even where the roll-ups answer.
    """
    if filters.level is None:
        raise ValueError("per-area figures need a level")
    with store.snapshot(scope) as reader:
        if from_rollups and answers_from_rollups(reader, filters, scope):
            sums, sum_params = _area_sums_from_rollups(filters)
        else:
            sums, sum_params = _area_sums_on_the_fly(filters)
        frame = _area_rows(reader, filters, sums, sum_params)
    for col in ("customers", "prospects", "orders"):
        frame[col] = frame[col].astype("int64")
    total = frame["customers"] + frame["prospects"]
    frame["penetration"] = (frame["customers"] / total.where(total > 0)).astype("float64")
    return frame[list(AREA_KPI_COLUMNS)]


def _area_sums_on_the_fly(filters: Filters) -> tuple[str, list[Any]]:
    """The ``people`` and ``bought`` CTEs per area, from the selection and the orders."""
    # Grouped by area straight away: a per-customer table of a million rows is never built.
    who_sql, who_params = selection_sql(filters, with_sales=False)
    date_where, date_params = order_date_condition(filters)
    return (
        f"who AS (SELECT customer_id, kind, area_id FROM ({who_sql}) AS selected "
        "WHERE area_id IS NOT NULL), "
        "people AS (SELECT area_id, count(*) FILTER (WHERE kind = 'customer') AS customers, "
        "count(*) FILTER (WHERE kind = 'prospect') AS prospects FROM who GROUP BY area_id), "
        "bought AS (SELECT who.area_id, count(*) AS orders, sum(o.amount) AS sales_amount "
        f"FROM orders o JOIN who ON who.customer_id = o.customer_id WHERE {date_where} "
        "GROUP BY who.area_id)",
        who_params + date_params,
    )


def _area_sums_from_rollups(filters: Filters) -> tuple[str, list[Any]]:
    """The same ``people`` and ``bought`` CTEs, summed from the roll-ups."""
    people_sql, people_params = rolled_people_sql(filters)
    sales_sql, sales_params = rolled_sales_sql(filters)
    return (
        "people AS (SELECT area_id, "
        "CAST(sum(people) FILTER (WHERE kind = 'customer') AS BIGINT) AS customers, "
        "CAST(sum(people) FILTER (WHERE kind = 'prospect') AS BIGINT) AS prospects "
        f"FROM ({people_sql}) AS rolled WHERE area_id IS NOT NULL GROUP BY area_id), "
        "bought AS (SELECT area_id, CAST(sum(orders) AS BIGINT) AS orders, "
        f"sum(sales) AS sales_amount FROM ({sales_sql}) AS rolled "
        "WHERE area_id IS NOT NULL GROUP BY area_id)",
        people_params + sales_params,
    )


def _area_rows(
    reader: StoreReader, filters: Filters, sums: str, sum_params: list[Any]
) -> pd.DataFrame:
    """Every area of the filters' level with its sums (CTEs ``people`` and ``bought``)."""
    area_where, area_params = level_areas_condition(filters)
    return reader.query(
        f"WITH {sums} "
        "SELECT ar.area_id, ar.name, ar.level, ar.parent_id, pa.name AS parent_name, ar.owner, "
        "COALESCE(people.customers, 0) AS customers, "
        "COALESCE(people.prospects, 0) AS prospects, "
        "COALESCE(bought.orders, 0) AS orders, "
        "COALESCE(bought.sales_amount, 0.0) AS sales_amount "
        "FROM areas ar LEFT JOIN people ON people.area_id = ar.area_id "
        "LEFT JOIN bought ON bought.area_id = ar.area_id "
        "LEFT JOIN areas pa ON pa.area_id = ar.parent_id "
        f"WHERE {area_where} ORDER BY ar.area_id",
        sum_params + area_params,
    )
