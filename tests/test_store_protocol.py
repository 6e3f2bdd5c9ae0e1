"""The store interface: snapshots, writer handles, the dialects, and readers that only read."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geo.analytics.area_metrics import METRICS, area_metric_values
from geo.analytics.churn_backtest import backtest_churn
from geo.analytics.customer_card import customer_card
from geo.analytics.customer_search import search_customers
from geo.analytics.flows import area_flows, flows_over_time, latest_complete_period
from geo.analytics.lookalikes import lookalike_profiles, lookalike_prospects, whitespace
from geo.analytics.rfm_views import (
    rfm_grid,
    risk_distribution,
    scored_customers,
    segment_summary,
    segments_by_area,
    top_at_risk,
)
from geo.analytics.scores import compute_scores, score_state
from geo.maps.point_cells import count_points_in_cells
from geo.maps.point_sample import sample_points
from geo.places.level_assignment import summarise_assignments
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.segments.saved import list_segments
from geo.segments.selection import describe_filters, select_customers
from geo.store.dialect import DUCKDB, POSTGRESQL
from geo.store.duckdb_store import TABLES
from geo.store.protocol import Store
from tests.stores import read_only
from tests.tiny_business import tiny_customers

ROOT = Path(__file__).resolve().parents[1]
COUNTY = Filters(level="county")


def test_a_snapshot_keeps_seeing_what_was_there_when_it_began(tiny_store: Store) -> None:
    newcomer = tiny_customers().head(1).assign(customer_id="new1")
    with tiny_store.snapshot() as reader:
        before = reader.scalar("SELECT count(*) FROM customers")
        with tiny_store.transaction() as tx:
            tiny_store.upsert_customers(tx, newcomer)
        assert reader.scalar("SELECT count(*) FROM customers") == before
    assert tiny_store.scalar("SELECT count(*) FROM customers") == before + 1


def test_a_writer_stages_frames_and_inserts_them_with_bound_parameters(
    tiny_store: Store,
) -> None:
    incoming = pd.DataFrame({"name": ["kept", "dropped"], "spec": ["{}", "{}"]})
    with tiny_store.transaction() as tx:
        with tx.staged("incoming_segments", incoming):
            picked = tx.query("SELECT name FROM incoming_segments WHERE name = ?", ["kept"])
        tx.insert_frame("segments", incoming[incoming["name"].isin(picked["name"])])
        tx.execute("UPDATE segments SET spec = ? WHERE name = ?", ['{"level": null}', "kept"])
    stored = tiny_store.query("SELECT name, spec FROM segments")
    assert stored.to_dict("records") == [{"name": "kept", "spec": '{"level": null}'}]
    # The staged frame lived only inside its context.
    with pytest.raises(Exception, match="incoming_segments"):
        tiny_store.query("SELECT * FROM incoming_segments")


def test_each_dialect_folds_accents_hashes_stably_and_rounds(
    tiny_store: Store, engine: str
) -> None:
    d = tiny_store.dialect
    assert d is {"duckdb": DUCKDB, "postgresql": POSTGRESQL}[engine]
    row = tiny_store.query(
        f"SELECT {d.fold_accents('?')} AS folded, {d.stable_hash_of('?')} AS h1, "
        f"{d.stable_hash_of('?')} AS h2, {d.round_number('?', 1)} AS r",
        ["Crème Brûlée Café", "c1", "c1", 2.46],
    ).iloc[0]
    assert row["folded"] == "Creme Brulee Cafe"
    assert row["h1"] == row["h2"] and d.hash_min <= int(row["h1"]) < d.hash_max
    assert row["r"] == 2.5


def test_a_hash_threshold_keeps_about_its_share_of_the_rows(tiny_store: Store) -> None:
    ids = pd.DataFrame({"customer_id": [f"id{i}" for i in range(4000)]})
    hashed = tiny_store.dialect.stable_hash_of("customer_id")
    below, params = tiny_store.dialect.hash_below(hashed, 0.25)
    with tiny_store.transaction() as tx, tx.staged("ids", ids):
        kept = tx.scalar(f"SELECT count(*) FROM ids WHERE {below}", params)
    assert 800 < kept < 1200


def test_the_postgresql_dialect_says_its_own_expressions() -> None:
    assert POSTGRESQL.fold_accents("lower(c.name)") == "unaccent(lower(c.name))"
    assert "CREATE EXTENSION IF NOT EXISTS unaccent" in POSTGRESQL.setup_statements
    hashed = POSTGRESQL.stable_hash_of("order_id", "amount")
    assert hashed == (
        "CAST(CAST('x' || substr(md5(concat_ws('|', order_id, amount)), 1, 16) AS BIT(64)) "
        "AS BIGINT)"
    )
    # A signed 64-bit range: half the rows lie below zero.
    assert POSTGRESQL.hash_below(hashed, 0.5) == (f"{hashed} < CAST(? AS BIGINT)", [0])
    assert POSTGRESQL.round_number("km", 2) == (
        "CAST(round(CAST(km AS NUMERIC), 2) AS DOUBLE PRECISION)"
    )
    assert POSTGRESQL.binary_type == "BYTEA"


#: Every public read of the analysis, as the app and the command line call it.
def _as_set(found: pd.Index | pd.DataFrame) -> pd.Index | pd.DataFrame:
    """A read that promises no order (IDs, a table's rows), sorted, so that two reads of the
    same data compare equal however the engine returned them."""
    if isinstance(found, pd.Index):
        return found.sort_values()
    return found.sort_values(list(found.columns), ignore_index=True, key=lambda c: c.map(repr))


READERS: dict[str, Callable[[Store], Any]] = {
    "select_customers": lambda s: select_customers(s, COUNTY),
    "compute_area_kpis": lambda s: compute_area_kpis(s, COUNTY),
    "summarise_selection": lambda s: summarise_selection(s, COUNTY),
    "describe_filters": lambda s: describe_filters(s, Filters(level="county", area_ids=("A",))),
    "sample_points": lambda s: sample_points(s, COUNTY, "customer", 2, "rfm_segment"),
    "count_points_in_cells": lambda s: count_points_in_cells(s, COUNTY, "customer", 8),
    "area_metric_values": lambda s: [area_metric_values(s, COUNTY, key) for key in METRICS],
    "segment_summary": lambda s: segment_summary(s, COUNTY),
    "rfm_grid": lambda s: rfm_grid(s, COUNTY),
    "risk_distribution": lambda s: risk_distribution(s, COUNTY),
    "top_at_risk": lambda s: top_at_risk(s, COUNTY, 5),
    "segments_by_area": lambda s: segments_by_area(s, COUNTY),
    "scored_customers": lambda s: scored_customers(s, COUNTY),
    "compute_scores": lambda s: compute_scores(s, date(2026, 3, 1)),
    "score_state": score_state,
    "flows_over_time": lambda s: flows_over_time(s, COUNTY, "quarter"),
    "area_flows": lambda s: area_flows(s, COUNTY, "quarter", date(2026, 1, 1)),
    "latest_complete_period": lambda s: latest_complete_period(s, "month"),
    "lookalike_profiles": lambda s: lookalike_profiles(s, COUNTY).groups,
    "lookalike_prospects": lambda s: lookalike_prospects(s, COUNTY, 5),
    "whitespace": lambda s: whitespace(s, COUNTY),
    "search_customers": lambda s: search_customers(s, "car"),
    "customer_card": lambda s: customer_card(s, "c1", COUNTY),
    "list_segments": list_segments,
    "backtest_churn": backtest_churn,
    "summarise_assignments": summarise_assignments,
    "store reads": lambda s: (
        s.table_counts(),
        s.data_version(),
        s.levels(),
        s.area_counts(),
        s.load_areas(),
        s.owner_names(),
        s.sales_date_range(),
        s.latest_imports(5),
        _as_set(s.customer_ids()),
        s.customer_locations(),
        _as_set(s.order_ids()),
        s.named_areas(),
        s.holds_business(),
        [_as_set(s.table_rows(t)) for t in TABLES],
    ),
}


@pytest.mark.parametrize("name", READERS)
def test_every_reader_works_on_a_store_nobody_may_write(tiny_store: Store, name: str) -> None:
    # A read-only file is opened read-only, a server session is read-only: any write or DDL
    # in a read path would fail.
    before = READERS[name](tiny_store)
    with read_only(tiny_store) as unwritable:
        assert not unwritable.writable
        again = READERS[name](unwritable)
    assert repr(again) == repr(before)


#: DuckDB-only spellings that the portable subset replaces (see geo.store.dialect).
DUCKDB_ONLY = re.compile(
    r"GROUP BY ALL|date_diff|median\(|INTERVAL \d|strip_accents|\bhash\(|\.register\(|"
    r"UBIGINT|\bfirst\(|to_days\(|\bpow\(|\bDOUBLE\b(?! PRECISION)|DuckDBPyConnection|"
    r"^import duckdb|^from duckdb",
    re.MULTILINE,
)
SQL_STATEMENT = re.compile(r"\b(SELECT|INSERT INTO|CREATE TABLE|DELETE FROM|UPDATE \w+ SET)\b")


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def test_sql_outside_the_store_is_portable() -> None:
    offending = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _python_files("geo", "ui", "pages")
        if "store" not in path.relative_to(ROOT).parts[:2]
        for match in DUCKDB_ONLY.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offending == []


def test_sql_is_written_only_in_the_store_and_the_query_packages() -> None:
    # The query packages (analytics, segments, maps, places) build SQL for the store; the
    # imports, the demo, the presentations, the command line and the app ask them or the
    # store.
    files = [
        *_python_files("ui", "pages", "geo/imports", "geo/demo", "geo/present", "geo/cli"),
        *(ROOT / "geo").glob("*.py"),
        ROOT / "app.py",
    ]
    assert ROOT / "geo" / "cli" / "__init__.py" in files and len(files) > 40
    holding = [str(p.relative_to(ROOT)) for p in files if SQL_STATEMENT.search(p.read_text())]
    assert holding == []
