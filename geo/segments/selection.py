"""Selecting customers by filters: the one SQL selection every view, export and command reads.

Coordinates are WGS84 degrees (EPSG:4326). See :mod:`geo.segments.area_kpis` for the sums per
area and :mod:`geo.maps.point_sample` for the map's sample of points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from geo.schema import NO_LOCATION, OUTSIDE_AREAS
from geo.segments.criteria import SelectionContext, is_set
from geo.segments.filters import CRITERIA, Filters, order_date_condition
from geo.store.dialect import placeholders
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

SELECTION_COLUMNS = (
    "customer_id",
    "name",
    "kind",
    "owner",
    "email",
    "postcode",
    "lat",
    "lon",
    "location_status",
    "level",
    "area_id",
    "area_name",
    "orders",
    "sales_amount",
    "first_order_date",
    "last_order_date",
    "rfm_segment",
    "churn_risk_band",
    "churn_risk",
    "value_3y",
    "expected_next_order",
    "contact_timing",
)


def level_areas_condition(filters: Filters, alias: str = "ar") -> tuple[str, list[Any]]:
    """SQL condition (and parameters) on the areas table: the filters' level, limited to
    the chosen areas if any."""
    where = f"{alias}.level = ?"
    params: list[Any] = [filters.level]
    if filters.area_ids:
        where += f" AND {alias}.area_id IN ({placeholders(filters.area_ids)})"
        params.extend(filters.area_ids)
    return where, params


def selection_sql(
    filters: Filters, *, with_sales: bool = True, with_scores: bool = False
) -> tuple[str, list[Any]]:
    """SQL (and its parameters) giving one row per selected customer, SELECTION_COLUMNS.

    ``with_sales=False`` leaves the sales columns empty (zero, null) and skips reading the
    sales table, for callers that need only who and where; the score columns are then
    filled only when the filters use scores or ``with_scores`` asks for them.
    """
    sales_where, sales_params = order_date_condition(filters)
    sales_cte = (
        "SELECT customer_id, count(*) AS orders, sum(amount) AS sales_amount, "
        "min(order_date) AS first_order_date, max(order_date) AS last_order_date FROM orders "
        f"WHERE {sales_where} GROUP BY customer_id"
    )
    if not with_sales:
        sales_params = []
        sales_cte = (
            "SELECT CAST(NULL AS VARCHAR) AS customer_id, CAST(0 AS BIGINT) AS orders, "
            "CAST(0 AS DOUBLE PRECISION) AS sales_amount, CAST(NULL AS DATE) AS first_order_date, "
            "CAST(NULL AS DATE) AS last_order_date WHERE false"
        )
    unlocated = (
        f"CASE WHEN c.lat IS NULL OR c.lon IS NULL THEN '{NO_LOCATION}' ELSE '{OUTSIDE_AREAS}' END"
    )
    if filters.level is not None:
        level_params: list[Any] = [filters.level, filters.level]
        area_select = "CAST(? AS VARCHAR) AS level, a.area_id, ar.name AS area_name"
        area_join = (
            "LEFT JOIN assignments a ON a.customer_id = c.customer_id AND a.level = ? "
            "LEFT JOIN areas ar ON ar.area_id = a.area_id "
        )
        status = f"COALESCE(a.location_status, {unlocated})"
        owner = "COALESCE(c.owner, ar.owner)"
    else:
        level_params = []
        area_select = (
            "CAST(NULL AS VARCHAR) AS level, CAST(NULL AS VARCHAR) AS area_id, "
            "CAST(NULL AS VARCHAR) AS area_name"
        )
        area_join = ""
        status = unlocated
        owner = "c.owner"
    where: list[str] = []
    where_params: list[Any] = []
    if with_sales or with_scores or filters.needs_scores:
        scores_select = (
            "cs.segment AS rfm_segment, cs.risk_band AS churn_risk_band, cs.churn_risk, "
            "cs.value_3y, cs.expected_next AS expected_next_order, "
            "cs.contact_status AS contact_timing"
        )
        scores_join = "LEFT JOIN customer_scores cs ON cs.customer_id = c.customer_id "
    else:
        scores_select = (
            "CAST(NULL AS VARCHAR) AS rfm_segment, CAST(NULL AS VARCHAR) AS churn_risk_band, "
            "CAST(NULL AS DOUBLE PRECISION) AS churn_risk, "
            "CAST(NULL AS DOUBLE PRECISION) AS value_3y, "
            "CAST(NULL AS DATE) AS expected_next_order, CAST(NULL AS VARCHAR) AS contact_timing"
        )
        scores_join = ""
    # Each criterion's condition, as declared in the filter table (geo.segments.filters).
    context = SelectionContext(filters, owner=owner)
    for name, criterion in CRITERIA:
        value = getattr(filters, name)
        if criterion.condition is None or not is_set(value):
            continue
        condition = criterion.condition(value, context)
        if condition is not None:
            where.append(condition[0])
            where_params.extend(condition[1])
    sql = (
        f"WITH s AS ({sales_cte}) "
        f"SELECT c.customer_id, c.name, c.kind, {owner} AS owner, c.email, c.postcode, "
        f"c.lat, c.lon, {status} AS location_status, {area_select}, "
        "COALESCE(s.orders, 0) AS orders, COALESCE(s.sales_amount, 0.0) AS sales_amount, "
        f"s.first_order_date, s.last_order_date, {scores_select} "
        f"FROM customers c {area_join}{scores_join}LEFT JOIN s ON s.customer_id = c.customer_id"
        + (" WHERE " + " AND ".join(where) if where else "")
    )
    # Placeholders in text order: sales CTE, level column, level join, filters.
    return sql, sales_params + level_params + where_params


def select_customers(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """The selected customers and prospects, one row each, sorted by customer_id."""
    sql, params = selection_sql(filters)
    frame = store.query(
        f"SELECT * FROM ({sql}) AS selected ORDER BY customer_id", params, scope=scope
    )
    frame.columns = list(SELECTION_COLUMNS)
    return frame


def first_selected(
    store: Store, filters: Filters, head: int, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The first ``head`` rows of :func:`select_customers`, by customer_id, read alone."""
    sql, params = selection_sql(filters)
    return store.query(
        f"SELECT * FROM ({sql}) AS selected ORDER BY customer_id LIMIT {int(head)}",
        params,
        scope=scope,
    )


def selected_by_area_name(
    store: Store, filters: Filters, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Per area name of the selection (None: no area): rows (``n``), customers, prospects
    and sales amount, counted by the database."""
    sql, params = selection_sql(filters)
    return store.query(
        "SELECT area_name AS area, COUNT(*) AS n, "
        "SUM(CASE WHEN kind = 'customer' THEN 1 ELSE 0 END) AS customers, "
        "SUM(CASE WHEN kind = 'prospect' THEN 1 ELSE 0 END) AS prospects, "
        f"SUM(sales_amount) AS sales_amount FROM ({sql}) AS selected GROUP BY area_name",
        params,
        scope=scope,
    )


def selected_by_owner(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Per owner of the selection (None: no owner): rows (``n``), how many are overdue for
    contact, and their 3-year value (``value_3y``), counted by the database."""
    sql, params = selection_sql(filters)
    frame = store.query(
        "SELECT owner, COUNT(*) AS n, "
        "SUM(CASE WHEN contact_timing = 'overdue' THEN 1 ELSE 0 END) AS overdue, "
        f"COALESCE(SUM(value_3y), 0) AS value_3y FROM ({sql}) AS selected GROUP BY owner",
        params,
        scope=scope,
    )
    frame[["n", "overdue"]] = frame[["n", "overdue"]].astype("int64")
    frame["value_3y"] = frame["value_3y"].astype("float64")
    return frame


def selected_of_owners(
    store: Store,
    filters: Filters,
    owners: Sequence[str],
    *,
    without_owner: bool = False,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """The rows of :func:`select_customers` whose owner is one of ``owners`` (and those
    without an owner when ``without_owner``), by customer_id."""
    sql, params = selection_sql(filters)
    wanted = [f"owner IN ({placeholders(owners)})"] if owners else []
    if without_owner:
        wanted.append("owner IS NULL")
    if not wanted:
        wanted = ["FALSE"]
    frame = store.query(
        f"SELECT * FROM ({sql}) AS selected WHERE {' OR '.join(wanted)} ORDER BY customer_id",
        [*params, *owners],
        scope=scope,
    )
    frame.columns = list(SELECTION_COLUMNS)
    return frame


def describe_filters(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> str:
    """The filters as a sentence, naming the chosen areas."""
    scope = store.scope.narrowed_by(scope)  # a bound store: its scope decides
    if not filters.area_ids:
        return filters.describe()
    names = store.query(
        f"SELECT area_id, name FROM areas WHERE area_id IN ({placeholders(filters.area_ids)})",
        list(filters.area_ids),
        scope=scope,
    )
    named = dict(zip(names["area_id"], names["name"], strict=True))
    if scope.sees_everything:
        return filters.describe(named)
    # Areas outside the scope are neither named nor shown by their IDs.
    unseen = sum(a not in named for a in filters.area_ids)
    seen = replace(filters, area_ids=tuple(a for a in filters.area_ids if a in named))
    text = seen.describe(named)
    return text + (f" (and {unseen} area{'s' * (unseen != 1)} outside your view)" if unseen else "")
