"""The sidebar filters every page shares, turned into one :class:`geo.filters.Filters`."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.filters import Filters
from ui import state

KIND_LABELS = {"Customers and prospects": None, "Customers": "customer", "Prospects": "prospect"}


def render_filters() -> Filters:
    """Draw the filter widgets in the sidebar and return the filters they say."""
    store = state.current_store()
    db, version = state.data_key(store)
    levels = state.levels(db, version)
    side = st.sidebar
    side.header("Filters")
    if not levels:
        side.info("No areas yet: import areas on the Data page, or run `make run` for the demo.")
        filters = Filters()
        st.session_state[state.FILTERS_KEY] = filters
        return filters
    level = side.selectbox(
        "Level", levels, index=len(levels) - 1, key="f_level", help="Areas to group by"
    )
    names = state.area_names(db, version, level)
    labels = dict(zip(names["area_id"], names["name"], strict=True))
    area_ids = side.multiselect(
        f"Areas ({level})",
        list(labels),
        format_func=lambda a: f"{labels[a]} ({a})",
        key=f"f_areas_{level}",
        placeholder="All areas",
    )
    kind_label = side.radio("Who", list(KIND_LABELS), key="f_kind")
    owner_list = state.owners(db, version)
    owners = side.multiselect("Owner", owner_list, key="f_owners", placeholder="All owners")
    lo, hi = state.sales_date_range(db, version)
    date_from: date | None = None
    date_to: date | None = None
    if lo and hi:
        picked = side.date_input(
            "Sales between", value=(lo, hi), min_value=lo, max_value=hi, key="f_dates"
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            date_from, date_to = picked
        elif isinstance(picked, tuple) and len(picked) == 1:
            date_from = picked[0]
    filters = Filters(
        level=level,
        area_ids=tuple(area_ids),
        kind=KIND_LABELS[kind_label],
        owners=tuple(owners),
        date_from=date_from,
        date_to=date_to,
    )
    st.session_state[state.FILTERS_KEY] = filters
    return filters


def current_filters() -> Filters:
    """The filters drawn by :func:`render_filters` on this run."""
    filters = st.session_state.get(state.FILTERS_KEY)
    return filters if isinstance(filters, Filters) else Filters()
