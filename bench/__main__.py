"""Run the GeoCRM benchmarks and print one table (``make bench``).

Every figure is paired with a baseline doing the same job without GeoCRM, timed in the same
run (see :mod:`bench.measure`), with its target and a verdict. Sizes: 10k, 100k and 1M
customers over the 3,230 real counties, five sales lines per customer; ``BENCH_SIZES``
(e.g. ``10000,100000`` for a quick run, ``10000000`` for the scale run) changes them, and
``BENCH_ONLY`` (e.g. ``assignment,imports``) runs only the named sections.

The run is saved to ``bench/results/`` as JSON; ``python -m bench.readme`` writes the
README's Performance tables from the saved runs.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from bench.assignment import bench_assignment
from bench.context import STANDARD_SIZES, BenchContext, sizes_from_environment
from bench.exports import bench_exports
from bench.filter_change import bench_business_figures
from bench.first_paint import bench_first_paint
from bench.imports import bench_import
from bench.measure import BenchRun, Row, format_table, machine_yardstick
from bench.rollups import bench_rollups
from bench.row_security import bench_row_security
from bench.team_load import bench_team_load
from bench.territory_design import bench_territory_design

RESULTS = Path(__file__).resolve().parent / "results"

#: The sections, in the order they run and print.
SECTIONS: dict[str, Callable[[BenchContext], list[Row]]] = {
    "assignment": bench_assignment,
    "imports": bench_import,
    "business": bench_business_figures,
    "rollups": bench_rollups,
    "row_security": bench_row_security,
    "exports": bench_exports,
    "territories": bench_territory_design,
    "first_paint": bench_first_paint,
    "load": bench_team_load,
}


def machine_description() -> str:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{os.cpu_count()} cores, {memory_gb:.0f} GiB, {platform.system()}, "
        f"Python {platform.python_version()}"
    )


def measured_code() -> str:
    """The commit of the checkout being measured, marked when it has uncommitted edits."""
    here = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=here, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return ""
    if not commit:
        return ""
    return f"commit {commit}" + (" + changes" if dirty else "")


def chosen_sections() -> list[str]:
    only = [s.strip() for s in os.environ.get("BENCH_ONLY", "").split(",") if s.strip()]
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown BENCH_ONLY section {unknown[0]!r}: use {', '.join(SECTIONS)}")
    return only or list(SECTIONS)


def results_file(sizes: list[int], sections: list[str]) -> Path:
    """Where a run is saved: ``standard.json`` or ``sizes-N.json`` for a whole run, with a
    ``-SECTION`` suffix for a partial one (never read into the README)."""
    standard = sizes == list(STANDARD_SIZES)
    name = "standard" if standard else "sizes-" + "-".join(map(str, sizes))
    if sections != list(SECTIONS):
        name += "-" + "-".join(sections)
    return RESULTS / f"{name}.json"


def main() -> int:
    sizes = sizes_from_environment()
    sections = chosen_sections()
    run = BenchRun(date.today().isoformat(), machine_description(), machine_yardstick(), sizes)
    run.code = measured_code()
    run.sections = list(sections)
    print(f"machine speed: groupby-sum of 5M rows in {run.yardstick_seconds:.3f} s", flush=True)
    RESULTS.mkdir(exist_ok=True)
    saved = results_file(sizes, sections)
    # The sections done so far, kept after each one: a long run that is stopped (or runs out
    # of memory) keeps what it measured. Never read into the README.
    unfinished = saved.with_suffix(".unfinished.json")
    with tempfile.TemporaryDirectory(prefix="geocrm-bench-") as tmp:
        ctx = BenchContext(Path(tmp), sizes)
        for name in sections:
            rows = SECTIONS[name](ctx)
            run.rows.extend(rows)
            if rows:  # a section with nothing to measure here (no server, no browser) prints none
                print(format_table(rows), flush=True)
            run.done.append(name)
            unfinished.write_text(run.to_json())
        run.extra = "\n\n".join(ctx.tables)
    saved.write_text(run.to_json())
    unfinished.unlink()
    print()
    print(run.markdown())
    print(f"\nsaved to {saved.relative_to(RESULTS.parent.parent)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
