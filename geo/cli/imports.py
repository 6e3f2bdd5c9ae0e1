"""``geocrm import``: files into the database (or only checked, ``--dry-run``), the list of
import batches, and undoing one."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from geo.cli import common
from geo.cli.common import add_json_flag, records_of
from geo.imports.customer_files import CustomerColumns
from geo.imports.runner import (
    ImportResult,
    PreparedImport,
    prepare_areas,
    prepare_customers,
    prepare_sales,
    write_prepared,
)
from geo.imports.sale_files import SaleColumns
from geo.imports.undo import listed_imports, undo_import
from geo.present.exports import write_csv
from geo.store.protocol import Store

#: How many batches ``geocrm import batches`` lists unless told.
LISTED_BATCHES = 20


def _add_file_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true", help="import nothing if any row is rejected")
    p.add_argument("--rejects", type=Path, help="write rejected rows to this CSV")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="read and check the file and say what it would do; write nothing",
    )
    add_json_flag(p)


def add_import_commands(sub: Any) -> None:
    """The ``import`` command and its sub-commands."""
    imp = sub.add_parser("import", help="import a file, list imports, undo one").add_subparsers(
        dest="what", required=True
    )
    p = imp.add_parser("areas", help="areas: GeoJSON, TopoJSON, zipped Shapefile, GPKG, GeoParquet")
    p.add_argument("file", type=Path)
    p.add_argument("--layer")
    p.add_argument("--id-col")
    p.add_argument("--name-col")
    p.add_argument("--parent-col")
    p.add_argument("--level", help="level name (default: the layer or file name)")
    p.add_argument("--crs", help="CRS of a file that states none, e.g. EPSG:27700")
    _add_file_flags(p)

    p = imp.add_parser("customers", help="customers or prospects: CSV or XLSX")
    p.add_argument("file", type=Path)
    p.add_argument("--kind", choices=["customer", "prospect"])
    for col in ("id", "name", "lat", "lon", "x", "y", "postcode", "email", "owner"):
        p.add_argument(f"--{col}-col")
    p.add_argument("--crs", help="CRS of the x/y columns, e.g. EPSG:27700")
    p.add_argument("--country", default="US", help="country of the postcodes (default US)")
    p.add_argument("--gazetteer", type=Path, help="CSV of postcode, lat, lon for --country")
    _add_file_flags(p)

    p = imp.add_parser("sales", help="order lines: CSV or XLSX")
    p.add_argument("file", type=Path)
    for col in ("order-id", "customer-id", "date", "amount", "category", "channel"):
        p.add_argument(f"--{col}-col")
    _add_file_flags(p)

    p = imp.add_parser("batches", help="the latest imports, each with its batch ID")
    p.add_argument("--limit", type=int, default=LISTED_BATCHES, help="how many (default 20)")
    add_json_flag(p)

    p = imp.add_parser("undo", help="undo an import batch: the database as it was before it")
    p.add_argument("batch", help="the batch ID (geocrm import batches lists them)")
    add_json_flag(p)


def import_reads_only(args: argparse.Namespace) -> bool:
    """Whether this ``import`` sub-command only reads (the list of batches)."""
    return bool(args.what == "batches")


def _prepared(store: Store, args: argparse.Namespace) -> PreparedImport:
    progress = common.terminal_progress(args)
    if args.what == "areas":
        return prepare_areas(
            store,
            args.file,
            layer=args.layer,
            id_col=args.id_col,
            name_col=args.name_col,
            parent_col=args.parent_col,
            level=args.level,
            crs=args.crs,
            work_dir=store.work_dir / "uploads",
            strict=args.strict,
            progress=progress,
        )
    if args.what == "customers":
        gazetteer = None
        if args.gazetteer is not None:
            from geo.imports.gazetteer import load_postcode_file

            gazetteer = load_postcode_file(args.gazetteer)
        return prepare_customers(
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
            progress=progress,
        )
    return prepare_sales(
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
        progress=progress,
    )


def _import_summary(result: ImportResult) -> str:
    text = result.report.summary()
    if result.assignment is not None:
        for level, counts in result.assignment.by_level.items():
            text += "\n  " + f"{level}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    return text


def run_import(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """``geocrm import areas|customers|sales FILE`` (``--dry-run``: checked, not written),
    ``import batches`` and ``import undo BATCH``."""
    if args.what == "batches":
        return _run_batches(store, args)
    if args.what == "undo":
        undone = undo_import(store, args.batch, undone_by=args.actor)
        return {"undone": undone.to_dict()}, undone.sentence()
    prepared = _prepared(store, args)
    if args.rejects is not None:
        write_csv(prepared.report.rejected, args.rejects)
    if args.dry_run:
        note = prepared.replacement_note()
        payload = {**prepared.report.to_dict(), "dry_run": True, "would_replace": prepared.replaced}
        text = "dry run, nothing written: " + prepared.report.summary()
        if note:
            text += f"\n  importing it would replace {note}"
        return payload, text
    actor = None if args.actor == "local" else args.actor
    result = write_prepared(store, prepared, common.terminal_progress(args), imported_by=actor)
    return result.to_dict(), _import_summary(result)


def _run_batches(store: Store, args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    batches = listed_imports(store, args.limit)
    if batches.empty:
        return {"batches": []}, "no imports yet"
    shown = batches[["batch_id", "logged_at", "table_name", "source", "imported", "state"]]
    return {"batches": records_of(batches)}, shown.to_string(index=False)
