"""Applying a saved scenario: it becomes the current alignment, and its changes are dated.

In one transaction:

- the territory level's areas are replaced by the scenario's territories, each the union
  of its units' shapes (EPSG:4326), with its name and owner; a territory that held an
  area of another level as its parent keeps it, and areas whose parent was a territory of
  this level (states under their division) get the territory holding most of their units;
- every customer is assigned to the new territories by the exact rule every level uses
  (:mod:`geo.places.exact_assignment`), so ``assign`` later finds the same;
- the alignment history (:mod:`geo.territories.history`) closes, on the effective date,
  the rows of the units whose territory or owner changed and opens their new rows. The
  first apply to a territory level first records the alignment before it as held since
  records began, so that what came before is still credited to whoever held it.

A territory with no unit is left out (and reported). The effective date may not precede
the latest change already recorded for the level: history is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd
import shapely

from geo.access.audit import record_event, utc_now
from geo.errors import InputError
from geo.places.assignment_stamp import assignments_current_in, mark_assignments_current
from geo.places.level_assignment import assign_into
from geo.schema import CRS_WGS84, LOCATION_STATUSES
from geo.store.protocol import Store, StoreWriter
from geo.territories.scenarios import Scenario, current_scenario, open_scenario


@dataclass(frozen=True)
class AppliedScenario:
    """What applying did: units and owners that changed, territories written and left out
    (with no unit), and the customers' location statuses at the territory level."""

    scenario: str
    territory_level: str
    effective: date
    units_changed: int
    owner_changes: int
    territories: int
    empty_territories: list[str]
    statuses: dict[str, int]


def territory_shapes(units: gpd.GeoDataFrame, scenario: Scenario) -> gpd.GeoDataFrame:
    """The scenario's territories as areas of its territory level: each the union of its
    units' shapes (made valid), with name, owner and households (the units' sum when each
    has it). Territories without units are left out."""
    assigned = units.assign(
        territory_id=units["area_id"].astype(str).map(scenario.territory_of)
    ).dropna(subset=["territory_id"])
    rows = []
    for territory_id, part in assigned.groupby("territory_id", sort=True):
        shape = shapely.make_valid(shapely.union_all(part.geometry.to_numpy()))
        households = part["households"]
        info = scenario.territories.loc[str(territory_id)]
        rows.append(
            {
                "area_id": str(territory_id),
                "name": info["name"],
                "level": scenario.territory_level,
                "parent_id": None,
                "owner": info["owner"],
                "households": float(households.sum()) if households.notna().all() else None,
                "geometry": shape,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_WGS84)


def _parents(tx: StoreWriter, scenario: Scenario, shapes: gpd.GeoDataFrame) -> None:
    """Keep each territory's parent; re-parent the areas that sat under a territory of this
    level to the territory holding most of their units (ties: the smallest ID)."""
    old = tx.query(
        "SELECT area_id, parent_id FROM areas WHERE level = ?", [scenario.territory_level]
    )
    kept = dict(zip(old["area_id"].astype(str), old["parent_id"], strict=True))
    shapes["parent_id"] = [kept.get(str(a)) for a in shapes["area_id"]]
    children = tx.query(
        "SELECT c.area_id FROM areas c JOIN areas p ON p.area_id = c.parent_id WHERE p.level = ?",
        [scenario.territory_level],
    )["area_id"].astype(str)
    if children.empty:
        return
    units = tx.query(
        "SELECT area_id, parent_id FROM areas WHERE level = ?", [scenario.unit_level]
    ).astype({"area_id": str})
    units["territory_id"] = units["area_id"].map(scenario.territory_of)
    under = units[units["parent_id"].isin(set(children)) & units["territory_id"].notna()]
    counts = under.groupby(["parent_id", "territory_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["parent_id", "n", "territory_id"], ascending=[True, False, True])
    best = counts.drop_duplicates("parent_id")
    written = set(shapes["area_id"])
    new_parent: dict[str, str | None] = {str(c): None for c in children}
    new_parent |= {
        str(p): str(t)
        for p, t in zip(best["parent_id"], best["territory_id"], strict=True)
        if t in written
    }
    for child, parent in new_parent.items():
        tx.execute("UPDATE areas SET parent_id = ? WHERE area_id = ?", [parent, child])


def _record_history(
    tx: StoreWriter,
    before: Scenario,
    after: Scenario,
    effective: date,
    by: str | None,
) -> tuple[int, int]:
    """Close and open the history rows of the units whose territory or owner changed;
    (units whose territory changed, units whose owner changed)."""
    level = after.territory_level
    current = tx.query(
        "SELECT unit_id, territory_id, territory_name, owner FROM alignment_history "
        "WHERE territory_level = ? AND unit_level = ? AND valid_to IS NULL",
        [level, after.unit_level],
    )
    if current.empty and not before.territory_of:
        # A territory level built here: its first alignment is the one it has always had.
        first = _alignment_rows(after)
        _insert_history(
            tx,
            _history_rows(first, after, valid_from=None, by=by, recorded_from=after.name or None),
        )
        return len(first), len(first)
    if current.empty:  # the first apply: what held before, since records began
        current = _alignment_rows(before)
        if len(current):
            _insert_history(tx, _history_rows(current, after, valid_from=None, by=by))
    latest = tx.scalar(
        "SELECT max(valid_from) FROM alignment_history WHERE territory_level = ?", [level]
    )
    if latest is not None and pd.Timestamp(latest).date() > effective:
        raise InputError(
            f"the alignment of '{level}' already changed on {pd.Timestamp(latest).date()}; "
            f"a change effective {effective} would rewrite history",
            hint="Give an effective date on or after the latest change",
        )
    target = _alignment_rows(after)
    merged = current.merge(
        target, on="unit_id", how="outer", suffixes=("_now", "_new"), indicator=True
    )
    same_territory = merged["territory_id_now"].fillna("") == merged["territory_id_new"].fillna("")
    same_owner = merged["owner_now"].fillna("") == merged["owner_new"].fillna("")
    same_name = merged["territory_name_now"].fillna("") == merged["territory_name_new"].fillna("")
    changed = merged[~(same_territory & same_owner & same_name)]
    if changed.empty:
        return 0, 0
    ids = changed["unit_id"].astype(str).tolist()
    with tx.staged("changed_units", pd.DataFrame({"unit_id": ids}), None):
        tx.execute(
            "UPDATE alignment_history SET valid_to = ? WHERE territory_level = ? "
            "AND unit_level = ? AND valid_to IS NULL "
            "AND unit_id IN (SELECT unit_id FROM changed_units)",
            [effective, level, after.unit_level],
        )
    opened = changed.dropna(subset=["territory_id_new"]).rename(
        columns={f"{c}_new": c for c in ("territory_id", "territory_name", "owner")}
    )
    if len(opened):
        _insert_history(
            tx,
            _history_rows(
                opened, after, valid_from=effective, by=by, recorded_from=after.name or None
            ),
        )
    moved = int((~same_territory).sum())
    new_owner = int((~same_owner).sum())
    return moved, new_owner


def _alignment_rows(scenario: Scenario) -> pd.DataFrame:
    """unit_id, territory_id, owner of every assigned unit of ``scenario``."""
    owners, names = scenario.territories["owner"], scenario.territories["name"]
    units = list(scenario.territory_of)
    territories = [scenario.territory_of[u] for u in units]
    return pd.DataFrame(
        {
            "unit_id": units,
            "territory_id": territories,
            "territory_name": [names.get(t) for t in territories],
            "owner": [owners.get(t) for t in territories],
        },
        dtype=object,
    )


def _history_rows(
    alignment: pd.DataFrame,
    scenario: Scenario,
    *,
    valid_from: date | None,
    by: str | None,
    recorded_from: str | None = None,
) -> pd.DataFrame:
    """History rows of ``scenario``'s levels opening on ``valid_from`` (None: since records
    began) for the units of ``alignment`` (unit_id, territory_id, territory_name, owner),
    recorded from the scenario named ``recorded_from`` (None: from the stored areas)."""
    return alignment[["unit_id", "territory_id", "territory_name", "owner"]].assign(
        territory_level=scenario.territory_level,
        unit_level=scenario.unit_level,
        valid_from=valid_from,
        valid_to=None,
        scenario=recorded_from,
        recorded_by=by,
    )


def _insert_history(tx: StoreWriter, rows: pd.DataFrame) -> None:
    frame = rows.assign(recorded_at=utc_now())
    columns = [
        "territory_level",
        "unit_level",
        "unit_id",
        "territory_id",
        "territory_name",
        "owner",
        "valid_from",
        "valid_to",
        "scenario",
        "recorded_at",
        "recorded_by",
    ]
    frame = frame[columns].astype(
        {c: object for c in columns if c not in ("valid_from", "valid_to", "recorded_at")}
    )
    for column in ("valid_from", "valid_to"):
        frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object)
        frame.loc[frame[column].isna(), column] = None
    tx.insert_frame("alignment_history", frame)


def apply_scenario(
    store: Store,
    name: str,
    *,
    effective: date,
    by: str | None = None,
) -> AppliedScenario:
    """Make the saved scenario ``name`` the current alignment from ``effective`` on (see
    the module docstring); one transaction: all of it or nothing."""
    scenario = open_scenario(store, name)
    if not scenario.territory_of:
        raise InputError(
            f"the scenario '{name}' puts no unit in a territory", hint="Move units into it first"
        )
    units = store.load_areas(scenario.unit_level)
    before = (
        current_scenario(store, scenario.unit_level, scenario.territory_level)
        if scenario.territory_level in store.levels()
        else None
    )
    shapes = territory_shapes(units, scenario)
    empty = sorted(set(map(str, scenario.territories.index)) - set(shapes["area_id"]))
    customers = store.customer_locations()
    with store.transaction() as tx:
        current = assignments_current_in(tx)
        _parents(tx, scenario, shapes)
        store.replace_level(tx, shapes)
        summary = assign_into(
            tx, store, customers, levels=[scenario.territory_level], replacing=False
        )
        moved, owners = _record_history(
            tx,
            before
            or Scenario(scenario.unit_level, scenario.territory_level, {}, scenario.territories),
            scenario,
            effective,
            by,
        )
        tx.execute(
            "UPDATE scenarios SET applied_at = now(), applied_by = ? WHERE name = ?", [by, name]
        )
        record_event(
            tx,
            actor=by or "command line",
            action="apply territory scenario",
            subject=name,
            detail=f"effective {effective}; {moved:,} units changed territory",
        )
        store.bump_data_version(tx)
        if current:
            mark_assignments_current(tx)
    statuses = summary.by_level.get(scenario.territory_level, {})
    return AppliedScenario(
        scenario=name,
        territory_level=scenario.territory_level,
        effective=effective,
        units_changed=moved,
        owner_changes=owners,
        territories=len(shapes),
        empty_territories=empty,
        statuses={s: int(statuses.get(s, 0)) for s in LOCATION_STATUSES},
    )
