"""Fixing a customer's location by hand, keeping the fix through later imports, and
reverting it.

A fix stores the new point (WGS84 degrees) apart from the imported data
(:mod:`geo.store.location_fixes`), sets it as the customer's location and assigns the
customer to the areas again, in one transaction. Every later import of the same customer
keeps the fixed point (and notes the point the file brought, which a revert puts back).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from geo.errors import InputError
from geo.places.assignment_stamp import assignments_current_in, mark_assignments_current
from geo.places.level_assignment import assign_into
from geo.store.location_fixes import (
    customer_location,
    end_fix,
    fixes_in_force,
    location_fix_history,
    note_imported_points,
    record_fix,
    set_location,
)
from geo.store.protocol import Store, StoreWriter

LIST_HINT = "geocrm fix list shows the fixes in force"


@dataclass(frozen=True)
class LocationFix:
    """A fix made or reverted: whose, the point before and after (lat, lon; None: none)."""

    fix_id: str
    customer_id: str
    before: tuple[float | None, float | None]
    after: tuple[float | None, float | None]

    def sentence(self, verb: str = "fixed") -> str:
        return (
            f"Location of {self.customer_id} {verb}: {_point(self.before)} -> "
            f"{_point(self.after)} ({self.fix_id})"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "fix_id": self.fix_id,
            "customer_id": self.customer_id,
            "before": {"lat": self.before[0], "lon": self.before[1]},
            "after": {"lat": self.after[0], "lon": self.after[1]},
        }


def _point(point: tuple[float | None, float | None]) -> str:
    lat, lon = point
    if lat is None or lon is None:
        return "no location"
    return f"{lat:.6f}, {lon:.6f}"


def _optional(value: float) -> float | None:
    return None if math.isnan(value) else value


def _checked_point(lat: float, lon: float) -> tuple[float, float]:
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise InputError(f"latitude {lat} is not between -90 and 90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise InputError(f"longitude {lon} is not between -180 and 180")
    return lat, lon


def _refuse_restricted(store: Store) -> None:
    if store.scope.restricted:
        raise InputError("only a user who sees every area may fix or revert a location")


def _assign_one(
    tx: StoreWriter, store: Store, customer_id: str, point: tuple[float | None, float | None]
) -> None:
    current = assignments_current_in(tx)
    located = pd.DataFrame({"customer_id": [customer_id], "lat": [point[0]], "lon": [point[1]]})
    assign_into(tx, store, located.astype({"lat": "float64", "lon": "float64"}))
    store.bump_data_version(tx)
    if current:
        mark_assignments_current(tx)


def fix_location(
    store: Store,
    customer_id: str,
    lat: float,
    lon: float,
    *,
    fixed_by: str | None = None,
    note: str | None = None,
) -> LocationFix:
    """Set the customer's location to (lat, lon), WGS84 degrees, as a fix that later
    imports keep; :class:`InputError` (nothing changed) for an unknown customer or a point
    off the globe."""
    _refuse_restricted(store)
    point = _checked_point(float(lat), float(lon))
    fix_id = f"F{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
    with store.transaction() as tx:
        stored = customer_location(tx, customer_id)
        if stored.empty:
            raise InputError(f"there is no customer '{customer_id}'")
        row = stored.iloc[0]
        before = (_none_if_missing(row["lat"]), _none_if_missing(row["lon"]))
        earlier = fixes_in_force(tx, [customer_id])
        # What the imports brought: kept from an earlier fix, else the stored point now.
        imported: tuple[float | None, float | None, str | None] = (
            (
                _none_if_missing(earlier["imported_lat"].iloc[0]),
                _none_if_missing(earlier["imported_lon"].iloc[0]),
                _text_or_none(earlier["imported_source"].iloc[0]),
            )
            if len(earlier)
            else (*before, _text_or_none(row["location_source"]))
        )
        record_fix(tx, fix_id, customer_id, point, imported, fixed_by, note)
        _assign_one(tx, store, customer_id, point)
    return LocationFix(fix_id, customer_id, before, point)


def _none_if_missing(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _text_or_none(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def revert_location_fix(
    store: Store, customer_id: str, *, reverted_by: str | None = None
) -> LocationFix:
    """End the customer's fix in force and put back the point the imports last brought."""
    _refuse_restricted(store)
    with store.transaction() as tx:
        fixes = fixes_in_force(tx, [customer_id])
        if fixes.empty:
            raise InputError(
                f"customer '{customer_id}' has no location fix in force", hint=LIST_HINT
            )
        fix = fixes.iloc[0]
        imported = (_none_if_missing(fix["imported_lat"]), _none_if_missing(fix["imported_lon"]))
        end_fix(tx, str(fix["fix_id"]), reverted_by)
        set_location(tx, customer_id, imported, _text_or_none(fix["imported_source"]))
        _assign_one(tx, store, customer_id, imported)
    return LocationFix(
        str(fix["fix_id"]), customer_id, (float(fix["lat"]), float(fix["lon"])), imported
    )


def listed_location_fixes(store: Store, limit: int = 100) -> pd.DataFrame:
    """The latest ``limit`` fixes, newest first, with whether each is in force."""
    with store.snapshot() as reader:
        fixes = location_fix_history(reader, limit)
    fixes["in_force"] = fixes["reverted_at"].isna()
    return fixes


def keep_fixed_locations(tx: StoreWriter, rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Inside an import's transaction: ``rows`` (customers about to be written) with the
    fixed point of every customer who has a fix in force, and how many there were. The
    points the file brought for them are noted on their fixes (what a revert puts back)."""
    fixes = fixes_in_force(tx, rows["customer_id"])
    if fixes.empty:
        return rows, 0
    note_imported_points(tx, rows[rows["customer_id"].isin(fixes["customer_id"])])
    fixed = fixes.set_index("customer_id")
    out = rows.copy()
    hit = out["customer_id"].isin(fixed.index)
    ids = out.loc[hit, "customer_id"]
    out.loc[hit, "lat"] = fixed.loc[ids, "lat"].to_numpy()
    out.loc[hit, "lon"] = fixed.loc[ids, "lon"].to_numpy()
    if "location_source" in out.columns:
        out.loc[hit, "location_source"] = "fixed"
        out.loc[hit, "location_note"] = None
    return out, int(hit.sum())


def reapply_fixes(tx: StoreWriter, restored: pd.DataFrame) -> pd.DataFrame:
    """After an undo put ``restored`` customers (customer_id, lat, lon) back as they were:
    store the fixed point of those with a fix in force (a fix outlasts imports and their
    undoing), and return the points they now have."""
    points, kept = keep_fixed_locations(tx, restored)
    if kept:
        changed = points[points["customer_id"].isin(fixes_in_force(tx)["customer_id"])]
        for customer_id, lat, lon in changed[["customer_id", "lat", "lon"]].itertuples(index=False):
            set_location(tx, str(customer_id), (float(lat), float(lon)), "fixed")
    return points
