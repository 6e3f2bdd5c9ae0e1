"""Benchmark rows: exact assignment of random points to the 3,230 counties, against
``geopandas.sjoin`` with the same one-owner rule, point by point identical."""

from __future__ import annotations

from functools import partial

from bench.context import BenchContext
from bench.measure import Row, Target, measure
from bench.sample_data import counties, random_points
from geo.places.exact_assignment import assign_points, assign_points_sjoin

#: Target 4 of the performance issue: at least 8 times the throughput of geopandas.sjoin.
TARGET = Target(max_ratio=1 / 8)


def bench_assignment(ctx: BenchContext) -> list[Row]:
    areas = counties()
    rows = []
    for n in ctx.sizes:
        lon, lat = random_points(n)
        ours = measure(partial(assign_points, lon, lat, areas), 2)
        plain = measure(partial(assign_points_sjoin, lon, lat, areas), 1)
        same = bool((ours.result == plain.result).all())
        rows.append(
            Row(
                "assign to 3,230 counties (exact)",
                f"{n:,} points",
                ours.seconds,
                "geopandas.sjoin, smallest ID wins",
                plain.seconds,
                TARGET if n >= 1_000_000 else None,
                ours.peak_mb,
                note=("identical assignments" if same else "ASSIGNMENTS DIFFER")
                + f"; sjoin peak {plain.peak_mb:,.0f} MB",
                correct=same,
            )
        )
    return rows
