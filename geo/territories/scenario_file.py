"""A scenario from a table file: one row per unit, the territory it goes in.

Columns (names matched ignoring case, spaces, ``_`` and ``-``): the unit's area ID
(``unit_id``, ``area_id``, ``unit``), its territory (``territory_id``, ``territory``), and
optionally the territory's name (``territory_name``) and owner (``owner``, ``rep``). Every
row is used or rejected with its row number and reason: a unit the level does not have, a
unit given twice, a row without a territory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.errors import InputError
from geo.imports.table_files import detect_column, read_table
from geo.store.protocol import Store
from geo.territories.scenarios import Scenario

UNIT_COLUMNS = ("unit_id", "area_id", "unit", "county", "zip")
TERRITORY_COLUMNS = ("territory_id", "territory", "territory_code")
NAME_COLUMNS = ("territory_name", "name")
OWNER_COLUMNS = ("owner", "rep", "territory_owner")


@dataclass(frozen=True)
class ScenarioFile:
    """The scenario read, the rows rejected (``row``, ``unit_id``, ``reason``) and any
    warnings of the reader."""

    scenario: Scenario
    rejected: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _column(frame: pd.DataFrame, candidates: tuple[str, ...], source: str, what: str) -> str:
    found = detect_column(frame.columns, candidates)
    if found is None:
        raise InputError(
            f"no column for {what}",
            file=source,
            hint=f"Name a column {candidates[0]} (or one of: {', '.join(candidates[1:])})",
        )
    return found


def read_scenario_file(
    store: Store,
    path: Path,
    unit_level: str,
    territory_level: str,
    *,
    display_name: str | None = None,
) -> ScenarioFile:
    """The scenario that ``path`` (CSV or XLSX) describes; see the module docstring."""
    table = read_table(path, display_name=display_name)
    frame, source = table.frame, table.source
    unit_col = _column(frame, UNIT_COLUMNS, source, "the unit's area ID")
    territory_col = _column(frame, TERRITORY_COLUMNS, source, "the territory")
    name_col = detect_column(frame.columns, NAME_COLUMNS)
    owner_col = detect_column(frame.columns, OWNER_COLUMNS)
    known = set(store.area_names(unit_level)["area_id"].astype(str))
    if not known:
        raise InputError(
            f"there are no areas of level '{unit_level}' to build territories from",
            file=source,
            hint="Choose the level the file's units are of",
        )
    units = frame[unit_col].fillna("").astype(str).str.strip()
    territories = frame[territory_col].fillna("").astype(str).str.strip()
    reasons = pd.Series("", index=frame.index)
    reasons[territories == ""] = f"no territory in column {territory_col}"
    reasons[~units.isin(known)] = f"'{unit_level}' has no area with this ID"
    reasons[units == ""] = f"no unit in column {unit_col}"
    repeated = units.duplicated(keep="first") & (reasons == "")
    reasons[repeated] = "this unit is given on an earlier row: that row counts"
    bad = reasons != ""
    rejected = pd.DataFrame(
        {"row": frame.loc[bad, "_row"], "unit_id": units[bad], "reason": reasons[bad]}
    ).reset_index(drop=True)
    good = ~bad
    territory_of = dict(zip(units[good], territories[good], strict=True))
    ids = sorted(set(territory_of.values()))
    first = pd.DataFrame({"territory_id": territories[good]})
    first["name"] = frame.loc[good, name_col].fillna("").astype(str).str.strip() if name_col else ""
    first["owner"] = (
        frame.loc[good, owner_col].fillna("").astype(str).str.strip() if owner_col else ""
    )
    # A territory's name and owner: the first row that gives them.
    named = first[first["name"] != ""].drop_duplicates("territory_id").set_index("territory_id")
    owned = first[first["owner"] != ""].drop_duplicates("territory_id").set_index("territory_id")
    listing = pd.DataFrame(
        {
            "name": [named["name"].get(t, t) for t in ids],
            "owner": [owned["owner"].get(t) for t in ids],
        },
        index=pd.Index(ids, name="territory_id"),
        dtype=object,
    )
    scenario = Scenario(unit_level, territory_level, territory_of, listing)
    return ScenarioFile(scenario, rejected, table.warnings)
