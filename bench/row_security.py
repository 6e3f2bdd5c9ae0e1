"""Benchmark row: what PostgreSQL's row-level security adds to a restricted user's filter change.

A manager of one territory changes a filter on the Map page: the area KPIs, the headline
counts, the map's point sample and its counted cells, all narrowed to the territory. The
figure reads through a store bound to the manager's scope made for the user
(:meth:`geo.store.scope.Scope.for_user`), so every read runs as the reader role with the
database's policies (:mod:`geo.store.row_security`) on top of the app's own filter (the
scope's CTEs). The baseline is the same reads through the same scope with no user: the
app's filter alone, the same rows and the same SQL, no role and no policies. The ratio is
then what the second line costs. Both return the same figures (checked); neither can read
the roll-ups (a restricted reader sees them empty), so both compute on the fly.

PostgreSQL only (the embedded store has no roles): the row is made when
GEOCRM_TEST_DATABASE_URL names a server, on a copy of the business of ROW_SECURITY_SIZE
customers (at most the largest of the run). No target. At 1M customers one of the restricted
reads ran for more than 15 minutes on PostgreSQL (the scope's CTEs; a known problem), so
the row is measured where it completes.
"""

from __future__ import annotations

from datetime import date
from functools import partial

from bench.context import BenchContext
from bench.measure import Row, measure
from bench.rollups import postgres_copy
from geo.access.users import add_user
from geo.maps.point_cells import count_points_in_cells
from geo.maps.point_sample import MAP_POINT_LIMIT, sample_points
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.store.scope import Scope

#: The filter change: the manager's counties over a year of sales.
FILTERS = Filters(level="county", date_from=date(2025, 1, 1))
MANAGER = "bench-manager@example.com"
#: The business the row is measured on (see the module docstring).
ROW_SECURITY_SIZE = 100_000


def restricted_reads(store: Store, filters: Filters) -> tuple[object, ...]:
    """A filter change's reads on the Map page, through ``store``'s own scope: the area
    KPIs, the headline counts, the point sample and the cells at national zoom."""
    kpis = compute_area_kpis(store, filters)
    summary = summarise_selection(store, filters)
    sample = sample_points(store, filters, "customer", MAP_POINT_LIMIT)
    cells = count_points_in_cells(store, filters, "customer", 4)
    return (
        kpis.round({"sales_amount": 2}).to_json(),
        summary,
        sample.total,
        sample.lat.tolist(),
        cells.count.tolist(),
    )


def bench_row_security(ctx: BenchContext) -> list[Row]:
    """One row on a PostgreSQL copy of the largest business, when a server is given."""
    source = ctx.business(min(ctx.largest, ROW_SECURITY_SIZE))
    with postgres_copy(source) as server:
        if server is None:
            return []
        territory = str(
            server.scalar(
                "SELECT area_id FROM assignments WHERE level = 'territory' "
                "GROUP BY area_id ORDER BY count(*) DESC, area_id LIMIT 1"
            )
        )
        user = add_user(server, MANAGER, "manager", areas=[("territory", territory)], actor="bench")
        both_lines = server.within(user.scope)
        app_filter_only = server.within(Scope.of_grants(user.areas))
        # A fresh copy has no planner statistics until autovacuum comes by: without them
        # whichever side ran first would run on worse plans.
        with server.transaction() as tx:
            tx.execute("ANALYZE")
        # Interleaved, best of each: the machine's drift falls on both sides alike.
        runs = [
            (measure(partial(restricted_reads, both_lines, FILTERS), 1),
             measure(partial(restricted_reads, app_filter_only, FILTERS), 1))
            for _ in range(3)
        ]  # fmt: skip
        ours = min((r[0] for r in runs), key=lambda m: m.seconds)
        bare = min((r[1] for r in runs), key=lambda m: m.seconds)
        counts = source.table_counts()
        return [
            Row(
                "restricted filter change (manager of one territory): KPIs, counts, sample, "
                "cells, with row-level security",
                f"PostgreSQL: {counts['customers']:,} customers, {counts['sales']:,} sales lines; "
                f"territory {territory}: {ours.result[1]['rows']:,} customers",
                ours.seconds,
                "same reads, same scope, app's filter alone (no role, no policies)",
                bare.seconds,
                None,
                ours.peak_mb,
                note="identical figures" if ours.result == bare.result else "FIGURES DIFFER",
                correct=ours.result == bare.result,
            )
        ]
