"""Showing a table: one function every page uses, formatted by geo.table_format."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from geo.table_format import ColumnSpec, column_specs, fitted_width, table_for_screen
from ui.inert_text import as_option

#: Pixels per character of a cell's text, and the cell's padding (Streamlit's grid font).
PX_PER_CHAR = 7
PADDING_PX = 20
#: Widest a text column is drawn, so the numbers to its right stay in view.
MAX_TEXT_PX = 240

#: Streamlit number formats per kind; the step sets the decimals shown (0.001 on a
#: fraction shown as a percent is one decimal: 24.5%).
NUMBER_FORMATS: dict[str, tuple[str, float | None]] = {
    "count": ("localized", 1),
    "money": ("dollar", 1),
    "money_average": ("dollar", 0.01),
    "percent": ("percent", 0.001),
    "score": ("localized", 1),
    "days": ("localized", 1),
    "distance": ("localized", 0.1),
    "coordinate": ("%.6f", None),
    "number": ("localized", None),
}


def _width(frame: pd.DataFrame, column: str, spec: ColumnSpec, label: str) -> int:
    px = fitted_width(frame, column, label=label) * PX_PER_CHAR + PADDING_PX
    return min(px, MAX_TEXT_PX) if spec.kind in ("text", "id") else px


def column_config(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    bars: Collection[str] = (),
) -> dict[str, Any]:
    """Streamlit column settings for ``frame``'s columns from their declarations: human
    name, tooltip, number or date format, a width that fits the content. Columns in
    ``bars`` (percent kinds) are drawn as bars from 0 to 100%."""
    config: dict[str, Any] = {}
    for column, spec in column_specs(frame).items():
        # A dataframe header shows text as typed (no Markdown); undeclared labels come
        # from data, such as a segment or attribute name.
        label = as_option((labels or {}).get(column, spec.label))
        common: dict[str, Any] = {
            "label": label,
            "help": spec.help or None,
            "width": _width(frame, column, spec, label),
        }
        if column in bars:
            config[column] = st.column_config.ProgressColumn(
                **common, format="percent", min_value=0, max_value=1, step=0.001
            )
        elif spec.kind in NUMBER_FORMATS:
            fmt, step = NUMBER_FORMATS[spec.kind]
            config[column] = st.column_config.NumberColumn(**common, format=fmt, step=step)
        elif spec.kind == "date":
            config[column] = st.column_config.DateColumn(**common, format="YYYY-MM-DD")
        else:
            config[column] = st.column_config.TextColumn(**common)
    return config


def show_table(
    frame: pd.DataFrame,
    *,
    columns: Iterable[str] | None = None,
    labels: dict[str, str] | None = None,
    bars: Collection[str] = (),
    height: int | None = None,
    stretch: bool = True,
) -> pd.DataFrame:
    """Show ``frame`` (only ``columns``, in that order, when given) as every table is
    shown: human column names (``labels`` renames some on this page), one rule for
    numbers and dates, empty columns left out, empty cells empty, no index, the page's
    width (``stretch=False``: only as wide as its columns). Returns the table as shown."""
    table = table_for_screen(frame, columns)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch" if stretch else "content",
        height=height if height is not None else "auto",
        column_config=column_config(table, labels=labels, bars=bars),
    )
    return table
