"""GeoCRM: customers, prospects and sales by trading area, on a map."""

from __future__ import annotations

import streamlit as st

from ui.busy import run_unless_busy
from ui.page_style import apply_page_style
from ui.sidebar import render_filters

st.set_page_config(page_title="GeoCRM", layout="wide")
apply_page_style()

navigation = st.navigation(
    [
        st.Page("pages/map.py", title="Map", default=True),
        st.Page("pages/areas.py", title="Areas"),
        st.Page("pages/customers.py", title="Customers"),
        st.Page("pages/trends.py", title="Trends"),
        st.Page("pages/contacts.py", title="Contact list"),
        st.Page("pages/customer.py", title="Customer card", url_path="customer"),
        st.Page("pages/export.py", title="Export"),
        st.Page("pages/data.py", title="Data"),
        st.Page("pages/help.py", title="Help", url_path="help"),
        st.Page("pages/present.py", title="Presentation view", url_path="present"),
    ]
)


def show_page() -> None:
    # The presentation view takes everything from its link and shows no sidebar.
    if navigation.url_path != "present":
        st.sidebar.page_link(
            "pages/help.py", label="Help: what the figures mean", icon=":material/help:"
        )
        render_filters()
    navigation.run()


# While an import holds the database, every page says so plainly and refreshes when it ends.
run_unless_busy(show_page)
