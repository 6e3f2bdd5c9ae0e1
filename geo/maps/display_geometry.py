"""Area geometry as the browser gets it: simplified for display, and the box the map frames.

Geometries are WGS84 lon/lat degrees (EPSG:4326); tolerances are degrees.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo.maps.point_layers import PointLayer

#: Area outlines are drawn to 1e-4 degrees (about 10 m): finer than a pixel at city zoom.
AREA_DECIMALS = 4
#: Below this many points the map frames the areas instead of the points.
FRAME_MIN_POINTS = 50


def simplify_for_display(areas: gpd.GeoDataFrame, tolerance_deg: float) -> gpd.GeoDataFrame:
    """Areas with simplified outlines for drawing only (never for assignment)."""
    out = areas.copy()
    simple = shapely.simplify(out.geometry.to_numpy(), tolerance_deg, preserve_topology=True)
    # A tiny area may collapse: keep its original outline rather than lose it.
    collapsed = shapely.is_empty(simple)
    simple[collapsed] = out.geometry.to_numpy()[collapsed]
    out["geometry"] = shapely.set_precision(simple, 10**-AREA_DECIMALS)
    # The GeoJSON of each outline, made once here so that each map build only adds values.
    out["geojson"] = [shapely.geometry.mapping(g) for g in out.geometry.to_numpy()]
    return out


def framing_bounds(
    areas: gpd.GeoDataFrame, point_layers: Sequence[PointLayer] = ()
) -> list[list[float]]:
    """[[south, west], [north, east]]: where the business is, else where the areas are.

    With enough points the frame holds the 2nd to 98th percentile of their coordinates, so a
    few customers in Hawaii or Alaska (or areas across the antimeridian) do not zoom the map
    out to the whole Pacific. Otherwise it holds the areas narrower than 90 degrees.
    """
    empty = np.empty(0, dtype="float64")
    lat = np.concatenate([empty, *(np.asarray(p.lat, dtype="float64") for p in point_layers)])
    lon = np.concatenate([empty, *(np.asarray(p.lon, dtype="float64") for p in point_layers)])
    if len(lat) >= FRAME_MIN_POINTS:
        south, north = np.quantile(lat, [0.02, 0.98])
        west, east = np.quantile(lon, [0.02, 0.98])
        pad_y, pad_x = (north - south) * 0.03, (east - west) * 0.03
        return [
            [float(south - pad_y), float(west - pad_x)],
            [float(north + pad_y), float(east + pad_x)],
        ]
    west, south, east, north = bulk_bounds(areas)
    return [[south, west], [north, east]]


def bulk_bounds(areas: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the bulk of the areas: those narrower than 90 degrees
    and, with 20 areas or more, whose centres lie within the central 96% both ways, so
    far-flung islands (Alaska, Hawaii, Guam) do not shrink the rest to a dot."""
    b = shapely.bounds(areas.geometry.to_numpy())
    narrow = (b[:, 2] - b[:, 0]) < 90
    b = b[narrow] if narrow.any() else b
    if len(b) >= 20:
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        keep = (
            (cx >= np.quantile(cx, 0.02))
            & (cx <= np.quantile(cx, 0.98))
            & (cy >= np.quantile(cy, 0.02))
            & (cy <= np.quantile(cy, 0.98))
        )
        b = b[keep]
    return (
        float(b[:, 0].min()),
        float(b[:, 1].min()),
        float(b[:, 2].max()),
        float(b[:, 3].max()),
    )
