"""Segments round-trip through JSON, links and command-line flags; bad ones say why."""

from __future__ import annotations

from datetime import date

import pytest

from geo.cli import _filters, build_parser, filters_to_args
from geo.places.shapes import Shape
from geo.segments.filters import Filters
from geo.segments.segment import Known, MapView, Segment, segment_from_json, segment_from_query
from geo.store.protocol import Store

CIRCLE = Shape("circle", ((0.5, 0.5),), 25.0)
RECT = Shape("rectangle", ((0.0, 0.0), (1.2, 0.9)))
KNOWN = Known({"region": frozenset({"R"}), "county": frozenset({"A", "B"})})

CASES = [
    (Filters(), "Customers and prospects"),
    (Filters(level="county"), "Customers and prospects, by county"),
    (
        Filters(level="county", area_ids=("A", "B"), kind="customer"),
        "Customers, in 2 counties: Alpha, Beta",
    ),
    (
        Filters(
            level="region",
            kind="customer",
            risk_bands=("high",),
            segments=("champions", "loyal"),
            date_from=date(2026, 1, 1),
            date_to=date(2026, 6, 30),
        ),
        "Customers, by region, sales 2026-01-01 to 2026-06-30, RFM segment champions or loyal, "
        "churn risk high",
    ),
    (
        Filters(level="county", owners=("Rita", "Olga"), value_min=1000.0, value_max=5000.0),
        "Customers and prospects, by county, owned by Rita, Olga, "
        "lifetime revenue $1,000 to $5,000",
    ),
    (
        Filters(level="county", shapes=(CIRCLE,)),
        "Customers and prospects, by county, within 25 km of 0.5000, 0.5000",
    ),
    (
        Filters(level="county", shapes=(CIRCLE, RECT)),
        "Customers and prospects, by county, in 2 drawn shapes",
    ),
]


@pytest.mark.parametrize(("filters", "description"), CASES)
def test_round_trips_and_description(filters: Filters, description: str, tiny_store: Store) -> None:
    segment = Segment(filters, name="My list", view=MapView(40.5, -74.25, 9.5))
    assert segment.describe({"A": "Alpha", "B": "Beta"}) == description
    # JSON (saved segments)
    again, problems = segment_from_json(segment.to_json(), KNOWN)
    assert (again, problems) == (segment, [])
    # URL query parameters (shared links)
    again, problems = segment_from_query(segment.to_query(), KNOWN)
    assert (again, problems) == (segment, [])
    # Command-line flags
    argv = ["export", *filters_to_args(filters), "--format", "csv", "--out", "x.csv"]
    args = build_parser().parse_args(argv)
    from_cli = _filters(tiny_store, args)
    expected = filters if filters.level else Filters(**{**filters.__dict__, "level": "county"})
    assert from_cli == expected


@pytest.mark.parametrize(
    ("params", "problem", "kept"),
    [
        (
            {"level": ["county"], "area": ["A", "ZZ"]},
            "area ZZ was ignored",
            Filters(level="county", area_ids=("A",)),
        ),
        ({"level": ["nowhere"]}, "level 'nowhere' was ignored", Filters()),
        (
            {"level": ["county"], "from": ["2026-13-45"]},
            "start date '2026-13-45' was ignored",
            Filters(level="county"),
        ),
        ({"from": ["2026-06-01"], "to": ["2026-01-01"]}, "date range is empty", Filters()),
        ({"risk": ["extreme"]}, "churn risk 'extreme' was ignored", Filters()),
        (
            {"shape": ["circle:1,2", "rect:0,0,1,1"]},
            "shape 'circle:1,2' was ignored",
            Filters(shapes=(Shape("rectangle", ((0.0, 0.0), (1.0, 1.0))),)),
        ),
        ({"value_min": ["lots"]}, "lowest lifetime revenue 'lots' was ignored", Filters()),
        ({"area": ["A"]}, "the link names no level", Filters()),
        # A reversed range drops that range alone, the other filters stay.
        (
            {"from": ["2026-06-01"], "to": ["2026-01-01"], "value_min": ["10"]},
            "date range is empty: from 2026-06-01 is after to 2026-01-01",
            Filters(value_min=10.0),
        ),
        (
            {"value_min": ["500"], "value_max": ["100"], "from": ["2026-01-01"]},
            "value range is empty: value_min 500.0 is above value_max 100.0",
            Filters(date_from=date(2026, 1, 1)),
        ),
        ({"value_max": ["nan"]}, "highest lifetime revenue 'nan' was ignored", Filters()),
        ({"value_max": ["1e400"]}, "(parameter value_max)", Filters()),
        ({"level": ["county", "region"]}, "level 'county, region' was ignored", Filters()),
        ({"level": ["county", "county"]}, None, Filters(level="county")),
        ({"level": ["county"], "area": ["A", "A"]}, None, Filters(level="county", area_ids=("A",))),
        ({"level": ["county"], "area": ["x" * 100_000]}, "area was ignored: a value of 100,000",
         Filters(level="county")),
        ({"level": ["county"], "area": ["A"] * 5_001}, "area was ignored: 5,001 values",
         Filters(level="county")),
        ({"owner": ["Rita", "Zed"]}, "owner 'Zed' was ignored (parameter owner)",
         Filters(owners=("Rita",))),
        ({"level": ["caf\udce9"]}, "(parameter level)", Filters()),
    ],
)  # fmt: skip
def test_a_bad_link_keeps_what_it_can_and_says_what_it_dropped(
    params: dict[str, list[str]], problem: str | None, kept: Filters
) -> None:
    known = Known(KNOWN.areas_by_level, owners=frozenset({"Rita", "Olga"}))
    segment, problems = segment_from_query(params, known)
    assert segment.filters == kept
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", "null", ""])
def test_broken_json_falls_back_to_no_filter(text: str) -> None:
    segment, problems = segment_from_json(text, KNOWN)
    assert segment == Segment() and len(problems) == 1


def test_the_link_names_a_known_metric_or_none() -> None:
    known = Known(KNOWN.areas_by_level, metrics=frozenset({"sales_amount"}))
    segment, problems = segment_from_query({"metric": ["sales_amount"]}, known)
    assert (segment.metric, problems) == ("sales_amount", [])
    assert segment.to_query()["metric"] == ["sales_amount"]
    segment, problems = segment_from_query({"metric": ["bogus"]}, known)
    assert segment.metric is None
    assert problems == ["metric 'bogus' was ignored (parameter metric): no such metric"]


def test_the_link_carries_the_maps_metric_level_and_basemap() -> None:
    known = Known(KNOWN.areas_by_level, metrics=frozenset({"sales_amount"}))
    shown = Segment(Filters(level="county"), metric="sales_amount", basemap="osm")
    link = shown.to_query()
    assert (link["level"], link["metric"], link["basemap"]) == (
        ["county"],
        ["sales_amount"],
        ["osm"],
    )
    assert segment_from_query(link, known) == (shown, [])
    # A hand-edited basemap is dropped with a plain note; the rest of the link still applies.
    segment, problems = segment_from_query({**link, "basemap": ["satellite"]}, known)
    assert segment == Segment(Filters(level="county"), metric="sales_amount")
    assert problems == ["basemap 'satellite' was ignored (parameter basemap): use none or osm"]
    segment, problems = segment_from_query({"basemap": ["none", "osm"]}, known)
    assert segment.basemap is None
    assert problems == [
        "basemap 'none, osm' was ignored: the link gives 2 different values and takes one"
    ]
