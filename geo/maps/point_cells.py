"""Customers counted per map cell, in the database: true counts whatever the customer count.

Cells are squares of the Web-Mercator plane (EPSG:3857) as Leaflet draws it: at zoom ``z``
the world is ``256 * 2**z`` pixels wide, and a cell is CELL_PIXELS of those pixels. All the
located customers of the selection are grouped into cells by one GROUP BY; no per-customer
row reaches Python. Each cell reports the mean latitude and longitude of its customers
(WGS84 degrees), how many they are, and optionally their most common category.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.maps.point_sample import located_points_sql
from geo.segments.filters import Filters
from geo.store.protocol import Store, StoreReader
from geo.store.scope import EVERYTHING, Scope

#: Side of a cell on screen, in pixels, at the zoom the cells are made for.
CELL_PIXELS = 80
#: At most this many cells go to the map; beyond it the cells double in size until fewer.
MAX_CELLS = 4_000
#: Web Mercator stops here (degrees of latitude); points beyond count in the edge cells.
MERCATOR_MAX_LAT = 85.05112878
#: From this zoom on the map draws customers one by one (a seeded sample, announced as such)
#: instead of counted cells.
DOTS_ZOOM = 10
#: Leaflet's zoom range for the map.
MIN_ZOOM, MAX_ZOOM = 0, 18


@dataclass(frozen=True)
class PointCells:
    """Counted cells of one kind of customer.

    ``lat``/``lon`` are each cell's mean position (WGS84 degrees), ``count`` its customers;
    ``count.sum() == total``, the located customers of the selection. ``category`` is each
    cell's most common category (ties: the first by name), or None when not asked for.
    ``zoom`` is the zoom whose pixel grid the cells follow (coarser than asked for when
    capped at MAX_CELLS).
    """

    lat: np.ndarray
    lon: np.ndarray
    count: np.ndarray
    total: int
    zoom: int
    category: list[str] | None = None

    def __len__(self) -> int:
        return len(self.count)


def cell_zoom(zoom: float) -> int:
    """The whole zoom level whose grid serves a map shown at ``zoom`` (fractional)."""
    return int(min(MAX_ZOOM, max(MIN_ZOOM, math.floor(zoom + 1e-9))))


def zoom_to_fit(bounds: list[list[float]], width_px: int, height_px: int) -> float:
    """The zoom at which [[south, west], [north, east]] (degrees) fills a map of that size."""
    (south, west), (north, east) = bounds
    spans = []
    if east > west:
        spans.append(width_px * 360.0 / (256.0 * (east - west)))
    y_south, y_north = _mercator_y(south), _mercator_y(north)
    if y_south > y_north:
        spans.append(height_px / (256.0 * (y_south - y_north)))
    if not spans:
        return float(MAX_ZOOM)
    return float(min(MAX_ZOOM, max(MIN_ZOOM, math.log2(min(spans)))))


def keep_discs_in_cells(
    lat: np.ndarray, lon: np.ndarray, zoom: int, radius_px: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Cell positions (WGS84 degrees, each inside its cell of ``zoom``'s grid) moved just
    enough that a disc of ``radius_px`` around each stays inside its cell: discs of
    neighbouring cells then never overlap at that zoom, or closer in. A radius over half a
    cell is taken as half a cell (the disc is centred)."""
    world = 256.0 * 2**zoom
    x = (np.asarray(lon, dtype="float64") + 180.0) / 360.0 * world
    phi = np.radians(np.clip(np.asarray(lat, dtype="float64"), -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT))
    y = (0.5 - np.log(np.tan(np.pi / 4 + phi / 2)) / (2 * np.pi)) * world
    r = np.minimum(np.asarray(radius_px, dtype="float64"), CELL_PIXELS / 2)
    x_cell = np.floor(x / CELL_PIXELS) * CELL_PIXELS
    y_cell = np.floor(y / CELL_PIXELS) * CELL_PIXELS
    x = np.clip(x, x_cell + r, x_cell + CELL_PIXELS - r)
    y = np.clip(y, y_cell + r, y_cell + CELL_PIXELS - r)
    moved_lon = x / world * 360.0 - 180.0
    moved_lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * y / world))))
    return moved_lat, moved_lon


def _mercator_y(lat: float) -> float:
    """Web-Mercator y of a latitude as a fraction of the world's height (0 north, 1 south)."""
    phi = math.radians(max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat)))
    return 0.5 - math.log(math.tan(math.pi / 4 + phi / 2)) / (2 * math.pi)


def count_points_in_cells(
    store: Store,
    filters: Filters,
    kind: str,
    zoom: float,
    colour_by: str | None = None,
    max_cells: int = MAX_CELLS,
    *,
    scope: Scope = EVERYTHING,
) -> PointCells:
    """All located customers of ``kind`` in the selection, counted per cell of ``zoom``.

    The same customers as the map's sample and the exports (geo.segments.selection);
    ``colour_by`` (``rfm_segment`` or ``churn_risk_band``) adds each cell's most common
    category. When the cells would exceed ``max_cells`` they are made for a lower zoom.
    """
    located, params = located_points_sql(filters, kind, colour_by)
    points = (
        "SELECT lat, lon, COALESCE(category, '') AS category, (lon + 180) / 360 AS x, "
        f"0.5 - ln(tan(pi() / 4 + radians(least(greatest(lat, -{MERCATOR_MAX_LAT}), "
        f"{MERCATOR_MAX_LAT})) / 2)) / (2 * pi()) AS y FROM ({located}) AS located"
    )
    top = cell_zoom(zoom)
    with store.snapshot(scope) as reader:
        fine = _cells_by_category(reader, points, params, top)
    # One scan groups the customers on the finest grid; every coarser grid's cell is a
    # block of 2**k x 2**k of its cells, so the coarser grids are counted from it.
    chosen = _finest_zoom_within(fine, top, max_cells)
    cells = _merged_to(fine, top - chosen)
    return PointCells(
        lat=cells["lat"].to_numpy(dtype="float64"),
        lon=cells["lon"].to_numpy(dtype="float64"),
        count=cells["n"].to_numpy(dtype="int64"),
        total=int(fine["n"].sum()),
        zoom=chosen,
        category=[str(c) for c in cells["category"]] if colour_by else None,
    )


def _per_world(zoom: int) -> float:
    """Cells across the world's width (and height) at ``zoom``."""
    return 256 * 2**zoom / CELL_PIXELS


def _cells_by_category(
    reader: StoreReader, points: str, params: list[Any], zoom: int
) -> pd.DataFrame:
    """Customers per cell of one zoom's grid and category: cx, cy (the cell's column and
    row, whole numbers), category, n, lat_sum, lon_sum (degrees)."""
    per_world = _per_world(zoom)
    frame = reader.query(
        # The points come first, so that their parameters come first.
        f"WITH p AS ({points}) SELECT floor(x * ?) AS cx, floor(y * ?) AS cy, category, "
        "count(*) AS n, sum(lat) AS lat_sum, sum(lon) AS lon_sum FROM p "
        "GROUP BY cx, cy, category",
        [*params, per_world, per_world],
    )
    return frame.astype(
        {"cx": "int64", "cy": "int64", "category": "object", "n": "int64", "lat_sum": "float64",
         "lon_sum": "float64"}
    )  # fmt: skip


def _finest_zoom_within(fine: pd.DataFrame, zoom: int, max_cells: int) -> int:
    """The finest zoom, ``zoom`` or coarser, whose grid holds the cells of ``fine`` (cells of
    ``zoom``'s grid) in at most ``max_cells`` cells; MIN_ZOOM when none does."""
    cells = np.unique(np.stack([fine["cx"].to_numpy(), fine["cy"].to_numpy()], axis=1), axis=0)
    while len(cells) > max_cells and zoom > MIN_ZOOM:
        cells = np.unique(cells // 2, axis=0)
        zoom -= 1
    return zoom


def _merged_to(fine: pd.DataFrame, halvings: int) -> pd.DataFrame:
    """Cells ``halvings`` zooms coarser than ``fine``'s: lat, lon (means), n, category (the
    most common; ties: the first by name), ordered by row then column."""
    shift = 2**halvings
    by_category = (
        fine.assign(cx=fine["cx"] // shift, cy=fine["cy"] // shift)
        .groupby(["cy", "cx", "category"], as_index=False, sort=False)[["n", "lat_sum", "lon_sum"]]
        .sum()
    )
    # The first category by count (then by name) is the cell's, so the same data always
    # gives the same cells.
    top_category = (
        by_category.sort_values(["cy", "cx", "n", "category"], ascending=[True, True, False, True])
        .drop_duplicates(["cy", "cx"])
        .set_index(["cy", "cx"])["category"]
    )
    cells = by_category.groupby(["cy", "cx"])[["n", "lat_sum", "lon_sum"]].sum()
    return pd.DataFrame(
        {
            "lat": cells["lat_sum"] / cells["n"],
            "lon": cells["lon_sum"] / cells["n"],
            "n": cells["n"],
            "category": top_category.reindex(cells.index),
        }
    ).reset_index(drop=True)
