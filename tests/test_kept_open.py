"""A store kept open for a page's run: the same reads, one opening of the file, and the
file free for another process as soon as the run ends."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from geo.store import duckdb_store
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store

#: Tries to open the file for writing from another process; prints what happened.
OTHER_PROCESS_OPENS = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1]).close()
except duckdb.IOException as exc:
    print("refused" if "lock" in str(exc).lower() else f"other: {exc}")
else:
    print("opened")
"""


def _other_process_opens(store: DuckDBStore) -> str:
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS_OPENS, str(store.path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip()


def test_reads_inside_the_block_are_the_reads_outside_it(tiny_store: Store) -> None:
    outside = (tiny_store.levels(), tiny_store.owner_names(), tiny_store.data_version())
    customers = tiny_store.query("SELECT * FROM customers ORDER BY customer_id")
    with tiny_store.kept_open(), tiny_store.kept_open():
        inside = (tiny_store.levels(), tiny_store.owner_names(), tiny_store.data_version())
        again = tiny_store.query("SELECT * FROM customers ORDER BY customer_id")
        with tiny_store.transaction() as tx:
            tiny_store.set_meta(tx, "kept", "open")
    assert inside == outside
    assert again.equals(customers)
    assert tiny_store.scalar("SELECT value FROM meta WHERE key = 'kept'") == "open"


def test_the_file_is_opened_once_for_every_read_of_the_block(
    tiny_file_store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    connect = duckdb_store.duckdb.connect

    def counting_connect(*args: Any, **kwargs: Any) -> Any:
        opened.append(str(args[0]))
        return connect(*args, **kwargs)

    monkeypatch.setattr(duckdb_store.duckdb, "connect", counting_connect)
    with tiny_file_store.kept_open():
        for _ in range(5):
            tiny_file_store.levels()
            tiny_file_store.area_counts()
    assert len(opened) == 1
    tiny_file_store.levels()
    assert len(opened) == 2  # the block's end released it


def test_another_process_waits_for_the_block_then_opens_the_file(
    tiny_file_store: DuckDBStore,
) -> None:
    with tiny_file_store.kept_open():
        assert _other_process_opens(tiny_file_store) == "refused"
    assert _other_process_opens(tiny_file_store) == "opened"
