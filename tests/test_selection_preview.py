"""The Export page's preview, counted and grouped by the database, equals what every row of
the selection gives (its first 100 rows, its count, its per-area breakdown)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.present.target_list import area_breakdown, preview_selection
from geo.segments.filters import Filters
from geo.segments.selection import select_customers
from geo.store.protocol import Store


def _same_as_every_row(store: Store, filters: Filters) -> None:
    rows = select_customers(store, filters)
    preview = preview_selection(store, filters, head=100)
    assert preview.rows == len(rows)
    pd.testing.assert_frame_equal(preview.head, rows.head(100))
    expected = area_breakdown(rows)
    assert preview.per_area["area"].tolist() == expected["area"].tolist()
    pd.testing.assert_frame_equal(preview.per_area, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(level="state"),
        Filters(level="county", kind="customer"),
        Filters(level="state", area_ids=("06",)),
        Filters(),
    ],
    ids=["every state", "customers by county", "one state", "no level"],
)
def test_preview_of_the_demo_is_that_of_every_row(demo_store: Store, filters: Filters) -> None:
    _same_as_every_row(demo_store, filters)


def test_preview_of_the_tiny_business_is_that_of_every_row(tiny_store: Store) -> None:
    for level in tiny_store.levels():
        _same_as_every_row(tiny_store, Filters(level=level))


def test_an_empty_selection_previews_no_rows_and_no_areas(demo_store: Store) -> None:
    preview = preview_selection(demo_store, Filters(level="state", area_ids=("no such area",)))
    assert preview.rows == 0 and preview.head.empty and preview.per_area.empty
