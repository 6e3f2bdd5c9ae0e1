"""Exact owners of points: every (point, area) pair whose bounding boxes meet is tested with
``shapely.intersects_xy`` on the prepared polygons, all pairs in one vectorised call.

Candidate pairs come from the grid's blocks: an area is listed in every block its bounding box
reaches, a point is paired with the areas listed in its block, and the pair is kept when the
point lies in the area's bounding box (closed). Columns and rows are monotone in the
coordinates, so a point in a bounding box always lies in one of the blocks listed for it.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.places.cell_grid import BLOCK_SIDE, GriddedPoints


def _areas_by_block(points: GriddedPoints, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each occupied block (by slot), its areas in ascending position: the areas array
    and, per slot, where its run starts (``starts[slot] .. starts[slot + 1]``)."""
    grid = points.grid
    known = np.flatnonzero(~np.isnan(bounds[:, 0]))
    box = bounds[known]
    first_bx = grid.columns(box[:, 0]) // BLOCK_SIDE
    first_by = grid.rows(box[:, 1]) // BLOCK_SIDE
    wide = grid.columns(box[:, 2]) // BLOCK_SIDE - first_bx + 1
    high = grid.rows(box[:, 3]) // BLOCK_SIDE - first_by + 1
    # Every (area, block) of the boxes, area by area in ascending order.
    area = np.repeat(np.arange(len(known)), wide * high)
    rank = np.arange(len(area)) - np.repeat(np.cumsum(wide * high) - wide * high, wide * high)
    bx = first_bx[area] + rank // high[area]
    by = first_by[area] + rank % high[area]
    slot = points.occupied.slot[bx * grid.blocks_y + by]
    held = slot >= 0
    slot, area = slot[held], known[area[held]]
    order = np.argsort(slot, kind="stable")  # stable: areas stay ascending within a block
    starts = np.searchsorted(slot[order], np.arange(points.occupied.count + 1))
    return area[order], starts


def exact_owner_positions(
    x: np.ndarray,
    y: np.ndarray,
    slots: np.ndarray,
    points: GriddedPoints,
    geoms: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    """The owner of each point (x, y in the occupied block ``slots``) as a position in
    ``geoms`` (sorted by area_id, prepared), ``len(geoms)`` where no area covers it."""
    owner = np.full(len(x), len(geoms), dtype=np.int64)
    if len(x) == 0:
        return owner
    areas, starts = _areas_by_block(points, bounds)
    counts = starts[slots + 1] - starts[slots]
    point = np.repeat(np.arange(len(x)), counts)
    rank = np.arange(len(point)) - np.repeat(np.cumsum(counts) - counts, counts)
    area = areas[starts[slots][point] + rank]
    px, py = x[point], y[point]
    box = bounds[area]
    inside = (px >= box[:, 0]) & (px <= box[:, 2]) & (py >= box[:, 1]) & (py <= box[:, 3])
    point, area, px, py = point[inside], area[inside], px[inside], py[inside]
    hit = shapely.intersects_xy(geoms[area], px, py)
    point, area = point[hit], area[hit]
    # A point's pairs are in ascending area order: its first hit is its owner.
    first = np.ones(len(point), dtype=bool)
    first[1:] = point[1:] != point[:-1]
    owner[point[first]] = area[first]
    return owner
