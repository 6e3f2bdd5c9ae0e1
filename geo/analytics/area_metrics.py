"""Map metrics: which per-area figure colours the map, its label, unit and scale.

Each metric names a column of one of three per-area tables: the area KPIs
(:func:`geo.segments.area_kpis.compute_area_kpis`), the customer scores per area
(:func:`geo.analytics.rfm_views.area_scores`) or the customer flows of the latest whole
period (:func:`geo.analytics.flows.area_flows`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.analytics.flows import area_flows, latest_complete_period
from geo.analytics.lookalikes import whitespace
from geo.analytics.rfm_views import area_scores
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

KPIS, SCORES, FLOWS, WHITESPACE = "kpis", "scores", "flows", "whitespace"


@dataclass(frozen=True)
class Metric:
    """A per-area figure: the column of a per-area table, shown with a unit and scale."""

    label: str
    unit: str  # "count", "$", "%", or "category" (names, e.g. owners: one colour each)
    column: str
    source: str = KPIS
    diverging: bool = False


METRICS: dict[str, Metric] = {
    "customers": Metric("Customers", "count", "customers"),
    "prospects": Metric("Prospects", "count", "prospects"),
    "orders": Metric("Orders", "count", "orders"),
    "sales_amount": Metric("Sales amount", "$", "sales_amount"),
    "penetration": Metric("Penetration (customers / (customers + prospects))", "%", "penetration"),
    "net_change": Metric(
        "Net customer change, last whole quarter", "count", "net_change", FLOWS, True
    ),
    "new": Metric("New customers, last whole quarter", "count", "new", FLOWS),
    "lost": Metric("Lost customers, last whole quarter", "count", "lost", FLOWS),
    "growth_yoy": Metric("Sales growth vs same quarter last year", "%", "growth_yoy", FLOWS, True),
    "champions": Metric("Champions (RFM)", "count", "champions", SCORES),
    "at_risk": Metric("At-risk customers (high churn risk)", "count", "at_risk", SCORES),
    "revenue_at_risk": Metric(
        "Lifetime revenue of at-risk customers", "$", "revenue_at_risk", SCORES
    ),
    "avg_churn_risk": Metric("Average churn risk", "%", "avg_churn_risk", SCORES),
    "contacts_per_month": Metric(
        "Expected contacts per month (one per expected order)",
        "count",
        "contacts_per_month",
        SCORES,
    ),
    "owner": Metric("Owner (who covers the area)", "category", "owner"),
    "whitespace": Metric(
        "Whitespace (prospects weighted by likeness to the best)",
        "count",
        "whitespace",
        WHITESPACE,
    ),
}
#: The period of the flow metrics.
FLOW_PERIOD = "quarter"


def metric_column(table: pd.DataFrame, metric: Metric) -> pd.Series:
    """The metric's column of a per-area table (index area_id): float, or names as given."""
    column = table[metric.column]
    return column if metric.unit == "category" else column.astype("float64")


def area_metric_values(
    store: Store, filters: Filters, key: str, *, scope: Scope = EVERYTHING
) -> pd.Series:
    """The metric ``key`` per area of ``filters.level`` (index area_id, float)."""
    from geo.segments.area_kpis import compute_area_kpis

    metric = METRICS[key]
    if metric.source == KPIS:
        table = compute_area_kpis(store, filters, scope=scope).set_index("area_id")
    elif metric.source == SCORES:
        table = area_scores(store, filters, scope=scope)
    elif metric.source == WHITESPACE:
        table = whitespace(store, filters, scope=scope).set_index("area_id")
    else:
        start = latest_complete_period(store, FLOW_PERIOD, scope=scope)
        if start is None:
            return pd.Series(dtype="float64")
        table = area_flows(store, filters, FLOW_PERIOD, start, scope=scope).set_index("area_id")
    return metric_column(table, metric)
