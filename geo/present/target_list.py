"""A segment's target list, ready to export: chosen columns, suppression, file name.

The rows are :func:`geo.segments.selection.select_customers` for the segment's filters
(one per customer ID, sorted by ID), less the suppressed ones. The screen's preview, every
export format and the command line build their list here, so they hold the same rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geo.access.audit import record_event
from geo.errors import InputError
from geo.imports.table_files import read_table
from geo.imports.upload_safety import MAX_UPLOAD_BYTES, read_bounded
from geo.present.contact_list import in_call_order
from geo.present.exports import export_summary
from geo.segments.filters import Filters
from geo.segments.segment import Segment
from geo.segments.selection import (
    SELECTION_COLUMNS,
    describe_filters,
    first_selected,
    select_customers,
    selected_by_area_name,
)
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: Columns every export keeps, whatever is chosen.
REQUIRED_COLUMNS = ("customer_id",)
#: Most entries a suppression list may hold.
MAX_SUPPRESSION_ENTRIES = 2_000_000


@dataclass(frozen=True)
class TargetList:
    """The rows to export and what was done to get them."""

    rows: pd.DataFrame
    selected: int
    suppressed: int
    description: str
    summary: dict[str, Any]
    file_stem: str


def normalise_entry(text: str) -> str:
    """How IDs and emails are compared: trimmed and lower case."""
    return text.strip().lower()


def read_suppression(path: Path, display_name: str | None = None) -> set[str]:
    """IDs and emails not to contact, from a CSV/XLSX/TXT file: the column named id,
    customer_id or email (all of them when several), else the first column; one entry
    per row, compared trimmed and case-insensitively."""
    name = display_name or path.name
    if path.suffix.lower() == ".txt":
        data = read_bounded(path, MAX_UPLOAD_BYTES, name)
        lines = data.decode("utf-8-sig", errors="replace").splitlines()
        entries = [line for line in lines if line.strip()]
    else:
        frame = read_table(path, display_name=name).frame.drop(columns="_row", errors="ignore")
        wanted = [
            c for c in frame.columns if str(c).strip().lower() in ("id", "customer_id", "email")
        ]
        columns = wanted or list(frame.columns[:1])
        if not columns:
            raise InputError("the suppression list has no columns", file=name)
        entries = [str(v) for c in columns for v in frame[c].dropna().tolist() if str(v).strip()]
    if len(entries) > MAX_SUPPRESSION_ENTRIES:
        raise InputError(
            f"the suppression list has {len(entries):,} entries",
            file=name,
            hint=f"Split it: at most {MAX_SUPPRESSION_ENTRIES:,} per file",
        )
    return {normalise_entry(e) for e in entries}


def apply_suppression(rows: pd.DataFrame, entries: Iterable[str]) -> tuple[pd.DataFrame, int]:
    """Rows whose customer_id or email is not listed, and how many were removed."""
    listed = {normalise_entry(e) for e in entries}
    if not listed:
        return rows, 0
    ids = rows["customer_id"].astype("string").str.strip().str.lower()
    emails = rows["email"].astype("string").str.strip().str.lower() if "email" in rows else None
    hit = ids.isin(listed).fillna(False)
    if emails is not None:
        hit |= emails.isin(listed).fillna(False)
    return rows[~hit.to_numpy(dtype=bool)], int(hit.sum())


#: Most characters of a file name taken from a segment's name or description.
MAX_STEM_CHARS = 60


def export_file_stem(label: str, on: date) -> str:
    """A file name (without extension) from a segment's name or description and a date.

    A long label is cut after its last whole word that fits MAX_STEM_CHARS ("...-churn-risk"
    rather than "...-churn-risk-hig"); a single word longer than that is cut at the limit."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    if len(slug) > MAX_STEM_CHARS:
        cut = slug[: MAX_STEM_CHARS + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:MAX_STEM_CHARS]
    return f"geocrm-{slug.strip('-') or 'export'}-{on.isoformat()}"


def build_target_list(
    store: Store,
    segment: Segment,
    *,
    columns: Sequence[str] | None = None,
    suppression: Iterable[str] = (),
    on: date | None = None,
    by_priority: bool = False,
    scope: Scope = EVERYTHING,
) -> TargetList:
    """The segment's rows, suppressed entries removed, limited to ``columns`` (in the
    order of SELECTION_COLUMNS, customer_id always kept).

    ``by_priority`` orders them for a rep's call list: owner, then value at stake (3-year
    value) highest first, churn risk highest first, expected next order soonest first;
    otherwise by customer ID."""
    on = on or date.today()
    unknown = [c for c in (columns or ()) if c not in SELECTION_COLUMNS]
    if unknown:
        raise InputError(
            f"unknown export column '{unknown[0]}'",
            hint=f"Choose among: {', '.join(SELECTION_COLUMNS)}",
        )
    selected = select_customers(store, segment.filters, scope=scope)
    if by_priority:
        selected = in_call_order(selected)
    rows, suppressed = apply_suppression(selected, suppression)
    if columns:
        keep = [c for c in SELECTION_COLUMNS if c in columns or c in REQUIRED_COLUMNS]
        rows = rows[keep]
    rows = rows.reset_index(drop=True)
    description = describe_filters(store, segment.filters, scope=scope)
    counts: dict[str, Any] = {
        "rows": len(rows),
        "selected": len(selected),
        "suppressed": suppressed,
    }
    if "kind" in selected:
        kept = selected[selected["customer_id"].isin(rows["customer_id"])]
        counts["customers"] = int((kept["kind"] == "customer").sum())
        counts["prospects"] = int((kept["kind"] == "prospect").sum())
        counts["sales_amount"] = round(float(kept["sales_amount"].sum()), 2)
    summary = export_summary(description, counts, on)
    if segment.name:
        summary = {"Segment": segment.name, **summary}
    return TargetList(
        rows=rows,
        selected=len(selected),
        suppressed=suppressed,
        description=description,
        summary=summary,
        file_stem=export_file_stem(segment.name or description, on),
    )


def area_breakdown(rows: pd.DataFrame) -> pd.DataFrame:
    """Per area of the rows (area_name; 'No area' for the rest): rows, customers, prospects
    and sales amount, largest first."""
    area = rows["area_name"].astype("object").where(rows["area_name"].notna(), "No area")
    frame = pd.DataFrame(
        {
            "area": area,
            "customers": (rows["kind"] == "customer").astype("int64"),
            "prospects": (rows["kind"] == "prospect").astype("int64"),
            "sales_amount": rows["sales_amount"].astype("float64"),
        }
    )
    out = frame.groupby("area").agg(
        rows=("customers", "size"),
        customers=("customers", "sum"),
        prospects=("prospects", "sum"),
        sales_amount=("sales_amount", "sum"),
    )
    return _sorted_breakdown(out)


def _sorted_breakdown(out: pd.DataFrame) -> pd.DataFrame:
    return out.sort_values(["rows", "sales_amount"], ascending=False).reset_index()


@dataclass(frozen=True)
class SelectionPreview:
    """What the Export page shows of a selection before any file is made: its first rows
    (``head``, by customer_id, as :func:`select_customers` orders them), how many rows it
    has (``rows``), and :func:`area_breakdown` of all of them (``per_area``)."""

    head: pd.DataFrame
    rows: int
    per_area: pd.DataFrame


def preview_selection(
    store: Store, filters: Filters, head: int = 100, *, scope: Scope = EVERYTHING
) -> SelectionPreview:
    """The selection's first ``head`` rows, its row count and its per-area breakdown, each
    computed by the database: the same figures as from every row of
    :func:`select_customers`, without reading a million rows into memory."""
    first = first_selected(store, filters, head, scope=scope)
    first.columns = list(SELECTION_COLUMNS)
    grouped = selected_by_area_name(store, filters, scope=scope)
    area = grouped["area"].astype("object").where(grouped["area"].notna(), "No area")
    # Grouped again by the shown name, as area_breakdown groups: "No area" is the areas
    # without a name and the rows outside all areas.
    out = (
        pd.DataFrame(
            {
                "area": area,
                "rows": grouped["n"].astype("int64"),
                "customers": grouped["customers"].astype("int64"),
                "prospects": grouped["prospects"].astype("int64"),
                "sales_amount": grouped["sales_amount"].astype("float64"),
            }
        )
        .groupby("area")
        .sum()
    )
    return SelectionPreview(first, int(out["rows"].sum()), _sorted_breakdown(out))


def log_export(
    store: Store, description: str, fmt: str, rows: int, file_name: str, *, actor: str
) -> None:
    """Record an export of ``rows`` rows, by ``actor`` (an email, or ``local``), in the
    export log and the audit trail, in one transaction of its own."""
    with store.transaction() as tx:
        store.log_export(tx, description, fmt, rows, file_name)
        record_event(tx, actor, "export", description, file_name, rows=rows, fmt=fmt)
