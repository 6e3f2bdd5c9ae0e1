"""The Data page's list of latest imports, and undoing one of them after a yes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.analytics.database_contents import IMPORTED_TABLES, import_log_table
from geo.errors import InputError, StoreBusyError
from geo.imports.undo import IN_PLACE, listed_imports, undo_import, undo_refusal
from geo.store.protocol import Store
from ui.access import Access
from ui.inert_text import as_option, inert, show_error, show_warning

#: How many imports the list shows.
LISTED_IMPORTS = 20
#: The batch whose "Undo" was pressed, waiting for a yes.
PENDING_UNDO_KEY = "data_pending_undo"
#: Shown once after the rerun that follows an undo.
UNDONE_MESSAGE_KEY = "data_message"


def _label(row: pd.Series) -> str:
    what = IMPORTED_TABLES.get(str(row["table_name"]), str(row["table_name"]))
    when = pd.Timestamp(row["logged_at"]).strftime("%d %b %Y %H:%M")
    return as_option(f"{row['batch_id']} · {what} · {row['source']} · {when}")


def _ask_and_undo(store: Store, access: Access, batch_id: str, label: str) -> None:
    """Say why the batch cannot be undone, or ask, and undo it after a yes."""
    try:
        refusal = undo_refusal(store, batch_id)
    except InputError as exc:
        show_error(exc)
        return
    if refusal:
        show_warning(f"Import {label} cannot be undone: {refusal}.")
        st.session_state.pop(PENDING_UNDO_KEY, None)
        return
    show_warning(
        f"Undoing {label} removes what it added and puts back what it replaced, for "
        "everyone using this database. The undo is recorded."
    )
    yes, no = st.columns(2)
    if yes.button(inert(f"Yes, undo {batch_id}"), type="primary", key="data_undo_confirm"):
        st.session_state.pop(PENDING_UNDO_KEY, None)
        try:
            undone = undo_import(store, batch_id, undone_by=access.email)
        except (InputError, StoreBusyError) as exc:
            show_error(exc)
            st.caption("Nothing was undone: the database is as it was.")
            return
        st.session_state[UNDONE_MESSAGE_KEY] = undone.sentence() + "."
        st.rerun()
    elif no.button("Cancel: keep the import", key="data_undo_cancel"):
        st.session_state.pop(PENDING_UNDO_KEY, None)
        st.rerun()


def show_imports_and_undo(store: Store, access: Access) -> None:
    """The latest imports (batch, who, state), and an Undo for those still in place."""
    imports = listed_imports(store, LISTED_IMPORTS)
    if imports.empty:
        return
    st.write("Latest imports:")
    st.dataframe(import_log_table(imports), hide_index=True, width="stretch")
    if access.scope.restricted:
        return  # undoing changes every area's data: for users who see every area
    undoable = imports[imports["state"] == IN_PLACE]
    if undoable.empty:
        return
    labels = {str(row["batch_id"]): _label(row) for _, row in undoable.iterrows()}
    pick, press = st.columns([3, 1], vertical_alignment="bottom")
    batch_id = pick.selectbox(
        "Undo an import: the database as it was before it",
        list(labels),
        format_func=labels.__getitem__,
        key="data_undo_batch",
    )
    if press.button("Undo this import", key="data_undo"):
        st.session_state[PENDING_UNDO_KEY] = batch_id
    pending = st.session_state.get(PENDING_UNDO_KEY)
    if pending in labels:
        _ask_and_undo(store, access, str(pending), labels[str(pending)])
