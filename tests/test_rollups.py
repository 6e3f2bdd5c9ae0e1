"""Roll-ups give the same figures as the on-the-fly SQL, on both stores, and stay in step
with every write that changes their inputs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest

from geo.places.level_assignment import assign_customers
from geo.places.shapes import Shape
from geo.schema import CONTACT_STATUSES, KINDS, RISK_BANDS, SEGMENTS
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import CRITERIA, Filters
from geo.segments.rollup_figures import ANSWERED_CRITERIA, answers_from_rollups
from geo.store.protocol import Store
from geo.store.rollups import AREA_CELL_COLUMNS, CELL_COLUMNS, rebuild_rollups
from geo.store.scope import EVERYTHING, Scope
from tests.tiny_business import order_lines

#: A value of each criterion the roll-ups do not answer.
UNANSWERED: dict[str, Any] = {
    "shapes": (Shape.from_text("rect:0,0,1,1"),),
    "value_min": 100.0,
    "value_max": 1000.0,
    "min_orders": 2,
}


def _answered(store: Store, filters: Filters, scope: Scope = EVERYTHING) -> bool:
    with store.snapshot(scope) as reader:
        return answers_from_rollups(reader, filters, scope)


def _month_cuts(lo: date, hi: date) -> list[tuple[date | None, date | None]]:
    """Date ranges over the sales dates ``lo`` to ``hi``: open ends, ranges cutting months,
    whole months, one month's inside, one day, and beyond the data."""
    middle = lo + (hi - lo) / 2
    first_of_middle = middle.replace(day=1)
    end_of_later = (first_of_middle + timedelta(days=100)).replace(day=1) - timedelta(days=1)
    return [
        (None, None),
        (lo + timedelta(days=17), None),
        (None, hi - timedelta(days=20)),
        (first_of_middle, None),
        (None, end_of_later),
        (first_of_middle, end_of_later),  # whole months only
        (first_of_middle + timedelta(days=9), end_of_later - timedelta(days=40)),
        (first_of_middle + timedelta(days=2), first_of_middle + timedelta(days=20)),
        (first_of_middle, first_of_middle + timedelta(days=45)),
        (middle, middle),
        (lo - timedelta(days=400), hi + timedelta(days=400)),
    ]


def _filter_combinations(store: Store) -> Iterator[Filters]:
    """Filters the roll-ups answer, from the filter table's criteria: every level (and
    none), each answered criterion alone with one and with two values, the dates cut in
    many ways, and criteria combined."""
    levels = store.levels()
    owners = store.owner_names()
    lo, hi = store.sales_date_range()
    assert lo is not None and hi is not None and len(levels) >= 2 and len(owners) >= 2
    for level in [None, *levels]:
        areas = tuple(store.area_names(level)["area_id"][:3]) if level else ()
        alone: dict[str, list[Any]] = {
            "kind": list(KINDS),
            "owners": [tuple(owners[:1]), tuple(owners[1:3])],
            "segments": [SEGMENTS[:1], SEGMENTS[1:4]],
            "risk_bands": [RISK_BANDS[-1:], RISK_BANDS[:2]],
            "contact": [CONTACT_STATUSES[:1], CONTACT_STATUSES[1:]],
            "area_ids": [areas[:1], areas] if level else [],
        }
        # Every answered criterion has values here: a new one must be added.
        assert set(alone) | {"level", "date_from", "date_to"} == ANSWERED_CRITERIA
        yield Filters(level=level)
        for name, values in alone.items():
            for value in values:
                yield Filters(level=level, **{name: value})
        for date_from, date_to in _month_cuts(lo, hi):
            yield Filters(level=level, date_from=date_from, date_to=date_to)
        yield Filters(
            level=level,
            area_ids=areas[:2],
            kind="customer",
            risk_bands=RISK_BANDS[1:],
            date_from=lo + timedelta(days=40),
            date_to=hi - timedelta(days=40),
        )
        yield Filters(
            level=level,
            owners=tuple(owners[:2]),
            segments=SEGMENTS[:3],
            contact=CONTACT_STATUSES[:2],
            date_from=(lo + timedelta(days=60)).replace(day=1),
        )


def _cents(frame: pd.DataFrame) -> pd.DataFrame:
    # Sums of floating-point amounts differ in their last digits with the order they are
    # added in: compared to the cent.
    return frame.assign(sales_amount=frame["sales_amount"].round(2))


def _assert_same_figures(store: Store, filters: Filters) -> None:
    assert _answered(store, filters), filters
    assert summarise_selection(store, filters) == summarise_selection(
        store, filters, from_rollups=False
    ), filters
    if filters.level is None:
        return
    rolled = compute_area_kpis(store, filters)
    fly = compute_area_kpis(store, filters, from_rollups=False)
    assert list(rolled["area_id"]) == list(fly["area_id"]), filters
    assert rolled.dtypes.equals(fly.dtypes), filters
    pd.testing.assert_frame_equal(_cents(rolled), _cents(fly), check_exact=True, obj=str(filters))


def test_rollups_give_the_on_the_fly_figures_for_every_filter_combination(
    demo_store: Store,
) -> None:
    combinations = list(_filter_combinations(demo_store))
    assert len(combinations) > 100
    for filters in combinations:
        _assert_same_figures(demo_store, filters)
    # The combinations select something: the comparisons are not of empty tables.
    assert summarise_selection(demo_store, combinations[0])["orders"] > 1000


def test_dates_cut_months_on_the_tiny_business(tiny_store: Store) -> None:
    # c1: 2025-03-01 (100), 2025-06-01 (50), 2026-02-01 (25); c2: 2026-05-01 (200).
    for date_from, date_to, orders, sales in (
        (date(2025, 3, 2), date(2026, 5, 1), 3, 275.0),
        (date(2025, 3, 1), date(2025, 5, 31), 1, 100.0),
        (date(2025, 2, 15), date(2025, 3, 1), 1, 100.0),
        (date(2025, 6, 1), date(2025, 6, 1), 1, 50.0),
        (date(2025, 6, 1), date(2025, 6, 30), 1, 50.0),
        (date(2025, 1, 1), date(2026, 2, 28), 3, 175.0),
        (date(2025, 6, 2), date(2026, 1, 31), 0, 0.0),
        (None, date(2026, 1, 31), 2, 150.0),
        (date(2026, 2, 1), None, 2, 225.0),
    ):
        filters = Filters(level="county", date_from=date_from, date_to=date_to)
        summary = summarise_selection(tiny_store, filters)
        assert (summary["orders"], summary["sales_amount"]) == (orders, sales), filters
        _assert_same_figures(tiny_store, filters)


@pytest.mark.parametrize("criterion", sorted(UNANSWERED))
def test_what_the_rollups_do_not_answer_is_computed_on_the_fly(
    tiny_store: Store, criterion: str
) -> None:
    filters = Filters(level="county", **{criterion: UNANSWERED[criterion]})
    assert not _answered(tiny_store, filters)
    assert _answered(tiny_store, Filters(level="county"))
    # The figures are still given, from the selection.
    assert summarise_selection(tiny_store, filters)["rows"] <= 7


def test_every_criterion_is_answered_by_the_rollups_or_on_the_fly() -> None:
    names = {name for name, _ in CRITERIA}
    assert names == ANSWERED_CRITERIA | set(UNANSWERED)
    assert not ANSWERED_CRITERIA & set(UNANSWERED)


def test_a_restricted_scope_is_computed_on_the_fly(tiny_store: Store) -> None:
    # The roll-ups sum every customer: a user who sees some areas reads the selection.
    scope = Scope.of_areas("county", ["A"])
    assert not _answered(tiny_store, Filters(level="county"), scope)
    summary = summarise_selection(tiny_store, Filters(level="county"), scope=scope)
    assert (summary["customers"], summary["orders"]) == (2, 3)


def test_a_level_the_rollups_do_not_hold_is_computed_on_the_fly(tiny_store: Store) -> None:
    filters = Filters(level="district")
    assert not _answered(tiny_store, filters)
    assert summarise_selection(tiny_store, filters)["rows"] == 7


def _rollup_rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every roll-up row, sorted, money to the cent."""
    cells, area_cells = ", ".join(CELL_COLUMNS), ", ".join(AREA_CELL_COLUMNS)
    cents = store.dialect.round_number("sales", 2)
    rows = {}
    for table, keys, extra in (
        ("rollup_people", cells, "people"),
        ("rollup_sales_days", cells, f"order_date, orders, {cents}"),
        ("rollup_sales_months", cells, f"month, orders, {cents}"),
        ("rollup_area_days", area_cells, f"order_date, orders, {cents}"),
        ("rollup_area_months", area_cells, f"month, orders, {cents}"),
    ):
        frame = store.query(f"SELECT {keys}, {extra} FROM {table}").astype(object)
        frame = frame.where(frame.notna(), None)
        rows[table] = sorted(map(tuple, frame.itertuples(index=False)), key=repr)
    return rows


def _assert_rollups_as_rebuilt(store: Store) -> None:
    maintained = _rollup_rows(store)
    with store.transaction() as tx:
        rebuild_rollups(tx)
    assert _rollup_rows(store) == maintained


def test_rollups_follow_imports_of_sales_customers_and_clearing(tiny_store: Store) -> None:
    _assert_rollups_as_rebuilt(tiny_store)
    before = summarise_selection(tiny_store, Filters(level="county"))
    more = order_lines(
        [("c2", "2026-05-20", 12.5), ("c3", "2026-06-03", 80.0), ("c4", "2025-12-31", 7.25)],
        prefix="more",
    )
    # o4 replaced: a different amount on a different day.
    replaced = order_lines([("c2", "2026-04-30", 210.0)], prefix="o4-").assign(order_id="o4")
    with tiny_store.transaction() as tx:
        tiny_store.upsert_sales(tx, pd.concat([more, replaced], ignore_index=True))
    after = summarise_selection(tiny_store, Filters(level="county"))
    assert after["orders"] == before["orders"] + 3
    assert after["sales_amount"] == pytest.approx(before["sales_amount"] + 99.75 + 10.0)
    assert after["orders_in_area"] == before["orders_in_area"] + 2
    _assert_rollups_as_rebuilt(tiny_store)
    for filters in (
        Filters(level="county"),
        Filters(level="region", date_from=date(2026, 4, 30)),
        Filters(date_to=date(2026, 5, 31)),
    ):
        _assert_same_figures(tiny_store, filters)

    # A customer who changes owner moves to the new owner's cells.
    customers = tiny_store.query("SELECT * FROM customers WHERE customer_id = 'c2'")
    with tiny_store.transaction() as tx:
        tiny_store.upsert_customers(tx, customers.assign(owner="Zoe"))
    assign_customers(tiny_store)
    zoe = Filters(level="county", owners=("Zoe",))
    assert compute_area_kpis(tiny_store, zoe).set_index("area_id").loc["B", "customers"] == 1
    _assert_same_figures(tiny_store, zoe)

    with tiny_store.transaction() as tx:
        tiny_store.clear_business(tx)
    assert all(rows == [] for rows in _rollup_rows(tiny_store).values())
    cleared = summarise_selection(tiny_store, Filters())
    assert cleared == summarise_selection(tiny_store, Filters(), from_rollups=False)
    assert (cleared["rows"], cleared["orders"], cleared["sales_amount"]) == (0, 0, 0.0)


def test_rollups_are_rebuilt_when_an_input_changes_and_only_then(tiny_store: Store) -> None:
    def people() -> int:
        return int(tiny_store.scalar("SELECT sum(people) FROM rollup_people"))

    counted = people()
    with tiny_store.transaction() as tx:
        # Marks the roll-ups, to see whether the next writes rebuild them.
        tx.execute("UPDATE rollup_people SET people = people + 1")
        tiny_store.set_meta(tx, "note", "a write of no input")
    assert people() > counted
    with tiny_store.transaction() as tx:
        tx.execute("UPDATE customers SET kind = 'customer' WHERE customer_id = 'p1'")
    assert people() == counted
    assert summarise_selection(tiny_store, Filters())["customers"] == 6
    _assert_rollups_as_rebuilt(tiny_store)
