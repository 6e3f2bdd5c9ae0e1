"""Which units touch: the adjacency graph that contiguity is judged on.

Two units are neighbours when their boundaries share a stretch of positive length (rook
contiguity): counties meeting at a single corner point are not. Units that touch no other
(islands: Hawaii's counties, Puerto Rico, an island county) would make any territory holding
them non-contiguous for ever, so each group of units cut off from the rest is joined to the
nearest unit outside it by a *bridge*, smallest group first, until every unit is reachable
(the usual treatment of islands in districting). Bridges are listed, so a report can say
which links are across water.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class UnitGraph:
    """Units by position (``unit_ids``) and, for each, the positions of its neighbours."""

    unit_ids: tuple[str, ...]
    neighbours: tuple[tuple[int, ...], ...]
    #: Links added between groups of units that touch no other group (position pairs).
    bridges: tuple[tuple[int, int], ...] = ()

    def __len__(self) -> int:
        return len(self.unit_ids)

    def position_of(self) -> dict[str, int]:
        return {unit: i for i, unit in enumerate(self.unit_ids)}

    def edges(self) -> list[tuple[int, int]]:
        """Every link once, as (smaller position, larger position)."""
        return [(i, j) for i, near in enumerate(self.neighbours) for j in near if i < j]


def _shared_borders(geometries: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i < j) of geometries whose boundaries share a stretch of positive length."""
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    boundaries = shapely.boundary(geometries)
    shared = shapely.intersection(boundaries[left], boundaries[right])
    touching = shapely.length(shared) > 0
    return list(zip(left[touching].tolist(), right[touching].tolist(), strict=True))


def _components(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    if not edges:
        return np.arange(n)
    rows, cols = np.array(edges).T
    matrix = coo_matrix((np.ones(len(edges)), (rows, cols)), shape=(n, n))
    return connected_components(matrix, directed=False)[1]


def _bridges(geometries: np.ndarray, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Links joining each cut-off group to the nearest unit outside it, smallest group first
    (ties: the group holding the lowest position), until all are one group."""
    added: list[tuple[int, int]] = []
    while True:
        labels = _components(len(geometries), edges + added)
        groups = np.unique(labels)
        if len(groups) <= 1:
            return added
        sizes = np.bincount(labels)
        smallest = min(groups, key=lambda g: (sizes[g], int(np.flatnonzero(labels == g)[0])))
        inside = np.flatnonzero(labels == smallest)
        outside = np.flatnonzero(labels != smallest)
        tree = shapely.STRtree(geometries[outside])
        near, distances = tree.query_nearest(
            geometries[inside], return_distance=True, all_matches=False
        )
        best = int(np.argmin(distances))
        a, b = int(inside[near[0][best]]), int(outside[near[1][best]])
        added.append((min(a, b), max(a, b)))


def unit_graph(units: gpd.GeoDataFrame) -> UnitGraph:
    """The adjacency graph of ``units`` (columns area_id and geometry, EPSG:4326), by
    position in the order given."""
    geometries = np.asarray(units.geometry.values, dtype=object)
    edges = _shared_borders(geometries)
    bridges = _bridges(geometries, edges)
    near: list[set[int]] = [set() for _ in range(len(geometries))]
    for i, j in edges + bridges:
        near[i].add(j)
        near[j].add(i)
    return UnitGraph(
        tuple(str(a) for a in units["area_id"]),
        tuple(tuple(sorted(s)) for s in near),
        tuple(bridges),
    )
