"""Saved what-if scenarios, applying one, and the dated alignment history: on the tiny
business (every figure worked by hand) and on the demo's counties, on both stores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geo.analytics.flows import area_flows, flows_by_rep, flows_over_time
from geo.errors import InputError
from geo.places.level_assignment import assign_customers
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.territories.applying import apply_scenario
from geo.territories.history import alignment_changes, alignment_on, history_unit_level
from geo.territories.scenarios import (
    UNASSIGNED,
    ScenarioChangedError,
    current_scenario,
    delete_scenario,
    list_scenarios,
    open_scenario,
    save_scenario,
)
from geo.territories.unit_figures import unit_figures
from geo.territories.what_if import Alignment
from tests.tiny_business import order_lines


def _territories_of(store: Store) -> dict[str, str | None]:
    frame = store.query(
        "SELECT customer_id, area_id FROM assignments WHERE level = 'territory' "
        "ORDER BY customer_id"
    )
    return {str(c): (None if pd.isna(a) else str(a)) for c, a in zip(*frame.values.T, strict=True)}


def _built_tiny(store: Store) -> Store:
    """The tiny business with a territory level built from its two counties: A in T1
    (Tom), B in T2 (Tess); c2 ordered 80 in September 2025 too."""
    with store.transaction() as tx:
        store.upsert_sales(tx, order_lines([("c2", "2025-09-10", 80.0)], prefix="x"))
    plan = current_scenario(store, "county", "territory")
    assert plan.territory_of == {} and plan.territories.empty  # a level to build
    plan = plan.with_territory("T1", "North", "Tom").with_territory("T2", "South", "Tess")
    plan = plan.moved(["A"], "T1").moved(["B"], "T2")
    save_scenario(store, plan, "first", by="ann@example.com")
    apply_scenario(store, "first", effective=date(2025, 1, 1), by="ann@example.com")
    return store


def test_a_scenario_is_saved_read_back_and_guarded_by_its_revision(tiny_store: Store) -> None:
    plan = current_scenario(tiny_store, "county", "region")
    assert plan.territory_of == {"A": "R", "B": "R"}
    assert plan.territories.loc["R", "owner"] == "Rita"
    moved = plan.with_territory("R2", "East", "Ed").moved(["B"], "R2")
    saved = save_scenario(tiny_store, moved, "  east split ", by="ann@example.com")
    assert (saved.name, saved.revision, saved.created_by) == ("east split", 1, "ann@example.com")
    back = open_scenario(tiny_store, "east split")
    assert back.territory_of == {"A": "R", "B": "R2"}
    assert back.territories.loc["R2"].to_numpy().tolist() == ["East", "Ed"]
    listed = list_scenarios(tiny_store).set_index("name")
    assert listed.loc["east split", ["units", "territories", "revision"]].to_numpy().tolist() == [
        2,
        2,
        1,
    ]
    # A second editor who opened revision 1 saves; the first, still at 1, is refused.
    assert (
        save_scenario(tiny_store, back.moved(["A"], "R2"), "east split", started_from=1).revision
        == 2
    )
    with pytest.raises(ScenarioChangedError, match="saved by someone else"):
        save_scenario(tiny_store, back, "east split", started_from=1)
    with pytest.raises(ScenarioChangedError, match="exists already"):
        save_scenario(tiny_store, back, "east split")
    assert open_scenario(tiny_store, "east split").territory_of == {"A": "R2", "B": "R2"}
    with pytest.raises(ScenarioChangedError):
        delete_scenario(tiny_store, "east split", started_from=1)
    delete_scenario(tiny_store, "east split", started_from=2)
    with pytest.raises(InputError, match="no saved scenario 'east split'"):
        open_scenario(tiny_store, "east split")


def test_a_scenario_with_an_unknown_unit_or_territory_is_refused(tiny_store: Store) -> None:
    plan = current_scenario(tiny_store, "county", "region")
    with pytest.raises(InputError, match="no territory 'Z'"):
        plan.moved(["A"], "Z")
    stray = plan.moved(["A"], "R")
    stray.territory_of["nowhere"] = "R"
    with pytest.raises(InputError, match="no area 'nowhere' of level 'county'"):
        save_scenario(tiny_store, stray, "bad")
    # A unit left out is unassigned, and shown so.
    out = plan.moved(["B"], UNASSIGNED)
    assert out.territory_column(["A", "B"]) == ["R", UNASSIGNED]
    assert list_scenarios(tiny_store).empty


def test_a_built_territory_level_assigns_every_customer_by_its_unit(tiny_store: Store) -> None:
    store = _built_tiny(tiny_store)
    areas = store.load_areas("territory").set_index("area_id")
    assert areas.loc[["T1", "T2"], "name"].tolist() == ["North", "South"]
    assert areas.loc[["T1", "T2"], "owner"].tolist() == ["Tom", "Tess"]
    # T1 is county A's square exactly; households: A has 100, so T1 has 100, T2 none.
    assert areas.loc["T1", "geometry"].equals_exact(
        store.load_areas("county").iloc[0].geometry, 1e-9
    )
    assert areas.loc["T1", "households"] == 100.0 and pd.isna(areas.loc["T2", "households"])
    # c3 lies on the A|B edge, in A by the smallest-ID rule; in T1 with A.
    assert _territories_of(store) == {
        "c1": "T1", "c2": "T2", "c3": "T1", "c4": None, "c5": None, "p1": "T2", "p2": "T2",
    }  # fmt: skip
    before = _territories_of(store)
    assign_customers(store)  # the exact rule again, from the shapes: the same answer
    assert _territories_of(store) == before
    # A level built here has always had its first alignment.
    assert alignment_on(store, "territory", date(1990, 1, 1))["territory_id"].tolist() == [
        "T1",
        "T2",
    ]
    assert history_unit_level(store, "territory") == "county"


def test_history_credits_each_period_to_whoever_held_the_unit_then(tiny_store: Store) -> None:
    store = _built_tiny(tiny_store)
    # From 2026 county B moves to T1 (T2 keeps no unit and is left out); from June 2026
    # T1 passes from Tom to Una.
    plan = open_scenario(store, "first").moved(["B"], "T1")
    save_scenario(store, plan, "merge")
    applied = apply_scenario(store, "merge", effective=date(2026, 1, 1), by="ann@example.com")
    assert (applied.units_changed, applied.owner_changes, applied.territories) == (1, 1, 1)
    assert applied.empty_territories == ["T2"]
    assert applied.statuses == {"in_area": 5, "outside_areas": 1, "no_location": 1}
    handover = open_scenario(store, "merge").with_territory("T1", "North", "Una")
    save_scenario(store, handover, "handover")
    applied = apply_scenario(store, "handover", effective=date(2026, 6, 1))
    assert (applied.units_changed, applied.owner_changes) == (0, 2)
    with pytest.raises(InputError, match="already changed on 2026-06-01"):
        apply_scenario(store, "handover", effective=date(2026, 3, 1))

    days = ("2025-12-31", "2026-01-01", "2026-06-01")
    on = {
        d: alignment_on(store, "territory", date.fromisoformat(d)).set_index("unit_id")
        for d in days
    }
    assert on["2025-12-31"][["territory_id", "owner"]].values.tolist() == [
        ["T1", "Tom"],
        ["T2", "Tess"],
    ]
    assert on["2026-01-01"][["territory_id", "owner"]].values.tolist() == [
        ["T1", "Tom"],
        ["T1", "Tom"],
    ]
    assert on["2026-06-01"]["owner"].tolist() == ["Una", "Una"]
    changes = alignment_changes(store, "territory")
    assert changes[["scenario", "units"]].values.tolist() == [["handover", 2], ["merge", 1]]

    # Sales by year: 2025 c1 150 (A: T1) and c2 80 (B: T2 then); 2026 c1 25 and c2 200,
    # both in T1. The current alignment puts all of it in T1.
    level = Filters(level="territory")
    then = area_flows(store, level, "year", date(2025, 1, 1), units="county").set_index("area_id")
    now = area_flows(store, level, "year", date(2025, 1, 1)).set_index("area_id")
    assert then.loc["T1", ["active", "sales"]].to_numpy().tolist() == [1, 150.0]
    assert then.loc["T2", ["name", "active", "sales"]].to_numpy().tolist() == ["South", 1, 80.0]
    # Credited to whoever held the unit then: Tom held North, Tess South, in 2025.
    assert then["owner_then"].to_dict() == {"T1": "Tom", "T2": "Tess"}
    reps = flows_by_rep(then.reset_index()).set_index("owner_then")
    assert reps["sales"].to_dict() == {"Tess": 80.0, "Tom": 150.0}
    assert "owner_then" not in now.columns
    assert (
        now.loc["T1", ["active", "sales"]].to_numpy().tolist() == [2, 230.0]
        and "T2" not in now.index
    )
    later = area_flows(store, level, "year", date(2026, 1, 1), units="county").set_index("area_id")
    assert later.loc["T1", ["active", "retained", "sales"]].to_numpy().tolist() == [2, 2, 225.0]
    assert later.loc["T2", ["active", "lost", "sales"]].to_numpy().tolist() == [0, 0, 0.0]
    # The whole selection's figures do not depend on the alignment they are credited by.
    pd.testing.assert_frame_equal(
        flows_over_time(store, level, "year", units="county"), flows_over_time(store, level, "year")
    )
    # The areas filter keeps what was credited to those territories.
    only_south = Filters(level="territory", area_ids=("T2",))
    south = area_flows(store, only_south, "year", date(2025, 1, 1), units="county")
    assert south[["area_id", "sales"]].values.tolist() == [["T2", 80.0]]


def test_applied_figures_are_the_what_if_figures(demo_copy: Store) -> None:
    store = demo_copy
    plan = current_scenario(store, "county", "territory")
    figures = unit_figures(store, "county")
    south = sorted(u for u, t in plan.territory_of.items() if t == "DIV5")[:40]
    moved = plan.moved(south, "DIV4")
    predicted = Alignment(
        figures.drop(columns=["name", "owner"]).assign(
            territory=moved.territory_column(figures.index)
        )
    ).totals()
    save_scenario(store, moved, "forty to the west")
    applied = apply_scenario(store, "forty to the west", effective=date(2026, 1, 1))
    assert applied.units_changed == 40
    kpis = compute_area_kpis(store, Filters(level="territory")).set_index("area_id")
    for figure in ("customers", "prospects", "orders"):
        assert kpis[figure].astype("int64").to_dict() == predicted[figure].astype("int64").to_dict()
    assert kpis["sales_amount"].round(2).to_dict() == predicted["sales_amount"].round(2).to_dict()
    # Every customer once at the territory level: in a territory, outside all, or unlocated.
    counts = store.query(
        "SELECT count(*) AS n, count(DISTINCT customer_id) AS d FROM assignments "
        "WHERE level = 'territory'"
    ).iloc[0]
    assert (
        int(counts["n"]) == int(counts["d"]) == int(store.scalar("SELECT count(*) FROM customers"))
    )
    # The states under their division follow the division holding most of their counties.
    moved_states = store.query(
        "SELECT DISTINCT c.parent_id FROM areas c WHERE c.level = 'county' AND c.area_id IN ("
        + ", ".join("?" * len(south))
        + ")",
        south,
    )["parent_id"]
    parents = store.query("SELECT area_id, parent_id FROM areas WHERE level = 'state'").set_index(
        "area_id"
    )
    assert set(parents.loc[moved_states, "parent_id"]) <= {"DIV4", "DIV5"}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    from geo.cli import main

    code = main([*args, "--json"])
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else {}


def test_the_commands_build_move_list_export_apply_and_date_a_scenario(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ("--db", tiny_store.location)
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "Unit ID,Territory,Territory name,Rep\nA,T1,North,Tom\nB,T2,South,Tess\n"
        "Z,T3,Nowhere,Zed\nA,T2,,\n",
        encoding="utf-8",
    )
    code, built = _cli(capsys, *db, "territory", "build", "plan", "--from", str(plan))
    assert code == 0 and (built["units"], built["territories"]) == (2, 2)
    assert [(r["row"], r["unit_id"]) for r in built["rejected"]] == [(4, "Z"), (5, "A")]
    code, applied = _cli(capsys, *db, "territory", "apply", "plan", "--effective", "2025-01-01")
    assert code == 0 and applied["statuses"] == {"in_area": 5, "outside_areas": 1, "no_location": 1}
    # A move in a new scenario starts from the current alignment, and is compared with it.
    code, moved = _cli(capsys, *db, "territory", "move", "merge", "--unit", "B", "--to", "T1")
    assert code == 0 and moved["revision"] == 1
    figures = pd.DataFrame(moved["territories"]).set_index("territory")
    # T1 (A) holds c1 and c3, T2 (B) holds c2; B's customer and prospects go to T1.
    assert figures.loc["T1", ["customers_before", "customers_after"]].to_numpy().tolist() == [2, 3]
    assert figures.loc[
        "T2", ["customers_after", "prospects_after", "units_after"]
    ].to_numpy().tolist() == [
        0,
        0,
        0,
    ]
    everything = pd.DataFrame(moved["disruption"]).set_index("owner").loc["all"]
    assert (everything["units"], everything["accounts"]) == (1, 1)
    code, listed = _cli(capsys, *db, "territory", "scenario", "list")
    assert [s["name"] for s in listed["scenarios"]] == ["merge", "plan"]
    shapes = tmp_path / "merge.geojson"
    code, written = _cli(capsys, *db, "territory", "export", "merge", "--out", str(shapes))
    assert code == 0 and written["rows"] == 1  # T2 holds no unit: no shape
    feature = json.loads(shapes.read_text(encoding="utf-8"))["features"][0]
    assert feature["properties"]["territory_id"] == "T1" and feature["properties"]["customers"] == 3
    assert feature["geometry"]["type"] == "Polygon"
    units = tmp_path / "merge.csv"
    assert _cli(capsys, *db, "territory", "export", "merge", "--out", str(units))[0] == 0
    table = pd.read_csv(units, dtype=str, encoding="utf-8-sig")
    assert table[["unit_id", "territory_id", "owner"]].values.tolist() == [
        ["A", "T1", "Tom"],
        ["B", "T1", "Tom"],
    ]
    code, applied = _cli(capsys, *db, "territory", "apply", "merge", "--effective", "2026-01-01")
    assert code == 0 and applied["empty_territories"] == ["T2"] and applied["units_changed"] == 1
    code, history = _cli(capsys, *db, "territory", "history", "--on", "2025-06-01")
    assert [c["scenario"] for c in history["changes"]] == ["merge"]
    assert [(r["unit_id"], r["territory_id"]) for r in history["on"]] == [("A", "T1"), ("B", "T2")]
    code, refused = _cli(capsys, *db, "territory", "apply", "merge", "--effective", "2025-06-01")
    assert code == 2 and "would rewrite history" in refused["error"]


def test_a_viewer_may_not_save_and_a_manager_may_not_apply_a_scenario(
    tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", tiny_store.location)
    people = (
        ("v@example.com", "viewer", "--all-areas"),
        ("m@example.com", "manager", "--areas=region:R"),
    )
    move = ("territory", "move", "s", "--unit", "A", "--to", "R", "--territories", "region")
    for email, role, areas in people:
        assert _cli(capsys, *db, "user", "add", email, "--role", role, areas)[0] == 0
    code, out = _cli(capsys, *db, "--as", "v@example.com", *move)
    assert code == 2 and "may not save or delete territory scenarios" in out["error"]
    code, out = _cli(capsys, *db, "--as", "m@example.com", *move)
    assert code == 0
    code, out = _cli(capsys, *db, "--as", "m@example.com", "territory", "apply", "s")
    assert code == 2 and "may not apply a territory scenario" in out["error"]
    assert list_scenarios(tiny_store)["name"].tolist() == ["s"]


def test_the_trends_page_reads_territories_as_they_are_or_as_they_were(demo_copy: Store) -> None:
    from tests.app_sessions import open_with_link

    store = demo_copy
    plan = current_scenario(store, "county", "territory")
    south = sorted(u for u, t in plan.territory_of.items() if t == "DIV5")[:60]
    save_scenario(store, plan.moved(south, "DIV4"), "sixty west")
    apply_scenario(store, "sixty west", effective=date(2026, 1, 1))
    level = Filters(level="territory")
    at = open_with_link({"level": "territory"})
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    choice = at.radio(key="trends_alignment")
    assert choice.value == "current"
    at.selectbox(key="trends_start").select(date(2025, 7, 1)).run()
    for credited, units in (("current", None), ("historical", "county")):
        at.radio(key="trends_alignment").set_value(credited).run()
        assert not at.exception, at.exception
        expected = area_flows(store, level, "quarter", date(2025, 7, 1), units=units)
        shown = at.dataframe[0].value.set_index("name")["sales"]
        # As they were then, each territory names its rep then, and each rep has a row.
        assert ("owner_then" in at.dataframe[0].value.columns) == (units is not None)
        per_rep = [d.value for d in at.dataframe if list(d.value.columns)[:1] == ["owner_then"]]
        assert len(per_rep) == (0 if units is None else 1)
        if per_rep:
            by_rep = per_rep[0].set_index("owner_then")["sales"]
            assert by_rep.sum() == pytest.approx(expected["sales"].sum())
            assert by_rep["Casey Nguyen"] < by_rep["Riley Johnson"]  # DIV4's and DIV5's reps
        by_name = expected.set_index("name")["sales"]
        assert shown.round(2).to_dict() == by_name.loc[shown.index].round(2).to_dict()
    # Before the move the sixty counties' sales were South Atlantic's: more than now.
    now = area_flows(store, level, "quarter", date(2025, 7, 1)).set_index("area_id")["sales"]
    then = area_flows(store, level, "quarter", date(2025, 7, 1), units="county")
    then_sales = then.set_index("area_id")["sales"]
    assert then_sales["DIV5"] > now["DIV5"] and then_sales["DIV4"] < now["DIV4"]
    assert then_sales.sum() == pytest.approx(now.sum())


def test_balancing_keeps_the_relationships_it_is_told_to_keep(demo_store: Store) -> None:
    from geo.territories.rebalance import BalanceAsk, propose_balance

    ask = BalanceAsk("county", "territory", keep_segments=("can't lose",))
    proposal = propose_balance(demo_store, ask)
    holding = demo_store.query(
        "SELECT DISTINCT a.area_id FROM customer_scores sc JOIN assignments a ON "
        "a.customer_id = sc.customer_id WHERE a.level = 'county' AND a.location_status = "
        "'in_area' AND sc.segment = 'can''t lose'"
    )["area_id"]
    assert sorted(proposal.kept_units) == sorted(holding) and len(holding) > 0
    assert not set(proposal.moved["area_id"]) & set(holding)
    # Every customer of the segment keeps the territory they are in now.
    units = proposal.units.set_index("area_id")
    assert (units.loc[list(holding), "before"] == units.loc[list(holding), "after"]).all()
    index = proposal.summary["balance_index"].astype(float)
    assert index["after"] > index["before"]
