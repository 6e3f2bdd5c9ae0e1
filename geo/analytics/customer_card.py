"""A customer's file on one card: who, where, who owns them, what they bought, what next.

Coordinates are WGS84 degrees; distances great-circle kilometres; amounts in the currency
of the sales file; "in the period" means the filters' date range (orders dated by their
earliest line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.analytics.flows import SO_FAR, is_complete, period_name
from geo.errors import InputError
from geo.places.shapes import EARTH_RADIUS_KM, Shape
from geo.schema import LOCATION_CONFIDENCE, LOCATION_SOURCE_WORDS
from geo.segments.filters import Filters
from geo.segments.selection import order_date_condition
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

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
    #: Orders and revenue per month (see :func:`monthly_orders`), oldest first.
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The nearest prospects within NEARBY_KM: customer_id, name, km.
    nearby: pd.DataFrame = field(default_factory=pd.DataFrame)

    def how_located(self) -> str:
        """How the point was found and its confidence ("located by postcode, medium
        confidence"), or why there is none, in words."""
        source = self.record.get("location_source")
        if self.record.get("lat") is None or self.record.get("lon") is None:
            return f"no location: {self.record.get('location_note') or 'none was given'}"
        if source in LOCATION_CONFIDENCE:
            return (
                f"located {LOCATION_SOURCE_WORDS[source]}, {LOCATION_CONFIDENCE[source]} confidence"
            )
        return "how it was located was not recorded (imported before sources were kept)"


def monthly_orders(store: Store, customer_id: str, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """One row per calendar month from the customer's first order to the month of the
    latest order in the data, months without orders included (as zeros).

    Columns: month (its first day), label ('Mar 2026'), orders (each order once, dated by
    its earliest line), revenue (sales currency), complete (False for the month of the
    latest order in the data, which may still be running). Empty without orders.
    """
    frame = store.query(
        "SELECT CAST(date_trunc('month', order_date) AS DATE) AS month, count(*) AS orders, "
        "sum(amount) AS revenue FROM orders WHERE customer_id = ? "
        "GROUP BY CAST(date_trunc('month', order_date) AS DATE) ORDER BY month",
        [customer_id],
        scope=scope,
    )
    columns = ["month", "label", "orders", "revenue", "complete"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    last_day = pd.Timestamp(
        store.query("SELECT max(order_date) AS d FROM orders", scope=scope)["d"].iloc[0]
    )
    months = pd.date_range(
        pd.Timestamp(frame["month"].min()), last_day.to_period("M").start_time, freq="MS"
    )
    counted = frame.assign(month=pd.to_datetime(frame["month"])).set_index("month")
    out = counted.reindex(months).rename_axis("month").reset_index()
    out["orders"] = out["orders"].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0).astype("float64")
    out["month"] = out["month"].dt.date
    out["complete"] = [is_complete(m, "month", last_day.date()) for m in out["month"]]
    out["label"] = [
        period_name(m, "month") + ("" if whole else SO_FAR)
        for m, whole in zip(out["month"], out["complete"], strict=True)
    ]
    return out[columns]


def customer_card(
    store: Store, customer_id: str, filters: Filters | None = None, *, scope: Scope = EVERYTHING
) -> CustomerCard:
    """The card of ``customer_id``; InputError when there is no such customer."""
    filters = filters or Filters()
    people = store.query(
        "SELECT * FROM customers WHERE customer_id = ?", [customer_id], scope=scope
    )
    if people.empty:
        raise InputError(f"no customer with ID '{customer_id[:40]}'")
    record = {str(k): (None if pd.isna(v) else v) for k, v in people.iloc[0].to_dict().items()}
    levels = store.levels()
    areas = store.query(
        "SELECT a.level, a.area_id, ar.name, ar.owner, a.location_status FROM assignments a "
        "LEFT JOIN areas ar ON ar.area_id = a.area_id WHERE a.customer_id = ?",
        [customer_id],
        scope=scope,
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
        scope=scope,
    ).iloc[0]
    scores = store.query(
        "SELECT * FROM customer_scores WHERE customer_id = ?", [customer_id], scope=scope
    )
    history = monthly_orders(store, customer_id, scope=scope)
    nearby = pd.DataFrame(columns=["customer_id", "name", "km"])
    lat, lon = record.get("lat"), record.get("lon")
    if lat is not None and lon is not None:
        circle = Shape("circle", ((float(lon), float(lat)),), NEARBY_KM)
        # Great-circle distance by the haversine formula, in km.
        km = (
            f"2 * {EARTH_RADIUS_KM!r} * asin(sqrt(power(sin(radians(c.lat - ?) / 2), 2) + "
            "cos(radians(?)) * cos(radians(c.lat)) * power(sin(radians(c.lon - ?) / 2), 2)))"
        )
        nearby = store.query(
            f"SELECT c.customer_id, c.name, {store.dialect.round_number(km, 2)} AS km "
            "FROM customers c "
            f"WHERE c.kind = 'prospect' AND {circle.sql_condition()} "
            f"ORDER BY km, c.customer_id LIMIT {NEARBY_LIMIT}",
            [float(lat), float(lat), float(lon)],
            scope=scope,
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
