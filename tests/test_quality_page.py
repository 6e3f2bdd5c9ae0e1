"""The Data quality page: the counts link to their lists, a list shows and downloads what
the core finds, and names from the data stay plain text."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from geo.quality.fix_lists import fix_list, quality_counts
from geo.quality.problems import PROBLEMS
from geo.store.protocol import Store
from tests.app_sessions import APP, TIMEOUT


def _page(store: Store, monkeypatch: pytest.MonkeyPatch, problem: str | None = None) -> AppTest:
    monkeypatch.setenv("GEOCRM_DB", store.location)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    if problem:
        at.query_params["problem"] = problem
    at.switch_page("pages/quality.py").run()
    assert not at.exception, at.exception
    return at


def test_the_counts_are_the_cores_and_the_first_list_with_rows_is_shown(
    messy: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(messy, monkeypatch)
    counts = quality_counts(messy, "county")
    shown = {m.label.replace("\\", ""): m.value for m in at.metric}
    assert shown == {PROBLEMS[c].title: f"{n:,}" for c, n in counts.items()}
    assert at.selectbox(key="quality_level").value == "county"
    # No location comes first and has rows: its list is the one shown.
    assert at.subheader[0].value.replace("\\", "") == f"Without a location: {counts['no_location']}"
    table = at.dataframe[0].value
    assert sorted(table["customer_id"]) == sorted(fix_list(messy, "no_location")["customer_id"])


def test_a_link_to_a_list_shows_it_with_its_map_and_download(
    messy: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(messy, monkeypatch, "outside_areas")
    assert at.subheader[0].value.replace("\\", "") == "Outside all areas: 2"
    table = at.dataframe[0].value
    assert sorted(table["customer_id"]) == ["c4", "sea"]
    why = dict(zip(table["customer_id"], table["_detail"], strict=True))
    assert "nearest: B Beta, 55.66 km away" in why["sea"]
    assert any(
        d.proto.label.replace("\\", "").startswith("Download the list (2 rows")
        for d in at.get("download_button")
    )


def test_names_from_the_data_stay_text_and_a_forged_link_falls_back(
    messy: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(messy, monkeypatch, "customers_without_sales")
    table = at.dataframe[0].value
    # Dataframes show text as it is: the formula-like name is there, as typed.
    assert "=cmd|' /C calc'!A0" not in set(table["name"])  # c1 has sales
    assert {"c3", "c4", "c5"} <= set(table["customer_id"])
    forged = _page(messy, monkeypatch, "<script>alert(1)</script>")
    assert forged.subheader[0].value.replace("\\", "").startswith("Without a location")


def test_a_location_fixed_on_the_page_leaves_the_list_and_reverts(
    messy: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(messy, monkeypatch, "outside_areas")
    at.selectbox(key="quality_fix_customer").set_value("sea").run()
    at.button(key="quality_fix").click().run()
    assert "Type both the latitude and the longitude" in at.error[0].value.replace("\\", "")
    at.number_input(key="quality_fix_lat").set_value(0.5)
    at.number_input(key="quality_fix_lon").set_value(1.5)
    at.text_input(key="quality_fix_note").input("moved from the sea")
    at.button(key="quality_fix").click().run()
    assert not at.exception, at.exception
    assert any("Location of sea fixed" in m.value.replace("\\", "") for m in at.success), [
        m.value for m in at.success
    ]
    assert sorted(at.dataframe[0].value["customer_id"]) == ["c4"]
    assert messy.scalar("SELECT note FROM location_fixes") == "moved from the sea"
    at.button(key="quality_revert").click().run()
    assert not at.exception, at.exception
    assert any("reverted" in m.value for m in at.success)
    assert sorted(at.dataframe[0].value["customer_id"]) == ["c4", "sea"]


def test_two_duplicates_are_merged_on_the_page_after_a_yes(
    messy: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(messy, monkeypatch, "duplicates")
    at.selectbox(key="quality_merge_keep").set_value("d1").run()
    at.selectbox(key="quality_merge_drop").set_value("d2").run()
    at.button(key="quality_merge").click().run()
    assert "d2 is removed and its order lines move to d1" in "\\n".join(
        w.value.replace("\\\\", "") for w in at.warning
    )
    assert messy.scalar("SELECT count(*) FROM customers WHERE customer_id = 'd2'") == 1
    at.button(key="quality_merge_yes").click().run()
    assert not at.exception, at.exception
    assert messy.scalar("SELECT count(*) FROM customers WHERE customer_id = 'd2'") == 0
    assert any("d2 merged into d1" in m.value.replace("\\\\", "") for m in at.success)
    assert not {"d1", "d2"} & set(at.dataframe[0].value["customer_id"])
