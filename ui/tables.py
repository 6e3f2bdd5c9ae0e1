"""Showing a table: one function every page uses, formatted by geo.present.table_format."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from geo.present.table_format import column_specs, fitted_width, table_for_screen
from ui.inert_text import as_option

#: Pixels per character of a cell's text, and the cell's padding (Streamlit's grid font).
PX_PER_CHAR = 7
PADDING_PX = 20
#: Widest a text column is drawn, so the numbers to its right stay in view ...
MAX_TEXT_PX = 240
#: ... unless the table has room for more: the content width of a 1440 px screen with the
#: sidebar open (a wider screen spreads the columns further by itself).
CONTENT_PX = 940

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


def _needed_px(frame: pd.DataFrame, column: str, label: str) -> int:
    return fitted_width(frame, column, label=label) * PX_PER_CHAR + PADDING_PX


def fitted_widths(frame: pd.DataFrame, labels: dict[str, str]) -> dict[str, int]:
    """Pixels per column: what its content needs, text at most MAX_TEXT_PX; room left
    within CONTENT_PX goes to the text columns so cut, in equal shares."""
    needed = {c: _needed_px(frame, c, labels[c]) for c in labels}
    specs = column_specs(frame)
    widths = {
        c: min(px, MAX_TEXT_PX) if specs[c].kind in ("text", "id") else px
        for c, px in needed.items()
    }
    cut = [c for c in widths if widths[c] < needed[c]]
    room = CONTENT_PX - sum(widths.values())
    while cut and room > 0:
        share = max(room // len(cut), 1)
        for c in list(cut):
            extra = min(share, needed[c] - widths[c], room)
            widths[c] += extra
            room -= extra
            if widths[c] >= needed[c]:
                cut.remove(c)
        if share == 1:
            break
    return widths


def column_config(
    frame: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    bars: Collection[str] = (),
) -> dict[str, Any]:
    """Streamlit column settings for ``frame``'s columns from their declarations: human
    name, tooltip, number or date format, a width that fits the content. Columns in
    ``bars`` (percent kinds) are drawn as bars from 0 to 100%."""
    specs = column_specs(frame)
    # A dataframe header shows text as typed (no Markdown); undeclared labels come from
    # data, such as a segment or attribute name.
    shown = {c: as_option((labels or {}).get(c, spec.label)) for c, spec in specs.items()}
    widths = fitted_widths(frame, shown)
    config: dict[str, Any] = {}
    for column, spec in specs.items():
        common: dict[str, Any] = {
            "label": shown[column],
            "help": spec.help or None,
            "width": widths[column],
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
        elif pd.api.types.is_bool_dtype(frame[column]):
            config[column] = st.column_config.CheckboxColumn(**common)
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
