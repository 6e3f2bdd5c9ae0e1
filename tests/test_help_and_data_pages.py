"""The help page says what the code does and is reachable from every page; the Data page
speaks in words, counts customers and prospects apart and asks before it replaces data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.analytics.figures import GLOSSARY
from geo.imports import area_files as area_import
from geo.imports import customer_files as customer_import
from geo.imports import sale_files as sale_import
from geo.schema import REJECTION_REASONS
from geo.store.protocol import Store
from tests.app_sessions import APP, ROOT, TIMEOUT

#: Names of stored tables and columns that must never reach the Data page's tables.
RAW_NAMES = (
    "assignments",
    "customer_scores",
    "import_log",
    "export_log",
    "table_name",
    "in_area",
    "outside_areas",
    "no_location",
)


def _app(store: Store, monkeypatch: pytest.MonkeyPatch, page: str | None = None) -> AppTest:
    monkeypatch.setenv("GEOCRM_DB", store.location)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def _warnings(at: AppTest) -> str:
    """The warnings as read (text from data is shown with its Markdown escaped)."""
    return "\n".join(w.value.replace("\\", "") for w in at.warning)


def _contents(at: AppTest) -> dict[str, str]:
    table = next(d.value for d in at.dataframe if "How many" in getattr(d.value, "columns", []))
    return dict(zip(table["What"], table["How many"], strict=True))


def _shown_tables(at: AppTest) -> str:
    """Every heading, index label and cell of every table on the page, as one text."""
    parts: list[str] = []
    for frame in (d.value for d in at.dataframe):
        parts += [str(c) for c in frame.columns] + [str(i) for i in frame.index]
        parts += [str(v) for v in frame.to_numpy().ravel()]
    return "\n".join(parts)


def test_help_is_in_the_navigation_and_linked_from_the_sidebar(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch)
    links = [link.proto.page for link in at.sidebar.get("page_link")]
    assert "help" in links, links  # the page link names the help page by its address
    # switch_page refuses a page the navigation does not list.
    at.switch_page(str(ROOT / "pages" / "help.py")).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Help"]


def test_help_explains_every_figure_the_map_and_each_import_column(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _text(_app(tiny_store, monkeypatch, "pages/help.py"))
    for definition in GLOSSARY.values():
        assert f"| {definition.label} | {definition.meaning} |" in text
    for names in (
        *customer_import.CANDIDATES.values(),
        *sale_import.CANDIDATES.values(),
        area_import.ID_NAMES,
        area_import.NAME_NAMES,
    ):
        for name in names:
            if name not in ("kind", "type", "customer_type"):  # the Data page sets the kind
                assert f"`{name}`" in text, name
    for code in REJECTION_REASONS:
        assert f"`{code}`" in text
    for words in ("EPSG:27700", "From zoom level 10", "Radius search", "Saved segments"):
        assert words in text


def test_data_page_counts_customers_and_prospects_apart_in_words(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    shown = _contents(at)
    assert (shown["Customers"], shown["Prospects"], shown["Areas"]) == ("5", "2", "3")
    tables = _shown_tables(at)
    for raw in RAW_NAMES:
        assert raw not in tables, raw
    assert "Outside all areas" in tables and "Without a location" in tables


def test_data_page_says_which_store_keeps_the_data_and_never_its_address(
    tiny_store: Store, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    captions = " ".join(c.value for c in at.caption).replace("\\", "")  # inert escapes
    if engine == "postgresql":
        database = tiny_store.location.rsplit("/", 1)[1]
        assert f"Kept in the PostgreSQL database “{database}”, shared by every app" in captions
        assert "127.0.0.1" not in captions and "postgres@" not in captions
    else:
        assert "Kept in the database file store.duckdb on the machine" in captions
        assert "/" not in captions.split("Kept in")[1].split("(")[0]


def test_data_page_formats_large_counts_with_thousands_separators(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = demo_store.query("SELECT kind, count(*) AS n FROM customers GROUP BY kind")
    expected = dict(zip(counts["kind"], counts["n"], strict=True))
    shown = _contents(_app(demo_store, monkeypatch, "pages/data.py"))
    assert shown["Customers"] == f"{expected['customer']:,}" and "," in shown["Customers"]
    assert shown["Prospects"] == f"{expected['prospect']:,}"


def test_the_demo_build_asks_first_and_one_click_replaces_nothing(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tiny_store.table_counts(), tiny_store.data_version()
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.button(key="data_build_demo").click().run()
    assert not at.exception, at.exception
    assert (tiny_store.table_counts(), tiny_store.data_version()) == before
    assert any("5 customers, 2 prospects" in w.value for w in at.warning)
    assert at.button(key="data_build_demo_confirm").label == (
        "Yes, replace all data (5 customers, 3 areas)"
    )
    at.button(key="data_build_demo_cancel").click().run()
    assert not any(b.key == "data_build_demo_confirm" for b in at.button)
    assert (tiny_store.table_counts(), tiny_store.data_version()) == before


def test_the_demo_build_after_yes_replaces_the_data_and_ends_at_done(
    tiny_file_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The full-size demo through the page, on the file store (whose build goes through a
    # hidden file); a server's build is tested at a small size in tests/test_demo.py.
    tiny_store = tiny_file_store
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.button(key="data_build_demo").click().run()
    at.button(key="data_build_demo_confirm").click().run()
    assert not at.exception, at.exception
    assert tiny_store.table_counts()["customers"] == 200_000
    assert any("Demo business built: 200,000" in s.value.replace("\\", "") for s in at.success)
    assert (_contents(at)["Customers"], _contents(at)["Prospects"]) == ("50,000", "150,000")
    assert sorted(p.name for p in tiny_store.work_dir.iterdir() if "partial" in p.name) == []


def test_an_import_that_replaces_stored_customers_asks_first(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.radio(key="data_kind").set_value("Customers").run()
    csv = "id,name,lat,lon\nc2,Bob renamed,0.5,1.5\nN1,New,0.5,0.5\n"
    at.file_uploader(key="data_upload_customers").upload("again.csv", csv.encode()).run()
    at.button(key="data_import").click().run()
    assert not at.exception, at.exception
    stored = "SELECT name FROM customers WHERE customer_id IN ('c2', 'N1') ORDER BY 1"
    assert tiny_store.query(stored)["name"].tolist() == ["Bob"]
    assert "again.csv holds 2 rows to import" in _warnings(at)
    assert "replaces 1 stored customers and prospects with the same ID" in _warnings(at)
    at.button(key="data_import_confirm").click().run()
    assert not at.exception, at.exception
    assert tiny_store.query(stored)["name"].tolist() == ["Bob renamed", "New"]
    assert at.metric[1].label == "Imported" and at.metric[1].value == "2"
    at.run()  # the page as it is shown after the import: its log in words too
    tables = _shown_tables(at)
    assert "Customers or prospects" in tables and "again.csv" in tables
    for raw in RAW_NAMES:
        assert raw not in tables, raw


def test_the_data_page_shows_what_an_import_changes_and_undoes_it_after_a_yes(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = "SELECT customer_id, name FROM customers ORDER BY 1"
    before = tiny_store.query(stored)
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.radio(key="data_kind").set_value("Customers").run()
    csv = "id,name,lat,lon\nc2,Bob renamed,0.5,1.5\nN1,New,0.5,0.5\n"
    at.file_uploader(key="data_upload_customers").upload("again.csv", csv.encode()).run()
    at.button(key="data_import").click().run()
    assert "It can be undone afterwards" in _warnings(at)
    changes = next(d.value for d in at.dataframe if "Stored now" in d.value.columns)
    # The whole stored row is replaced: a column the file lacks is cleared, and says so.
    assert changes.to_dict("records") == [
        {"Customer ID": "c2", "Column": "name", "Stored now": "Bob", "In the file": "Bob renamed"},
        {
            "Customer ID": "c2",
            "Column": "created_on",
            "Stored now": "2024-01-01",
            "In the file": "",
        },
    ]
    assert any("1 new, 1 change stored" in c.value.replace("\\", "") for c in at.caption)
    at.button(key="data_import_confirm").click().run()
    assert not at.exception, at.exception
    batch = tiny_store.query("SELECT batch_id FROM import_log ORDER BY logged_at DESC")
    batch_id = str(batch["batch_id"].iloc[0])
    assert any(batch_id in c.value.replace("\\", "") for c in at.caption)
    assert tiny_store.query(stored)["name"].tolist() != before["name"].tolist()

    at.run()
    log = next(d.value for d in at.dataframe if "Batch" in d.value.columns)
    assert log["Batch"].iloc[0] == batch_id and log["State"].iloc[0] == "in place"
    assert at.selectbox(key="data_undo_batch").value == batch_id
    at.button(key="data_undo").click().run()
    assert "removes what it added and puts back what it replaced" in _warnings(at)
    at.button(key="data_undo_confirm").click().run()
    assert not at.exception, at.exception
    pd.testing.assert_frame_equal(tiny_store.query(stored), before)
    assert any(
        f"Import {batch_id} of again.csv undone" in m.value.replace("\\", "") for m in at.success
    )
    log = next(d.value for d in at.dataframe if "Batch" in d.value.columns)
    assert log["State"].iloc[0].startswith("undone")


def test_an_import_a_later_one_depends_on_is_not_undone_and_the_page_says_why(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.radio(key="data_kind").set_value("Customers").run()
    for name, csv in (
        ("first.csv", "id,name,lat,lon\nN1,New,0.5,0.5\n"),
        ("second.csv", "id,name,lat,lon\nN1,Newer,0.5,0.5\n"),
    ):
        at.file_uploader(key="data_upload_customers").upload(name, csv.encode()).run()
        at.button(key="data_import").click().run()
        if any(b.key == "data_import_confirm" for b in at.button):
            at.button(key="data_import_confirm").click().run()
    at.run()
    log = next(d.value for d in at.dataframe if "Batch" in d.value.columns)
    first, second = log["Batch"].iloc[1], log["Batch"].iloc[0]
    at.selectbox(key="data_undo_batch").set_value(first).run()
    at.button(key="data_undo").click().run()
    assert not at.exception, at.exception
    assert f"undo {second} first" in _warnings(at)
    assert not any(b.key == "data_undo_confirm" for b in at.button)
    assert tiny_store.query("SELECT name FROM customers WHERE customer_id = 'N1'")[
        "name"
    ].tolist() == ["Newer"]


def test_an_area_import_of_a_stored_level_can_be_cancelled(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "c.geojson"
    gpd.GeoDataFrame(
        {"id": ["A"], "name": ["Alpha redrawn"]}, geometry=[box(0, 0, 2, 1)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    before = tiny_store.table_counts(), tiny_store.data_version()
    at = _app(tiny_store, monkeypatch, "pages/data.py")
    at.radio(key="data_kind").set_value("Areas").run()
    at.text_input(key="data_level").input("county").run()
    at.file_uploader(key="data_upload_areas").upload("c.geojson", path.read_bytes()).run()
    at.button(key="data_import").click().run()
    assert "replaces 2 stored areas of the level county" in _warnings(at)
    at.button(key="data_import_cancel").click().run()
    assert not at.exception, at.exception
    assert (tiny_store.table_counts(), tiny_store.data_version()) == before
    assert any("Nothing was imported" in i.value for i in at.info)


def test_the_slide_deck_shows_its_progress_and_ends_at_done(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _app(tiny_store, monkeypatch)
    at.number_input(key="map_deck_top").set_value(1).run()
    at.button(key="map_prepare_deck").click().run()
    assert not at.exception, at.exception
    bars = [p.proto for p in at.get("progress")]
    assert [(b.value, b.text) for b in bars] == [(100, "Done: 3 slides, ready to download below")]
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the deck (PPTX)" in labels and "Download the deck (PDF)" in labels
