"""Customers whose latitude and longitude look swapped, judged against the stored areas.

A swapped pair within range (lat 40.7, lon -74.0 given as lat -74.0, lon 40.7) passes every
row check: only the areas tell. Coordinates are WGS84 lon/lat degrees.
"""

from __future__ import annotations

import pandas as pd

from geo.places.exact_assignment import assign_points
from geo.places.level_assignment import outside_every_level
from geo.store.protocol import StoreReader
from geo.store.tables import areas_in


def count_inside_if_swapped(
    reader: StoreReader, customers: pd.DataFrame, outside_ids: pd.Index | None = None
) -> int:
    """How many of ``customers`` (customer_id, lat, lon), assigned as ``reader`` sees them, lie
    outside the areas of every level but would fall inside one with lat and lon swapped.

    ``outside_ids``: those outside every level, when the caller has just assigned them
    (:attr:`AssignmentSummary.outside_every_level`); else they are read from the store."""
    located = customers.dropna(subset=["lat", "lon"])
    if located.empty:
        return 0
    if outside_ids is None:
        outside_ids = outside_every_level(reader)
    outside = located[located["customer_id"].isin(outside_ids)]
    # Swapped, the longitude becomes the latitude: it must be one.
    outside = outside[outside["lon"].abs() <= 90]
    if outside.empty:
        return 0
    areas = areas_in(reader)
    found = assign_points(
        outside["lat"].to_numpy(dtype="float64"), outside["lon"].to_numpy(dtype="float64"), areas
    )
    return int(pd.notna(found).sum())
