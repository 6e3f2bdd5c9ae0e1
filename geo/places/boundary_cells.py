"""The cells of a grid that some area boundary comes near, and the connected stretches of the
others.

Why a point in a cell no boundary comes near needs no exact test. Every cell within a small
margin ``m`` of a boundary segment (any ring of any part, holes included) is marked, and the
marking errs only towards marking more: every value it computes (a column's edges, a
segment's y there) is off by at most a few units in the last place of the coordinates, far
less than ``m / 2``. So no boundary meets the closed ``m / 2``-neighbourhood of an unmarked
("clean") cell, and the neighbourhoods of two clean cells side by side overlap (the gap
between two cells is below one unit in the last place). A 4-connected stretch of clean cells
of one block therefore lies in one connected region that no boundary crosses. Whether an
area covers a point is decided by the crossing parity of its rings, which changes only on its
boundary: inside that region every point is covered by the same areas, has the same owner,
and one point's exact test answers for all of them.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy import ndimage

from geo.places.cell_grid import BLOCK_SHIFT, BLOCK_SIDE, GriddedPoints, copies_and_ranks

#: How many boundary segments are marked in one go.
SEGMENTS_AT_ONCE = 1 << 17
#: The 4-neighbourhood within a block: blocks stack along the first axis and never join.
_IN_BLOCK = np.zeros((3, 3, 3), dtype=bool)
_IN_BLOCK[1] = [[0, 1, 0], [1, 1, 1], [0, 1, 0]]


def boundary_segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two ends (x, y) of every edge of every ring of the polygonal ``geoms``, each edge
    once: a border two areas share is marked once."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring[1:] == ring[:-1]
    start, end = coords[:-1][same_ring], coords[1:][same_ring]
    # Ends in (x, y) order, so a shared edge reads alike whichever ring it came from.
    swap = (start[:, 0] > end[:, 0]) | ((start[:, 0] == end[:, 0]) & (start[:, 1] > end[:, 1]))
    low = np.where(swap[:, None], end, start)
    high = np.where(swap[:, None], start, end)
    order = np.lexsort((high[:, 1], high[:, 0], low[:, 1], low[:, 0]))
    low, high = low[order], high[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]).any(axis=1) | (high[1:] != high[:-1]).any(axis=1)
    return low[first], high[first]


def margin_of(points: GriddedPoints, vertices: np.ndarray) -> float:
    """The marking margin m: far above the rounding of any computed coordinate (units in the
    last place of the largest coordinate), far below a cell."""
    grid = points.grid
    magnitude = max(abs(grid.x0), abs(grid.y0), float(np.abs(vertices).max(initial=0.0)), 1.0)
    return max(grid.size * 2.0**-20, magnitude * 2.0**-36)


def cells_near_segments(
    points: GriddedPoints, start: np.ndarray, end: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Column and row of every cell within the margin of a segment (start -> end), and a few
    more: for each column the segment spans (widened by the margin) the rows its y spans
    there (widened by the margin)."""
    grid = points.grid
    m = margin_of(points, start)
    xa = np.minimum(start[:, 0], end[:, 0])
    xb = np.maximum(start[:, 0], end[:, 0])
    first_col = grid.columns(xa - m)
    seg, rank = copies_and_ranks(grid.columns(xb + m) - first_col + 1)
    col = first_col[seg] + rank
    # The part of the segment above the column widened by m, as fractions t of its length.
    left = np.maximum(grid.x0 + col * grid.size - m, xa[seg])
    right = np.minimum(grid.x0 + (col + 1) * grid.size + m, xb[seg])
    x_start, dx = start[seg, 0], end[seg, 0] - start[seg, 0]
    upright = dx == 0
    safe_dx = np.where(upright, 1.0, dx)
    t_left = np.where(upright, 0.0, np.clip((left - x_start) / safe_dx, 0.0, 1.0))
    t_right = np.where(upright, 1.0, np.clip((right - x_start) / safe_dx, 0.0, 1.0))
    y_start, dy = start[seg, 1], end[seg, 1] - start[seg, 1]
    y_left, y_right = y_start + t_left * dy, y_start + t_right * dy
    first_row = grid.rows(np.minimum(y_left, y_right) - m)
    piece, rank = copies_and_ranks(grid.rows(np.maximum(y_left, y_right) + m) - first_row + 1)
    return col[piece], first_row[piece] + rank


def clean_cells(points: GriddedPoints, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Per cell of the occupied blocks (as ``GriddedPoints.stored_cells`` numbers them): True
    where no boundary segment comes near it."""
    clean = np.ones(points.occupied.count * BLOCK_SIDE * BLOCK_SIDE, dtype=bool)
    # A slice of the segments at a time: the marks' working arrays stay small however
    # detailed the boundaries.
    for first in range(0, len(start), SEGMENTS_AT_ONCE):
        last = first + SEGMENTS_AT_ONCE
        col, row = cells_near_segments(points, start[first:last], end[first:last])
        inside = (col >= 0) & (row >= 0) & (col >> BLOCK_SHIFT < points.grid.blocks_x)
        inside &= row >> BLOCK_SHIFT < points.grid.blocks_y
        col, row = col[inside], row[inside]
        slot = points.occupied.slot[points.grid.blocks(col, row)]
        held = slot >= 0
        place = slot[held] << (2 * BLOCK_SHIFT)
        clean[place + points.grid.place_in_block(col[held], row[held])] = False
    return clean


def clean_stretches(clean: np.ndarray) -> tuple[np.ndarray, int]:
    """A label per cell: 0 where marked, else the number (1 ..) of its 4-connected stretch of
    clean cells within its block; and how many stretches there are."""
    blocks = clean.reshape(-1, BLOCK_SIDE, BLOCK_SIDE)
    labels, count = ndimage.label(blocks, structure=_IN_BLOCK)
    return labels.reshape(-1), int(count)
