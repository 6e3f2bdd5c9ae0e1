"""Trends: customers gained and lost over time, per area, and the areas that changed most."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analytics.flows import (
    PERIODS,
    compared_with,
    flows_by_rep,
    period_name,
    period_start,
    periods_to_chart,
    shift_period,
)
from ui import state
from ui.charts import delta_colour, flows_chart
from ui.inert_text import show_caption, show_subheader
from ui.sidebar import current_filters
from ui.tables import show_table
from ui.widgets import csv_download

st.title("Trends")
filters = current_filters()
if filters.level is None:
    st.info("No areas in the database yet. Import areas on the Data page.")
    st.stop()
db, version = state.data_key(state.current_store())
show_caption(
    f"{state.filters_description(db, version, filters)} · active = at least one order in the "
    "period; the sidebar's sales dates do not apply here (flows need the whole history)"
)
period = st.radio(
    "Period", PERIODS, index=1, horizontal=True, key="trends_period", format_func=str.capitalize
)
# A level whose territories were redrawn here can be read as it was at each period.
units = state.history_units(db, version, filters.level)
if units is not None:
    credited = st.radio(
        "Territories",
        ("current", "historical"),
        horizontal=True,
        key="trends_alignment",
        format_func={
            "current": "As they are now",
            "historical": "As they were then",
        }.get,
        help=f"As they were then: each period counts for the {filters.level} that held the "
        f"customer's {units} on the period's first day (the alignment history).",
    )
    if credited == "current":
        units = None
over_time = state.flows_by_period(db, version, filters, period, units)
latest = state.last_whole_period(db, version, period)
if over_time.empty or latest is None:
    st.info("No orders yet: import sales on the Data page.")
    st.stop()

st.subheader("Customers gained and lost")
shown = periods_to_chart(over_time, period, latest)
st.altair_chart(flows_chart(shown), width="stretch")
running = shown.loc[~shown["complete"], "label"].tolist()
st.caption(
    "Line: net change = new + reactivated - lost. The first period of the data is left out "
    "(everyone is new in it)."
    + (
        f" {running[0]} is drawn lighter: it has not ended, so its counts are partial "
        "(fewer orders so far, more customers not back yet)."
        if running
        else ""
    )
)

choices = [d.date() for d in pd.to_datetime(over_time["period_start"]) if d.date() <= latest][::-1]
chosen = st.selectbox(
    f"Compare areas for the {period}",
    choices,
    index=0,
    key="trends_start",
    format_func=lambda d: period_name(d, period),
)
start = period_start(chosen, period)
flows = state.flows_by_area(db, version, filters, period, start, units)
before = shift_period(start, period, -1)
# The headline is the whole selection's, as on every page; the area table below is the
# part located in an area.
starts = [pd.Timestamp(d).date() for d in over_time["period_start"]]
totals = over_time.iloc[starts.index(start)] if start in starts else None
sales_before = float(over_time.iloc[starts.index(before)]["sales"]) if before in starts else 0.0
cols = st.columns(5)
if totals is not None:
    cols[0].metric("New", f"{int(totals['new']):,}")
    cols[1].metric("Reactivated", f"{int(totals['reactivated']):,}")
    cols[2].metric("Lost", f"{int(totals['lost']):,}")
    cols[3].metric("Net change", f"{int(totals['net_change']):+,}")
    growth = float(totals["sales"]) / sales_before - 1 if sales_before else None
    cols[4].metric(
        "Sales",
        f"${totals['sales']:,.0f}",
        None if growth is None else f"{growth:+.1%} {compared_with(start, period)}",
        delta_color=delta_colour(growth),
    )
in_areas = int(flows["net_change"].sum())
if totals is not None and in_areas != int(totals["net_change"]):
    st.caption(
        f"Net change of the customers located in an area: {in_areas:+,} (the table below); "
        "the rest are outside all areas or without a location."
    )

show_subheader(f"The {filters.level} areas that changed most")
ranked = flows.sort_values("net_change", kind="stable")
show = pd.concat([ranked.head(10), ranked.tail(10).iloc[::-1]]).drop_duplicates("area_id")
# What fits the page's width; the download below holds every column.
shown_columns = ["name", "new", "reactivated", "lost", "net_change", "active", "sales",
                 "growth", "growth_yoy"]  # fmt: skip
# The growth columns say which period they compare with: "Sales vs Q2 2026".
a_year_before = shift_period(start, period, -{"month": 12, "quarter": 4, "year": 1}[period])
compared = {
    key: f"Sales vs {period_name(d, period)}"
    for key, d in (("growth", before), ("growth_yoy", a_year_before))
}
if units is not None:  # as they were then: who held each territory, and each rep's figures
    shown_columns.insert(1, "owner_then")
    compared["owner_then"] = "Rep then"
show_table(show, columns=shown_columns, labels={"name": filters.level.capitalize(), **compared})
if units is not None:
    show_subheader(f"Each rep, as the {filters.level} areas were then")
    show_table(
        flows_by_rep(flows),
        columns=["owner_then", *shown_columns[2:]],
        labels={**compared, "owner_then": "Rep then"},
    )
csv_download(
    f"Download every {filters.level} for this period (CSV)",
    flows,
    f"geocrm-trends-{filters.level}-{period}-{start.isoformat()}.csv",
    key="trends_download",
)
