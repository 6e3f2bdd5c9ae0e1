"""GeoCRM: customers, prospects and sales by trading area, on a map."""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st

from geo.errors import InputError, StoreBusyError
from ui import state
from ui.access import Access, Refusal, check_access, remember_access, sign_out_control
from ui.busy import BUSY_MESSAGE, run_unless_busy
from ui.inert_text import show_error
from ui.page_style import apply_page_style
from ui.permissions import hide_grid_downloads
from ui.sidebar import render_filters

st.set_page_config(page_title="GeoCRM", layout="wide")
apply_page_style()


def pages_for(access: Access) -> list[st.Page]:
    """The pages this user's role may open (a link to another one lands on the Map)."""
    pages = [
        st.Page("pages/map.py", title="Map", default=True),
        st.Page("pages/areas.py", title="Areas"),
        st.Page("pages/customers.py", title="Customers"),
        st.Page("pages/trends.py", title="Trends"),
        st.Page("pages/contacts.py", title="Contact list"),
        st.Page("pages/customer.py", title="Customer card", url_path="customer"),
        st.Page("pages/export.py", title="Export"),
    ]
    if access.role.may_load_data:
        pages.append(st.Page("pages/data.py", title="Data"))
    if access.role.manages_users and access.login_configured:
        pages.append(st.Page("pages/admin.py", title="Users and audit", url_path="admin"))
    pages += [
        st.Page("pages/help.py", title="Help", url_path="help"),
        st.Page("pages/present.py", title="Presentation view", url_path="present"),
    ]
    return pages


def gate() -> Access | Refusal:
    """This run's user, or what to show instead; never a traceback."""
    try:
        return check_access(state.app_store())
    except StoreBusyError:
        return Refusal(BUSY_MESSAGE, signed_in=False, waiting=True)
    except InputError as exc:
        show_error(exc)
        st.stop()
        raise


access = gate()
if isinstance(access, Refusal):
    # The only page before sign-in (or for a refused user): nothing of the data.
    refusal = access
    st.navigation(
        [st.Page(refusal.show, title="Sign in", url_path="sign-in")], position="hidden"
    ).run()
    st.stop()
remember_access(access)
hide_grid_downloads()
navigation = st.navigation(pages_for(access))


def show_page() -> None:
    # One opening of the database for the run's dozens of reads (see Store.kept_open); not
    # on the Data page, whose demo build swaps in a new file once nothing holds the old one.
    kept = state.app_store().kept_open() if navigation.url_path != "data" else nullcontext()
    with kept:
        # The presentation view takes everything from its link and shows no sidebar.
        if navigation.url_path != "present":
            sign_out_control()
            st.sidebar.page_link(
                "pages/help.py", label="Help: what the figures mean", icon=":material/help:"
            )
            render_filters()
        navigation.run()


# While an import holds the database, every page says so plainly and refreshes when it ends.
run_unless_busy(show_page)
