"""Contact list: customers due for contact, by owner and area, in call order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import streamlit as st

from geo.present.exports import export_bytes
from geo.present.target_list import build_target_list, export_file_stem
from geo.segments.segment import Segment
from ui import state
from ui.inert_text import show_caption
from ui.permissions import offer_download
from ui.sidebar import current_filters
from ui.tables import show_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Contact list")
filters = current_filters()
store = state.current_store()
db, version = state.data_key(store)
if not filters.contact:
    # Who to call: overdue or due, unless the sidebar asks for a contact timing itself.
    filters = replace(filters, contact=("overdue", "due"), kind="customer")
show_caption(
    f"{state.filters_description(db, version, filters)} · overdue = silent for more than twice "
    "their usual gap; due = next order expected within 30 days."
)
plan = state.contact_plan_of(db, version, filters)
cols = st.columns(3)
cols[0].metric("To contact", f"{plan.rows:,}")
cols[1].metric("Overdue", f"{plan.overdue:,}")
cols[2].metric("3-year value at stake", f"${plan.value_at_stake:,.0f}")
st.subheader("By owner")
st.caption("Owners with the most 3-year value at stake first.")
show_table(plan.by_owner)
st.subheader("Call list")
st.caption(
    "Grouped by owner (A to Z); within each owner, the most 3-year value at stake first, "
    "then the highest churn risk, then the soonest expected order."
)
# What a rep needs to decide on a call first; email and ID (for the CRM) after.
show = ["owner", "name", "area_name", "contact_timing", "value_3y", "churn_risk",
        "expected_next_order", "last_order_date", "email", "customer_id"]  # fmt: skip
show_table(plan.first_calls, columns=show, labels={"contact_timing": "Timing"})
if plan.rows > len(plan.first_calls):
    st.caption(
        f"First {len(plan.first_calls):,} of {plan.rows:,}; the workbook holds all {plan.rows:,}."
    )


def _workbook() -> bytes:
    # Made only when clicked: a workbook of every due customer is seconds of work.
    target = build_target_list(store, Segment(filters), by_priority=True)
    return export_bytes(target.rows, "xlsx", summary=target.summary, split_by="owner")


offer_download(
    "Download one sheet per owner (XLSX)",
    _workbook,
    file_name=f"{export_file_stem('contact list', date.today())}.xlsx",
    mime=XLSX,
    key="contacts_download",
)
