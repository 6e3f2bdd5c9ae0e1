"""Help: what each figure means, how to read the map, how to import your own data."""

from __future__ import annotations

import streamlit as st

from geo.present.help_text import (
    glossary_markdown,
    import_markdown,
    map_markdown,
    segments_markdown,
    sharing_markdown,
)

st.title("Help")
st.write(
    "GeoCRM shows your customers, prospects and sales by area on a map. Every page uses "
    "the filters in the sidebar; the same filters give the same figures everywhere."
)
figures, reading, importing, sharing = st.tabs(
    ["What the figures mean", "Reading the map", "Importing your data", "Links and exports"]
)
with figures:
    st.subheader("What each figure counts")
    st.markdown(glossary_markdown())
    st.subheader("Customer segments and churn risk")
    st.markdown(segments_markdown())
with reading:
    st.subheader("How to read the map")
    st.markdown(map_markdown())
with importing:
    st.subheader("How to import your own data")
    st.markdown(import_markdown())
with sharing:
    st.subheader("Links, saved segments and exports")
    st.markdown(sharing_markdown())
