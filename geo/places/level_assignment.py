"""Assigning stored customers to the stored areas of every level.

Every customer gets exactly one location status per level: ``in_area`` (with its one area,
by the rule in :mod:`geo.places.exact_assignment`), ``outside_areas`` (located, but in no
area of that level) or ``no_location``. Coordinates are WGS84 lon/lat degrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from geo.places.assignment_stamp import mark_assignments_current
from geo.places.exact_assignment import assign_points
from geo.progress import Progress
from geo.schema import IN_AREA, LOCATION_STATUSES, NO_LOCATION, OUTSIDE_AREAS
from geo.store.protocol import Store, StoreReader, StoreWriter
from geo.store.scope import EVERYTHING, Scope
from geo.store.tables import areas_in, levels_in


@dataclass
class AssignmentSummary:
    """How many customers fell in each location status, per level (coarse to fine)."""

    by_level: dict[str, dict[str, int]] = field(default_factory=dict)
    #: The customer_ids assigned here that lie outside the areas of every level assigned
    #: (located, in none): what :func:`outside_every_level` reads back from the store.
    outside_every_level: pd.Index = field(
        default_factory=lambda: pd.Index([]), repr=False, compare=False
    )

    @property
    def finest(self) -> dict[str, int]:
        if not self.by_level:
            return dict.fromkeys(LOCATION_STATUSES, 0)
        return self.by_level[list(self.by_level)[-1]]

    def to_dict(self) -> dict[str, object]:
        return {**self.finest, "levels": self.by_level}


def locate_in_level(customers: pd.DataFrame, areas: pd.DataFrame, level: str) -> pd.DataFrame:
    """Assignments of ``customers`` (customer_id, lat, lon) to one level's ``areas``."""
    lon = customers["lon"].to_numpy(dtype="float64")
    lat = customers["lat"].to_numpy(dtype="float64")
    located = ~(np.isnan(lon) | np.isnan(lat))
    area_id = np.full(len(customers), None, dtype=object)
    if located.any() and len(areas):
        area_id[located] = assign_points(lon[located], lat[located], areas)
    status = np.where(~located, NO_LOCATION, np.where(pd.isna(area_id), OUTSIDE_AREAS, IN_AREA))
    # Categories, not a text per row: a million rows of three words cost codes only.
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].array,
            "level": pd.Categorical.from_codes(np.zeros(len(customers), "int8"), pd.Index([level])),
            "area_id": pd.Categorical(area_id),
            "location_status": pd.Categorical(status, categories=LOCATION_STATUSES),
        }
    )


def assign_into(
    tx: StoreWriter,
    store: Store,
    customers: pd.DataFrame,
    levels: Sequence[str] | None = None,
    progress: Progress | None = None,
    *,
    replacing: bool = True,
) -> AssignmentSummary:
    """Assign ``customers`` at every level (or ``levels``), writing through ``tx``.

    ``replacing=False`` when none of them has a stored assignment (the caller has just
    removed them): nothing is looked for to replace."""
    summary = AssignmentSummary()
    chosen = list(levels) if levels is not None else levels_in(tx)
    outside = np.ones(len(customers), dtype=bool) if chosen else np.zeros(0, dtype=bool)
    for i, level in enumerate(chosen):
        if progress:
            progress(f"assigning to {level}", i / max(len(chosen), 1))
        assigned = locate_in_level(customers, areas_in(tx, level), level)
        store.write_assignments(tx, level, assigned, replacing=replacing)
        counts = assigned["location_status"].value_counts()
        summary.by_level[level] = {s: int(counts.get(s, 0)) for s in LOCATION_STATUSES}
        outside &= (assigned["location_status"] == OUTSIDE_AREAS).to_numpy()
    summary.outside_every_level = pd.Index(customers["customer_id"].to_numpy()[outside])
    if progress:
        progress("assigned", 1.0)
    return summary


def assign_customers(store: Store, progress: Progress | None = None) -> AssignmentSummary:
    """Recompute every customer's area at every level, in one transaction."""
    customers = store.customer_locations()
    with store.transaction() as tx:
        tx.execute("DELETE FROM assignments")
        summary = assign_into(tx, store, customers, progress=progress, replacing=False)
        store.bump_data_version(tx)
        mark_assignments_current(tx)
    return summary


def outside_every_level(reader: StoreReader) -> pd.Index:
    """The customer_ids located outside the areas of every level, as ``reader`` sees them."""
    frame = reader.query(
        "SELECT customer_id FROM assignments GROUP BY customer_id "
        "HAVING bool_and(location_status = ?)",
        [OUTSIDE_AREAS],
    )
    return pd.Index(frame["customer_id"])


def summarise_assignments(store: Store, *, scope: Scope = EVERYTHING) -> AssignmentSummary:
    """The stored location statuses per level, without recomputing them."""
    frame = store.query(
        "SELECT level, location_status, count(*) AS n FROM assignments "
        "GROUP BY level, location_status",
        scope=scope,
    )
    summary = AssignmentSummary()
    for level in store.levels():
        part = frame[frame["level"] == level]
        counts = dict(zip(part["location_status"], part["n"], strict=True))
        summary.by_level[level] = {s: int(counts.get(s, 0)) for s in LOCATION_STATUSES}
    return summary
