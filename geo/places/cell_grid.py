"""A grid of square cells over the plane of the areas, grouped into square blocks.

Coordinates are those of the areas (WGS84 lon/lat degrees, EPSG:4326, for the stored areas).
A point's column and row are ``floor((x - x0) / size)`` and ``floor((y - y0) / size)``,
computed in floating point; both are non-decreasing functions of the coordinate, so the points
of one column (or row) form an interval and those of one cell a rectangle. Only blocks that
hold a point get storage, so a grid spanning the antimeridian costs no more than one over a
country.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Cells per block side (a power of two, so blocks are found by shifts): a block's cells
#: are stored (and labelled) together.
BLOCK_SHIFT = 6
BLOCK_SIDE = 1 << BLOCK_SHIFT
#: Cells per side of the patches that pair points with areas for exact tests.
PATCH_SIDE = 4
#: A typical area spans about this many cells, so most of its points fall in cells no
#: boundary comes near.
CELLS_PER_AREA = 32
#: Storage caps, so a grid never costs more memory than the points themselves: the dense
#: table of blocks, and the cells of the blocks that hold points.
MAX_BLOCKS = 1 << 22
MAX_CELLS = 1 << 23
#: Labelling a cell costs about what testing a point does over a few dozen cells: a grid
#: finer than this many stored cells per point costs more than the tests it saves.
MAX_CELLS_PER_POINT = 8


@dataclass(frozen=True)
class CellGrid:
    """Cells of side ``1 / per_unit`` (a power of two) from the corner ``(x0, y0)``, grouped
    into blocks of ``BLOCK_SIDE`` x ``BLOCK_SIDE`` cells, ``blocks_x`` across and
    ``blocks_y`` up."""

    x0: float
    y0: float
    per_unit: float
    blocks_x: int
    blocks_y: int

    @property
    def size(self) -> float:
        """A cell's side, in coordinate units."""
        return 1.0 / self.per_unit

    def columns(self, x: np.ndarray) -> np.ndarray:
        """The column of each x (at least 0 for x at or right of ``x0``)."""
        return ((x - self.x0) * self.per_unit).astype(np.int64)

    def rows(self, y: np.ndarray) -> np.ndarray:
        """The row of each y (at least 0 for y at or above ``y0``)."""
        return ((y - self.y0) * self.per_unit).astype(np.int64)

    def blocks(self, col: np.ndarray, row: np.ndarray) -> np.ndarray:
        """The block number (0 .. blocks_x * blocks_y - 1) of each cell."""
        return (col >> BLOCK_SHIFT) * self.blocks_y + (row >> BLOCK_SHIFT)

    @staticmethod
    def place_in_block(col: np.ndarray, row: np.ndarray) -> np.ndarray:
        """Each cell's place among its block's BLOCK_SIDE**2 cells."""
        return ((col & (BLOCK_SIDE - 1)) << BLOCK_SHIFT) | (row & (BLOCK_SIDE - 1))


def copies_and_ranks(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with ``counts`` copies each: the item of every copy and its 0-based rank
    (how runs of cells, patches or pairs are spelled out without a Python loop)."""
    item = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return item, np.arange(len(item)) - first[item]


def grid_over(extent: tuple[float, float, float, float], per_unit: float) -> CellGrid:
    """A grid of cells of side ``1 / per_unit`` covering ``extent`` (x0, y0, x1, y1), with a
    margin of at least two cells on every side. Its corner is a whole number of cells from 0,
    so a grid's cell edges are edges of every finer grid too."""
    x0 = (np.floor(extent[0] * per_unit) - 2.0) / per_unit
    y0 = (np.floor(extent[1] * per_unit) - 2.0) / per_unit
    blocks_x = int((extent[2] - x0) * per_unit) // BLOCK_SIDE + 2
    blocks_y = int((extent[3] - y0) * per_unit) // BLOCK_SIDE + 2
    return CellGrid(float(x0), float(y0), per_unit, blocks_x, blocks_y)


def typical_cells_per_unit(bounds: np.ndarray) -> float:
    """Cells per coordinate unit (a power of two) such that a median area spans about
    CELLS_PER_AREA cells; ``bounds`` are the areas' (minx, miny, maxx, maxy) rows."""
    spans = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    spans = spans[np.isfinite(spans) & (spans > 0)]
    median = float(np.quantile(spans, 0.5)) if len(spans) else 1.0
    return float(2.0 ** np.round(np.log2(CELLS_PER_AREA / median)))


@dataclass(frozen=True)
class OccupiedBlocks:
    """The blocks that hold at least one point: ``slot[block]`` is a block's place in the
    stored blocks, -1 where it holds no point; ``count`` blocks are stored."""

    slot: np.ndarray
    count: int


def occupied_blocks(grid: CellGrid, point_blocks: np.ndarray) -> OccupiedBlocks:
    """Which blocks the points (given by their block numbers) occupy."""
    held = np.zeros(grid.blocks_x * grid.blocks_y, dtype=bool)
    held[point_blocks] = True
    slot = np.full(len(held), -1, dtype=np.int64)
    which = np.flatnonzero(held)
    slot[which] = np.arange(len(which))
    return OccupiedBlocks(slot, len(which))


@dataclass(frozen=True)
class GriddedPoints:
    """Points placed on a grid: their columns and rows, block numbers, and the blocks they
    occupy."""

    grid: CellGrid
    col: np.ndarray
    row: np.ndarray
    block: np.ndarray
    occupied: OccupiedBlocks

    def stored_cells(self) -> np.ndarray:
        """Each point's cell as an index into the occupied blocks' cells."""
        slot = self.occupied.slot[self.block]
        return (slot << (2 * BLOCK_SHIFT)) | CellGrid.place_in_block(self.col, self.row)


def box_columns(grid: CellGrid, bounds: np.ndarray) -> np.ndarray:
    """How many patch columns (of PATCH_SIDE cells) each bounding box (minx, miny, maxx,
    maxy rows) reaches."""
    return (grid.columns(bounds[:, 2]) - grid.columns(bounds[:, 0])) // PATCH_SIDE + 2


def grid_points(
    x: np.ndarray,
    y: np.ndarray,
    extent: tuple[float, float, float, float],
    bounds: np.ndarray,
    per_unit: float,
) -> GriddedPoints:
    """The points (all inside ``extent``, the union of the areas' finite ``bounds``) on the
    finest grid no finer than ``per_unit`` cells per unit that keeps within MAX_BLOCKS
    blocks, MAX_CELLS stored cells (and MAX_CELLS_PER_POINT a point) and MAX_CELLS
    (area, patch column) pairs; coarser and coarser until all of it fits in one block."""
    cell_cap = max(min(MAX_CELLS, MAX_CELLS_PER_POINT * len(x)), BLOCK_SIDE * BLOCK_SIDE)
    pair_cap = max(MAX_CELLS, 4 * len(bounds))
    while True:
        grid = grid_over(extent, per_unit)
        per_unit /= 2
        single = grid.blocks_x * grid.blocks_y <= 4  # the +2 margins: one block of points
        if not single and grid.blocks_x * grid.blocks_y > MAX_BLOCKS:
            continue
        if not single and box_columns(grid, bounds).sum() > pair_cap:
            continue
        col, row = grid.columns(x), grid.rows(y)
        block = grid.blocks(col, row)
        occupied = occupied_blocks(grid, block)
        if single or occupied.count * BLOCK_SIDE * BLOCK_SIDE <= cell_cap:
            return GriddedPoints(grid, col, row, block, occupied)
