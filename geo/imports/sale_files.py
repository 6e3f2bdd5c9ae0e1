"""Reading and validating sales (order lines).

An order may have several lines (one per product, say): lines sharing an ``order_id`` are
normal. A line repeated exactly (same order, customer, date, amount, category and channel)
is rejected as ``duplicate_line``. Dates must be unambiguous: ISO ``YYYY-MM-DD``, optionally
with a time (XLSX dates arrive in that form). Amounts are numbers in the file's currency:
``1234.5``, ``1,234.50`` and ``$12.00`` are read; negative amounts (refunds) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.import_report import ImportReport, RowRejections
from geo.imports.customer_files import resolve_columns
from geo.imports.table_files import read_table
from geo.imports.written_dates import written_dates
from geo.schema import SALE_COLUMNS

CANDIDATES: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "order", "invoice_id", "order_number", "order_no", "id"),
    "customer_id": ("customer_id", "customer", "account_id", "client_id", "cust_id"),
    "date": ("order_date", "date", "invoice_date", "sale_date"),
    "amount": ("amount", "value", "revenue", "total", "sales", "net_amount"),
    "category": ("category", "product_category", "product_line"),
    "channel": ("channel", "sales_channel"),
}
ISO_DATE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"


@dataclass(frozen=True)
class SaleColumns:
    """Source column names; ``None`` means "find it by its usual names"."""

    order_id: str | None = None
    customer_id: str | None = None
    date: str | None = None
    amount: str | None = None
    category: str | None = None
    channel: str | None = None


def parse_amounts(text: pd.Series) -> pd.Series:
    """Numbers from amount text: currency signs, spaces and thousands commas removed."""
    cleaned = text.astype("string").str.replace(r"[\s$€£]", "", regex=True)
    # "1,234.50" -> thousands comma; "12,50" (no dot, 2 decimals) -> decimal comma.
    decimal_comma = cleaned.str.fullmatch(r"-?\d+,\d{1,2}").fillna(False).astype(bool)
    cleaned = cleaned.where(~decimal_comma, cleaned.str.replace(",", ".", regex=False))
    cleaned = cleaned.str.replace(",", "", regex=False)
    return pd.to_numeric(cleaned, errors="coerce").astype("float64")


def read_sales(
    path: Path,
    *,
    known_customer_ids: pd.Index | set[str] | None = None,
    columns: SaleColumns | None = None,
    display_name: str | None = None,
    merged: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, ImportReport]:
    """Read order lines: canonical SALE_COLUMNS and the import report. ``merged``: IDs
    merged into others (geo.imports.merges), whose lines go to the customer kept."""
    table = read_table(path, display_name=display_name)
    source, frame = table.source, table.frame
    report = ImportReport(source=source, table="sales", rows_read=len(frame))
    report.warnings.extend(table.warnings)
    cols = resolve_columns(frame.columns, columns or SaleColumns(), CANDIDATES, source)
    for role in ("order_id", "customer_id", "date", "amount"):
        if cols[role] is None:
            raise InputError(
                f"no {role.replace('_', ' ')} column found (tried {', '.join(CANDIDATES[role])})",
                file=source,
                hint=f"Name it with --{role.replace('_', '-')}-col",
            )
    order_col, cust_col = str(cols["order_id"]), str(cols["customer_id"])
    date_col, amount_col = str(cols["date"]), str(cols["amount"])

    rejections = RowRejections(frame.index)
    reject = rejections.reject
    rejections.reject_long_text(frame, [c for c in frame.columns if c != "_row"])

    reject(frame[order_col].isna(), "missing_id", order_col, "the order ID is empty")
    reject(frame[cust_col].isna(), "missing_customer_id", cust_col, "the customer ID is empty")
    raw_dates = frame[date_col].astype("string")
    iso = raw_dates.str.match(ISO_DATE).fillna(False).astype(bool)
    dates = written_dates(raw_dates.where(iso))
    reject(
        dates.isna(),
        "bad_date",
        date_col,
        "'" + frame[date_col].astype(str) + "' is not a date: use YYYY-MM-DD",
    )
    amounts = parse_amounts(frame[amount_col])
    reject(
        amounts.isna() | ~np.isfinite(amounts.fillna(0)),
        "bad_amount",
        amount_col,
        "'" + frame[amount_col].astype(str) + "' is not an amount: use a number like 1234.50",
    )
    customer_ids = frame[cust_col]
    if merged:
        moved = customer_ids.isin(list(merged))
        if moved.any():
            customer_ids = customer_ids.where(~moved, customer_ids.map(merged))
            report.warnings.append(
                f"{int(moved.sum()):,} order lines are for customers merged into others "
                "(geocrm merge list): they go to the customer kept"
            )
    if known_customer_ids is not None:
        known = (
            pd.Index(list(known_customer_ids))
            if isinstance(known_customer_ids, set)
            else (pd.Index(known_customer_ids))
        )
        unknown = customer_ids.notna() & ~customer_ids.isin(known)
        reject(
            unknown,
            "unknown_customer",
            cust_col,
            "customer '" + frame[cust_col].astype(str) + "' is not among the customers: "
            "import the customers first",
        )

    out = pd.DataFrame(
        {
            "order_id": frame[order_col].astype(object),
            "customer_id": customer_ids.astype(object),
            "order_date": dates.dt.normalize(),
            "amount": amounts,
            "category": frame[cols["category"]].astype(object) if cols["category"] else None,
            "channel": frame[cols["channel"]].astype(object) if cols["channel"] else None,
        }
    )
    ok = rejections.ok
    first = out[ok].duplicated(keep="first")
    dup = pd.Series(False, index=frame.index)
    dup[first.index[first.to_numpy()]] = True
    reject(dup, "duplicate_line", order_col, "the same line appears earlier in the file")
    ok = rejections.ok
    report.rejected = rejections.rejected_rows(frame)
    result = out.loc[ok, list(SALE_COLUMNS)].reset_index(drop=True)
    report.imported = len(result)
    report.check_counts()
    return result, report
