"""Fragments that rerun only for a user who may still see them.

A fragment reruns on its own (a pan or click on the map) without app.py's gate. If the
user's access changed since the last full run (removed, another role or scope, signed
out), the fragment must not draw the page again for them: it runs the whole app instead,
which shows what they may see now. Every fragment of a page is made with
:func:`access_checked_fragment`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import streamlit as st

from ui import state
from ui.access import Access, check_access, current_access


def _same_access_as_the_run(found: Access) -> bool:
    now = current_access()
    return (found.email, found.role, found.scope) == (now.email, now.role, now.scope)


def _access_still_holds() -> bool:
    """Whether this session's user may still see what its last full run showed (the users
    table read again, as app.py's gate does)."""
    try:
        found = check_access(state.app_store())
    except Exception:  # a busy or broken store: the whole app says so, not the fragment
        return False
    return isinstance(found, Access) and _same_access_as_the_run(found)


def access_checked_fragment(draw: Callable[[], None]) -> Callable[[], None]:
    """``st.fragment(draw)``, whose reruns first check the user's access again: if it has
    changed (removed, another role or scope, signed out), the whole app runs instead, and
    shows what that user may see now."""

    @st.fragment
    @functools.wraps(draw)
    def run() -> None:
        if not _access_still_holds():
            st.rerun(scope="app")
        draw()

    return run
