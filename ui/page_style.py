"""The app's page styling, in one place: applied by app.py, so every page gets it.

Streamlit's wide layout keeps 6rem of empty space above a page and 5rem beside it; a map
dashboard needs that room for the map. On a phone (under 640 px) the map's control row
wraps two controls a line instead of stacking one a line, so the map comes sooner.
"""

from __future__ import annotations

import streamlit as st

#: The container key of a row of controls that should wrap two a line on a phone.
COMPACT_ROW_KEY = "compact_controls"

PAGE_CSS = f"""
<style>
[data-testid="stMainBlockContainer"] {{
    padding-top: 2.75rem;
    padding-bottom: 2rem;
    padding-left: 2rem;
    padding-right: 2rem;
}}
@media (max-width: 640px) {{
    [data-testid="stMainBlockContainer"] {{
        padding-left: 0.75rem;
        padding-right: 0.75rem;
    }}
    [class*="st-key-{COMPACT_ROW_KEY}"] [data-testid="stHorizontalBlock"] {{
        flex-wrap: wrap;
        flex-direction: row;
    }}
    [class*="st-key-{COMPACT_ROW_KEY}"] [data-testid="stColumn"] {{
        min-width: calc(50% - 0.5rem) !important;
        width: calc(50% - 0.5rem) !important;
        flex: 1 1 calc(50% - 0.5rem) !important;
    }}
}}
</style>
"""


def apply_page_style() -> None:
    """Add the app's CSS to the page (style only: it takes no room on the page)."""
    st.html(PAGE_CSS)
