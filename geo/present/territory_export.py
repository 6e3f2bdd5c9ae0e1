"""A scenario as files: each unit's territory (CSV or Excel), or the territories' shapes
with their figures (GeoJSON, EPSG:4326); Excel-safe and the figures the page shows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.errors import InputError
from geo.present.exports import Target, write_export
from geo.territories.applying import territory_shapes
from geo.territories.scenario_figures import WHAT_IF_FIGURES, UnitBase
from geo.territories.scenarios import UNASSIGNED, Scenario

SCENARIO_FORMATS = ("csv", "xlsx", "geojson")


def scenario_units_table(base: UnitBase, scenario: Scenario) -> pd.DataFrame:
    """One row per unit: unit_id, unit_name, territory_id (blank when unassigned),
    territory_name, owner, then the unit's figures."""
    units = base.units[["area_id", "name"]].astype({"area_id": str})
    territory = pd.Series(scenario.territory_column(units["area_id"]), index=units.index)
    territory = territory.where(territory != UNASSIGNED, "")
    info = scenario.territories
    table = pd.DataFrame(
        {
            "unit_id": units["area_id"],
            "unit_name": units["name"],
            "territory_id": territory,
            "territory_name": territory.map(info["name"]).fillna(""),
            "owner": territory.map(info["owner"]),
        }
    )
    figures = base.figures.reindex(units["area_id"])[list(WHAT_IF_FIGURES)]
    table = pd.concat([table.reset_index(drop=True), figures.reset_index(drop=True)], axis=1)
    return rounded_figures(table)


#: Decimals each figure is shown and written with (money in cents, contacts to tenths).
FIGURE_DECIMALS = {
    "sales_amount": 2,
    "revenue_at_risk": 2,
    "contacts_per_month": 1,
    "workload_minutes": 0,
}


def rounded_figures(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its what-if figures rounded as the page shows them."""
    out = table.copy()
    for column in out.columns:
        for figure, decimals in FIGURE_DECIMALS.items():
            if str(column) == figure or str(column).startswith(f"{figure}_"):
                out[column] = out[column].astype("float64").round(decimals)
    return out


def scenario_territories_table(base: UnitBase, scenario: Scenario) -> pd.DataFrame:
    """One row per territory holding a unit: territory_id, name, owner, units, each figure
    summed, and its shape (``geometry``, the union of its units)."""
    shapes = territory_shapes(base.units, scenario).set_index("area_id")
    totals = base.alignment(scenario).totals().drop(index=UNASSIGNED, errors="ignore")
    table = totals.reindex(shapes.index)
    table.insert(0, "owner", shapes["owner"])
    table.insert(0, "name", shapes["name"])
    table["geometry"] = shapes.geometry
    return rounded_figures(table.rename_axis("territory_id").reset_index())


def write_scenario(base: UnitBase, scenario: Scenario, path: Target, fmt: str) -> int:
    """Write ``scenario`` as ``fmt``: csv or xlsx (a row per unit), geojson (a feature
    per territory); rows or features written."""
    if fmt not in SCENARIO_FORMATS:
        raise InputError(
            f"cannot write a scenario as '{fmt}'", hint="Name the file .csv, .xlsx or .geojson"
        )
    if fmt == "geojson":
        return write_export(scenario_territories_table(base, scenario), path, fmt)
    return write_export(scenario_units_table(base, scenario), path, fmt)


def scenario_file_format(path: Path) -> str:
    """The format a file name asks for (its suffix), checked."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in SCENARIO_FORMATS:
        raise InputError(f"cannot write {path.name}", hint="Name the file .csv, .xlsx or .geojson")
    return fmt
