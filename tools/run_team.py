"""``make run-team``: a team on one local PostgreSQL/PostGIS database, two app processes.

Starts (installing it from Debian's packages if missing, which needs root) a PostgreSQL 15
+ PostGIS cluster on 127.0.0.1 at a free port with ``.ci/pg-up.sh`` (its files under
``data/.team-pg``, or ``PGROOT``), builds the demo business into it unless it already
holds one, and serves the app twice against it, on ``--port`` and the port after it
(8501 and 8502 by default), each process with its own connection pool. Ctrl-C (or
SIGTERM) stops both app processes and then the cluster, each by its process ID; the data
stays for the next start.

    python tools/run_team.py [--port 8501] [--customers N --prospects N --order-lines N]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where the cluster's files live unless PGROOT says otherwise (ignored by git).
DEFAULT_PGROOT = ROOT / "data" / ".team-pg"
#: The first port tried for the cluster (the next free one is taken).
FIRST_PG_PORT = 55480
#: How long the app processes may take to answer their health check, in seconds.
HEALTH_WAIT_SECONDS = 120.0
#: How long an app process may take to stop after SIGTERM before it is killed, in seconds.
STOP_WAIT_SECONDS = 10.0


def start_cluster(pgroot: Path) -> str:
    """Start (and first create) the cluster; the URL of its ``geocrm`` database."""
    env = {
        **os.environ,
        "PGROOT": str(pgroot),
        "PGDB": "geocrm",
        "PGPORT_WANTED": os.environ.get("PGPORT_WANTED", str(FIRST_PG_PORT)),
    }
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "pg-up.sh")],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    settings = dict(
        line.split("=", 1) for line in (pgroot / "env").read_text().splitlines() if "=" in line
    )
    return settings["DATABASE_URL"]


def stop_cluster(pgroot: Path) -> None:
    """Stop the cluster by its postmaster's process ID (``.ci/pg-down.sh``)."""
    subprocess.run(
        ["bash", str(ROOT / ".ci" / "pg-down.sh")],
        check=False,
        env={**os.environ, "PGROOT": str(pgroot)},
    )


def build_demo(url: str, sizes: list[str]) -> None:
    """The demo business in the database, unless it already holds one."""
    subprocess.run(
        [sys.executable, "-m", "geo", "--db", url, "demo", "--if-needed", *sizes],
        check=True,
        cwd=ROOT,
    )


def start_app(url: str, port: int) -> subprocess.Popen[bytes]:
    """One app process on ``port`` (localhost only) against the database at ``url``.

    In a session of its own, so Ctrl-C reaches this script only, which then stops it.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "app.py", "--server.port", str(port),
         "--server.address", "localhost", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT,
        env={**os.environ, "GEOCRM_DB": url},
        start_new_session=True,
    )  # fmt: skip


def is_healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def wait_until_healthy(apps: dict[int, subprocess.Popen[bytes]]) -> None:
    """Poll every app's health check until each answers (or one exits, or time runs out)."""
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    waiting = set(apps)
    while waiting:
        for port in sorted(waiting):
            if apps[port].poll() is not None:
                raise RuntimeError(f"the app on port {port} exited ({apps[port].returncode})")
            if is_healthy(port):
                waiting.discard(port)
        if waiting and time.monotonic() > deadline:
            raise RuntimeError(f"no answer from port {sorted(waiting)} in {HEALTH_WAIT_SECONDS} s")
        time.sleep(0.2)


def stop_apps(apps: dict[int, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each app process by its ID; SIGKILL if it has not stopped in time."""
    for app in apps.values():
        if app.poll() is None:
            os.kill(app.pid, signal.SIGTERM)
    for port, app in apps.items():
        try:
            app.wait(timeout=STOP_WAIT_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(app.pid, signal.SIGKILL)
            app.wait()
        print(f"run-team: app on port {port} (pid {app.pid}) stopped", flush=True)


def _interrupt(_signum: int, _frame: object) -> None:
    """Ctrl-C and SIGTERM end the run alike, so everything is stopped either way."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8501, help="first app port (default 8501)")
    for size in ("customers", "prospects", "order-lines"):
        parser.add_argument(f"--{size}", help=f"demo {size.replace('-', ' ')} (demo default)")
    args = parser.parse_args(argv)
    sizes = [
        arg
        for flag in ("customers", "prospects", "order_lines")
        if getattr(args, flag)
        for arg in (f"--{flag.replace('_', '-')}", getattr(args, flag))
    ]
    pgroot = Path(os.environ.get("PGROOT") or DEFAULT_PGROOT)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # even when started with SIGINT ignored
    apps: dict[int, subprocess.Popen[bytes]] = {}
    try:
        url = start_cluster(pgroot)
        print(f"run-team: PostgreSQL/PostGIS at {url}", flush=True)
        build_demo(url, sizes)
        for port in (args.port, args.port + 1):
            apps[port] = start_app(url, port)
        wait_until_healthy(apps)
        for port, app in apps.items():
            print(f"run-team: app at http://localhost:{port} (pid {app.pid})", flush=True)
        print("run-team: Ctrl-C stops both apps and the database", flush=True)
        while all(app.poll() is None for app in apps.values()):
            time.sleep(0.5)
        print("run-team: an app process exited; stopping the others", flush=True)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"run-team: error: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_apps(apps)
        stop_cluster(pgroot)


if __name__ == "__main__":
    sys.exit(main())
