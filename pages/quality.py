"""Data quality: how many rows each problem has, each count a link to its fix list."""

from __future__ import annotations

import streamlit as st

from geo.quality.problems import PROBLEMS
from ui import state
from ui.access import current_access
from ui.inert_text import as_option, show_caption
from ui.quality_view import (
    LOCATION_PROBLEMS,
    chosen_problem,
    show_counts,
    show_fix_list,
    show_fix_message,
    show_location_fixer,
    show_location_fixes,
    show_merger,
)

st.title("Data quality")
show_fix_message()
store = state.current_store()
db, version = state.data_key(store)
levels = state.levels(db, version)
show_caption(
    "Each count is a list to fix: download it, correct the cells, and import it again on "
    "the Data page."
)
level = None
if levels:
    level = st.selectbox(
        "Areas of the level (for customers outside all areas)",
        levels,
        index=len(levels) - 1,
        format_func=as_option,
        key="quality_level",
    )
counts = state.quality_counts_of(db, version, level)
chosen = chosen_problem(counts)
show_counts(counts, chosen)
st.divider()
listed = state.fix_list_of(db, version, chosen, level)
show_fix_list(PROBLEMS[chosen], listed, level)
access = current_access()
if chosen in LOCATION_PROBLEMS:
    show_location_fixer(store, access, listed)
if chosen == "duplicates":
    show_merger(store, access, listed)
show_location_fixes(store, access)
