"""Customer card: one customer's file, from their link (customer?id=...)."""

from __future__ import annotations

import streamlit as st

from geo.errors import InputError
from ui import state
from ui.charts import monthly_orders_chart
from ui.customer_finder import show_customer_finder
from ui.inert_text import show_caption, show_error, show_title
from ui.sidebar import current_filters
from ui.tables import show_table

filters = current_filters()
store = state.current_store()
db, version = state.data_key(store)
customer_id = st.query_params.get("id", "")
if not customer_id:
    st.title("Customer card")
    show_customer_finder(st.container(width=640), key="card_find")
    st.stop()
try:
    card = state.card(db, version, customer_id, filters)
except InputError as exc:
    st.title("Customer card")
    show_error(exc)
    show_customer_finder(st.container(width=640), key="card_find")
    st.stop()

record, scores = card.record, card.scores
show_title(record.get("name") or customer_id)
located = record.get("lat") is not None and record.get("lon") is not None
show_caption(
    f"{record['kind']} · ID {customer_id} · owner {card.owner or 'none'}"
    + (f" · {record['lat']:.4f}, {record['lon']:.4f}" if located else "")
    + f" · {card.how_located()}"
    + (f" · postcode {record['postcode']}" if record.get("postcode") else "")
    + (f" · {record['email']}" if record.get("email") else "")
)
if located:
    st.page_link(
        "pages/map.py",
        label="Show on the map",
        query_params={"focus": customer_id, "view": f"{record['lat']:.5f},{record['lon']:.5f},11"},
    )
with st.expander("Find another customer"):
    show_customer_finder(st, key="card_find", label="Name, ID, postcode or email")

cols = st.columns(4)
cols[0].metric("Orders in the period", f"{card.orders_in_period:,}")
cols[1].metric("Revenue in the period", f"${card.revenue_in_period:,.0f}")
if scores:
    cols[2].metric("First order", f"{scores['first_order']:%d %b %Y}")
    cols[3].metric("Last order", f"{scores['last_order']:%d %b %Y}")
    cols = st.columns(4)
    cols[0].metric(
        "RFM", f"{scores['r']}-{scores['f']}-{scores['m']}", help="recency-frequency-money"
    )
    cols[1].metric("Segment", str(scores["segment"]))
    cols[2].metric("Churn risk", f"{scores['churn_risk']:.0%} ({scores['risk_band']})")
    cols[3].metric(
        "Next order expected",
        f"{scores['expected_next']:%d %b %Y}",
        help=f"Usual gap {scores['gap_days']:.0f} days; contact timing: {scores['contact_status']}",
    )
    st.caption(
        f"Contact timing: **{scores['contact_status']}** · lifetime revenue "
        f"${scores['monetary']:,.0f} over {scores['frequency']} orders · 3-year value "
        f"${scores['value_3y']:,.0f}"
    )
else:
    st.caption("No orders yet: no scores.")

left, right = st.columns(2)
with left:
    st.subheader("Orders by month")
    if len(card.history):
        st.altair_chart(monthly_orders_chart(card.history), width="stretch")
        running = card.history.loc[~card.history["complete"], "label"].tolist()
        st.caption(
            f"{int(card.history['orders'].sum()):,} orders, every month since the first."
            + (f" {running[0]} is drawn lighter: the month has not ended." if running else "")
        )
    else:
        st.caption("No orders.")
    st.subheader("Areas")
    show_table(card.areas)
with right:
    st.subheader("Prospects nearby")
    st.caption("Within 25 km, nearest first.")
    show_table(card.nearby)
