"""Exact owners of points: every (point, area) pair whose bounding boxes meet is tested with
``shapely.intersects_xy`` on the prepared polygons, all pairs in one vectorised call.

Candidate pairs come from the grid: an area is listed in every patch of PATCH_SIDE x
PATCH_SIDE cells its bounding box reaches that holds a point to test, a point is paired with
the areas listed in its patch, and the pair is kept when the point lies in the area's
bounding box (closed). Columns and rows are monotone in the coordinates, so a point in a
bounding box always lies in one of the patches listed for it.
"""

from __future__ import annotations

import numpy as np
import shapely

from geo.places.cell_grid import BLOCK_SIDE, PATCH_SIDE, CellGrid, copies_and_ranks


def _areas_by_patch(
    grid: CellGrid, patches: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each of the (sorted, distinct) patch numbers, its areas in ascending position: the
    areas array and where each patch's run starts (``starts[i] .. starts[i + 1]``)."""
    patches_y = grid.blocks_y * (BLOCK_SIDE // PATCH_SIDE)
    known = np.flatnonzero(~np.isnan(bounds[:, 0]))
    box = bounds[known]
    first_px = grid.columns(box[:, 0]) // PATCH_SIDE
    first_py = grid.rows(box[:, 1]) // PATCH_SIDE
    last_py = grid.rows(box[:, 3]) // PATCH_SIDE
    # One (area, patch column) at a time, area by area in ascending order: the patches it
    # reaches in that column are a run of the sorted patch numbers.
    area, rank = copies_and_ranks(grid.columns(box[:, 2]) // PATCH_SIDE - first_px + 1)
    column = (first_px[area] + rank) * patches_y
    lo = np.searchsorted(patches, column + first_py[area], side="left")
    hi = np.searchsorted(patches, column + last_py[area], side="right")
    run, rank = copies_and_ranks(hi - lo)
    patch = lo[run] + rank
    order = np.argsort(patch, kind="stable")  # stable: areas stay ascending within a patch
    starts = np.searchsorted(patch[order], np.arange(len(patches) + 1))
    return known[area[run[order]]], starts


def exact_owner_positions(
    x: np.ndarray, y: np.ndarray, grid: CellGrid, geoms: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """The owner of each point (x, y on ``grid``) as a position in ``geoms`` (sorted by
    area_id, prepared), ``len(geoms)`` where no area covers it."""
    owner = np.full(len(x), len(geoms), dtype=np.int64)
    if len(x) == 0:
        return owner
    patches_y = grid.blocks_y * (BLOCK_SIDE // PATCH_SIDE)
    keys = (grid.columns(x) // PATCH_SIDE) * patches_y + grid.rows(y) // PATCH_SIDE
    patches, patch_of_point = np.unique(keys, return_inverse=True)
    areas, starts = _areas_by_patch(grid, patches, bounds)
    counts = starts[patch_of_point + 1] - starts[patch_of_point]
    point, rank = copies_and_ranks(counts)
    area = areas[starts[patch_of_point][point] + rank]
    px, py = x[point], y[point]
    box = bounds[area]
    inside = (px >= box[:, 0]) & (px <= box[:, 2]) & (py >= box[:, 1]) & (py <= box[:, 3])
    point, area, px, py = point[inside], area[inside], px[inside], py[inside]
    # Tested area by area: each polygon's index stays in cache.
    by_area = np.argsort(area, kind="stable")
    hit = np.empty(len(area), dtype=bool)
    hit[by_area] = shapely.intersects_xy(geoms[area[by_area]], px[by_area], py[by_area])
    point, area = point[hit], area[hit]
    # A point's pairs are in ascending area order: its first hit is its owner.
    first = np.ones(len(point), dtype=bool)
    first[1:] = point[1:] != point[:-1]
    owner[point[first]] = area[first]
    return owner
