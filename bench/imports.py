"""Benchmark rows: importing a customer file against the bare pipeline on the same file.

GeoCRM's import reads and validates the file, stores the customers, assigns them at every
level (territory, state, county) and computes their scores. The bare pipeline validates
nothing and assigns at one level: ``pandas.read_csv``, ``geopandas.points_from_xy``
(reprojected for a projected file), ``geopandas.sjoin`` to the 3,230 counties and one owner
per point (the smallest ID). Two files: WGS84 lat/lon columns, and x/y columns in the US
Albers projection (EPSG:5070).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from bench.context import BenchContext
from bench.measure import Row, Target, measure
from bench.sample_data import counties, random_points
from geo.analytics.scores import ensure_scores
from geo.demo.business import load_demo_areas
from geo.imports.customer_files import CustomerColumns
from geo.imports.runner import import_customers_file
from geo.store.duckdb_store import Store

#: Target 1 of the performance issue: no slower than the bare pipeline.
TARGET = Target(max_ratio=1.0)
PROJECTED_CRS = "EPSG:5070"


def write_customer_file(path: Path, n: int, projected: bool) -> None:
    """``n`` customers spread like the demo's, as lat/lon or as x/y in PROJECTED_CRS."""
    lon, lat = random_points(n, seed=9)
    frame = pd.DataFrame({"customer_id": [f"B{i:07d}" for i in range(n)], "name": "Customer"})
    if projected:
        x, y = Transformer.from_crs("EPSG:4326", PROJECTED_CRS, always_xy=True).transform(lon, lat)
        frame["x"], frame["y"] = np.round(x, 1), np.round(y, 1)
    else:
        frame["lat"], frame["lon"] = lat.round(6), lon.round(6)
    frame.to_csv(path, index=False)


def bare_pipeline(path: Path, areas: gpd.GeoDataFrame, projected: bool) -> pd.Series:
    """The county of each row by the plain tools, no validation: read, points, sjoin, owner."""
    frame = pd.read_csv(path, dtype={"customer_id": str})
    if projected:
        points = gpd.points_from_xy(frame["x"], frame["y"], crs=PROJECTED_CRS)
        points = gpd.GeoSeries(points).to_crs("EPSG:4326").values
    else:
        points = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    located = gpd.GeoDataFrame({"row": np.arange(len(frame))}, geometry=points)
    joined = gpd.sjoin(located, areas[["area_id", "geometry"]], predicate="intersects")
    return joined.groupby("row")["area_id"].min()


def _store_with_areas(folder: Path, path: Path) -> Store:
    """A new store holding the demo's areas and no customer (made before the clock starts,
    as the baseline's counties are read before its clock starts)."""
    store = Store.open(folder / f"import-{path.stem}.duckdb")
    with store.transaction() as con:
        for _, level in load_demo_areas().groupby("level", sort=False):
            store.replace_level(con, level)
    return store


def _import(store: Store, path: Path, projected: bool) -> Store:
    columns = CustomerColumns(crs=PROJECTED_CRS) if projected else None
    import_customers_file(store, path, columns=columns)
    ensure_scores(store)
    return store


def _county_owners(store: Store) -> pd.Series:
    frame = store.query(
        "SELECT customer_id, area_id FROM assignments WHERE level = 'county' "
        "AND area_id IS NOT NULL ORDER BY customer_id"
    )
    return frame.set_index("customer_id")["area_id"]


def bench_import(ctx: BenchContext) -> list[Row]:
    n = min(ctx.largest, 1_000_000)
    areas = counties()
    rows = []
    for projected in (False, True):
        path = ctx.folder / f"customers-{'xy' if projected else 'latlon'}.csv"
        write_customer_file(path, n, projected)
        store = _store_with_areas(ctx.folder, path)
        ours = measure(partial(_import, store, path, projected), 1)
        bare = measure(partial(bare_pipeline, path, areas, projected), 1)
        stored = _county_owners(ours.result)
        expected = bare.result.set_axis([f"B{i:07d}" for i in bare.result.index])
        same = stored.sort_index().equals(expected.sort_index())
        kind = f"x/y in {PROJECTED_CRS}" if projected else "lat/lon"
        rows.append(
            Row(
                "import customers CSV: validate, store, assign at 3 levels, score",
                f"{n:,} rows, {kind}",
                ours.seconds,
                "read_csv + points_from_xy + sjoin (1 level)",
                bare.seconds,
                TARGET,
                ours.peak_mb,
                note=("same counties" if same else "COUNTIES DIFFER")
                + f"; bare peak {bare.peak_mb:,.0f} MB",
                correct=same,
            )
        )
    return rows
