"""Sales files: parsing, and one test per rejection reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.imports.sale_files import read_sales
from geo.schema import REJECTION_REASONS

HEADER = "order_id,customer_id,order_date,amount,category\n"
GOOD = "o1,C1,2026-01-05,100,Hardware\n"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (",C1,2026-01-05,1,A", "missing_id"),
        ("o2,,2026-01-05,1,A", "missing_customer_id"),
        ("o2,C9,2026-01-05,1,A", "unknown_customer"),
        ("o2,C1,05/01/2026,1,A", "bad_date"),
        ("o2,C1,2026-13-40,1,A", "bad_date"),
        ("o2,C1,2026-01-05,ten,A", "bad_amount"),
        ("o1,C1,2026-01-05,100,Hardware", "duplicate_line"),
        ("o2,C1,2026-01-05,1," + "x" * 1001, "text_too_long"),
    ],
)
def test_each_rejection_reason(tmp_path: Path, row: str, reason: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + GOOD + row + "\n")
    frame, report = read_sales(path, known_customer_ids={"C1"})
    report.check_counts()
    assert report.rejected_by_reason() == {reason: 1}
    assert reason in REJECTION_REASONS  # every code has words for the user
    assert len(frame) == 1
    assert report.rejected["_row"].tolist() == [3]


def test_amount_formats_and_multi_line_orders(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + 'o1,C1,2026-01-05,"1,234.50",Hardware\n'
        + "o1,C1,2026-01-05,$12.00,Software\n"
        + "o2,C1,2026-02-01T10:30:00,-5,Refund\n"
    )
    frame, report = read_sales(path)
    assert report.imported == 3
    assert frame["amount"].tolist() == [1234.5, 12.0, -5.0]
    assert frame["order_id"].tolist() == ["o1", "o1", "o2"]
    assert str(frame["order_date"].iloc[2].date()) == "2026-02-01"


def test_dates_stamped_with_time_zones_keep_the_date_written(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + "o1,C1,2026-03-01T23:30:00-05:00,1,A\n"  # in UTC already March 2nd
        + "o2,C1,2026-03-02T00:30:00+02:00,1,A\n"
        + "o3,C1,2026-03-03T12:00:00Z,1,A\n"
        + "o4,C1,2026-03-04,1,A\n"
    )
    frame, report = read_sales(path)
    assert report.imported == 4 and report.rejected_count == 0
    assert [str(d.date()) for d in frame["order_date"]] == [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
    ]
