"""The sidebar filters every page shares, turned into one :class:`geo.segments.filters.Filters`.

The widgets are derived from the filter table (:data:`geo.segments.filters.CRITERIA`): each
criterion declares a widget kind, and this module draws and seeds each kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import streamlit as st

from geo.maps.classes import CLASSES_PARAM
from geo.places.shapes import describe_shapes
from geo.segments.criteria import Criterion, WidgetKind
from geo.segments.filters import CRITERIA, Filters
from geo.segments.segment import BASEMAP_PARAM, METRIC_PARAM, VIEW_PARAM, Segment
from ui import session_keys, state
from ui.customer_finder import finder_in_sidebar
from ui.inert_text import as_option, inert, show_warning


@dataclass(frozen=True)
class _DataChoices:
    """What the widgets may hold, from the data: its ``levels``, the chosen ``level`` and
    the names of its areas (``area_labels``, area_id -> name), its ``owners`` and its first
    and last order dates (``dates``, None without sales)."""

    levels: list[str]
    level: str | None
    owners: list[str]
    dates: tuple[date, date] | None
    area_labels: dict[str, str] = field(default_factory=dict)


def _seed_widgets(
    filters: Filters, levels: list[str], owners: list[str], dates: tuple[date, date] | None
) -> None:
    """Set the filter widgets to ``filters`` before they are drawn (a link's or an opened
    segment's). The widgets hold only what the data has: ``levels``, ``owners`` (a saved
    segment may name one no longer there) and dates between ``dates``, the data's first
    and last order date."""
    for key in [k for k in st.session_state if str(k).startswith("f_")]:
        del st.session_state[key]
    data = _DataChoices(levels, filters.level, owners, dates)
    for name, criterion in CRITERIA:
        if criterion.widget is not None:
            upper = getattr(filters, criterion.upper) if criterion.upper else None
            _SEEDS[criterion.widget.kind](criterion, getattr(filters, name), upper, data)


def _seed_level(c: Criterion, level: Any, _: Any, data: _DataChoices) -> None:
    if c.widget and level in data.levels:
        st.session_state[c.widget.key] = level


def _seed_areas(c: Criterion, area_ids: Any, _: Any, data: _DataChoices) -> None:
    if c.widget and data.level in data.levels:
        st.session_state[f"{c.widget.key}_{data.level}"] = list(area_ids)


def _seed_one_of(c: Criterion, value: Any, _: Any, __: _DataChoices) -> None:
    if c.widget:
        st.session_state[c.widget.key] = {v: label for label, v in c.widget.labels}[value]


def _seed_owners(c: Criterion, owners: Any, _: Any, data: _DataChoices) -> None:
    if c.widget:
        st.session_state[c.widget.key] = [o for o in owners if o in data.owners]


def _seed_value(c: Criterion, value: Any, _: Any, __: _DataChoices) -> None:
    if c.widget:
        st.session_state[c.widget.key] = list(value) if c.many else value


def _seed_date_range(c: Criterion, low: Any, high: Any, data: _DataChoices) -> None:
    if c.widget and data.dates and (low or high):
        lo, hi = data.dates
        st.session_state[c.widget.key] = (min(max(low or lo, lo), hi), max(min(high or hi, hi), lo))


def _seed_amount_range(c: Criterion, low: Any, high: Any, _: _DataChoices) -> None:
    if c.widget:
        st.session_state[c.widget.key] = low
        st.session_state[c.widget.upper_key] = high


def _seed_drawn(_: Criterion, shapes: Any, __: Any, ___: _DataChoices) -> None:
    st.session_state[session_keys.SHAPES_KEY] = shapes


_SEEDS: dict[WidgetKind, Callable[[Criterion, Any, Any, _DataChoices], None]] = {
    WidgetKind.LEVEL: _seed_level,
    WidgetKind.AREAS: _seed_areas,
    WidgetKind.ONE_OF: _seed_one_of,
    WidgetKind.OWNERS: _seed_owners,
    WidgetKind.CHOICES: _seed_value,
    WidgetKind.COUNT: _seed_value,
    WidgetKind.DATE_RANGE: _seed_date_range,
    WidgetKind.AMOUNT_RANGE: _seed_amount_range,
    WidgetKind.DRAWN: _seed_drawn,
}


def _seed_from_link_or_segment(db: state.Store, version: int, levels: list[str]) -> None:
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
    # the map its chosen customer, metric and basemap, the Data quality page its list: keep
    # them.
    kept = (VIEW_PARAM, "name", "id", "focus", METRIC_PARAM, BASEMAP_PARAM, CLASSES_PARAM)
    for param in (*kept, "problem"):
        if st.query_params.get_all(param):
            wanted[param] = st.query_params.get_all(param)
    # Setting the same parameters again would still touch the browser's history.
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(wanted)


#: What a widget drawer returns: the values it set (field name of Filters -> value), and
#: notes on what it had to ignore.
Drawn = tuple[dict[str, Any], list[str]]


def _draw_areas(form: Any, name: str, c: Criterion, data: _DataChoices) -> Drawn:
    assert c.widget is not None
    assert data.level is not None
    labels = data.area_labels
    area_ids = form.multiselect(
        inert(f"{c.widget.label} ({data.level})"),
        list(labels),
        format_func=lambda a: as_option(f"{labels[a]} ({a})"),
        key=f"{c.widget.key}_{data.level}",
        placeholder=c.widget.placeholder,
    )
    return {name: tuple(area_ids)}, []


def _draw_one_of(form: Any, name: str, c: Criterion, _: _DataChoices) -> Drawn:
    assert c.widget is not None
    values = dict(c.widget.labels)
    label = form.radio(c.widget.label, list(values), key=c.widget.key)
    return {name: values[label]}, []


def _draw_owners(form: Any, name: str, c: Criterion, data: _DataChoices) -> Drawn:
    assert c.widget is not None
    owners = form.multiselect(
        c.widget.label, data.owners, key=c.widget.key, placeholder=c.widget.placeholder
    )
    return {name: tuple(owners)}, []


def _draw_choices(form: Any, name: str, c: Criterion, _: _DataChoices) -> Drawn:
    """A multiselect of the criterion's fixed options."""
    assert c.widget is not None
    chosen = form.multiselect(
        c.widget.label,
        list(c.options),
        key=c.widget.key,
        placeholder=c.widget.placeholder,
        help=c.widget.help or None,
    )
    return {name: tuple(chosen)}, []


def _draw_date_range(form: Any, name: str, c: Criterion, data: _DataChoices) -> Drawn:
    assert c.widget is not None
    assert c.upper is not None
    low: date | None = None
    high: date | None = None
    if data.dates:
        lo, hi = data.dates
        picked = form.date_input(
            c.widget.label, value=(lo, hi), min_value=lo, max_value=hi, key=c.widget.key
        )
        if isinstance(picked, tuple) and len(picked) == 2:
            low, high = picked
        elif isinstance(picked, tuple) and len(picked) == 1:
            low = picked[0]
        # The whole range of the data is no date filter: say nothing about dates.
        low = None if low == lo else low
        high = None if high == hi else high
    return {name: low, c.upper: high}, []


def _draw_amount_range(form: Any, name: str, c: Criterion, _: _DataChoices) -> Drawn:
    assert c.widget is not None
    assert c.upper is not None
    w = c.widget
    low_col, high_col = form.columns(2)
    low = low_col.number_input(w.label, min_value=0.0, value=None, step=w.step, key=w.key)
    high = high_col.number_input(
        w.upper_label, min_value=0.0, value=None, step=w.step, key=w.upper_key
    )
    notes = []
    if low is not None and high is not None and high < low:
        notes.append(f"{w.what}: ${high:,.0f} is below ${low:,.0f}; the upper bound is ignored.")
        high = None
    return {name: low, c.upper: high}, notes


def _draw_count(form: Any, name: str, c: Criterion, _: _DataChoices) -> Drawn:
    assert c.widget is not None
    w = c.widget
    count = form.number_input(
        w.label, min_value=1, value=None, step=int(w.step), key=w.key, help=w.help or None
    )
    return {name: None if count is None else int(count)}, []


#: The widgets drawn in the filter form, by kind (the level is drawn above the form, the
#: drawn shapes below it).
_DRAWERS: dict[WidgetKind, Callable[[Any, str, Criterion, _DataChoices], Drawn]] = {
    WidgetKind.AREAS: _draw_areas,
    WidgetKind.ONE_OF: _draw_one_of,
    WidgetKind.OWNERS: _draw_owners,
    WidgetKind.CHOICES: _draw_choices,
    WidgetKind.DATE_RANGE: _draw_date_range,
    WidgetKind.AMOUNT_RANGE: _draw_amount_range,
    WidgetKind.COUNT: _draw_count,
}


def _draw_level(c: Criterion, levels: list[str], first: str) -> str:
    assert c.widget is not None
    # The default goes through the session state too: a widget given both a default and a
    # seeded value (a link's level) makes Streamlit warn.
    if st.session_state.get(c.widget.key) not in levels:
        st.session_state[c.widget.key] = first
    level: str = st.sidebar.selectbox(c.widget.label, levels, key=c.widget.key, help=c.widget.help)
    return level


def _drawn_shapes() -> tuple[Any, ...]:
    """The shapes drawn on the map, said in the sidebar, with a button that clears them."""
    side = st.sidebar
    shapes = tuple(st.session_state.get(session_keys.SHAPES_KEY, ()))
    if shapes:
        side.caption(f"Drawn selection: {describe_shapes(shapes)}.")
        if side.button("Clear the drawn selection", key="f_clear_shapes"):
            st.session_state[session_keys.SHAPES_KEY] = ()
            shapes = ()
    return shapes


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
    values: dict[str, Any] = {}
    notes: list[str] = []
    for name, c in CRITERIA:
        if c.widget is not None and c.widget.kind == WidgetKind.LEVEL:
            first = state.first_level(db, version) or levels[-1]
            values[name] = _draw_level(c, levels, first)
    lo, hi = state.sales_date_range(db, version)
    level = values.get("level")
    names = state.area_names(db, version, level) if level else None
    data = _DataChoices(
        levels,
        level,
        state.owners(db, version),
        (lo, hi) if lo and hi else None,
        {} if names is None else dict(zip(names["area_id"], names["name"], strict=True)),
    )
    # The other filters are batched in a form: choosing several of them and pressing Apply
    # reruns the app once, not once per widget. (The level stays outside: the area list
    # depends on it.)
    form = side.form("filters", border=False)
    for name, c in CRITERIA:
        drawer = _DRAWERS.get(c.widget.kind) if c.widget is not None else None
        if drawer is not None:
            drawn, drawn_notes = drawer(form, name, c, data)
            values.update(drawn)
            notes.extend(drawn_notes)
    form.form_submit_button("Apply filters", type="primary", width="stretch")
    for name, c in CRITERIA:
        if c.widget is not None and c.widget.kind == WidgetKind.DRAWN:
            values[name] = _drawn_shapes()
    for problem in st.session_state.pop(session_keys.LINK_PROBLEMS_KEY, []):
        show_warning(problem, side)
    for note in notes:
        side.warning(note)
    filters = Filters(**values)
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
