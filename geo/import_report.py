"""The import report: every input row counted as imported or rejected with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Columns added to rejected rows, after the file's own columns.
REJECT_COLUMNS = ("_row", "_reason", "_column", "_detail")


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

    @property
    def rejected_count(self) -> int:
        return len(self.rejected)

    def rejected_by_reason(self) -> dict[str, int]:
        if self.rejected.empty:
            return {}
        counts = self.rejected["_reason"].value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "table": self.table,
            "rows_read": self.rows_read,
            "imported": self.imported,
            "rejected": self.rejected_count,
            "rejected_by_reason": self.rejected_by_reason(),
            "warnings": list(self.warnings),
        }

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
        for reason, n in self.rejected_by_reason().items():
            lines.append(f"  rejected {n} x {reason}")
        for w in self.warnings:
            lines.append(f"  warning: {w}")
        return "\n".join(lines)


def make_rejects(
    frame: pd.DataFrame, rows: pd.Series, reason: str, column: str | None, detail: pd.Series | str
) -> pd.DataFrame:
    """Rejected rows of ``frame`` selected by boolean mask ``rows``, tagged with the reason.

    ``frame`` must carry a ``_row`` column with the spreadsheet row number.
    """
    out = frame.loc[rows].copy()
    out["_reason"] = reason
    out["_column"] = column or ""
    out["_detail"] = detail if isinstance(detail, str) else detail.loc[rows].astype(str)
    return out
