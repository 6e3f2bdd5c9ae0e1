"""What-if scenarios: an alignment of units to territories, named, saved and read back.

A scenario says, for the units of one level (counties, states ...), which territory of a
territory level each belongs to, and each territory's name and owner. It starts as a copy
of the current alignment (:func:`current_scenario`), or empty when the territory level is
new; moves change it (:meth:`Scenario.moved`); saving keeps it in the database, and
applying it (:mod:`geo.territories.applying`) makes it the current alignment.

The current territory of a unit is the stored territory area holding the unit's
representative point (a point inside it, shapely's ``point_on_surface``), by the exact
assignment customers get; a unit in no territory belongs to the nearest one. A unit a
scenario leaves out is in no territory (*unassigned*): applied, its customers are outside
all areas at the territory level.

Several people may save the same scenario at once: each saved scenario carries a revision,
and a save or delete that started from another revision is refused with
:class:`ScenarioChangedError` (as saved segments are, :mod:`geo.segments.saved`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import ChangedMeanwhileError, InputError
from geo.places.exact_assignment import assign_points
from geo.store.protocol import Store, StoreReader
from geo.store.scope import EVERYTHING, Scope

MAX_NAME_CHARS = 80
#: How an unassigned unit's territory is shown in tables (never stored).
UNASSIGNED = "(unassigned)"


@dataclass(frozen=True)
class Scenario:
    """Units of ``unit_level`` in territories of ``territory_level``.

    ``territory_of``: unit area_id -> territory area_id, for the assigned units only.
    ``territories``: territory area_id (index) -> ``name`` and ``owner``, every territory
    of the scenario (one may hold no unit yet). ``revision`` and ``updated_at`` are those
    of the saved scenario it was read from (None: not saved).
    """

    unit_level: str
    territory_level: str
    territory_of: dict[str, str]
    territories: pd.DataFrame
    name: str = ""
    note: str = ""
    revision: int | None = None
    updated_at: datetime | None = None
    created_by: str | None = None
    applied_at: datetime | None = None
    problems: list[str] = field(default_factory=list)

    def moved(self, unit_ids: Iterable[str], to: str) -> Scenario:
        """This scenario with ``unit_ids`` in territory ``to`` (one of its territories, or
        :data:`UNASSIGNED` to leave them out)."""
        chosen = list(dict.fromkeys(str(u) for u in unit_ids))
        if to != UNASSIGNED and to not in self.territories.index:
            raise InputError(
                f"there is no territory '{to}' in this scenario",
                hint="Add the territory first, or move the units to one of: "
                + ", ".join(map(str, self.territories.index)),
            )
        territory_of = dict(self.territory_of)
        for unit in chosen:
            if to == UNASSIGNED:
                territory_of.pop(unit, None)
            else:
                territory_of[unit] = to
        return replace(self, territory_of=territory_of)

    def with_territory(self, territory_id: str, name: str, owner: str | None) -> Scenario:
        """This scenario with territory ``territory_id`` added, or renamed and given to
        ``owner`` (None or blank: no owner)."""
        territory_id = territory_id.strip()
        if not territory_id:
            raise InputError("a territory needs an ID", hint="Type a short code such as T10")
        table = self.territories.copy()
        table.loc[territory_id, ["name", "owner"]] = [
            name.strip() or territory_id,
            (owner or "").strip() or None,
        ]
        return replace(self, territories=table)

    def without_territory(self, territory_id: str) -> Scenario:
        """This scenario without territory ``territory_id``; its units are unassigned."""
        territory_of = {u: t for u, t in self.territory_of.items() if t != territory_id}
        return replace(
            self,
            territory_of=territory_of,
            territories=self.territories.drop(index=territory_id, errors="ignore"),
        )

    def territory_column(self, unit_ids: Iterable[str]) -> list[str]:
        """The territory of each of ``unit_ids`` (:data:`UNASSIGNED` for none)."""
        return [self.territory_of.get(str(u), UNASSIGNED) for u in unit_ids]


def _territory_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Territories by ``territory_id`` (index, text) with name and owner (text or None)."""
    table = pd.DataFrame(
        {
            "name": frame["name"].astype(object).to_numpy(),
            "owner": frame["owner"].astype(object).where(frame["owner"].notna(), None).to_numpy(),
        },
        index=pd.Index(frame["territory_id"].astype(str), name="territory_id"),
    )
    return table.sort_index()


def current_territories(units: gpd.GeoDataFrame, territories: gpd.GeoDataFrame) -> np.ndarray:
    """The territory area_id of each unit (EPSG:4326 both): the one holding its
    representative point, else the nearest."""
    inside = shapely.point_on_surface(units.geometry.values)
    owner = assign_points(shapely.get_x(inside), shapely.get_y(inside), territories)
    missing = np.flatnonzero(pd.isna(owner))
    if len(missing):
        tree = shapely.STRtree(territories.geometry.values)
        nearest = tree.query_nearest(units.geometry.values[missing], all_matches=False)[1]
        owner[missing] = territories["area_id"].to_numpy()[nearest]
    return owner


def current_scenario(
    store: Store, unit_level: str, territory_level: str, *, scope: Scope = EVERYTHING
) -> Scenario:
    """The current alignment as an unsaved scenario: every unit of ``unit_level`` that
    ``scope`` sees in its current territory of ``territory_level`` (none when that level
    has no areas yet: a territory level to build)."""
    if unit_level == territory_level:
        raise InputError("territories are made of units of another, finer level")
    units = store.load_areas(unit_level, scope=scope)
    if units.empty:
        raise InputError(
            f"there are no areas of level '{unit_level}' to build territories from",
            hint="Choose a level the database has, or import its areas on the Data page",
        )
    territory_areas = store.load_areas(territory_level, scope=scope)
    if territory_areas.empty:
        empty = pd.DataFrame({"territory_id": [], "name": [], "owner": []})
        return Scenario(unit_level, territory_level, {}, _territory_table(empty))
    owner = current_territories(units, territory_areas)
    territory_of = {str(u): str(t) for u, t in zip(units["area_id"], owner, strict=True)}
    table = _territory_table(territory_areas.rename(columns={"area_id": "territory_id"}))
    return Scenario(unit_level, territory_level, territory_of, table)


# -- saving --------------------------------------------------------------------------------


class ScenarioChangedError(ChangedMeanwhileError):
    """Someone else saved or deleted a scenario after the editor read it (or saved one
    under the name chosen): see :class:`ChangedMeanwhileError`."""

    def __init__(self, name: str, *, revision: int | None, started_from: int | None) -> None:
        super().__init__("scenario", name, revision=revision, started_from=started_from)


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InputError(f"a scenario name needs 1 to {MAX_NAME_CHARS} characters")
    return name


def _stored_revision(reader: StoreReader, name: str) -> int | None:
    found = reader.scalar("SELECT revision FROM scenarios WHERE name = ?", [name])
    return None if found is None else int(found)


def _check_units(store: Store, scenario: Scenario) -> None:
    """Refuse a scenario that names a unit the unit level does not have, or puts a unit in
    a territory it does not list."""
    known = set(store.area_names(scenario.unit_level)["area_id"].astype(str))
    unknown = sorted(set(scenario.territory_of) - known)
    if unknown:
        raise InputError(
            f"there is no area '{unknown[0]}' of level '{scenario.unit_level}'"
            + (f" (and {len(unknown) - 1:,} more)" if len(unknown) > 1 else ""),
            hint="Use the area IDs of the level the territories are made of",
        )
    listed = set(map(str, scenario.territories.index))
    stray = sorted(set(scenario.territory_of.values()) - listed)
    if stray:
        raise InputError(
            f"units are placed in territory '{stray[0]}', which the scenario does not list",
            hint="Add the territory with its name and owner first",
        )


def save_scenario(
    store: Store,
    scenario: Scenario,
    name: str,
    *,
    by: str | None = None,
    started_from: int | None = None,
    overwrite: bool = False,
) -> Scenario:
    """Save ``scenario`` under ``name``; returns it with that name and its new revision.

    ``started_from``: the revision the editor opened (None: a new scenario). Refused with
    :class:`ScenarioChangedError`, writing nothing, when the stored one is not at that
    revision, unless ``overwrite``. Check and write are one transaction.
    """
    name = _check_name(name)
    _check_units(store, scenario)
    units = pd.DataFrame(
        {
            "scenario": name,
            "unit_id": list(scenario.territory_of),
            "territory_id": list(scenario.territory_of.values()),
        }
    )
    territories = pd.DataFrame(
        {
            "scenario": name,
            "territory_id": scenario.territories.index.astype(str),
            "name": scenario.territories["name"].to_numpy(),
            "owner": scenario.territories["owner"].to_numpy(),
        }
    )
    with store.transaction() as tx:
        found = _stored_revision(tx, name)
        if found != started_from and not overwrite:
            raise ScenarioChangedError(name, revision=found, started_from=started_from)
        if found is None:
            tx.execute(
                "INSERT INTO scenarios (name, unit_level, territory_level, note, created_by, "
                "created_at, updated_at, revision) VALUES (?, ?, ?, ?, ?, now(), now(), 1)",
                [name, scenario.unit_level, scenario.territory_level, scenario.note, by],
            )
        else:
            tx.execute(
                "UPDATE scenarios SET unit_level = ?, territory_level = ?, note = ?, "
                "updated_at = now(), revision = ?, applied_at = NULL, applied_by = NULL "
                "WHERE name = ?",
                [scenario.unit_level, scenario.territory_level, scenario.note, found + 1, name],
            )
        tx.execute("DELETE FROM scenario_units WHERE scenario = ?", [name])
        tx.execute("DELETE FROM scenario_territories WHERE scenario = ?", [name])
        if len(units):
            tx.insert_frame("scenario_units", units)
        if len(territories):
            tx.insert_frame("scenario_territories", territories)
    return open_scenario(store, name)


def open_scenario(store: Store, name: str) -> Scenario:
    """The saved scenario named ``name``, read in one snapshot; :class:`InputError`
    listing the saved names if there is none. Units that the unit level no longer has
    (a re-import removed them) are left out and listed in ``problems``."""
    with store.snapshot() as reader:
        head = reader.query("SELECT * FROM scenarios WHERE name = ?", [name])
        if head.empty:
            names = reader.query("SELECT name FROM scenarios ORDER BY name")["name"].tolist()
            raise InputError(
                f"there is no saved scenario '{name}'",
                hint=("Saved scenarios: " + ", ".join(names)) if names else "None is saved yet",
            )
        units = reader.query(
            "SELECT unit_id, territory_id FROM scenario_units WHERE scenario = ?", [name]
        )
        territories = reader.query(
            "SELECT territory_id, name, owner FROM scenario_territories WHERE scenario = ?",
            [name],
        )
        row = head.iloc[0]
        known = reader.query("SELECT area_id FROM areas WHERE level = ?", [str(row["unit_level"])])[
            "area_id"
        ]
    kept = units["unit_id"].isin(set(known.astype(str)))
    gone = units.loc[~kept, "unit_id"].astype(str).tolist()
    problems = (
        [
            f"{len(gone):,} units are no longer in level '{row['unit_level']}' "
            f"(e.g. '{gone[0]}'): left out"
        ]
        if gone
        else []
    )
    units = units[kept]
    return Scenario(
        unit_level=str(row["unit_level"]),
        territory_level=str(row["territory_level"]),
        territory_of=dict(
            zip(units["unit_id"].astype(str), units["territory_id"].astype(str), strict=True)
        ),
        territories=_territory_table(territories),
        name=str(row["name"]),
        note="" if pd.isna(row["note"]) else str(row["note"]),
        revision=int(row["revision"]),
        updated_at=_moment(row["updated_at"]),
        created_by=None if pd.isna(row["created_by"]) else str(row["created_by"]),
        applied_at=_moment(row["applied_at"]),
        problems=problems,
    )


def _moment(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def list_scenarios(store: Store) -> pd.DataFrame:
    """Every saved scenario, by name: unit and territory levels, units and territories
    held, revision, who made it, when it was saved and when it was last applied."""
    frame = store.query(
        "SELECT s.name, s.unit_level, s.territory_level, "
        "(SELECT count(*) FROM scenario_units u WHERE u.scenario = s.name) AS units, "
        "(SELECT count(*) FROM scenario_territories t WHERE t.scenario = s.name) "
        "AS territories, s.revision, s.created_by, s.updated_at, s.applied_at "
        "FROM scenarios s ORDER BY s.name"
    )
    for column in ("units", "territories", "revision"):
        frame[column] = frame[column].astype("int64")
    return frame


def delete_scenario(store: Store, name: str, *, started_from: int | None = None) -> None:
    """Delete the saved scenario ``name``; with ``started_from``, only if it is still at
    that revision (else :class:`ScenarioChangedError`)."""
    with store.transaction() as tx:
        found = _stored_revision(tx, name)
        if found is None or (started_from is not None and found != started_from):
            raise ScenarioChangedError(name, revision=found, started_from=started_from)
        for table in ("scenario_units", "scenario_territories"):
            tx.execute(f"DELETE FROM {table} WHERE scenario = ?", [name])
        tx.execute("DELETE FROM scenarios WHERE name = ?", [name])
