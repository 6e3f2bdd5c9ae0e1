"""Streamlit glue: the store and cached reads keyed by store, scope and data version.

Every cached function takes the store (bound to this run's user's scope, see
:func:`current_store`) and its data version as its first two arguments: the store's
location and scope are part of every cache key, so one user's cached figures never reach
another user, and an import (which bumps the version) makes fresh results. Caches are
bounded and return copies, never objects shared and mutated across sessions. The
session-state keys the pages share are in :mod:`ui.session_keys`.
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
from geo.analytics.lookalikes import (
    LookalikeProfiles,
    lookalike_profiles,
    lookalike_prospects,
    whitespace,
)
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
from geo.present.contact_list import ContactPlan, contact_plan
from geo.present.target_list import SelectionPreview, preview_selection
from geo.quality.fix_lists import fix_list, quality_counts
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters, overview_level
from geo.segments.saved import known_for_links, list_segments, load_segment, segments_stamp_of
from geo.segments.segment import Segment, segment_from_query
from geo.segments.selection import describe_filters
from geo.store.locations import resolve_location
from geo.store.opening import open_store
from geo.store.protocol import Store
from geo.territories.history import history_unit_level
from ui.access import current_access
from ui.inert_text import show_error

#: Display simplification per level, in degrees (about 1 km at US latitudes); never used
#: for assignment.
DISPLAY_TOLERANCE_DEG = 0.01
#: Rows of the call list the Contact list shows (the workbook holds them all).
CALLS_SHOWN = 500


@st.cache_resource(show_spinner=False)
def _open_store(location: str) -> Store:
    return open_store(location)


def current_store() -> Store:
    """The app's database as this run's user may see it: bound to their scope (see
    :mod:`ui.access`), so every read through it, and every cached read keyed by it, is
    narrowed to their areas."""
    return app_store().within(current_access().scope)


def app_store() -> Store:
    """The app's database, unscoped: for the sign-in gate and the admin page only. Its
    schema is brought up to date when first opened. One the app cannot use (written by a
    newer GeoCRM, a server out of reach) stops the page with its plain message; a busy one
    is left to :func:`ui.busy.run_unless_busy`."""
    try:
        return _open_store(resolve_location())
    except StoreBusyError:
        raise
    except InputError as exc:
        show_error(exc)
        st.stop()


def data_key(store: Store) -> tuple[Store, int]:
    """(store with its scope, data version): the first two arguments of every cached read."""
    return store, store.data_version()


@st.cache_data(max_entries=8, show_spinner=False)
def levels(db: Store, version: int) -> list[str]:
    return db.levels()


@st.cache_data(max_entries=8, show_spinner=False)
def first_level(db: Store, version: int) -> str | None:
    store = db
    return overview_level(store.levels(), store.area_counts())


@st.cache_data(max_entries=16, show_spinner=False)
def area_names(db: Store, version: int, level: str) -> pd.DataFrame:
    return db.area_names(level)


@st.cache_data(max_entries=8, show_spinner=False)
def owners(db: Store, version: int) -> list[str]:
    return db.owner_names()


@st.cache_data(max_entries=8, show_spinner=False)
def sales_date_range(db: Store, version: int) -> tuple[date | None, date | None]:
    return db.sales_date_range()


@st.cache_data(max_entries=32, show_spinner=False)
def area_kpis(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    return compute_area_kpis(db, filters)


@st.cache_data(max_entries=32, show_spinner=False)
def selection_summary(db: Store, version: int, filters: Filters) -> dict[str, float]:
    return summarise_selection(db, filters)


@st.cache_data(max_entries=16, show_spinner=False)
def selection_preview(db: Store, version: int, filters: Filters) -> SelectionPreview:
    return preview_selection(db, filters, head=100)


def selection_figures(db: Store, version: int, filters: Filters) -> SelectionFigures:
    """The headline figures of the selection (see geo.analytics.figures), from the cached
    summary."""
    return figures_from_summary(selection_summary(db, version, filters))


@st.cache_data(max_entries=32, show_spinner=False)
def net_change(db: Store, version: int, filters: Filters) -> NetChange | None:
    return net_change_last_period(db, filters)


@st.cache_data(max_entries=16, show_spinner=False)
def contact_plan_of(db: Store, version: int, filters: Filters) -> ContactPlan:
    return contact_plan(db, filters, head=CALLS_SHOWN)


@st.cache_data(max_entries=32, show_spinner=False)
def filters_description(db: Store, version: int, filters: Filters) -> str:
    return describe_filters(db, filters)


@st.cache_data(max_entries=16, show_spinner=False)
def display_areas(db: Store, version: int, level: str) -> gpd.GeoDataFrame:
    areas = db.load_areas(level)
    return simplify_for_display(areas, DISPLAY_TOLERANCE_DEG)


@st.cache_data(max_entries=16, show_spinner=False)
def map_points(
    db: Store, version: int, filters: Filters, kind: str, colour_by: str | None = None
) -> PointSample:
    return sample_points(db, filters, kind, MAP_POINT_LIMIT, colour_by)


@st.cache_data(max_entries=32, show_spinner=False)
def map_cells(
    db: Store, version: int, filters: Filters, kind: str, zoom: int, colour_by: str | None = None
) -> PointCells:
    return count_points_in_cells(db, filters, kind, zoom, colour_by)


def metric_values(db: Store, version: int, filters: Filters, key: str) -> pd.Series:
    """The metric per area (index area_id); KPI metrics come from the cached KPI table."""
    metric = METRICS[key]
    if metric.source == KPIS:
        return metric_column(area_kpis(db, version, filters).set_index("area_id"), metric)
    return _metric_values(db, version, filters, key)


@st.cache_data(max_entries=32, show_spinner="Computing the metric…")
def _metric_values(db: Store, version: int, filters: Filters, key: str) -> pd.Series:
    return area_metric_values(db, filters, key)


def shown_areas(db: Store, version: int, filters: Filters) -> gpd.GeoDataFrame:
    """The display outlines of the filters' level, limited to the chosen areas if any."""
    areas = display_areas(db, version, filters.level or "")
    if filters.area_ids:
        areas = areas[areas["area_id"].isin(filters.area_ids)]
    return areas


def _scores_ready(db: Store) -> Store:
    # Every write keeps the stored scores current: reading them needs no preparation.
    return db


@st.cache_data(max_entries=8, show_spinner=False)
def scores_as_of(db: Store, version: int) -> date | None:
    return score_state(db).as_of


@st.cache_data(max_entries=16, show_spinner="Scoring customers…")
def segments_table(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    return segment_summary(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def rfm_cells(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    return rfm_grid(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def risk_table(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    return risk_distribution(_scores_ready(db), filters)


@st.cache_data(max_entries=16, show_spinner=False)
def at_risk_list(db: Store, version: int, filters: Filters, limit: int) -> pd.DataFrame:
    return top_at_risk(_scores_ready(db), filters, limit)


@st.cache_data(max_entries=16, show_spinner="Counting customers gained and lost…")
def flows_by_period(
    db: Store, version: int, filters: Filters, period: str, units: str | None = None
) -> pd.DataFrame:
    return flows_over_time(db, filters, period, units=units)


@st.cache_data(max_entries=16, show_spinner=False)
def flows_by_area(
    db: Store, version: int, filters: Filters, period: str, start: date, units: str | None = None
) -> pd.DataFrame:
    return area_flows(db, filters, period, start, units=units)


@st.cache_data(max_entries=8, show_spinner=False)
def history_units(db: Store, version: int, territory_level: str) -> str | None:
    """The unit level of ``territory_level``'s alignment history (None: never applied)."""
    return history_unit_level(db, territory_level)


@st.cache_data(max_entries=8, show_spinner=False)
def last_whole_period(db: Store, version: int, period: str) -> date | None:
    return latest_complete_period(db, period)


@st.cache_resource(max_entries=2, show_spinner="Finding look-alike prospects…")
def _lookalike_profiles(db: Store, version: int, filters: Filters) -> LookalikeProfiles:
    # Made once for both the prospect list and the target areas, and shared as it is: its
    # two readers only select from it, never change it.
    return lookalike_profiles(_scores_ready(db), filters)


@st.cache_data(max_entries=8, show_spinner="Ranking areas…")
def whitespace_table(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    profiles = _lookalike_profiles(db, version, filters)
    return whitespace(_scores_ready(db), filters, profiles)


@st.cache_data(max_entries=8, show_spinner="Finding look-alike prospects…")
def lookalike_list(db: Store, version: int, filters: Filters, limit: int | None) -> pd.DataFrame:
    profiles = _lookalike_profiles(db, version, filters)
    return lookalike_prospects(_scores_ready(db), filters, limit, profiles)


@st.cache_data(max_entries=8, show_spinner=False)
def segments_per_area(db: Store, version: int, filters: Filters) -> pd.DataFrame:
    return segments_by_area(_scores_ready(db), filters)


def segments_stamp(db: Store) -> str:
    """Changes whenever a segment is saved, renamed or deleted (by the app or the CLI)."""
    return segments_stamp_of(db)


def saved_segments(db: Store, version: int) -> pd.DataFrame:
    """Saved segments with current counts; recomputed when the data or the segments change."""
    return _saved_segments(db, version, segments_stamp(db))


@st.cache_data(max_entries=4, show_spinner=False)
def _saved_segments(db: Store, version: int, stamp: str) -> pd.DataFrame:
    return list_segments(db)


def saved_segment(db: Store, version: int, name: str) -> tuple[Segment, list[str]]:
    return load_segment(db, name)


@st.cache_data(max_entries=32, show_spinner=False)
def segment_from_link(db: Store, version: int, query: str) -> tuple[Segment, list[str]]:
    """The segment a page's link (its query string) describes, checked against the data."""
    params: dict[str, list[str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=False):
        params.setdefault(key, []).append(value)
    return segment_from_query(params, known_for_links(db, frozenset(METRICS)))


def link_segment(db: Store, version: int) -> tuple[Segment, list[str]]:
    """The segment of this page's link, read by the one link parser
    (:func:`geo.segments.segment.segment_from_query`), and what it could not use."""
    pairs = [(k, v) for k in st.query_params for v in st.query_params.get_all(k)]
    return segment_from_link(db, version, urlencode(pairs, errors="replace"))


@st.cache_data(max_entries=64, show_spinner=False)
def search(db: Store, version: int, text: str) -> pd.DataFrame:
    return search_customers(db, text, limit=8)


@st.cache_data(max_entries=32, show_spinner=False)
def card(db: Store, version: int, customer_id: str, filters: Filters) -> CustomerCard:
    return customer_card(db, customer_id, filters)


@st.cache_data(max_entries=8, show_spinner=False)
def quality_counts_of(db: Store, version: int, level: str | None) -> dict[str, int]:
    return quality_counts(db, level)


@st.cache_data(max_entries=8, show_spinner=False)
def fix_list_of(db: Store, version: int, problem: str, level: str | None) -> pd.DataFrame:
    return fix_list(db, problem, level)
