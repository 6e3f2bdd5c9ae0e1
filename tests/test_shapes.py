"""Drawn shapes: text round trips, clear errors, and SQL that selects what numpy selects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.places.shapes import Shape, ShapeError, shapes_condition
from geo.store.duckdb_store import Store

SHAPES = [
    Shape("circle", ((-73.99, 40.75),), 25.0),
    Shape("rectangle", ((-80.0, 35.0), (-70.0, 42.0))),
    Shape("polygon", ((-100.0, 30.0), (-90.0, 30.0), (-95.0, 40.0))),
    # A concave "U" whose notch must stay outside.
    Shape(
        "polygon",
        (
            (-10.0, 0.0),
            (10.0, 0.0),
            (10.0, 10.0),
            (5.0, 10.0),
            (5.0, 3.0),
            (-5.0, 3.0),
            (-5.0, 10.0),
            (-10.0, 10.0),
        ),
    ),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.kind)
def test_text_round_trip(shape: Shape) -> None:
    again = Shape.from_text(shape.to_text())
    assert again.kind == shape.kind
    assert np.allclose(again.points, shape.points) and again.radius_km == shape.radius_km


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("square:1,2", "unknown shape"),
        ("circle:1,2", "circle:longitude,latitude,radius_km"),
        ("circle:1,95,5", "latitude 95 is outside"),
        ("circle:1,2,-5", "radius -5 km"),
        ("rect:10,0,5,1", "west <= east"),
        ("poly:1 1;2 2", "at least three distinct"),
        ("poly:1 x;2 2;3 3", "latitude 'x' is not a number"),
        ("nothing", "start with circle:, rect: or poly:"),
    ],
)
def test_bad_text_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        Shape.from_text(text)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.kind)
def test_sql_selects_the_same_points_as_numpy(shape: Shape, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    west, south, east, north = shape.bounds()
    lon = rng.uniform(west - 2, east + 2, 5000)
    lat = rng.uniform(south - 2, north + 2, 5000)
    points = pd.DataFrame({"lon": lon, "lat": lat, "i": np.arange(5000)})
    store = Store.open(tmp_path / "points.duckdb")
    with store.transaction() as tx, tx.staged("c", points):
        got = tx.query(f"SELECT i FROM c WHERE {shapes_condition((shape,))} ORDER BY i")
    expected = np.flatnonzero(shape.contains(lon, lat))
    assert got["i"].tolist() == expected.tolist()
    assert 0 < len(expected) < 5000


def test_worked_by_hand() -> None:
    u = SHAPES[3]
    # In the left arm, in the notch (outside), in the base.
    assert u.contains(np.array([-7.0, 0.0, 0.0]), np.array([8.0, 8.0, 1.0])).tolist() == [
        True,
        False,
        True,
    ]
    # New York to Newark is about 14 km: inside 25 km, outside 10 km.
    newark = (np.array([-74.17]), np.array([40.735]))
    assert SHAPES[0].contains(*newark)[0]
    assert not Shape("circle", ((-73.99, 40.75),), 10.0).contains(*newark)[0]


def test_drawings_from_the_map() -> None:
    rect = Shape.from_geojson(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-80, 35], [-80, 42], [-70, 42], [-70, 35], [-80, 35]]],
            },
        }
    )
    assert rect == SHAPES[1]
    circle = Shape.from_geojson(
        {
            "type": "Feature",
            "properties": {"radius": 25000},
            "geometry": {"type": "Point", "coordinates": [-73.99, 40.75]},
        }
    )
    assert circle == SHAPES[0]
