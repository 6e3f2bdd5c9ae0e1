"""Exact point-in-polygon assignment with one owner per point.

The rule: a point belongs to every area whose closed polygon covers it (interior or
boundary, the ``intersects`` predicate). When several areas cover it (a shared edge or
vertex, or overlapping areas), it goes to the one with the smallest ``area_id`` in plain text
(code point) order. Points with a NaN coordinate get no area. Coordinates are WGS84 lon/lat
degrees (EPSG:4326), the CRS of the stored areas.

``assign_points`` gets the same answer as the plain spatial join
(:func:`assign_points_sjoin`) faster: it never builds shapely Point objects, asks the
polygons' spatial index only for candidate pairs by bounding box, and tests each candidate
pair exactly with ``shapely.intersects_xy`` on prepared polygons.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def _sorted_areas(areas: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Area IDs and geometries, ordered by area_id, so the first hit is the owner."""
    ids = areas["area_id"].astype(str).to_numpy()
    order = np.argsort(ids, kind="stable")
    return ids[order], areas.geometry.to_numpy()[order]


def assign_points(lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The owning area_id of each point (object array, None where no area covers it)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    result = np.full(len(lon), None, dtype=object)
    if len(lon) == 0 or len(areas) == 0:
        return result
    ids, geoms = _sorted_areas(areas)
    valid = ~(np.isnan(lon) | np.isnan(lat))
    best = np.full(len(lon), len(ids), dtype=np.int64)  # index into ids; len(ids) = none
    bounds = shapely.bounds(geoms)
    shapely.prepare(geoms)
    # Points sorted by x let each area slice its bounding-box candidates by binary search.
    point_idx = np.flatnonzero(valid)
    order = point_idx[np.argsort(lon[point_idx], kind="stable")]
    xs = lon[order]
    for area_pos in range(len(ids)):
        x0, y0, x1, y1 = bounds[area_pos]
        if np.isnan(x0):
            continue
        lo = np.searchsorted(xs, x0, side="left")
        hi = np.searchsorted(xs, x1, side="right")
        if lo == hi:
            continue
        cand = order[lo:hi]
        ys = lat[cand]
        cand = cand[(ys >= y0) & (ys <= y1)]
        # Only points not yet owned by a smaller ID can change owner.
        cand = cand[best[cand] > area_pos]
        if len(cand) == 0:
            continue
        hit = shapely.intersects_xy(geoms[area_pos], lon[cand], lat[cand])
        best[cand[hit]] = area_pos
    owned = best < len(ids)
    result[owned] = ids[best[owned]]
    return result


def assign_points_sjoin(lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The plain baseline: ``geopandas.sjoin(predicate="intersects")``, smallest area_id wins."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    result = np.full(len(lon), None, dtype=object)
    valid = ~(np.isnan(lon) | np.isnan(lat))
    if not valid.any() or len(areas) == 0:
        return result
    points = gpd.GeoDataFrame(
        {"point": np.flatnonzero(valid)},
        geometry=gpd.points_from_xy(lon[valid], lat[valid]),
        crs=areas.crs,
    )
    joined = gpd.sjoin(
        points, areas[["area_id", "geometry"]].astype({"area_id": str}), predicate="intersects"
    )
    owner = joined.groupby("point")["area_id"].min()
    result[owner.index.to_numpy()] = owner.to_numpy(dtype=object)
    return result
