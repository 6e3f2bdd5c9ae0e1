"""The sidebar filters every page shares, turned into one :class:`geo.segments.filters.Filters`."""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from geo.maps.classes import CLASSES_PARAM
from geo.places.shapes import describe_shapes
from geo.schema import CONTACT_STATUSES, RISK_BANDS, SEGMENTS
from geo.segments.filters import Filters
from geo.segments.segment import BASEMAP_PARAM, METRIC_PARAM, VIEW_PARAM, Segment
from ui import session_keys, state
from ui.customer_finder import finder_in_sidebar
from ui.inert_text import as_option, inert, show_warning

KIND_LABELS = {"Customers and prospects": None, "Customers": "customer", "Prospects": "prospect"}


def _seed_widgets(
    filters: Filters, levels: list[str], owners: list[str], dates: tuple[date, date] | None
) -> None:
    """Set the filter widgets to ``filters`` before they are drawn (a link's or an opened
    segment's). The widgets hold only what the data has: ``levels``, ``owners`` (a saved
    segment may name one no longer there) and dates between ``dates``, the data's first
    and last order date."""
    for key in [k for k in st.session_state if str(k).startswith("f_")]:
        del st.session_state[key]
    f = filters
    if f.level in levels:
        st.session_state["f_level"] = f.level
        st.session_state[f"f_areas_{f.level}"] = list(f.area_ids)
    st.session_state["f_kind"] = {v: k for k, v in KIND_LABELS.items()}[f.kind]
    st.session_state["f_owners"] = [o for o in f.owners if o in owners]
    st.session_state["f_segments"] = list(f.segments)
    st.session_state["f_risk"] = list(f.risk_bands)
    st.session_state["f_contact"] = list(f.contact)
    st.session_state["f_value_min"] = f.value_min
    st.session_state["f_value_max"] = f.value_max
    if dates and (f.date_from or f.date_to):
        lo, hi = dates
        st.session_state["f_dates"] = (
            min(max(f.date_from or lo, lo), hi),
            max(min(f.date_to or hi, hi), lo),
        )
    st.session_state[session_keys.SHAPES_KEY] = f.shapes


def _seed_from_link_or_segment(db: str, version: int, levels: list[str]) -> None:
    """On a session's first run the widgets take the link's filters, read by the one link
    parser (what it drops is shown as a note); later, a segment opened on the previous run."""
    lo, hi = state.sales_date_range(db, version)
    dates = (lo, hi) if lo and hi else None
    owners = state.owners(db, version)
    if session_keys.LINK_READ_KEY not in st.session_state:
        st.session_state[session_keys.LINK_READ_KEY] = True
        segment, problems = state.link_segment(db, version)
        st.session_state.setdefault(session_keys.LINK_PROBLEMS_KEY, []).extend(problems)
        _seed_widgets(segment.filters, levels, owners, dates)
    pending = st.session_state.pop(session_keys.PENDING_KEY, None)
    if isinstance(pending, Segment):
        _seed_widgets(pending.filters, levels, owners, dates)


def _write_link(filters: Filters) -> None:
    wanted = filters.to_query()
    # The map keeps its position in the link from the browser, a saved segment's link its
    # name (used only while the filters still match it), a customer card its customer and
    # the map its chosen customer, metric and basemap: keep them.
    for param in (VIEW_PARAM, "name", "id", "focus", METRIC_PARAM, BASEMAP_PARAM, CLASSES_PARAM):
        if st.query_params.get_all(param):
            wanted[param] = st.query_params.get_all(param)
    # Setting the same parameters again would still touch the browser's history.
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)


def _choice_filter(
    form: Any,
    key: str,
    label: str,
    options: tuple[str, ...],
    placeholder: str,
    help_text: str,
) -> list[str]:
    """A multiselect of fixed choices (seeded from the link by _seed_from_link_or_segment)."""
    chosen: list[str] = form.multiselect(
        label, list(options), key=key, placeholder=placeholder, help=help_text
    )
    return chosen


def render_filters() -> Filters:
    """Draw the filter widgets in the sidebar and return the filters they say."""
    store = state.current_store()
    db, version = state.data_key(store)
    levels = state.levels(db, version)
    side = st.sidebar
    finder_in_sidebar()
    side.header("Filters")
    if not levels:
        side.info("No areas yet: import areas on the Data page, or run `make run` for the demo.")
        filters = Filters()
        st.session_state[session_keys.FILTERS_KEY] = filters
        return filters
    _seed_from_link_or_segment(db, version, levels)
    # The default goes through the session state too: a widget given both a default and a
    # seeded value (a link's level) makes Streamlit warn.
    if st.session_state.get("f_level") not in levels:
        st.session_state["f_level"] = state.first_level(db, version) or levels[-1]
    level = side.selectbox(
        "Level",
        levels,
        key="f_level",
        help="Areas to group by; the first view opens at an overview level",
    )
    # The other filters are batched in a form: choosing several of them and pressing Apply
    # reruns the app once, not once per widget. (The level stays outside: the area list
    # depends on it.)
    form = side.form("filters", border=False)
    names = state.area_names(db, version, level)
    labels = dict(zip(names["area_id"], names["name"], strict=True))
    area_ids = form.multiselect(
        inert(f"Areas ({level})"),
        list(labels),
        format_func=lambda a: as_option(f"{labels[a]} ({a})"),
        key=f"f_areas_{level}",
        placeholder="All areas",
    )
    kind_label = form.radio("Who", list(KIND_LABELS), key="f_kind")
    owner_list = state.owners(db, version)
    owners = form.multiselect("Owner", owner_list, key="f_owners", placeholder="All owners")
    lo, hi = state.sales_date_range(db, version)
    date_from: date | None = None
    date_to: date | None = None
    if lo and hi:
        picked = form.date_input(
            "Sales between", value=(lo, hi), min_value=lo, max_value=hi, key="f_dates"
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            date_from, date_to = picked
        elif isinstance(picked, tuple) and len(picked) == 1:
            date_from = picked[0]
        # The whole range of the data is no date filter: say nothing about dates.
        date_from = None if date_from == lo else date_from
        date_to = None if date_to == hi else date_to
    segments = _choice_filter(
        form,
        "f_segments",
        "RFM segment",
        SEGMENTS,
        "All segments",
        "Customers' recency, frequency and money segment (see the Customers page)",
    )
    risk_bands = _choice_filter(
        form,
        "f_risk",
        "Churn risk",
        RISK_BANDS,
        "Any risk",
        "How overdue customers are against their own buying rhythm",
    )
    contact = _choice_filter(
        form, "f_contact", "Contact timing", CONTACT_STATUSES, "Any timing",
        "overdue: silent for over twice their usual gap; due: next order expected "
        "within 30 days",
    )  # fmt: skip
    low_col, high_col = form.columns(2)
    value_min = low_col.number_input(
        "Lifetime revenue from ($)", min_value=0.0, value=None, step=1000.0, key="f_value_min"
    )
    value_max = high_col.number_input(
        "to ($)", min_value=0.0, value=None, step=1000.0, key="f_value_max"
    )
    form.form_submit_button("Apply filters", type="primary", width="stretch")
    shapes = tuple(st.session_state.get(session_keys.SHAPES_KEY, ()))
    if shapes:
        side.caption(f"Drawn selection: {describe_shapes(shapes)}.")
        if side.button("Clear the drawn selection", key="f_clear_shapes"):
            st.session_state[session_keys.SHAPES_KEY] = ()
            shapes = ()
    for problem in st.session_state.pop(session_keys.LINK_PROBLEMS_KEY, []):
        show_warning(problem, side)
    if value_min is not None and value_max is not None and value_max < value_min:
        side.warning(
            f"Lifetime revenue: ${value_max:,.0f} is below ${value_min:,.0f}; "
            "the upper bound is ignored."
        )
        value_max = None
    filters = Filters(
        level=level,
        area_ids=tuple(area_ids),
        kind=KIND_LABELS[kind_label],
        owners=tuple(owners),
        date_from=date_from,
        date_to=date_to,
        segments=tuple(segments),
        risk_bands=tuple(risk_bands),
        contact=tuple(contact),
        value_min=value_min,
        value_max=value_max,
        shapes=shapes,
    )
    st.session_state[session_keys.FILTERS_KEY] = filters
    _write_link(filters)
    return filters


def current_filters() -> Filters:
    """The filters drawn by :func:`render_filters` on this run.

    A page run without app.py (the first visit to a page's own address on a fresh server,
    see ui/__init__.py) has no filters yet: run again, through app.py.
    """
    filters = st.session_state.get(session_keys.FILTERS_KEY)
    if not isinstance(filters, Filters):
        st.rerun()
    return filters


def open_segment(segment: Segment, problems: list[str]) -> None:
    """Show ``segment``: its criteria become the sidebar's (on the next run, before the
    widgets exist) and the link's; the app reruns."""
    st.session_state[session_keys.PENDING_KEY] = segment
    st.session_state[session_keys.LINK_PROBLEMS_KEY] = list(problems)
    st.rerun()
