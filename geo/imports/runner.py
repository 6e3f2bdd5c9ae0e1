"""Importing files into the store: read, validate, write and assign, all or nothing.

Re-importing rules: customers are keyed by ``customer_id`` (a re-imported ID replaces the
stored row and is re-assigned); sales by ``order_id`` (a re-imported order replaces all the
stored lines of that order); areas by level (a re-imported level replaces that level's areas
and every customer is re-assigned to it). Rejected rows are never written.

An import is two steps, so that a page can ask before anything stored is replaced:
``prepare_*`` reads and validates the file and counts what it would replace (nothing is
written); :func:`write_prepared` writes it. ``import_*_file`` does both at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo.errors import InputError
from geo.import_report import ImportReport
from geo.imports.area_files import read_areas
from geo.imports.area_names import name_namesakes
from geo.imports.customer_changes import customer_changes
from geo.imports.customer_files import CustomerColumns, read_customers
from geo.imports.gazetteer import Gazetteer
from geo.imports.location_fixes import keep_fixed_locations
from geo.imports.merges import merged_customer_ids
from geo.imports.sale_files import SaleColumns, read_sales
from geo.imports.swapped_coordinates import count_inside_if_swapped
from geo.places.assignment_stamp import assignments_current_in, mark_assignments_current
from geo.places.level_assignment import AssignmentSummary, assign_into
from geo.progress import Progress, within
from geo.store.data_version import data_version_in
from geo.store.import_batches import new_batch_id
from geo.store.protocol import Store

#: Share of an import's progress taken by reading and validating the file.
READ_SHARE = 0.3


@dataclass
class ImportResult:
    """The report of one import, and where its customers landed (customers and areas only)."""

    report: ImportReport
    assignment: AssignmentSummary | None = None

    def to_dict(self) -> dict[str, object]:
        out = self.report.to_dict()
        if self.assignment is not None:
            out["assignment"] = self.assignment.to_dict()
        return out


@dataclass
class PreparedImport:
    """A file read and validated but not written: its rows, its report, and how many
    stored records writing it would replace (``replaced``, described by ``replaced_what``)."""

    rows: pd.DataFrame
    report: ImportReport
    replaced: int = 0
    replaced_what: str = ""

    @property
    def table(self) -> str:
        return self.report.table

    def replacement_note(self) -> str:
        """What writing the file replaces, in words ('' when it replaces nothing)."""
        return f"{self.replaced:,} {self.replaced_what}" if self.replaced else ""


def _refuse_if_strict(report: ImportReport, strict: bool) -> None:
    if strict and report.rejected_count:
        first = report.rejected.iloc[0]
        raise InputError(
            f"{report.rejected_count} rows rejected (first: {first['_reason']}, "
            f"{first['_detail']}); nothing was imported",
            file=report.source,
            row=int(first["_row"]),
            column=str(first["_column"]) or None,
            hint="Fix the rows listed with --rejects, or import without --strict",
        )


def prepare_customers(
    store: Store,
    path: Path,
    *,
    kind: str | None = None,
    columns: CustomerColumns | None = None,
    country: str = "US",
    gazetteer: Gazetteer | None = None,
    display_name: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> PreparedImport:
    """Read and validate a customer or prospect file; count the stored IDs it replaces."""
    if progress:
        progress("reading and validating", 0.0)
    frame, report = read_customers(
        path,
        kind=kind,
        columns=columns,
        country=country,
        gazetteer=gazetteer,
        display_name=display_name,
        merged=merged_customer_ids(store),
    )
    _refuse_if_strict(report, strict)
    replaced = int(frame["customer_id"].isin(store.customer_ids()).sum())
    stored = store.table_rows("customers") if replaced else frame.iloc[:0]
    report.changes = customer_changes(frame, stored)
    return PreparedImport(
        frame, report, replaced, "stored customers and prospects with the same ID"
    )


def prepare_sales(
    store: Store,
    path: Path,
    *,
    columns: SaleColumns | None = None,
    display_name: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> PreparedImport:
    """Read and validate order lines (lines for customers not stored are rejected); count
    the stored orders whose lines they replace."""
    if progress:
        progress("reading and validating", 0.0)
    frame, report = read_sales(
        path,
        known_customer_ids=store.customer_ids(),
        columns=columns,
        display_name=display_name,
        merged=merged_customer_ids(store),
    )
    _refuse_if_strict(report, strict)
    stored = store.order_ids()
    replaced = int(pd.Series(frame["order_id"].unique()).isin(stored).sum())
    return PreparedImport(frame, report, replaced, "stored orders with the same order ID")


def _tell_namesakes_apart(store: Store, areas: pd.DataFrame, report: ImportReport) -> None:
    """Names that repeat within the level get their parent's name (or their ID), in place:
    two areas both called "Springfield" cannot be told apart on the map or in a list."""
    named = name_namesakes(areas, store.named_areas())
    changed = named.ne(areas["name"]) & named.notna()
    if changed.any():
        examples = ", ".join(f"'{n}'" for n in named[changed].head(3))
        report.warnings.append(
            f"{int(changed.sum())} areas share their name with another area of the level: "
            f"they are named with their parent's name or their ID ({examples})"
        )
        areas["name"] = named


def prepare_areas(
    store: Store,
    path: Path,
    *,
    layer: str | None = None,
    id_col: str | None = None,
    name_col: str | None = None,
    parent_col: str | None = None,
    level: str | None = None,
    crs: str | None = None,
    display_name: str | None = None,
    work_dir: Path | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> PreparedImport:
    """Read and check one level of areas; count the stored areas of that level it replaces."""
    if progress:
        progress("reading and checking the areas", 0.0)
    areas, report = read_areas(
        path,
        layer=layer,
        id_col=id_col,
        name_col=name_col,
        parent_col=parent_col,
        level=level,
        crs=crs,
        display_name=display_name,
        work_dir=work_dir,
    )
    _refuse_if_strict(report, strict)
    if areas.empty:
        raise InputError(
            "no usable area in the file",
            file=report.source,
            hint="Check the layer and the ID column; every feature was rejected",
        )
    _tell_namesakes_apart(store, areas, report)
    levels = sorted(pd.unique(areas["level"]).tolist())
    stored = store.area_counts()
    replaced = sum(stored.get(name, 0) for name in levels)
    return PreparedImport(areas, report, replaced, f"stored areas of the level {', '.join(levels)}")


def write_prepared(
    store: Store,
    prepared: PreparedImport,
    progress: Progress | None = None,
    *,
    imported_by: str | None = None,
) -> ImportResult:
    """Write a prepared import in one transaction (customers and areas are assigned to the
    areas too) as a new import batch, which its report names and which can be undone
    (:func:`geo.imports.undo.undo_import`); ``imported_by`` is who imports (None: the
    command line). The last progress step is 'done' with the counts."""
    prepared.report.batch_id = new_batch_id()
    prepared.report.imported_by = imported_by
    writing = within(progress, READ_SHARE, 1.0)
    if prepared.table == "customers":
        result = _write_customers(store, prepared, writing)
    elif prepared.table == "sales":
        result = _write_sales(store, prepared, writing)
    else:
        result = _write_areas(store, prepared, writing)
    if progress:
        report = result.report
        progress(f"done: {report.imported:,} imported, {report.rejected_count:,} rejected", 1.0)
    return result


def _write_customers(
    store: Store, prepared: PreparedImport, progress: Progress | None
) -> ImportResult:
    frame, report = prepared.rows, prepared.report
    if progress:
        progress("storing", 0.0)
    with store.transaction() as tx:
        current = assignments_current_in(tx)
        frame, kept = keep_fixed_locations(tx, frame)
        if kept:
            report.warnings.append(
                f"{kept:,} customers keep the location fixed by hand (geocrm fix list); the "
                "file's point for them is noted, and reverting the fix puts it back"
            )
        # Replaced customers lose their assignments here: theirs are written anew below.
        store.upsert_customers(tx, frame, report.batch_id)
        located = frame[["customer_id", "lat", "lon"]]
        assignment = assign_into(
            tx, store, located, progress=within(progress, 0.1, 1.0), replacing=False
        )
        swapped = count_inside_if_swapped(tx, located, assignment.outside_every_level)
        if swapped:
            report.warnings.append(
                f"{swapped:,} customers are outside all areas but would fall inside if "
                "latitude and longitude were swapped: check the column order"
            )
        store.log_import(tx, report)
        store.bump_data_version(tx)
        if current:
            mark_assignments_current(tx)
    return ImportResult(report, assignment)


def _write_sales(store: Store, prepared: PreparedImport, progress: Progress | None) -> ImportResult:
    if progress:
        progress("storing the order lines", 0.0)
    with store.transaction() as tx:
        current = assignments_current_in(tx)
        store.upsert_sales(tx, prepared.rows, prepared.report.batch_id)
        store.log_import(tx, prepared.report)
        store.bump_data_version(tx)
        if current:  # order lines move no customer and no area
            mark_assignments_current(tx)
    if progress:
        progress("stored", 1.0)
    return ImportResult(prepared.report)


def _write_areas(store: Store, prepared: PreparedImport, progress: Progress | None) -> ImportResult:
    areas = prepared.rows
    levels = sorted(pd.unique(areas["level"]).tolist())
    read_at = store.data_version()  # read first: a write after it makes it stale
    customers = store.customer_locations()
    with store.transaction() as tx:
        # Current only if nothing was written since the customers were read.
        current = assignments_current_in(tx) and data_version_in(tx) == read_at
        # The level's assignments go with its areas: every customer is assigned to it anew.
        store.replace_level(tx, areas, prepared.report.batch_id)
        assignment = assign_into(
            tx, store, customers, levels=levels, progress=progress, replacing=False
        )
        store.log_import(tx, prepared.report, written=len(areas))
        store.bump_data_version(tx)
        if current:
            mark_assignments_current(tx)
    return ImportResult(prepared.report, assignment)


def import_customers_file(
    store: Store, path: Path, *, progress: Progress | None = None, **options: Any
) -> ImportResult:
    """Import a customer or prospect file and assign its customers to every level;
    ``options`` are :func:`prepare_customers`' (kind, columns, country, gazetteer ...)."""
    prepared = prepare_customers(store, path, progress=progress, **options)
    return write_prepared(store, prepared, progress)


def import_sales_file(
    store: Store,
    path: Path,
    *,
    columns: SaleColumns | None = None,
    display_name: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import order lines; lines for customers not in the store are rejected."""
    prepared = prepare_sales(
        store, path, columns=columns, display_name=display_name, strict=strict, progress=progress
    )
    return write_prepared(store, prepared, progress)


def import_areas_file(
    store: Store, path: Path, *, progress: Progress | None = None, **options: Any
) -> ImportResult:
    """Import one level of areas (replacing that level) and re-assign every customer to it;
    ``options`` are :func:`prepare_areas`' (layer, id_col, name_col, level, crs ...)."""
    prepared = prepare_areas(store, path, progress=progress, **options)
    return write_prepared(store, prepared, progress)
