"""What each headline figure counts, defined once for every page, file and command.

A segment's headline figures always describe the whole selection: *customers* are the
customers matching the segment, wherever they are. What a surface can only show a part
of (a per-area table, the map) is a labelled subset of those: "in an area" (located inside
an area of the level shown), "located" (with coordinates: in an area or outside all
areas), "without a location". :func:`selection_figures` computes them all in one pass
(through :func:`geo.segments.area_kpis.summarise_selection`), and :data:`GLOSSARY` says
what each means in the words the pages, the README and ``geocrm figures`` use.

Amounts are in the currency of the sales file; dates are calendar dates.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from geo.analytics.flows import flows_over_time, latest_complete_period, period_name
from geo.segments.area_kpis import summarise_selection
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: The period of the "net customer change" headline.
NET_CHANGE_PERIOD = "quarter"


@dataclass(frozen=True)
class Definition:
    """A figure's label as shown and what it counts."""

    label: str
    meaning: str


#: Every headline figure, in the order a glossary lists them.
GLOSSARY: dict[str, Definition] = {
    "customers": Definition(
        "Customers",
        "Customers matching the segment, wherever they are: in an area, outside all areas "
        "or without a location.",
    ),
    "prospects": Definition(
        "Prospects", "Prospects matching the segment, wherever they are (as for customers)."
    ),
    "orders": Definition(
        "Orders",
        "Orders placed by the selected customers in the sales date range; an order is dated "
        "by its earliest line.",
    ),
    "sales_amount": Definition(
        "Sales", "The amount of those orders (the sum of their lines), in the sales currency."
    ),
    "in_area": Definition(
        "In an area",
        "Those located inside an area of the level shown. Per-area tables and the map's "
        "colours add up to this subset.",
    ),
    "located": Definition(
        "Located",
        "Those with a location (coordinates): in an area or outside all areas. The map can "
        "draw only these.",
    ),
    "outside_areas": Definition(
        "Outside all areas", "Located, but inside no area of the level shown."
    ),
    "no_location": Definition(
        "Without a location", "No coordinates and no postcode that could be located."
    ),
    "customers_high_risk": Definition(
        "At high churn risk",
        "Selected customers whose churn risk band is high (see the Customers page).",
    ),
    "net_change": Definition(
        "Net customer change",
        "Customers active (at least one order) in the last whole quarter minus those active "
        "in the quarter before, among the selected customers; the sales dates do not apply.",
    ),
    "penetration": Definition(
        "Penetration",
        "Customers / (customers + prospects) located in an area; 'no data' when both are 0.",
    ),
}


@dataclass(frozen=True)
class SelectionFigures:
    """The headline figures of one selection and their location subsets (counts; money in
    the sales currency)."""

    customers: int
    prospects: int
    orders: int
    sales_amount: float
    customers_in_area: int
    customers_outside_areas: int
    customers_no_location: int
    prospects_in_area: int
    prospects_outside_areas: int
    prospects_no_location: int
    orders_in_area: int
    sales_in_area: float
    customers_high_risk: int

    @property
    def customers_located(self) -> int:
        return self.customers_in_area + self.customers_outside_areas

    @property
    def prospects_located(self) -> int:
        return self.prospects_in_area + self.prospects_outside_areas

    def located(self, kind: str) -> int:
        """Located customers (``kind='customer'``) or prospects: what the map can draw."""
        return self.customers_located if kind == "customer" else self.prospects_located

    def whole(self, kind: str) -> int:
        return self.customers if kind == "customer" else self.prospects

    def where_note(self, kind: str = "customer") -> str:
        """Where the selected customers (or prospects) are, e.g. '49,621 in an area ·
        79 outside all areas · 300 without a location'; empty parts left out."""
        prefix = "customers" if kind == "customer" else "prospects"
        parts = [
            (getattr(self, f"{prefix}_in_area"), "in an area"),
            (getattr(self, f"{prefix}_outside_areas"), "outside all areas"),
            (getattr(self, f"{prefix}_no_location"), "without a location"),
        ]
        return " · ".join(f"{n:,} {what}" for n, what in parts if n)

    def headline(self) -> str:
        """One line for a picture or slide: '50,000 customers (49,621 in an area) ·
        150,000 prospects · sales $465,196,760'."""
        parts = [f"{self.customers:,} customers"]
        if self.customers_in_area != self.customers:
            parts[0] += f" ({self.customers_in_area:,} in an area)"
        if self.prospects:
            parts.append(f"{self.prospects:,} prospects")
        parts.append(f"sales ${self.sales_amount:,.0f}")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["customers_located"] = self.customers_located
        out["prospects_located"] = self.prospects_located
        return out


def selection_figures(
    store: Store, filters: Filters, *, scope: Scope = EVERYTHING
) -> SelectionFigures:
    """The headline figures of the selection the filters describe (one query)."""
    return figures_from_summary(summarise_selection(store, filters, scope=scope))


def figures_from_summary(summary: dict[str, Any]) -> SelectionFigures:
    """The typed figures of a :func:`geo.segments.area_kpis.summarise_selection` result."""
    return SelectionFigures(**{f.name: summary[f.name] for f in fields(SelectionFigures)})


def subset_label(part: int, whole: int, what: str) -> str:
    """A labelled subset: '49,621 in an area of 50,000'; just '50,000' when it is all."""
    if part == whole:
        return f"{whole:,}"
    return f"{part:,} {what} of {whole:,}"


@dataclass(frozen=True)
class NetChange:
    """Net customer change of the whole selection in one period (see GLOSSARY)."""

    period_start: date
    new: int
    reactivated: int
    lost: int
    net_change: int


def net_change_last_period(
    store: Store, filters: Filters, period: str = NET_CHANGE_PERIOD, *, scope: Scope = EVERYTHING
) -> NetChange | None:
    """New, reactivated, lost and net change of the selected customers in the latest
    whole period; None when there are no orders."""
    start = latest_complete_period(store, period, scope=scope)
    if start is None:
        return None
    over_time = flows_over_time(store, filters, period, scope=scope)
    row = over_time[over_time["period_start"].map(lambda d: _as_date(d) == start)]
    if row.empty:
        return NetChange(start, 0, 0, 0, 0)
    first = row.iloc[0]
    return NetChange(
        start,
        int(first["new"]),
        int(first["reactivated"]),
        int(first["lost"]),
        int(first["net_change"]),
    )


def quarter_name(start: date) -> str:
    """'Q3 2026' for the quarter that starts on ``start``."""
    return period_name(start, "quarter")


def _as_date(value: Any) -> date:
    return value if type(value) is date else value.date()
