"""Another process at work on the database: one holding the file, or the command line killed
(SIGKILL) at a step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The CLI with a progress hook that stops it at a step until it is killed.
STOPPING_CLI = """
import sys
import geo.cli
import geo.cli.common

stop_at = sys.argv[1]


def stopping(args):
    def show(step, fraction):
        if step.startswith(stop_at):
            print("stopped at", step, flush=True)
            sys.stdin.read()

    return show


geo.cli.common.terminal_progress = stopping
sys.exit(geo.cli.main(sys.argv[2:]))
"""


def kill_cli_at(step: str, *args: str) -> None:
    """Run ``geocrm args``, and SIGKILL it when its progress reaches ``step``."""
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPING_CLI, step, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert line.startswith("stopped at"), f"never reached {step!r}: {line!r}"
    assert process.returncode == -signal.SIGKILL


#: Opens the database for writing, with an uncommitted change, and keeps it until stdin ends.
HOLDING = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN TRANSACTION")
con.execute("INSERT INTO meta VALUES ('held', 'by another process')")
print("holding", flush=True)
sys.stdin.read()
"""


@contextmanager
def holding_the_file(db: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holds ``db`` (as a long import would) while the block runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDING, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        if holder.returncode is None:
            holder.communicate("")
