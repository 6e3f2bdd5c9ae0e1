"""Territory design's core on hand-made grids where the answer is known, and on the real
counties: the unit graph, the alignment figures and balancing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.store.protocol import Store
from geo.territories.alignment_figures import (
    balance_index,
    disruption,
    max_min_ratio,
    polsby_popper,
    territory_parts,
)
from geo.territories.balancing import BalanceRules, balance, fresh_alignment
from geo.territories.unit_graph import UnitGraph, unit_graph


def grid(columns: int, rows: int, size: float = 0.1) -> gpd.GeoDataFrame:
    """Square units (EPSG:4326) named c{column}r{row}, by row then column."""
    cells = [
        (f"c{c}r{r}", box(c * size, r * size, (c + 1) * size, (r + 1) * size))
        for r in range(rows)
        for c in range(columns)
    ]
    return gpd.GeoDataFrame(
        {"area_id": [a for a, _ in cells]}, geometry=[g for _, g in cells], crs="EPSG:4326"
    )


def column_of(units: gpd.GeoDataFrame) -> np.ndarray:
    return np.array([int(a[1 : a.index("r")]) for a in units["area_id"]])


def test_units_touch_along_edges_not_at_corners() -> None:
    graph = unit_graph(grid(3, 3))
    at = graph.position_of()
    assert set(graph.neighbours[at["c1r1"]]) == {at[a] for a in ("c1r0", "c0r1", "c2r1", "c1r2")}
    # c0r0 and c1r1 meet at one corner point only: not neighbours.
    assert at["c1r1"] not in graph.neighbours[at["c0r0"]]
    assert len(graph.edges()) == 12 and graph.bridges == ()


def test_an_island_is_bridged_to_its_nearest_unit() -> None:
    units = pd.concat(
        [
            grid(2, 1),
            gpd.GeoDataFrame(
                {"area_id": ["island"]}, geometry=[box(0.5, 0, 0.6, 0.1)], crs="EPSG:4326"
            ),
        ],
        ignore_index=True,
    )
    graph = unit_graph(units)
    at = graph.position_of()
    # The island (0.5-0.6) is 0.3 from c1r0 (0.1-0.2) and 0.5 from c0r0.
    assert graph.bridges == ((at["c1r0"], at["island"]),)
    assert territory_parts(graph, ["a", "a", "a"]) == {"a": 1}


def test_figures_worked_by_hand() -> None:
    # Mean 2, population standard deviation sqrt(2/3): 100 x (1 - 0.8165 / 2) = 59.18.
    assert balance_index([1, 2, 3]) == pytest.approx(100 * (1 - np.sqrt(2 / 3) / 2))
    assert balance_index([5, 5, 5]) == 100.0
    assert balance_index([0, 0, 9]) == 0.0  # CV above 1: floored
    assert max_min_ratio([2, 3, 6]) == 3.0
    assert max_min_ratio([0, 3]) == float("inf")
    units = grid(2, 2)
    # One square territory (pi/4 for a square) and one 2x1 strip of the other... here: the
    # left column (a 1x2 rectangle, 4 pi 2 / 36 = 0.698) and the right column alike.
    square = polsby_popper(units, dict.fromkeys(units["area_id"], "all"))
    assert square["all"] == pytest.approx(np.pi / 4, rel=0.01)
    strips = polsby_popper(units, {a: a[:2] for a in units["area_id"]})
    assert strips.to_dict() == pytest.approx({"c0": 8 * np.pi / 36, "c1": 8 * np.pi / 36}, rel=0.01)


def test_disruption_counts_the_accounts_and_revenue_that_change_territory() -> None:
    figures = pd.DataFrame(
        {"accounts": [10, 20, 30, 40], "revenue": [100.0, 200.0, 300.0, 400.0]},
        index=["u1", "u2", "u3", "u4"],
    )
    before = {"u1": "T1", "u2": "T1", "u3": "T2", "u4": "T2"}
    after = {"u1": "T1", "u2": "T2", "u3": "T1", "u4": "T2"}
    table = disruption(before, after, figures, {"T1": "Ann", "T2": "Bob"}).set_index("owner")
    assert list(table.loc["Ann", ["units", "accounts", "revenue"]]) == [1, 20, 200.0]
    assert list(table.loc["Bob", ["units", "accounts", "revenue"]]) == [1, 30, 300.0]
    assert list(table.loc["all", ["units", "accounts", "revenue"]]) == [2, 50, 500.0]
    assert table.loc["all", "share_of_accounts"] == pytest.approx(0.5)


def _left_three_columns(units: gpd.GeoDataFrame) -> np.ndarray:
    return (column_of(units) == 3).astype("int64")  # columns 0-2: territory 0; 3: territory 1


def test_a_four_by_four_grid_of_12_against_4_balances_in_four_moves() -> None:
    units = grid(4, 4)
    graph = unit_graph(units)
    start = _left_three_columns(units)
    result = balance(graph, np.ones(16), start, 2, rules=BalanceRules(tolerance=0.0))
    assert result.reason == "balanced"
    assert result.loads(np.ones(16), 2).tolist() == [8.0, 8.0]
    # 12 -> 8 takes four units of one: no fewer moves can do it, and none more were made.
    assert result.moves == 4
    assert (result.territory_of != start).sum() == 4
    assert territory_parts(graph, [str(t) for t in result.territory_of]) == {"0": 1, "1": 1}
    # Each moved unit was on the border: column 2.
    assert set(column_of(units)[result.moved_units]) == {2}


def test_locked_units_and_territories_stay() -> None:
    units = grid(4, 4)
    graph = unit_graph(units)
    start = _left_three_columns(units)
    at = graph.position_of()
    locked = frozenset(at[f"c2r{r}"] for r in range(4))  # the whole border column
    result = balance(graph, np.ones(16), start, 2, rules=BalanceRules(locked_units=locked))
    assert (result.territory_of[list(locked)] == 0).all()
    assert result.moves == 0 and result.reason == "no move improves the balance"
    frozen = balance(
        graph, np.ones(16), start, 2, rules=BalanceRules(locked_territories=frozenset({1}))
    )
    assert (frozen.territory_of == start).all()


def test_the_budget_of_moved_accounts_is_kept() -> None:
    units = grid(4, 4)
    graph = unit_graph(units)
    start = _left_three_columns(units)
    # 16 accounts, at most 1/8 may change territory: two units of one account each.
    result = balance(graph, np.ones(16), start, 2, rules=BalanceRules(max_moved_share=0.125))
    assert (result.territory_of != start).sum() == 2
    assert result.reason == "budget of moved accounts spent"
    # A heavy unit (30 accounts) is passed over for light ones when the budget is tight.
    accounts = np.ones(16)
    accounts[graph.position_of()["c2r0"]] = 30
    light = balance(
        graph, np.ones(16), start, 2, accounts=accounts, rules=BalanceRules(max_moved_share=0.1)
    )
    assert light.territory_of[graph.position_of()["c2r0"]] == 0


def test_a_territory_is_never_cut_in_two() -> None:
    # A row of five: territory 0 holds c0, c1, c2 and c4 through... no: a U. On a 3x2 grid,
    # territory 0 is the U c0r0 c0r1 c1r0 c2r0 c2r1 and territory 1 the notch c1r1. Moving
    # c1r0 (the U's bottom middle) would balance best but cut the U in two.
    units = grid(3, 2)
    graph = unit_graph(units)
    at = graph.position_of()
    start = np.zeros(6, dtype="int64")
    start[at["c1r1"]] = 1
    loads = np.ones(6)
    loads[at["c1r0"]] = 2.0  # the best single move by balance alone
    result = balance(graph, loads, start, 2, rules=BalanceRules(tolerance=0.0))
    assert result.territory_of[at["c1r0"]] == 0
    assert territory_parts(graph, [str(t) for t in result.territory_of]) == {"0": 1, "1": 1}
    # Without contiguity, the best move is made.
    loose = balance(graph, loads, start, 2, rules=BalanceRules(tolerance=0.0, contiguous=False))
    assert loose.territory_of[at["c1r0"]] == 1


def test_load_flows_through_a_middle_territory() -> None:
    # Three columns of territories on a 3x3 grid with loads 6 | 3 | 0 per column's... each
    # unit of territory 0 weighs 2, of 1 weighs 1, of 2 weighs ~0: only through 1 can 0 give.
    units = grid(3, 3)
    graph = unit_graph(units)
    start = column_of(units).astype("int64")
    loads = np.where(start == 0, 2.0, np.where(start == 1, 1.0, 0.0))
    result = balance(graph, loads, start, 3, rules=BalanceRules(tolerance=0.35))
    totals = result.loads(loads, 3)
    assert result.reason == "balanced"
    assert np.abs(totals - 3).max() <= 0.35 * 3
    assert territory_parts(graph, [str(t) for t in result.territory_of]) == {"0": 1, "1": 1, "2": 1}


def test_a_fresh_split_of_a_grid_is_contiguous_and_balanced() -> None:
    units = grid(8, 8)
    graph = unit_graph(units)
    loads = np.arange(64, dtype="float64") % 5 + 1
    first = fresh_alignment(graph, loads, 4)
    result = balance(graph, loads, first, 4, rules=BalanceRules(tolerance=0.05))
    totals = result.loads(loads, 4)
    assert set(result.territory_of) == {0, 1, 2, 3}
    assert np.abs(totals - totals.mean()).max() <= 0.05 * totals.mean()
    assert territory_parts(graph, [str(t) for t in result.territory_of]) == dict.fromkeys("0123", 1)
    # Deterministic.
    assert (fresh_alignment(graph, loads, 4) == first).all()


def test_the_demo_s_nine_territories_rebalance_within_five_percent(demo_store: Store) -> None:
    units = demo_store.load_areas("county").sort_values("area_id").reset_index(drop=True)
    counts = demo_store.query(
        "SELECT a.area_id, count(*) AS n FROM assignments a JOIN customers c USING (customer_id) "
        "WHERE a.level = 'county' AND c.kind = 'customer' AND a.area_id IS NOT NULL GROUP BY 1"
    ).set_index("area_id")["n"]
    territory = (
        demo_store.query(
            "SELECT a.customer_id, a.area_id AS county, t.area_id AS territory FROM assignments a "
            "JOIN assignments t ON t.customer_id = a.customer_id AND t.level = 'territory' "
            "WHERE a.level = 'county' AND a.area_id IS NOT NULL AND t.area_id IS NOT NULL"
        )
        .drop_duplicates("county")
        .set_index("county")["territory"]
    )
    names = sorted(territory.unique())
    start = np.array([names.index(territory.get(u, names[0])) for u in units["area_id"]])
    loads = units["area_id"].map(counts).fillna(0).to_numpy("float64")
    graph = unit_graph(units)
    parts_before = territory_parts(graph, [str(t) for t in start])
    result = balance(graph, loads, start, len(names), rules=BalanceRules(tolerance=0.05))
    totals = result.loads(loads, len(names))
    assert result.reason == "balanced"
    assert np.abs(totals - totals.mean()).max() <= 0.05 * totals.mean()
    assert balance_index(totals) > balance_index(np.bincount(start, weights=loads))
    # No territory falls into more parts than it had.
    parts_after = territory_parts(graph, [str(t) for t in result.territory_of])
    assert all(parts_after[t] <= parts_before.get(t, 1) for t in parts_after)
    assert isinstance(graph, UnitGraph)


def test_unit_figures_add_up_to_independent_counts(demo_store: Store) -> None:
    from geo.territories.unit_figures import unit_figures

    table = unit_figures(demo_store, "state", minutes_per_contact=20)
    assert len(table) == len(demo_store.load_areas("state"))
    independent = demo_store.query(
        "SELECT a.area_id, c.kind, cs.gap_days, cs.churn_risk, cs.risk_band, cs.monetary "
        "FROM customers c JOIN assignments a ON a.customer_id = c.customer_id "
        "AND a.level = 'state' LEFT JOIN customer_scores cs ON cs.customer_id = c.customer_id "
        "WHERE a.area_id IS NOT NULL"
    )
    customers = independent[independent["kind"] == "customer"]
    per_state = customers.groupby("area_id").size()
    assert table["customers"].to_dict() == per_state.reindex(table.index, fill_value=0).to_dict()
    assert table["prospects"].sum() == (independent["kind"] == "prospect").sum()
    high = customers[customers["risk_band"] == "high"]
    assert table["at_risk"].sum() == len(high)
    assert table["revenue_at_risk"].sum() == pytest.approx(high["monetary"].sum())
    scored = customers.dropna(subset=["gap_days"])
    contacts = (
        (365.0 / scored["gap_days"] / 12 * (1 - scored["churn_risk"]))
        .groupby(scored["area_id"])
        .sum()
    )
    assert table["contacts_per_month"].to_dict() == pytest.approx(
        contacts.reindex(table.index, fill_value=0.0).to_dict()
    )
    assert table["workload_minutes"].to_numpy() == pytest.approx(
        20 * table["contacts_per_month"].to_numpy()
    )


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    import json

    from geo.cli import main

    code = main(list(args))
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else {}


def test_the_command_proposes_a_balance_and_changes_nothing(
    demo_copy: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = demo_copy.query("SELECT level, count(*) AS n FROM assignments GROUP BY level")
    out = tmp_path / "alignment.csv"
    db = ("--db", demo_copy.location)
    code, payload = _cli(
        capsys, *db, "territory", "balance", "--by", "workload_minutes", "--out", str(out), "--json"
    )
    assert code == 0
    assert payload["reason"] == "balanced" and payload["moves"] > 0
    summary = {row["alignment"]: row for row in payload["summary"]}
    assert summary["after"]["balance_index"] > summary["before"]["balance_index"]
    assert summary["after"]["territories_in_pieces"] == 0
    loads = pd.DataFrame(payload["territories"])["load_after"]
    assert (abs(loads - loads.mean()) <= 0.05 * loads.mean() + 1e-9).all()
    written = pd.read_csv(out, dtype=str)
    counties = demo_copy.query("SELECT area_id FROM areas WHERE level = 'county'")["area_id"]
    assert sorted(written["area_id"]) == sorted(counties)
    moved = written[written["before"] != written["after"]]
    assert len(moved) == len(payload["moved_units"])
    everything = pd.DataFrame(payload["disruption"]).set_index("owner").loc["all"]
    assert everything["units"] == len(moved)
    # A proposal only: the stored alignment is as it was.
    after = demo_copy.query("SELECT level, count(*) AS n FROM assignments GROUP BY level")
    # GROUP BY makes no order promise: compare the counts per level, not the row order.
    pd.testing.assert_frame_equal(
        before.sort_values("level").reset_index(drop=True),
        after.sort_values("level").reset_index(drop=True),
    )
    code, payload = _cli(capsys, *db, "territory", "balance", "--new", "4", "--json")
    assert code == 0 and len(payload["territories"]) >= 4
    code, payload = _cli(capsys, *db, "territory", "balance", "--lock-unit", "99999", "--json")
    assert code == 2 and "cannot lock unit '99999' of level 'county'" in payload["error"]
    with pytest.raises(SystemExit) as refused:
        _cli(capsys, *db, "territory", "balance", "--by", "happiness", "--json")
    assert refused.value.code == 2
    assert "unknown figure 'happiness': use one of customers," in capsys.readouterr().err


def test_a_what_if_move_shows_each_territory_before_and_after() -> None:
    from geo.territories.what_if import Alignment, compare

    units = pd.DataFrame(
        {
            "territory": ["T1", "T1", "T2", "T2"],
            "customers": [10, 20, 30, 40],
            "sales_amount": [100.0, 200.0, 300.0, 400.0],
        },
        index=pd.Index(["u1", "u2", "u3", "u4"], name="area_id"),
    )
    now = Alignment(units)
    moved = now.moved(["u3"], "T1")
    table = compare(now, moved)
    t1 = table.loc["T1"]
    assert [t1["customers_before"], t1["customers_after"], t1["customers_change"]] == [30, 60, 30]
    t2 = table.loc["T2"]
    assert [t2["units_before"], t2["units_after"], t2["sales_amount_after"]] == [2, 1, 400.0]
    # A new territory appears with what it took; the old alignment is untouched.
    split = compare(now, now.moved(["u4"], "T3"))
    assert [split.loc["T3", "units_before"], split.loc["T3", "customers_after"]] == [0, 40]
    assert now.territory_of()["u3"] == "T2"
    # 30/70 customers become 60/40: mean 50, deviation 10 -> index 80; max/min 1.5.
    assert moved.balance("customers") == pytest.approx(
        {"balance_index": 80.0, "max_min_ratio": 1.5}
    )
    with pytest.raises(ValueError, match="no unit 'u9'"):
        now.moved(["u9"], "T1")


def test_compactness_from_shared_borders_is_the_unions(demo_store: Store) -> None:
    from geo.territories.alignment_figures import UnitShapes
    from geo.territories.scenarios import current_scenario

    # A 3 x 2 grid: the left two columns (a 2 x 2 square) and the right column (a 1 x 2
    # strip): pi/4 and 4 pi 2 / 36.
    units = grid(3, 2)
    territory = ["a" if c < 2 else "b" for c in column_of(units)]
    fast = UnitShapes.of(units).polsby_popper(territory)
    slow = polsby_popper(units, dict(zip(units["area_id"], territory, strict=True)))
    assert fast.to_numpy() == pytest.approx(slow.to_numpy(), rel=1e-6)
    assert fast["a"] == pytest.approx(np.pi / 4, rel=0.01)
    assert fast["b"] == pytest.approx(4 * np.pi * 2 / 36, rel=0.01)
    # The real counties in their nine divisions: the same as drawing each union.
    counties = demo_store.load_areas("county").sort_values("area_id").reset_index(drop=True)
    plan = current_scenario(demo_store, "county", "territory")
    territory = plan.territory_column(counties["area_id"])
    fast = UnitShapes.of(counties).polsby_popper(territory)
    slow = polsby_popper(counties, dict(zip(counties["area_id"], territory, strict=True)))
    assert (fast - slow.reindex(fast.index)).abs().max() < 0.002


def test_a_drawn_shape_picks_the_units_whose_inner_point_it_holds() -> None:
    from geo.places.shapes import Shape
    from geo.territories.scenario_figures import UnitBase

    units = grid(3, 3)
    figures = pd.DataFrame(
        {f: 0 for f in ("customers", "prospects", "sales_amount", "at_risk", "revenue_at_risk",
                        "contacts_per_month", "workload_minutes")},
        index=units["area_id"],
    )  # fmt: skip
    base = UnitBase.of(units, figures)
    # The rectangle holds the centres of the four lower-left squares, and only part of
    # the others (their inner points lie outside it).
    box = Shape("rectangle", ((-0.01, -0.01), (0.17, 0.16)))
    assert sorted(base.units_inside(box)) == ["c0r0", "c0r1", "c1r0", "c1r1"]
