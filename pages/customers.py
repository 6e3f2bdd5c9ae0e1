"""Customers: value and churn risk of the selected customers, and prospects like the best."""

from __future__ import annotations

import streamlit as st

from geo.analytics.churn_backtest import backtest_churn
from geo.analytics.figures import GLOSSARY
from ui import state
from ui.charts import rfm_heat_chart, risk_bars_chart
from ui.inert_text import inert, show_caption, show_subheader
from ui.sidebar import current_filters
from ui.tables import show_table
from ui.widgets import csv_download

st.title("Customers")
filters = current_filters()
store = state.current_store()
db, version = state.data_key(store)
as_of = state.scores_as_of(db, version)
if as_of is None:
    st.info("No orders yet: import sales on the Data page to score customers.")
    st.stop()
show_caption(
    f"{state.filters_description(db, version, filters)} · scores as of {as_of:%d %b %Y} "
    "(the latest order in the data)"
)

segments = state.segments_table(db, version, filters)
risk = state.risk_table(db, version, filters).set_index("risk_band")
figures = state.selection_figures(db, version, filters)
scored = int(segments["customers"].sum())
cols = st.columns(4)
cols[0].metric(
    GLOSSARY["customers"].label,
    f"{figures.customers:,}",
    help=GLOSSARY["customers"].meaning,
)
cols[0].caption(f"{scored:,} scored (with at least one order)")
best = segments.set_index("segment").loc[["champions", "loyal"]]
cols[1].metric("Champions and loyal", f"{int(best['customers'].sum()):,}")
cols[2].metric(
    GLOSSARY["customers_high_risk"].label,
    f"{figures.customers_high_risk:,}",
    help=GLOSSARY["customers_high_risk"].meaning,
)
cols[3].metric("Lifetime revenue at high risk", f"${risk['revenue'].loc['high']:,.0f}")

left, right = st.columns([1.1, 1])
with left:
    st.subheader("RFM grid")
    st.caption(
        "Rows: recency score (5 = bought most recently); columns: frequency score "
        "(5 = most orders). Colour: average lifetime revenue; number: customers."
    )
    grid = state.rfm_cells(db, version, filters)
    st.altair_chart(rfm_heat_chart(grid), width="stretch")
with right:
    st.subheader("Churn risk")
    st.caption(
        "Low: silent for less than about their usual gap between orders; medium: up to "
        "about 2.3 gaps; high: longer."
    )
    st.altair_chart(risk_bars_chart(risk.reset_index()), width="stretch")

st.subheader("Segments, best to lost")
show_table(segments)

if filters.level is not None:
    with st.expander(inert(f"Segments by {filters.level}")):
        by_area = state.segments_per_area(db, version, filters)
        left_out = figures.customers - figures.customers_in_area
        show_caption(
            f"Scored customers located in a {filters.level}"
            + (
                f"; {left_out:,} of the {figures.customers:,} selected customers are outside "
                "all areas or without a location."
                if left_out
                else "."
            )
        )
        show_table(by_area, labels={"name": filters.level.capitalize()})
        csv_download(
            f"Download segments by {filters.level} (CSV)",
            by_area,
            f"geocrm-segments-{filters.level}.csv",
            key="customers_segments_download",
        )

st.subheader("Top at-risk customers by value at stake")
at_risk = state.at_risk_list(db, version, filters, 100)
# The figures that rank them first; the customer ID (for the CRM) last.
show_table(
    at_risk,
    columns=["name", "area_name", "owner", "segment", "value_3y", "churn_risk", "last_order",
             "recency_days", "gap_days", "lifetime_revenue", "customer_id"],
)  # fmt: skip
csv_download(
    "Download the at-risk list (CSV)",
    at_risk,
    "geocrm-at-risk.csv",
    key="customers_at_risk_download",
)

st.subheader("Prospects like our best customers")
st.caption(
    "Look-alike index: 100 = as likely as an average customer to be a champion or loyal, "
    "from where they are (each level of areas, e.g. state and county) and the attributes in "
    "the customer file (industry, size …)."
)
lookalikes = state.lookalike_list(db, version, filters, 500)
show_table(lookalikes.drop(columns=["lat", "lon", "kind", "area_id"], errors="ignore"))
csv_download(
    "Download these prospects (CSV)",
    lookalikes,
    "geocrm-lookalike-prospects.csv",
    key="customers_lookalike_download",
)

if filters.level is not None:
    show_subheader(f"Target areas: whitespace by {filters.level}")
    st.caption(
        "Whitespace = prospects weighted by how much they look like the best customers; "
        "penetration = customers / (customers + prospects)."
    )
    targets = state.whitespace_table(db, version, filters)
    show_table(targets.head(50), labels={"name": filters.level.capitalize()})
    csv_download(
        f"Download every {filters.level}, ranked (CSV)",
        targets,
        f"geocrm-target-areas-{filters.level}.csv",
        key="customers_whitespace_download",
    )

with st.expander("How well does the churn risk work? (backtest)"):
    if st.button("Run the backtest", key="customers_backtest"):
        result = backtest_churn(store)
        st.write(
            f"Scored as of {result.cutoff:%d %b %Y} with only the orders up to then; "
            f"observed until {result.window_end:%d %b %Y}."
        )
        show_table(result.to_frame())
