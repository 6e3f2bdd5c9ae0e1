"""Pages while another process (an import) holds the database: a plain message, then a
refresh as soon as the database is free again."""

from __future__ import annotations

from collections.abc import Callable
from time import sleep
from typing import NoReturn

import streamlit as st

from geo.errors import StoreBusyError
from geo.store.locations import resolve_location
from geo.store.opening import store_at

BUSY_MESSAGE = "The database is busy with an import; this page will refresh when it ends."
#: Set while a page is waiting for the database, so the next run checks before it reads.
BUSY_KEY = "geocrm_store_busy"
#: How often a waiting page checks whether the database is free, in seconds.
POLL_SECONDS = 1.0


def run_unless_busy(show: Callable[[], None]) -> None:
    """Run ``show`` (the page); while the database is busy show BUSY_MESSAGE and poll."""
    if st.session_state.get(BUSY_KEY):
        if not store_at(resolve_location()).is_free():
            wait_and_refresh()
        del st.session_state[BUSY_KEY]
    try:
        show()
    except StoreBusyError:
        st.session_state[BUSY_KEY] = True
        wait_and_refresh()


def wait_and_refresh() -> NoReturn:
    """Say the database is busy, wait a moment, and run the page again."""
    st.info(BUSY_MESSAGE)
    # A poll, not a wait for the import: the next run looks again and shows the page
    # as soon as the database is free.
    sleep(POLL_SECONDS)
    st.rerun()
