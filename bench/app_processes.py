"""App processes for a benchmark: GeoCRM served on free loopback ports, their memory read
from ``/proc``, their logs searched for tracebacks, and each stopped by its own PID."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120


@dataclass
class AppProcess:
    """One served app: its address, its process and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def memory_mb(self, field: str = "VmRSS") -> float:
        """A memory figure of the process from /proc (VmRSS: resident now; VmHWM: the
        peak resident so far), in MB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def tracebacks(self) -> int:
        """How many Python tracebacks the server has logged."""
        return self.log.read_text(errors="replace").count("Traceback (most recent call last)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_apps(location: str, count: int, logs: Path) -> list[AppProcess]:
    """Serve the app on the database at ``location`` (a file or a postgresql:// URL) from
    ``count`` processes on free 127.0.0.1 ports; returns once every one answers healthy."""
    apps = []
    for i in range(count):
        port = _free_port()
        log = logs / f"app-{i}.log"
        process = subprocess.Popen(
            [
                sys.executable, "-m", "ui.serve", str(ROOT / "app.py"),
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env={**os.environ, "GEOCRM_DB": location, "PYTHONPATH": str(ROOT)},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        apps.append(AppProcess(f"http://127.0.0.1:{port}", process, log))
    try:
        for app in apps:
            _wait_until_healthy(app)
    except BaseException:
        stop_apps(apps)
        raise
    return apps


def _wait_until_healthy(app: AppProcess) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"the app exited at start: {app.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)  # polling interval, not a wait for the app
    raise RuntimeError(f"the app at {app.url} was not healthy within {STARTUP_SECONDS} s")


def stop_apps(apps: list[AppProcess]) -> None:
    """Stop each app by its PID: politely, then for sure."""
    for app in apps:
        if app.process.poll() is None:
            app.process.terminate()
    for app in apps:
        try:
            app.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait(timeout=30)
