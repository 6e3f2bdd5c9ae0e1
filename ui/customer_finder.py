"""Finding a customer as you type (the sidebar's box and the card page's own): each result
links to the card and says what tells it from its namesakes."""

from __future__ import annotations

from typing import Any

import streamlit as st

from geo.analytics.customer_search import MIN_CHARS, describe_result
from ui import state
from ui.inert_text import inert, show_caption

CARD_PAGE = "pages/customer.py"


def show_customer_finder(container: Any, key: str, label: str = "Find a customer") -> None:
    """A search box in ``container`` (st.sidebar, a column, st) and its results, best first:
    name and ID as a link to the card, then area, postcode, owner and last order."""
    text = container.text_input(
        label, key=key, placeholder="Name, ID, postcode or email", max_chars=80
    )
    if len(text.strip()) < MIN_CHARS:
        return
    db, version = state.data_key(state.current_store())
    hits = state.search(db, version, text)
    if hits.empty:
        container.caption("No customer or prospect matches.")
    for _, row in hits.iterrows():
        container.page_link(
            CARD_PAGE,
            label=inert(f"{row['name']} · {row['customer_id']}"),
            query_params={"id": str(row["customer_id"])},
        )
        show_caption(describe_result(row), container)


def finder_in_sidebar() -> None:
    """The sidebar's box, on every page."""
    show_customer_finder(st.sidebar, key="find_customer")
