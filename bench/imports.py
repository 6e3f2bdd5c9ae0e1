"""Benchmark rows: importing a customer file against the bare pipeline on the same file.

GeoCRM's import reads and validates the file, stores the customers, assigns them at every
level (territory, state, county) and computes their scores. The bare pipeline validates
nothing and assigns at one level: ``pandas.read_csv``, ``geopandas.points_from_xy``
(reprojected for a projected file), ``geopandas.sjoin`` to the 3,230 counties and one owner
per point (the smallest ID). Two kinds of file: WGS84 lat/lon columns, and x/y columns in
the US Albers projection (EPSG:5070). Up to 1M customers (the standard run) are one file;
a larger business (the scale run) comes as files of at most MAX_ROWS rows, the most one
file may hold, imported one after another into the same store, and the bare pipeline runs
over the same files.
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
from geo.imports.table_files import MAX_ROWS
from geo.store.duckdb_store import Store

#: Target 1 of the performance issue: no slower than the bare pipeline.
TARGET = Target(max_ratio=1.0)
PROJECTED_CRS = "EPSG:5070"


def write_customer_file(path: Path, n: int, projected: bool, first: int = 0) -> None:
    """``n`` customers spread like the demo's (IDs from ``first``), as lat/lon or as x/y in
    PROJECTED_CRS."""
    lon, lat = random_points(n, seed=9 + first)
    ids = [f"B{i:08d}" for i in range(first, first + n)]
    frame = pd.DataFrame({"customer_id": ids, "name": "Customer"})
    if projected:
        x, y = Transformer.from_crs("EPSG:4326", PROJECTED_CRS, always_xy=True).transform(lon, lat)
        frame["x"], frame["y"] = np.round(x, 1), np.round(y, 1)
    else:
        frame["lat"], frame["lon"] = lat.round(6), lon.round(6)
    frame.to_csv(path, index=False)


def write_customer_files(folder: Path, n: int, projected: bool) -> list[Path]:
    """``n`` customers in files of at most MAX_ROWS rows each."""
    paths = []
    for number, first in enumerate(range(0, n, MAX_ROWS)):
        path = folder / f"customers-{'xy' if projected else 'latlon'}-{number + 1}.csv"
        write_customer_file(path, min(MAX_ROWS, n - first), projected, first)
        paths.append(path)
    return paths


def bare_pipeline(paths: list[Path], areas: gpd.GeoDataFrame, projected: bool) -> pd.Series:
    """The county of each customer by the plain tools, no validation: read, points, sjoin,
    one owner per point; by customer ID."""
    owners = []
    for path in paths:
        frame = pd.read_csv(path, dtype={"customer_id": str})
        if projected:
            points = gpd.points_from_xy(frame["x"], frame["y"], crs=PROJECTED_CRS)
            points = gpd.GeoSeries(points).to_crs("EPSG:4326").values
        else:
            points = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
        located = gpd.GeoDataFrame({"customer_id": frame["customer_id"]}, geometry=points)
        joined = gpd.sjoin(located, areas[["area_id", "geometry"]], predicate="intersects")
        owners.append(joined.groupby("customer_id")["area_id"].min())
    return pd.concat(owners)


def _store_with_areas(folder: Path, name: str) -> Store:
    """A new store holding the demo's areas and no customer (made before the clock starts,
    as the baseline's counties are read before its clock starts)."""
    store = Store.open(folder / f"import-{name}.duckdb")
    with store.transaction() as con:
        for _, level in load_demo_areas().groupby("level", sort=False):
            store.replace_level(con, level)
    return store


def _import(store: Store, paths: list[Path], projected: bool) -> Store:
    columns = CustomerColumns(crs=PROJECTED_CRS) if projected else None
    for path in paths:
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
    n = ctx.largest
    areas = counties()
    rows = []
    for projected in (False, True):
        kind = f"x/y in {PROJECTED_CRS}" if projected else "lat/lon"
        paths = write_customer_files(ctx.folder, n, projected)
        store = _store_with_areas(ctx.folder, "xy" if projected else "latlon")
        ours = measure(partial(_import, store, paths, projected), 1)
        bare = measure(partial(bare_pipeline, paths, areas, projected), 1)
        same = _county_owners(ours.result).sort_index().equals(bare.result.sort_index())
        files = f" in {len(paths)} files" if len(paths) > 1 else ""
        rows.append(
            Row(
                "import customers CSV: validate, store, assign at 3 levels, score",
                f"{n:,} rows{files}, {kind}",
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
        for path in paths:
            path.unlink()
    return rows
