"""Screenshots of every page, as a user sees them: each size and theme, in headless Chromium.

    python tools/screenshots.py --db data/geocrm.duckdb --out screenshots/

serves the app on a free loopback port, opens every page at 1440 x 900 and 1920 x 1080 in
the light and the dark theme and at 390 x 844 (a phone), waits until each page has finished
its run, and writes one PNG of the first screen per page, size and theme, and one of the whole page
where it is longer (``-whole.png``). Nothing outside the loopback address is fetched.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
PAGES = {
    "map": "",
    "areas": "areas",
    "customers": "customers",
    "trends": "trends",
    "contacts": "contacts",
    "customer": "customer",
    "export": "export",
    "data": "data",
    "quality": "quality",
    "help": "help",
    "present": "present",
}
SIZES = {"1440x900": (1440, 900), "1920x1080": (1920, 1080), "390x844": (390, 844)}
THEMES = ("light", "dark")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(db: Path | str, log: Path, theme: str = "light") -> tuple[str, subprocess.Popen[bytes]]:
    """Serve app.py on a free port in ``theme`` (the app's config sets light; dark is the
    same app served with the dark base); return its address once it answers its health check."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "ui.serve", str(ROOT / "app.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--theme.base", theme,
        ],
        cwd=ROOT,
        env={**os.environ, "GEOCRM_DB": str(db), "PYTHONPATH": str(ROOT)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return url, process
        except OSError:
            time.sleep(0.2)  # polling interval
    process.kill()
    raise SystemExit("the app did not start: see " + str(log))


def settle(page: object) -> None:
    """Wait until the page's run has finished: no running indicator, no placeholder, and the
    page unchanged for two seconds in a row (a run starts a moment after the page loads)."""
    page.wait_for_selector("[data-testid=stMain]", timeout=60_000)  # type: ignore[attr-defined]
    quiet_since, deadline = None, time.monotonic() + 180
    while time.monotonic() < deadline:
        busy = page.evaluate(  # type: ignore[attr-defined]
            "() => !!document.querySelector('[data-testid=stStatusWidget]') || "
            "!!document.querySelector('[data-testid=stSkeleton]')"
        )
        now = time.monotonic()
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= 2.0:
            return
        page.wait_for_timeout(200)  # type: ignore[attr-defined]  # polling interval


#: Pages that draw the map; it paints after the page's run, and again once it reports its zoom.
MAP_PAGES = ("map", "present")
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def settle_map(page: object) -> None:
    """Wait until the map has painted and its count discs have stayed the same for two
    seconds (the first ones are for a guessed zoom and are replaced when the map reports
    its own)."""
    frame = page.frame_locator(MAP_FRAME)  # type: ignore[attr-defined]
    frame.locator(".leaflet-overlay-pane canvas").first.wait_for(timeout=180_000)
    last, quiet_since, deadline = None, time.monotonic(), time.monotonic() + 60
    while time.monotonic() < deadline:
        live = next((f for f in page.frames if "st_folium" in f.url), None)  # type: ignore[attr-defined]
        now = (
            live.evaluate(
                "() => Array.from(document.querySelectorAll('.geocrm-cell'))"
                ".map((el) => el.textContent).join(',')"
            )
            if live
            else None
        )
        if now != last:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= 2.0:
            return
        page.wait_for_timeout(200)  # type: ignore[attr-defined]  # polling interval


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=str, required=True, help="a database file or a postgresql:// URL"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", nargs="*", default=list(PAGES))
    parser.add_argument("--sizes", nargs="*", default=list(SIZES))
    parser.add_argument("--themes", nargs="*", default=list(THEMES))
    parser.add_argument("--query", default="", help="query string added to every page")
    parser.add_argument("--first-screen", action="store_true", help="only the first screen")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for theme in args.themes:
            db = args.db if "://" in args.db else str(Path(args.db).resolve())
            url, process = serve(db, args.out / f"streamlit-{theme}.log", theme)
            try:
                for size in args.sizes:
                    if size == "390x844" and theme != args.themes[0]:
                        continue  # the phone is looked at in one theme
                    shoot(browser, url, args, size, theme)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        browser.close()


def shoot(browser: object, url: str, args: argparse.Namespace, size: str, theme: str) -> None:
    """Every chosen page at one size in one theme, one PNG each."""
    width, height = SIZES[size]
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": width, "height": height}, color_scheme=theme
    )
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(url) or route.request.url.startswith("data:")
            else route.abort()
        ),
    )
    page = context.new_page()
    for name in args.pages:
        query = f"?{args.query}" if args.query else ""
        page.goto(f"{url}/{PAGES[name]}{query}")
        settle(page)
        if name in MAP_PAGES:
            settle_map(page)
            settle(page)
        target = args.out / f"{name}-{size}-{theme}.png"
        page.screenshot(path=str(target))
        print(target)
        if not args.first_screen:
            # Streamlit scrolls inside its main block, so the whole page is shot in a window
            # as tall as that block's content.
            tall = page.evaluate(
                "() => document.querySelector('[data-testid=stMain]').scrollHeight"
            )
            if tall > height:
                page.set_viewport_size({"width": width, "height": min(int(tall), 6000)})
                settle(page)
                whole = args.out / f"{name}-{size}-{theme}-whole.png"
                page.screenshot(path=str(whole))
                print(whole)
                page.set_viewport_size({"width": width, "height": height})
    context.close()


if __name__ == "__main__":
    main()
