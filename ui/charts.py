"""The app's charts (Vega-Lite through Altair), every one in the palette of
geo.maps.colours, with horizontal axis labels and the running period drawn lighter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import altair as alt
import pandas as pd

from geo.maps.colours import (
    BAR_COLOUR,
    FLOW_COLOURS,
    HEAT_COLOURS,
    INCOMPLETE_OPACITY,
    NET_LINE_COLOUR,
    RISK_COLOURS,
    heat_colour,
    text_colour_on,
)

if TYPE_CHECKING:
    from altair.vegalite.v6.api import IntoCondition

FLOW_ORDER = ["new", "reactivated", "lost"]
#: Whole numbers with thousands separators ("10,000"; a bare "," gives "1e+4" on axes).
COUNT_FORMAT = ",.0f"
RISK_ORDER = ["low", "medium", "high"]


def _lighter_when_running() -> IntoCondition:
    return alt.condition(alt.datum.complete, alt.value(1.0), alt.value(INCOMPLETE_OPACITY))


def _period_axis(order: list[str]) -> alt.X:
    return alt.X(
        "label:O",
        title=None,
        sort=order,
        axis=alt.Axis(labelAngle=0, labelOverlap="greedy", labelFontSize=12),
    )


def flows_chart(shown: pd.DataFrame) -> alt.LayerChart:
    """Customers gained (up) and lost (down) per period, with the net change as a line.

    ``shown`` is :func:`geo.analytics.flows.periods_to_chart`'s frame (label, complete and the
    flow counts).
    """
    order = shown["label"].tolist()
    long = shown.melt(
        id_vars=["label", "complete"], value_vars=FLOW_ORDER, var_name="flow", value_name="value"
    )
    long.loc[long["flow"] == "lost", "value"] *= -1
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=_period_axis(order),
            y=alt.Y(
                "value:Q", title="Customers (lost below zero)", axis=alt.Axis(format=COUNT_FORMAT)
            ),
            color=alt.Color(
                "flow:N",
                scale=alt.Scale(domain=FLOW_ORDER, range=[FLOW_COLOURS[f] for f in FLOW_ORDER]),
                legend=alt.Legend(title=None, orient="top", labelFontSize=13),
            ),
            opacity=_lighter_when_running(),
            tooltip=[
                alt.Tooltip("label:O", title="Period"),
                alt.Tooltip("flow:N", title="Flow"),
                alt.Tooltip("value:Q", title="Customers", format=COUNT_FORMAT),
            ],
        )
    )
    net = (
        alt.Chart(shown)
        .mark_line(color=NET_LINE_COLOUR, point=alt.OverlayMarkDef(color=NET_LINE_COLOUR, size=40))
        .encode(
            x=_period_axis(order),
            y="net_change:Q",
            tooltip=[
                alt.Tooltip("label:O", title="Period"),
                alt.Tooltip("net_change:Q", title="Net change", format="+,.0f"),
            ],
        )
    )
    return (bars + net).properties(height=320)


def rfm_heat_chart(grid: pd.DataFrame) -> alt.LayerChart:
    """The RFM grid: recency (rows) by frequency (columns), coloured by average revenue,
    each cell's count written in black or white, whichever reads better on it."""
    revenue = grid["avg_revenue"].astype("float64")
    low, high = float(revenue.min()), float(revenue.max())
    span = high - low if revenue.notna().any() else 0.0
    # An empty cell (no customers, no average) is drawn in no colour: dark text on the page.
    fractions = ((revenue - low) / span if span > 0 else revenue * 0.0).fillna(0.0)
    cells = grid.assign(text_colour=[text_colour_on(heat_colour(f)) for f in fractions])
    axis = alt.Axis(labelAngle=0, labelFontSize=12)
    base = alt.Chart(cells).encode(
        x=alt.X("f:O", title="Frequency score", axis=axis),
        y=alt.Y("r:O", title="Recency score", sort="descending", axis=axis),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "avg_revenue:Q",
            title="Avg revenue ($)",
            # The same stops and interpolation as heat_colour, so the text colour fits.
            scale=alt.Scale(domain=[low, high], range=list(HEAT_COLOURS), interpolate="rgb"),
            legend=alt.Legend(format="$,.0f"),
        ),
        tooltip=[
            alt.Tooltip("r:O", title="Recency"),
            alt.Tooltip("f:O", title="Frequency"),
            alt.Tooltip("customers:Q", title="Customers", format=COUNT_FORMAT),
            alt.Tooltip("avg_revenue:Q", title="Avg revenue", format="$,.0f"),
        ],
    )
    labels = base.mark_text(fontSize=15).encode(
        text=alt.Text("customers:Q", format=COUNT_FORMAT),
        color=alt.Color("text_colour:N", scale=None),
    )
    # The text colours are colours, not a second scale to merge with the heat's.
    return (heat + labels).resolve_scale(color="independent").properties(height=330)


def risk_bars_chart(risk: pd.DataFrame) -> alt.Chart:
    """Customers per churn risk band (risk_band, customers, revenue), low to high."""
    return (
        alt.Chart(risk)
        .mark_bar()
        .encode(
            x=alt.X(
                "risk_band:N",
                sort=RISK_ORDER,
                title="Churn risk",
                axis=alt.Axis(labelAngle=0, labelFontSize=13),
            ),
            y=alt.Y("customers:Q", title="Customers", axis=alt.Axis(format=COUNT_FORMAT)),
            color=alt.Color(
                "risk_band:N",
                scale=alt.Scale(domain=RISK_ORDER, range=[RISK_COLOURS[r] for r in RISK_ORDER]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("risk_band:N", title="Churn risk"),
                alt.Tooltip("customers:Q", title="Customers", format=COUNT_FORMAT),
                alt.Tooltip("revenue:Q", title="Lifetime revenue", format="$,.0f"),
            ],
        )
        .properties(height=330)
    )


def monthly_orders_chart(history: pd.DataFrame) -> alt.Chart:
    """Orders per calendar month (label, orders, revenue, complete), one tick a month."""
    order = history["label"].tolist()
    return (
        alt.Chart(history)
        .mark_bar(color=BAR_COLOUR)
        .encode(
            x=_period_axis(order),
            y=alt.Y("orders:Q", title="Orders", axis=alt.Axis(format="d", tickMinStep=1)),
            opacity=_lighter_when_running(),
            tooltip=[
                alt.Tooltip("label:O", title="Month"),
                alt.Tooltip("orders:Q", title="Orders", format=COUNT_FORMAT),
                alt.Tooltip("revenue:Q", title="Revenue", format="$,.0f"),
            ],
        )
        .properties(height=240)
    )


def delta_colour(change: float | None) -> Literal["blue", "red", "gray"]:
    """The colour of a metric's change: blue for a rise, red for a fall (as the charts and
    the diverging maps), never Streamlit's default green against red."""
    if change is None or change == 0:
        return "gray"
    return "blue" if change > 0 else "red"
