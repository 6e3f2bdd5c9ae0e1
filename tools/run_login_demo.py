"""``make run-login``: the demo with sign-in, against a local OpenID Connect provider.

Builds the demo database unless it holds one (as ``make run`` does), starts the provider
(tools/oidc_provider.mjs) on 127.0.0.1 with four demo people, gives them their roles in the
app's own users table (an admin, a manager of one territory, a marketer of every area, a
viewer of another territory), and serves the app on 127.0.0.1 with secrets written to a
temporary folder. The passwords are new at every start and printed. Browse exactly
http://127.0.0.1:PORT: the sign-in cookie belongs to that address (``localhost`` is another).
Ctrl-C (or SIGTERM) stops the app and the provider, each by its process ID.

    python -m tools.run_login_demo [--port 8501] [--db data/geocrm.duckdb]
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from geo.access.users import add_user, find_user, set_user
from geo.errors import InputError
from geo.store.opening import store_at
from geo.store.protocol import Store
from geo.store.scope import Grant
from tools.identity_provider import (
    ProviderUser,
    start_identity_provider,
    write_streamlit_secrets,
)

ROOT = Path(__file__).resolve().parent.parent
#: Who the demo's user changes are recorded as in the audit trail.
DEMO_ACTOR = "run-login demo"
#: The demo's people: email, name, role, areas (empty: all areas).
DEMO_PEOPLE: tuple[tuple[str, str, str, tuple[Grant, ...]], ...] = (
    ("ada@example.com", "Ada Admin", "admin", ()),
    ("mia@example.com", "Mia Manager", "manager", (("territory", "DIV5"),)),
    ("max@example.com", "Max Marketer", "marketer", ()),
    ("vic@example.com", "Vic Viewer", "viewer", (("territory", "DIV2"),)),
)
#: How long the app may take to answer its health check, in seconds.
HEALTH_WAIT_SECONDS = 120.0
#: How long the app may take to stop after SIGTERM before it is killed, in seconds.
STOP_WAIT_SECONDS = 10.0


def build_demo(db: str) -> None:
    """The demo business in the database, unless it already holds one."""
    subprocess.run(
        [sys.executable, "-m", "geo", "--db", db, "demo", "--if-needed"], check=True, cwd=ROOT
    )


def give_roles(store: Store) -> None:
    """Each demo person in the users table with their demo role and areas, active."""
    for email, _, role, areas in DEMO_PEOPLE:
        everything = not areas and role != "admin"
        if find_user(store, email) is None:
            add_user(store, email, role, areas=areas, all_areas=everything, actor=DEMO_ACTOR)
        else:
            set_user(
                store,
                email,
                role=role,
                areas=areas,
                all_areas=everything,
                active=True,
                actor=DEMO_ACTOR,
            )


def start_app(db: str, port: int, secrets_file: Path) -> subprocess.Popen[bytes]:
    """The app on 127.0.0.1:``port`` with the sign-in secrets; in a session of its own, so
    Ctrl-C reaches this script only, which then stops it."""
    return subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--secrets.files", str(secrets_file)],
        cwd=ROOT,
        env={**os.environ, "GEOCRM_DB": db},
        start_new_session=True,
    )  # fmt: skip


def wait_until_healthy(app: subprocess.Popen[bytes], port: int) -> None:
    """Poll the app's health check until it answers (or it exits, or time runs out)."""
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise RuntimeError(f"the app exited ({app.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return
        except OSError:
            time.sleep(0.2)  # polling interval
    raise RuntimeError(f"the app did not answer in {HEALTH_WAIT_SECONDS:.0f} s")


def stop_app(app: subprocess.Popen[bytes]) -> None:
    """SIGTERM by the process ID; SIGKILL if it has not stopped in time."""
    if app.poll() is None:
        os.kill(app.pid, signal.SIGTERM)
        try:
            app.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(app.pid, signal.SIGKILL)
            app.wait()


def _interrupt(_signum: int, _frame: object) -> None:
    """Ctrl-C and SIGTERM end the run alike, so everything is stopped either way."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8501, help="app port (default 8501)")
    parser.add_argument("--db", default="data/geocrm.duckdb", help="the database (file or URL)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    people = [
        ProviderUser(email, secrets.token_urlsafe(9), name) for email, name, _, _ in DEMO_PEOPLE
    ]
    app = None
    provider = None
    with tempfile.TemporaryDirectory(prefix="geocrm-login-") as folder:
        try:
            build_demo(args.db)
            give_roles(store_at(args.db))
            url = f"http://127.0.0.1:{args.port}"
            provider = start_identity_provider(f"{url}/oauth2callback", people, Path(folder))
            secrets_file = write_streamlit_secrets(Path(folder) / "secrets.toml", provider)
            app = start_app(args.db, args.port, secrets_file)
            wait_until_healthy(app, args.port)
            print(f"run-login: sign-in provider at {provider.issuer}", flush=True)
            print(f"run-login: app at {url} (open exactly this address)", flush=True)
            for person, (_, _, role, areas) in zip(people, DEMO_PEOPLE, strict=True):
                where = ", ".join(f"{lvl} {area}" for lvl, area in areas) or "all areas"
                print(f"  {person.email:18} {person.password:14} {role}, {where}", flush=True)
            print("run-login: Ctrl-C stops the app and the provider", flush=True)
            while app.poll() is None and provider.process.poll() is None:
                time.sleep(0.5)
            print("run-login: a process exited; stopping the other", flush=True)
            return 1
        except KeyboardInterrupt:
            return 0
        except (RuntimeError, InputError, subprocess.CalledProcessError) as exc:
            print(f"run-login: error: {exc}", file=sys.stderr)
            return 1
        finally:
            if app is not None:
                stop_app(app)
            if provider is not None:
                provider.stop()


if __name__ == "__main__":
    sys.exit(main())
