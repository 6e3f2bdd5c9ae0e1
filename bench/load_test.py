"""Load test: many visitors at once, over one or more app processes on one database.

``python -m bench.load_test --sessions 20 --processes 2 --store postgresql`` builds the
demo, loads it into a throwaway database on the PostgreSQL server named by
``GEOCRM_TEST_DATABASE_URL`` (dropped afterwards), serves the app from two processes on
free 127.0.0.1 ports and lets 20 visitors in at once, alternating between the processes.
``--store duckdb --processes 1`` does the same on a demo file. Each visitor, over the app's
websocket (:mod:`bench.streamlit_session`):

1. opens the Map (``/``);
2. changes a filter: picks one state in the sidebar's Areas filter and applies it (each
   visitor another state, as regional managers would);
3. opens the Export page;
4. prepares the CSV and downloads it; the file must hold as many rows as the button says,
   every one in the chosen state.

A step lasts from the request to the end of the app's run (the page settled; the
download to its last byte). An error is a step that failed or timed out, an exception shown
on the page, or a step not reached because an earlier one failed; the servers' logs are
searched for tracebacks. Memory is each app process's resident set (``/proc``): when it is
ready, at the end, and its peak. Everything is bounded: the sessions, their four steps,
each step's time (``--step-timeout``) and the whole run (``--timeout``).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.proto.Element_pb2 import Element

from bench.app_processes import AppProcess, start_apps, stop_apps
from bench.server_databases import server_url, throwaway_database
from bench.streamlit_session import PageRun, StepError, StreamlitSession

STEPS = (
    "open the Map",
    "change a filter (one state)",
    "open the Export page",
    "prepare and download the CSV",
)
NOT_REACHED = "not reached (an earlier step failed)"


@dataclass
class ProcessMemory:
    """One app process's resident memory (MB): when ready, at the end, and its peak."""

    url: str
    ready_mb: float
    end_mb: float
    peak_mb: float
    tracebacks: int


@dataclass
class LoadResult:
    """The times (seconds) and errors of every step, per step, over all sessions."""

    store: str
    processes: int
    sessions: int
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {s: [] for s in STEPS})
    memory: list[ProcessMemory] = field(default_factory=list)
    rows_exported: int = 0
    seconds: float = 0.0

    def percentile(self, step: str, q: float) -> float:
        times = self.times[step]
        return float(np.percentile(times, q)) if times else float("nan")

    @property
    def error_count(self) -> int:
        return sum(len(e) for e in self.errors.values()) + sum(m.tracebacks for m in self.memory)


class _RecordedStepError(Exception):
    """A step failed and its error is recorded: the visit ends."""


async def _timed(
    result: LoadResult,
    step: str,
    run: Awaitable[PageRun],
    timeout: float,
    check: Callable[[], None] | None = None,
) -> PageRun:
    """Run one step; its time is recorded when it succeeds (and ``check``, run after the
    clock stops, passes), its error when it does not, and then _RecordedStepError is raised."""
    started = time.perf_counter()
    try:
        page = await asyncio.wait_for(run, timeout)
        seconds = time.perf_counter() - started
        if page.exceptions:
            raise StepError("; ".join(page.exceptions))
        if check is not None:
            check()
    except TimeoutError as exc:
        result.errors[step].append(f"timed out after {timeout:.0f} s")
        raise _RecordedStepError from exc
    except StepError as exc:
        result.errors[step].append(str(exc))
        raise _RecordedStepError from exc
    except Exception as exc:
        result.errors[step].append(f"{type(exc).__name__}: {exc}")
        raise _RecordedStepError from exc
    result.times[step].append(seconds)
    return page


@dataclass
class _Download:
    """The file a visitor downloaded: its button's label and its bytes."""

    label: str = ""
    content: bytes = b""


async def _prepare_and_download(
    session: StreamlitSession, page: PageRun, into: _Download
) -> PageRun:
    """Press Prepare download, then fetch the file (both inside one timed step)."""
    prepared = await session.press(page.widget("button", "Prepare download"))
    if not prepared.exceptions:
        if not prepared.of_kind("download_button"):
            said = " / ".join(dict.fromkeys(prepared.alerts)) or "nothing"
            raise StepError(f"no download button after Prepare download; the page said: {said}")
        button = prepared.widget("download_button", "Download")
        into.label = button.download_button.label
        into.content = await session.download(button)
    return prepared


def _count_checked_rows(download: _Download, area_id: str) -> int:
    """The rows of a downloaded CSV, checked against its button and the chosen area."""
    rows = pd.read_csv(io.BytesIO(download.content), dtype=str, encoding="utf-8-sig")
    said = int(download.label.split()[1].replace(",", ""))
    if len(rows) != said:
        raise StepError(f"the file holds {len(rows):,} rows, the button said {said:,}")
    if len(rows) and set(rows["area_id"]) != {area_id}:
        raise StepError(f"rows outside the chosen area {area_id}: {sorted(set(rows['area_id']))}")
    return len(rows)


def _areas_filter(page: PageRun) -> Element:
    found = [e for e in page.of_kind("multiselect") if e.multiselect.label.startswith("Areas")]
    if not found:
        raise StepError("no Areas filter in the sidebar")
    return found[0]


async def visit(url: str, visitor: int, result: LoadResult, step_timeout: float) -> None:
    """One visitor's four steps; an error ends the visit (later steps count as not reached)."""
    step = 0
    try:
        async with StreamlitSession(url) as session:
            page = await _timed(result, STEPS[0], session.open(), step_timeout)
            step = 1
            areas = _areas_filter(page)
            options = list(areas.multiselect.options)
            # Each visitor another state, spread over the list.
            option = options[(visitor * 7) % len(options)]
            area_id = option.rsplit("(", 1)[-1].rstrip(")")
            session.pick(areas, [option])
            apply = page.widget("button", "Apply filters")
            await _timed(result, STEPS[1], session.press(apply), step_timeout)
            step = 2
            page = await _timed(result, STEPS[2], session.open_page("export"), step_timeout)
            step = 3
            download = _Download()
            rows: list[int] = []
            await _timed(
                result,
                STEPS[3],
                _prepare_and_download(session, page, download),
                step_timeout,
                check=lambda: rows.append(_count_checked_rows(download, area_id)),
            )
            result.rows_exported += sum(rows)
            step = 4
    except _RecordedStepError:
        pass
    except StepError as exc:  # the page lacked what the visitor looks for
        result.errors[STEPS[step]].append(str(exc))
    except Exception as exc:  # the connection itself failed
        result.errors[STEPS[step]].append(f"{type(exc).__name__}: {exc}")
    for later in STEPS[step + 1 :]:
        result.errors[later].append(NOT_REACHED)


async def _run_sessions(
    apps: list[AppProcess], result: LoadResult, step_timeout: float, timeout: float
) -> None:
    tasks = [
        asyncio.create_task(visit(apps[i % len(apps)].url, i, result, step_timeout))
        for i in range(result.sessions)
    ]
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    for task in pending:
        task.cancel()
    if pending:
        await asyncio.wait(pending)
        ran_out = f"the whole run's {timeout:.0f} s ran out"
        for step in STEPS:
            result.errors[step].extend([ran_out] * (result.sessions - _ended(result, step)))


def _ended(result: LoadResult, step: str) -> int:
    return len(result.times[step]) + len(result.errors[step])


def run_load(location: str, store: str, processes: int, sessions: int, *,
             step_timeout: float, timeout: float) -> LoadResult:  # fmt: skip
    """Serve ``location`` from ``processes`` app processes, run ``sessions`` visitors at
    once, stop the processes; the steps' times and errors and the processes' memory."""
    result = LoadResult(store, processes, sessions)
    with tempfile.TemporaryDirectory(prefix="geocrm-load-") as logs:
        apps = start_apps(location, processes, Path(logs))
        try:
            ready = [app.memory_mb() for app in apps]
            started = time.perf_counter()
            asyncio.run(_run_sessions(apps, result, step_timeout, timeout))
            result.seconds = time.perf_counter() - started
            for app, ready_mb in zip(apps, ready, strict=True):
                result.memory.append(
                    ProcessMemory(app.url, ready_mb, app.memory_mb(), app.memory_mb("VmHWM"),
                                  app.tracebacks())
                )  # fmt: skip
        finally:
            stop_apps(apps)
    return result


def build_demo_file(folder: Path) -> Path:
    """The demo business (seeded, as ``make run`` has it) in a new DuckDB file."""
    from geo.demo.database import build_demo_database
    from geo.store.duckdb_store import DuckDBStore

    path = folder / "demo.duckdb"
    build_demo_database(DuckDBStore.open(path))
    return path


def load_demo_into(url: str, demo: Path) -> None:
    """Copy the ``demo`` file into the (empty) PostgreSQL database at ``url``."""
    from geo.store.copying import copy_database
    from geo.store.duckdb_store import DuckDBStore
    from geo.store.postgres_store import PostgreSQLStore, close_pool

    copy_database(DuckDBStore.open(demo), PostgreSQLStore.open(url))
    # The app processes make their own connections; this process needs none any more.
    close_pool(url)


def measure(store: str, processes: int, sessions: int, *, step_timeout: float = 600,
            timeout: float = 1800, demo: Path | None = None) -> LoadResult:  # fmt: skip
    """Build (or take) the demo, put it in ``store`` ("duckdb" or "postgresql"), and run
    the load test on it."""
    with tempfile.TemporaryDirectory(prefix="geocrm-load-db-") as tmp:
        folder = Path(tmp)
        source = folder / "demo.duckdb"
        if demo is not None:
            shutil.copyfile(demo, source)
        else:
            source = build_demo_file(folder)
        if store == "duckdb":
            return run_load(str(source), "embedded DuckDB file", processes, sessions,
                            step_timeout=step_timeout, timeout=timeout)  # fmt: skip
        server = server_url()
        if not server:
            raise SystemExit("set GEOCRM_TEST_DATABASE_URL to a PostgreSQL server to load")
        with throwaway_database(server, "geocrm_load") as url:
            load_demo_into(url, source)
            return run_load(url, "PostgreSQL/PostGIS", processes, sessions,
                            step_timeout=step_timeout, timeout=timeout)  # fmt: skip


def format_results(results: list[LoadResult]) -> str:
    """The steps' p50 and p95 (seconds) and errors per store, then each process's memory."""
    lines = [
        "| store | processes | sessions | step | done | p50 (s) | p95 (s) | errors |",
        "|---|---:|---:|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for step in STEPS:
            lines.append(
                f"| {r.store} | {r.processes} | {r.sessions} | {step} | {len(r.times[step])} | "
                f"{r.percentile(step, 50):.2f} | {r.percentile(step, 95):.2f} | "
                f"{len(r.errors[step])} |"
            )
    lines += [
        "",
        "| store | app process | memory ready (MB) | memory at end (MB) | peak (MB) "
        "| tracebacks logged |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        for i, m in enumerate(r.memory, 1):
            lines.append(
                f"| {r.store} | {i} of {r.processes} | {m.ready_mb:.0f} | {m.end_mb:.0f} | "
                f"{m.peak_mb:.0f} | {m.tracebacks} |"
            )
    lines.append("")
    for r in results:
        lines.append(
            f"{r.store}: {r.sessions} sessions in {r.seconds:.0f} s, "
            f"{r.rows_exported:,} rows exported, {r.error_count} errors."
        )
        for step in STEPS:
            for message in sorted(set(r.errors[step]))[:5]:
                lines.append(f"- {step}: {message}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load_test",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--store", choices=["postgresql", "duckdb"], default="postgresql")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--step-timeout", type=float, default=600, help="seconds per step")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for all sessions")
    parser.add_argument("--demo", type=Path, help="a demo DuckDB file to copy (else built)")
    parser.add_argument(
        "--database",
        help="a PostgreSQL database already holding the demo, served as it is (the visits "
        "add to its export log) instead of a throwaway copy",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 200 or not 1 <= args.processes <= 8:
        parser.error("--sessions must be 1..200 and --processes 1..8")
    if args.database:
        result = run_load(args.database, "PostgreSQL/PostGIS", args.processes, args.sessions,
                          step_timeout=args.step_timeout, timeout=args.timeout)  # fmt: skip
        print(format_results([result]))
        return 0 if result.error_count == 0 else 1
    result = measure(args.store, args.processes, args.sessions, step_timeout=args.step_timeout,
                     timeout=args.timeout, demo=args.demo)  # fmt: skip
    print(format_results([result]))
    return 0 if result.error_count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
