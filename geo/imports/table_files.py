"""Reading CSV and XLSX files into all-text tables, within bounds.

Every cell is read as text (IDs and postcodes keep their leading zeros and every digit),
trimmed of surrounding whitespace, into columns of pandas' text dtype (:data:`TEXT`, held
by Arrow); empty cells are missing (NaN). A ``_row`` column holds the spreadsheet row number of each
row: the header is row 1, the first data row is row 2. The columns a rejects file adds
(``_row``, ``_reason``, ``_column``, ``_detail``) and a fix list adds (see
:data:`geo.import_report.ANNOTATION_COLUMNS`) are dropped, so that a fixed file imports like
the original. Files are read into memory within MAX_FILE_BYTES, never beyond.

A CSV file is parsed by Arrow's columnar reader; a file it would read differently from the
row reader (pandas') it had before, such as a row short of fields, a blank line between rows
or a header naming a column twice or not at all, is read by that row reader instead, so that
every file reads as it always did.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo.errors import InputError
from geo.import_report import ANNOTATION_COLUMNS
from geo.imports.upload_safety import MAX_UPLOAD_BYTES, check_regular_file, read_bounded

MAX_FILE_BYTES = MAX_UPLOAD_BYTES
MAX_ROWS = 2_000_000
MAX_COLUMNS = 200
#: An XLSX file is a zip archive: bound what it unpacks to, and how far it may be compressed.
MAX_XLSX_UNZIPPED_BYTES = 1024**3
MAX_XLSX_RATIO = 200

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx",)
DELIMITERS = (",", ";", "\t")
#: The dtype of every column read (pandas' "str": text held by Arrow, NaN when missing).
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
#: What Python's ``str.strip()`` removes: every character it counts as whitespace.
WHITESPACE = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


@dataclass
class TableFile:
    """A table read from one file: ``frame`` (all text, plus ``_row``) and any warnings."""

    source: str
    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def detect_column(columns: list[str] | pd.Index, candidates: tuple[str, ...]) -> str | None:
    """The first column whose name matches a candidate, ignoring case, spaces, _ and -."""
    by_norm = {_normalise(c): c for c in columns if c != "_row"}
    for cand in candidates:
        hit = by_norm.get(_normalise(cand))
        if hit is not None:
            return hit
    return None


def require_column(named: str, available: list[str], source: str, role: str = "") -> str:
    """``named`` if the file has that column, else an error listing the columns it has."""
    if named not in available:
        raise InputError(
            f"there is no column '{named}'" + (f" (given for {role})" if role else ""),
            file=source,
            column=named,
            hint=f"The columns are: {', '.join(available)}",
        )
    return named


def _check_shape(rows: int, cols: int, source: str) -> None:
    if rows > MAX_ROWS:
        raise InputError(
            f"{rows:,} rows is more than the {MAX_ROWS:,} allowed",
            file=source,
            hint="Split the file",
        )
    if cols > MAX_COLUMNS:
        raise InputError(
            f"{cols} columns is more than the {MAX_COLUMNS} allowed",
            file=source,
            hint="Keep only the columns you need",
        )


def _check_columns(columns: list[str], source: str) -> None:
    seen: set[str] = set()
    for col in columns:
        if col in seen:
            raise InputError(
                "the column name appears twice",
                file=source,
                column=col,
                hint="Rename one of them",
            )
        seen.add(col)
    if not columns or all(c == "" for c in columns):
        raise InputError("the file has no header row", file=source, hint="Add column names")


def _decode(raw: bytes, source: str, warnings: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warnings.append(
            f"{source} is not UTF-8; it was read as Latin-1 (Windows-1252). "
            "Check accented names, or save the file as UTF-8"
        )
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header_of(text: str, delimiter: str) -> list[str] | None:
    """The header's fields as the row reader splits them (quotes and all); None for a
    header this reader cannot split (then the row reader tells what is wrong)."""
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), None)
    except csv.Error:
        return None


def _read_csv_columnar(data: bytes, text: str, delimiter: str) -> pd.DataFrame | None:
    """The file parsed by Arrow, every column as text; None when Arrow would not read it
    exactly as the row reader does (see the module's docstring)."""
    header = _header_of(text, delimiter)
    # The row reader renames a repeated or empty header name ("id.1", "Unnamed: 2").
    if not header or "" in header or len(set(header)) < len(header):
        return None
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.column_names != header:
        return None
    frame = table.to_pandas(types_mapper={pa.string(): TEXT}.get)
    return frame if all(frame[c].dtype == TEXT for c in frame.columns) else None


def _read_csv(data: bytes, source: str, warnings: list[str]) -> pd.DataFrame:
    warned = len(warnings)
    text = _decode(data, source, warnings)
    read_as_utf8 = len(warnings) == warned
    delimiter = _sniff_delimiter(text)
    # Count lines first, cheaply, so a huge file is refused before it is parsed. A line is
    # not a row (the header is not one; a quoted value may hold line breaks), so only a file
    # of more than twice the rows allowed is refused unread, by its lines; the rest are
    # parsed and then checked by their rows.
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines - 1 > 2 * MAX_ROWS:
        raise InputError(
            f"{lines - 1:,} lines after the header is more than the {MAX_ROWS:,} rows allowed",
            file=source,
            hint="Split the file",
        )
    utf8 = data.removeprefix(b"\xef\xbb\xbf") if read_as_utf8 else text.encode("utf-8")
    frame = _read_csv_columnar(utf8, text, delimiter)
    if frame is None:
        frame = _read_csv_by_rows(text, delimiter, source)
    frame.columns = [str(c).strip() for c in frame.columns]
    _check_columns(list(frame.columns), source)
    _check_shape(len(frame), len(frame.columns), source)
    return frame


def _read_csv_by_rows(text: str, delimiter: str, source: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise InputError(
            f"the file cannot be read as a table ({exc})",
            file=source,
            row=int(match.group(1)) if match else None,
            hint="Check that every row has as many fields as the header, and quotes are closed",
        ) from exc


def _xlsx_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


def _read_xlsx(data: bytes, source: str) -> pd.DataFrame:
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise InputError(
            "the file is not a valid XLSX workbook", file=source, hint="Save it again as .xlsx"
        ) from exc
    unpacked = sum(i.file_size for i in infos)
    packed = max(sum(i.compress_size for i in infos), 1)
    if unpacked > MAX_XLSX_UNZIPPED_BYTES or unpacked / packed > MAX_XLSX_RATIO:
        raise InputError(
            f"the workbook unpacks to {unpacked / 2**20:.0f} MB "
            f"({unpacked / packed:.0f} times its size), more than allowed",
            file=source,
            hint="Save the sheet as CSV and import that",
        )
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        # The declared dimension is checked before any row is read.
        _check_shape((sheet.max_row or 1) - 1, sheet.max_column or 0, source)
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise InputError("the first sheet is empty", file=source)
        columns = [str(h).strip() if h is not None else "" for h in header]
        _check_columns(columns, source)
        cells_by_row = []
        for count, row in enumerate(rows, start=1):
            if count > MAX_ROWS:
                _check_shape(count, len(columns), source)
            cells = [_xlsx_text(v) for v in row[: len(columns)]]
            cells += [None] * (len(columns) - len(cells))
            cells_by_row.append(cells)
    finally:
        book.close()
    return pd.DataFrame(cells_by_row, columns=columns, dtype=object)


def read_table(path: Path, *, display_name: str | None = None) -> TableFile:
    """Read a CSV (comma, semicolon or tab) or XLSX file as text; fully empty rows dropped."""
    source = display_name or path.name
    suffix = Path(source).suffix.lower() or path.suffix.lower()
    check_regular_file(path, source)
    if suffix not in CSV_SUFFIXES + XLSX_SUFFIXES:
        raise InputError(
            f"'{suffix or 'no extension'}' is not a supported table format",
            file=source,
            hint="Use .csv, .tsv, .txt (comma, semicolon or tab separated) or .xlsx",
        )
    data = read_bounded(path, MAX_FILE_BYTES, source)
    warnings: list[str] = []
    if suffix in CSV_SUFFIXES:
        frame = _read_csv(data, source, warnings)
    else:
        frame = _read_xlsx(data, source)
    annotations = [c for c in frame.columns if c in ANNOTATION_COLUMNS]
    if annotations:
        # A rejects file or a fix list, fixed and imported again: its notes are not data.
        frame = frame.drop(columns=annotations)
        warnings.append(
            f"{source} looks like a rejects file or a fix list: its columns "
            f"{', '.join(annotations)} were ignored"
        )
    data_cols = [c for c in frame.columns if c != "_row"]
    cells = pd.DataFrame({col: trimmed_text(frame[col]) for col in data_cols}, index=frame.index)
    cells["_row"] = np.arange(2, len(frame) + 2, dtype="int64")
    empty = cells[data_cols].isna().all(axis=1).to_numpy()
    return TableFile(source, cells.loc[~empty].reset_index(drop=True), warnings)


def trimmed_text(values: pd.Series) -> pd.Series:
    """``values`` as :data:`TEXT`, each trimmed as ``str.strip()`` trims; empty is missing."""
    text = pa.array(values.astype(TEXT), type=pa.string())
    text = pc.utf8_trim(text, characters=WHITESPACE)
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
    return pd.Series(pd.array(text, dtype=TEXT), index=values.index, name=values.name)
