"""The ``geocrm`` command line: everything the app does, scriptable.

Every command takes ``--json`` after its own arguments and then prints exactly one JSON
object on standard output. Errors print one line on standard error naming the file, row
and column and what to do, and exit with status 2; the database is then unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from geo.customer_import import CustomerColumns
from geo.customer_selection import (
    compute_area_kpis,
    describe_filters,
    select_customers,
    summarise_selection,
)
from geo.errors import InputError
from geo.export import FORMATS, export_summary, write_csv, write_export
from geo.filters import Filters
from geo.imports import (
    ImportResult,
    import_areas_file,
    import_customers_file,
    import_sales_file,
)
from geo.progress import Progress
from geo.sale_import import SaleColumns
from geo.store import Store, log_export
from geo.territory_assignment import assign_customers

EXIT_INPUT = 2


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD") from exc


def _add_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _add_filters(p: argparse.ArgumentParser, *, areas: bool) -> None:
    p.add_argument("--level", help="area level (default: the finest)")
    if areas:
        p.add_argument("--area", nargs="+", default=[], metavar="ID", help="area IDs to keep")
        p.add_argument("--kind", choices=["customer", "prospect"], help="customers or prospects")
        p.add_argument("--owner", nargs="+", default=[], metavar="O", help="owners to keep")
    p.add_argument("--from", dest="date_from", type=_parse_date, help="first sales date")
    p.add_argument("--to", dest="date_to", type=_parse_date, help="last sales date")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geocrm", description="GeoCRM: customers, prospects and sales by trading area."
    )
    parser.add_argument("--db", help="database file (default: $GEOCRM_DB or data/geocrm.duckdb)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build the demo business (seeded)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--customers", type=int, default=50_000)
    p.add_argument("--prospects", type=int, default=150_000)
    p.add_argument("--order-lines", type=int, default=500_000)
    _add_json(p)

    p = sub.add_parser("status", help="row counts per table and location statuses")
    _add_json(p)

    imp = sub.add_parser("import", help="import a file").add_subparsers(dest="what", required=True)
    p = imp.add_parser("areas", help="areas: GeoJSON, TopoJSON, zipped Shapefile, GPKG, GeoParquet")
    p.add_argument("file", type=Path)
    p.add_argument("--layer")
    p.add_argument("--id-col")
    p.add_argument("--name-col")
    p.add_argument("--parent-col")
    p.add_argument("--level", help="level name (default: the layer or file name)")
    p.add_argument("--crs", help="CRS of a file that states none, e.g. EPSG:27700")
    p.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    p.add_argument("--rejects", type=Path, help="write rejected features to this CSV")
    _add_json(p)

    p = imp.add_parser("customers", help="customers or prospects: CSV or XLSX")
    p.add_argument("file", type=Path)
    p.add_argument("--kind", choices=["customer", "prospect"])
    for col in ("id", "name", "lat", "lon", "x", "y", "postcode", "email", "owner"):
        p.add_argument(f"--{col}-col")
    p.add_argument("--crs", help="CRS of the x/y columns, e.g. EPSG:27700")
    p.add_argument("--country", default="US", help="country of the postcodes (default US)")
    p.add_argument("--gazetteer", type=Path, help="CSV of postcode, lat, lon for --country")
    p.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    p.add_argument("--rejects", type=Path, help="write rejected rows to this CSV")
    _add_json(p)

    p = imp.add_parser("sales", help="order lines: CSV or XLSX")
    p.add_argument("file", type=Path)
    for col in ("order-id", "customer-id", "date", "amount", "category", "channel"):
        p.add_argument(f"--{col}-col")
    p.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    p.add_argument("--rejects", type=Path, help="write rejected rows to this CSV")
    _add_json(p)

    p = sub.add_parser("assign", help="re-assign every customer to the areas of every level")
    _add_json(p)

    p = sub.add_parser("areas", help="per-area KPIs as CSV")
    _add_filters(p, areas=False)
    p.add_argument("--out", type=Path, required=True)
    _add_json(p)

    p = sub.add_parser("export", help="the target list for the filters")
    _add_filters(p, areas=True)
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--out", type=Path, required=True)
    _add_json(p)
    return parser


def _filters(store: Store, args: argparse.Namespace) -> Filters:
    levels = store.levels()
    level = getattr(args, "level", None)
    if level is None:
        level = levels[-1] if levels else None
    elif level not in levels:
        raise InputError(
            f"unknown level '{level}'",
            hint=f"Choose one of: {', '.join(levels) or 'none (import areas first)'}",
        )
    return Filters(
        level=level,
        area_ids=tuple(getattr(args, "area", []) or ()),
        kind=getattr(args, "kind", None),
        owners=tuple(getattr(args, "owner", []) or ()),
        date_from=args.date_from,
        date_to=args.date_to,
    )


def _write_rejects(result: ImportResult, path: Path | None) -> None:
    if path is not None:
        write_csv(result.report.rejected, path)


def _import_summary(result: ImportResult) -> str:
    text = result.report.summary()
    if result.assignment is not None:
        for level, counts in result.assignment.by_level.items():
            text += "\n  " + f"{level}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return text


def _progress(args: argparse.Namespace) -> Progress | None:
    """Steps of long work, on stderr, for a person at a terminal (not for scripts)."""
    if args.json or not sys.stderr.isatty():
        return None

    def show(step: str, fraction: float) -> None:
        print(f"geocrm: {fraction:4.0%} {step}", file=sys.stderr, flush=True)

    return show


def run_demo(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.demo_database import build_demo_database

    started = time.perf_counter()
    counts: dict[str, Any] = build_demo_database(
        store,
        seed=args.seed,
        customers=args.customers,
        prospects=args.prospects,
        order_lines=args.order_lines,
        progress=_progress(args),
    )
    counts["seconds"] = round(time.perf_counter() - started, 1)
    text = f"demo database built in {counts['seconds']} s: " + ", ".join(
        f"{k} {v}" for k, v in counts.items() if k != "seconds"
    )
    return counts, text


def run_status(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from geo.territory_assignment import summarise_assignments

    counts = store.table_counts()
    assignment = summarise_assignments(store)
    out = {
        "database": str(store.path),
        "tables": counts,
        "levels": store.levels(),
        "data_version": store.data_version(),
        "assignment": assignment.by_level,
    }
    text = "\n".join(
        [f"database {store.path}"]
        + [f"  {t}: {n} rows" for t, n in counts.items()]
        + [
            f"  {lv}: " + ", ".join(f"{k} {v}" for k, v in c.items())
            for lv, c in assignment.by_level.items()
        ]
    )
    return out, text


def run_import(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    if args.what == "areas":
        result = import_areas_file(
            store,
            args.file,
            layer=args.layer,
            id_col=args.id_col,
            name_col=args.name_col,
            parent_col=args.parent_col,
            level=args.level,
            crs=args.crs,
            work_dir=store.path.parent / "uploads",
            strict=args.strict,
            progress=_progress(args),
        )
    elif args.what == "customers":
        gazetteer = None
        if args.gazetteer is not None:
            from geo.gazetteer import load_postcode_file

            gazetteer = load_postcode_file(args.gazetteer)
        result = import_customers_file(
            store,
            args.file,
            kind=args.kind,
            columns=CustomerColumns(
                id=args.id_col,
                name=args.name_col,
                lat=args.lat_col,
                lon=args.lon_col,
                x=args.x_col,
                y=args.y_col,
                crs=args.crs,
                postcode=args.postcode_col,
                email=args.email_col,
                owner=args.owner_col,
            ),
            country=args.country,
            gazetteer=gazetteer,
            strict=args.strict,
            progress=_progress(args),
        )
    else:
        result = import_sales_file(
            store,
            args.file,
            columns=SaleColumns(
                order_id=args.order_id_col,
                customer_id=args.customer_id_col,
                date=args.date_col,
                amount=args.amount_col,
                category=args.category_col,
                channel=args.channel_col,
            ),
            strict=args.strict,
            progress=_progress(args),
        )
    _write_rejects(result, args.rejects)
    return result.to_dict(), _import_summary(result)


def run_assign(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    summary = assign_customers(store, progress=_progress(args))
    text = "\n".join(
        f"{lv}: " + ", ".join(f"{k} {v}" for k, v in c.items())
        for lv, c in summary.by_level.items()
    )
    return summary.to_dict(), text or "no areas to assign to"


def run_areas(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    filters = _filters(store, args)
    kpis = compute_area_kpis(store, filters)
    write_csv(kpis, args.out)
    out = {
        "out": str(args.out),
        "level": filters.level,
        "areas": len(kpis),
        "customers": int(kpis["customers"].sum()),
        "prospects": int(kpis["prospects"].sum()),
        "orders": int(kpis["orders"].sum()),
        "sales_amount": round(float(kpis["sales_amount"].sum()), 2),
    }
    return out, f"wrote {len(kpis)} {filters.level} rows to {args.out}"


def run_export(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    filters = _filters(store, args)
    rows = select_customers(store, filters)
    summary = summarise_selection(store, filters)
    description = describe_filters(store, filters)
    written = write_export(
        rows,
        args.out,
        args.format,
        summary=export_summary(description, summary, date.today()),
    )
    log_export(store, description, args.format, written, args.out.name)
    out = {"out": str(args.out), "format": args.format, "rows": written, **summary}
    return out, f"wrote {written} rows ({description}) to {args.out}"


COMMANDS: dict[str, Callable[[Store, argparse.Namespace], tuple[dict[str, Any], str]]] = {
    "demo": run_demo,
    "status": run_status,
    "import": run_import,
    "assign": run_assign,
    "areas": run_areas,
    "export": run_export,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        store = Store.open(args.db)
        payload, text = COMMANDS[args.command](store, args)
    except (InputError, ValueError, OSError) as exc:
        message = str(exc).replace("\n", " ")
        if args.json:
            print(json.dumps({"error": message}))
        print(f"geocrm: error: {message}", file=sys.stderr)
        return EXIT_INPUT
    if args.json:
        print(json.dumps(payload, default=str))
    else:
        print(text)
    return 0
