"""The nearest area to points that lie in none: which, and how far (kilometres).

The candidate is found in Web Mercator (EPSG:3857, where geopandas' nearest join works in
one unit); the distance reported is geodesic, on the WGS84 ellipsoid, from the point to
the nearest point of that area's outline, so it is true in kilometres wherever the point
is (Mercator's own distances are 1.3x too long at 40°N).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod

from geo.schema import CRS_WGS84

WEB_MERCATOR = "EPSG:3857"
_GEOD = Geod(ellps="WGS84")


def nearest_areas(points: pd.DataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """For each point (customer_id, lat, lon in WGS84 degrees): customer_id, area_id of the
    nearest area (ties: the smallest ID) and distance_km (geodesic, to its outline). Empty
    areas: area_id null, distance_km NaN."""
    out = pd.DataFrame(
        {"customer_id": points["customer_id"].astype(str).to_numpy(), "area_id": None}
    )
    out["distance_km"] = np.nan
    if points.empty or areas.empty:
        return out
    located = gpd.GeoDataFrame(
        {"row": np.arange(len(points))},
        geometry=gpd.points_from_xy(points["lon"], points["lat"]),
        crs=CRS_WGS84,
    )
    shapes = areas[["area_id", "geometry"]].sort_values("area_id").reset_index(drop=True)
    joined = gpd.sjoin_nearest(
        located.to_crs(WEB_MERCATOR), shapes.to_crs(WEB_MERCATOR), how="left"
    )
    # Ties give one row per area at the same distance: the smallest ID (sorted above) wins.
    joined = joined.sort_values(["row", "area_id"]).drop_duplicates("row")
    nearest = shapes.geometry.to_numpy()[joined["index_right"].to_numpy().astype(int)]
    point_geoms = located.geometry.to_numpy()[joined["row"].to_numpy()]
    # The closest point of the outline, found on the sphere-free lon/lat plane: close
    # enough to where the geodesic minimum lies for distances of a few km or more.
    on_outline = shapely.get_point(shapely.shortest_line(point_geoms, nearest), 1)
    _, _, metres = _GEOD.inv(
        shapely.get_x(point_geoms),
        shapely.get_y(point_geoms),
        shapely.get_x(on_outline),
        shapely.get_y(on_outline),
    )
    rows = joined["row"].to_numpy()
    out.loc[rows, "area_id"] = joined["area_id"].astype(str).to_numpy()
    out.loc[rows, "distance_km"] = np.asarray(metres) / 1000.0
    return out
