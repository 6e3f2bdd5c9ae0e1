"""Every page renders on the demo database, and the filters change what it shows.

AppTest drops the entrypoint's sidebar widgets from its element tree after the first run of
an app that uses st.navigation, so the tests set the sidebar filters the way a shared link
does: through the page's query parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.store.duckdb_store import DuckDBStore, Store
from tests.app_sessions import APP, TIMEOUT, open_with_link
from tests.other_process import holding_the_file
from ui.inert_text import inert


@pytest.fixture
def app(demo_db: Store) -> AppTest:  # noqa: ARG001 - requested for the app's database
    """A session of the app on the shared demo database, run once with no link."""
    return _open()


@pytest.fixture
def app_on_copy(demo_copy: Store) -> AppTest:  # noqa: ARG001 - as app
    """A session of the app on a copy of the demo database, for a test that imports."""
    return _open()


def _open(**params: str) -> AppTest:
    """A fresh session of the app opened with a link carrying these filters."""
    return open_with_link(params)


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _contents(at: AppTest) -> dict[str, str]:
    """The Data page's "In the database now" table: how many of each kind of record."""
    table = next(d.value for d in at.dataframe if "How many" in getattr(d.value, "columns", []))
    return dict(zip(table["What"], table["How many"], strict=True))


def test_sidebar_offers_levels_coarse_to_fine(app: AppTest) -> None:
    assert app.sidebar.selectbox(key="f_level").options == ["territory", "state", "county"]
    assert app.sidebar.selectbox(key="f_level").value == "state"  # at most 100 areas


def test_map_page_renders_metric_choices_and_totals(app: AppTest, demo_store: Store) -> None:
    assert app.selectbox(key="map_metric").options[0] == "Customers"
    # The headline is the whole selection (issue: one definition per figure), not the
    # areas' sum, which is the labelled "in an area" subset.
    expected = summarise_selection(demo_store, Filters(level="state"))
    assert _metric(app, "Customers") == f"{expected['customers']:,}"
    in_areas = compute_area_kpis(demo_store, Filters(level="state"))["customers"].sum()
    assert f"{int(in_areas):,} in an area" in " ".join(c.value for c in app.caption)
    app.selectbox(key="map_metric").select("penetration").run()
    assert not app.exception


def test_areas_page_lists_every_area_of_the_level(app: AppTest, demo_store: Store) -> None:
    app.switch_page("pages/areas.py").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == len(demo_store.load_areas("state"))  # the overview level
    app = _open(level="county")
    app.switch_page("pages/areas.py").run()
    assert len(app.dataframe[0].value) == len(demo_store.load_areas("county"))
    app = _open(level="state")
    app.switch_page("pages/areas.py").run()
    table = app.dataframe[0].value
    assert len(table) == len(demo_store.load_areas("state"))
    # Sorted by sales amount, largest first.
    assert table["sales_amount"].is_monotonic_decreasing


def test_kind_filter_changes_the_counts(app: AppTest, demo_store: Store) -> None:
    app.switch_page("pages/export.py").run()
    both = _metric(app, "Rows")
    app = _open(kind="prospect")
    app.switch_page("pages/export.py").run()
    prospects = summarise_selection(demo_store, Filters(level="county", kind="prospect"))
    assert _metric(app, "Rows") == f"{prospects['rows']:,}" != both
    assert _metric(app, "Customers") == "0"


def test_export_page_downloads_exactly_the_selection(demo_copy: Store) -> None:
    area = demo_copy.load_areas("county")["area_id"].iloc[0]
    app = _open(level="county", area=area)
    app.switch_page("pages/export.py").run()
    app.radio(key="export_format").set_value("csv").run()
    app.button(key="export_prepare").click().run()
    assert not app.exception
    download = app.get("download_button")[0]
    assert download.proto.label.startswith("Download")
    expected = summarise_selection(demo_copy, Filters(level="county", area_ids=(area,)))
    assert _metric(app, "Rows") == f"{expected['rows']:,}"


def test_data_page_imports_an_upload_and_reports_it(app_on_copy: AppTest, demo_copy: Store) -> None:
    app_on_copy.switch_page("pages/data.py").run()
    assert not app_on_copy.exception
    # Issue 12: the stored records are shown in words, customers and prospects apart.
    figures = summarise_selection(demo_copy, Filters())
    shown = _contents(app_on_copy)
    assert (shown["Customers"], shown["Prospects"]) == (
        f"{figures['customers']:,}",
        f"{figures['prospects']:,}",
    )
    app_on_copy.radio(key="data_kind").set_value("Prospects").run()
    csv = "id,name,zip\nNEW1,New Prospect,10001\nNEW2,Nowhere Inc,\n,No id,10001\n"
    app_on_copy.file_uploader(key="data_upload_prospects").upload("new.csv", csv.encode()).run()
    app_on_copy.button(key="data_import").click().run()
    assert not app_on_copy.exception
    assert _metric(app_on_copy, "Rows read") == "3"
    assert _metric(app_on_copy, "Imported") == "2"
    assert _metric(app_on_copy, "Rejected") == "1"
    stored = demo_copy.query("SELECT kind, lat FROM customers WHERE customer_id = 'NEW1'")
    assert stored["kind"].iloc[0] == "prospect"
    assert stored["lat"].iloc[0] == pytest.approx(40.75, abs=0.05)


def test_rejected_rows_download(app_on_copy: AppTest) -> None:
    app_on_copy.switch_page("pages/data.py").run()
    app_on_copy.radio(key="data_kind").set_value("Customers").run()
    csv = "id,name,lat,lon\nX1,Bad,95,10\n"
    app_on_copy.file_uploader(key="data_upload_customers").upload("bad.csv", csv.encode()).run()
    app_on_copy.button(key="data_import").click().run()
    assert _metric(app_on_copy, "Rejected") == "1"
    assert any(
        b.proto.label.startswith("Download the rejected")
        for b in app_on_copy.get("download_button")
    )


def test_data_page_lists_the_rejected_rows(app_on_copy: AppTest) -> None:
    app_on_copy.switch_page("pages/data.py").run()
    app_on_copy.radio(key="data_kind").set_value("Customers").run()
    csv = "id,name,lat,lon\nX1,Bad,140.7,-74.0\nX2,Worse,40.7,north\nX3,Fine,40.7,-74.0\n"
    app_on_copy.file_uploader(key="data_upload_customers").upload("bad.csv", csv.encode()).run()
    app_on_copy.button(key="data_import").click().run()
    assert not app_on_copy.exception
    tables = [d.value for d in app_on_copy.dataframe if "value" in getattr(d.value, "columns", [])]
    assert len(tables) == 1
    rows = tables[0][["row", "column", "value", "reason"]].values.tolist()
    assert rows == [
        [2, "lat", "140.7", "lat_out_of_range"],
        [3, "lon", "north", "bad_coordinate"],
    ]


def test_data_page_builds_the_demo_into_an_empty_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = Store.open(tmp_path / "empty.duckdb")
    monkeypatch.setenv("GEOCRM_DB", str(empty.path))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    at.button(key="data_build_demo").click().run()
    assert not at.exception, at.exception
    counts = empty.table_counts()
    assert counts["customers"] == 200_000 and counts["sales"] == 500_000
    assert any("Demo business built: 200,000" in s.value.replace("\\", "") for s in at.success)
    shown = _contents(at)
    assert (shown["Customers"], shown["Prospects"]) == ("50,000", "150,000")


@pytest.mark.usefixtures("demo_db")
def test_customers_page_shows_segments_and_risk_of_the_selection(demo_store: Store) -> None:
    from geo.analytics.rfm_views import risk_distribution, segment_summary

    at = _open(level="state", area="06")
    at.switch_page("pages/customers.py").run()
    assert not at.exception, at.exception
    california = Filters(level="state", area_ids=("06",))
    segments = segment_summary(demo_store, california)
    figures = summarise_selection(demo_store, california)
    assert _metric(at, "Customers") == f"{figures['customers']:,}"
    scored = f"{int(segments['customers'].sum()):,} scored"
    assert any(c.value.startswith(scored) for c in at.caption)
    bands = risk_distribution(demo_store, california).set_index("risk_band")
    high = int(bands["customers"].loc["high"])
    assert _metric(at, "At high churn risk") == f"{high:,}"
    assert high == figures["customers_high_risk"]
    table = at.dataframe[0].value
    assert table["segment"].tolist()[0] == "champions"
    assert int(table["customers"].sum()) == int(segments["customers"].sum())
    targets = next(d.value for d in at.dataframe if "whitespace" in d.value.columns)
    assert targets["area_id"].tolist() == ["06"]
    assert any(b.proto.label.startswith("Download every state") for b in at.get("download_button"))


@pytest.mark.usefixtures("demo_db")
def test_trends_page_counts_add_up(demo_store: Store) -> None:
    from geo.analytics.figures import net_change_last_period
    from geo.analytics.flows import area_flows, latest_complete_period

    at = _open(level="state")
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    start = latest_complete_period(demo_store, "quarter")
    assert start is not None
    # The headline is the whole selection's change, the same as the presentation's.
    net = net_change_last_period(demo_store, Filters(level="state"))
    assert net is not None
    assert _metric(at, "Net change") == f"{net.net_change:+,}"
    assert _metric(at, "Lost") == f"{net.lost:,}"
    flows = area_flows(demo_store, Filters(level="state"), "quarter", start)
    in_areas = int(flows["net_change"].sum())
    if in_areas != net.net_change:
        assert any(f"{in_areas:+,} (the table below)" in c.value for c in at.caption)


@pytest.mark.usefixtures("demo_db")
def test_map_offers_the_crm_metrics_and_draws_net_change() -> None:
    at = _open(level="state")
    options = at.selectbox(key="map_metric").options
    assert {
        "Net customer change, last whole quarter",
        "At-risk customers (high churn risk)",
    } <= set(options)
    at.selectbox(key="map_metric").select("net_change").run()
    assert not at.exception, at.exception


@pytest.mark.usefixtures("demo_db")
def test_segment_filter_from_a_link_narrows_the_export(demo_store: Store) -> None:
    at = _open(level="state", rfm="champions", risk="high")
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    expected = summarise_selection(
        demo_store, Filters(level="state", segments=("champions",), risk_bands=("high",))
    )
    assert 0 < expected["rows"] == expected["customers"]
    assert _metric(at, "Rows") == f"{expected['rows']:,}"


@pytest.mark.usefixtures("demo_db")
def test_map_draws_the_lookalike_prospects_and_says_how_many(demo_store: Store) -> None:
    from geo.analytics.lookalikes import lookalike_prospects

    at = _open(level="state")
    at.toggle(key="map_lookalikes").set_value(True).run()
    assert not at.exception, at.exception
    prospects = len(lookalike_prospects(demo_store, Filters(level="state")))
    assert any(f"the 1,000 of {prospects:,} selected prospects" in c.value for c in at.caption)


def test_export_saves_reopens_and_exports_a_segment_per_area(demo_copy: Store) -> None:
    from geo.segments.saved import list_segment_names, load_segment

    at = _open(level="territory", area="DIV1", kind="customer", risk="high")
    at.switch_page("pages/export.py").run()
    at.text_input(key="export_save_name").set_value("NE at risk").run()
    at.button(key="export_save").click().run()
    assert not at.exception, at.exception
    assert "NE at risk" in list_segment_names(demo_copy)
    # Its link (as the Open button writes it) reopens the same rows in a fresh session; the
    # button itself is driven in the browser test (AppTest drops the sidebar's widget state).
    segment, problems = load_segment(demo_copy, "NE at risk")
    assert problems == []
    fresh = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, values in segment.to_query().items():
        fresh.query_params[key] = values
    fresh.run()
    fresh.switch_page("pages/export.py").run()
    assert not fresh.exception, fresh.exception
    expected = summarise_selection(
        demo_copy,
        Filters(level="territory", area_ids=("DIV1",), kind="customer", risk_bands=("high",)),
    )
    assert _metric(fresh, "Rows") == f"{expected['rows']:,}"
    fresh.radio(key="export_format").set_value("xlsx").run()
    fresh.checkbox(key="export_per_area").check().run()
    fresh.button(key="export_prepare").click().run()
    assert not fresh.exception, fresh.exception
    download = fresh.get("download_button")[0]
    assert download.proto.label == f"Download {expected['rows']:,} rows"
    logged = demo_copy.query("SELECT segment, format, rows, file_name FROM export_log "
                              "ORDER BY logged_at DESC LIMIT 1").iloc[0]  # fmt: skip
    assert logged["segment"] == "NE at risk" and logged["rows"] == expected["rows"]
    assert logged["file_name"].startswith("geocrm-ne-at-risk-") and logged["format"] == "xlsx"


@pytest.mark.usefixtures("demo_db")
def test_a_malformed_link_opens_with_a_message_not_a_crash() -> None:
    at = _open(level="nowhere", shape="circle:1,2", view="north")
    assert not at.exception, at.exception
    # One link parser: every note (the map position's too) is a sidebar warning, as text.
    warnings = " ".join(w.value for w in at.sidebar.warning)
    assert inert("level 'nowhere' was ignored") in warnings
    assert inert("shape 'circle:1,2' was ignored") in warnings
    assert inert("map position 'north' was ignored") in warnings


@pytest.mark.usefixtures("demo_db")
def test_presentation_view_takes_its_link_and_shows_no_filters(demo_store: Store) -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in {"level": "territory", "kind": "customer", "metric": "net_change",
                       "name": "Q3 review"}.items():  # fmt: skip
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Q3 review"
    expected = summarise_selection(demo_store, Filters(level="territory", kind="customer"))
    assert _metric(at, "Customers") == f"{expected['customers']:,}"
    assert _metric(at, "Sales") == f"${expected['sales_amount']:,.0f}"
    assert not at.sidebar.selectbox and not at.selectbox  # no widgets on the slide


@pytest.mark.usefixtures("demo_db")
def test_map_page_prepares_the_picture_and_the_standalone_map() -> None:
    at = _open(level="territory")
    at.button(key="map_prepare_png").click().run()
    at.button(key="map_prepare_html").click().run()
    assert not at.exception, at.exception
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the picture (PNG)" in labels
    assert "Download the map (HTML, opens offline)" in labels


@pytest.mark.usefixtures("demo_db")
def test_search_opens_the_customer_card(demo_store: Store) -> None:
    at = _open(level="state")
    at.sidebar.text_input(key="find_customer").input("C000010").run()
    assert not at.exception, at.exception
    card = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    card.query_params["id"] = "C000010"
    card.run()
    card.switch_page("pages/customer.py").run()
    assert not card.exception, card.exception
    name = demo_store.query("SELECT name FROM customers WHERE customer_id = 'C000010'")
    assert card.title[0].value == inert(name["name"].iloc[0])
    labels = {m.label for m in card.metric}
    assert {"Orders in the period", "Churn risk", "Next order expected"} <= labels


@pytest.mark.usefixtures("demo_db")
def test_contact_list_rows_add_up_per_owner(demo_store: Store) -> None:
    from geo.present.target_list import build_target_list
    from geo.segments.segment import Segment

    at = _open(level="territory")
    at.switch_page("pages/contacts.py").run()
    assert not at.exception, at.exception
    filters = Filters(level="territory", kind="customer", contact=("overdue", "due"))
    rows = build_target_list(demo_store, Segment(filters)).rows
    assert _metric(at, "To contact") == f"{len(rows):,}"
    by_owner = at.dataframe[0].value
    assert int(by_owner["customers"].sum()) == len(rows)


@pytest.mark.usefixtures("demo_db")
def test_map_shows_who_covers_which_area() -> None:
    at = _open(level="state")
    at.selectbox(key="map_metric").select("owner").run()
    assert not at.exception, at.exception


@pytest.mark.usefixtures("demo_db")
def test_contact_timing_from_a_link_narrows_the_export(demo_store: Store) -> None:
    at = _open(level="state", contact="overdue")
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    expected = summarise_selection(demo_store, Filters(level="state", contact=("overdue",)))
    assert expected["rows"] > 0 and _metric(at, "Rows") == f"{expected['rows']:,}"


@pytest.mark.parametrize(
    "params",
    [
        {"level": "state"},
        {"level": "state", "area": "06", "risk": "high"},
        {"level": "state", "shape": "rect:-125,30,-100,45"},
    ],
    ids=["no-filter", "one-state-high-risk", "drawn-rectangle"],
)
@pytest.mark.usefixtures("demo_db")
def test_every_page_shows_the_same_headline_for_one_segment(
    demo_store: Store, params: dict[str, str]
) -> None:
    """One definition per figure: Map, Areas, Customers, Export and the Presentation view
    show the same customers figure, and the in-area subset is labelled where it differs."""
    from geo.analytics.figures import selection_figures
    from geo.segments.segment import segment_from_query

    segment, problems = segment_from_query({k: [v] for k, v in params.items()})
    assert not problems
    figures = selection_figures(demo_store, segment.filters)
    assert figures.customers > 0
    shown = {}
    for page in ("pages/map.py", "pages/areas.py", "pages/customers.py", "pages/export.py"):
        at = _open(**params)
        at.switch_page(page).run()
        assert not at.exception, at.exception
        shown[page] = _metric(at, "Customers")
        if figures.customers_in_area != figures.customers and page != "pages/customers.py":
            note = f"{figures.customers_in_area:,} in an area"
            # Captions of text from data are Markdown-escaped: compare what shows.
            assert any(note in c.value.replace("\\", "") for c in at.caption), page
    at = open_with_link(params)
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    shown["pages/present.py"] = _metric(at, "Customers")
    assert _metric(at, "At high churn risk") == f"{figures.customers_high_risk:,}"
    assert set(shown.values()) == {f"{figures.customers:,}"}, shown


def test_a_page_waits_plainly_while_an_import_holds_the_database(
    demo_file_store: DuckDBStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo_store = demo_file_store  # another process holds the file (a server never is held)
    import ui.busy

    monkeypatch.setenv("GEOCRM_DB", str(demo_store.path))
    monkeypatch.setenv("GEOCRM_LOCK_WAIT_SECONDS", "0.2")
    shown: list[str] = []
    holders: list[object] = []

    def show_busy(body: str, **kwargs: object) -> None:
        shown.append(body)

    def poll(_seconds: float) -> None:
        # The import ends while the page is waiting: the next run must show the page.
        holders[0].communicate("")  # type: ignore[attr-defined]

    monkeypatch.setattr(ui.busy.st, "info", show_busy)
    monkeypatch.setattr(ui.busy, "sleep", poll)
    with holding_the_file(demo_store.path) as holder:
        holders.append(holder)
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        at.run()
    assert holder.returncode == 0
    assert shown == [ui.busy.BUSY_MESSAGE]
    assert not at.exception, at.exception
    assert _metric(at, "Customers")


def test_the_app_creates_an_empty_database_where_there_is_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "new" / "geocrm.duckdb"
    monkeypatch.setenv("GEOCRM_DB", str(missing))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert missing.exists() and Store(missing).table_counts()["customers"] == 0


def _column_config(table: object) -> dict[str, dict[str, Any]]:
    """A shown table's column settings (label, type, format) by column name."""
    import json

    return json.loads(table.proto.columns)  # type: ignore[attr-defined]


def test_tables_use_one_format_per_kind(app: AppTest) -> None:
    app.switch_page("pages/areas.py").run()
    assert not app.exception, app.exception
    table = app.dataframe[0]
    config = _column_config(table)
    # Penetration: one rule, one decimal of the percentage (24.5%), as in every file.
    penetration = config["penetration"]
    assert penetration["label"] == "Penetration"
    assert penetration["type_config"] == {
        "type": "progress", "format": "percent", "min_value": 0, "max_value": 1, "step": 0.001,
    }  # fmt: skip
    values = table.value["penetration"].dropna()
    assert len(values) > 40 and ((values * 1000).round(6) == (values * 1000).round()).all()
    assert config["sales_amount"]["label"] == "Sales"
    assert config["sales_amount"]["type_config"]["format"] == "dollar"
    assert config["customers"]["type_config"]["format"] == "localized"
    assert config["name"]["label"] == "State"
    parent = "parent_name" if "parent_name" in table.value.columns else "parent_id"
    assert config[parent]["label"] == "Parent"
    assert "level" not in table.value.columns  # one value for every row: not repeated


def test_export_page_tables_show_no_none(app: AppTest) -> None:
    app.switch_page("pages/export.py").run()
    assert not app.exception, app.exception
    preview, per_area = app.dataframe[0], app.dataframe[1]
    for table in (preview, per_area):
        # Empty text cells are empty strings: the grid shows nothing, never "None".
        value = table.value
        text = value[[c for c in value.columns if pd.api.types.is_string_dtype(value[c])]]
        assert len(text.columns) >= 1 and not text.isna().any().any()
        assert not text.isin(["None", "nan", "<NA>"]).any().any()
    config = _column_config(per_area)
    assert [config[c]["label"] for c in per_area.value.columns] == [
        "Area", "Rows", "Customers", "Prospects", "Sales",
    ]  # fmt: skip
    assert _column_config(preview)["last_order_date"]["type_config"]["format"] == "YYYY-MM-DD"


@pytest.mark.usefixtures("demo_db")
def test_contact_list_by_owner_is_formatted_and_says_its_order() -> None:
    at = _open(level="territory")
    at.switch_page("pages/contacts.py").run()
    assert not at.exception, at.exception
    by_owner = at.dataframe[0]
    config = _column_config(by_owner)
    assert config["value_at_stake"]["label"] == "3-year value at stake"
    assert config["value_at_stake"]["type_config"]["format"] == "dollar"
    assert config["customers"]["type_config"]["format"] == "localized"
    assert by_owner.value["value_at_stake"].is_monotonic_decreasing
    captions = " ".join(c.value for c in at.caption)
    assert "Grouped by owner" in captions and "ordered by value at stake" not in captions
    calls = at.dataframe[1].value
    owners = calls["owner"].tolist()
    assert owners == sorted(owners, key=lambda o: (o == "", o))


@pytest.mark.usefixtures("demo_db")
def test_trends_area_table_fits_the_page(demo_store: Store) -> None:
    from geo.analytics.flows import latest_complete_period

    at = _open(level="state")
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    table = at.dataframe[0]
    assert list(table.value.columns) == [
        "name", "new", "reactivated", "lost", "net_change", "active", "sales", "growth",
        "growth_yoy",
    ]  # fmt: skip
    config = _column_config(table)
    assert config["growth"]["type_config"]["format"] == "percent"
    assert config["growth"]["type_config"]["step"] == 0.001
    start = latest_complete_period(demo_store, "quarter")
    assert start is not None
    before = f"Q{(start.month - 4) % 12 // 3 + 1} {start.year - (start.month <= 3)}"
    assert config["growth"]["label"] == f"Sales vs {before}"
    assert (
        config["growth_yoy"]["label"] == f"Sales vs Q{(start.month - 1) // 3 + 1} {start.year - 1}"
    )
    widths = {c: int(config[c]["width"]) for c in table.value.columns}
    assert sum(widths.values()) < 1000, widths


@pytest.mark.usefixtures("demo_db")
def test_trends_compares_a_quarter_with_the_quarter_before(demo_store: Store) -> None:
    from geo.analytics.flows import latest_complete_period, period_name, shift_period

    at = _open(level="state")
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
    start = latest_complete_period(demo_store, "quarter")
    assert start is not None
    before = period_name(shift_period(start, "quarter", -1), "quarter")
    sales = next(m for m in at.metric if m.label == "Sales")
    # "-8.8% vs Q2 2026", never a month when the period is a quarter.
    assert sales.proto.delta.endswith(f" vs {before}"), sales.proto.delta
    assert before.startswith("Q")
    assert at.selectbox(key="trends_start").format_func(at.selectbox(key="trends_start").value) == (
        period_name(start, "quarter")
    )
    last_order = demo_store.query("SELECT max(order_date) AS d FROM orders")["d"].iloc[0]
    running = period_name(pd.Timestamp(last_order).to_period("Q").start_time.date(), "quarter")
    if running != period_name(start, "quarter"):
        assert any(f"{running} (so far) is drawn lighter" in c.value for c in at.caption)


@pytest.mark.usefixtures("demo_db")
def test_the_card_page_has_a_search_of_its_own(demo_store: Store) -> None:
    from geo.analytics.customer_search import describe_result, search_customers

    at = _open(level="state")
    at.switch_page("pages/customer.py").run()
    assert not at.exception, at.exception
    name = demo_store.query(
        "SELECT name FROM customers GROUP BY name ORDER BY count(*) DESC, name LIMIT 1"
    )["name"].iloc[0]
    at.text_input(key="card_find").input(name).run()
    assert not at.exception, at.exception
    links = [e.proto for e in at.get("page_link")]
    expected = search_customers(demo_store, name, limit=8)
    assert [link.label for link in links] == [
        inert(f"{n} · {i}") for n, i in zip(expected["name"], expected["customer_id"], strict=True)
    ]
    # Each opens that customer's card.
    assert [(link.page, link.query_string) for link in links] == [
        ("customer", f"id={i}") for i in expected["customer_id"]
    ]
    captions = [c.value for c in at.caption]
    for _, row in expected.iterrows():
        assert inert(describe_result(row)) in captions


@pytest.mark.usefixtures("demo_db")
def test_a_clicked_area_stays_selected_when_the_map_is_drawn_again() -> None:
    """The click reaches the page in the map's state; the map drawn again with its outline
    then reports no click of its own, and the side panel must keep the clicked area."""
    at = _open(level="state")
    at.session_state["area_map"] = {"last_active_drawing": {"properties": {"area_id": "20"}}}
    at.run()
    assert "Kansas" in [h.value for h in at.subheader]
    at.session_state["area_map"] = {"last_active_drawing": None, "zoom": 4}
    at.run()
    assert not at.exception, at.exception
    headings = [h.value for h in at.subheader]
    assert "Kansas" in headings and "Click an area" not in headings
