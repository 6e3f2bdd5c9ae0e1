"""Streamlit glue: the store and cached reads keyed by data version.

Every cached function takes the database path and its data version as its first two
arguments, so an import (which bumps the version) makes fresh results; caches are bounded
and return copies, never objects shared and mutated across sessions. The session-state
keys the pages share are in :mod:`ui.session_keys`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl, urlencode

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analytics.area_metrics import KPIS, METRICS, area_metric_values, metric_column
from geo.analytics.customer_card import CustomerCard, customer_card
from geo.analytics.customer_search import search_customers
from geo.analytics.figures import (
    NetChange,
    SelectionFigures,
    figures_from_summary,
    net_change_last_period,
)
from geo.analytics.flows import area_flows, flows_over_time, latest_complete_period
from geo.analytics.lookalikes import lookalike_index, lookalike_prospects, whitespace
from geo.analytics.rfm_views import (
    rfm_grid,
    risk_distribution,
    segment_summary,
    segments_by_area,
    top_at_risk,
)
from geo.analytics.scores import score_state
from geo.errors import InputError, StoreBusyError
from geo.maps.display_geometry import simplify_for_display
from geo.maps.point_cells import PointCells, count_points_in_cells
from geo.maps.point_sample import MAP_POINT_LIMIT, PointSample, sample_points
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters, overview_level
from geo.segments.saved import known_for_links, list_segments, load_segment, segments_stamp_of
from geo.segments.segment import Segment, segment_from_query
from geo.segments.selection import describe_filters, select_customers
from geo.store.locations import resolve_location
from geo.store.opening import open_store, store_at
from geo.store.protocol import Store
from ui.inert_text import show_error

#: Display simplification per level, in degrees (about 1 km at US latitudes); never used
#: for assignment.
DISPLAY_TOLERANCE_DEG = 0.01


@st.cache_resource(show_spinner=False)
def _open_store(location: str) -> Store:
    return open_store(location)


def current_store() -> Store:
    """The app's database, its schema brought up to date when first opened. One the app
    cannot use (written by a newer GeoCRM, a server out of reach) stops the page with its
    plain message; a busy one is left to :func:`ui.busy.run_unless_busy`."""
    try:
        return _open_store(resolve_location())
    except StoreBusyError:
        raise
    except InputError as exc:
        show_error(exc)
        st.stop()


def data_key(store: Store) -> tuple[str, int]:
    """(database path, data version): the first two arguments of every cached read."""
    return store.location, store.data_version()


@st.cache_data(max_entries=8, show_spinner=False)
def levels(db: str, version: int) -> list[str]:
    return store_at(db).levels()


@st.cache_data(max_entries=8, show_spinner=False)
def first_level(db: str, version: int) -> str | None:
    store = store_at(db)
    return overview_level(store.levels(), store.area_counts())


@st.cache_data(max_entries=16, show_spinner=False)
def area_names(db: str, version: int, level: str) -> pd.DataFrame:
    return store_at(db).area_names(level)


@st.cache_data(max_entries=8, show_spinner=False)
def owners(db: str, version: int) -> list[str]:
    return store_at(db).owner_names()


@st.cache_data(max_entries=8, show_spinner=False)
def sales_date_range(db: str, version: int) -> tuple[date | None, date | None]:
    return store_at(db).sales_date_range()


@st.cache_data(max_entries=32, show_spinner=False)
def area_kpis(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return compute_area_kpis(store_at(db), filters)


@st.cache_data(max_entries=32, show_spinner=False)
def selection_summary(db: str, version: int, filters: Filters) -> dict[str, float]:
    return summarise_selection(store_at(db), filters)


@st.cache_data(max_entries=4, show_spinner=False)
def selection_rows(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return select_customers(store_at(db), filters)


def selection_figures(db: str, version: int, filters: Filters) -> SelectionFigures:
    """The headline figures of the selection (see geo.analytics.figures), from the cached
    summary."""
    return figures_from_summary(selection_summary(db, version, filters))


@st.cache_data(max_entries=32, show_spinner=False)
def net_change(db: str, version: int, filters: Filters) -> NetChange | None:
    return net_change_last_period(store_at(db), filters)


@st.cache_data(max_entries=32, show_spinner=False)
def filters_description(db: str, version: int, filters: Filters) -> str:
    return describe_filters(store_at(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def display_areas(db: str, version: int, level: str) -> gpd.GeoDataFrame:
    areas = store_at(db).load_areas(level)
    return simplify_for_display(areas, DISPLAY_TOLERANCE_DEG)


@st.cache_data(max_entries=16, show_spinner=False)
def map_points(
    db: str, version: int, filters: Filters, kind: str, colour_by: str | None = None
) -> PointSample:
    return sample_points(store_at(db), filters, kind, MAP_POINT_LIMIT, colour_by)


@st.cache_data(max_entries=32, show_spinner=False)
def map_cells(
    db: str, version: int, filters: Filters, kind: str, zoom: int, colour_by: str | None = None
) -> PointCells:
    return count_points_in_cells(store_at(db), filters, kind, zoom, colour_by)


def metric_values(db: str, version: int, filters: Filters, key: str) -> pd.Series:
    """The metric per area (index area_id); KPI metrics come from the cached KPI table."""
    metric = METRICS[key]
    if metric.source == KPIS:
        return metric_column(area_kpis(db, version, filters).set_index("area_id"), metric)
    return _metric_values(db, version, filters, key)


@st.cache_data(max_entries=32, show_spinner="Computing the metric…")
def _metric_values(db: str, version: int, filters: Filters, key: str) -> pd.Series:
    return area_metric_values(store_at(db), filters, key)


def shown_areas(db: str, version: int, filters: Filters) -> gpd.GeoDataFrame:
    """The display outlines of the filters' level, limited to the chosen areas if any."""
    areas = display_areas(db, version, filters.level or "")
    if filters.area_ids:
        areas = areas[areas["area_id"].isin(filters.area_ids)]
    return areas


def _scores_ready(db: str) -> Store:
    # Every write keeps the stored scores current: reading them needs no preparation.
    return store_at(db)


@st.cache_data(max_entries=8, show_spinner=False)
def scores_as_of(db: str, version: int) -> date | None:
    return score_state(store_at(db)).as_of


@st.cache_data(max_entries=16, show_spinner="Scoring customers…")
def segments_table(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return segment_summary(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def rfm_cells(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return rfm_grid(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def risk_table(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return risk_distribution(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def at_risk_list(db: str, version: int, filters: Filters, limit: int) -> pd.DataFrame:
    return top_at_risk(_scores_ready(db), filters, limit)


@st.cache_data(max_entries=16, show_spinner="Counting customers gained and lost…")
def flows_by_period(db: str, version: int, filters: Filters, period: str) -> pd.DataFrame:
    return flows_over_time(store_at(db), filters, period)


@st.cache_data(max_entries=16, show_spinner=False)
def flows_by_area(
    db: str, version: int, filters: Filters, period: str, start: date
) -> pd.DataFrame:
    return area_flows(store_at(db), filters, period, start)


@st.cache_data(max_entries=8, show_spinner=False)
def last_whole_period(db: str, version: int, period: str) -> date | None:
    return latest_complete_period(store_at(db), period)


@st.cache_data(max_entries=2, show_spinner="Finding look-alike prospects…")
def _lookalike_people(db: str, version: int, filters: Filters) -> pd.DataFrame:
    # Made once for both the prospect list and the target areas (the slow part of both).
    return lookalike_index(_scores_ready(db), filters)


@st.cache_data(max_entries=8, show_spinner="Ranking areas…")
def whitespace_table(db: str, version: int, filters: Filters) -> pd.DataFrame:
    people = _lookalike_people(db, version, filters)
    return whitespace(_scores_ready(db), filters, people)


@st.cache_data(max_entries=8, show_spinner="Finding look-alike prospects…")
def lookalike_list(db: str, version: int, filters: Filters, limit: int | None) -> pd.DataFrame:
    people = _lookalike_people(db, version, filters)
    return lookalike_prospects(_scores_ready(db), filters, limit, people)


@st.cache_data(max_entries=8, show_spinner=False)
def segments_per_area(db: str, version: int, filters: Filters) -> pd.DataFrame:
    return segments_by_area(_scores_ready(db), filters)


def segments_stamp(db: str) -> str:
    """Changes whenever a segment is saved, renamed or deleted (by the app or the CLI)."""
    return segments_stamp_of(store_at(db))


def saved_segments(db: str, version: int) -> pd.DataFrame:
    """Saved segments with current counts; recomputed when the data or the segments change."""
    return _saved_segments(db, version, segments_stamp(db))


@st.cache_data(max_entries=4, show_spinner=False)
def _saved_segments(db: str, version: int, stamp: str) -> pd.DataFrame:
    return list_segments(store_at(db))


def saved_segment(db: str, version: int, name: str) -> tuple[Segment, list[str]]:
    return load_segment(store_at(db), name)


@st.cache_data(max_entries=32, show_spinner=False)
def segment_from_link(db: str, version: int, query: str) -> tuple[Segment, list[str]]:
    """The segment a page's link (its query string) describes, checked against the data."""
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        params.setdefault(key, []).append(value)
    return segment_from_query(params, known_for_links(store_at(db), frozenset(METRICS)))


def link_segment(db: str, version: int) -> tuple[Segment, list[str]]:
    """The segment of this page's link, read by the one link parser
    (:func:`geo.segments.segment.segment_from_query`), and what it could not use."""
    pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    return segment_from_link(db, version, urlencode(pairs, errors="replace"))


@st.cache_data(max_entries=64, show_spinner=False)
def search(db: str, version: int, text: str) -> pd.DataFrame:
    return search_customers(store_at(db), text, limit=8)


@st.cache_data(max_entries=32, show_spinner=False)
def card(db: str, version: int, customer_id: str, filters: Filters) -> CustomerCard:
    return customer_card(store_at(db), customer_id, filters)
