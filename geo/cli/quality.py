"""``geocrm quality``: how many rows each data-quality fix list holds, or one list written
to a file to fix and import again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.cli.common import add_json_flag, records_of, write_table
from geo.quality.fix_lists import fix_list, quality_counts
from geo.quality.problems import PROBLEMS
from geo.store.protocol import Store

#: How many rows of a list the terminal shows without --out.
SHOWN_ROWS = 20


def add_quality_command(sub: Any) -> None:
    """The ``quality`` command."""
    p = sub.add_parser(
        "quality",
        help="count the data's problems, or write one problem's fix list",
        description="Without PROBLEM: how many rows each fix list holds. With PROBLEM: its "
        "rows (--out FILE.csv|.xlsx writes them all, ready to fix and import again). "
        "Problems: " + ", ".join(PROBLEMS),
    )
    p.add_argument("problem", nargs="?", choices=list(PROBLEMS))
    p.add_argument("--level", help="the level of areas (default: the finest)")
    p.add_argument("--out", type=Path, help="write the fix list to this .csv or .xlsx")
    add_json_flag(p)


def run_quality(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """``geocrm quality [PROBLEM] [--level L] [--out FILE]``."""
    if args.problem is None:
        counts = quality_counts(store, args.level)
        width = max(len(p.title) for p in PROBLEMS.values())
        lines = [f"{PROBLEMS[c].title:<{width}}  {n:>9,}  ({c})" for c, n in counts.items()]
        return {"counts": counts}, "\n".join(lines)
    listed = fix_list(store, args.problem, args.level)
    problem = PROBLEMS[args.problem]
    write_table(store, args, listed, f"fix list: {problem.title.lower()}")
    head = f"{problem.title}: {len(listed):,} rows ({problem.meaning}). To fix: {problem.fix}."
    if args.out is not None:
        return {"problem": args.problem, "rows": len(listed), "out": str(args.out)}, (
            f"{head}\n{len(listed):,} rows written to {args.out.name}"
        )
    shown = listed.head(SHOWN_ROWS)
    more = f"\n... and {len(listed) - SHOWN_ROWS:,} more (--out FILE writes them all)"
    text = head + ("\n" + shown.to_string(index=False) if len(shown) else "")
    if len(listed) > SHOWN_ROWS:
        text += more
    return {"problem": args.problem, "rows": len(listed), "list": records_of(listed)}, text
