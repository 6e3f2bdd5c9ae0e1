"""Writing target lists as CSV, XLSX and GeoJSON that are safe to open in Excel.

Every format holds exactly the rows given (the selection for the current filters), in the
same order. Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) are neutralised: in CSV they get the OWASP ``'``
prefix, unless the whole cell is a plain decimal number (``-74.0``, ``+1.5``, ``-3``,
``-3,5``: an optional sign, digits, at most one ``.`` or ``,`` decimal mark), which a
spreadsheet reads as a number and never runs; in XLSX every text cell is written as a
text cell, which Excel never evaluates. IDs and postcodes stay text, so leading zeros and
every digit survive. Coordinates are WGS84 lon/lat degrees.

Values are rounded as the screen shows them (:mod:`geo.present.table_format`: money to the cent,
percent fractions to 0.001, i.e. one decimal of the percentage). CSV and GeoJSON keep the
machine column names (``sales_amount``), stable for scripts; a workbook has the names people
read (``Sales``), a frozen header, columns fitted to their content and a number format per
kind (``#,##0``, ``$#,##0.00``, ``0.0%``, ``yyyy-mm-dd``).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import shapely
import shapely.geometry
import xlsxwriter

from geo.present.table_format import (
    COLUMNS,
    XLSX_FORMATS,
    column_spec,
    column_specs,
    fitted_width,
    rounded_for_files,
    worded,
)

FORMATS = ("csv", "xlsx", "geojson")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A cell that is wholly a plain decimal number: no operator, function or reference in it.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
#: Excel's sheet limit, less the header row.
XLSX_MAX_ROWS = 1_048_575
#: Where an export goes: a file path, or a binary buffer (the app's downloads).
Target = Path | BinaryIO
#: Told (rows written, rows in all) while a workbook is written.
Progress = Callable[[int, int], None]
#: Rows between two progress reports.
PROGRESS_EVERY = 5_000


def neutralise_formula(text: str) -> str:
    """Text that a spreadsheet shows as typed: a leading formula character gets a ``'``.

    A plain decimal number (``-74.0``) is left as it is: every US longitude is negative,
    and ``'-74.0`` would no longer read as a number.
    """
    if not text.startswith(FORMULA_PREFIXES) or PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text


def _text_columns(frame: pd.DataFrame) -> list[str]:
    return [
        c
        for c in frame.columns
        if not (
            pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_datetime64_any_dtype(frame[c])
        )
    ]


def write_csv(frame: pd.DataFrame, path: Target) -> int:
    """Write ``frame`` as UTF-8 CSV with a BOM (Excel then reads accents right); rows written.

    Numbers are rounded as the screen shows them (money to the cent); column names stay."""
    out = rounded_for_files(frame)
    for col in _text_columns(out):
        out[col] = out[col].map(lambda v: neutralise_formula(str(v)) if isinstance(v, str) else v)
    out.columns = [neutralise_formula(str(c)) for c in out.columns]
    out.to_csv(path, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return len(out)


def _cell(value: Any) -> Any:
    if (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def sheet_names(values: list[str]) -> dict[str, str]:
    """An Excel sheet name for each value: no ``[]:*?/\\``, at most 31 characters,
    unique (a clash gets " (2)", " (3)" ...), never "Summary"."""
    names: dict[str, str] = {}
    taken = {"summary"}
    for value in values:
        base = "".join(" " if ch in "[]:*?/\\" else ch for ch in value).strip(" '") or "Sheet"
        name, n = base[:31], 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[: 31 - len(suffix)] + suffix
        taken.add(name.lower())
        names[value] = name
    return names


def write_xlsx(
    frame: pd.DataFrame,
    path: Target,
    *,
    summary: Mapping[str, Any] | None = None,
    sheet_name: str = "Customers",
    split_by: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write ``frame`` as an Excel workbook; every text cell is a text cell; rows written.

    With ``summary``, a first sheet "Summary" lists its keys and values (description,
    filters, date, counts). With ``split_by`` (a column, e.g. ``area_name``), one sheet per
    value of that column, in sorted order; rows without a value go to a sheet "No area"
    (or "No owner", ...). Headers are the names people read (see geo.present.table_format), numbers
    and dates have a format per kind, columns are fitted to their content and the header
    row stays in view. ``progress`` is told (rows written, rows in all) every
    PROGRESS_EVERY rows and at the end.
    """
    if len(frame) > XLSX_MAX_ROWS:
        raise ValueError(
            f"{len(frame)} rows do not fit one Excel sheet ({XLSX_MAX_ROWS} at most): "
            "narrow the filters or export CSV"
        )
    book = xlsxwriter.Workbook(
        str(path) if isinstance(path, Path) else path,
        {
            "in_memory": not isinstance(path, Path),
            # Text stays text: no formulas, numbers or links made out of strings.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    try:
        bold = book.add_format({"bold": True})
        formats = {kind: book.add_format({"num_format": f}) for kind, f in XLSX_FORMATS.items()}
        if summary is not None:
            info = book.add_worksheet("Summary")
            info.set_column(0, 0, 22)
            info.set_column(1, 1, 80)
            # Its figures read as in the sheets: "Sales" as money, counts with separators.
            kinds = {spec.label: spec.kind for spec in COLUMNS.values()}
            for r, (key, value) in enumerate(summary.items()):
                info.write_string(r, 0, str(key), bold)
                kind = kinds.get(str(key), "count" if isinstance(value, int) else "number")
                _write_value(info, r, 1, value, formats.get(kind))
        if split_by is None:
            parts = [(sheet_name, frame)]
        else:
            missing = "No area" if split_by == "area_name" else f"No {split_by}"
            labels = [missing if pd.isna(v) else str(v) for v in frame[split_by].tolist()]
            label_series = pd.Series(labels, index=frame.index)
            groups = sorted(set(labels))
            names = sheet_names(groups)
            parts = [(names[g], frame[label_series == g]) for g in groups] or [(sheet_name, frame)]
        written = 0
        for name, part in parts:
            written = _write_sheet(
                book.add_worksheet(name[:31]), part, bold, formats, (written, len(frame)), progress
            )
    finally:
        book.close()
    if progress is not None:
        progress(len(frame), len(frame))
    return len(frame)


def _write_sheet(
    sheet: Any,
    frame: pd.DataFrame,
    bold: Any,
    formats: Mapping[str, Any],
    counted: tuple[int, int],
    progress: Progress | None,
) -> int:
    """Write one sheet; the rows written so far in the workbook (``counted``: so far, in
    all) afterwards."""
    specs = list(column_specs(frame).values())
    rounded = rounded_for_files(worded(frame))
    cell_formats = [formats.get(spec.kind) for spec in specs]
    for c, (name, spec) in enumerate(zip(frame.columns, specs, strict=True)):
        sheet.write_string(0, c, spec.label, bold)
        # Two characters of room for the autofilter's arrow.
        sheet.set_column(c, c, fitted_width(frame, str(name), in_workbook=True) + 2)
    done, total = counted
    # Column by column within blocks of rows: as fast as whole columns, and the blocks
    # give the progress reports.
    for start in range(0, len(rounded), PROGRESS_EVERY):
        block = rounded.iloc[start : start + PROGRESS_EVERY]
        for c, name in enumerate(rounded.columns):
            cell_format = cell_formats[c]
            for r, value in enumerate(block[name].tolist(), start=start + 1):
                _write_value(sheet, r, c, value, cell_format)
        if progress is not None:
            progress(done + start + len(block), total)
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
    return done + len(frame)


def _write_value(sheet: Any, row: int, col: int, value: Any, cell_format: Any = None) -> None:
    value = _cell(value)
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, datetime | date):
        sheet.write_datetime(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value))


def _json_value(value: Any) -> Any:
    value = _cell(value)
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if isinstance(value, date) else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def write_geojson(frame: pd.DataFrame, path: Target) -> int:
    """Write ``frame`` as a GeoJSON FeatureCollection (EPSG:4326); rows written. Each
    feature is the row's point (``lat``, ``lon``), or its shape when the frame has a
    ``geometry`` column of shapely geometries (areas, territories).

    Rows without a location keep their place with a null geometry, so the feature count
    equals the row count of the other formats. Properties keep the machine column names and
    are rounded as the screen shows them.
    """
    shapes = list(frame["geometry"]) if "geometry" in frame else None
    frame = rounded_for_files(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")))
    features = []
    props_cols = [c for c in frame.columns if c not in ("lat", "lon")]
    lats = frame["lat"].tolist() if "lat" in frame else [None] * len(frame)
    lons = frame["lon"].tolist() if "lon" in frame else [None] * len(frame)
    records = frame[props_cols].to_dict(orient="records")
    for i, (rec, lat, lon) in enumerate(zip(records, lats, lons, strict=True)):
        if shapes is not None:
            shape = shapes[i]
            geometry = None if shape is None or shape.is_empty else shapely.geometry.mapping(shape)
        elif lat is not None and lon is not None and not (math.isnan(lat) or math.isnan(lon)):
            geometry = {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}
        else:
            geometry = None
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {k: _json_value(v) for k, v in rec.items()},
            }
        )
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
    if isinstance(path, Path):
        path.write_text(data, encoding="utf-8")
    else:
        path.write(data.encode("utf-8"))
    return len(features)


def write_export(
    frame: pd.DataFrame,
    path: Target,
    fmt: str,
    *,
    summary: Mapping[str, Any] | None = None,
    split_by: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Write ``frame`` in ``fmt`` (csv, xlsx or geojson); rows written. ``split_by``
    (XLSX only) writes one sheet per value of that column; ``progress`` (XLSX only, the
    slow one) is told the rows written as it goes."""
    if fmt == "csv":
        return write_csv(frame, path)
    if fmt == "xlsx":
        return write_xlsx(frame, path, summary=summary, split_by=split_by, progress=progress)
    if fmt == "geojson":
        return write_geojson(frame, path)
    raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")


def export_bytes(
    frame: pd.DataFrame,
    fmt: str,
    *,
    summary: Mapping[str, Any] | None = None,
    split_by: str | None = None,
    progress: Progress | None = None,
) -> bytes:
    """The export file's content in memory, for a download button."""
    buffer = io.BytesIO()
    write_export(frame, buffer, fmt, summary=summary, split_by=split_by, progress=progress)
    return buffer.getvalue()


def export_summary(description: str, counts: Mapping[str, Any], on: date) -> dict[str, Any]:
    """The summary sheet of an export: what was selected, when, and how many."""
    return {
        "Description": description,
        "Exported": on.isoformat(),
        **{column_spec(k).label: v for k, v in counts.items()},
    }
