"""The ``geocrm`` command line: everything the app does, scriptable.

Every command takes ``--json`` after its own arguments and then prints exactly one JSON
object on standard output. Errors print one line on standard error naming the file, row
and column and what to do, and exit with status 2; the database is then unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from geo.access.audit import LOCAL_ACTOR, audit_table, log_event
from geo.access.users import (
    User,
    acting_user,
    add_user,
    list_users,
    normalised_email,
    parse_areas,
    remove_user,
    set_user,
)
from geo.analytics.area_metrics import METRICS
from geo.analytics.flows import PERIODS
from geo.analytics.place_finder import circle_around
from geo.cli import common
from geo.cli.common import (
    add_by_flag,
    add_json_flag,
    flag_type,
    parse_date,
    record_file,
    records_of,
    warn_not_recorded,
    write_table,
)
from geo.cli.fixes import add_fix_commands, fix_reads_only, run_fix
from geo.cli.imports import add_import_commands, import_reads_only, run_import
from geo.cli.merges import add_merge_commands, merge_reads_only, run_merge
from geo.cli.quality import add_quality_command, run_quality
from geo.cli.territory import (
    add_territory_commands,
    run_territory,
    territory_refusal,
    territory_writes,
)
from geo.errors import InputError
from geo.maps.classes import DEFAULT_SCHEME, SCHEMES
from geo.places.level_assignment import assign_customers
from geo.present.exports import FORMATS, write_export
from geo.present.target_list import build_target_list, read_suppression
from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import CRITERIA, Filters
from geo.segments.saved import (
    delete_segment,
    list_segments,
    load_segment,
    rename_segment,
    save_segment,
)
from geo.segments.segment import Segment
from geo.segments.selection import describe_filters
from geo.store.locations import is_server_url, resolve_location
from geo.store.opening import open_store, store_at
from geo.store.protocol import Store
from geo.store.row_security import row_security_state
from geo.store.tables import schema_version_of

EXIT_INPUT = 2


def _add_filters(p: argparse.ArgumentParser, *, areas: bool) -> None:
    """The filter table's flags (see geo.segments.filters); ``areas=False`` leaves out the
    criteria that choose areas or people, plus --near and --km."""
    for name, c in CRITERIA:
        if not (areas or c.every_command):
            continue
        kwargs: dict[str, Any] = {"dest": name, "help": c.help, "metavar": c.metavar}
        if c.options:
            kwargs["choices"] = list(c.options)
            del kwargs["metavar"]
        elif c.parse is not str:
            kwargs["type"] = flag_type(c.parse)
        if c.many and c.repeat_flag:
            kwargs.update(action="append", default=[])
        elif c.many:
            kwargs.update(nargs="+", default=[])
        p.add_argument(c.flag, **kwargs)
    p.add_argument(
        "--near",
        metavar="PLACE",
        help="keep customers within --km of a place, ZIP code, customer ID or 'lat, lon'",
    )
    p.add_argument("--km", type=float, default=25.0, help="radius for --near (default 25)")


def _add_table_out(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, help="also write the table: .csv or .xlsx")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geocrm", description="GeoCRM: customers, prospects and sales by trading area."
    )
    parser.add_argument("--db", help="database file (default: $GEOCRM_DB or data/geocrm.duckdb)")
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="EMAIL",
        help="act for this user: read only their areas, do only what their role may",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build the demo business (seeded)")
    p.add_argument(
        "--if-needed",
        action="store_true",
        help="only if the database is missing or holds no areas or customers",
    )
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--prospects", type=int, default=150_000)
    p.add_argument("--order-lines", type=int, default=500_000)
    add_json_flag(p)

    p = sub.add_parser(
        "copy", help="copy a whole database into another (file or server), checked per table"
    )
    p.add_argument("source", help="the database to copy: a file or a postgresql:// URL")
    p.add_argument("dest", help="where to copy it: a file (created if missing) or a URL")
    p.add_argument("--replace", action="store_true", help="replace everything DEST holds")
    add_json_flag(p)

    p = sub.add_parser(
        "status", help="the database: engine, schema version, rows per table, location statuses"
    )
    add_json_flag(p)

    add_import_commands(sub)

    p = sub.add_parser("assign", help="re-assign every customer to the areas of every level")
    p.add_argument(
        "--force",
        action="store_true",
        help="recompute even when the stored assignments are current",
    )
    add_json_flag(p)

    p = sub.add_parser("areas", help="per-area KPIs as CSV")
    _add_filters(p, areas=False)
    p.add_argument("--out", type=Path, required=True)
    add_json_flag(p)

    p = sub.add_parser(
        "figures", help="a segment's headline figures, as every page shows them, with meanings"
    )
    _add_filters(p, areas=True)
    p.add_argument("--segment", metavar="NAME", help="a saved segment (instead of the filters)")
    add_json_flag(p)

    p = sub.add_parser("rfm", help="RFM segments: customers, revenue, value, churn risk")
    _add_filters(p, areas=True)
    p.add_argument(
        "--by-area", action="store_true", help="--out holds segment counts per area instead"
    )
    _add_table_out(p)
    add_json_flag(p)

    p = sub.add_parser("backtest", help="how well churn risk found who stopped buying")
    p.add_argument("--cutoff", type=parse_date, help="predict as of this date")
    p.add_argument("--months", type=int, default=6, help="months observed after the cut-off")
    add_json_flag(p)

    p = sub.add_parser("trends", help="customers gained and lost per area in one period")
    _add_filters(p, areas=True)
    p.add_argument("--period", choices=PERIODS, default="quarter")
    p.add_argument("--at", type=parse_date, help="a day in the period (default: latest whole)")
    _add_table_out(p)
    add_json_flag(p)

    p = sub.add_parser("whitespace", help="target areas ranked by prospects like the best")
    _add_filters(p, areas=True)
    _add_table_out(p)
    add_json_flag(p)

    p = sub.add_parser("lookalikes", help="prospects like the best customers, best first")
    _add_filters(p, areas=True)
    p.add_argument("--limit", type=int, default=1000)
    _add_table_out(p)
    add_json_flag(p)

    p = sub.add_parser("export", help="the target list for the filters or a saved segment")
    _add_filters(p, areas=True)
    p.add_argument("--segment", metavar="NAME", help="a saved segment (instead of the filters)")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--per-area", action="store_true", help="XLSX: one sheet per area")
    p.add_argument(
        "--per-owner",
        action="store_true",
        help="XLSX: one sheet per owner, each in call order (value at stake, risk, due date)",
    )
    p.add_argument("--suppress", type=Path, help="IDs or emails not to contact (CSV/XLSX/TXT)")
    p.add_argument("--columns", help="comma-separated columns to keep (customer_id always)")
    add_json_flag(p)

    p = sub.add_parser("deck", help="a slide deck (PPTX, and PDF) for a segment, per area")
    _add_filters(p, areas=True)
    p.add_argument("--segment", metavar="NAME", help="a saved segment (instead of the filters)")
    p.add_argument("--top", type=int, default=10, help="areas with a slide each (default 10)")
    p.add_argument("--metric", choices=list(METRICS), default="sales_amount")
    p.add_argument("--classes", choices=list(SCHEMES), default=DEFAULT_SCHEME,
                   help="how the map's colour classes are cut (default quantiles)")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="the .pptx file")
    p.add_argument("--pdf", type=Path, help="also write the deck as PDF")
    add_json_flag(p)

    p = sub.add_parser("picture", help="the map of a metric as a PNG picture")
    _add_filters(p, areas=True)
    p.add_argument("--segment", metavar="NAME", help="a saved segment (instead of the filters)")
    p.add_argument("--metric", choices=list(METRICS), default="sales_amount")
    p.add_argument("--classes", choices=list(SCHEMES), default=DEFAULT_SCHEME,
                   help="how the colour classes are cut (default quantiles)")  # fmt: skip
    p.add_argument("--out", type=Path, required=True, help="the .png file")
    add_json_flag(p)

    seg = sub.add_parser("segment", help="saved segments").add_subparsers(
        dest="action", required=True
    )
    p = seg.add_parser("save", help="save the filters as a named segment (or update it)")
    p.add_argument("name")
    _add_filters(p, areas=True)
    add_json_flag(p)
    p = seg.add_parser("list", help="saved segments with their current counts")
    add_json_flag(p)
    p = seg.add_parser("show", help="one saved segment: description and link parameters")
    p.add_argument("name")
    add_json_flag(p)
    p = seg.add_parser("rename", help="rename a saved segment")
    p.add_argument("name")
    p.add_argument("new_name")
    add_json_flag(p)
    p = seg.add_parser("delete", help="delete a saved segment")
    p.add_argument("name")
    add_json_flag(p)
    add_territory_commands(sub)
    add_quality_command(sub)
    add_fix_commands(sub)
    add_merge_commands(sub)
    _add_user_commands(sub)
    return parser


def _add_user_commands(sub: Any) -> None:
    """``geocrm user add|set|remove|list`` and ``geocrm audit``."""
    users = sub.add_parser("user", help="who may sign in: roles and areas").add_subparsers(
        dest="action", required=True
    )
    areas_help = "their areas, level:area_id separated by commas (e.g. territory:DIV5,state:06)"
    p = users.add_parser("add", help="add a user with a role and their areas")
    p.add_argument("email")
    p.add_argument("--role", required=True, help="admin, manager, marketer or viewer")
    p.add_argument("--areas", metavar="LEVEL:ID,...", help=areas_help)
    p.add_argument("--all-areas", action="store_true", help="every area (not for a manager)")
    add_by_flag(p)
    add_json_flag(p)
    p = users.add_parser("set", help="change a user's role, areas or whether they are active")
    p.add_argument("email")
    p.add_argument("--role", help="admin, manager, marketer or viewer")
    p.add_argument("--areas", metavar="LEVEL:ID,...", help=areas_help + "; replaces theirs")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all-areas", dest="all_areas", action="store_const", const=True,
                       help="every area (not for a manager)")  # fmt: skip
    which.add_argument("--own-areas", dest="all_areas", action="store_const", const=False,
                       help="only their listed areas")  # fmt: skip
    active = p.add_mutually_exclusive_group()
    active.add_argument("--active", dest="active", action="store_const", const=True)
    active.add_argument("--inactive", dest="active", action="store_const", const=False,
                        help="keep the user but let them see nothing")  # fmt: skip
    add_by_flag(p)
    add_json_flag(p)
    p = users.add_parser("remove", help="remove a user: they see nothing from their next click")
    p.add_argument("email")
    add_by_flag(p)
    add_json_flag(p)
    p = users.add_parser("list", help="every user with role, areas and last change")
    _add_table_out(p)
    add_json_flag(p)

    p = sub.add_parser("audit", help="the audit trail: sign-ins, exports, user changes")
    p.add_argument("--limit", type=int, help="only the latest N entries (default: all)")
    _add_table_out(p)
    add_json_flag(p)


def _filters(store: Store, args: argparse.Namespace) -> Filters:
    values: dict[str, Any] = {}
    for name, c in CRITERIA:
        value = getattr(args, name, None)
        values[name] = tuple(dict.fromkeys(value or ())) if c.many else value
    levels = store.levels()
    level = values["level"]
    if level is None:
        values["level"] = levels[-1] if levels else None
    elif level not in levels:
        raise InputError(
            f"unknown level '{level}'",
            hint=f"Choose one of: {', '.join(levels) or 'none (import areas first)'}",
        )
    near = getattr(args, "near", None)
    if near:
        values["shapes"] = (*values["shapes"], circle_around(store, near, args.km))
    return Filters(**values)


def filters_to_args(filters: Filters) -> list[str]:
    """Command-line flags that select the same customers as ``filters``."""
    out: list[str] = []
    for name, c in CRITERIA:
        texts = c.to_texts(getattr(filters, name))
        if texts and c.repeat_flag:
            out += [arg for text in texts for arg in (c.flag, text)]
        elif texts:
            out += [c.flag, *texts]
    return out


def run_rfm(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.rfm_views import scored_customers, segment_summary, segments_by_area
    from geo.analytics.scores import score_state

    filters = _filters(store, args)
    state = score_state(store)
    summary = segment_summary(store, filters)
    if args.out is not None and args.by_area:
        what = "RFM segments by area: " + describe_filters(store, filters)
        write_table(store, args, segments_by_area(store, filters), what)
    elif args.out is not None:
        what = "RFM scores: " + describe_filters(store, filters)
        write_table(store, args, scored_customers(store, filters), what)
    as_of = state.as_of.isoformat() if state.as_of else None
    text = f"RFM segments as of {as_of}:\n" + summary[
        ["segment", "customers", "revenue", "avg_value_3y", "avg_churn_risk"]
    ].to_string(index=False, float_format=lambda v: f"{v:,.2f}")
    return {"as_of": as_of, "segments": records_of(summary)}, text


def run_backtest(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.churn_backtest import backtest_churn

    result = backtest_churn(store, args.cutoff, args.months)
    table = result.to_frame()[["rule", "flagged", "stopped", "precision", "recall"]]
    text = (
        f"predicted as of {result.cutoff}, observed to {result.window_end} "
        f"({table['stopped'].iloc[0]:,} of {result.rules[0].customers:,} stopped):\n"
        + table.to_string(index=False, float_format=lambda v: f"{v:.3f}")
    )
    return result.to_dict(), text


def run_trends(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.flows import area_flows, latest_complete_period, period_start

    filters = _filters(store, args)
    start = period_start(args.at, args.period) if args.at else None
    start = start or latest_complete_period(store, args.period)
    if start is None:
        raise InputError("no orders yet", hint="Import sales first")
    flows = area_flows(store, filters, args.period, start)
    what = f"{args.period} trends from {start}: " + describe_filters(store, filters)
    write_table(store, args, flows, what)
    totals = {c: int(flows[c].sum()) for c in ("new", "retained", "reactivated", "lost")}
    totals["net_change"] = int(flows["net_change"].sum())
    top = flows.sort_values("net_change").iloc[[0, -1]]
    text = (
        f"{args.period} from {start}: "
        + ", ".join(f"{k} {v:,}" for k, v in totals.items())
        + f"\n  fell most: {top.iloc[0]['name']} ({int(top.iloc[0]['net_change']):+,})"
        + f"\n  grew most: {top.iloc[1]['name']} ({int(top.iloc[1]['net_change']):+,})"
    )
    return {"period": args.period, "start": start.isoformat(), **totals}, text


def run_whitespace(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.lookalikes import whitespace

    filters = _filters(store, args)
    table = whitespace(store, filters)
    write_table(store, args, table, "whitespace: " + describe_filters(store, filters))
    cols = ["rank", "name", "customers", "prospects", "penetration", "whitespace"]
    text = table[cols].head(10).to_string(index=False, float_format=lambda v: f"{v:,.2f}")
    return {"areas": records_of(table.head(50))}, text


def run_lookalikes(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.lookalikes import lookalike_prospects

    filters = _filters(store, args)
    table = lookalike_prospects(store, filters, args.limit)
    write_table(store, args, table, "look-alike prospects: " + describe_filters(store, filters))
    cols = [
        c
        for c in ("customer_id", "name", "area_name", "local_area", "lookalike_index")
        if c in table
    ]
    text = f"{len(table):,} prospects, best first:\n" + table[cols].head(10).to_string(index=False)
    return {"prospects": len(table), "top": records_of(table[cols].head(20))}, text


def run_demo(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.demo.database import build_demo_file, demo_is_complete

    if args.if_needed and demo_is_complete(store.location):
        return {"built": False, "database": store.shown}, f"database present: {store.shown}"
    started = time.perf_counter()
    counts: dict[str, Any] = build_demo_file(
        store.location,
        seed=args.seed,
        customers=args.customers,
        prospects=args.prospects,
        order_lines=args.order_lines,
        progress=common.terminal_progress(args),
    )
    counts["seconds"] = round(time.perf_counter() - started, 1)
    text = f"demo database built in {counts['seconds']} s: " + ", ".join(
        f"{k} {v}" for k, v in counts.items() if k != "seconds"
    )
    counts["built"] = True
    return counts, text


def run_copy(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """``geocrm copy SOURCE DEST``: every table of SOURCE into DEST, checked per table."""
    from geo.store.copying import copy_database

    if not is_server_url(args.source) and not Path(args.source).is_file():
        raise InputError(
            f"no database file at {args.source}: nothing to copy",
            hint="Name an existing GeoCRM database file or a postgresql:// URL as SOURCE",
        )
    source = open_store(args.source, create=False)
    dest = open_store(args.dest)
    checks = copy_database(source, dest, replace=args.replace)
    tables = [
        {
            "table": c.table,
            "source_rows": c.source_rows,
            "dest_rows": c.dest_rows,
            "source_checksum": c.source_checksum,
            "dest_checksum": c.dest_checksum,
            "matches": c.matches,
        }
        for c in checks
    ]
    out = {"source": source.shown, "dest": dest.shown, "tables": tables,
           "matches": all(c.matches for c in checks)}  # fmt: skip
    width = max(len(c.table) for c in checks)
    lines = [f"copied {source.shown} to {dest.shown}; every table has the same rows:"]
    lines.append(f"  {'table':<{width}}  {'rows':>10}  checksum")
    lines += [f"  {c.table:<{width}}  {c.dest_rows:>10,}  {c.dest_checksum[:16]}" for c in checks]
    return out, "\n".join(lines)


def run_status(store: Store, _args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.places.level_assignment import summarise_assignments

    counts = store.table_counts()
    assignment = summarise_assignments(store)
    with store.snapshot() as reader:
        schema_version = schema_version_of(reader)
        row_security = row_security_state(reader)
    out = {
        "database": store.shown,
        "engine": store.dialect.name,
        "schema_version": schema_version,
        "row_security": {"on": row_security.on, "reason": row_security.reason},
        "tables": counts,
        "levels": store.levels(),
        "data_version": store.data_version(),
        "assignment": assignment.by_level,
    }
    text = "\n".join(
        [
            f"database {store.shown}",
            f"  engine {store.dialect.name}, schema version {schema_version}",
            f"  row-level security: {row_security.describe()}",
        ]
        + [f"  {t}: {n} rows" for t, n in counts.items()]
        + [
            f"  {lv}: " + ", ".join(f"{k} {v}" for k, v in c.items())
            for lv, c in assignment.by_level.items()
        ]
    )
    return out, text


def run_assign(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.places.assignment_stamp import assignments_current
    from geo.places.level_assignment import summarise_assignments

    if not args.force and assignments_current(store):
        # The imports since the last full assignment assigned what they wrote.
        summary = summarise_assignments(store)
        head = "the stored assignments are current: nothing recomputed (--force recomputes)"
        recomputed = False
    else:
        summary = assign_customers(store, progress=common.terminal_progress(args))
        head, recomputed = "", True
    text = "\n".join(
        [head] * bool(head)
        + [
            f"{lv}: " + ", ".join(f"{k} {v}" for k, v in c.items())
            for lv, c in summary.by_level.items()
        ]
    )
    return {**summary.to_dict(), "recomputed": recomputed}, text or "no areas to assign to"


def run_areas(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    filters = _filters(store, args)
    kpis = compute_area_kpis(store, filters)
    what = f"{filters.level} figures: " + describe_filters(store, filters)
    write_table(store, args, kpis, what, fmt="csv")
    # The table's rows add up to the customers located in an area: say so in the keys.
    out = {
        "out": str(args.out),
        "level": filters.level,
        "areas": len(kpis),
        "customers_in_area": int(kpis["customers"].sum()),
        "prospects_in_area": int(kpis["prospects"].sum()),
        "orders_in_area": int(kpis["orders"].sum()),
        "sales_in_area": round(float(kpis["sales_amount"].sum()), 2),
    }
    return out, f"wrote {len(kpis)} {filters.level} rows to {args.out}"


def run_figures(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.figures import (
        GLOSSARY,
        net_change_last_period,
        quarter_name,
        selection_figures,
    )
    from geo.maps.area_colours import format_value

    segment, problems = _segment_for(store, args)
    for problem in problems:
        print(f"geocrm: warning: {problem}", file=sys.stderr)
    filters = segment.filters
    figures = selection_figures(store, filters)
    net = net_change_last_period(store, filters)
    payload: dict[str, Any] = {
        "segment": segment.name,
        "description": describe_filters(store, filters),
        **figures.to_dict(),
        "net_change": net.net_change if net else None,
        "net_change_period": quarter_name(net.period_start) if net else None,
    }
    lines = [payload["description"]]
    rows = [
        ("customers", f"{figures.customers:,}", figures.where_note("customer")),
        ("prospects", f"{figures.prospects:,}", figures.where_note("prospect")),
        (
            "orders",
            f"{figures.orders:,}",
            f"{figures.orders_in_area:,} by customers in an area",
        ),
        (
            "sales_amount",
            format_value(figures.sales_amount, "$"),
            f"{format_value(figures.sales_in_area, '$')} by customers in an area",
        ),
        ("customers_high_risk", f"{figures.customers_high_risk:,}", ""),
    ]
    if net:
        rows.append(("net_change", f"{net.net_change:+,}", quarter_name(net.period_start)))
    for key, value, note in rows:
        lines.append(f"{GLOSSARY[key].label}: {value}" + (f" ({note})" if note else ""))
    return payload, "\n".join(lines)


def _segment_for(store: Store, args: argparse.Namespace) -> tuple[Segment, list[str]]:
    if getattr(args, "segment", None):
        return load_segment(store, args.segment)
    return Segment(_filters(store, args)), []


def run_export(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    segment, problems = _segment_for(store, args)
    for problem in problems:
        print(f"geocrm: warning: {problem}", file=sys.stderr)
    suppression = read_suppression(args.suppress) if args.suppress else set()
    columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
    if (args.per_area or args.per_owner) and args.format != "xlsx":
        raise InputError("--per-area and --per-owner need --format xlsx")
    if args.per_area and args.per_owner:
        raise InputError("choose --per-area or --per-owner, not both")
    split_by = "area_name" if args.per_area else "owner" if args.per_owner else None
    if split_by and columns and split_by not in columns:
        columns.append(split_by)
    target = build_target_list(
        store, segment, columns=columns, suppression=suppression, by_priority=args.per_owner
    )
    written = write_export(
        target.rows, args.out, args.format, summary=target.summary, split_by=split_by
    )
    what = segment.name or target.description
    record_file(store, args, what, args.format, written, args.out, problems)
    out = {
        "out": str(args.out),
        "format": args.format,
        "segment": segment.name,
        "rows": written,
        "selected": target.selected,
        "suppressed": target.suppressed,
        "problems": problems,
    }
    text = f"wrote {written} rows ({target.description}) to {args.out}"
    if target.suppressed:
        text += f"; {target.suppressed} suppressed"
    return out, text


def _audit_files(
    store: Store, args: argparse.Namespace, segment: Segment, files: list[Path], problems: list[str]
) -> None:
    """Record a deck or a picture written, by whom and of what, in the audit trail."""
    if not store.writable:
        warn_not_recorded(problems)
        return
    log_event(
        store,
        args.actor,
        "export",
        segment.name or describe_filters(store, segment.filters),
        ", ".join(f.name for f in files),
        fmt=", ".join(f.suffix.lstrip(".").lower() for f in files),
    )


def run_deck(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.present.deck import build_deck_content
    from geo.present.deck_files import write_pdf, write_pptx

    segment, problems = _segment_for(store, args)
    level = segment.filters.level or _filters(store, args).level
    if level is None:
        raise InputError("no areas to make slides of", hint="Import areas first")
    if not 0 <= args.top <= 200:
        raise InputError(f"--top {args.top}: choose 0 to 200 areas")
    deck = build_deck_content(
        store, segment, level=level, top=args.top, metric=args.metric, scheme=args.classes
    )
    args.out.write_bytes(write_pptx(deck))
    files = [args.out]
    if args.pdf:
        args.pdf.write_bytes(write_pdf(deck))
        files.append(args.pdf)
    _audit_files(store, args, segment, files, problems)
    titles = [s.title for s in deck.slides]
    out = {"out": str(args.out), "pdf": str(args.pdf) if args.pdf else None,
           "slides": len(titles), "titles": titles, "problems": problems}  # fmt: skip
    return out, f"wrote {len(titles)} slides to {args.out}: " + ", ".join(titles)


def run_picture(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.analytics.area_metrics import area_metric_values
    from geo.analytics.figures import selection_figures
    from geo.maps.display_geometry import simplify_for_display
    from geo.maps.picture import render_map_picture

    segment, _ = _segment_for(store, args)
    filters = segment.filters
    if filters.level is None:
        raise InputError("no areas to draw", hint="Import areas first")
    metric = METRICS[args.metric]
    values = area_metric_values(store, filters, args.metric)
    areas = simplify_for_display(store.load_areas(filters.level), 0.01)
    if filters.area_ids:  # the areas the map shows, so the classes are the same
        areas = areas[areas["area_id"].isin(filters.area_ids)]
    png = render_map_picture(
        areas,
        values,
        title=f"{metric.label} by {filters.level}",
        subtitle=describe_filters(store, filters)
        + "\n"
        + selection_figures(store, filters).headline(),
        metric_label=metric.label,
        unit=metric.unit,
        diverging=metric.diverging,
        scheme=args.classes,
    )
    args.out.write_bytes(png)
    _audit_files(store, args, segment, [args.out], [])
    return {"out": str(args.out), "bytes": len(png)}, f"wrote {args.out}"


def run_segment(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.action == "save":
        # A command names the segment it saves: over one of that name, knowingly.
        saved = save_segment(store, Segment(_filters(store, args)), args.name, overwrite=True)
        text = f"saved '{saved.segment.name}'" + (
            f" (replacing revision {saved.revision - 1})" if saved.revision > 1 else ""
        )
        return {
            "name": saved.segment.name,
            "spec": saved.segment.to_query(),
            "revision": saved.revision,
        }, text
    if args.action == "list":
        table = list_segments(store)
        text = table.to_string(index=False) if len(table) else "no saved segments"
        return {"segments": records_of(table)}, text
    if args.action == "show":
        segment, problems = load_segment(store, args.name)
        text = describe_filters(store, segment.filters) + "".join(
            f"\n  warning: {p}" for p in problems
        )
        return {"name": segment.name, "spec": segment.to_query(), "problems": problems}, text
    if args.action == "rename":
        rename_segment(store, args.name, args.new_name)
        return {"name": args.new_name}, f"renamed '{args.name}' to '{args.new_name}'"
    delete_segment(store, args.name)
    return {"deleted": args.name}, f"deleted '{args.name}'"


def _user_payload(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "role": user.role,
        "all_areas": user.all_areas,
        "areas": [f"{level}:{area}" for level, area in user.areas],
        "active": user.active,
        "sees": user.scope.describe(),
    }


def _user_line(user: User) -> str:
    return f"{user.email}: {user.role}, {user.describe_areas()}" + (
        "" if user.active else " (inactive)"
    )


def _changed_by(args: argparse.Namespace) -> str:
    """Who the audit trail names for a change: --by, else the user acted for, else local."""
    if args.by:
        return normalised_email(args.by)
    return str(getattr(args, "actor", LOCAL_ACTOR))


def run_user(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.action == "list":
        table = list_users(store)
        write_table(store, args, table, "users")
        text = table.to_string(index=False) if len(table) else "no users"
        return {"users": records_of(table), "out": str(args.out) if args.out else None}, text
    actor = _changed_by(args)
    if args.action == "remove":
        remove_user(store, args.email, actor=actor)
        email = normalised_email(args.email)
        return {"removed": email, "by": actor}, f"removed {email}"
    areas = parse_areas(args.areas) if args.areas is not None else None
    if areas and args.all_areas:
        raise InputError("give --areas or --all-areas, not both")
    if args.action == "add":
        user = add_user(
            store, args.email, args.role, areas=areas or (), all_areas=args.all_areas, actor=actor
        )
        return {"user": _user_payload(user), "by": actor}, f"added {_user_line(user)}"
    if args.role is None and areas is None and args.all_areas is None and args.active is None:
        raise InputError(
            f"nothing to change for {args.email}",
            hint="Give --role, --areas, --all-areas, --own-areas, --active or --inactive",
        )
    user = set_user(
        store,
        args.email,
        role=args.role,
        areas=areas,
        all_areas=args.all_areas,
        active=args.active,
        actor=actor,
    )
    return {"user": _user_payload(user), "by": actor}, f"changed {_user_line(user)}"


def run_audit(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: give 1 or more entries")
    entries = audit_table(store, args.limit)
    write_table(store, args, entries, "audit trail")
    shown = entries.astype(object).where(entries.notna(), "")
    text = shown.to_string(index=False) if len(entries) else "the audit trail is empty"
    out = {"entries": records_of(entries), "rows": len(entries),
           "out": str(args.out) if args.out else None}  # fmt: skip
    return out, text


COMMANDS: dict[str, Callable[[Store, argparse.Namespace], tuple[dict[str, Any], str]]] = {
    "demo": run_demo,
    "status": run_status,
    "import": run_import,
    "assign": run_assign,
    "areas": run_areas,
    "export": run_export,
    "segment": run_segment,
    "deck": run_deck,
    "picture": run_picture,
    "figures": run_figures,
    "rfm": run_rfm,
    "backtest": run_backtest,
    "trends": run_trends,
    "whitespace": run_whitespace,
    "lookalikes": run_lookalikes,
    "territory": run_territory,
    "quality": run_quality,
    "fix": run_fix,
    "merge": run_merge,
    "user": run_user,
    "audit": run_audit,
}


#: Commands (and segment actions) that write; every other command only reads, and refuses
#: a database path where there is no file instead of creating an empty database there.
WRITING_COMMANDS = frozenset({"import", "assign", "fix", "merge"})
WRITING_SEGMENT_ACTIONS = frozenset({"save", "rename", "delete"})
#: The user action that may start a database (the first admin of a new team database).
CREATING_USER_ACTIONS = frozenset({"add"})
#: Commands that write a file of the data: what a role that may not export is refused.
EXPORTING_COMMANDS = frozenset({"export", "deck", "picture", "areas"})


def _only_reads(args: argparse.Namespace) -> bool:
    if args.command == "segment":
        return args.action not in WRITING_SEGMENT_ACTIONS
    if args.command == "user":
        return args.action not in CREATING_USER_ACTIONS
    if args.command == "territory":
        return not territory_writes(args)
    if args.command == "import":
        return import_reads_only(args)
    if args.command == "fix":
        return fix_reads_only(args)
    if args.command == "merge":
        return merge_reads_only(args)
    return args.command not in WRITING_COMMANDS


def _refused_for(user: User, args: argparse.Namespace) -> str | None:
    """Why ``user``'s role may not run this command (None: it may)."""
    role = user.permissions
    writes_file = args.command in EXPORTING_COMMANDS or getattr(args, "out", None) is not None
    if args.command in ("user", "audit") and not role.manages_users:
        return "manage users or read the audit trail"
    if args.command in WRITING_COMMANDS and not role.may_load_data:
        return "load data"
    if (
        args.command == "segment"
        and args.action in WRITING_SEGMENT_ACTIONS
        and not role.may_save_segments
    ):
        return "save, rename or delete segments"
    if args.command == "territory" and (refusal := territory_refusal(role, args)):
        return refusal
    if writes_file and not role.may_export:
        return "export (a viewer sees the data but writes no file of it)"
    return None


def _acting_store(store: Store, args: argparse.Namespace) -> Store:
    """The store as ``--as EMAIL`` may use it (bound to their scope), and ``args.actor``
    set to whom the audit trail names; without --as, the local operator and everything."""
    args.actor = LOCAL_ACTOR
    if not args.as_user:
        return store
    user = acting_user(store, args.as_user)
    refused = _refused_for(user, args)
    if refused is not None:
        raise InputError(
            f"{user.email} is a {user.role} and may not {refused}",
            hint="Ask an admin for a role that may",
        )
    args.actor = user.email
    return store.within(user.scope)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.as_user and args.command in ("copy", "demo"):
            raise InputError(
                f"`geocrm {args.command}` makes a whole database, for nobody in particular",
                hint="Run it without --as",
            )
        if args.command == "copy":  # two databases, neither of them --db
            payload, text = run_copy(args)
        else:
            if args.command == "demo":
                # Built in a file of its own and moved into place when complete.
                store = store_at(resolve_location(args.db))
            else:
                # Acting for a user needs their row: a missing database is never created.
                creates = not _only_reads(args) and not args.as_user
                store = open_store(args.db, create=creates)
            store = _acting_store(store, args)
            payload, text = COMMANDS[args.command](store, args)
    except (InputError, ValueError, OSError) as exc:
        message = str(exc).replace("\n", " ")
        if args.json:
            print(json.dumps({"error": message}))
        print(f"geocrm: error: {message}", file=sys.stderr)
        return EXIT_INPUT
    try:
        print(json.dumps(payload, default=str) if args.json else text, flush=True)
    except BrokenPipeError:
        # The reader stopped early (`geocrm ... | head`): what it read was right; say
        # nothing more, and keep Python from reporting the closed pipe at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
