"""The cell pre-classification of exact assignment gives the plain join's answer point by point:
on cell edges, polygon vertices and edges, in holes, overlaps and multipolygons, on the
shipped counties, and when the grid has to coarsen to stay small."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from geo.imports.area_files import read_areas
from geo.places import boundary_cells, cell_grid, exact_assignment
from geo.places.boundary_cells import boundary_segments, clean_cells
from geo.places.cell_grid import BLOCK_SIDE, grid_points, typical_cells_per_unit
from geo.places.exact_assignment import _sorted_areas, assign_points, assign_points_sjoin

COUNTIES = Path(__file__).resolve().parent.parent / "data" / "us-atlas" / "counties-10m.json"


@pytest.fixture
def cells_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Classify by cells however few the points."""
    monkeypatch.setattr(exact_assignment, "CELLS_FROM_POINTS", 0)
    monkeypatch.setattr(exact_assignment, "CELLS_POINTS_PER_VERTEX", 0)


@pytest.fixture(params=["cells", "exact tests only"])
def either_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Classify by cells, or test every point exactly, however many the points; and check
    afterwards that the way asked for was the way taken."""
    by_cells = request.param == "cells"
    monkeypatch.setattr(exact_assignment, "CELLS_FROM_POINTS", 0 if by_cells else 1 << 62)
    monkeypatch.setattr(exact_assignment, "CELLS_POINTS_PER_VERTEX", 0)
    # The grid then depends on the areas alone, not on how many points: the points put on
    # its cell edges stay on them.
    monkeypatch.setattr(cell_grid, "MAX_CELLS_PER_POINT", 1 << 30)
    calls = []
    by_cells_fn = exact_assignment._owners_by_cells

    def counted(*args: Any) -> np.ndarray:
        calls.append(1)
        return by_cells_fn(*args)

    monkeypatch.setattr(exact_assignment, "_owners_by_cells", counted)
    yield
    assert bool(calls) == by_cells


def shapes() -> gpd.GeoDataFrame:
    # A|B share an edge, C overlaps both and rises above them, H has a hole holding its own
    # island I, M is a multipolygon of two squares, one touching B at a vertex; IDs out of
    # order on purpose.
    holed = Polygon([(5, 5), (8, 5), (8, 8), (5, 8)], [[(6, 6), (7, 6), (7, 7), (6, 7)]])
    return gpd.GeoDataFrame(
        {"area_id": ["B", "M", "A", "H", "C", "I"]},
        geometry=[
            box(1, 0, 2, 1),
            MultiPolygon([box(2, 1, 3, 2), box(3.5, 0, 4, 0.5)]),
            box(0, 0, 1, 1),
            holed,
            Polygon([(0.5, 0.25), (1.5, 0.25), (1.0, 1.5)]),
            box(6.25, 6.25, 6.75, 6.75),
        ],
        crs="EPSG:4326",
    )


WORKED = [
    ((0.25, 0.5), "A"),
    ((1.0, 0.5), "A"),  # A|B edge and inside C: A smallest
    ((1.25, 0.3), "B"),  # in B and C: B < C
    ((1.0, 0.75), "A"),  # on the A|B edge inside C
    ((1.0, 1.5), "C"),  # C's apex, above A and B
    ((1.0, 1.0), "A"),  # A's corner, inside C
    ((2.0, 1.0), "B"),  # B's corner touching M: B < M
    ((2.5, 1.5), "M"),
    ((3.75, 0.25), "M"),  # M's second part
    ((3.25, 0.25), None),  # between M's parts
    ((6.1, 6.1), None),  # in H's hole, outside I
    ((6.5, 6.5), "I"),  # I lies in H's hole: I alone covers it
    ((6.0, 6.5), "H"),  # on the hole's edge
    ((5.0, 5.0), "H"),  # H's corner
    ((float("nan"), 0.5), None),
    ((0.5, float("nan")), None),
    ((-1.0, -1.0), None),  # outside every bounding box
]


def dense_points(areas: gpd.GeoDataFrame, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the areas' extent, plus every vertex and edge midpoint."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = areas.total_bounds
    lon = rng.uniform(x0 - 0.5, x1 + 0.5, n)
    lat = rng.uniform(y0 - 0.5, y1 + 0.5, n)
    coords = shapely.get_coordinates(areas.geometry.boundary.to_numpy())
    mids = (coords[:-1] + coords[1:]) / 2
    extra = np.vstack([coords, mids])
    return np.concatenate([lon, extra[:, 0]]), np.concatenate([lat, extra[:, 1]])


def cell_edges(areas: gpd.GeoDataFrame, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points exactly on the edges and corners of the grid the cells use for these points."""
    _, geoms = _sorted_areas(areas)
    bounds = shapely.bounds(geoms)
    x0, y0, x1, y1 = areas.total_bounds
    extent = (x0, y0, x1, y1)
    near = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    points = grid_points(lon[near], lat[near], extent, bounds, typical_cells_per_unit(bounds))
    grid = points.grid
    xs = grid.x0 + np.arange(grid.columns(np.array([extent[2]]))[0] + 1) * grid.size
    ys = grid.y0 + np.arange(grid.rows(np.array([extent[3]]))[0] + 1) * grid.size
    xs, ys = xs[xs >= extent[0]], ys[ys >= extent[1]]
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


@pytest.mark.usefixtures("cells_always")
def test_worked_cases_through_the_cells() -> None:
    lon = np.array([p[0] for p, _ in WORKED])
    lat = np.array([p[1] for p, _ in WORKED])
    assert list(assign_points(lon, lat, shapes())) == [want for _, want in WORKED]
    assert list(assign_points_sjoin(lon, lat, shapes())) == [want for _, want in WORKED]


@pytest.mark.usefixtures("either_way")
def test_dense_points_on_hand_drawn_shapes_match_the_plain_join() -> None:
    areas = shapes()
    lon, lat = dense_points(areas, 40_000, seed=7)
    edges = cell_edges(areas, lon, lat)
    lon, lat = np.concatenate([lon, edges[:, 0]]), np.concatenate([lat, edges[:, 1]])
    got = assign_points(lon, lat, areas)
    assert (got == assign_points_sjoin(lon, lat, areas)).all()
    # Points in every kind of place were there to get right.
    assert {"A", "B", "C", "H", "I", "M", None} <= set(got)


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    areas, _ = read_areas(COUNTIES, layer="counties")
    return areas


def county_points(counties: gpd.GeoDataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over the lower 48 and Alaska, every vertex and edge midpoint of 400
    counties, points on the cells' edges over Iowa, and NaNs."""
    rng = np.random.default_rng(seed)
    lon = np.concatenate([rng.uniform(-125, -66, 40_000), rng.uniform(-170, -130, 5_000)])
    lat = np.concatenate([rng.uniform(24, 50, 40_000), rng.uniform(52, 71, 5_000)])
    sample = counties.iloc[rng.choice(len(counties), 400, replace=False)]
    coords = shapely.get_coordinates(sample.geometry.boundary.to_numpy())
    mids = (coords[:-1] + coords[1:]) / 2
    iowa = counties[counties["area_id"].astype(str).str.startswith("19")]
    edges = cell_edges(iowa, lon, lat)
    nans = np.array([[np.nan, 40.0], [-90.0, np.nan], [np.nan, np.nan]])
    extra = np.vstack([coords, mids, edges, nans])
    return np.concatenate([lon, extra[:, 0]]), np.concatenate([lat, extra[:, 1]])


@pytest.mark.usefixtures("either_way")
def test_counties_with_points_on_vertices_edges_and_cells_match_the_plain_join(
    counties: gpd.GeoDataFrame,
) -> None:
    lon, lat = county_points(counties, seed=11)
    got = assign_points(lon, lat, counties)
    assert (got == assign_points_sjoin(lon, lat, counties)).all()
    assert got[-3:].tolist() == [None, None, None]


@pytest.mark.usefixtures("cells_always")
def test_a_grid_coarsened_to_fit_the_caps_marked_a_slice_at_a_time_gives_the_same_answer(
    counties: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    lon, lat = county_points(counties, seed=12)
    want = assign_points_sjoin(lon, lat, counties)
    monkeypatch.setattr(cell_grid, "MAX_CELLS", 64 * BLOCK_SIDE * BLOCK_SIDE)
    monkeypatch.setattr(boundary_cells, "SEGMENTS_AT_ONCE", 1000)
    assert (assign_points(lon, lat, counties) == want).all()


def test_no_boundary_comes_near_a_clean_cell(counties: gpd.GeoDataFrame) -> None:
    # The premise of the cells: every boundary segment misses every clean cell (closed).
    iowa = counties[counties["area_id"].astype(str).str.startswith("19")]
    _, geoms = _sorted_areas(iowa)
    bounds = shapely.bounds(geoms)
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(-96.7, -90.1, 50_000), rng.uniform(40.3, 43.6, 50_000)
    x0, y0, x1, y1 = iowa.total_bounds
    near = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    lon, lat = lon[near], lat[near]
    points = grid_points(lon, lat, (x0, y0, x1, y1), bounds, typical_cells_per_unit(bounds))
    start, end = boundary_segments(geoms)
    clean = clean_cells(points, start, end)
    cells = points.stored_cells()
    assert 0 < clean[cells].mean() < 1  # both kinds occur
    grid = points.grid
    col, row = points.col[clean[cells]], points.row[clean[cells]]
    boxes = shapely.box(
        grid.x0 + col * grid.size,
        grid.y0 + row * grid.size,
        grid.x0 + (col + 1) * grid.size,
        grid.y0 + (row + 1) * grid.size,
    )
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    tree = shapely.STRtree(lines)
    assert len(tree.query(boxes, predicate="intersects")[0]) == 0
    # And the marked cells are near a boundary indeed (the marking is not everything).
    col, row = points.col[~clean[cells]], points.row[~clean[cells]]
    marked = shapely.box(
        grid.x0 + col * grid.size,
        grid.y0 + row * grid.size,
        grid.x0 + (col + 1) * grid.size,
        grid.y0 + (row + 1) * grid.size,
    )
    near = np.unique(
        tree.query(shapely.buffer(marked, grid.size * 0.01), predicate="intersects")[0]
    )
    assert len(near) == len(marked)


@pytest.mark.usefixtures("cells_always")
@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        ([], []),
        ([np.nan, np.nan], [1.0, np.nan]),
        ([50.0, -50.0], [50.0, 0.5]),  # all outside the areas' extent
    ],
)
def test_nothing_to_assign(lon: list[float], lat: list[float]) -> None:
    got = assign_points(np.array(lon), np.array(lat), shapes())
    assert got.tolist() == [None] * len(lon)


@pytest.mark.usefixtures("cells_always")
def test_empty_and_missing_geometries_own_nothing() -> None:
    areas = gpd.GeoDataFrame(
        {"area_id": ["A", "E", "N"]},
        geometry=[box(0, 0, 1, 1), Polygon(), None],
        crs="EPSG:4326",
    )
    got = assign_points(np.array([0.5, 2.0]), np.array([0.5, 2.0]), areas)
    assert got.tolist() == ["A", None]
    nothing = gpd.GeoDataFrame({"area_id": ["E"]}, geometry=[Polygon()], crs="EPSG:4326")
    assert assign_points(np.array([0.5]), np.array([0.5]), nothing).tolist() == [None]


@pytest.mark.usefixtures("cells_always")
def test_areas_that_are_not_polygons_are_tested_exactly() -> None:
    # A line as an "area" (no rings): covered only on the line itself.
    areas = gpd.GeoDataFrame(
        {"area_id": ["L", "A"]},
        geometry=[shapely.LineString([(0, 0), (2, 2)]), box(1.5, 0, 2.5, 1)],
        crs="EPSG:4326",
    )
    lon, lat = np.array([1.0, 1.0, 2.0, 1.8]), np.array([1.0, 0.5, 0.5, 1.8])
    got = assign_points(lon, lat, areas)
    assert got.tolist() == ["L", None, "A", "L"]
    assert got.tolist() == assign_points_sjoin(lon, lat, areas).tolist()
