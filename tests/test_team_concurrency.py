"""Several app processes on one database: an import elsewhere is seen at the next rerun, a
long write never blocks readers, and the team store's connections are pooled and bounded.

Saved segments edited from two places at once: tests/test_saved_segment_revisions.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from geo.errors import InputError, StoreBusyError
from geo.segments.area_kpis import summarise_selection
from geo.segments.filters import Filters
from geo.store.opening import store_at
from geo.store.postgres_store import PostgreSQLStore, close_pool, pool_size
from geo.store.protocol import Store
from tests.app_sessions import ROOT, open_with_link
from tests.other_process import STOPPING_CLI
from tests.stores import empty_store
from tests.tiny_business import tiny_customers

#: How long a thread in these tests may take before the test fails, in seconds (a loaded
#: two-core machine; each read takes milliseconds).
PATIENCE = 60


@pytest.fixture
def team_store(tmp_path: Path) -> Iterator[PostgreSQLStore]:
    """An empty database of this test's own on the PostgreSQL server."""
    with empty_store("postgresql", tmp_path) as store:
        assert isinstance(store, PostgreSQLStore)
        yield store


def _poll(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"waited {PATIENCE} s for {what}"
        time.sleep(0.01)


# -- 2. an import in another process is seen at the next rerun ----------------------------


def _new_customers(folder: Path, count: int) -> Path:
    """A customer file of ``count`` new customers in New York City (WGS84 degrees)."""
    path = folder / "new-customers.csv"
    lines = ["id,name,lat,lon"] + [
        f"team-new-{i:03d},New {i},{40.70 + i / 1000:.3f},-74.000" for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_import_in_another_process_shows_at_the_next_rerun(
    demo_copy: Store, tmp_path: Path
) -> None:
    at = open_with_link({"level": "state"})  # an app session on the database (GEOCRM_DB)
    before = summarise_selection(demo_copy, Filters(level="state"))["customers"]
    assert _customers_shown(at) == f"{before:,}"
    version = demo_copy.data_version()
    # The command line, in a process of its own, imports into the same database while the
    # session is open; it stops inside its write transaction until its stdin is closed.
    importing = subprocess.Popen(
        [
            sys.executable,
            "-c",
            STOPPING_CLI,
            "assigning to",
            "--db",
            demo_copy.location,
            "import",
            "customers",
            str(_new_customers(tmp_path, 3)),
            "--json",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert importing.stdout is not None
        assert importing.stdout.readline().startswith("stopped at assigning to")
        if isinstance(demo_copy, PostgreSQLStore):
            # On a server both run at once: the session reruns meanwhile, unblocked, and
            # sees the state before the import. (A file is held by one process at a time.)
            at.run()
            assert not at.exception, at.exception
            assert _customers_shown(at) == f"{before:,}"
        _, errors = importing.communicate("", timeout=300)  # the import goes on, commits
    finally:
        if importing.returncode is None:
            importing.kill()
            importing.wait()
    assert importing.returncode == 0, errors
    assert demo_copy.data_version() > version
    after = summarise_selection(demo_copy, Filters(level="state"))["customers"]
    assert after == before + 3
    at.run()  # the session's next rerun
    assert not at.exception, at.exception
    assert _customers_shown(at) == f"{after:,}"


def _customers_shown(at: AppTest) -> str:
    """The Map page's headline customer count, as shown."""
    return str(next(m.value for m in at.metric if m.label == "Customers"))


# -- 3. a long write never blocks readers --------------------------------------------------


def test_readers_in_other_threads_go_on_while_a_write_is_held_open(tiny_store: Store) -> None:
    before = int(tiny_store.scalar("SELECT count(*) FROM customers"))
    newcomer = tiny_customers().head(1).assign(customer_id="c-new", name="Newcomer")
    seen_during: list[int] = []

    def read() -> None:
        # A store object of the reader's own, as another session's.
        count = store_at(tiny_store.location).scalar("SELECT count(*) FROM customers")
        seen_during.append(int(count))

    with tiny_store.transaction() as tx:
        tiny_store.upsert_customers(tx, newcomer)
        assert tx.scalar("SELECT count(*) FROM customers") == before + 1
        readers = [threading.Thread(target=read) for _ in range(4)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=PATIENCE)
        # Every read finished while the write was still open, seeing the state before it.
        assert not any(r.is_alive() for r in readers)
        assert seen_during == [before] * 4
    assert tiny_store.scalar("SELECT count(*) FROM customers") == before + 1


# -- 4. a bounded pool ---------------------------------------------------------------------


def _connections_of_the_app(store: PostgreSQLStore) -> int:
    """Connections to the store's database named as GeoCRM's, seen by the server."""
    database = store.url.rsplit("/", 1)[1]
    with psycopg.connect(store.url, autocommit=True) as monitor:
        row = monitor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'geocrm' "
            "AND datname = %s",
            [database],
        ).fetchone()
    return int(row[0]) if row else 0


def _fresh_pool(store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """The process's pool of the store made again, now with ``size`` connections at most."""
    monkeypatch.setenv("GEOCRM_DB_POOL_SIZE", str(size))
    close_pool(store.url)
    _poll(lambda: _connections_of_the_app(store) == 0, "the old pool's connections to end")


def test_sixteen_readers_share_a_pool_of_two_connections(
    team_store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh_pool(team_store, monkeypatch, 2)
    inside: list[int] = []
    release = threading.Event()
    outcomes: list[Any] = []

    def read(i: int) -> None:
        try:
            with team_store.snapshot() as reader:
                value = reader.scalar("SELECT count(*) FROM customers")
                inside.append(i)
                release.wait(timeout=PATIENCE)  # holds its connection until released
            outcomes.append(value)
        except BaseException as exc:  # what each reader met is what the test checks
            outcomes.append(exc)

    readers = [threading.Thread(target=read, args=(i,)) for i in range(16)]
    for reader in readers:
        reader.start()
    # Two readers hold the pool's two connections; the fourteen others wait for one.
    _poll(lambda: len(inside) == 2, "two readers inside")
    assert _connections_of_the_app(team_store) == 2
    assert len(inside) == 2
    most = [2]
    watching = threading.Event()

    def watch() -> None:
        while not watching.is_set():
            most.append(_connections_of_the_app(team_store))

    watcher = threading.Thread(target=watch)
    watcher.start()
    release.set()
    for reader in readers:
        reader.join(timeout=PATIENCE)
    watching.set()
    watcher.join(timeout=PATIENCE)
    assert not any(r.is_alive() for r in readers)
    assert outcomes == [0] * 16  # every read succeeded
    assert max(most) == 2


def test_an_exhausted_pool_waits_then_says_the_database_is_busy(
    team_store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fresh_pool(team_store, monkeypatch, 2)
    assert team_store.table_counts()["customers"] == 0  # the pool is made (default wait)
    monkeypatch.setenv("GEOCRM_POOL_WAIT_SECONDS", "0.3")  # read at each borrow
    with team_store.snapshot(), team_store.snapshot():
        started = time.monotonic()
        with pytest.raises(StoreBusyError) as busy:
            team_store.table_counts()
        waited = time.monotonic() - started
    # The wait set now, not the 120 s default the pool was made with.
    assert 0.3 <= waited < 10
    assert str(busy.value) == "the database is busy with an import; try again when it ends"
    assert team_store.table_counts()["customers"] == 0  # free again


@pytest.mark.parametrize("text", ["many", "0", "-3", "2.5"])
def test_a_pool_size_that_is_not_a_count_is_refused_plainly(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOCRM_DB_POOL_SIZE", text)
    with pytest.raises(InputError) as refused:
        pool_size()
    assert str(refused.value) == (
        f"GEOCRM_DB_POOL_SIZE is '{text}'. Set it to a whole number of connections, "
        "1 or more (default 8)"
    )
    monkeypatch.setenv("GEOCRM_DB_POOL_SIZE", " 3 ")
    assert pool_size() == 3


def test_a_table_locked_by_another_program_makes_a_writer_busy_not_unreachable(
    team_store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.segments.saved import list_segment_names, save_segment
    from geo.segments.segment import Segment

    monkeypatch.setenv("GEOCRM_LOCK_WAIT_SECONDS", "0.3")
    with psycopg.connect(team_store.url) as other:  # e.g. a maintenance job, mid-transaction
        other.execute("LOCK TABLE segments IN EXCLUSIVE MODE")  # reads go on, writes wait
        assert list_segment_names(team_store) == []
        with pytest.raises(StoreBusyError) as busy:
            save_segment(team_store, Segment(Filters(kind="prospect")), "Waits")
        other.rollback()
    assert str(busy.value) == "the database is busy with an import; try again when it ends"
    assert save_segment(team_store, Segment(Filters(kind="prospect")), "Waits").revision == 1


def test_a_role_without_rights_is_told_plainly_what_was_refused(
    tiny_store: Store, engine: str
) -> None:
    if engine != "postgresql":
        pytest.skip("rights are the server's")
    role = "geocrm_test_no_rights"
    database = tiny_store.location.rsplit("/", 1)[1]
    with psycopg.connect(tiny_store.location, autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {role}")
    parts = tiny_store.location.split("://", 1)[1].split("@", 1)[1]
    url = f"postgresql://{role}@{parts}"
    try:
        with pytest.raises(InputError) as refused:
            PostgreSQLStore(url).table_counts()
        message = str(refused.value)
        assert "refused: permission denied for table" in message
        assert "README" in message and "Traceback" not in message
    finally:
        close_pool(url)
        with psycopg.connect(tiny_store.location, autocommit=True) as admin:
            admin.execute(f"REVOKE ALL ON DATABASE {database} FROM {role}")
            admin.execute(f"DROP ROLE IF EXISTS {role}")
