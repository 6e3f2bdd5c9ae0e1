"""Customer value views over a selection: RFM grid, segments, churn risk, per-area scores.

Every function takes the shared :class:`geo.segments.filters.Filters`, so the Customers page, the
map and the exports look at the same customers. Scores come from the stored
``customer_scores`` (see :mod:`geo.analytics.scores`), refreshed when the data changed.
Amounts are in the currency of the sales file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from geo.schema import RISK_BANDS, SEGMENT_MEANINGS, SEGMENTS
from geo.segments.filters import Filters
from geo.segments.selection import selection_sql
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope


def scored_sql(filters: Filters) -> tuple[str, list[Any]]:
    """SQL of the selected customers that have scores: every score column, plus name,
    owner, area_id and area_name at the filters' level."""
    who, params = selection_sql(replace(filters, kind="customer"), with_sales=False)
    return (
        "SELECT cs.*, w.name, w.owner, w.area_id, w.area_name, w.lat, w.lon "
        f"FROM customer_scores cs JOIN ({who}) w ON w.customer_id = cs.customer_id",
        params,
    )


def scored_customers(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Every scored customer of the selection, by customer_id: the score columns, then
    name, owner, area_id, area_name, lat and lon (WGS84 degrees)."""
    return _query(store, filters, "SELECT * FROM sc ORDER BY customer_id", scope=scope)


def _query(
    store: Store, filters: Filters, select: str, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    sql, params = scored_sql(filters)
    return store.query(f"WITH sc AS ({sql}) {select}", params, scope=scope)


def segment_summary(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Per RFM segment, best to lost: customers, revenue (lifetime, as of the data date),
    average 3-year value, average churn risk and what the segment means."""
    frame = _query(
        store,
        filters,
        "SELECT segment, count(*) AS customers, sum(monetary) AS revenue, "
        "avg(value_3y) AS avg_value_3y, avg(churn_risk) AS avg_churn_risk "
        "FROM sc GROUP BY segment",
        scope=scope,
    ).set_index("segment")
    frame = frame.reindex(list(SEGMENTS))
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    frame["revenue"] = frame["revenue"].fillna(0.0)
    frame["meaning"] = [SEGMENT_MEANINGS[s] for s in frame.index]
    return frame.reset_index()


def rfm_grid(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Recency score (rows, 5 = most recent) by frequency score (columns): customers and
    average lifetime revenue per cell; all 25 cells present."""
    frame = _query(
        store,
        filters,
        "SELECT r, f, count(*) AS customers, avg(monetary) AS avg_revenue FROM sc GROUP BY r, f",
        scope=scope,
    )
    cells = pd.MultiIndex.from_product([range(5, 0, -1), range(1, 6)], names=["r", "f"])
    frame = frame.set_index(["r", "f"]).reindex(cells)
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    return frame.reset_index()


def risk_distribution(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Customers and lifetime revenue per churn risk band (low, medium, high)."""
    frame = _query(
        store,
        filters,
        "SELECT risk_band, count(*) AS customers, sum(monetary) AS revenue, "
        "sum(value_3y) AS value_3y FROM sc GROUP BY risk_band",
        scope=scope,
    ).set_index("risk_band")
    frame = frame.reindex(list(RISK_BANDS))
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    return frame.fillna(0.0).reset_index()


def top_at_risk(
    store: Store, filters: Filters, limit: int = 50, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """High churn risk customers, by lifetime revenue (the value at stake), largest first."""
    return _query(
        store,
        filters,
        "SELECT customer_id, name, owner, area_name, segment, last_order, recency_days, "
        "gap_days, churn_risk, monetary AS lifetime_revenue, value_3y FROM sc "
        f"WHERE risk_band = 'high' ORDER BY monetary DESC, customer_id LIMIT {int(limit)}",
        scope=scope,
    )


def area_scores(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Per area of the level (index area_id): scored customers, champions, at-risk (high
    band) customers, their lifetime revenue, the average churn risk and 3-year value, and
    the expected contacts per month: one per expected order, a customer's orders per month
    (365 / gap_days / 12) weighted by the chance they still buy (1 - churn_risk), as their
    3-year value weighs them."""
    if filters.level is None:
        raise ValueError("per-area scores need a level")
    frame = _query(
        store,
        filters,
        "SELECT area_id, count(*) AS scored, "
        "count(*) FILTER (WHERE segment = 'champions') AS champions, "
        "count(*) FILTER (WHERE risk_band = 'high') AS at_risk, "
        "COALESCE(sum(monetary) FILTER (WHERE risk_band = 'high'), 0) AS revenue_at_risk, "
        "avg(churn_risk) AS avg_churn_risk, avg(value_3y) AS avg_value_3y, "
        "COALESCE(sum(365.0 / gap_days / 12 * (1 - churn_risk)), 0) AS contacts_per_month "
        "FROM sc WHERE area_id IS NOT NULL GROUP BY area_id",
        scope=scope,
    )
    return frame.set_index("area_id")


def segments_by_area(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Per area of the level (rows, with name): customers in each RFM segment (columns,
    best to lost), scored customers in all, and their lifetime revenue."""
    if filters.level is None:
        raise ValueError("per-area segments need a level")
    counts = _query(
        store,
        filters,
        "SELECT area_id, area_name, segment, count(*) AS n, sum(monetary) AS revenue "
        "FROM sc WHERE area_id IS NOT NULL GROUP BY area_id, area_name, segment",
        scope=scope,
    )
    table = counts.pivot_table(
        index=["area_id", "area_name"], columns="segment", values="n", fill_value=0
    ).reindex(columns=list(SEGMENTS), fill_value=0)
    table = table.astype("int64")
    table["scored"] = table.sum(axis=1)
    table["revenue"] = counts.groupby(["area_id", "area_name"])["revenue"].sum()
    table.columns.name = None
    return table.reset_index().rename(columns={"area_name": "name"})
