"""Benchmark rows: 20 visitors over two app processes on PostgreSQL against one process on
the embedded file (see :mod:`bench.load_test`); one row per step compares the p95."""

from __future__ import annotations

import sys

from bench.context import BenchContext
from bench.measure import Row


def bench_team_load(ctx: BenchContext) -> list[Row]:
    """The rows (none without a PostgreSQL server); the load test's own tables go to
    ``ctx.tables``."""
    from bench.load_test import STEPS, build_demo_file, format_results
    from bench.load_test import measure as measure_load
    from bench.server_databases import server_url

    if not server_url():
        print("no PostgreSQL server (GEOCRM_TEST_DATABASE_URL): load test skipped", file=sys.stderr)
        return []
    sessions = 20
    (ctx.folder / "load").mkdir(exist_ok=True)
    demo = build_demo_file(ctx.folder / "load")
    team = measure_load("postgresql", 2, sessions, demo=demo)
    alone = measure_load("duckdb", 1, sessions, demo=demo)
    rows = []
    for step in STEPS:
        errors = len(team.errors[step]), len(alone.errors[step])
        rows.append(
            Row(
                f"load test: {step} (p95)",
                f"{sessions} sessions over 2 app processes on PostGIS",
                team.percentile(step, 95),
                "1 app process on the embedded file",
                alone.percentile(step, 95),
                None,
                max(m.peak_mb for m in team.memory),
                note=f"p50 {team.percentile(step, 50):.2f} vs {alone.percentile(step, 50):.2f} s; "
                f"errors {errors[0]} vs {errors[1]}",
                correct=errors[0] == 0,
            )
        )
    ctx.tables.append(
        "Load test (python -m bench.load_test): seconds per step, memory per app process\n\n"
        + format_results([team, alone])
    )
    return rows
