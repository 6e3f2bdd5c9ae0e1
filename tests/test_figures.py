"""One definition per figure: every surface's number is the headline or a labelled subset."""

from __future__ import annotations

import json

import pytest

from geo.analytics.area_metrics import area_metric_values
from geo.analytics.figures import (
    GLOSSARY,
    net_change_last_period,
    selection_figures,
    subset_label,
)
from geo.analytics.flows import area_flows, flows_over_time, latest_complete_period
from geo.cli import main
from geo.places.shapes import Shape
from geo.present.target_list import build_target_list
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.segments.segment import Segment
from geo.segments.selection import select_customers
from geo.store.protocol import Store


def test_tiny_business_figures_worked_by_hand(tiny_store: Store) -> None:
    figures = selection_figures(tiny_store, Filters(level="county"))
    # c1..c5 customers: c1, c2, c3 in an area, c4 outside, c5 without a location.
    assert (figures.customers, figures.prospects) == (5, 2)
    assert (
        figures.customers_in_area,
        figures.customers_outside_areas,
        figures.customers_no_location,
    ) == (3, 1, 1)
    assert figures.customers_located == 4
    assert (figures.prospects_in_area, figures.prospects_located) == (2, 2)
    # Every order is by c1 (in A) or c2 (in B).
    assert figures.orders == figures.orders_in_area == 4
    assert figures.sales_amount == pytest.approx(375.0)
    assert figures.where_note() == "3 in an area · 1 outside all areas · 1 without a location"
    assert figures.where_note("prospect") == "2 in an area"


def test_subset_label_names_what_it_leaves_out() -> None:
    assert subset_label(49_621, 50_000, "in an area") == "49,621 in an area of 50,000"
    assert subset_label(50_000, 50_000, "in an area") == "50,000"


def test_glossary_defines_every_headline_figure() -> None:
    for key in ("customers", "prospects", "orders", "sales_amount", "in_area", "located"):
        assert GLOSSARY[key].label and len(GLOSSARY[key].meaning) > 20


def _three_segments(store: Store) -> list[Filters]:
    """No filter; one state at high churn risk; a drawn rectangle (the closing note's)."""
    kpis = compute_area_kpis(store, Filters(level="state", kind="customer"))
    biggest = str(kpis.sort_values("customers").iloc[-1]["area_id"])
    return [
        Filters(level="state"),
        Filters(level="state", area_ids=(biggest,), risk_bands=("high",)),
        Filters(level="state", shapes=(Shape.from_text("rect:-125,30,-100,45"),)),
    ]


def test_every_surface_agrees_for_three_segments(demo_store: Store) -> None:
    for filters in _three_segments(demo_store):
        figures = selection_figures(demo_store, filters)
        rows = select_customers(demo_store, filters)
        # The export and the selection hold exactly the headline's rows.
        assert (rows["kind"] == "customer").sum() == figures.customers
        assert (rows["kind"] == "prospect").sum() == figures.prospects
        assert int(rows["orders"].sum()) == figures.orders
        target = build_target_list(demo_store, Segment(filters))
        assert len(target.rows) == figures.customers + figures.prospects
        # Per-area tables add up to the "in an area" subset, exactly.
        kpis = compute_area_kpis(demo_store, filters)
        assert int(kpis["customers"].sum()) == figures.customers_in_area
        assert int(kpis["prospects"].sum()) == figures.prospects_in_area
        assert int(kpis["orders"].sum()) == figures.orders_in_area
        assert float(kpis["sales_amount"].sum()) == pytest.approx(figures.sales_in_area)
        # The at-risk map metric counts the high-risk customers located in an area.
        at_risk = area_metric_values(demo_store, filters, "at_risk").sum()
        high = selection_figures(
            demo_store, Filters(**{**filters.__dict__, "risk_bands": ("high",)})
        )
        assert int(at_risk) == high.customers_in_area
        assert figures.customers_high_risk == high.customers


def test_net_change_is_the_whole_selection(demo_store: Store) -> None:
    filters = Filters(level="state")
    net = net_change_last_period(demo_store, filters)
    start = latest_complete_period(demo_store, "quarter")
    assert net is not None and net.period_start == start
    over_time = flows_over_time(demo_store, filters, "quarter").set_index("period_start")
    assert net.net_change == int(over_time["net_change"].loc[str(start)])
    assert net.net_change == net.new + net.reactivated - net.lost
    # The per-area flows leave out customers outside all areas or without a location.
    in_areas = int(area_flows(demo_store, filters, "quarter", start)["net_change"].sum())
    outside = selection_figures(demo_store, filters)
    assert outside.customers_outside_areas + outside.customers_no_location > 0
    assert abs(in_areas - net.net_change) <= (
        outside.customers_outside_areas + outside.customers_no_location
    )


def test_cli_figures_print_the_same_numbers(
    demo_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    filters = _three_segments(demo_store)[1]
    code = main(
        [
            "--db",
            demo_store.location,
            "figures",
            "--level",
            "state",
            "--area",
            *filters.area_ids,
            "--risk",
            "high",
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    expected = {
        **selection_figures(demo_store, filters).to_dict(),
        "net_change": net_change_last_period(demo_store, filters).net_change,  # type: ignore[union-attr]
    }
    assert {k: out[k] for k in expected} == pytest.approx(expected)
    assert out["customers"] > 0


def test_readme_glossary_says_each_definition() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    for definition in GLOSSARY.values():
        assert f"| {definition.label} | {definition.meaning} |" in readme
