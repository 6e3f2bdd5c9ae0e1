"""The filter table: every criterion is read and written alike by links, JSON, the command
line and the sidebar's seeding, narrows the selection through its own SQL, and is said in
the sentence that describes the filters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from geo.cli import _filters, build_parser, filters_to_args
from geo.places.shapes import Shape
from geo.segments.criteria import Known, WidgetKind, is_set
from geo.segments.filters import CRITERIA, Filters
from geo.segments.segment import SINGLE_VALUED, Segment, segment_from_json, segment_from_query
from geo.segments.selection import select_customers
from geo.store.protocol import Store
from tests.app_sessions import open_with_link
from ui import session_keys

KNOWN = Known(
    {"region": frozenset({"R"}), "county": frozenset({"A", "B"})},
    owners=frozenset({"Rita", "Olga"}),
)

#: A value of each criterion that the tiny business holds (level: county, as the CLI's
#: default). A new criterion needs one here: the test below fails until it has.
SAMPLES: dict[str, Any] = {
    "level": "county",
    "area_ids": ("A",),
    "kind": "customer",
    "owners": ("Olga",),
    "date_from": date(2026, 1, 1),
    "date_to": date(2025, 12, 31),
    "segments": ("champions", "loyal"),
    "risk_bands": ("high",),
    "value_min": 100.0,
    "value_max": 1000.0,
    "shapes": (Shape("rectangle", ((0.0, 0.0), (1.2, 0.9))),),
    "contact": ("overdue",),
    "min_orders": 2,
}

NAMES = [name for name, _ in CRITERIA]


def _with(name: str) -> Filters:
    """The filters at county level with one criterion set to its sample."""
    return Filters(**{"level": "county", name: SAMPLES[name]})


def test_every_criterion_has_a_sample_and_a_unique_parameter_and_flag() -> None:
    assert set(SAMPLES) == set(NAMES)
    params = [c.param for _, c in CRITERIA]
    flags = [c.flag for _, c in CRITERIA]
    assert len(set(params)) == len(params)
    assert len(set(flags)) == len(flags)
    assert all(flag.startswith("--") for flag in flags)


@pytest.mark.parametrize("name", NAMES)
def test_each_criterion_round_trips_through_link_json_and_cli(name: str, tiny_store: Store) -> None:
    filters = _with(name)
    segment = Segment(filters)
    param = dict(CRITERIA)[name].param
    assert param in segment.to_query()
    assert segment_from_query(segment.to_query(), KNOWN) == (segment, [])
    assert segment_from_json(segment.to_json(), KNOWN) == (segment, [])
    flags = filters_to_args(filters)
    assert dict(CRITERIA)[name].flag in flags
    args = build_parser().parse_args(["export", *flags, "--format", "csv", "--out", "x.csv"])
    assert _filters(tiny_store, args) == filters


@pytest.mark.parametrize("name", [n for n in NAMES if n != "level"])
def test_each_criterion_is_said_in_the_description(name: str) -> None:
    plain = Filters(level="county").describe({"A": "Alpha"})
    assert _with(name).describe({"A": "Alpha"}) != plain


@pytest.mark.parametrize("name", NAMES)
def test_a_bad_link_value_of_each_criterion_is_dropped_and_named(name: str) -> None:
    criterion = dict(CRITERIA)[name]
    params = {"level": ["county"], criterion.param: ["\x00not a value"]}
    if name == "level":
        params = {"level": ["\x00not a value"]}
    segment, problems = segment_from_query(params, KNOWN)
    assert getattr(segment.filters, name) == getattr(Filters(level="county"), name) or (
        name == "level" and segment.filters.level is None
    )
    assert any(f"(parameter {criterion.param})" in p for p in problems), problems


def test_one_valued_parameters_are_those_of_one_valued_criteria() -> None:
    for _, criterion in CRITERIA:
        assert (criterion.param in SINGLE_VALUED) == (not criterion.many)


@pytest.mark.parametrize("name", [n for n, c in CRITERIA if c.condition is not None])
def test_each_condition_binds_its_values_and_narrows_the_tiny_business(
    name: str, tiny_store: Store
) -> None:
    everyone = set(select_customers(tiny_store, Filters(level="county"))["customer_id"])
    kept = set(select_customers(tiny_store, _with(name))["customer_id"])
    assert kept < everyone
    assert _with(name).narrows_beyond_kind == (name != "kind")


def test_widgets_have_distinct_keys_and_every_criterion_is_set_somewhere() -> None:
    keys = [c.widget.key for _, c in CRITERIA if c.widget and c.widget.key]
    keys += [c.widget.upper_key for _, c in CRITERIA if c.widget and c.widget.upper_key]
    assert len(set(keys)) == len(keys)
    # A criterion without a widget of its own is the upper end of a range widget.
    uppers = {c.upper for _, c in CRITERIA if c.widget and c.upper}
    ranges = {WidgetKind.DATE_RANGE, WidgetKind.AMOUNT_RANGE}
    for name, c in CRITERIA:
        assert c.widget is not None or name in uppers, name
        if c.widget is not None and c.widget.kind in ranges:
            assert c.upper is not None, name


def test_unset_criteria_are_no_filter() -> None:
    assert not any(is_set(getattr(Filters(), name)) for name in NAMES)
    assert Filters().to_query() == {}
    assert filters_to_args(Filters()) == []


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        # c1 has three orders (two in 2025, one in 2026), c2 one (2026); nobody else any.
        (Filters(level="county", min_orders=1), {"c1", "c2"}),
        (Filters(level="county", min_orders=2), {"c1"}),
        (Filters(level="county", min_orders=4), set()),
        # Within a date range only the orders in it count.
        (Filters(level="county", min_orders=2, date_from=date(2025, 1, 1),
                 date_to=date(2025, 12, 31)), {"c1"}),
        (Filters(level="county", min_orders=2, date_from=date(2026, 1, 1)), set()),
        (Filters(level="county", min_orders=1, date_to=date(2025, 12, 31)), {"c1"}),
        (Filters(level="county", min_orders=1, area_ids=("B",)), {"c2"}),
    ],
)  # fmt: skip
def test_min_orders_counts_the_orders_of_the_date_range(
    filters: Filters, kept: set[str], tiny_store: Store
) -> None:
    rows = select_customers(tiny_store, filters)
    assert set(rows["customer_id"]) == kept
    assert (rows["orders"] >= filters.min_orders).all()


def test_min_orders_round_trips_through_link_and_cli(tiny_store: Store) -> None:
    filters = Filters(level="county", min_orders=3, date_from=date(2025, 1, 1))
    assert filters.to_query()["min_orders"] == ["3"]
    assert segment_from_query({"level": ["county"], "min_orders": ["3"],
                               "from": ["2025-01-01"]})[0].filters == filters  # fmt: skip
    assert filters_to_args(filters) == ["--level", "county", "--from", "2025-01-01",
                                        "--min-orders", "3"]  # fmt: skip
    args = build_parser().parse_args(["figures", *filters_to_args(filters)])
    assert _filters(tiny_store, args) == filters
    assert filters.describe() == (
        "Customers and prospects, by county, sales 2025-01-01 to today, at least 3 orders"
    )
    for bad in ("0", "-1", "two", "1.5"):
        segment, problems = segment_from_query({"min_orders": [bad]})
        assert segment.filters.min_orders is None
        assert problems == [
            f"fewest orders '{bad}' was ignored (parameter min_orders): "
            "use a whole number, 1 or more"
        ]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["figures", "--min-orders", "0"])


def test_the_sidebar_sets_min_orders_from_the_link_and_writes_it_back(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOCRM_DB", demo_store.location)
    at = open_with_link({"level": "state", "min_orders": "4"})
    assert at.sidebar.number_input(key="f_min_orders").value == 4
    filters = at.session_state[session_keys.FILTERS_KEY]
    assert filters == Filters(level="state", min_orders=4)
    # The link the sidebar writes keeps it, and the selection has only such customers.
    assert at.query_params["min_orders"] == "4"
    rows = select_customers(demo_store, filters)
    assert len(rows)
    assert (rows["orders"] >= 4).all()
    assert len(rows) < len(select_customers(demo_store, Filters(level="state", min_orders=1)))


@pytest.mark.parametrize(
    "bad",
    [{"kind": "lead"}, {"segments": ("nobody",)}, {"value_min": -1.0}, {"min_orders": 0},
     {"date_from": date(2026, 2, 1), "date_to": date(2026, 1, 1)}],
)  # fmt: skip
def test_filters_built_in_code_obey_the_table(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad)).split("_")[0]):
        Filters(**bad)


def test_a_shape_is_checked_by_itself_not_by_its_rounded_text() -> None:
    # Three vertices a tenth of a metre apart are distinct, though their written form (six
    # decimals) is not: the filters keep the shape rather than fail.
    tiny = "poly:0.0000001 0;0.0000002 0;0.0000003 0"
    segment, problems = segment_from_query({"shape": [tiny]})
    assert problems == []
    assert segment.filters.shapes == (Shape.from_text(tiny),)
