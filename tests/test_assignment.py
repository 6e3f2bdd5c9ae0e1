"""Exact assignment: hand-drawn squares with worked answers, and the real counties."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.imports.area_files import read_areas
from geo.places.exact_assignment import assign_points, assign_points_sjoin

COUNTIES = Path(__file__).resolve().parent.parent / "data" / "us-atlas" / "counties-10m.json"


def squares() -> gpd.GeoDataFrame:
    # A=[0,1]x[0,1], B=[1,2]x[0,1], C=[0,1]x[1,2], D=[1,2]x[1,2]; E overlaps A;
    # H is a square with a hole; IDs listed out of order on purpose.
    holed = Polygon([(5, 5), (8, 5), (8, 8), (5, 8)], [[(6, 6), (7, 6), (7, 7), (6, 7)]])
    return gpd.GeoDataFrame(
        {"area_id": ["D", "B", "A", "C", "E", "H"]},
        geometry=[
            box(1, 1, 2, 2),
            box(1, 0, 2, 1),
            box(0, 0, 1, 1),
            box(0, 1, 1, 2),
            box(0.5, 0.5, 0.9, 0.9),
            holed,
        ],
        crs="EPSG:4326",
    )


CASES = [
    ((0.25, 0.25), "A"),  # inside A only
    ((1.0, 0.5), "A"),  # on the A|B edge: smaller ID
    ((1.0, 1.0), "A"),  # shared vertex of A, B, C, D
    ((1.5, 1.0), "B"),  # on the B|D edge
    ((0.7, 0.7), "A"),  # inside A and its overlap E: A < E
    ((3.0, 3.0), None),  # outside all
    ((6.5, 6.5), None),  # in the hole of H
    ((5.5, 5.5), "H"),  # in H's ring
    ((6.0, 6.5), "H"),  # on the hole's boundary: covered
    ((float("nan"), 1.0), None),  # no coordinate
]


@pytest.mark.parametrize("assign", [assign_points, assign_points_sjoin])
def test_worked_cases(assign: object) -> None:
    lon = np.array([p[0] for p, _ in CASES])
    lat = np.array([p[1] for p, _ in CASES])
    got = assign(lon, lat, squares())  # type: ignore[operator]
    assert list(got) == [want for _, want in CASES]


def test_repaired_bow_tie() -> None:
    bow = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert not bow.is_valid
    fixed = shapely.make_valid(bow, method="structure", keep_collapsed=False)
    areas = gpd.GeoDataFrame({"area_id": ["X"]}, geometry=[fixed], crs="EPSG:4326")
    lon, lat = np.array([0.2, 1.8, 1.0, 1.0]), np.array([1.0, 1.0, 1.0, 0.2])
    got = assign_points(lon, lat, areas)
    assert list(got) == ["X", "X", "X", None]  # both lobes and the crossing; not between
    assert list(got) == list(assign_points_sjoin(lon, lat, areas))


@pytest.fixture(scope="module")
def counties() -> gpd.GeoDataFrame:
    areas, _ = read_areas(COUNTIES, layer="counties")
    return areas


def test_random_and_adversarial_points_match_the_plain_join(counties: gpd.GeoDataFrame) -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(-125, -66, 20_000)
    lat = rng.uniform(24, 50, 20_000)
    # Every vertex and edge midpoint of 300 real counties: points on shared borders.
    sample = counties.iloc[rng.choice(len(counties), 300, replace=False)]
    coords = shapely.get_coordinates(sample.geometry.boundary.to_numpy())
    mids = (coords[:-1] + coords[1:]) / 2
    extra = np.vstack([coords, mids])
    lon = np.concatenate([lon, extra[:, 0]])
    lat = np.concatenate([lat, extra[:, 1]])
    fast = assign_points(lon, lat, counties)
    plain = assign_points_sjoin(lon, lat, counties)
    assert (fast == plain).all()
    # A county's own vertices are on its boundary, so always covered.
    vertices = fast[20_000 : 20_000 + len(coords)]
    assert all(a is not None for a in vertices)
