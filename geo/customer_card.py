"""A customer's file on one card: who, where, who owns them, what they bought, what next.

Coordinates are WGS84 degrees; distances great-circle kilometres; amounts in the currency
of the sales file; "in the period" means the filters' date range (orders dated by their
earliest line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.customer_selection import order_date_condition
from geo.errors import InputError
from geo.filters import Filters
from geo.shapes import EARTH_RADIUS_KM, Shape
from geo.store import Store

NEARBY_KM = 25.0
NEARBY_LIMIT = 10


@dataclass
class CustomerCard:
    record: dict[str, Any]
    #: One row per level, coarse to fine: level, area_id, area name, area owner, status.
    areas: pd.DataFrame
    #: The customer's own owner, else the owner of their area at the finest level that has one.
    owner: str | None
    #: Orders and revenue in the period, and all time.
    orders_in_period: int
    revenue_in_period: float
    #: RFM scores, segment, churn risk, rhythm and contact timing (empty for prospects and
    #: customers without orders).
    scores: dict[str, Any] = field(default_factory=dict)
    #: Orders and revenue per month (month, orders, revenue), oldest first.
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The nearest prospects within NEARBY_KM: customer_id, name, km.
    nearby: pd.DataFrame = field(default_factory=pd.DataFrame)


def customer_card(store: Store, customer_id: str, filters: Filters | None = None) -> CustomerCard:
    """The card of ``customer_id``; InputError when there is no such customer."""
    filters = filters or Filters()
    people = store.query("SELECT * FROM customers WHERE customer_id = ?", [customer_id])
    if people.empty:
        raise InputError(f"no customer with ID '{customer_id[:40]}'")
    record = {str(k): (None if pd.isna(v) else v) for k, v in people.iloc[0].to_dict().items()}
    levels = store.levels()
    areas = store.query(
        "SELECT a.level, a.area_id, ar.name, ar.owner, a.location_status FROM assignments a "
        "LEFT JOIN areas ar ON ar.area_id = a.area_id WHERE a.customer_id = ?",
        [customer_id],
    )
    areas["order"] = areas["level"].map({lv: i for i, lv in enumerate(levels)})
    areas = areas.sort_values("order").drop(columns="order").reset_index(drop=True)
    owner = record.get("owner")
    if not owner:
        owned = areas["owner"].dropna()
        owner = str(owned.iloc[-1]) if len(owned) else None
    date_where, date_params = order_date_condition(filters)
    period = store.query(
        "SELECT count(*) AS n, COALESCE(sum(amount), 0) AS amount FROM orders "
        f"WHERE customer_id = ? AND {date_where}",
        [customer_id, *date_params],
    ).iloc[0]
    scores = store.query("SELECT * FROM customer_scores WHERE customer_id = ?", [customer_id])
    history = store.query(
        "SELECT date_trunc('month', order_date) AS month, count(*) AS orders, "
        "sum(amount) AS revenue FROM orders WHERE customer_id = ? GROUP BY ALL ORDER BY month",
        [customer_id],
    )
    nearby = pd.DataFrame(columns=["customer_id", "name", "km"])
    lat, lon = record.get("lat"), record.get("lon")
    if lat is not None and lon is not None:
        circle = Shape("circle", ((float(lon), float(lat)),), NEARBY_KM)
        nearby = store.query(
            f"SELECT c.customer_id, c.name, round(2 * {EARTH_RADIUS_KM!r} * asin(sqrt("
            "pow(sin(radians(c.lat - ?) / 2), 2) + cos(radians(?)) * cos(radians(c.lat)) * "
            "pow(sin(radians(c.lon - ?) / 2), 2))), 2) AS km FROM customers c "
            f"WHERE c.kind = 'prospect' AND {circle.sql_condition()} "
            f"ORDER BY km, c.customer_id LIMIT {NEARBY_LIMIT}",
            [float(lat), float(lat), float(lon)],
        )
    return CustomerCard(
        record=record,
        areas=areas,
        owner=owner,
        orders_in_period=int(period["n"]),
        revenue_in_period=float(period["amount"]),
        scores={str(k): v for k, v in scores.iloc[0].to_dict().items()} if len(scores) else {},
        history=history,
        nearby=nearby,
    )
