"""The Territories page: a what-if move, saving and applying, on the demo's counties, on
both stores."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from geo.segments.area_kpis import compute_area_kpis
from geo.segments.filters import Filters
from geo.store.protocol import Store
from geo.territories.scenarios import current_scenario, list_scenarios
from geo.territories.unit_figures import unit_figures
from tests.app_sessions import open_with_link


def _territory_table(at: AppTest) -> pd.DataFrame:
    table = next(d.value for d in at.dataframe if "customers_after" in d.value.columns)
    return table.set_index("name")


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def test_a_move_shows_at_once_and_applied_becomes_every_pages_figure(demo_copy: Store) -> None:
    store = demo_copy
    now = compute_area_kpis(store, Filters(level="territory")).set_index("name")["customers"]
    at = open_with_link({})
    at.switch_page("pages/territories.py").run()
    assert not at.exception, at.exception
    table = _territory_table(at)
    assert table["customers_after"].astype(int).to_dict() == now.astype(int).to_dict()
    assert _metric(at, "Accounts changing territory") == "0"
    # The two counties of South Atlantic (DIV5) with most customers, to West North Central.
    plan = current_scenario(store, "county", "territory")
    figures = unit_figures(store, "county")
    south = [u for u, t in plan.territory_of.items() if t == "DIV5"]
    chosen = figures.loc[south, "customers"].sort_values(ascending=False).index[:2].tolist()
    moving = int(figures.loc[chosen, "customers"].sum())
    assert moving > 0
    at.multiselect(key="territory_chosen").set_value(chosen).run()
    at.selectbox(key="territory_target").set_value("DIV4").run()
    at.button(key="territory_move").click().run()
    assert not at.exception, at.exception
    table = _territory_table(at)
    assert (
        int(table["customers_after"].astype(int)["West North Central"])
        == now["West North Central"] + moving
    )
    assert int(table["customers_change"].astype(int)["South Atlantic"]) == -moving
    assert _metric(at, "Accounts changing territory") == f"{moving:,}"
    assert at.multiselect(key="territory_chosen").value == []  # the move is done
    # Saved, then applied: the applied figures are the scenario's, on the Areas page too.
    at.text_input(key="territory_save_name").input("two big counties").run()
    at.button(key="territory_save").click().run()
    assert not at.exception, at.exception
    assert list_scenarios(store)["name"].tolist() == ["two big counties"]
    assert at.selectbox(key="territory_source").value == "two big counties"
    at.checkbox(key="territory_sure").check().run()
    at.button(key="territory_apply").click().run()
    assert not at.exception, at.exception
    assert any("2 units changed territory" in s.value for s in at.success)
    after = compute_area_kpis(store, Filters(level="territory")).set_index("name")["customers"]
    assert after.astype(int).to_dict() == table["customers_after"].astype(int).to_dict()
    at.switch_page("pages/areas.py").run()
    areas = next(d.value for d in at.dataframe if "customers" in d.value.columns)
    assert areas is not None


def test_a_territory_added_on_the_page_takes_units_and_shows_them(demo_copy: Store) -> None:
    at = open_with_link({})
    at.switch_page("pages/territories.py").run()
    at.text_input(key="territory_new_id").input("GULF").run()
    at.text_input(key="territory_new_name").input("Gulf <b>Coast</b> ${x}").run()
    at.text_input(key="territory_new_owner").input("Dana").run()
    at.button(key="territory_add").click().run()
    assert not at.exception, at.exception
    assert "Gulf <b>Coast</b> ${x} (GULF)" in at.selectbox(key="territory_target").options
    at.multiselect(key="territory_chosen").set_value(["12033", "12113"]).run()  # Florida
    at.selectbox(key="territory_target").set_value("GULF").run()
    at.button(key="territory_move").click().run()
    table = _territory_table(at)
    # The name is shown as typed (the table is not Markdown), with its owner and two units.
    assert table.loc["Gulf <b>Coast</b> ${x}", ["owner", "units_after"]].to_numpy().tolist() == [
        "Dana",
        2,
    ]
    assert int(table["units_after"].sum()) == len(unit_figures(demo_copy, "county"))
    # Saved, it can be set side by side with the current alignment from the other side.
    at.text_input(key="territory_save_name").input("gulf").run()
    at.button(key="territory_save").click().run()
    at.selectbox(key="territory_source").set_value("Current alignment").run()
    at.selectbox(key="territory_against").set_value("gulf").run()
    assert not at.exception, at.exception
    table = _territory_table(at)
    assert int(table["units_change"].astype(int)["Gulf <b>Coast</b> ${x}"]) == -2
    assert "Accounts changing territory, by the rep who holds them in 'gulf'" in [
        s.value.replace("\\", "") for s in at.subheader
    ]
