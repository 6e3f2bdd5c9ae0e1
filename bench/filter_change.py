"""Benchmark rows on a seeded business of each size: enrichment, search, a filter change
on the Map page and the map's payload, each against a baseline doing the same job bare.

- Enrichment (RFM, churn risk and value of every customer, stored) against one DuckDB
  pass that computes recency, frequency and monetary value per customer and stores it.
- Search (slowest of four queries) against one DuckDB ``ILIKE`` scan over the same columns.
- A filter change (area KPIs, the point sample, the cell counts, the map built and
  rendered) against its floor: the same area map rendered with no data plus one DuckDB
  aggregation of every sales line by county.
  Its payload (the rendered map's size) is held to 3 MB.
"""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd

from bench.context import BenchContext
from bench.measure import Measured, Row, Target, measure
from bench.sample_data import counties
from geo.analytics.customer_search import search_customers
from geo.analytics.scores import ensure_scores
from geo.maps.area_map import build_area_map
from geo.maps.display_geometry import simplify_for_display
from geo.maps.point_cells import count_points_in_cells
from geo.maps.point_layers import CellLayer, PointLayer
from geo.maps.point_sample import MAP_POINT_LIMIT, sample_points
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.duckdb_store import Store

#: Targets 3 and 6 of the performance issue: a filter change within 1.5 times its floor,
#: and a map payload of at most 3 MB at every size.
FILTER_TARGET = Target(max_ratio=1.5, max_payload_mb=3.0)
SEARCHES = ("maple", "C00012", "021", "contact@oak")
FILTERS = Filters(level="county", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))


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


def bare_rfm(store: Store) -> None:
    """Recency, frequency and monetary value per customer, stored, in one SQL pass."""
    with store.transaction() as con:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE bare_rfm AS SELECT customer_id, "
            "max(order_date) AS last_order, count(DISTINCT order_id) AS frequency, "
            "sum(amount) AS monetary FROM sales GROUP BY customer_id"
        )


def bare_search(store: Store, text: str) -> pd.DataFrame:
    pattern = f"%{text.lower()}%"
    return store.query(
        "SELECT customer_id, name, postcode, email FROM customers WHERE lower(customer_id) "
        "LIKE ? OR lower(name) LIKE ? OR postcode LIKE ? OR lower(email) LIKE ? LIMIT 20",
        [pattern] * 4,
    )


def bare_sales_by_county(store: Store) -> pd.DataFrame:
    return store.query(
        "SELECT a.area_id, sum(s.amount) AS sales FROM sales s JOIN assignments a "
        "ON a.customer_id = s.customer_id AND a.level = 'county' GROUP BY a.area_id"
    )


def _floor(display: pd.DataFrame, store: Store) -> Measured:
    """The bare map render plus the bare aggregation: the least a filter change must do."""
    empty = pd.Series(dtype=float)
    render = measure(
        lambda: build_area_map(display, empty, metric_label="-", unit="count").get_root().render(),
        3,
    )
    aggregate = measure(lambda: bare_sales_by_county(store), 3)
    return Measured(
        render.seconds + aggregate.seconds, max(render.peak_mb, aggregate.peak_mb), render.result
    )


def bench_business_figures(ctx: BenchContext) -> list[Row]:
    display = simplify_for_display(counties(), 0.01)
    rows = []
    for n in ctx.sizes:
        store = ctx.business(n)
        size = f"{n:,} customers, {5 * n:,} sales lines"
        ours = measure(partial(rescore, store), 1)
        bare = measure(partial(bare_rfm, store), 1)
        rows.append(
            Row(
                "enrichment: RFM, churn risk and value of every customer, stored",
                size,
                ours.seconds,
                "DuckDB RFM per customer, stored",
                bare.seconds,
                None,
                ours.peak_mb,
                note=f"business built in {ctx.built_seconds.get(n, 0):.1f} s",
            )
        )
        slowest = max(
            (measure(partial(search_customers, store, q), 3) for q in SEARCHES),
            key=lambda m: m.seconds,
        )
        bare_s = max(measure(partial(bare_search, store, q), 3).seconds for q in SEARCHES)
        rows.append(
            Row(
                "search: name, ID, postcode or email as you type (slowest of 4)",
                f"{n:,} customers",
                slowest.seconds,
                "DuckDB LIKE scan of the same columns",
                bare_s,
                None,
                slowest.peak_mb,
            )
        )
        ours = measure(partial(page_work, store, FILTERS, display), 3)
        floor = _floor(display, store)
        rows.append(
            Row(
                "filter change: area KPIs, point sample, cells, map built and rendered",
                size,
                ours.seconds,
                "floor: bare area map rendered + DuckDB sales by county",
                floor.seconds,
                FILTER_TARGET,
                ours.peak_mb,
                payload_mb=len(ours.result) / 1e6,
                note=f"payload of the areas alone {len(floor.result) / 1e6:.2f} MB",
            )
        )
    return rows
