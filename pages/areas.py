"""Areas: a sortable table of KPIs per area at the chosen level."""

from __future__ import annotations

import streamlit as st

from geo.filters import plural
from ui import state
from ui.inert_text import show_caption
from ui.sidebar import current_filters
from ui.widgets import csv_download, show_headline_figures

st.title("Areas")
filters = current_filters()
if filters.level is None:
    st.info("No areas in the database yet. Import an area file on the Data page.")
    st.stop()

db, version = state.data_key(state.current_store())
kpis = state.area_kpis(db, version, filters)
show_caption(state.filters_description(db, version, filters))
figures = state.selection_figures(db, version, filters)
show_headline_figures(figures, in_row=True)
left_out = figures.customers - figures.customers_in_area
show_caption(
    f"The table's rows add up to the {figures.customers_in_area:,} customers and "
    f"{figures.prospects_in_area:,} prospects located in one of the {plural(filters.level)}"
    + (
        f"; {left_out:,} customers outside all areas or without a location count in the "
        "totals above but in no row."
        if left_out
        else "."
    )
)

sort_by = st.selectbox(
    "Sort by",
    ["sales_amount", "customers", "prospects", "orders", "penetration", "name"],
    format_func=lambda c: c.replace("_", " ").capitalize(),
    key="areas_sort",
)
table = kpis.sort_values(sort_by, ascending=sort_by == "name", na_position="last")
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "area_id": st.column_config.TextColumn("Area ID"),
        "name": st.column_config.TextColumn("Name"),
        "level": None,
        "parent_id": None,  # a code; the parent's name says it
        "parent_name": st.column_config.TextColumn("Parent"),
        "owner": st.column_config.TextColumn("Owner"),
        "customers": st.column_config.NumberColumn("Customers", format="localized"),
        "prospects": st.column_config.NumberColumn("Prospects", format="localized"),
        "orders": st.column_config.NumberColumn("Orders", format="localized"),
        "sales_amount": st.column_config.NumberColumn("Sales", format="dollar"),
        "penetration": st.column_config.ProgressColumn(
            "Penetration", help="customers / (customers + prospects)", min_value=0, max_value=1
        ),
    },
)
csv_download(
    "Download this table (CSV)",
    table,
    f"geocrm-areas-{filters.level}.csv",
    key="areas_download",
)
