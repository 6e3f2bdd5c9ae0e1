"""Where the map looks: the view (centre and zoom) that frames a box, a circle, or one of
the parts of a US map that lie far from the rest (Alaska, Hawaii, Puerto Rico).

Boxes are (south, west, north, east) in WGS84 degrees; zooms are Leaflet's (Web Mercator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import shapely

from geo.maps.point_cells import zoom_to_fit
from geo.places.shapes import Shape
from geo.segments.segment import MapView

#: The map's usual size on a laptop screen, in pixels, for the zoom that frames a box.
MAP_WIDTH_PX, MAP_HEIGHT_PX = 860, 640
#: Kilometres per degree of latitude (mean Earth radius 6,371 km).
KM_PER_DEGREE = 6371.0088 * math.pi / 180
#: The map zooms in quarter steps (its zoomSnap).
ZOOM_STEP = 0.25


@dataclass(frozen=True)
class Region:
    """A part of the map one can jump to: its name and its box (south, west, north, east)."""

    name: str
    box: tuple[float, float, float, float]


#: The parts of a US map, far apart: each shown at a glance by jumping to it. Alaska's box
#: stops at 170 degrees west (the Aleutians beyond would shrink the mainland to a strip).
US_REGIONS = (
    Region("Lower 48", (24.4, -125.0, 49.5, -66.9)),
    Region("Alaska", (51.2, -170.0, 71.5, -129.9)),
    Region("Hawaii", (18.9, -160.3, 22.3, -154.8)),
    Region("Puerto Rico", (17.9, -67.3, 18.6, -65.2)),
)


def view_framing(
    box: tuple[float, float, float, float],
    width_px: int = MAP_WIDTH_PX,
    height_px: int = MAP_HEIGHT_PX,
) -> MapView:
    """The view whose map of ``width_px`` x ``height_px`` holds the whole box, with a
    margin (the zoom rounded down to the map's quarter steps)."""
    south, west, north, east = box
    zoom = zoom_to_fit([[south, west], [north, east]], width_px, height_px)
    zoom = max(2.0, math.floor(zoom / ZOOM_STEP) * ZOOM_STEP - ZOOM_STEP)
    # The box's middle as the map shows it (Mercator stretches the north), not in degrees.
    middle = (_mercator(south) + _mercator(north)) / 2
    centre_lat = math.degrees(math.atan(math.sinh(middle)))
    return MapView(round(centre_lat, 5), round((west + east) / 2, 5), zoom)


def _mercator(lat: float) -> float:
    return math.asinh(math.tan(math.radians(lat)))


def circle_box(circle: Shape) -> tuple[float, float, float, float]:
    """The box around a drawn circle (its centre and radius in km)."""
    (lon, lat), km = circle.points[0], float(circle.radius_km or 0)
    dlat = km / KM_PER_DEGREE
    dlon = min(180.0, dlat / max(math.cos(math.radians(lat)), 0.01))
    return (max(-85.0, lat - dlat), max(-180.0, lon - dlon), min(85.0, lat + dlat),
            min(180.0, lon + dlon))  # fmt: skip


def regions_on_map(areas: gpd.GeoDataFrame) -> list[Region]:
    """The US regions some of ``areas`` reach into, when there are two or more of them (a
    map of one region needs no jumping)."""
    if areas.empty:
        return []
    shapes = areas.geometry.to_numpy()
    found = [
        r
        for r in US_REGIONS
        if shapely.intersects(shapely.box(r.box[1], r.box[0], r.box[3], r.box[2]), shapes).any()
    ]
    return found if len(found) > 1 else []
