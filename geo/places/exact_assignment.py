"""Exact point-in-polygon assignment with one owner per point.

The rule: a point belongs to every area whose closed polygon covers it (interior or
boundary, the ``intersects`` predicate). When several areas cover it (a shared edge or
vertex, or overlapping areas), it goes to the one with the smallest ``area_id`` in plain text
(code point) order. Points with a NaN coordinate get no area. Coordinates are WGS84 lon/lat
degrees (EPSG:4326), the CRS of the stored areas.

``assign_points`` gets the same answer as the plain spatial join
(:func:`assign_points_sjoin`) faster. It never builds shapely Point objects. It lays a grid
of square cells over the areas (:mod:`geo.places.cell_grid`) and marks the cells some boundary
comes near (:mod:`geo.places.boundary_cells`); a connected stretch of unmarked cells lies in
one region no boundary crosses, so one point's exact answer there is every point's. Only the
points in marked cells, and one point per stretch, are tested exactly
(:mod:`geo.places.exact_owners`: candidate pairs by bounding box, ``shapely.intersects_xy``
on the prepared polygons). Below CELLS_FROM_POINTS points, or for shapes other than
polygons, every point is tested that way.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geo.places.boundary_cells import boundary_segments, clean_cells, clean_stretches
from geo.places.cell_grid import GriddedPoints, grid_points, typical_cells_per_unit
from geo.places.exact_owners import exact_owner_positions

#: Below about this many points the cells cost more than they save (measured on the
#: counties): every point is tested exactly.
CELLS_FROM_POINTS = 100_000
#: Marking the cells costs about a point's exact test per boundary vertex: they pay only when
#: points outnumber the vertices.
CELLS_POINTS_PER_VERTEX = 1
#: shapely type ids of Polygon and MultiPolygon: the only shapes whose rings the cells read.
_POLYGONAL = {3, 6}


def _sorted_areas(areas: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Area IDs and geometries, ordered by area_id, so the first hit is the owner."""
    ids = areas["area_id"].astype(str).to_numpy()
    order = np.argsort(ids, kind="stable")
    return ids[order], areas.geometry.to_numpy()[order]


def _owners_by_cells(
    x: np.ndarray, y: np.ndarray, points: GriddedPoints, geoms: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Owner positions of the points: one exact test per clean stretch, exact tests for the
    points in marked cells."""
    start, end = boundary_segments(geoms)
    labels, _ = clean_stretches(clean_cells(points, start, end))
    label = labels[points.stored_cells()]
    in_clean = label > 0
    # Any one point of a stretch stands for all of it: here the last one written.
    standing = np.full(int(label.max(initial=0)) + 1, -1, dtype=np.int64)
    standing[label[in_clean]] = np.flatnonzero(in_clean)
    standing_for = np.flatnonzero(standing >= 0)
    tested = np.concatenate([standing[standing_for], np.flatnonzero(~in_clean)])
    exact = exact_owner_positions(x[tested], y[tested], points.grid, geoms, bounds)
    by_label = np.full(len(standing), len(geoms), dtype=np.int64)
    by_label[standing_for] = exact[: len(standing_for)]
    owner = by_label[label]
    owner[tested[len(standing_for) :]] = exact[len(standing_for) :]
    return owner


def owner_positions(lon: np.ndarray, lat: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """The owner of each point as a position in ``geoms`` (polygons sorted by area_id),
    ``len(geoms)`` where no area covers it (or a coordinate is NaN)."""
    owner = np.full(len(lon), len(geoms), dtype=np.int64)
    bounds = shapely.bounds(geoms)
    known = ~np.isnan(bounds[:, 0])
    if not known.any():
        return owner
    minx, miny = bounds[known, 0].min(), bounds[known, 1].min()
    maxx, maxy = bounds[known, 2].max(), bounds[known, 3].max()
    # Exact comparisons; False for NaN: only these points can be covered.
    near = (lon >= minx) & (lon <= maxx) & (lat >= miny) & (lat <= maxy)
    if near.all():
        which, x, y = None, lon, lat
    else:
        which = np.flatnonzero(near)
        x, y = lon[which], lat[which]
    if len(x) == 0:
        return owner
    shapely.prepare(geoms)
    points = grid_points(
        x, y, (minx, miny, maxx, maxy), bounds[known], typical_cells_per_unit(bounds[known])
    )
    polygonal = set(shapely.get_type_id(geoms[known]).tolist()) <= _POLYGONAL
    vertices = int(shapely.get_num_coordinates(geoms[known]).sum())
    cells_pay = len(x) >= max(CELLS_FROM_POINTS, CELLS_POINTS_PER_VERTEX * vertices)
    if cells_pay and polygonal:
        found = _owners_by_cells(x, y, points, geoms, bounds)
    else:
        found = exact_owner_positions(x, y, points.grid, geoms, bounds)
    if which is None:
        return found
    owner[which] = found
    return owner


def assign_points(lon: np.ndarray, lat: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The owning area_id of each point (object array, None where no area covers it)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if len(lon) == 0 or len(areas) == 0:
        return np.full(len(lon), None, dtype=object)
    ids, geoms = _sorted_areas(areas)
    # Position len(ids), "no area", reads None.
    named = np.full(len(ids) + 1, None, dtype=object)
    named[: len(ids)] = ids
    return named[owner_positions(lon, lat, geoms)]


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
