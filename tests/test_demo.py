"""The demo business: seeded, counted, believable, and honest about who stopped buying."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.demo import HOSTILE_NAMES, DemoData, build_demo

SIZES = {"customers": 2_000, "prospects": 6_000, "order_lines": 20_000}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return build_demo(11, **SIZES)


def test_same_seed_same_data(demo: DemoData) -> None:
    again = build_demo(11, **SIZES)
    pd.testing.assert_frame_equal(demo.customers, again.customers)
    pd.testing.assert_frame_equal(demo.sales, again.sales)
    assert not build_demo(12, **SIZES).customers.equals(demo.customers)


def test_counts_and_ids(demo: DemoData) -> None:
    kinds = demo.customers["kind"].value_counts()
    assert kinds["customer"] == 2_000 and kinds["prospect"] == 6_000
    assert len(demo.sales) == 20_000
    assert demo.customers["customer_id"].is_unique
    assert demo.customers["postcode"].dropna().str.fullmatch(r"\d{5}").all()


def test_three_level_hierarchy(demo: DemoData) -> None:
    levels = demo.areas["level"].value_counts()
    assert (levels["territory"], levels["state"], levels["county"]) == (9, 56, 3230)
    ids = set(demo.areas["area_id"])
    parents = demo.areas["parent_id"].dropna()
    assert parents.isin(ids).all()
    assert demo.areas["area_id"].is_unique
    states = demo.areas[demo.areas["level"] == "state"]
    assert states["parent_id"].notna().sum() == 51  # 50 states + DC in a division


def test_sales_belong_to_customers_and_the_window(demo: DemoData) -> None:
    sales = demo.sales.merge(demo.customers[["customer_id", "kind", "created_on"]])
    assert len(sales) == len(demo.sales)
    assert (sales["kind"] == "customer").all()
    assert (sales["order_date"] > sales["created_on"]).all()
    assert sales["order_date"].min() >= pd.Timestamp("2023-10-31")
    assert sales["order_date"].max() <= pd.Timestamp("2026-10-31")
    assert sales["amount"].gt(0).all()


def test_some_customers_stop_buying(demo: DemoData) -> None:
    last = demo.sales.groupby("customer_id")["order_date"].max()
    long_gone = (last < pd.Timestamp("2026-01-01")).mean()
    assert 0.1 < long_gone < 0.6
    assert "churn" not in " ".join(demo.customers.columns).lower()


def test_hostile_names_and_missing_locations(demo: DemoData) -> None:
    names = set(demo.customers["name"])
    assert set(HOSTILE_NAMES) <= names
    no_location = demo.customers["lat"].isna() & demo.customers["postcode"].isna()
    assert no_location.sum() == 12
