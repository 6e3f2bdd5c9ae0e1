from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from geo.maps.point_sample import sample_points
from geo.places.level_assignment import summarise_assignments
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.dialect import placeholders
from geo.store.protocol import Store


def test_every_customer_has_one_status_and_counts_add_up(tiny_store: Store) -> None:
    summary = summarise_assignments(tiny_store)
    # c1, c2, c3 (edge -> A), p1, p2 in areas; c4 outside; c5 without location.
    assert summary.by_level["county"] == {"in_area": 5, "outside_areas": 1, "no_location": 1}
    assert summary.by_level["region"] == {"in_area": 5, "outside_areas": 1, "no_location": 1}
    kpis = compute_area_kpis(tiny_store, Filters(level="county"))
    assert int((kpis["customers"] + kpis["prospects"]).sum()) == 5


def test_edge_point_goes_to_smallest_area_id(tiny_store: Store) -> None:
    rows = select_customers(tiny_store, Filters(level="county")).set_index("customer_id")
    assert rows.loc["c3", "area_id"] == "A"
    assert rows.loc["c4", "location_status"] == "outside_areas"
    assert rows.loc["c5", "location_status"] == "no_location"


def test_area_kpis_worked_by_hand(tiny_store: Store) -> None:
    kpis = compute_area_kpis(tiny_store, Filters(level="county")).set_index("area_id")
    assert kpis.loc["A", "customers"] == 2  # c1, c3
    assert kpis.loc["A", "prospects"] == 0
    assert kpis.loc["A", "orders"] == 3  # o1, o2, o3 of c1
    assert kpis.loc["A", "sales_amount"] == pytest.approx(175.0)
    assert kpis.loc["B", "customers"] == 1
    assert kpis.loc["B", "prospects"] == 2
    assert kpis.loc["B", "sales_amount"] == pytest.approx(200.0)
    assert kpis.loc["B", "penetration"] == pytest.approx(1 / 3)


def test_date_range_bounds_sales_inclusive(tiny_store: Store) -> None:
    f = Filters(level="county", date_from=date(2026, 1, 1), date_to=date(2026, 5, 1))
    kpis = compute_area_kpis(tiny_store, f).set_index("area_id")
    assert kpis.loc["A", "sales_amount"] == pytest.approx(25.0)
    assert kpis.loc["B", "sales_amount"] == pytest.approx(200.0)


def test_owner_filter_inherits_area_owner(tiny_store: Store) -> None:
    # At region level every located customer without an owner inherits Rita.
    rows = select_customers(tiny_store, Filters(level="region", owners=("Rita",)))
    assert sorted(rows["customer_id"]) == ["c2", "c3", "p1", "p2"]
    olga = select_customers(tiny_store, Filters(level="region", owners=("Olga",)))
    assert olga["customer_id"].tolist() == ["c1"]


def test_area_and_kind_filters(tiny_store: Store) -> None:
    f = Filters(level="county", area_ids=("B",), kind="prospect")
    assert select_customers(tiny_store, f)["customer_id"].tolist() == ["p1", "p2"]
    s = summarise_selection(tiny_store, Filters(level="county"))
    assert (s["rows"], s["customers"], s["prospects"]) == (7, 5, 2)
    assert (s["in_area"], s["outside_areas"], s["no_location"]) == (5, 1, 1)
    assert s["sales_amount"] == pytest.approx(375.0)


def test_no_level_keeps_everyone(tiny_store: Store) -> None:
    rows = select_customers(tiny_store, Filters())
    assert len(rows) == 7
    assert rows["area_id"].isna().all()


def test_filters_reject_bad_values() -> None:
    with pytest.raises(ValueError, match="kind"):
        Filters(kind="lead")
    with pytest.raises(ValueError, match="date range is empty"):
        Filters(date_from=date(2026, 2, 1), date_to=date(2026, 1, 1))


def test_an_order_is_dated_by_its_earliest_line_and_counted_once(tiny_store: Store) -> None:
    # o5: one order of c2 with a line on 31 Dec 2025 and one on 2 Jan 2026 (a late delivery).
    lines = pd.DataFrame(
        {
            "order_id": ["o5", "o5"],
            "customer_id": ["c2", "c2"],
            "order_date": pd.to_datetime(["2025-12-31", "2026-01-02"]),
            "amount": [30.0, 70.0],
            "category": ["Hardware", "Hardware"],
            "channel": ["Direct", "Direct"],
        }
    )
    with tiny_store.transaction() as con:
        tiny_store.upsert_sales(con, lines)
    in_2025 = Filters(level="county", date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    in_2026 = Filters(level="county", date_from=date(2026, 1, 1), date_to=date(2026, 12, 31))
    b_2025 = compute_area_kpis(tiny_store, in_2025).set_index("area_id").loc["B"]
    b_2026 = compute_area_kpis(tiny_store, in_2026).set_index("area_id").loc["B"]
    assert (b_2025["orders"], b_2025["sales_amount"]) == (1, pytest.approx(100.0))
    assert (b_2026["orders"], b_2026["sales_amount"]) == (1, pytest.approx(200.0))
    everything = select_customers(tiny_store, Filters(level="county")).set_index("customer_id")
    assert everything.loc["c2", "orders"] == 2
    assert everything.loc["c2", "sales_amount"] == pytest.approx(300.0)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(level="county"),
        Filters(level="county", owners=("Avery Collins", "Morgan Reyes")),
        Filters(level="state", area_ids=("06", "36", "48")),
    ],
)
def test_map_sample_is_the_smallest_hashes_of_all_matches(
    demo_store: Store, filters: Filters
) -> None:
    sample = sample_points(demo_store, filters, "prospect", 500)
    rows = select_customers(demo_store, replace(filters, kind="prospect"))
    located = rows.dropna(subset=["lat", "lon"])
    ids = located["customer_id"].tolist()
    expected = demo_store.query(
        f"SELECT customer_id, lat, lon FROM customers WHERE customer_id IN ({placeholders(ids)}) "
        f"ORDER BY {demo_store.dialect.stable_hash_of('customer_id')}, customer_id LIMIT 500",
        ids,
    )
    assert sample.total == len(located)
    assert sample.shown == min(500, len(located))
    assert np.allclose(sample.lat, expected["lat"]) and np.allclose(sample.lon, expected["lon"])
