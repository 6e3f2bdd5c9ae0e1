"""Benchmark rows: territory design on the 3,230 counties of the largest business.

- Balancing the nine territories by customers, contiguous, within 5% of the mean (the
  search from the current alignment that disturbs it least), against a bare graph
  partitioner making nine balanced parts from nothing on the same graph and loads
  (``pymetis.part_graph``, which respects no current alignment). Target: at most 30 s.
- A what-if move of two counties to another territory, to every figure the page shows
  after it (each territory's figures against now, balance, compactness, pieces and the
  accounts changing hands), against the floor of that work: a pandas sum of the unit
  figures by territory. Target: at most 0.3 s.
"""

from __future__ import annotations

import time

import numpy as np
import pymetis

from bench.context import BenchContext
from bench.measure import Row, Target, process_peak_mb, reset_peak_memory
from geo.territories.rebalance import BalanceAsk, propose_balance
from geo.territories.scenario_figures import (
    alignment_judgement,
    scenario_disruption,
    territory_figures,
    unit_base,
)
from geo.territories.scenarios import current_scenario


def _balance_row(ctx: BenchContext, size: str) -> Row:
    store = ctx.business(ctx.largest)
    reset_peak_memory()
    started = time.perf_counter()
    proposal = propose_balance(store, BalanceAsk("county", "territory"))
    seconds = time.perf_counter() - started
    peak = process_peak_mb()
    loads = proposal.territories["load_after"].to_numpy()
    within = bool(np.all(np.abs(loads - loads.mean()) <= 0.05 * loads.mean() + 1e-9))
    graph = proposal.graph
    adjacency = [list(near) for near in graph.neighbours]
    weights = np.maximum(1, np.round(proposal.units["load"].to_numpy() * 1e6)).astype(int)
    started = time.perf_counter()
    pymetis.part_graph(9, adjacency=adjacency, vweights=weights.tolist())
    baseline = time.perf_counter() - started
    index = proposal.summary["balance_index"].astype(float)
    return Row(
        "territory balance: 3,230 counties in the 9 territories by customers, contiguous, "
        "within 5%, least disturbed",
        size,
        seconds,
        "pymetis.part_graph: 9 parts from nothing, same graph and loads",
        baseline,
        Target(max_seconds=30),
        peak,
        note=f"balance index {index['before']:.1f} -> {index['after']:.1f}; "
        f"{len(proposal.moved):,} counties move" + ("" if within else "; NOT WITHIN 5%"),
        correct=within,
    )


def _move_row(ctx: BenchContext, size: str) -> Row:
    store = ctx.business(ctx.largest)
    base = unit_base(store, "county")  # once per unit level (the page caches it)
    now = current_scenario(store, "county", "territory")
    south = sorted(u for u, t in now.territory_of.items() if t == "DIV5")[:2]
    best = float("inf")
    reset_peak_memory()
    for _ in range(5):
        started = time.perf_counter()
        moved = now.moved(south, "DIV4")
        table = territory_figures(base, now, moved)
        alignment_judgement(base, moved, "customers")
        scenario_disruption(base, now, moved)
        best = min(best, time.perf_counter() - started)
    peak = process_peak_mb()
    floor = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        frame = base.figures.assign(territory=moved.territory_column(base.figures.index))
        sums = frame.groupby("territory")[["customers", "sales_amount"]].sum()
        floor = min(floor, time.perf_counter() - started)
    same = sums["customers"].to_dict() == table.set_index("territory")["customers_after"].to_dict()
    return Row(
        "what-if move: 2 counties to another territory, every figure of the page refreshed",
        size,
        best,
        "pandas: the unit figures summed by territory",
        floor,
        Target(max_seconds=0.3),
        peak,
        note="same customers per territory" if same else "FIGURES DIFFER",
        correct=same,
    )


def bench_territory_design(ctx: BenchContext) -> list[Row]:
    """The balancing and what-if rows at the largest size."""
    size = f"{ctx.largest:,} customers, 3,230 counties"
    return [_balance_row(ctx, size), _move_row(ctx, size)]
