"""Selecting customers by filters, and summing them per area.

One SQL selection serves the map, the area table, the export preview, the exports and the
command line, so that the same filters always give the same rows. Amounts are in the
currency of the sales file; dates are calendar dates, both ends inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from geo.filters import Filters
from geo.places import find_place
from geo.schema import IN_AREA, NO_LOCATION, OUTSIDE_AREAS
from geo.shapes import Shape, shapes_condition
from geo.store import Store

#: Columns of a selection, in export order.
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


def _placeholders(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def order_date_condition(filters: Filters) -> tuple[str, list[Any]]:
    """SQL condition on ``order_date`` (and its parameters) for the filters' date range."""
    where = ["true"]
    params: list[Any] = []
    if filters.date_from:
        where.append("order_date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        where.append("order_date <= ?")
        params.append(filters.date_to)
    return " AND ".join(where), params


def level_areas_condition(filters: Filters, alias: str = "ar") -> tuple[str, list[Any]]:
    """SQL condition (and parameters) on the areas table: the filters' level, limited to
    the chosen areas if any."""
    where = f"{alias}.level = ?"
    params: list[Any] = [filters.level]
    if filters.area_ids:
        where += f" AND {alias}.area_id IN ({_placeholders(filters.area_ids)})"
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
            "CAST(0 AS DOUBLE) AS sales_amount, CAST(NULL AS DATE) AS first_order_date, "
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
            "CAST(NULL AS DOUBLE) AS churn_risk, CAST(NULL AS DOUBLE) AS value_3y, "
            "CAST(NULL AS DATE) AS expected_next_order, CAST(NULL AS VARCHAR) AS contact_timing"
        )
        scores_join = ""
    if filters.segments:
        where.append(f"cs.segment IN ({_placeholders(filters.segments)})")
        where_params.extend(filters.segments)
    if filters.risk_bands:
        where.append(f"cs.risk_band IN ({_placeholders(filters.risk_bands)})")
        where_params.extend(filters.risk_bands)
    if filters.contact:
        where.append(f"cs.contact_status IN ({_placeholders(filters.contact)})")
        where_params.extend(filters.contact)
    if filters.shapes:
        where.append(shapes_condition(filters.shapes))
    if filters.value_min is not None:
        where.append("cs.monetary >= ?")
        where_params.append(filters.value_min)
    if filters.value_max is not None:
        where.append("cs.monetary <= ?")
        where_params.append(filters.value_max)
    if filters.kind:
        where.append("c.kind = ?")
        where_params.append(filters.kind)
    if filters.owners:
        where.append(f"{owner} IN ({_placeholders(filters.owners)})")
        where_params.extend(filters.owners)
    if filters.area_ids and filters.level is not None:
        where.append(f"a.area_id IN ({_placeholders(filters.area_ids)})")
        where_params.extend(filters.area_ids)
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


def select_customers(store: Store, filters: Filters) -> pd.DataFrame:
    """The selected customers and prospects, one row each, sorted by customer_id."""
    sql, params = selection_sql(filters)
    frame = store.query(f"SELECT * FROM ({sql}) ORDER BY customer_id", params)
    frame.columns = list(SELECTION_COLUMNS)
    return frame


def summarise_selection(store: Store, filters: Filters) -> dict[str, Any]:
    """Headline counts of a selection, computed in one pass (see :mod:`geo.figures` for
    what each means).

    rows, customers, prospects, orders, sales_amount: the whole selection, wherever its
    customers are; in_area / outside_areas / no_location: rows by location status at the
    filters' level, also per kind (customers_in_area, prospects_no_location, ...);
    orders_in_area / sales_in_area: the part of the orders and sales placed by customers
    located in an area (what per-area tables add up to); customers_high_risk: selected
    customers whose churn risk band is high.
    """
    sql, params = selection_sql(filters)
    status_counts = ", ".join(
        f"count(*) FILTER (WHERE location_status = '{status}'{kind_test}) AS {prefix}{status}"
        for prefix, kind_test in (
            ("", ""),
            ("customers_", " AND kind = 'customer'"),
            ("prospects_", " AND kind = 'prospect'"),
        )
        for status in (IN_AREA, OUTSIDE_AREAS, NO_LOCATION)
    )
    row = store.query(
        "SELECT count(*) AS rows, count(*) FILTER (WHERE kind = 'customer') AS customers, "
        "count(*) FILTER (WHERE kind = 'prospect') AS prospects, "
        "COALESCE(sum(orders), 0) AS orders, COALESCE(sum(sales_amount), 0) AS sales_amount, "
        f"COALESCE(sum(orders) FILTER (WHERE location_status = '{IN_AREA}'), 0) "
        "AS orders_in_area, "
        f"COALESCE(sum(sales_amount) FILTER (WHERE location_status = '{IN_AREA}'), 0) "
        "AS sales_in_area, "
        "count(*) FILTER (WHERE kind = 'customer' AND churn_risk_band = 'high') "
        f"AS customers_high_risk, {status_counts} FROM ({sql})",
        params,
    ).iloc[0]
    money = ("sales_amount", "sales_in_area")
    # Money to the cent: the database adds in parallel, in no fixed order.
    return {
        str(k): (round(float(v), 2) if k in money else int(v)) for k, v in row.to_dict().items()
    }


def compute_area_kpis(store: Store, filters: Filters) -> pd.DataFrame:
    """One row per area of ``filters.level`` (limited to ``filters.area_ids`` if any).

    parent_name is the name of the parent area (None without one), for people who do not
    know the parent's code; customers / prospects: how many of the selection are located
    in the area;
    orders / sales_amount: orders and their amounts in the date range, of the customers
    located in the area; penetration = customers / (customers + prospects), NaN when both
    are zero.
    """
    if filters.level is None:
        raise ValueError("per-area figures need a level")
    # Grouped by area straight away: a per-customer table of a million rows is never built.
    who_sql, who_params = selection_sql(filters, with_sales=False)
    date_where, date_params = order_date_condition(filters)
    area_where, area_params = level_areas_condition(filters)
    frame = store.query(
        f"WITH who AS (SELECT customer_id, kind, area_id FROM ({who_sql}) "
        "WHERE area_id IS NOT NULL), "
        "people AS (SELECT area_id, count(*) FILTER (WHERE kind = 'customer') AS customers, "
        "count(*) FILTER (WHERE kind = 'prospect') AS prospects FROM who GROUP BY area_id), "
        "bought AS (SELECT who.area_id, count(*) AS orders, sum(o.amount) AS sales_amount "
        f"FROM orders o JOIN who ON who.customer_id = o.customer_id WHERE {date_where} "
        "GROUP BY who.area_id) "
        "SELECT ar.area_id, ar.name, ar.level, ar.parent_id, pa.name AS parent_name, ar.owner, "
        "COALESCE(people.customers, 0) AS customers, "
        "COALESCE(people.prospects, 0) AS prospects, "
        "COALESCE(bought.orders, 0) AS orders, "
        "COALESCE(bought.sales_amount, 0.0) AS sales_amount "
        "FROM areas ar LEFT JOIN people ON people.area_id = ar.area_id "
        "LEFT JOIN bought ON bought.area_id = ar.area_id "
        "LEFT JOIN areas pa ON pa.area_id = ar.parent_id "
        f"WHERE {area_where} ORDER BY ar.area_id",
        who_params + date_params + area_params,
    )
    for col in ("customers", "prospects", "orders"):
        frame[col] = frame[col].astype("int64")
    total = frame["customers"] + frame["prospects"]
    frame["penetration"] = (frame["customers"] / total.where(total > 0)).astype("float64")
    return frame[list(AREA_KPI_COLUMNS)]


#: Points sent to the map per layer at most; beyond it the map shows a seeded sample and
#: says "showing N of M" (keeps the page under 3 MB whatever the customer count).
MAP_POINT_LIMIT = 20_000


@dataclass(frozen=True)
class PointSample:
    """Located customers of one kind for the map: WGS84 degrees, at most ``limit`` of them.

    ``total`` is how many matched; when it exceeds the number shown, the map says
    "showing N of M". The sample is seeded, so the same filters show the same points.
    """

    lat: np.ndarray
    lon: np.ndarray
    labels: list[str]
    total: int
    categories: list[str] | None = None

    @property
    def shown(self) -> int:
        return len(self.lat)


def located_points_sql(
    store: Store, filters: Filters, kind: str, colour_by: str | None = None
) -> tuple[str, list[Any]]:
    """SQL (and parameters) of the located customers of ``kind`` in the selection: columns
    customer_id, lat, lon (WGS84 degrees), name and category (``colour_by``, a column
    ``rfm_segment`` or ``churn_risk_band``; NULL without it). The map's sample and its
    counted cells both read it, so they always hold the same customers."""
    category = "CAST(NULL AS VARCHAR)"
    if colour_by is not None:
        if colour_by not in ("rfm_segment", "churn_risk_band"):
            raise ValueError(f"cannot colour points by {colour_by!r}")
        category = colour_by
    if filters.area_ids or filters.owners or filters.needs_scores or filters.shapes:
        sql, params = selection_sql(
            replace(filters, kind=kind), with_sales=False, with_scores=colour_by is not None
        )
        source = f"({sql})"
    elif colour_by:
        # Only the kind narrows the selection, and the colour needs the scores alone.
        source = (
            "(SELECT c.customer_id, c.lat, c.lon, c.name, cs.segment AS rfm_segment, "
            "cs.risk_band AS churn_risk_band FROM customers c LEFT JOIN customer_scores cs "
            "ON cs.customer_id = c.customer_id WHERE c.kind = ?)"
        )
        params = [kind]
    else:
        # Only the kind narrows the selection: no need to join the assignments.
        source, params = "(SELECT * FROM customers WHERE kind = ?)", [kind]
    located = (
        f"SELECT customer_id, lat, lon, name, {category} AS category FROM {source} "
        "WHERE lat IS NOT NULL AND lon IS NOT NULL"
    )
    return located, params


def sample_points(
    store: Store, filters: Filters, kind: str, limit: int, colour_by: str | None = None
) -> PointSample:
    """Located customers of ``kind`` in the selection, a seeded sample of at most ``limit``.

    The sample is the ``limit`` matches with the smallest hash of their ID, taken in the
    database, so a million customers never travel to Python to be thinned out.
    ``colour_by`` (``rfm_segment`` or ``churn_risk_band``) adds each point's category.
    """
    located, params = located_points_sql(store, filters, kind, colour_by)
    with store.connect() as con:
        total = int(con.execute(f"SELECT count(*) FROM ({located})", params).fetchone()[0])  # type: ignore[index]
        frame = _smallest_hashes(con, located, params, limit, total)
    return PointSample(
        lat=frame["lat"].to_numpy(dtype="float64"),
        lon=frame["lon"].to_numpy(dtype="float64"),
        labels=["" if pd.isna(v) else str(v) for v in frame["name"].tolist()],
        total=total,
        categories=["" if pd.isna(v) else str(v) for v in frame["category"].tolist()]
        if colour_by
        else None,
    )


def _smallest_hashes(
    con: Any, located: str, params: list[Any], limit: int, total: int
) -> pd.DataFrame:
    """The ``limit`` rows with the smallest (hash(customer_id), customer_id).

    Hashes are uniform over 64 bits, so the rows below a threshold that expects twice the
    limit almost surely hold the answer and spare sorting every match; when they do not,
    the full sort decides.
    """
    ordered = "ORDER BY hash(customer_id), customer_id LIMIT ?"
    if total > 2 * limit:
        threshold = min(2**64 - 1, int(2 * limit / total * 2**64))
        frame = con.execute(
            f"SELECT lat, lon, name, category FROM ({located}) "
            f"WHERE hash(customer_id) < CAST(? AS UBIGINT) {ordered}",
            [*params, threshold, limit],
        ).df()
        if len(frame) == limit:
            return frame
    return con.execute(
        f"SELECT lat, lon, name, category FROM ({located}) {ordered}", [*params, limit]
    ).df()


def describe_filters(store: Store, filters: Filters) -> str:
    """The filters as a sentence, naming the chosen areas."""
    if not filters.area_ids:
        return filters.describe()
    names = store.query(
        f"SELECT area_id, name FROM areas WHERE area_id IN ({_placeholders(filters.area_ids)})",
        list(filters.area_ids),
    )
    return filters.describe(dict(zip(names["area_id"], names["name"], strict=True)))


def circle_around(store: Store, place: str, km: float) -> Shape:
    """A radius search: ``km`` around a place name, a US ZIP code, a customer ID or a point
    ("lat, lon" degrees); see :func:`geo.places.find_place`."""
    return find_place(store, place).circle(km)
