"""Areas: a sortable table of KPIs per area at the chosen level."""

from __future__ import annotations

import streamlit as st

from geo.present.table_format import column_spec
from geo.segments.filters import plural
from ui import state
from ui.inert_text import show_caption
from ui.sidebar import current_filters
from ui.tables import show_table
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

# The parent's name when the areas frame carries it, else its ID.
parent = "parent_name" if "parent_name" in kpis.columns else "parent_id"
sortable = ["sales_amount", "customers", "prospects", "orders", "penetration", "name"]
sort_by = st.selectbox(
    "Sort by",
    sortable,
    format_func=lambda c: column_spec(c).label,
    key="areas_sort",
)
table = kpis.sort_values(sort_by, ascending=sort_by == "name", na_position="last")
show_table(
    table,
    columns=["name", parent, "owner", *sortable[:5], "area_id"],
    labels={"name": filters.level.capitalize()},
    bars=("penetration",),
)
csv_download(
    "Download this table (CSV)",
    table,
    f"geocrm-areas-{filters.level}.csv",
    key="areas_download",
)
