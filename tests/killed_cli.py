"""Running the command line in a process of its own and killing it (SIGKILL) at a step."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: The CLI with a progress hook that stops it at a step until it is killed.
STOPPING_CLI = """
import sys
import geo.cli

stop_at = sys.argv[1]


def stopping(args):
    def show(step, fraction):
        if step.startswith(stop_at):
            print("stopped at", step, flush=True)
            sys.stdin.read()

    return show


geo.cli._progress = stopping
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
