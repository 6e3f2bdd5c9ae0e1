"""GeoCRM: customers, prospects and sales by trading area, on a map."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

import streamlit as st

from geo.errors import InputError, StoreBusyError
from ui import state
from ui.access import (
    Access,
    Refusal,
    check_access,
    forget_access,
    remember_access,
    sign_out_control,
)
from ui.busy import BUSY_MESSAGE, run_unless_busy
from ui.inert_text import show_error
from ui.page_style import apply_page_style
from ui.permissions import hide_grid_downloads
from ui.sidebar import render_filters

st.set_page_config(page_title="GeoCRM", layout="wide")
apply_page_style()


@dataclass(frozen=True)
class PageEntry:
    """One page of the app: its script, title and address, and who may open it."""

    script: str
    title: str
    url_path: str
    default: bool = False
    #: Whether this user's access opens it (every signed-in role when not given).
    opens_for: Callable[[Access], bool] = lambda _access: True


PAGES = (
    PageEntry("pages/map.py", "Map", "map", default=True),
    PageEntry("pages/areas.py", "Areas", "areas"),
    PageEntry("pages/customers.py", "Customers", "customers"),
    PageEntry("pages/trends.py", "Trends", "trends"),
    PageEntry("pages/contacts.py", "Contact list", "contacts"),
    PageEntry("pages/customer.py", "Customer card", "customer"),
    PageEntry("pages/export.py", "Export", "export"),
    PageEntry("pages/territories.py", "Territories", "territories"),
    PageEntry("pages/data.py", "Data", "data", opens_for=lambda a: a.role.may_load_data),
    PageEntry(
        "pages/quality.py", "Data quality", "quality", opens_for=lambda a: a.role.may_load_data
    ),
    PageEntry(
        "pages/admin.py",
        "Users and audit",
        "admin",
        opens_for=lambda a: a.role.manages_users and a.login_configured,
    ),
    PageEntry("pages/help.py", "Help", "help"),
    PageEntry("pages/present.py", "Presentation view", "present"),
)


def pages_for(access: Access) -> list[st.Page]:
    """The pages this user's role may open (a link to another one lands on the Map)."""
    return [
        st.Page(p.script, title=p.title, url_path=p.url_path, default=p.default)
        for p in PAGES
        if p.opens_for(access)
    ]


def refusal_pages(refusal: Refusal) -> list[st.Page]:
    """The sign-in screen at every page's address: the page a user was on keeps its
    address, so the map's last report from it (sent as the page changes) is taken for that
    same page and does not leave the screen blank."""
    return [
        st.Page(refusal.show, title="Sign in", url_path=p.url_path, default=p.default)
        for p in PAGES
    ]


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


access = gate()
if isinstance(access, Refusal):
    # The only page before sign-in (or for a refused user): nothing of the data. The run
    # ends normally (no st.stop), so Streamlit forgets the fragments of the page shown
    # before: the map's last report, sent as the page changed, then runs nothing.
    forget_access()
    st.navigation(refusal_pages(access), position="hidden").run()
else:
    remember_access(access)
    hide_grid_downloads()
    navigation = st.navigation(pages_for(access))
    # While an import holds the database, every page says so plainly and refreshes when it
    # ends.
    run_unless_busy(show_page)
