"""Shapes drawn on the map or typed on the command line: circles, rectangles, polygons.

Coordinates are WGS84 degrees, (longitude, latitude); radii are in kilometres on a sphere
of radius 6,371.0088 km (great-circle distance). A selection with several shapes keeps the
customers inside any of them.

Each shape becomes a SQL condition on the customer's ``lat``/``lon`` columns, built only
from numbers parsed here, so the same rule selects the same customers everywhere: map
counts, tables, every export format and the command line. Inside means:

- circle: great-circle distance to the centre at most the radius;
- rectangle: west <= lon <= east and south <= lat <= north (boundary included; a rectangle
  may not cross the antimeridian);
- polygon: the even-odd rule (a ray cast to the east crosses the outline an odd number of
  times), which keeps points on the south and west edges and leaves those on the north and
  east edges out, so two drawn polygons sharing an edge never both take a point on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_KM = 6371.0088
MAX_POLYGON_VERTICES = 500
MAX_RADIUS_KM = 20_000.0
SHAPE_KINDS = ("circle", "rectangle", "polygon")


class ShapeError(ValueError):
    """A shape that cannot be read: the message says which part and what is expected."""


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ShapeError(f"{what} '{text}' is not a number") from None
    if not math.isfinite(value):
        raise ShapeError(f"{what} must be a finite number, not {text}")
    return value


def _check_point(lon: float, lat: float) -> tuple[float, float]:
    if not -180 <= lon <= 180:
        raise ShapeError(f"longitude {lon:g} is outside -180..180")
    if not -90 <= lat <= 90:
        raise ShapeError(f"latitude {lat:g} is outside -90..90")
    return (lon, lat)


def _literal(value: float) -> str:
    # Only floats parsed and checked here reach SQL, written back as plain numbers.
    return repr(float(value))


@dataclass(frozen=True)
class Shape:
    """A circle (one centre and ``radius_km``), a rectangle (south-west and north-east
    corners) or a polygon (its vertices, not closed), all (lon, lat) degrees."""

    kind: str
    points: tuple[tuple[float, float], ...]
    radius_km: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in SHAPE_KINDS:
            raise ShapeError(f"unknown shape '{self.kind}': use circle, rectangle or polygon")
        for lon, lat in self.points:
            _check_point(lon, lat)
        if self.kind == "circle":
            if len(self.points) != 1 or self.radius_km is None:
                raise ShapeError("a circle needs a centre and a radius")
            if not 0 < self.radius_km <= MAX_RADIUS_KM:
                raise ShapeError(f"radius {self.radius_km:g} km is not between 0 and 20,000 km")
        elif self.kind == "rectangle":
            (west, south), (east, north) = self.points if len(self.points) == 2 else ((0, 0),) * 2
            if len(self.points) != 2 or west > east or south > north:
                raise ShapeError("a rectangle needs west <= east and south <= north")
        else:
            distinct = set(self.points)
            if len(distinct) < 3:
                raise ShapeError("a polygon needs at least three distinct vertices")
            if len(self.points) > MAX_POLYGON_VERTICES:
                raise ShapeError(f"a polygon may have at most {MAX_POLYGON_VERTICES} vertices")

    # -- text form (links, saved segments, command line) -------------------------------

    def to_text(self) -> str:
        """``circle:lon,lat,km``, ``rect:west,south,east,north`` or ``poly:lon lat;...``."""
        if self.kind == "circle":
            (lon, lat), km = self.points[0], self.radius_km
            return f"circle:{lon:.6f},{lat:.6f},{km:g}"
        if self.kind == "rectangle":
            (w, s), (e, n) = self.points
            return f"rect:{w:.6f},{s:.6f},{e:.6f},{n:.6f}"
        return "poly:" + ";".join(f"{lon:.6f} {lat:.6f}" for lon, lat in self.points)

    @classmethod
    def from_text(cls, text: str) -> Shape:
        """Read :meth:`to_text`'s form; ShapeError says what is wrong."""
        kind, sep, body = text.strip().partition(":")
        if not sep:
            raise ShapeError(f"'{text[:40]}' is not a shape: start with circle:, rect: or poly:")
        if kind == "circle":
            parts = body.split(",")
            if len(parts) != 3:
                raise ShapeError("circle: write circle:longitude,latitude,radius_km")
            lon, lat, km = (
                _number(p, n)
                for p, n in zip(parts, ("longitude", "latitude", "radius"), strict=True)
            )
            return cls("circle", (_check_point(lon, lat),), km)
        if kind == "rect":
            parts = body.split(",")
            if len(parts) != 4:
                raise ShapeError("rect: write rect:west,south,east,north")
            w, s, e, n = (_number(p, "rectangle coordinate") for p in parts)
            return cls("rectangle", (_check_point(w, s), _check_point(e, n)))
        if kind == "poly":
            points = []
            for pair in body.split(";"):
                xy = pair.split()
                if len(xy) != 2:
                    raise ShapeError(f"poly: '{pair[:30]}' is not 'longitude latitude'")
                points.append(_check_point(_number(xy[0], "longitude"), _number(xy[1], "latitude")))
            return cls("polygon", tuple(points))
        raise ShapeError(f"unknown shape '{kind[:20]}': use circle:, rect: or poly:")

    @classmethod
    def from_geojson(cls, feature: dict[str, object]) -> Shape:
        """A shape drawn with Leaflet.draw, as streamlit-folium returns it: a Polygon
        feature (rectangle or polygon), or a Point with ``properties.radius`` in metres."""
        geometry = feature.get("geometry")
        props = feature.get("properties") or {}
        if not isinstance(geometry, dict) or not isinstance(props, dict):
            raise ShapeError("the drawing has no geometry")
        coords = geometry.get("coordinates")
        if geometry.get("type") == "Point" and props.get("radius"):
            lon, lat = (round(float(v), 6) for v in coords)  # type: ignore[union-attr]
            return cls("circle", ((lon, lat),), round(float(props["radius"]) / 1000.0, 3))
        if geometry.get("type") == "Polygon":
            ring = [(round(float(x), 6), round(float(y), 6)) for x, y in coords[0]]  # type: ignore[index]
            if len(ring) > 1 and ring[0] == ring[-1]:
                ring = ring[:-1]
            xs, ys = {x for x, _ in ring}, {y for _, y in ring}
            if len(ring) == 4 and len(xs) == 2 and len(ys) == 2:
                return cls("rectangle", ((min(xs), min(ys)), (max(xs), max(ys))))
            return cls("polygon", tuple(ring))
        raise ShapeError(f"cannot select with a {geometry.get('type')} drawing")

    def describe(self) -> str:
        if self.kind == "circle":
            lon, lat = self.points[0]
            return f"within {self.radius_km:g} km of {lat:.4f}, {lon:.4f}"
        if self.kind == "rectangle":
            return "in a drawn rectangle"
        return f"in a drawn area ({len(self.points)} corners)"

    # -- selecting ---------------------------------------------------------------------

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) degrees of the shape (a circle's is approximate)."""
        if self.kind == "circle":
            (lon, lat), km = self.points[0], float(self.radius_km or 0)
            dlat = math.degrees(km / EARTH_RADIUS_KM)
            dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
            return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        xs = [x for x, _ in self.points]
        ys = [y for _, y in self.points]
        return (min(xs), min(ys), max(xs), max(ys))

    def sql_condition(self, lat: str = "c.lat", lon: str = "c.lon") -> str:
        """A SQL condition true for customers inside the shape (see the module docstring)."""
        if self.kind == "circle":
            (clon, clat), km = self.points[0], float(self.radius_km or 0)
            return (
                f"(2 * {EARTH_RADIUS_KM!r} * asin(sqrt("
                f"power(sin(radians({lat} - {_literal(clat)}) / 2), 2) + "
                f"cos(radians({_literal(clat)})) * cos(radians({lat})) * "
                f"power(sin(radians({lon} - {_literal(clon)}) / 2), 2))) <= {_literal(km)})"
            )
        w, s, e, n = (_literal(v) for v in self.bounds())
        box = f"({lon} BETWEEN {w} AND {e} AND {lat} BETWEEN {s} AND {n})"
        if self.kind == "rectangle":
            return box
        edges = ", ".join(
            f"({_literal(x1)}, {_literal(y1)}, {_literal(x2)}, {_literal(y2)})"
            for (x1, y1), (x2, y2) in zip(
                self.points, self.points[1:] + self.points[:1], strict=True
            )
            if y1 != y2
        )
        crossings = (
            f"(SELECT count(*) FROM (VALUES {edges}) e(x1, y1, x2, y2) "
            f"WHERE (e.y1 > {lat}) <> (e.y2 > {lat}) "
            f"AND {lon} < (e.x2 - e.x1) * ({lat} - e.y1) / (e.y2 - e.y1) + e.x1)"
        )
        return f"({box} AND {crossings} % 2 = 1)"

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The same rule as :meth:`sql_condition`, over arrays (for checks and previews)."""
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        if self.kind == "circle":
            (clon, clat), km = self.points[0], float(self.radius_km or 0)
            p1, p2 = np.radians(clat), np.radians(lat)
            h = (
                np.sin((p2 - p1) / 2) ** 2
                + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon - clon) / 2) ** 2
            )
            return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)) <= km
        w, s, e, n = self.bounds()
        inside = (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
        if self.kind == "rectangle":
            return inside
        odd = np.zeros(len(lon), dtype=bool)
        for (x1, y1), (x2, y2) in zip(self.points, self.points[1:] + self.points[:1], strict=True):
            if y1 == y2:
                continue
            crosses = ((y1 > lat) != (y2 > lat)) & (lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1)
            odd ^= crosses
        return inside & odd


def shapes_condition(shapes: tuple[Shape, ...], lat: str = "c.lat", lon: str = "c.lon") -> str:
    """Inside any of the shapes (the customers of several drawn shapes add up)."""
    return "(" + " OR ".join(s.sql_condition(lat, lon) for s in shapes) + ")"


def describe_shapes(shapes: tuple[Shape, ...]) -> str:
    if len(shapes) == 1:
        return shapes[0].describe()
    return f"in {len(shapes)} drawn shapes"
