"""What the commands share: flags every command takes, dates, JSON records, and writing a
table to ``--out`` with its record in the export log and the audit trail."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import InputError
from geo.present.exports import write_export
from geo.present.target_list import log_export
from geo.progress import Progress
from geo.store.protocol import Store


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD") from exc


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def flag_type(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """A criterion's parser as an argparse type: what it cannot read is a usage error."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"'{text[:40]}': {exc}") from None

    return convert


def add_by_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--by", metavar="EMAIL", help="who makes the change, for the audit trail (default: local)"
    )


def write_table(
    store: Store, args: argparse.Namespace, frame: pd.DataFrame, what: str, fmt: str = ""
) -> None:
    """Write ``frame`` to ``--out`` (nothing without it) as ``fmt``, else as its suffix
    says (.csv or .xlsx), and record the file (``what`` it holds, by whom, how many rows)
    in the export log and the audit trail."""
    path: Path | None = args.out
    if path is None:
        return
    fmt = fmt or path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"cannot write {path.name}", hint="Name the file .csv or .xlsx")
    written = write_export(frame, path, fmt)
    record_file(store, args, what, fmt, written, path)


def warn_not_recorded(problems: list[str]) -> None:
    problems.append("the file was not recorded in the audit trail: the database is read-only")
    print(f"geocrm: warning: {problems[-1]}", file=sys.stderr)


def record_file(
    store: Store,
    args: argparse.Namespace,
    what: str,
    fmt: str,
    rows: int,
    path: Path,
    problems: list[str] | None = None,
) -> None:
    """Record a file written of the data in the export log and the audit trail; on a
    read-only database, warn (and add the warning to ``problems``) instead."""
    if not store.writable:
        warn_not_recorded(problems if problems is not None else [])
        return
    log_export(store, what, fmt, rows, path.name, actor=args.actor)


def records_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def terminal_progress(args: argparse.Namespace) -> Progress | None:
    """Steps of long work, on stderr, for a person at a terminal (not for scripts)."""
    if args.json or not sys.stderr.isatty():
        return None

    def show(step: str, fraction: float) -> None:
        print(f"geocrm: {fraction:4.0%} {step}", file=sys.stderr, flush=True)

    return show
