"""A team on one PostgreSQL database: two app processes, one import through the Data page
of one of them, and the other shows it at its next rerun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from tests.e2e.conftest import Browsing, ServedApp, serve_app, stop_app, wait_until_settled
from tests.e2e.test_browser import MAP_FRAME
from tests.stores import copy_of

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
WAIT_MS = 90_000
NEW_CUSTOMERS = 7


@pytest.fixture
def team_database(demo_file_store: DuckDBStore, tmp_path: Path) -> Iterator[Store]:
    """The small demo copied into a server database of this test's own."""
    with copy_of(demo_file_store, "postgresql", tmp_path) as store:
        yield store


@pytest.fixture
def two_apps(team_database: Store, tmp_path: Path) -> Iterator[tuple[ServedApp, ServedApp]]:
    first = serve_app(team_database.location, tmp_path / "first.log")
    try:
        second = serve_app(team_database.location, tmp_path / "second.log")
    except BaseException:
        stop_app(first)
        raise
    yield first, second
    stop_app(first)
    stop_app(second)


def _customers_shown(page: Page) -> str:
    """The Customers figure of the Map page's KPI panel, once the map has painted and the
    page has settled (the map reports its view back in a run of its own)."""
    page.frame_locator(MAP_FRAME).locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    metric = page.locator('[data-testid="stMetric"]', has_text="Customers").first
    metric.wait_for(timeout=WAIT_MS)
    return str(metric.locator('[data-testid="stMetricValue"]').inner_text()).strip()


def test_an_import_through_one_app_process_shows_in_the_other_at_its_next_rerun(
    browsing: Browsing, two_apps: tuple[ServedApp, ServedApp], team_database: Store, tmp_path: Path
) -> None:
    first, second = two_apps
    before = int(team_database.scalar("SELECT count(*) FROM customers WHERE kind = 'customer'"))
    page = browsing.page
    other = page.context.new_page()
    other.goto(second.url, wait_until="commit")
    assert _customers_shown(other) == f"{before:,}"

    # The data owner imports new customers through the first process's Data page.
    rows = "\n".join(f"NEW{i},New customer {i},40.7{i},-74.0{i}" for i in range(NEW_CUSTOMERS))
    upload = tmp_path / "new-customers.csv"
    upload.write_text(f"id,name,lat,lon\n{rows}\n")
    page.goto(f"{first.url}/data", wait_until="commit")
    wait_until_settled(page, WAIT_MS)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_role("button", name="Import", exact=True).click(timeout=WAIT_MS)
    imported = page.locator('[data-testid="stMetric"]', has_text="Imported").first
    imported.wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    assert imported.locator('[data-testid="stMetricValue"]').inner_text() == f"{NEW_CUSTOMERS}"
    after = f"{before + NEW_CUSTOMERS:,}"

    # The other process, at its next rerun, shows the new figure; so does the first.
    other.reload(wait_until="commit")
    assert _customers_shown(other) == after
    # The Data page stays as it is (leaving it while its uploader still talks to the server
    # only logs a lost rerun); the first process's Map opens beside it.
    first_map = page.context.new_page()
    first_map.goto(first.url, wait_until="commit")
    assert _customers_shown(first_map) == after
    for shown in (page, other, first_map):
        assert not shown.locator('[data-testid="stException"]').count()
    first_map.close()
    assert browsing.blocked == [] and browsing.errors == []
    other.close()
