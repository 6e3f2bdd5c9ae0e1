"""Run the GeoCRM benchmarks and print one table (``make bench``).

Every figure is paired with a baseline timed in the same run, because a shared machine's
speed drifts; the ratio is baseline time / our time. Sizes follow the performance issue:
10k, 100k and 1M customers over the 3,230 real counties, five sales lines per customer.
Set BENCH_SIZES=10000,100000 for a quicker run.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from bench.measure import Row, best_of, format_table, peak_rss_mb, process_peak_mb
from bench.rollups import bench_rollups
from bench.sample_data import counties, random_points
from geo.analytics.customer_search import search_customers
from geo.analytics.scores import ensure_scores
from geo.demo.business import load_demo_areas
from geo.demo.database import build_demo_database
from geo.imports.runner import import_customers_file
from geo.maps.area_map import build_area_map
from geo.maps.display_geometry import simplify_for_display
from geo.maps.point_cells import count_points_in_cells
from geo.maps.point_layers import CellLayer, PointLayer
from geo.maps.point_sample import MAP_POINT_LIMIT, sample_points
from geo.places.exact_assignment import assign_points, assign_points_sjoin
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.duckdb_store import Store

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000,1000000").split(",")]


def bench_assignment(rows: list[Row]) -> None:
    areas = counties()
    for n in SIZES:
        lon, lat = random_points(n)
        fast_s, fast = best_of(lambda lon=lon, lat=lat: assign_points(lon, lat, areas), 2)
        plain_s, plain = best_of(lambda lon=lon, lat=lat: assign_points_sjoin(lon, lat, areas), 1)
        same = bool((fast == plain).all())
        rows.append(
            Row(
                "assign to 3,230 counties (exact)",
                f"{n:,} points",
                fast_s,
                "geopandas.sjoin",
                plain_s,
                peak_rss_mb(),
                "identical assignments" if same else "ASSIGNMENTS DIFFER",
            )
        )


def build_store(folder: Path, n: int) -> Store:
    store = Store.open(folder / f"bench-{n}.duckdb")
    build_demo_database(store, seed=5, customers=n, prospects=0, order_lines=5 * n)
    return store


def page_work(store: Store, filters: Filters, areas: pd.DataFrame) -> str:
    """What the Map page does on a filter change: KPIs, the point sample that frames the
    map, the customers counted per cell at national zoom, the map, rendered."""
    kpis = compute_area_kpis(store, filters).set_index("area_id")
    sample = sample_points(store, filters, "customer", MAP_POINT_LIMIT)
    frame = PointLayer("Customers", sample.lat, sample.lon, sample.labels, "#1b7837", sample.total)
    cells = count_points_in_cells(store, filters, "customer", 4)
    fmap = build_area_map(
        areas,
        kpis["sales_amount"],
        metric_label="Sales",
        unit="$",
        cell_layers=[CellLayer("Customers", cells, "#263238")],
        frame_layers=[frame],
    )
    return fmap.get_root().render()


def rescore(store: Store) -> None:
    """Recompute the stored customer scores, as after an import."""
    with store.transaction() as con:
        con.execute("DELETE FROM meta WHERE key = 'scores'")
    ensure_scores(store)


def bench_filter_change_and_payload(rows: list[Row], folder: Path) -> Store | None:
    display = simplify_for_display(counties(), 0.01)
    yardstick = pd.DataFrame(
        {"k": np.random.default_rng(0).integers(3230, size=5_000_000), "v": np.ones(5_000_000)}
    )
    base_s, _ = best_of(lambda: yardstick.groupby("k")["v"].sum(), 3)
    bare_map = build_area_map(display, pd.Series(dtype=float), metric_label="-", unit="count")
    bare_bytes = len(bare_map.get_root().render())
    largest: Store | None = None
    for n in SIZES:
        started = time.perf_counter()
        store = build_store(folder, n)
        build_s = time.perf_counter() - started
        rows.append(
            Row(
                "enrichment: RFM, churn risk and value of every customer, stored",
                f"{n:,} customers, {5 * n:,} sales lines",
                best_of(lambda s=store: rescore(s), 1)[0],
                "pandas groupby of 5M rows",
                base_s,
                peak_rss_mb(),
                "target <= 10 s",
            )
        )
        search_s = max(
            best_of(lambda s=store, q=q: search_customers(s, q), 3)[0]
            for q in ("maple", "C00012", "021", "contact@oak")
        )
        rows.append(
            Row(
                "search: name, ID, postcode or email as you type (slowest of 4)",
                f"{n:,} customers",
                search_s,
                "pandas groupby of 5M rows",
                base_s,
                peak_rss_mb(),
                "well under 1 s",
            )
        )
        filters = Filters(level="county", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
        work_s, html = best_of(lambda s=store, f=filters: page_work(s, f, display), 3)
        rows.append(
            Row(
                "filter change: area KPIs + map built and rendered",
                f"{n:,} customers, {5 * n:,} sales lines",
                work_s,
                "pandas groupby of 5M rows",
                base_s,
                peak_rss_mb(),
                f"target <= 0.5 s; demo build {build_s:.1f} s",
            )
        )
        rows.append(
            Row(
                "map payload (bytes / 1e6 as 'time')",
                f"{n:,} customers",
                len(html) / 1e6,
                "map with areas only",
                bare_bytes / 1e6,
                peak_rss_mb(),
                f"{len(html) / 1e6:.2f} MB; target <= 3 MB",
            )
        )
        largest = store
    return largest


def bench_import(rows: list[Row], folder: Path) -> None:
    n = max(SIZES)
    lon, lat = random_points(n, seed=9)
    csv = folder / "customers.csv"
    pd.DataFrame(
        {
            "customer_id": [f"B{i:07d}" for i in range(n)],
            "name": "Customer",
            "lat": lat.round(6),
            "lon": lon.round(6),
        }
    ).to_csv(csv, index=False)
    store = Store.open(folder / "import.duckdb")
    areas = load_demo_areas()
    with store.transaction() as con:
        for _, level in areas.groupby("level", sort=False):
            store.replace_level(con, level)
    import_s, _ = best_of(lambda: import_customers_file(store, csv), 1)
    read_s, _ = best_of(lambda: pd.read_csv(csv, dtype=str), 1)
    rows.append(
        Row(
            "import customers CSV: validate, store, assign at 3 levels",
            f"{n:,} rows",
            import_s,
            "pandas.read_csv only",
            read_s,
            peak_rss_mb(),
            "target <= 15 s",
        )
    )


def first_paint(db: Path, script: Path, wait_for: str) -> tuple[float, float]:
    """Seconds from navigation to the map painted, and the app process's peak RSS (MB)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, serve_app

    app = serve_app(db, Path(tempfile.mkdtemp()) / "log.txt", script=script)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 950})
            started = time.perf_counter()
            page.goto(app.url)
            frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']")
            frame.locator(wait_for).first.wait_for(timeout=60_000)
            seconds = time.perf_counter() - started
            browser.close()
        return seconds, process_peak_mb(app.process.pid)
    finally:
        app.process.terminate()
        app.process.wait(timeout=30)


def bench_browser(rows: list[Row], folder: Path, largest: Store | None) -> None:
    if not Path("/usr/bin/chromium").exists():
        print("chromium missing: browser benchmarks skipped", file=sys.stderr)
        return
    demo = Store.open(folder / "demo.duckdb")
    build_demo_database(demo)
    # Streamlit serves static/ beside the main script: give the baseline page the same assets.
    bare_dir = folder / "bare"
    bare_dir.mkdir()
    (bare_dir / "bare_map_app.py").write_text(Path("bench/bare_map_app.py").read_text())
    (bare_dir / "static").symlink_to(Path("static").resolve())
    bare_s, bare_mb = first_paint(demo.path, bare_dir / "bare_map_app.py", ".leaflet-interactive")
    demo_s, demo_mb = first_paint(demo.path, Path("app.py"), ".geocrm-legend")
    rows.append(
        Row(
            "cold start to first map painted (Chromium)",
            "demo: 50k customers, 150k prospects",
            demo_s,
            "bare page, 1k-point map",
            bare_s,
            demo_mb,
            "peak memory = app process",
        )
    )
    if largest is not None:
        big_s, big_mb = first_paint(largest.path, Path("app.py"), ".geocrm-legend")
        n = largest.table_counts()["customers"]
        rows.append(
            Row(
                "cold start to first map painted (Chromium)",
                f"{n:,} customers, {5 * n:,} sales lines",
                big_s,
                "bare page, 1k-point map",
                bare_s,
                big_mb,
                "peak memory = app process; target <= 2.5 GB",
            )
        )
        rows.append(
            Row(
                "app process peak memory (MB / 1000 as 'time')",
                f"{n:,} customers",
                big_mb / 1000,
                "bare page process",
                bare_mb / 1000,
                big_mb,
                "target <= 2,500 MB",
            )
        )


def bench_load(rows: list[Row], folder: Path) -> str:
    """20 visitors over two app processes on PostgreSQL beside one process on the embedded
    file (see bench.load_test); the rows compare the p95 of each step. Returns the load
    test's own tables ("" when there is no PostgreSQL server to use)."""
    from bench.load_test import STEPS, build_demo_file, format_results, measure
    from bench.server_databases import server_url

    if not server_url():
        print("no PostgreSQL server (GEOCRM_TEST_DATABASE_URL): load test skipped", file=sys.stderr)
        return ""
    sessions = 20
    (folder / "load").mkdir()
    demo = build_demo_file(folder / "load")
    team = measure("postgresql", 2, sessions, demo=demo)
    alone = measure("duckdb", 1, sessions, demo=demo)
    for step in STEPS:
        rows.append(
            Row(
                f"load test: {step} (p95)",
                f"{sessions} sessions over 2 app processes on PostGIS",
                team.percentile(step, 95),
                "1 app process on the embedded file",
                alone.percentile(step, 95),
                max(m.peak_mb for m in team.memory),
                f"p50 {team.percentile(step, 50):.2f} vs {alone.percentile(step, 50):.2f} s; "
                f"errors {len(team.errors[step])} vs {len(alone.errors[step])}",
            )
        )
    return format_results([team, alone])


def main() -> int:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="geocrm-bench-") as tmp:
        folder = Path(tmp)
        bench_assignment(rows)
        largest = bench_filter_change_and_payload(rows, folder)
        if largest is not None:
            bench_rollups(rows, largest)
        bench_import(rows, folder)
        bench_browser(rows, folder, largest)
        load_tables = bench_load(rows, folder)
    print()
    print(f"GeoCRM benchmarks, {date.today().isoformat()}, {os.cpu_count()} cores")
    print(format_table(rows))
    if load_tables:
        print()
        print("Load test (python -m bench.load_test): seconds per step, memory per app process")
        print(load_tables)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
