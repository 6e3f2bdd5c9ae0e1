"""Small widgets several pages share."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo.analytics.figures import GLOSSARY, SelectionFigures, figures_from_summary
from geo.present.exports import export_bytes
from ui.inert_text import inert
from ui.permissions import offer_download


def show_headline_figures(figures: SelectionFigures, *, in_row: bool = False) -> None:
    """The selection's headline figures (see geo.analytics.figures), each with the subset that
    per-area tables and the map can show, labelled: stacked, or side by side."""
    cells = [
        ("customers", f"{figures.customers:,}", figures.where_note("customer")),
        ("prospects", f"{figures.prospects:,}", figures.where_note("prospect")),
        (
            "orders",
            f"{figures.orders:,}",
            f"{figures.orders_in_area:,} by customers in an area"
            if figures.orders_in_area != figures.orders
            else "",
        ),
        (
            "sales_amount",
            f"${figures.sales_amount:,.0f}",
            f"${figures.sales_in_area:,.0f} by customers in an area"
            if round(figures.sales_in_area) != round(figures.sales_amount)
            else "",
        ),
    ]
    places = st.columns(len(cells)) if in_row else [st.container() for _ in cells]
    for place, (key, value, note) in zip(places, cells, strict=True):
        place.metric(GLOSSARY[key].label, value, help=GLOSSARY[key].meaning)
        if note:
            place.caption(note)


def show_selection_kpis(summary: Mapping[str, float]) -> None:
    """A selection's rows (what a file of it holds), then its headline figures."""
    rows_col, rest = st.columns([1, 5])
    rows_col.metric("Rows", f"{int(summary['rows']):,}", help="Customers and prospects")
    with rest:
        show_headline_figures(figures_from_summary(dict(summary)), in_row=True)


def csv_download(label: str, frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for ``frame`` as Excel-safe CSV, written only when clicked; for a
    role that may not export, the caption that says so (see :mod:`ui.permissions`).

    ``label`` may name things from the data (a level): it is shown as typed."""
    offer_download(
        inert(label),
        lambda: export_bytes(frame, "csv"),
        file_name=file_name,
        mime="text/csv",
        key=key,
    )
