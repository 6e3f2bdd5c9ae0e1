"""The import report: every input row counted as imported or rejected with its reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

#: Columns added to rejected rows, after the file's own columns.
REJECT_COLUMNS = ("_row", "_reason", "_column", "_detail")
#: Every column GeoCRM's own lists add to a file's columns (a rejects file's, a fix list's
#: of geo.quality): an import drops them, so that a fixed list imports like the original.
ANNOTATION_COLUMNS = (*REJECT_COLUMNS, "_nearest_area_id", "_distance_km")
#: Longest text a cell may hold (characters): a longer one is a broken file, not a name.
MAX_TEXT_CHARS = 1000
#: A rejection's detail: one text for every row, a text per row (a Series on the rows'
#: index), or a function giving the texts of the rows it is asked for (their index), so that
#: the texts of a million rows are never made to tell a few.
Detail = str | pd.Series | Callable[[pd.Index], pd.Series]


@dataclass(frozen=True)
class ChangedCustomer:
    """One stored customer a file changes: each changed field, before and after (text)."""

    customer_id: str
    fields: tuple[tuple[str, str, str], ...]  # (column, before, after)

    def line(self) -> str:
        changed = "; ".join(f"{c}: '{b}' -> '{a}'" for c, b, a in self.fields)
        return f"{self.customer_id}: {changed}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "fields": [{"column": c, "before": b, "after": a} for c, b, a in self.fields],
        }


@dataclass(frozen=True)
class CustomerChanges:
    """What a customer file's imported rows do to the stored customers: how many are new
    (``added``), replace a stored customer with other values (``changed``) or with the same
    (``unchanged``), and the first few changes field by field."""

    added: int
    changed: int
    unchanged: int
    examples: tuple[ChangedCustomer, ...] = ()

    def sentence(self) -> str:
        return (
            f"{self.added:,} new, {self.changed:,} change stored customers, "
            f"{self.unchanged:,} the same as stored"
        )

    def example_rows(self) -> pd.DataFrame:
        """The examples one changed field per row: customer_id, column, before, after."""
        return pd.DataFrame(
            [(e.customer_id, c, b, a) for e in self.examples for c, b, a in e.fields],
            columns=["customer_id", "column", "before", "after"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "examples": [e.to_dict() for e in self.examples],
        }


@dataclass
class ImportReport:
    """What happened to each row of one input file.

    ``rejected`` holds the rejected rows as read (all text), plus ``_row`` (spreadsheet row
    number: header = 1, first data row = 2; feature number for area files, first = 1),
    ``_reason`` (a short stable code such as ``missing_id``), ``_column`` and ``_detail``.
    """

    source: str
    table: str
    rows_read: int = 0
    imported: int = 0
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))
    warnings: list[str] = field(default_factory=list)
    #: The import batch that wrote the rows (None until written; see geo.imports.undo).
    batch_id: str | None = None
    #: Who imported (the signed-in email; None for the command line).
    imported_by: str | None = None
    #: Customer files: what the rows do to the stored customers (None: not compared).
    changes: CustomerChanges | None = None
    #: Area files: the IDs of the areas whose invalid geometry was repaired.
    repaired: list[str] = field(default_factory=list)

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    def rejected_by_reason(self) -> dict[str, int]:
        if self.rejected.empty:
            return {}
        counts = self.rejected["_reason"].value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}

    def rejected_cells(self, limit: int | None = None) -> pd.DataFrame:
        """One line per rejected row: ``row``, ``column``, ``value`` (the cell that caused it,
        as read; empty for a geometry or a missing cell), ``reason`` and ``detail``."""
        rejected = self.rejected if limit is None else self.rejected.head(limit)

        def cell(record: pd.Series) -> str:
            column = record["_column"]
            if column not in rejected.columns or column in REJECT_COLUMNS:
                return ""
            value = record[column]
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            return "" if missing else str(value)

        return pd.DataFrame(
            {
                "row": rejected["_row"].astype("int64"),
                "column": rejected["_column"].astype(str),
                "value": rejected.apply(cell, axis=1) if len(rejected) else pd.Series(dtype=str),
                "reason": rejected["_reason"].astype(str),
                "detail": rejected["_detail"].astype(str),
            }
        ).reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "batch_id": self.batch_id,
            "source": self.source,
            "table": self.table,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "rejected": self.rejected_count,
            "rejected_by_reason": self.rejected_by_reason(),
            "warnings": list(self.warnings),
        }
        if self.changes is not None:
            out["changes"] = self.changes.to_dict()
        if self.table == "areas":
            # Kept in the import log for the data-quality lists (a few thousand at most).
            out["repaired_areas"] = list(self.repaired)
            out["rejected_areas"] = self.rejected_cells()[["row", "reason", "detail"]].to_dict(
                orient="records"
            )
        return out

    def check_counts(self) -> None:
        """Raise if a row was lost: read = imported + rejected, always."""
        if self.rows_read != self.imported + self.rejected_count:
            raise AssertionError(
                f"{self.source}: {self.rows_read} rows read but {self.imported} imported "
                f"+ {self.rejected_count} rejected"
            )

    def summary(self) -> str:
        """One readable paragraph for the CLI and the app."""
        lines = [
            f"{self.source}: {self.rows_read} rows read, {self.imported} imported, "
            f"{self.rejected_count} rejected"
        ]
        if self.changes is not None:
            lines.append("  " + self.changes.sentence())
            for example in self.changes.examples:
                lines.append(f"    {example.line()}")
        if self.batch_id:
            lines.append(
                f"  import batch {self.batch_id} (undo: geocrm import undo {self.batch_id})"
            )
        for reason, n in self.rejected_by_reason().items():
            lines.append(f"  rejected {n} x {reason}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)


def _length_texts(lengths: pd.Series) -> Callable[[pd.Index], pd.Series]:
    def texts(rows: pd.Index) -> pd.Series:
        return lengths[rows].map(
            lambda n: f"the cell holds {n:,} characters, more than {MAX_TEXT_CHARS:,}"
        )

    return texts


class RowRejections:
    """Each row's rejection: the first reason found, its column and a detail for the user.

    Readers call :meth:`reject` check by check; a row keeps the first reason it gets, so
    every rejected row is reported once.
    """

    def __init__(self, index: pd.Index) -> None:
        self.reason = pd.Series(None, index=index, dtype=object)
        self.column = pd.Series("", index=index, dtype=object)
        self.detail = pd.Series("", index=index, dtype=object)

    def reject(
        self, mask: pd.Series | np.ndarray, code: str, column: str | None, detail: Detail
    ) -> None:
        new = np.asarray(mask, dtype=bool) & self.reason.isna().to_numpy()
        if not new.any():
            return
        rows = self.reason.index[new]
        self.reason[new] = code
        self.column[new] = column or ""
        if isinstance(detail, str):
            self.detail[new] = detail
        else:
            texts = detail(rows) if callable(detail) else detail[rows]
            self.detail[new] = pd.Series(texts, index=rows).astype(str).to_numpy(dtype=object)

    def reject_long_text(self, frame: pd.DataFrame, columns: list[str]) -> None:
        """Reject, as ``text_too_long``, rows with a cell over MAX_TEXT_CHARS in ``columns``."""
        for col in columns:
            values = frame[col]
            if values.dtype == object:
                lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0)
            else:  # text held by Arrow: measured in one pass
                lengths = values.str.len().fillna(0)
            lengths = lengths.astype("int64")
            self.reject(lengths > MAX_TEXT_CHARS, "text_too_long", col, _length_texts(lengths))

    @property
    def ok(self) -> pd.Series:
        """True for the rows not rejected (so far)."""
        return self.reason.isna()

    def rejected_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rejected rows of ``frame`` (same index) with _reason, _column and _detail."""
        bad = ~self.ok
        out = frame.loc[bad].copy()
        out["_reason"] = self.reason[bad]
        out["_column"] = self.column[bad]
        out["_detail"] = self.detail[bad]
        return out.reset_index(drop=True)
