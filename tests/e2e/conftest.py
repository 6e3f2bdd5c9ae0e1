"""Browser tests: the app served on 127.0.0.1, driven by Debian's Chromium through Playwright.

Every request to anything but the loopback address is aborted and recorded, so these tests
prove the app works with no internet. Readiness is polled, never slept for.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from geo.store.duckdb_store import DuckDBStore
from geo.store.opening import store_at
from geo.store.protocol import Store

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Route

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
STARTUP_SECONDS = 90

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_store(demo_file_store: DuckDBStore) -> DuckDBStore:
    """Browser tests serve the demo file (the team store has browser tests of its own)."""
    return demo_file_store


@dataclass
class ServedApp:
    url: str
    store: Store
    process: subprocess.Popen[bytes]


@dataclass
class Browsing:
    """A page plus what it tried to fetch from outside, any script dialogs it raised, and
    every console error and uncaught script error of the page and its frames (the map)."""

    page: Page
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def serve_app(
    db: Path | str,
    log: Path,
    script: Path | None = None,
    *,
    port: int | None = None,
    options: Sequence[str] = (),
) -> ServedApp:
    """Serve ``script`` (default app.py) on a free loopback port (or ``port``), on the
    database ``db`` (a file, or a server's URL), with more Streamlit ``options``
    (``["--secrets.files", path]``); wait until healthy."""
    if not (ROOT / "static" / "vendor").is_dir():
        pytest.skip("map assets missing: run `make install` first")
    port = port or free_port()
    env = {**os.environ, "GEOCRM_DB": str(db), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ui.serve", str(ROOT / (script or "app.py")),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return ServedApp(url, store_at(str(db)), process)
        except OSError:
            time.sleep(0.2)  # polling interval, not a wait for the app
    process.kill()
    raise RuntimeError("streamlit did not become healthy in time")


def wait_until_settled(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until the app has finished its run (the running indicator is gone)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stStatusWidget]') && "
        "!document.querySelector('[data-testid=stSkeleton]')",
        timeout=timeout_ms,
    )


def stop_app(app: ServedApp) -> None:
    """Stop the served app by its PID: politely, then for sure (a loaded machine can keep a
    running script from ending within the grace time)."""
    app.process.terminate()
    try:
        app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait(timeout=30)


@pytest.fixture(scope="session")
def served_demo(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    app = serve_app(demo_store.location, tmp_path_factory.mktemp("logs") / "streamlit.log")
    yield app
    stop_app(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def is_base_path_probe(url: str) -> bool:
    """Streamlit's page, opened at a page's own address (``/export``), first asks whether
    the server lives under that path (``/export/_stcore/health``); the 404 answer is how it
    learns it does not, and Chromium logs it as an error. Only that probe is let through."""
    path = urlparse(url).path
    return path.endswith(("/_stcore/health", "/_stcore/host-config")) and path.count("/") > 2


@pytest.fixture
def browsing(browser: Browser) -> Iterator[Browsing]:
    context = browser.new_context(viewport={"width": 1400, "height": 950}, accept_downloads=True)
    page = context.new_page()
    result = Browsing(page)

    def only_loopback(route: Route) -> None:
        url = route.request.url
        host = urlparse(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            result.blocked.append(url)
            route.abort()

    context.route("**/*", only_loopback)

    def on_dialog(dialog: Dialog) -> None:
        result.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_console(message: ConsoleMessage) -> None:
        where = message.location.get("url", "")
        if message.type == "error" and not is_base_path_probe(where):
            result.errors.append(f"console: {message.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: result.errors.append(f"uncaught: {error}"))
    yield result
    context.close()
    # Every browser test also proves the pages it opened raised no script error.
    assert result.errors == [], result.errors
