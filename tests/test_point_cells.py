"""Customers counted per map cell: every located customer of the selection, exactly once."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from geo.maps.point_cells import MAX_CELLS, cell_zoom, count_points_in_cells, zoom_to_fit
from geo.maps.point_sample import sample_points
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.protocol import Store


def test_cells_worked_by_hand(tiny_store: Store) -> None:
    # c1 (0.5, 0.5), c2 (1.5, 0.5), c3 (1.0, 0.5), c4 (5, 5) are located; c5 is not.
    whole = count_points_in_cells(tiny_store, Filters(level="county"), "customer", 0)
    assert (whole.total, whole.zoom, whole.count.tolist()) == (4, 0, [4])
    assert whole.lat[0] == pytest.approx((0.5 * 3 + 5) / 4)
    assert whole.lon[0] == pytest.approx((0.5 + 1.5 + 1.0 + 5) / 4)
    # At zoom 8 a cell is 80 / 256 / 2**8 of 360 degrees (0.44): each customer alone.
    close = count_points_in_cells(tiny_store, Filters(level="county"), "customer", 8.7)
    assert close.zoom == 8 and close.count.tolist() == [1, 1, 1, 1]
    assert sorted(close.lon.round(3)) == [0.5, 1.0, 1.5, 5.0]
    # Capped at two cells: a coarser grid, still every customer.
    capped = count_points_in_cells(tiny_store, Filters(level="county"), "customer", 8, max_cells=2)
    assert capped.zoom < 8 and len(capped) <= 2 and int(capped.count.sum()) == 4


def test_cells_carry_the_most_common_category(tiny_store: Store) -> None:
    scored = select_customers(tiny_store, Filters(level="county")).set_index("customer_id")
    segments = scored["rfm_segment"].fillna("")
    close = count_points_in_cells(
        tiny_store, Filters(level="county"), "customer", 8, colour_by="rfm_segment"
    )
    by_lon = dict(zip(close.lon.round(3), close.category or [], strict=True))
    assert by_lon == {
        0.5: segments["c1"],
        1.5: segments["c2"],
        1.0: segments["c3"],
        5.0: segments["c4"],
    }
    # In one cell for all four, the unscored (c3, c4: no orders) outnumber each segment.
    assert segments["c1"] and segments["c3"] == segments["c4"] == ""
    whole = count_points_in_cells(
        tiny_store, Filters(level="county"), "customer", 0, colour_by="rfm_segment"
    )
    assert whole.category == [""]


@pytest.mark.parametrize(
    "filters",
    [
        Filters(level="county"),
        Filters(level="county", owners=("Avery Collins", "Morgan Reyes")),
        Filters(level="state", area_ids=("06", "36", "48")),
        Filters(level="state", risk_bands=("high",)),
    ],
)
@pytest.mark.parametrize("zoom", [3.5, 6, 9])
def test_cell_counts_sum_to_every_located_customer_of_the_selection(
    demo_store: Store, filters: Filters, zoom: float
) -> None:
    for kind in ("customer", "prospect"):
        rows = select_customers(demo_store, replace(filters, kind=kind))
        located = len(rows.dropna(subset=["lat", "lon"]))
        cells = count_points_in_cells(demo_store, filters, kind, zoom)
        assert int(cells.count.sum()) == cells.total == located
        assert cells.total == sample_points(demo_store, filters, kind, 10).total
        assert (cells.count > 0).all() and len(cells) <= MAX_CELLS
        assert cells.zoom <= cell_zoom(zoom)


def test_finer_zoom_gives_more_smaller_cells(demo_store: Store) -> None:
    coarse = count_points_in_cells(demo_store, Filters(level="state"), "customer", 3)
    fine = count_points_in_cells(demo_store, Filters(level="state"), "customer", 7)
    assert len(fine) > len(coarse) > 1
    assert int(fine.count.sum()) == int(coarse.count.sum())
    assert np.all((coarse.lat > 15) & (coarse.lat < 72))


def test_zoom_to_fit() -> None:
    # The contiguous US in a 1,000 x 620 px map: 1000 * 360 / (256 * 58.1) = 2**4.6.
    assert zoom_to_fit([[24.5, -125.0], [49.5, -66.9]], 1000, 620) == pytest.approx(4.597, abs=1e-3)
    # One degree square: about eight zoom levels closer.
    assert 8.5 < zoom_to_fit([[40.0, -74.5], [41.0, -73.5]], 1000, 620) < 9.5
    assert cell_zoom(4.75) == 4 and cell_zoom(-1) == 0 and cell_zoom(30) == 18


def _pixels(lat: np.ndarray, lon: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web-Mercator pixel coordinates at ``zoom``, as Leaflet places a marker."""
    world = 256.0 * 2**zoom
    phi = np.radians(lat)
    return (lon + 180) / 360 * world, (
        0.5 - np.log(np.tan(np.pi / 4 + phi / 2)) / (2 * np.pi)
    ) * world


@pytest.mark.parametrize("zoom", [3.6, 5.0])
def test_count_discs_never_overlap_even_where_customers_are_dense(
    demo_store: Store, zoom: float
) -> None:
    from geo.maps.point_cells import CELL_PIXELS
    from geo.maps.point_layers import CellLayer

    cells = count_points_in_cells(demo_store, Filters(level="state"), "prospect", zoom)
    rows = CellLayer("Prospects", cells, "#263238").rows()
    lat, lon, d = (np.array([r[i] for r in rows], dtype="float64") for i in (0, 1, 3))
    x, y = _pixels(lat, lon, cells.zoom)
    gap = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    reach = (d[:, None] + d[None, :]) / 2
    np.fill_diagonal(gap, np.inf)
    # The demo's dense northeast: before, discs sat on top of each other there.
    assert (gap >= reach - 0.05).all(), float((reach - gap).max())
    # Each disc stays in its own cell, as near its customers' mean as that allows.
    mean_x, mean_y = _pixels(cells.lat, cells.lon, cells.zoom)
    assert (np.floor(x / CELL_PIXELS) == np.floor(mean_x / CELL_PIXELS)).all()
    assert (np.floor(y / CELL_PIXELS) == np.floor(mean_y / CELL_PIXELS)).all()
    assert np.hypot(x - mean_x, y - mean_y).max() <= CELL_PIXELS / 2
    assert int(sum(r[2] for r in rows)) == cells.total


def _cells_by_hand(
    demo_store: Store, filters: Filters, kind: str, colour_by: str, max_cells: int, zoom: int
) -> tuple[int, dict[tuple[int, int], tuple[int, float, float, str]]]:
    """The cells computed in Python from the selection's rows: the finest grid from
    ``zoom`` down with at most ``max_cells`` cells, and per cell (column, row) its count,
    mean latitude and longitude and most common category (ties: the first by name)."""
    rows = select_customers(demo_store, replace(filters, kind=kind)).dropna(subset=["lat", "lon"])
    lat, lon = rows["lat"].to_numpy(dtype="float64"), rows["lon"].to_numpy(dtype="float64")
    x = (lon + 180) / 360
    phi = np.radians(np.clip(lat, -85.05112878, 85.05112878))
    y = 0.5 - np.log(np.tan(np.pi / 4 + phi / 2)) / (2 * np.pi)
    category = rows[colour_by].fillna("").tolist()
    while True:
        per_world = 256 * 2**zoom / 80
        columns = np.floor(x * per_world).astype(int), np.floor(y * per_world).astype(int)
        keys = list(zip(*columns, strict=True))
        if len(set(keys)) <= max_cells or zoom == 0:
            break
        zoom -= 1
    frame = pd.DataFrame({"key": keys, "lat": lat, "lon": lon, "category": category})
    cells: dict[tuple[int, int], tuple[int, float, float, str]] = {}
    for key, group in frame.groupby("key"):
        counts = group["category"].value_counts()
        most = min(counts.items(), key=lambda item: (-item[1], item[0]))[0]
        cells[key] = (len(group), group["lat"].mean(), group["lon"].mean(), str(most))  # type: ignore[index]
    return zoom, cells


@pytest.mark.parametrize(
    ("filters", "colour_by", "zoom", "max_cells"),
    [
        (Filters(level="county"), "rfm_segment", 6, MAX_CELLS),
        (Filters(level="state", risk_bands=("high", "medium")), "churn_risk_band", 9, 300),
        (Filters(level="state", area_ids=("06", "36", "48")), "rfm_segment", 5, 40),
    ],
)
def test_cells_match_a_count_by_hand_of_the_selected_customers(
    demo_store: Store, filters: Filters, colour_by: str, zoom: int, max_cells: int
) -> None:
    # The coarser grids are counted from the finest one's cells: the same cells, counts,
    # positions and categories as counting every customer on the grid chosen.
    expected_zoom, expected = _cells_by_hand(
        demo_store, filters, "customer", colour_by, max_cells, zoom
    )
    cells = count_points_in_cells(demo_store, filters, "customer", zoom, colour_by, max_cells)
    assert cells.zoom == expected_zoom and len(cells) == len(expected) > 1
    per_world = 256 * 2**cells.zoom / 80
    x = (cells.lon + 180) / 360
    phi = np.radians(cells.lat)
    y = 0.5 - np.log(np.tan(np.pi / 4 + phi / 2)) / (2 * np.pi)
    got = {
        (int(np.floor(cx * per_world)), int(np.floor(cy * per_world))): (int(n), la, lo, cat)
        for cx, cy, n, la, lo, cat in zip(
            x, y, cells.count, cells.lat, cells.lon, cells.category or [], strict=True
        )
    }
    assert got.keys() == expected.keys()
    for key, (n, la, lo, cat) in expected.items():
        assert got[key][0] == n and got[key][3] == cat, key
        assert got[key][1:3] == pytest.approx((la, lo), abs=1e-9)
