"""What this run's user may do besides looking: the one place the pages ask.

Every file the app hands out (a table as CSV, a target list, a contact list, the map as
HTML or a picture, the slide deck) goes through :func:`offer_download`, which draws the
button only for a role that may export (:attr:`geo.access.roles.Role.may_export`) and a
plain caption otherwise. Saving, renaming and deleting saved segments ask
:func:`may_save_segments`. Without login configured the one local user is an admin, so
everything is offered as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from ui.access import current_access
from ui.inert_text import inert

#: What a file's contents are: bytes, text, or a function that makes them when clicked.
FileData = bytes | str | Callable[[], bytes | str]

#: The data grid's own "Download as CSV" control, hidden for a role that may not export (a
#: convenience, like every control on the page: what is on screen can always be copied).
_NO_GRID_DOWNLOAD = (
    '<style>button[aria-label="Download as CSV"], '
    '[data-testid="stElementToolbarButton"]:has(button[aria-label="Download as CSV"]) '
    "{display: none !important;}</style>"
)


def may_export() -> bool:
    """Whether this run's user may take files away (every role but viewer)."""
    return current_access().role.may_export


def may_save_segments() -> bool:
    """Whether this run's user may save, rename and delete saved segments."""
    return current_access().role.may_save_segments


def no_export_note() -> str:
    """The one caption shown where a file would be offered to a role that may not export."""
    return f"Your role ({current_access().role.name}) may look but not download. Ask an admin."


def no_saving_note() -> str:
    """The caption shown where saved segments would be saved, renamed or deleted."""
    return (
        f"Your role ({current_access().role.name}) may open saved segments but not save, "
        "rename or delete them. Ask an admin."
    )


def show_no_export_note(container: Any = None) -> None:
    """Say, in place of a file, that this role may not download."""
    place = st if container is None else container
    place.caption(inert(no_export_note()))


def hide_grid_downloads() -> None:
    """For a role that may not export: the tables' own CSV control is not shown either."""
    if not may_export():
        st.html(_NO_GRID_DOWNLOAD)


def offer_download(
    label: str,
    data: FileData,
    *,
    file_name: str,
    mime: str,
    key: str,
    container: Any = None,
) -> bool:
    """A download button for ``data`` when this user may export, else the plain caption;
    whether the button was drawn. ``label`` is Markdown: text from the data goes in through
    :func:`ui.inert_text.inert`."""
    place = st if container is None else container
    if not may_export():
        show_no_export_note(place)
        return False
    place.download_button(label, data=data, file_name=file_name, mime=mime, key=key)
    return True
