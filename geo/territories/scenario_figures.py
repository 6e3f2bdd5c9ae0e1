"""A scenario's figures: per territory before and after, and the judging figures.

Everything is a sum of the unit figures (:mod:`geo.territories.unit_figures`, counted
once by the database), so a move answers in milliseconds whatever the number of
customers: what the page and the ``geocrm territory move`` command show after each move.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from geo.places.shapes import Shape
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope
from geo.territories.alignment_figures import (
    UnitShapes,
    balance_index,
    disruption,
    max_min_ratio,
    territory_parts,
)
from geo.territories.scenarios import UNASSIGNED, Scenario
from geo.territories.unit_figures import MINUTES_PER_CONTACT, unit_figures
from geo.territories.unit_graph import UnitGraph, unit_graph
from geo.territories.what_if import Alignment, compare

#: The figures a what-if shows per territory, in this order.
WHAT_IF_FIGURES = (
    "customers",
    "prospects",
    "sales_amount",
    "at_risk",
    "revenue_at_risk",
    "contacts_per_month",
    "workload_minutes",
)


@dataclass(frozen=True)
class UnitBase:
    """What every what-if of one unit level adds up: the units' shapes (EPSG:4326, by
    area_id), their figures (by area_id) and their adjacency graph."""

    units: gpd.GeoDataFrame
    figures: pd.DataFrame
    graph: UnitGraph
    shapes: UnitShapes

    @classmethod
    def of(cls, units: gpd.GeoDataFrame, figures: pd.DataFrame) -> UnitBase:
        units = units.sort_values("area_id", kind="stable").reset_index(drop=True)
        kept = figures.reindex(units["area_id"].astype(str))
        numbers = list(WHAT_IF_FIGURES)
        kept[numbers] = kept[numbers].fillna(0)
        return cls(units, kept, unit_graph(units), UnitShapes.of(units))

    def units_inside(self, shape: Shape) -> list[str]:
        """The units whose representative point (a point inside each, shapely's
        ``point_on_surface``) lies in ``shape`` (a drawn lasso, rectangle or circle)."""
        inside = shapely.point_on_surface(self.units.geometry.to_numpy())
        held = shape.contains(shapely.get_x(inside), shapely.get_y(inside))
        return self.units.loc[held, "area_id"].astype(str).tolist()

    def alignment(self, scenario: Scenario) -> Alignment:
        """The scenario over these units (unassigned ones as :data:`UNASSIGNED`)."""
        frame = self.figures[list(WHAT_IF_FIGURES)].copy()
        frame["territory"] = scenario.territory_column(frame.index)
        return Alignment(frame)


def unit_base(
    store: Store,
    unit_level: str,
    *,
    minutes_per_contact: float = MINUTES_PER_CONTACT,
    scope: Scope = EVERYTHING,
) -> UnitBase:
    """The units of ``unit_level`` that ``scope`` sees, with their figures: what every
    what-if of that level adds up."""
    figures = unit_figures(store, unit_level, minutes_per_contact=minutes_per_contact, scope=scope)
    return UnitBase.of(store.load_areas(unit_level, scope=scope), figures)


def territory_figures(base: UnitBase, before: Scenario, after: Scenario) -> pd.DataFrame:
    """Per territory (every one of either scenario, with unassigned units as a row of
    their own): units and each figure before, after and the change; with the territory's
    name and owner after (else before)."""
    table = compare(base.alignment(before), base.alignment(after)).reset_index()
    names = pd.concat([after.territories, before.territories])
    names = names[~names.index.duplicated()]
    table.insert(1, "name", table["territory"].map(names["name"]).fillna(table["territory"]))
    table.insert(2, "owner", table["territory"].map(names["owner"]))
    return table


def alignment_judgement(base: UnitBase, scenario: Scenario, figure: str) -> dict[str, float]:
    """The judging figures of ``scenario`` on ``figure``: balance index (0-100) and
    largest over smallest territory, Polsby-Popper compactness (mean and least, 0-1),
    territories in more than one piece, and units left unassigned."""
    alignment = base.alignment(scenario)
    totals = alignment.totals().drop(index=UNASSIGNED, errors="ignore")
    loads = totals[figure].to_numpy("float64")
    compactness = base.shapes.polsby_popper(alignment.units["territory"].tolist())
    compactness = compactness.drop(index=UNASSIGNED, errors="ignore")
    parts = territory_parts(base.graph, alignment.units["territory"].tolist())
    return {
        "balance_index": round(balance_index(loads), 1) if len(loads) else 0.0,
        "max_min_ratio": round(max_min_ratio(loads), 3) if len(loads) else 0.0,
        "mean_polsby_popper": round(float(compactness.mean()), 3) if len(compactness) else 0.0,
        "min_polsby_popper": round(float(compactness.min()), 3) if len(compactness) else 0.0,
        "territories_in_pieces": sum(1 for t, p in parts.items() if p > 1 and t != UNASSIGNED),
        "unassigned_units": int((alignment.units["territory"] == UNASSIGNED).sum()),
    }


def scenario_disruption(base: UnitBase, before: Scenario, after: Scenario) -> pd.DataFrame:
    """Accounts (customers) and revenue (lifetime sales) whose unit changes territory from
    ``before`` to ``after``, per rep of the territory they leave, and in all (``owner``
    ``all``), with their shares of every account and all revenue."""
    figures = base.figures.rename(columns={"customers": "accounts", "sales_amount": "revenue"})
    owners = {str(t): o for t, o in before.territories["owner"].items() if isinstance(o, str)}
    return disruption(
        dict(zip(figures.index, before.territory_column(figures.index), strict=True)),
        dict(zip(figures.index, after.territory_column(figures.index), strict=True)),
        figures[["accounts", "revenue"]],
        owners,
    )
