"""``geocrm copy``: a whole database moved between the embedded file and a PostgreSQL
server and back, checked per table; the app's figures are the same on every copy; a copy
never overwrites data unasked, nor starts from a source that is not there."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.copying import COPIED_TABLES, table_checksum
from geo.store.duckdb_store import DuckDBStore
from geo.store.opening import open_store
from geo.store.protocol import Store
from tests.stores import postgres_database


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, json.loads(out) if out else {}, captured.err


def some_filters(store: Store) -> list[Filters]:
    """Unfiltered at every level, and filters that reach dates, scores and owners."""
    levels = store.levels()
    finest = Filters(level=levels[-1])
    return [
        *(Filters(level=level) for level in levels),
        replace(finest, kind="customer", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)),
        replace(finest, risk_bands=("high",), min_orders=2),
        replace(Filters(level=levels[0]), owners=tuple(store.owner_names()[:2]), value_min=500.0),
    ]


def figures_of(store: Store, filters: Filters) -> tuple[pd.DataFrame, dict]:
    """Per-area figures (money to the cent) and the headline figures of ``filters``."""
    kpis = compute_area_kpis(store, filters)
    kpis["sales_amount"] = kpis["sales_amount"].round(2)
    # Text as Python objects, nulls as None: a text column of nulls only (parent_id of the
    # coarsest level) is str of NaN on one engine and object of None on the other.
    for column in ("area_id", "name", "level", "parent_id", "parent_name", "owner"):
        kpis[column] = kpis[column].astype(object).where(kpis[column].notna(), None)
    return kpis, summarise_selection(store, filters)


def test_demo_goes_to_postgresql_and_back_with_every_table_and_figure_equal(
    demo_file_store: DuckDBStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    back_file = tmp_path / "back.duckdb"
    with postgres_database() as url:
        code, there, err = run(capsys, "copy", demo_file_store.location, url, "--json")
        assert code == 0, err
        code, back, err = run(capsys, "copy", url, str(back_file), "--json")
        assert code == 0, err
        server = open_store(url)
        returned = open_store(str(back_file))
        assert there["matches"] and back["matches"]
        assert [t["table"] for t in there["tables"]] == list(COPIED_TABLES)
        counts = demo_file_store.table_counts()
        for out, home in zip(there["tables"], back["tables"], strict=True):
            # What left the file is what came back to a file, by count and by checksum.
            assert out["source_checksum"] == home["dest_checksum"], out["table"]
            assert out["source_rows"] == home["dest_rows"] == out["dest_rows"]
            if out["table"] in counts:
                assert out["dest_rows"] == counts[out["table"]]
        assert counts["customers"] > 0 and counts["sales"] > 0 and counts["assignments"] > 0
        for table in ("areas", "customers", "sales", "assignments", "customer_scores"):
            assert table_checksum(returned.table_rows(table)) == table_checksum(
                demo_file_store.table_rows(table)
            )
        for filters in some_filters(demo_file_store):
            kpis, headline = figures_of(demo_file_store, filters)
            assert headline["rows"] > 0
            for other in (server, returned):
                other_kpis, other_headline = figures_of(other, filters)
                pd.testing.assert_frame_equal(other_kpis, kpis)
                assert other_headline == headline


def test_the_text_output_is_a_table_of_rows_and_checksums(
    tiny_file_store: DuckDBStore, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["copy", tiny_file_store.location, str(tmp_path / "copy.duckdb")])
    out = capsys.readouterr().out
    assert code == 0
    assert "every table has the same rows" in out
    customers = next(line for line in out.splitlines() if line.split()[:1] == ["customers"])
    assert customers.split()[1] == f"{tiny_file_store.table_counts()['customers']:,}"


def test_a_database_that_holds_data_is_replaced_only_when_asked(
    demo_file_store: DuckDBStore, tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tiny_store.table_counts()
    version = tiny_store.data_version()
    code, out, err = run(capsys, "copy", demo_file_store.location, tiny_store.location, "--json")
    assert code == 2
    assert "already holds data" in out["error"] and "--replace" in out["error"]
    assert tiny_store.table_counts() == before
    assert tiny_store.data_version() == version

    code, out, err = run(
        capsys, "copy", demo_file_store.location, tiny_store.location, "--replace", "--json"
    )
    assert code == 0, err
    assert tiny_store.table_counts() == demo_file_store.table_counts()
    # Past every version the replaced database had: no app process reuses its caches.
    assert tiny_store.data_version() > version


def test_a_missing_source_file_is_refused_and_nothing_is_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "dest.duckdb"
    code, out, err = run(capsys, "copy", str(tmp_path / "nope.duckdb"), str(dest), "--json")
    assert code == 2
    assert "no database file at" in out["error"] and "nope.duckdb" in out["error"]
    assert "Traceback" not in err
    assert not dest.exists()


def test_a_database_is_not_copied_onto_itself(
    tiny_file_store: DuckDBStore, capsys: pytest.CaptureFixture[str]
) -> None:
    same = tiny_file_store.path.parent / "." / tiny_file_store.path.name
    before = tiny_file_store.table_counts()
    code, out, _ = run(capsys, "copy", tiny_file_store.location, str(same), "--replace", "--json")
    assert code == 2
    assert "same database" in out["error"]
    assert tiny_file_store.table_counts() == before


def test_an_unreachable_server_is_named_without_its_password(
    tiny_file_store: DuckDBStore, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://geocrm:s3cret@127.0.0.1:1/team"
    code, out, err = run(capsys, "copy", tiny_file_store.location, url, "--json")
    assert code == 2
    assert "cannot reach the database postgresql://geocrm@127.0.0.1:1/team" in out["error"]
    assert "s3cret" not in out["error"] + err


def test_the_checksum_does_not_depend_on_row_order_or_engine_types() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "amount": [10.5, 0.1, np.nan],
            "day": pd.to_datetime(pd.Series(["2024-01-02", "2024-03-04", None])),
            "shape": [b"\x01\x02", None, b"\xff"],
        }
    )
    as_other_engine = frame.assign(count=[1.0, np.nan, 3.0])[::-1].reset_index(drop=True)
    assert table_checksum(as_other_engine) == table_checksum(frame)
    assert table_checksum(frame[["shape", "id", "day", "amount", "count"]]) == table_checksum(frame)


def test_the_checksum_changes_with_any_value_or_row() -> None:
    frame = pd.DataFrame({"id": ["a", "b", "c"], "amount": [10.5, 0.1, 2.0]})
    checksum = table_checksum(frame)
    assert table_checksum(frame.assign(amount=[10.5, 0.1 + 1e-12, 2.0])) != checksum
    assert table_checksum(frame.assign(id=["a", "b", "C"])) != checksum
    assert table_checksum(frame.iloc[:2]) != checksum
    assert table_checksum(pd.concat([frame, frame.iloc[:1]])) != checksum
    # A null is not the text of a null-looking value.
    assert table_checksum(frame.assign(id=pd.Series(["a", "b", None]))) != table_checksum(
        frame.assign(id=["a", "b", "None"])
    )


def test_a_copy_to_a_server_leaves_its_planner_knowing_the_rows(
    tiny_file_store: DuckDBStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without statistics a fresh server database plans its first queries for empty tables.
    with postgres_database() as url:
        code, _, err = run(capsys, "copy", tiny_file_store.location, url, "--json")
        assert code == 0, err
        server = open_store(url)
        estimated = server.query(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('customers', 'sales')"
        ).set_index("relname")["reltuples"]
        counts = tiny_file_store.table_counts()
        assert estimated["customers"] == counts["customers"] > 0
        assert estimated["sales"] == counts["sales"] > 0
