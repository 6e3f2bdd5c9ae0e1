"""Schema versions: an older database is upgraded in place by one writer and keeps every row;
a newer one is refused and left as it is; ``status`` names the engine and the version."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import pytest

from geo.analytics.scores import score_state
from geo.cli import EXIT_INPUT, main
from geo.errors import InputError
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.derived_tables import SCORES_FORMAT, money_sum, scores_sql
from geo.store.dialect import DUCKDB
from geo.store.duckdb_store import DuckDBStore
from geo.store.opening import open_store, store_at
from geo.store.protocol import Store
from geo.store.rollups import ROLLUP_TABLES
from geo.store.scope import BATCH_TABLES, FIX_TABLES, TERRITORY_TABLES
from geo.store.tables import (
    ACCESS_TABLES,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    schema_version_of,
    set_meta,
    upgrade_schema,
)
from tests.conftest import fill_tiny_business
from tests.stores import postgres_database

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS_RELEASE = Path(__file__).parent / "data" / "previous_release.duckdb.gz"


def version_of(store: Store) -> int:
    with store.snapshot() as reader:
        return schema_version_of(reader)


def every_row(store: Store) -> dict[str, pd.DataFrame]:
    """Every stored row of every table (not the columns the engine derives itself), in one
    order whatever order the engine keeps them in; read in one snapshot."""
    rows = {}
    with store.snapshot() as reader:
        for table in TABLES:
            frame = reader.query(f"SELECT * FROM {table}")
            frame = frame.drop(
                columns=[c for c in frame.columns if c in reader.dialect.derived_columns]
            )
            for name in frame.columns:  # WKB as bytes, whichever buffer type the driver gives
                buffers = frame[name].map(lambda v: isinstance(v, (bytearray, memoryview)))
                if frame[name].dtype == object and buffers.any():
                    frame[name] = frame[name].map(bytes)
            rows[table] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return rows


def assert_same_rows(
    before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame], tables: list[str]
) -> None:
    # Every row and column that was there is kept as it was; later steps may add columns
    # (segments gain their revision in step 3).
    for table in tables:
        kept_columns = after[table][list(before[table].columns)]
        pd.testing.assert_frame_equal(kept_columns, before[table], obj=table)


@contextmanager
def unopened_store(engine: str, folder: Path) -> Iterator[Store]:
    """A store of ``engine`` that no GeoCRM opened yet: no tables, no schema version."""
    if engine == "duckdb":
        yield store_at(str(folder / "unopened.duckdb"))
        return
    with postgres_database() as url:
        yield store_at(url)


# -- a database made by the previous release ---------------------------------------------


@pytest.fixture
def previous_release_file(tmp_path: Path) -> Path:
    """A copy of the file the previous release wrote (tests/data/README.md)."""
    path = tmp_path / "previous.duckdb"
    with gzip.open(PREVIOUS_RELEASE) as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def mis_summed_orders(store: Store) -> int:
    """Orders whose amount is not the money sum of their lines, as this release stores it."""
    return int(
        store.scalar(
            "SELECT count(*) FROM orders o JOIN (SELECT order_id, customer_id, "
            f"{money_sum('amount', store.dialect)} AS amount FROM sales "
            "GROUP BY order_id, customer_id) AS s "
            "ON s.order_id = o.order_id AND s.customer_id = o.customer_id "
            "WHERE o.amount <> s.amount"
        )
    )


def test_a_file_of_the_previous_release_is_upgraded_in_place_and_keeps_every_row(
    previous_release_file: Path,
) -> None:
    as_written = store_at(str(previous_release_file))  # read as it is, nothing upgraded
    before = every_row(as_written)
    counts_before = as_written.table_counts()
    assert version_of(as_written) == 0
    assert not score_state(as_written).current
    assert mis_summed_orders(as_written) > 0
    assert counts_before["segments"] == 2 and counts_before["import_log"] == 1
    assert counts_before["export_log"] == 1 and counts_before["customers"] == 148

    assert upgrade_schema(as_written) == len(MIGRATIONS)

    store = open_store(str(previous_release_file))
    assert isinstance(store, DuckDBStore) and store.path == previous_release_file
    assert version_of(store) == SCHEMA_VERSION
    assert store.table_counts() == counts_before
    after = every_row(store)
    kept = [t for t in TABLES if t not in ("orders", "customer_scores")]
    assert_same_rows(before, after, kept)
    # The derived tables are of this release's format: orders summed as money, scores
    # recomputed from them.
    pd.testing.assert_frame_equal(
        after["orders"].drop(columns="amount"), before["orders"].drop(columns="amount")
    )
    assert mis_summed_orders(store) == 0
    state = score_state(store)
    assert state.current and store.scalar("SELECT value FROM meta WHERE key = 'scores'").split("|")[
        2
    ] == str(SCORES_FORMAT)
    as_of = f"DATE '{state.as_of}'"
    expected = store.query(f"SELECT * FROM ({scores_sql(DUCKDB, as_of)}) AS s ORDER BY 1")
    pd.testing.assert_frame_equal(
        store.query("SELECT * FROM customer_scores ORDER BY customer_id"), expected
    )

    # Opened again: no step runs, nothing is written.
    data_version = store.data_version()
    assert upgrade_schema(store) == 0
    again = open_store(str(previous_release_file))
    assert version_of(again) == SCHEMA_VERSION and again.data_version() == data_version
    assert_same_rows(after, every_row(again), list(TABLES))

    # The app's reads work on it, and agree with its stored rows.
    filters = Filters(level="county")
    kpis = compute_area_kpis(again, filters)
    assert len(kpis) == 150
    located = before["assignments"].query("level == 'county' and location_status == 'in_area'")
    assert kpis["customers"].sum() + kpis["prospects"].sum() == len(located)
    headline = summarise_selection(again, filters)
    assert headline["rows"] == 148 and headline["no_location"] == 1
    assert headline["orders"] == counts_before["orders"]
    assert headline["sales_amount"] == pytest.approx(before["sales"]["amount"].sum(), abs=0.01)


# -- a database at an older version on either engine --------------------------------------


def test_a_database_at_version_1_is_upgraded_on_open_and_keeps_its_rows(
    engine: str, tmp_path: Path
) -> None:
    with unopened_store(engine, tmp_path) as store:
        with store.transaction() as tx:
            MIGRATIONS[0][2](tx)
            set_meta(tx, "schema_version", "1")
        fill_tiny_business(store)
        before = every_row(store)
        assert version_of(store) == 1
        if engine == "postgresql":
            assert not _geometry_columns(store) and not _gist_indexes(store)

        opened = open_store(store.location)
        assert version_of(opened) == SCHEMA_VERSION
        assert_same_rows(before, every_row(opened), list(TABLES))
        if engine == "postgresql":
            assert _geometry_columns(opened) == {("areas", "geom"), ("customers", "geom")}
            assert _gist_indexes(opened) == {
                ("areas", "areas_geom"),
                ("customers", "customers_geom"),
            }
            # The geometries are those of the stored rows: PostGIS finds c1 and c3 in A
            # (c3 on the A|B edge touches both), c2, p1 and p2 in B.
            inside = opened.query(
                "SELECT a.area_id, c.customer_id FROM areas a JOIN customers c "
                "ON a.geom && c.geom AND ST_Intersects(a.geom, c.geom) "
                "WHERE a.level = 'county' ORDER BY 1, 2"
            )
            assert list(zip(inside["area_id"], inside["customer_id"], strict=True)) == [
                ("A", "c1"),
                ("A", "c3"),
                ("B", "c2"),
                ("B", "c3"),
                ("B", "p1"),
                ("B", "p2"),
            ]


def _geometry_columns(store: Store) -> set[tuple[str, str]]:
    frame = store.query(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND udt_name = 'geometry'"
    )
    return set(zip(frame["table_name"], frame["column_name"], strict=True))


def _gist_indexes(store: Store) -> set[tuple[str, str]]:
    frame = store.query(
        "SELECT tablename, indexname FROM pg_indexes "
        "WHERE schemaname = 'public' AND indexdef LIKE '%USING gist%'"
    )
    return set(zip(frame["tablename"], frame["indexname"], strict=True))


# -- one writer upgrades -----------------------------------------------------------------

#: A process that opens the store at argv[1] as soon as the test says go (a line on its
#: input), and prints how many upgrade steps it ran.
OPENING_PROCESS = """
import sys
from geo.store.opening import store_at
from geo.store.tables import upgrade_schema

store = store_at(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
print(upgrade_schema(store), flush=True)
"""


def test_two_processes_opening_a_new_database_at_once_upgrade_it_once(
    engine: str, tmp_path: Path
) -> None:
    with unopened_store(engine, tmp_path) as store:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "GEOCRM_LOCK_WAIT_SECONDS": "60"}
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPENING_PROCESS, store.location],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for _ in range(2)
        ]
        try:
            for process in processes:  # both have imported everything: they start together
                assert process.stdout is not None and process.stdout.readline() == "ready\n"
            for process in processes:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            results = [process.communicate(timeout=120) for process in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        assert [p.returncode for p in processes] == [0, 0], [err for _, err in results]
        steps = sorted(int(out) for out, _ in results)
        assert steps == [0, len(MIGRATIONS)]
        assert version_of(store) == SCHEMA_VERSION
        assert store.table_counts() == dict.fromkeys(TABLES, 0)


# -- a newer database is refused ---------------------------------------------------------


def _mark_newer(store: Store) -> None:
    with store.transaction() as tx:
        set_meta(tx, "schema_version", str(SCHEMA_VERSION + 1))


def test_a_database_of_a_newer_schema_is_refused_and_left_unchanged(
    tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    _mark_newer(tiny_store)
    before = every_row(tiny_store)
    meta_before = _meta(tiny_store)

    with pytest.raises(InputError) as refused:
        open_store(tiny_store.location)
    message = str(refused.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer GeoCRM" in message and tiny_store.shown in message

    assert main(["--db", tiny_store.location, "status"]) == EXIT_INPUT
    out, err = capsys.readouterr()
    assert out == "" and "newer GeoCRM" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert main(["--db", tiny_store.location, "status", "--json"]) == EXIT_INPUT
    out, err = capsys.readouterr()
    assert "newer GeoCRM" in json.loads(out)["error"]

    assert _meta(tiny_store) == meta_before
    assert_same_rows(before, every_row(tiny_store), list(TABLES))


def _meta(store: Store) -> dict[str, str]:
    frame = store.query("SELECT key, value FROM meta")
    return dict(zip(frame["key"], frame["value"], strict=True))


def test_a_newer_file_is_refused_even_when_nobody_may_write_it(
    tiny_file_store: DuckDBStore,
) -> None:
    _mark_newer(tiny_file_store)
    tiny_file_store.path.chmod(0o444)
    try:
        assert not tiny_file_store.writable
        with pytest.raises(InputError, match="newer GeoCRM"):
            open_store(tiny_file_store.location)
    finally:
        tiny_file_store.path.chmod(0o644)


def test_the_command_line_refuses_a_newer_database_without_a_traceback(
    tiny_store: Store,
) -> None:
    _mark_newer(tiny_store)
    done = subprocess.run(
        [sys.executable, "-m", "geo", "--db", tiny_store.location, "status"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_INPUT and done.stdout == ""
    assert done.stderr.startswith("geocrm: error: the database ")
    assert "newer GeoCRM" in done.stderr and "Traceback" not in done.stderr


# -- status ------------------------------------------------------------------------------


def test_status_shows_the_engine_the_location_and_the_schema_version(
    tiny_store: Store, engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    location, secret = tiny_store.location, "s3cret-word"
    if engine == "postgresql":
        location, secret = _with_password(location, secret)
    shown_engine = {"duckdb": "DuckDB", "postgresql": "PostgreSQL"}[engine]

    assert main(["--db", location, "status"]) == 0
    text, _ = capsys.readouterr()
    first, second = text.splitlines()[:2]
    assert first == f"database {tiny_store.shown}"
    assert second == f"  engine {shown_engine}, schema version {SCHEMA_VERSION}"
    assert main(["--db", location, "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == shown_engine and out["schema_version"] == SCHEMA_VERSION
    assert out["database"] == tiny_store.shown and out["tables"]["customers"] == 7
    assert secret not in text + json.dumps(out)
    if engine == "duckdb":
        assert out["database"] == "store.duckdb" and str(tiny_store.work_dir) not in text
    else:
        assert out["database"].startswith("postgresql://") and "@" in out["database"]


def _with_password(url: str, password: str) -> tuple[str, str]:
    """``url`` with a password in it, and that password: the URL's own if it has one (the
    server needs it), else ``password`` (a server that trusts loopback ignores it)."""
    parts = urlsplit(url)
    if parts.password:
        return url, parts.password
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")), password


def test_the_app_says_plainly_that_a_newer_database_cannot_be_opened(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.app_sessions import open_with_link
    from ui.inert_text import inert

    _mark_newer(tiny_store)
    monkeypatch.setenv("GEOCRM_DB", tiny_store.location)
    at = open_with_link({})  # asserts that no exception (no traceback) reached the page
    errors = [e.value for e in at.error]
    assert errors == [
        inert(
            f"the database {tiny_store.shown} was written by a newer GeoCRM "
            f"(schema version {SCHEMA_VERSION + 1}; this GeoCRM knows up to "
            f"{SCHEMA_VERSION}). Open it with that GeoCRM or a newer one; "
            "it was left unchanged"
        )
    ]
    assert version_of(tiny_store) == SCHEMA_VERSION + 1


def test_a_file_of_the_previous_release_ends_with_the_tables_and_columns_of_a_new_one(
    previous_release_file: Path, tmp_path: Path
) -> None:
    # A column added to a table without a step of its own reaches new databases only: this
    # is where that shows.
    def columns_of(store: Store) -> pd.DataFrame:
        return store.query(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, column_name"
        )

    upgraded = open_store(str(previous_release_file))
    new = open_store(str(tmp_path / "new.duckdb"))
    pd.testing.assert_frame_equal(columns_of(upgraded), columns_of(new))
    assert set(columns_of(new)["table_name"]) == {
        "meta",
        *TABLES,
        *ACCESS_TABLES,
        *ROLLUP_TABLES,
        *TERRITORY_TABLES,
        *BATCH_TABLES,
        *FIX_TABLES,
    }


def test_the_first_command_on_a_file_of_the_previous_release_upgrades_it(
    previous_release_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", str(previous_release_file), "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["engine"] == "DuckDB" and out["schema_version"] == SCHEMA_VERSION
    assert out["database"] == "previous.duckdb" and out["tables"]["customers"] == 148
    assert out["levels"] == ["territory", "state", "county"]
    assert version_of(store_at(str(previous_release_file))) == SCHEMA_VERSION
