"""Benchmark rows: exporting a segment's target list, against pandas writing the same frame.

GeoCRM selects the segment (every customer of the business; in a business of more than 1M
customers, the customers of the largest states up to about 1M), rounds its figures as the
screen shows them, neutralises text a spreadsheet would run as a formula and writes the
file; the baseline writes the selected frame with ``DataFrame.to_csv`` or ``to_excel``
(xlsxwriter), without selecting, rounding or neutralising. The workbook is written at 100k
rows at most (the slow format; a workbook holds at most 1,048,575 rows).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd

from bench.context import BenchContext
from bench.measure import Row, Target, measure
from geo.present.exports import write_export
from geo.present.target_list import build_target_list
from geo.segments.filters import Filters
from geo.segments.segment import Segment
from geo.store.duckdb_store import Store

#: Ours, not the issue's: Excel safety and rounding cost at most half the bare write.
TARGET = Target(max_ratio=1.5)
XLSX_ROWS = 100_000


#: The segment exported from a larger business: about this many rows.
SEGMENT_ROWS = 1_000_000


def segment_of_about(store: Store, rows: int) -> Segment:
    """Every customer, or (when there are more than ``rows``) those of the states with the
    most customers, largest first, until at least ``rows`` are in."""
    if store.table_counts()["customers"] <= rows:
        return Segment(filters=Filters(kind="customer"))
    per_state = store.query(
        "SELECT area_id, count(*) AS n FROM assignments WHERE level = 'state' "
        "AND area_id IS NOT NULL GROUP BY area_id ORDER BY n DESC, area_id"
    )
    reached = per_state["n"].cumsum()
    states = per_state["area_id"][: int((reached < rows).sum()) + 1]
    return Segment(filters=Filters(level="state", area_ids=tuple(states), kind="customer"))


def export_segment(store: Store, segment: Segment, out: Path, fmt: str) -> int:
    target = build_target_list(store, segment)
    return write_export(target.rows, out, fmt, summary=target.summary)


def bench_exports(ctx: BenchContext) -> list[Row]:
    rows = []
    for fmt in ("csv", "xlsx"):
        n = ctx.largest if fmt == "csv" else min(ctx.largest, XLSX_ROWS)
        store = ctx.business(n)
        out = ctx.folder / f"export.{fmt}"
        segment = segment_of_about(store, SEGMENT_ROWS)
        ours = measure(partial(export_segment, store, segment, out, fmt), 1)
        frame = build_target_list(store, segment).rows
        bare_out = ctx.folder / f"bare.{fmt}"

        def bare(frame: pd.DataFrame = frame, fmt: str = fmt, bare_out: Path = bare_out) -> None:
            if fmt == "csv":
                frame.to_csv(bare_out, index=False)
            else:
                frame.to_excel(bare_out, index=False, engine="xlsxwriter")

        base = measure(bare, 1)
        rows.append(
            Row(
                f"export a segment's target list ({fmt.upper()}): select, round, Excel-safe",
                f"{ours.result:,} rows of {n:,} customers",
                ours.seconds,
                f"pandas to_{'csv' if fmt == 'csv' else 'excel'} of the same frame",
                base.seconds,
                TARGET,
                ours.peak_mb,
                note=f"{out.stat().st_size / 1e6:.1f} MB file",
            )
        )
    return rows
