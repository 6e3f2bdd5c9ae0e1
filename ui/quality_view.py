"""The Data quality page's parts: the counts, each a link to its list; a list with its
download; the map of the customers outside all areas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from geo.errors import InputError, StoreBusyError
from geo.imports.location_fixes import fix_location, listed_location_fixes, revert_location_fix
from geo.imports.merges import merge_customers
from geo.maps.area_map import build_area_map
from geo.maps.point_layers import PointLayer
from geo.quality.problems import PROBLEMS, Problem
from ui import state
from ui.access import Access
from ui.folium_view import show_map
from ui.inert_text import (
    as_option,
    inert,
    show_caption,
    show_error,
    show_subheader,
    show_success,
    show_warning,
)
from ui.tables import show_table
from ui.widgets import csv_download

#: The page's address, for the links of the counts.
PAGE = "pages/quality.py"
#: The query parameter naming the list shown (a problem code; anything else is ignored).
PROBLEM_PARAMETER = "problem"
#: Rows of a list the page shows (the download holds them all).
SHOWN_ROWS = 1000
#: The lists whose customers' location can be fixed here.
LOCATION_PROBLEMS = ("no_location", "coarse_location", "outside_areas")
#: The merge waiting for a yes: (kept ID, dropped ID).
PENDING_MERGE_KEY = "quality_pending_merge"
#: Said once after the rerun that follows a fix, a revert or a merge.
FIX_MESSAGE_KEY = "quality_fix_message"
#: Dot colour of the customers outside all areas (a fixed colour, never from data).
OUTSIDE_COLOUR = "#d62728"


def chosen_problem(counts: dict[str, int]) -> str:
    """The list the address asks for, else the first with rows, else the first."""
    asked = st.query_params.get(PROBLEM_PARAMETER)
    if asked in PROBLEMS:
        return str(asked)
    return next((code for code, n in counts.items() if n), next(iter(PROBLEMS)))


def show_counts(counts: dict[str, int], chosen: str) -> None:
    """Every problem with its count, in two rows of tiles, each a link to its list."""
    codes = list(PROBLEMS)
    for start in range(0, len(codes), 4):
        cols = st.columns(4)
        for col, code in zip(cols, codes[start : start + 4], strict=False):
            problem = PROBLEMS[code]
            col.metric(inert(problem.title), f"{counts[code]:,}")
            col.page_link(
                PAGE,
                label="Shown below" if code == chosen else "Show the list",
                query_params={PROBLEM_PARAMETER: code},
                disabled=code == chosen,
            )


def _labels(listed: pd.DataFrame) -> list[str]:
    return [
        f"{cid} {name if isinstance(name, str) else ''}: {detail}"
        for cid, name, detail in zip(
            listed["customer_id"], listed["name"], listed["_detail"], strict=True
        )
    ]


def show_outside_map(listed: pd.DataFrame, level: str) -> None:
    """The level's areas, each coloured by how many of the outside customers it is the
    nearest area to, and those customers as dots (their label says how far)."""
    db, version = state.data_key(state.current_store())
    areas = state.display_areas(db, version, level)
    nearest = listed["_nearest_area_id"].value_counts()
    values = nearest.reindex(areas["area_id"]).fillna(0).astype(float)
    layer = PointLayer(
        name="Outside all areas",
        lat=listed["lat"].to_numpy(dtype=float),
        lon=listed["lon"].to_numpy(dtype=float),
        labels=_labels(listed),
        colour=OUTSIDE_COLOUR,
        total=len(listed),
    )
    fmap = build_area_map(
        areas,
        pd.Series(values.to_numpy(), index=areas["area_id"]),
        metric_label="Outside customers nearest to it",
        unit="count",
        point_layers=[layer],
        point_legend=[(layer.title, OUTSIDE_COLOUR)],
        height=420,
        layer_control=False,
    )
    show_map(fmap, key="quality_outside_map", height=420, returned_objects=[])


def show_fix_list(problem: Problem, listed: pd.DataFrame, level: str | None) -> None:
    """The list's meaning and fix, its first rows and the download of all of them."""
    show_subheader(f"{problem.title}: {len(listed):,}")
    show_caption(f"What it is: {problem.meaning}. To fix: {problem.fix}.")
    if listed.empty:
        st.success("Nothing to fix here.")
        return
    if problem.code == "outside_areas" and level and np.isfinite(listed["lat"]).any():
        show_outside_map(listed, level)
    # The problem's code is for the file (an import ignores it); the heading says it here.
    shown = listed.head(SHOWN_ROWS).drop(columns="_reason")
    # Why comes first after who: the reason is what the reader scans the list for.
    first = [c for c in ("customer_id", "area_id", "name", "_detail") if c in shown.columns]
    shown = shown[first + [c for c in shown.columns if c not in first]]
    show_table(
        shown,
        labels={"_detail": "Why", "_distance_km": "Km away", "_nearest_area_id": "Nearest area"},
    )
    if len(listed) > SHOWN_ROWS:
        show_caption(
            f"The first {SHOWN_ROWS:,} of {len(listed):,} rows; the download holds them all."
        )
    if problem.of_customers:
        show_caption(
            "Fix the cells in the download and import it on the Data page: its _reason and "
            "_detail columns are ignored, and the fixed customers leave this list."
        )
    csv_download(
        f"Download the list ({len(listed):,} rows, CSV)",
        listed,
        f"fix-list-{problem.code}.csv",
        key=f"quality_download_{problem.code}",
    )


def show_fix_message() -> None:
    """The outcome of the fix or revert of the previous run, once."""
    if message := st.session_state.pop(FIX_MESSAGE_KEY, None):
        show_success(message)


def _done(message: str) -> None:
    st.session_state[FIX_MESSAGE_KEY] = message
    st.rerun()


def show_location_fixer(store: state.Store, access: Access, listed: pd.DataFrame) -> None:
    """Type the right point of a listed customer: the fix is kept through later imports."""
    if access.scope.restricted or listed.empty:
        return
    show_subheader("Fix a location")
    names = dict(zip(listed["customer_id"].astype(str), listed["name"], strict=True))
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    customer_id = cols[0].selectbox(
        "Customer",
        list(names),
        format_func=lambda cid: as_option(f"{cid} · {names[cid] or ''}"),
        key="quality_fix_customer",
    )
    lat = cols[1].number_input(
        "Latitude", -90.0, 90.0, value=None, format="%.6f", key="quality_fix_lat"
    )
    lon = cols[2].number_input(
        "Longitude", -180.0, 180.0, value=None, format="%.6f", key="quality_fix_lon"
    )
    note = st.text_input("Why (kept with the fix)", max_chars=200, key="quality_fix_note")
    if st.button("Fix the location", type="primary", key="quality_fix"):
        if lat is None or lon is None:
            show_error("Type both the latitude and the longitude (WGS84 degrees).")
            return
        try:
            made = fix_location(
                store, str(customer_id), lat, lon, fixed_by=access.email, note=note or None
            )
        except (InputError, StoreBusyError) as exc:
            show_error(exc)
            return
        _done(made.sentence() + ". Later imports of this customer keep it.")


def show_location_fixes(store: state.Store, access: Access) -> None:
    """The latest fixes (who, when, before, after), and reverting one in force."""
    fixes = listed_location_fixes(store)
    if fixes.empty:
        return
    with st.expander(f"Locations fixed by hand ({int(fixes['in_force'].sum()):,} in force)"):
        show_table(
            fixes,
            columns=["customer_id", "imported_lat", "imported_lon", "lat", "lon", "fixed_at",
                     "fixed_by", "note", "in_force", "reverted_at", "reverted_by"],
            labels={"imported_lat": "Imported lat", "imported_lon": "Imported lon",
                    "lat": "Fixed lat", "lon": "Fixed lon", "in_force": "In force"},
        )  # fmt: skip
        in_force = fixes.loc[fixes["in_force"], "customer_id"].astype(str).tolist()
        if not in_force or access.scope.restricted:
            return
        cols = st.columns([3, 1], vertical_alignment="bottom")
        customer_id = cols[0].selectbox(
            "Revert the fix of", in_force, format_func=as_option, key="quality_revert_customer"
        )
        if cols[1].button("Revert: back to the imported point", key="quality_revert"):
            try:
                undone = revert_location_fix(store, str(customer_id), reverted_by=access.email)
            except (InputError, StoreBusyError) as exc:
                show_error(exc)
                return
            _done(undone.sentence("reverted") + ".")


def show_merger(store: state.Store, access: Access, listed: pd.DataFrame) -> None:
    """Merge one probable duplicate into another, after a yes."""
    if access.scope.restricted or listed.empty:
        return
    show_subheader("Merge two duplicates")
    details = dict(zip(listed["customer_id"].astype(str), listed["_detail"], strict=True))
    names = dict(zip(listed["customer_id"].astype(str), listed["name"], strict=True))

    def label(cid: str) -> str:
        return as_option(f"{cid} · {names[cid] or ''} · {details[cid]}")

    ids = list(names)
    cols = st.columns(2)
    kept = cols[0].selectbox("Keep", ids, format_func=label, key="quality_merge_keep")
    others = [cid for cid in ids if cid != kept]
    if not others:
        return
    dropped = cols[1].selectbox(
        "Merge into it (removed; its order lines move)",
        others,
        format_func=label,
        key="quality_merge_drop",
    )
    if st.button("Merge…", key="quality_merge"):
        st.session_state[PENDING_MERGE_KEY] = (str(kept), str(dropped))
    pending = st.session_state.get(PENDING_MERGE_KEY)
    if not (isinstance(pending, tuple) and pending == (str(kept), str(dropped))):
        return
    show_warning(
        f"{dropped} is removed and its order lines move to {kept}, for everyone using this "
        "database; later imports follow the merge. It is recorded (geocrm merge list)."
    )
    yes, no = st.columns(2)
    if yes.button(
        inert(f"Yes, merge {dropped} into {kept}"), type="primary", key="quality_merge_yes"
    ):
        st.session_state.pop(PENDING_MERGE_KEY, None)
        try:
            merge = merge_customers(store, str(kept), str(dropped), merged_by=access.email)
        except (InputError, StoreBusyError) as exc:
            show_error(exc)
            return
        _done(merge.sentence() + ".")
    elif no.button("Cancel: merge nothing", key="quality_merge_no"):
        st.session_state.pop(PENDING_MERGE_KEY, None)
        st.rerun()
