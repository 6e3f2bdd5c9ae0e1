"""The demo business: seeded, counted, believable, and honest about who stopped buying."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pandas as pd
import pytest

from geo.cli import main
from geo.demo import database as demo_database
from geo.demo.business import HOSTILE_NAMES, DemoData, build_demo
from geo.demo.database import demo_batches, demo_is_complete
from geo.store.duckdb_store import Store
from geo.store.opening import store_at
from geo.store.protocol import Store as StoreProtocol
from tests.demo_fixture import DemoSizes
from tests.other_process import kill_cli_at

SIZES: DemoSizes = {"customers": 2_000, "prospects": 6_000, "order_lines": 20_000}


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


TINY_DEMO = ["--customers", "200", "--prospects", "400", "--order-lines", "2000"]


def test_demo_if_needed_rebuilds_an_empty_database_and_keeps_a_full_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "geocrm.duckdb"
    # What a build killed before builds went through a temporary file left: the schema only.
    Store.open(db)
    assert not demo_is_complete(db)
    assert main(["--db", str(db), "demo", "--if-needed", *TINY_DEMO, "--json"]) == 0
    built = json.loads(capsys.readouterr().out)
    assert built["built"] is True and built["customers"] == 600
    store = Store(db)
    assert demo_is_complete(db)
    assert store.query("SELECT value FROM meta WHERE key = 'demo_built'")["value"].tolist() == [
        "seed 42"
    ]
    assert store.table_counts()["customer_scores"] > 0
    version = store.data_version()
    assert main(["--db", str(db), "demo", "--if-needed", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["built"] is False
    assert store.data_version() == version
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geocrm.duckdb"]


def test_a_rebuilt_demo_keeps_saved_segments_and_moves_the_data_version_on(
    new_store: StoreProtocol, capsys: pytest.CaptureFixture[str]
) -> None:
    db = new_store.location  # a file, or a server database (built in one transaction)
    assert main(["--db", db, "demo", *TINY_DEMO]) == 0
    assert main(["--db", db, "segment", "save", "north", "--kind", "customer"]) == 0
    version = store_at(db).data_version()
    assert main(["--db", db, "demo", "--seed", "5", *TINY_DEMO]) == 0
    capsys.readouterr()
    store = store_at(db)
    assert store.table_counts()["customers"] > 0 and demo_is_complete(db)
    assert store.query("SELECT name FROM segments")["name"].tolist() == ["north"]
    assert store.data_version() > version
    assert store.query("SELECT value FROM meta WHERE key = 'demo_built'")["value"][0] == "seed 5"


@pytest.mark.parametrize("step", ["storing the demo business", "assigning to county", "assigned"])
def test_a_demo_build_killed_half_way_leaves_the_database_as_it_was(
    step: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "geocrm.duckdb"
    assert main(["--db", str(db), "demo", "--seed", "3", *TINY_DEMO]) == 0
    capsys.readouterr()
    before = Store(db).table_counts(), Store(db).data_version()
    kill_cli_at(step, "--db", str(db), "demo", *TINY_DEMO)
    assert (Store(db).table_counts(), Store(db).data_version()) == before
    assert demo_is_complete(db)
    # The next build clears what the killed one left and completes.
    assert main(["--db", str(db), "demo", *TINY_DEMO]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geocrm.duckdb"]


def test_a_first_demo_build_killed_half_way_leaves_no_database(tmp_path: Path) -> None:
    db = tmp_path / "geocrm.duckdb"
    kill_cli_at("assigning to county", "--db", str(db), "demo", *TINY_DEMO)
    assert not db.exists() and not demo_is_complete(db)
    assert main(["--db", str(db), "demo", "--if-needed", *TINY_DEMO]) == 0
    assert demo_is_complete(db)


def test_a_demo_build_waits_for_this_process_to_finish_reading_before_it_swaps_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import geo.store.duckdb_store
    from geo.demo.database import build_demo_file

    db = tmp_path / "geocrm.duckdb"
    sizes: DemoSizes = {"customers": 200, "prospects": 400, "order_lines": 2000}
    build_demo_file(db, seed=3, **sizes)
    old_file = db.stat().st_ino
    reading, release, swap_waits = threading.Event(), threading.Event(), threading.Event()
    seen: list[str] = []
    real_sleep = geo.store.duckdb_store.time.sleep

    def sleep_and_say_so(seconds: float) -> None:
        swap_waits.set()
        real_sleep(seconds)

    monkeypatch.setattr(geo.store.duckdb_store.time, "sleep", sleep_and_say_so)

    def session_reading() -> None:  # another session of the app, mid-way through a read
        with Store(db).connect() as con:
            reading.set()
            release.wait(30)
            row = con.execute("SELECT value FROM meta WHERE key = 'demo_built'").fetchone()
            assert row is not None
            seen.append(row[0])

    reader = threading.Thread(target=session_reading)
    reader.start()
    assert reading.wait(30)
    builder = threading.Thread(target=lambda: build_demo_file(db, seed=5, **sizes))
    builder.start()
    assert swap_waits.wait(60)
    assert db.stat().st_ino == old_file  # not swapped under the reading session
    release.set()
    reader.join(30)
    builder.join(60)
    assert seen == ["seed 3"]
    assert db.stat().st_ino != old_file
    assert (
        Store(db).query("SELECT value FROM meta WHERE key = 'demo_built'")["value"][0] == "seed 5"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["geocrm.duckdb"]


def test_a_demo_of_one_batch_is_the_demo_as_ever() -> None:
    (batch,) = demo_batches(50_000, 150_000, 500_000, 42)
    assert (batch.seed, batch.customers, batch.prospects, batch.order_lines) == (
        42,
        50_000,
        150_000,
        500_000,
    )
    assert (batch.first_customer, batch.first_prospect, batch.first_order) == (1, 1, 1)


def test_batches_share_the_sizes_and_number_their_ids_one_after_another() -> None:
    batches = demo_batches(10_000_001, 3, 50_000_005, 5)
    assert len(batches) == 11
    assert sum(b.customers for b in batches) == 10_000_001
    assert sum(b.prospects for b in batches) == 3
    assert sum(b.order_lines for b in batches) == 50_000_005
    for earlier, later in itertools.pairwise(batches):
        assert later.first_customer == earlier.first_customer + earlier.customers
        assert later.first_order == earlier.first_order + earlier.order_lines
    assert len({b.seed for b in batches}) == 11


def test_a_demo_built_in_batches_has_unique_ids_and_every_customer_assigned(
    new_store: StoreProtocol, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_database, "BATCH_PEOPLE", 700)
    counts = demo_database.build_demo_database(
        new_store, seed=3, customers=2_000, prospects=1_000, order_lines=9_000
    )
    assert counts["customers"] == 3_000 and counts["sales"] == 9_000
    people = new_store.query("SELECT customer_id, kind FROM customers")
    assert people["customer_id"].is_unique
    assert (people["kind"] == "customer").sum() == 2_000
    orders = new_store.query("SELECT order_id, customer_id FROM sales")
    # An order's lines are one customer's: order IDs of two batches never meet.
    assert orders.groupby("order_id")["customer_id"].nunique().max() == 1
    assert set(orders["customer_id"]) <= set(people["customer_id"])
    assigned = new_store.query("SELECT count(*) AS n FROM assignments WHERE level = 'county'")
    assert int(assigned["n"].iloc[0]) == 3_000
