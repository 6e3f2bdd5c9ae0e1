"""RFM scores, segments, rhythm, churn risk and value on data worked out by hand."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from geo.analytics.rfm_views import segment_summary
from geo.analytics.scores import SEGMENT_RULES, compute_scores, ensure_scores
from geo.segments.filters import Filters
from geo.store.duckdb_store import Store
from tests.tiny_business import order_lines

AS_OF = date(2026, 6, 30)


def _store_with_orders(tmp_path: Path, orders: list[tuple[str, date, float]]) -> Store:
    store = Store.open(tmp_path / "scores.duckdb")
    ids = sorted({c for c, _, _ in orders})
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "name": ids,
            "kind": "customer",
            "lat": 0.5,
            "lon": 0.5,
            "postcode": None,
            "email": None,
            "owner": None,
            "created_on": pd.Timestamp("2024-01-01"),
            "extra": None,
        }
    )
    sales = order_lines(orders)
    with store.transaction() as con:
        store.upsert_customers(con, customers)
        store.upsert_sales(con, sales)
        store.bump_data_version(con)
    return store


def test_every_rfm_cell_has_exactly_one_segment() -> None:
    for r in range(1, 6):
        for fm in range(1, 6):
            hits = [
                name
                for name, _, (r0, r1), (f0, f1) in SEGMENT_RULES
                if r0 <= r <= r1 and f0 <= fm <= f1
            ]
            assert len(hits) == 1, (r, fm, hits)


def test_quintile_scores_and_segments_worked_by_hand(tmp_path: Path) -> None:
    # Ten customers k0..k9: k_i has i + 1 weekly orders of 10 each, the last one
    # (9 - i) x 30 days before AS_OF, so k9 is the most recent, most frequent and biggest.
    orders = []
    for i in range(10):
        last = AS_OF - timedelta(days=(9 - i) * 30)
        for j in range(i + 1):
            orders.append((f"k{i}", last - timedelta(days=7 * j), 10.0))
    store = _store_with_orders(tmp_path, orders)
    scores = compute_scores(store, AS_OF).set_index("customer_id")
    # Ranks 1..10 -> score 1 + floor(5 * (rank - 1) / 10): 1,1,2,2,3,3,4,4,5,5.
    assert scores["r"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["f"].tolist() == scores["r"].tolist() == scores["m"].tolist()
    assert scores.loc["k9", "segment"] == "champions"  # R5, FM5
    assert scores.loc["k5", "segment"] == "need attention"  # R3, FM3
    assert scores.loc["k0", "segment"] == "lost"  # R1, FM1
    assert scores.loc["k2", "segment"] == "hibernating"  # R2, FM2
    assert scores.loc["k4", "recency_days"] == 150
    assert scores.loc["k4", "frequency"] == 5 and scores.loc["k4", "monetary"] == 50.0


def test_rhythm_churn_risk_and_value_worked_by_hand(tmp_path: Path) -> None:
    weekly = [("weekly", AS_OF - timedelta(days=21 + 7 * j), 20.0) for j in range(10)]
    yearly = [("yearly", AS_OF - timedelta(days=90 + 365 * j), 500.0) for j in range(3)]
    once = [("once", AS_OF - timedelta(days=10), 40.0)]
    store = _store_with_orders(tmp_path, weekly + yearly + once)
    s = compute_scores(store, AS_OF).set_index("customer_id")
    # A weekly buyer silent for three weeks (two weeks late) is high risk.
    assert s.loc["weekly", "gap_days"] == pytest.approx(7.0)
    assert s.loc["weekly", "churn_risk"] == pytest.approx(1 - math.exp(-21 / 7))
    assert s.loc["weekly", "risk_band"] == "high"
    # A yearly buyer three months after an order is not.
    assert s.loc["yearly", "gap_days"] == pytest.approx(365.0)
    assert s.loc["yearly", "churn_risk"] == pytest.approx(1 - math.exp(-90 / 365))
    assert s.loc["yearly", "risk_band"] == "low"
    # One order day: the median rhythm of the others, (7 + 365) / 2.
    assert s.loc["once", "gap_days"] == pytest.approx(186.0)
    # value_3y = aov x 365 / gap x 3 x (1 - risk)
    risk = 1 - math.exp(-90 / 365)
    assert s.loc["yearly", "aov"] == pytest.approx(500.0)
    assert s.loc["yearly", "value_3y"] == pytest.approx(500.0 * 1.0 * 3 * (1 - risk))


def test_stored_scores_follow_the_data_version(tmp_path: Path) -> None:
    store = _store_with_orders(tmp_path, [("a", AS_OF, 10.0), ("b", AS_OF - timedelta(400), 5.0)])
    first = ensure_scores(store)
    assert first.as_of == AS_OF
    assert store.table_counts()["customer_scores"] == 2
    version = store.data_version()
    assert ensure_scores(store) == first and store.data_version() == version
    with store.transaction() as con:
        con.execute("DELETE FROM sales WHERE customer_id = 'b'")
        from geo.store.duckdb_store import rebuild_orders

        rebuild_orders(con)
        store.bump_data_version(con)
    assert ensure_scores(store).data_version == version + 1
    assert store.table_counts()["customer_scores"] == 1
    summary = segment_summary(store, Filters()).set_index("segment")
    assert summary["customers"].sum() == 1 and len(summary) == len(SEGMENT_RULES)


def test_segments_by_area_add_up_to_the_segment_summary(demo_store: Store) -> None:
    from geo.analytics.rfm_views import segments_by_area

    filters = Filters(level="territory")
    table = segments_by_area(demo_store, filters)
    summary = segment_summary(demo_store, filters).set_index("segment")
    located = demo_store.query(
        "SELECT count(*) AS n FROM customer_scores cs JOIN assignments a USING (customer_id) "
        "WHERE a.level = 'territory' AND a.area_id IS NOT NULL"
    )["n"].iloc[0]
    assert int(table["scored"].sum()) == located
    # Customers outside all areas are in the summary but in no area's row.
    assert int(table["champions"].sum()) <= int(summary["customers"].loc["champions"])
    assert (table[list(summary.index)].sum(axis=1) == table["scored"]).all()
    assert len(table) == 9


def test_contact_timing_worked_by_hand(tmp_path: Path) -> None:
    weekly = [("weekly", AS_OF - timedelta(days=21 + 7 * j), 20.0) for j in range(10)]
    yearly = [("yearly", AS_OF - timedelta(days=90 + 365 * j), 500.0) for j in range(3)]
    monthly = [("monthly", AS_OF - timedelta(days=10 + 30 * j), 50.0) for j in range(6)]
    store = _store_with_orders(tmp_path, weekly + yearly + monthly)
    s = compute_scores(store, AS_OF).set_index("customer_id")
    # A weekly buyer two weeks late is overdue.
    assert s.loc["weekly", "contact_status"] == "overdue"
    assert s["expected_next"].loc["weekly"].date() == AS_OF - timedelta(days=14)
    # A yearly buyer three months after a purchase is not due.
    assert s.loc["yearly", "contact_status"] == "later"
    assert s["expected_next"].loc["yearly"].date() == AS_OF + timedelta(days=275)
    # A monthly buyer ten days after an order expects the next in 20 days: due.
    assert s.loc["monthly", "contact_status"] == "due"


def test_readers_never_write_and_an_older_database_is_scored_once_at_open(
    tmp_path: Path,
) -> None:
    from geo.analytics.scores import score_state

    store = _store_with_orders(tmp_path, [("a", AS_OF, 10.0), ("b", AS_OF - timedelta(400), 5.0)])
    # The write scored them, in the same transaction.
    assert score_state(store) == ensure_scores(store)
    assert score_state(store).as_of == AS_OF
    assert store.table_counts()["customer_scores"] == 2
    # A database written by an older version: no scores yet, an old-style marker.
    with store.connect() as con:  # outside a transaction, so nothing is scored on commit
        con.execute("DELETE FROM customer_scores")
        con.execute("UPDATE meta SET value = '1|2026-06-30|1' WHERE key = 'scores'")
    assert not score_state(store).current
    # Readers read what is there and write nothing: they work on a read-only file.
    store.path.chmod(0o444)
    try:
        assert not store.writable
        assert segment_summary(store, Filters())["customers"].sum() == 0
        assert Store.open(store.path) == store and not score_state(store).current
    finally:
        store.path.chmod(0o644)
    reopened = Store.open(store.path)
    assert score_state(reopened).current and score_state(reopened).as_of == AS_OF
    assert reopened.table_counts()["customer_scores"] == 2
    assert segment_summary(reopened, Filters())["customers"].sum() == 2


def test_a_write_that_touches_no_orders_never_passes_over_them(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An export logged or a segment saved must not pay for a pass over every order (on a
    # server, every such write would hold the writers' turn for seconds).
    import geo.store.derived_tables as derived
    import geo.store.rollups as rollups

    def no_pass(*_args: object) -> str:
        raise AssertionError("the orders were read")

    monkeypatch.setattr(derived, "orders_fingerprint_sql", no_pass)
    monkeypatch.setattr(rollups, "inputs_fingerprint", no_pass)
    version = tiny_store.data_version()
    with tiny_store.transaction() as tx:
        tiny_store.log_export(tx, "everyone", "csv", 3, "everyone.csv")
        tiny_store.bump_data_version(tx)
    assert tiny_store.data_version() == version + 1
    with (
        pytest.raises(AssertionError, match="the orders were read"),
        tiny_store.transaction() as tx,
    ):
        tx.execute("DELETE FROM orders WHERE order_id = 'none'")
