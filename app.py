"""GeoCRM: customers, prospects and sales by trading area, on a map."""

from __future__ import annotations

import streamlit as st

from ui.sidebar import render_filters

st.set_page_config(page_title="GeoCRM", page_icon=":material/map:", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/map.py", title="Map", icon=":material/map:", default=True),
        st.Page("pages/areas.py", title="Areas", icon=":material/table:"),
        st.Page("pages/export.py", title="Export", icon=":material/download:"),
        st.Page("pages/data.py", title="Data", icon=":material/upload:"),
    ]
)
render_filters()
navigation.run()
