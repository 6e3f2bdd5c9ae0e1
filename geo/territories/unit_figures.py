"""The figures of each unit (a county, a state ...) that territory design adds up: the same
figures, defined once, that the map and the Areas page show for the unit's level.

Per unit (index area_id): customers, prospects, orders and sales_amount (the area KPIs,
:func:`geo.segments.area_kpis.compute_area_kpis`, all dates), at_risk and revenue_at_risk
(customers in the high churn-risk band and their lifetime revenue) and contacts_per_month
(one per expected order, :func:`geo.analytics.rfm_views.area_scores`), and workload_minutes
= contacts_per_month x minutes per contact. A territory's figure is the sum of its units'.
"""

from __future__ import annotations

import pandas as pd

from geo.analytics.rfm_views import area_scores
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: The figures a territory is balanced on or judged by, as they are named in the tables.
UNIT_FIGURES = (
    "customers",
    "prospects",
    "orders",
    "sales_amount",
    "at_risk",
    "revenue_at_risk",
    "contacts_per_month",
    "workload_minutes",
)
#: Minutes a contact takes when none is given (a call or a short visit).
MINUTES_PER_CONTACT = 30.0


def unit_figures(
    store: Store,
    unit_level: str,
    *,
    minutes_per_contact: float = MINUTES_PER_CONTACT,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """Every unit of ``unit_level`` with its figures (see the module docstring), zeros
    where it has none; index area_id, with its name and owner."""
    filters = Filters(level=unit_level)
    kpis = compute_area_kpis(store, filters, scope=scope).set_index("area_id")
    scores = area_scores(store, filters, scope=scope)
    table = kpis[["name", "owner", "customers", "prospects", "orders", "sales_amount"]].join(
        scores[["at_risk", "revenue_at_risk", "contacts_per_month"]]
    )
    counts = ["customers", "prospects", "orders", "at_risk"]
    table[counts] = table[counts].fillna(0).astype("int64")
    sums = ["sales_amount", "revenue_at_risk", "contacts_per_month"]
    table[sums] = table[sums].fillna(0.0).astype("float64")
    table["workload_minutes"] = table["contacts_per_month"] * minutes_per_contact
    return table
