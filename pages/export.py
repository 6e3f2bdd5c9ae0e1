"""Export: the current filters as an area target list (CSV, Excel or GeoJSON)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.export import export_bytes, export_summary
from geo.store import log_export
from ui import state
from ui.sidebar import current_filters
from ui.widgets import show_selection_kpis

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}

st.title("Export")
filters = current_filters()
db, version = state.data_key(state.current_store())
summary = state.selection_summary(db, version, filters)
description = state.filters_description(db, version, filters)
st.caption(description)
show_selection_kpis(summary)

rows = state.selection_rows(db, version, filters)
st.subheader("Preview")
st.dataframe(rows.head(100), hide_index=True, width="stretch")
if len(rows) > 100:
    st.caption(f"First 100 of {len(rows):,} rows; the file holds all {len(rows):,}.")

fmt = st.radio(
    "Format",
    ["csv", "xlsx", "geojson"],
    format_func={"csv": "CSV", "xlsx": "Excel (XLSX)", "geojson": "GeoJSON"}.get,
    horizontal=True,
    key="export_format",
)
if st.button("Prepare download", key="export_prepare", type="primary"):
    with st.spinner("Writing the file"):
        st.session_state["export_file"] = (
            fmt,
            (db, version, filters),
            export_bytes(rows, fmt, summary=export_summary(description, summary, date.today())),
        )
        log_export(state.current_store(), description, fmt, len(rows), f"download.{fmt}")
prepared = st.session_state.get("export_file")
if prepared and prepared[0] == fmt and prepared[1] == (db, version, filters):
    st.download_button(
        f"Download {len(rows):,} rows",
        data=prepared[2],
        file_name=f"geocrm-targets-{date.today().isoformat()}.{fmt}",
        mime=MIME[fmt],
        key="export_download",
    )
