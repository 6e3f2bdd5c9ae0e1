"""Map metrics: which per-area figure colours the map, its label, unit and scale."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Metric:
    """A per-area figure computed from the area KPI table (index area_id)."""

    label: str
    unit: str  # "count", "$" or "%"
    compute: Callable[[pd.DataFrame], pd.Series]
    diverging: bool = False


METRICS: dict[str, Metric] = {
    "customers": Metric("Customers", "count", lambda k: k["customers"].astype("float64")),
    "prospects": Metric("Prospects", "count", lambda k: k["prospects"].astype("float64")),
    "orders": Metric("Orders", "count", lambda k: k["orders"].astype("float64")),
    "sales_amount": Metric("Sales amount", "$", lambda k: k["sales_amount"].astype("float64")),
    "penetration": Metric(
        "Penetration (customers / (customers + prospects))",
        "%",
        lambda k: k["penetration"].astype("float64"),
    ),
}
