"""Many users at once: ten browser sessions open the Map while the command line imports
customers into the same database. Nobody sees an exception and the import succeeds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest

from geo.store.duckdb_store import Store
from tests.e2e.conftest import ROOT, ServedApp, serve_app, stop_app
from tests.e2e.test_browser import MAP_FRAME, WAIT_MS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, ViewportSize

pytestmark = pytest.mark.browser
SESSIONS = 10
APP_LOCK_WAIT_SECONDS = 1
#: The import waits long enough for ten sessions' operations to let go of the file.
IMPORT_LOCK_WAIT_SECONDS = 120
NEW_CUSTOMERS = 20_000


@pytest.fixture
def served_copy(
    demo_copy: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServedApp]:
    """A copy of the demo of its own (this test imports into it), served by an app that
    waits only a second for the file, so its sessions do meet a busy database."""
    monkeypatch.setenv("GEOCRM_LOCK_WAIT_SECONDS", str(APP_LOCK_WAIT_SECONDS))
    app = serve_app(demo_copy.location, tmp_path / "streamlit.log")
    yield app
    stop_app(app)


def _new_customers(path: Path) -> Path:
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "id": [f"NEW{i:06d}" for i in range(NEW_CUSTOMERS)],
            "name": [f"New customer {i}" for i in range(NEW_CUSTOMERS)],
            "lat": rng.uniform(30, 45, NEW_CUSTOMERS).round(5),
            "lon": rng.uniform(-115, -80, NEW_CUSTOMERS).round(5),
        }
    ).to_csv(path, index=False)
    return path


def _shows_a_failure(page: Page) -> bool:
    exceptions = page.locator('[data-testid="stException"]').count()
    return bool(exceptions) or "Traceback" in page.content()


def _map_painted(page: Page) -> bool:
    legend = page.frame_locator(MAP_FRAME).locator(".geocrm-legend")
    return bool(legend.count())


def _wait_until_painted(pages: list[Page], waited: set[int]) -> tuple[list[int], list[int]]:
    """Sessions that showed an exception, and those whose map never painted in time; adds
    to ``waited`` those seen saying the database is busy.

    Stops at the first exception seen."""
    deadline = time.monotonic() + WAIT_MS / 1000 * 2
    waiting = set(range(len(pages)))
    failures: list[int] = []
    while waiting and not failures and time.monotonic() < deadline:
        for i in sorted(waiting):
            if "busy with an import" in pages[i].content():
                waited.add(i)
            if _shows_a_failure(pages[i]):
                failures.append(i)
            elif _map_painted(pages[i]):
                waiting.discard(i)
        pages[0].wait_for_timeout(250)  # polling interval
    failures += [i for i, page in enumerate(pages) if i not in failures and _shows_a_failure(page)]
    return failures, sorted(waiting)


def test_ten_sessions_open_the_map_while_the_command_line_imports(
    browser: Browser, served_copy: ServedApp, tmp_path: Path
) -> None:
    before = served_copy.store.table_counts()["customers"]
    viewport: ViewportSize = {"width": 1200, "height": 800}
    contexts = [browser.new_context(viewport=viewport) for _ in range(SESSIONS)]
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:", "about:")) or urlparse(url).hostname in (
            "127.0.0.1",
            "localhost",
        ):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    try:
        for context in contexts:
            context.route("**/*", only_loopback)
        pages = [context.new_page() for context in contexts]
        customers = _new_customers(tmp_path / "new-customers.csv")
        imported = subprocess.Popen(
            [sys.executable, "-m", "geo", "--db", served_copy.store.location, "import",
             "customers", str(customers), "--json"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "GEOCRM_LOCK_WAIT_SECONDS": str(IMPORT_LOCK_WAIT_SECONDS)},
        )  # fmt: skip
        for page in pages:
            page.goto(served_copy.url, wait_until="commit")
        # Every session ends with its map painted, whether it waited for the import or not.
        waited: set[int] = set()
        during = _wait_until_painted(pages, waited)
        out, err = imported.communicate(timeout=WAIT_MS / 1000)
        # Right after an import, all at once again (their cached views are out of date).
        for page in pages:
            page.reload(wait_until="commit")
        after = _wait_until_painted(pages, waited)
    finally:
        for context in contexts:
            context.close()
    assert imported.returncode == 0, err
    assert '"imported": 20000' in out
    assert served_copy.store.table_counts()["customers"] == before + NEW_CUSTOMERS
    assert during == after == ([], []), f"(showed an exception, never painted): {during} {after}"
    assert blocked == []
    # Whether a session met the import depends on timing; when one did, it said so plainly.
    print(f"sessions that waited for the import: {sorted(waited)}")
