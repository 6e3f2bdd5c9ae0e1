"""Export: the current segment as a target list (CSV, Excel or GeoJSON); saved segments."""

from __future__ import annotations

import secrets

import streamlit as st

from geo.errors import InputError
from geo.imports.upload_safety import MAX_UPLOAD_BYTES
from geo.present.exports import export_bytes
from geo.present.table_format import column_spec
from geo.present.target_list import (
    build_target_list,
    log_export,
    read_suppression,
)
from geo.segments.saved import (
    SegmentChangedError,
    delete_segment,
    open_saved_segment,
    rename_segment,
    save_segment,
)
from geo.segments.segment import Segment
from geo.segments.selection import SELECTION_COLUMNS
from ui import state
from ui.access import current_access
from ui.inert_text import show_caption, show_error, show_warning
from ui.permissions import (
    may_export,
    may_save_segments,
    no_saving_note,
    offer_download,
    show_no_export_note,
)
from ui.sidebar import current_filters, open_segment
from ui.tables import show_table
from ui.widgets import show_selection_kpis

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
#: The saved segment opened here: (name, its filters, the revision opened).
OPENED_KEY = "export_opened_segment"
#: The revisions of the saved segments as this session last listed them: what a rename or
#: a delete started from.
SEEN_KEY = "export_seen_revisions"
#: A save refused because someone else saved that name meanwhile: (name, message).
CONFLICT_KEY = "export_save_conflict"

st.title("Export")
filters = current_filters()
store = state.current_store()
db, version = state.data_key(store)
opened = st.session_state.get(OPENED_KEY)
if opened and opened[1] is None:
    # Just opened: these are its filters.
    opened = st.session_state[OPENED_KEY] = (opened[0], filters, opened[2])
# The segment keeps its name while its filters are unchanged.
name = opened[0] if opened and opened[1] == filters else None
link_name = state.link_segment(db, version)[0].name
if (
    name is None
    and link_name
    and link_name in state.saved_segments(db, version)["name"].tolist()
    and state.saved_segment(db, version, link_name)[0].filters == filters
):
    name = link_name
segment = Segment(filters, name=name)
summary = state.selection_summary(db, version, filters)
description = state.filters_description(db, version, filters)
show_caption((f"Segment “{name}”: " if name else "") + description)
show_selection_kpis(summary)

with st.expander("Saved segments", expanded=False):
    saved = state.saved_segments(db, version)
    seen = st.session_state.get(SEEN_KEY, {})
    st.session_state[SEEN_KEY] = dict(zip(saved["name"], saved["revision"], strict=True))
    if len(saved):
        show_table(saved.drop(columns="revision"))
        pick = st.selectbox("Saved segment", saved["name"].tolist(), key="export_pick")
        open_col, delete_col, rename_col, rename_btn = st.columns(
            [1, 1, 2, 1], vertical_alignment="bottom"
        )
        editing = may_save_segments()
        if open_col.button("Open", key="export_open", type="primary"):
            try:
                opened_saved = open_saved_segment(store, pick)
            except InputError as exc:
                show_error(exc)
            else:
                st.session_state[OPENED_KEY] = (pick, None, opened_saved.revision)
                open_segment(opened_saved.segment, opened_saved.problems)
        if editing and delete_col.button("Delete", key="export_delete"):
            try:
                delete_segment(store, pick, started_from=seen.get(pick))
            except InputError as exc:
                # Changed meanwhile: the list now shows it as it is; Delete again deletes it.
                show_error(exc)
            else:
                st.rerun()
        new_name = (
            rename_col.text_input("New name", key="export_new_name", max_chars=80)
            if editing
            else ""
        )
        if editing and rename_btn.button("Rename", key="export_rename") and new_name.strip():
            try:
                rename_segment(store, pick, new_name, started_from=seen.get(pick))
            except InputError as exc:
                show_error(exc)
            else:
                st.rerun()
    else:
        st.caption("No saved segments yet.")
    if may_save_segments():
        save_col, save_btn = st.columns([3, 1], vertical_alignment="bottom")
        save_name = save_col.text_input(
            "Save the current view as", value=name or "", key="export_save_name", max_chars=80
        )
        # The revision this edit started from: that of the saved segment opened here, when
        # it is saved under its own name again; else none (a new segment).
        started_from = opened[2] if opened and opened[0] == save_name.strip() else None
        conflict = st.session_state.get(CONFLICT_KEY)
        overwrite = False
        if conflict and conflict[0] == save_name.strip():
            show_warning(conflict[1])
            overwrite = st.button(f"Save over “{conflict[0]}”", key="export_overwrite")
        if (save_btn.button("Save", key="export_save") or overwrite) and save_name.strip():
            try:
                written = save_segment(
                    store, segment, save_name, started_from=started_from, overwrite=overwrite
                )
            except SegmentChangedError as exc:
                # Nothing was written; the filters and the name stay as the user left them.
                st.session_state[CONFLICT_KEY] = (exc.name, str(exc))
                st.rerun()
            except InputError as exc:
                show_error(exc)
            else:
                st.session_state.pop(CONFLICT_KEY, None)
                st.session_state[OPENED_KEY] = (written.segment.name, filters, written.revision)
                st.rerun()
    else:
        show_caption(no_saving_note())

preview = state.selection_preview(db, version, filters)
st.subheader("Preview")
show_table(preview.head)
if preview.rows > 100:
    st.caption(f"First 100 of {preview.rows:,} rows; the file holds all {preview.rows:,}.")
st.subheader("Per area")
show_table(preview.per_area, stretch=False)

st.subheader("File")
if not may_export():
    # The rest of the page makes the file: nothing of it for a role that may only look.
    show_no_export_note()
    st.stop()
fmt = st.radio(
    "Format",
    ["csv", "xlsx", "geojson"],
    format_func={"csv": "CSV", "xlsx": "Excel (XLSX)", "geojson": "GeoJSON"}.get,
    horizontal=True,
    key="export_format",
)
columns = st.multiselect(
    "Columns (Customer ID is always kept)",
    list(SELECTION_COLUMNS),
    default=list(SELECTION_COLUMNS),
    format_func=lambda c: column_spec(c).label,
    key="export_columns",
    help="CSV and GeoJSON files name them as scripts expect (sales_amount); "
    "Excel shows these names.",
)
per_area = fmt == "xlsx" and st.checkbox(
    "One sheet per area", key="export_per_area", help="After a summary sheet"
)
suppress_file = st.file_uploader(
    "Suppression list: IDs or emails not to contact (CSV, XLSX or TXT)",
    type=["csv", "xlsx", "txt"],
    key="export_suppress",
)
suppression: set[str] = set()
if suppress_file is not None:
    data = suppress_file.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        show_error(f"{suppress_file.name} is larger than 200 MB.")
    else:
        folder = store.work_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        suffix = "." + suppress_file.name.rsplit(".", 1)[-1].lower()
        path = folder / f"suppress-{secrets.token_hex(8)}{suffix}"
        path.write_bytes(data)
        try:
            suppression = read_suppression(path, display_name=suppress_file.name)
        except InputError as exc:
            show_error(exc)
        finally:
            path.unlink(missing_ok=True)

if st.button("Prepare download", key="export_prepare", type="primary"):
    with st.spinner("Selecting the rows"):
        target = build_target_list(store, segment, columns=columns or None, suppression=suppression)
        if per_area and "area_name" not in target.rows:
            target = build_target_list(
                store, segment, columns=[*columns, "area_name"], suppression=suppression
            )
    # A workbook of every customer takes a while: say how far it is, in rows.
    bar = st.progress(0.0, text=f"Writing {len(target.rows):,} rows")

    def report(done: int, total: int) -> None:
        # After the last row the workbook is still being packed: say so, not "done".
        finishing = " · saving the workbook" if done == total else ""
        bar.progress(
            done / total if total else 1.0, text=f"Written {done:,} of {total:,} rows{finishing}"
        )

    content = export_bytes(
        target.rows,
        fmt,
        summary=target.summary,
        split_by="area_name" if per_area else None,
        progress=report,
    )
    bar.empty()
    file_name = f"{target.file_stem}.{fmt}"
    log_export(
        store, name or description, fmt, len(target.rows), file_name, actor=current_access().actor
    )
    st.session_state["export_file"] = (
        (fmt, per_area, tuple(columns), len(suppression)),
        (db, version, filters),
        content,
        file_name,
        len(target.rows),
        target.suppressed,
    )
prepared = st.session_state.get("export_file")
if (
    prepared
    and prepared[0] == (fmt, per_area, tuple(columns), len(suppression))
    and prepared[1] == (db, version, filters)
):
    if prepared[5]:
        st.info(f"{prepared[5]:,} rows removed by the suppression list.")
    offer_download(
        f"Download {prepared[4]:,} rows",
        prepared[2],
        file_name=prepared[3],
        mime=MIME[fmt],
        key="export_download",
    )
