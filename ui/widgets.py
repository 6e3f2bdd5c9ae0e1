"""Small widgets several pages share."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from geo.export import export_bytes
from ui.inert_text import inert


def show_location_statuses(summary: Mapping[str, float]) -> None:
    """Every selected customer counted: in an area, outside all areas, without a location."""
    cols = st.columns(4)
    cols[0].metric("Selected", f"{int(summary['rows']):,}")
    cols[1].metric("In an area", f"{int(summary['in_area']):,}")
    cols[2].metric("Outside all areas", f"{int(summary['outside_areas']):,}")
    cols[3].metric("Without a location", f"{int(summary['no_location']):,}")


def show_selection_kpis(summary: Mapping[str, float]) -> None:
    """Headline figures of a selection: rows, customers, prospects, orders, sales."""
    cols = st.columns([1, 1, 1, 1, 1.6])
    cols[0].metric("Rows", f"{int(summary['rows']):,}")
    cols[1].metric("Customers", f"{int(summary['customers']):,}")
    cols[2].metric("Prospects", f"{int(summary['prospects']):,}")
    cols[3].metric("Orders", f"{int(summary['orders']):,}")
    cols[4].metric("Sales", f"${summary['sales_amount']:,.0f}")


def csv_download(label: str, frame: pd.DataFrame, file_name: str, key: str) -> None:
    """A download button for ``frame`` as Excel-safe CSV, written only when clicked.

    ``label`` may name things from the data (a level): it is shown as typed."""
    st.download_button(
        inert(label),
        data=lambda: export_bytes(frame, "csv"),
        file_name=file_name,
        mime="text/csv",
        key=key,
    )
