"""Customers gained and lost per area and period, worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from geo.analytics.flows import (
    area_flows,
    compared_with,
    flows_over_time,
    is_complete,
    latest_complete_period,
    period_name,
    period_start,
    periods_to_chart,
    shift_period,
)
from geo.segments.filters import Filters
from geo.store.duckdb_store import rebuild_orders
from geo.store.protocol import Store
from tests.tiny_business import order_lines


@pytest.fixture
def flow_store(tiny_store: Store) -> Store:
    # c1 (area A): Jan, Feb, Apr; c2 (B): Feb, Mar; c3 (A): Mar. All 2026.
    lines = [
        ("c1", "2026-01-10", 10.0),
        ("c1", "2026-02-10", 20.0),
        ("c1", "2026-04-10", 40.0),
        ("c2", "2026-02-15", 5.0),
        ("c2", "2026-03-15", 15.0),
        ("c3", "2026-03-20", 30.0),
    ]
    sales = order_lines(lines, prefix="f")
    with tiny_store.transaction() as con:
        con.execute("DELETE FROM sales")
        tiny_store.upsert_sales(con, sales)
        rebuild_orders(con)
        tiny_store.bump_data_version(con)
    return tiny_store


def _row(table: pd.DataFrame, label: str) -> list[int]:
    """The values of the one row labelled ``label``."""
    row = table.loc[label]
    assert isinstance(row, pd.Series), f"{label} labels more than one row"
    return row.tolist()


def test_monthly_flows_worked_by_hand(flow_store: Store) -> None:
    flows = flows_over_time(flow_store, Filters(level="county"), "month")
    got = flows.set_index(flows["period_start"].astype(str))[
        ["new", "retained", "reactivated", "lost", "net_change", "active"]
    ]
    assert _row(got, "2026-01-01") == [1, 0, 0, 0, 1, 1]
    assert _row(got, "2026-02-01") == [1, 1, 0, 0, 1, 2]
    # March: c3 new, c2 retained, c1 lost.
    assert _row(got, "2026-03-01") == [1, 1, 0, 1, 0, 2]
    # April: c1 back, c2 and c3 lost.
    assert _row(got, "2026-04-01") == [0, 0, 1, 2, -1, 1]
    # May is after the latest order: not a period yet.
    assert "2026-05-01" not in got.index
    # Net change is the change in active customers.
    assert (got["net_change"].diff().iloc[1:] is not None) and (
        got["active"].diff().fillna(got["active"]) == got["net_change"]
    ).all()


def test_area_flows_and_growth_worked_by_hand(flow_store: Store) -> None:
    march = area_flows(flow_store, Filters(level="county"), "month", date(2026, 3, 1))
    a = march.set_index("area_id").loc["A"]
    b = march.set_index("area_id").loc["B"]
    assert (a["new"], a["lost"], a["net_change"], a["active"]) == (1, 1, 0, 1)
    assert (b["retained"], b["net_change"]) == (1, 0)
    assert a["sales"] == 30.0 and a["sales_before"] == 20.0
    assert a["growth"] == pytest.approx(0.5)
    assert b["growth"] == pytest.approx(2.0)  # 15 after 5
    assert pd.isna(a["growth_yoy"])  # nothing in March 2025
    quarter = area_flows(flow_store, Filters(level="county"), "quarter", date(2026, 1, 1))
    assert quarter.set_index("area_id").loc["A", "new"] == 2  # c1 and c3


def test_periods() -> None:
    assert period_start(date(2026, 8, 17), "quarter") == date(2026, 7, 1)
    assert period_start(date(2026, 8, 17), "year") == date(2026, 1, 1)
    assert shift_period(date(2026, 1, 1), "quarter", -1) == date(2025, 10, 1)
    with pytest.raises(ValueError, match="period must be one of"):
        period_start(date(2026, 1, 1), "week")


def test_latest_complete_period(flow_store: Store) -> None:
    # Latest order 10 April 2026: April is still running, March is the last whole month.
    assert latest_complete_period(flow_store, "month") == date(2026, 3, 1)
    assert latest_complete_period(flow_store, "quarter") == date(2026, 1, 1)


@pytest.mark.parametrize(
    ("start", "period", "name", "comparison"),
    [
        (date(2026, 7, 1), "quarter", "Q3 2026", "vs Q2 2026"),
        (date(2026, 1, 1), "quarter", "Q1 2026", "vs Q4 2025"),
        (date(2026, 5, 1), "month", "May 2026", "vs Apr 2026"),
        (date(2026, 1, 1), "month", "Jan 2026", "vs Dec 2025"),
        (date(2026, 1, 1), "year", "2026", "vs 2025"),
    ],
)
def test_periods_are_named_as_people_say_them(
    start: date, period: str, name: str, comparison: str
) -> None:
    assert period_name(start, period) == name
    # A comparison names the period it compares with, of the same length.
    assert compared_with(start, period) == comparison


def test_a_period_is_complete_only_once_its_last_day_is_in_the_data() -> None:
    assert is_complete(date(2026, 7, 1), "quarter", date(2026, 9, 30))
    assert not is_complete(date(2026, 7, 1), "quarter", date(2026, 9, 29))
    assert not is_complete(date(2026, 10, 1), "quarter", date(2026, 10, 31))
    assert is_complete(date(2026, 10, 1), "month", date(2026, 10, 31))


def test_the_running_period_is_charted_as_so_far(flow_store: Store) -> None:
    # The latest order is on 10 Apr 2026: April has not ended, March is the last whole month.
    over_time = flows_over_time(flow_store, Filters(level="county"), "month")
    latest = latest_complete_period(flow_store, "month")
    assert latest == date(2026, 3, 1)
    shown = periods_to_chart(over_time, "month", latest)
    # January (everyone new) is left out; April is there, flagged and labelled.
    assert shown["label"].tolist() == ["Feb 2026", "Mar 2026", "Apr 2026 (so far)"]
    assert shown["complete"].tolist() == [True, True, False]
    assert shown["lost"].tolist() == over_time["lost"].iloc[1:].tolist()
