from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from geo.errors import InputError, StoreBusyError
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from tests.other_process import holding_the_file
from tests.tiny_business import tiny_areas, tiny_customers


def _snapshot(store: Store) -> dict[str, object]:
    return {
        "counts": store.table_counts(),
        "customers": store.query("SELECT * FROM customers ORDER BY customer_id").to_json(
            date_format="iso"
        ),
        "version": store.data_version(),
    }


def test_levels_are_ordered_coarse_to_fine_by_parent_links(tiny_store: Store) -> None:
    assert tiny_store.levels() == ["region", "county"]


def test_areas_round_trip_with_geometry(tiny_store: Store) -> None:
    areas = tiny_store.load_areas("county")
    assert areas["area_id"].tolist() == ["A", "B"]
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.bounds.values.tolist() == [[0, 0, 1, 1], [1, 0, 2, 1]]


def test_failed_transaction_leaves_database_exactly_as_it_was(tiny_store: Store) -> None:
    before = _snapshot(tiny_store)
    changed = tiny_customers().assign(name="changed")

    def fail_half_way() -> None:
        with tiny_store.transaction() as con:
            tiny_store.upsert_customers(con, changed)
            tiny_store.bump_data_version(con)
            raise RuntimeError("failure half-way through an import")

    with pytest.raises(RuntimeError, match="half-way"):
        fail_half_way()
    assert _snapshot(tiny_store) == before


def test_upsert_replaces_same_ids_and_keeps_others(tiny_store: Store) -> None:
    again = tiny_customers().head(2).assign(name=["Ann", "Bob"])
    with tiny_store.transaction() as con:
        tiny_store.upsert_customers(con, again)
    names = tiny_store.query("SELECT customer_id, name FROM customers ORDER BY customer_id")
    assert len(names) == 7
    assert names.set_index("customer_id").loc["c1", "name"] == "Ann"


def test_area_id_used_by_another_level_is_refused(tiny_store: Store) -> None:
    clash = tiny_areas().iloc[[1]].assign(level="district")
    before = _snapshot(tiny_store)
    with (
        pytest.raises(InputError, match="already used at level 'county'"),
        tiny_store.transaction() as con,
    ):
        tiny_store.replace_level(con, clash)
    assert _snapshot(tiny_store) == before


def test_data_version_increases_with_each_write(tiny_store: Store) -> None:
    first = tiny_store.data_version()
    with tiny_store.transaction() as con:
        tiny_store.bump_data_version(con)
    assert tiny_store.data_version() == first + 1


def test_eight_readers_and_a_writer_in_one_process_never_fail(tiny_store: Store) -> None:
    from geo.analytics.rfm_views import segment_summary
    from geo.segments.filters import Filters
    from tests.tiny_business import tiny_sales

    reads_per_thread, writes = 40, 15
    failures: list[BaseException] = []
    done: list[int] = []
    count_lock = threading.Lock()

    def read() -> None:
        for _ in range(reads_per_thread):
            try:
                customers = segment_summary(tiny_store, Filters())["customers"].sum()
                assert customers == 2
                assert len(tiny_store.load_areas("county")) == 2
            except BaseException as exc:  # every kind of failure counts
                with count_lock:
                    failures.append(exc)
            else:
                with count_lock:
                    done.append(1)

    def write() -> None:
        for i in range(writes):
            # Changes the orders, so every commit replaces the scores table readers read.
            sales = tiny_sales()
            sales["amount"] += i
            with tiny_store.transaction() as con:
                tiny_store.upsert_sales(con, sales)
                tiny_store.bump_data_version(con)

    version = tiny_store.data_version()
    threads = [threading.Thread(target=read) for _ in range(8)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [repr(f) for f in failures] == []
    assert len(done) == 8 * reads_per_thread
    assert tiny_store.data_version() == version + writes
    # The scores follow the last write: c2's one order is worth 200 + 14.
    scores = tiny_store.query("SELECT monetary FROM customer_scores WHERE customer_id = 'c2'")
    assert scores["monetary"].tolist() == [214.0]


def test_a_file_held_by_another_process_is_busy_with_a_plain_message(
    tiny_file_store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOCRM_LOCK_WAIT_SECONDS", "0.5")
    with holding_the_file(tiny_file_store.path) as holder:
        started = time.monotonic()
        with pytest.raises(StoreBusyError) as busy:
            tiny_file_store.table_counts()
        assert time.monotonic() - started >= 0.5
        assert not tiny_file_store.is_free()
        with pytest.raises(StoreBusyError), tiny_file_store.transaction():
            pass
    message = str(busy.value)
    assert message == "the database is busy with an import; try again when it ends"
    assert str(holder.pid) not in message and tiny_file_store.path.name not in message
    assert "/" not in message
    # Released: readable again, and the other process's uncommitted row never landed.
    assert tiny_file_store.is_free()
    assert tiny_file_store.query("SELECT * FROM meta WHERE key = 'held'").empty


def test_a_file_that_is_not_a_database_is_refused_with_a_message(tmp_path: Path) -> None:
    # Just written, it might be a database another process is creating: it is looked at
    # again for a moment (geo.store.duckdb_store.FRESH_FILE_SECONDS), then refused.
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database", encoding="utf-8")
    with pytest.raises(InputError, match=r"cannot open the database notes\.duckdb") as refused:
        DuckDBStore.open(path).table_counts()
    assert "Check that it is a GeoCRM database file" in str(refused.value)
