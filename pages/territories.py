"""Territories: design them from finer areas in a what-if, balance them, save and apply.

The map colours each unit (county, state ...) by its territory in the scenario; a click
picks a unit to move. Every figure is a sum of the unit figures, the same the Areas page
shows per unit, so a move answers at once; applying makes the scenario the current
alignment, dated (see geo.territories).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from geo.errors import InputError
from geo.maps.area_colours import CATEGORY
from geo.maps.area_map import build_area_map
from geo.maps.display_geometry import bulk_bounds
from geo.maps.framing import view_framing
from geo.places.shapes import Shape, ShapeError
from geo.present.territory_export import rounded_figures, write_scenario
from geo.territories.applying import apply_scenario
from geo.territories.balancing import BalanceRules
from geo.territories.rebalance import BalanceAsk, proposal_scenario, propose_balance
from geo.territories.scenario_figures import (
    alignment_judgement,
    scenario_disruption,
    territory_figures,
)
from geo.territories.scenarios import (
    UNASSIGNED,
    ScenarioChangedError,
    list_scenarios,
    save_scenario,
)
from geo.territories.unit_figures import UNIT_FIGURES
from ui import state
from ui.access import current_access
from ui.folium_view import show_map
from ui.inert_text import (
    as_option,
    inert,
    show_caption,
    show_error,
    show_subheader,
    show_warning,
)
from ui.permissions import may_save_segments, offer_download
from ui.tables import show_table
from ui.territory_design import (
    CURRENT,
    alignment_now,
    edited_plan,
    keep_plan,
    opened,
    units_of,
)
from ui.widgets import csv_download

CHOSEN_KEY = "territory_chosen"
#: The map click already taken into the choice (the map reports its last click on every run).
LAST_CLICK_KEY = "territory_last_click"
NEXT_SOURCE_KEY = "territory_source_next"
SURE_RESET_KEY = "territory_sure_reset"
CLEAR_CHOICE_KEY = "territory_clear_choice"
NEW_LEVEL = "A new territory level"
MAP_HEIGHT_PX = 560
#: The map column's width on a laptop screen: what the first view is framed for.
MAP_WIDTH_PX = 700
FIGURE_LABELS = {
    "customers": "Customers",
    "prospects": "Prospects",
    "orders": "Orders",
    "sales_amount": "Sales",
    "at_risk": "At-risk customers",
    "revenue_at_risk": "Revenue at risk",
    "contacts_per_month": "Contacts per month",
    "workload_minutes": "Workload (minutes per month)",
}

st.title("Territories")
store = state.current_store()
db, version = state.data_key(store)
levels = state.levels(db, version)
if len(levels) < 1:
    st.info("No areas in the database yet. Import areas on the Data page.")
    st.stop()

top = st.columns([1, 1.2, 1.4])
unit_level = top[0].selectbox(
    "Made of", levels[::-1], key="territory_units", help="The areas territories are built from"
)
coarser = [lv for lv in levels if lv != unit_level]
default_level = coarser.index("territory") if "territory" in coarser else 0
territory_choice = top[1].selectbox(
    "Territory level",
    [*coarser, NEW_LEVEL],
    index=default_level if coarser else 0,
    key="territory_level",
    format_func=as_option,
)
territory_level = (
    top[1].text_input("Name of the new level", value="sales_territory", key="territory_new_level")
    if territory_choice == NEW_LEVEL
    else territory_choice
).strip() or "sales_territory"
saved = list_scenarios(db)
saved_here = saved[
    (saved["unit_level"] == unit_level) & (saved["territory_level"] == territory_level)
]["name"].tolist()
if NEXT_SOURCE_KEY in st.session_state:  # just saved: open it (before the picker is drawn)
    st.session_state["territory_source"] = st.session_state.pop(NEXT_SOURCE_KEY)
source = top[2].selectbox(
    "Scenario", [CURRENT, *saved_here], key="territory_source", format_func=as_option
)

try:
    base = units_of(db, version, unit_level)
    plan = edited_plan(db, version, unit_level, territory_level, source)
    now = alignment_now(db, version, unit_level, territory_level)
except InputError as exc:
    show_error(exc)
    st.stop()
scenario = plan.scenario
for problem in scenario.problems:
    show_caption(problem)

names = base.units.set_index("area_id")["name"].astype(str)
territory_names = scenario.territories["name"].astype(str)


def territory_label(territory_id: str) -> str:
    if territory_id == UNASSIGNED:
        return "Unassigned"
    name = territory_names.get(territory_id, territory_id)
    return territory_id if name == territory_id else f"{name} ({territory_id})"


left, right = st.columns([2.1, 1])
with left:
    shown_units = state.display_areas(db, version, unit_level)
    territory_of = pd.Series(
        [territory_label(t) for t in scenario.territory_column(shown_units["area_id"])],
        index=shown_units["area_id"].astype(str),
    )
    if st.session_state.pop(CLEAR_CHOICE_KEY, False):  # after a move
        st.session_state[CHOSEN_KEY] = []
    picked: list[str] = [u for u in st.session_state.get(CHOSEN_KEY, []) if u in names.index]
    west, south, east, north = bulk_bounds(shown_units)
    first_view = view_framing((south, west, north, east), MAP_WIDTH_PX, MAP_HEIGHT_PX)
    # No outline of the units picked: the map stays as it is between clicks (a changed map
    # is drawn anew, back at its first view), and the list beside it names them.
    fmap = build_area_map(
        shown_units,
        territory_of.where(territory_of != "Unassigned"),
        metric_label="Territory",
        unit=CATEGORY,
        height=MAP_HEIGHT_PX,
        layer_control=False,
        view=(first_view.lat, first_view.lon, first_view.zoom),
        drawing=True,
        legend_font_px=12,
    )
    clicked = show_map(
        fmap, key="territory_map", height=MAP_HEIGHT_PX, returned_objects=["last_active_drawing"]
    ).get("last_active_drawing")
    unit_clicked = (clicked or {}).get("properties", {}).get("area_id")
    if clicked and clicked != st.session_state.get(LAST_CLICK_KEY):
        st.session_state[LAST_CLICK_KEY] = clicked
        # Before the list below is drawn: a clicked unit, or every unit inside a drawn
        # lasso, rectangle or circle, joins the units chosen.
        joining = [str(unit_clicked)] if unit_clicked in names.index else []
        if not unit_clicked:
            try:
                joining = base.units_inside(Shape.from_geojson(clicked))
            except ShapeError as exc:
                show_warning(f"That drawing cannot pick {unit_level} areas: {exc}")
        st.session_state[CHOSEN_KEY] = list(dict.fromkeys([*picked, *joining]))
    show_caption(
        f"Click {unit_level} areas on the map to pick them, draw a shape around several "
        "(the tools under the zoom buttons), or choose them in the list."
    )

with right:
    show_subheader("Move")
    chosen = st.multiselect(
        f"{unit_level.capitalize()} areas to move",
        names.index.tolist(),
        format_func=lambda u: as_option(
            f"{names.get(u, u)} · {territory_label(scenario.territory_column([u])[0])}"
        ),
        key=CHOSEN_KEY,
    )
    targets = [*scenario.territories.index.astype(str), UNASSIGNED]
    target = st.selectbox(
        "To territory",
        targets,
        format_func=lambda t: as_option(territory_label(t)),
        key="territory_target",
    )
    if st.button("Move", disabled=not chosen, key="territory_move", type="primary"):
        keep_plan(scenario.moved(chosen, target), plan.source, plan.version)
        st.session_state[CLEAR_CHOICE_KEY] = True
        st.rerun()
    with st.expander("Add or rename a territory"):
        new_id = st.text_input("Territory ID", key="territory_new_id")
        new_name = st.text_input("Name", key="territory_new_name")
        new_owner = st.text_input("Owner (rep)", key="territory_new_owner")
        if st.button("Add or rename", key="territory_add", disabled=not new_id.strip()):
            try:
                keep_plan(
                    scenario.with_territory(new_id, new_name, new_owner), plan.source, plan.version
                )
                st.rerun()
            except InputError as exc:
                show_error(exc)
    with st.expander("Balance automatically"):
        figure = st.selectbox(
            "Balance by",
            UNIT_FIGURES,
            format_func=lambda f: FIGURE_LABELS.get(f, f),
            key="territory_balance_by",
        )
        tolerance = st.slider(
            "Within this share of the mean", 0.01, 0.30, 0.05, 0.01, key="territory_tolerance"
        )
        budget = st.slider(
            "Most accounts that may change territory",
            0.0,
            1.0,
            1.0,
            0.05,
            key="territory_budget",
            help="A share of all accounts: 1 allows any",
        )
        keep = st.multiselect(
            "Keep with their rep every unit holding",
            ["champions", "loyal", "can't lose", "at risk"],
            key="territory_keep",
            help="RFM segments whose relationships should not change hands",
        )
        keep_risk = st.multiselect(
            "Keep with their rep every unit holding customers of churn risk",
            ["high", "medium"],
            key="territory_keep_risk",
        )
        locked = st.multiselect(
            "Territories that keep their units",
            now.territories.index.astype(str).tolist(),
            format_func=lambda t: as_option(territory_label(t)),
            key="territory_locked",
        )
        contiguous = st.checkbox("Each territory in one piece", True, key="territory_contiguous")
        if st.button("Propose", key="territory_propose", disabled=not now.territory_of):
            ask = BalanceAsk(
                unit_level,
                territory_level,
                weights=((figure, 1.0),),
                rules=BalanceRules(
                    tolerance=tolerance,
                    contiguous=contiguous,
                    max_moved_share=None if budget >= 1 else budget,
                ),
                keep_segments=tuple(keep),
                keep_risk_bands=tuple(keep_risk),
                locked_territory_ids=tuple(locked),
            )
            with st.spinner("Balancing…"):
                proposal = propose_balance(db, ask)
            keep_plan(proposal_scenario(proposal, now), plan.source, plan.version)
            st.rerun()
        if not now.territory_of:
            show_caption("Balancing starts from current territories: this level has none yet.")

others = [n for n in saved_here if n != plan.source]
against_name = (
    st.selectbox(
        "Compare with",
        [CURRENT, *others],
        key="territory_against",
        format_func=as_option,
        help="The alignment the figures below are set against: the current one, or another "
        "saved scenario, side by side",
    )
    if others
    else CURRENT
)
against = (
    now
    if against_name == CURRENT
    else opened(db, version, unit_level, territory_level, against_name)
)
vs = "now" if against_name == CURRENT else f"in '{against_name}'"
# Metric deltas and help are Markdown: they say "the other" instead of the typed name.
vs_short = "now" if against_name == CURRENT else "the other"
judged_now = alignment_judgement(base, against, figure)
judged = alignment_judgement(base, scenario, figure)
moved = scenario_disruption(base, against, scenario).set_index("owner")
everything = moved.loc["all"].to_dict()


def change(key: str, digits: int) -> str | None:
    """The scenario's figure against the current one, or None when it is the same."""
    delta = round(float(judged[key]) - float(judged_now[key]), digits)
    return None if delta == 0 else f"{delta:+.{digits}f} vs {vs_short}"


cols = st.columns(5)
cols[0].metric(
    f"Balance index ({FIGURE_LABELS[figure].lower()})",
    f"{judged['balance_index']:.1f}",
    change("balance_index", 1),
    help="100 x (1 - coefficient of variation of the territories' figure chosen under "
    "Balance automatically): 100 is even",
)
cols[1].metric(
    "Largest / smallest",
    f"{judged['max_min_ratio']:.2f}",
    change("max_min_ratio", 2),
    delta_color="inverse",
    help="The territory with most of that figure over the one with least",
)
cols[2].metric(
    "Compactness (mean)",
    f"{judged['mean_polsby_popper']:.3f}",
    change("mean_polsby_popper", 3),
    help="Polsby-Popper: 1 for a disc, near 0 for a long thin shape",
)
cols[3].metric(
    "Accounts changing territory",
    f"{int(everything['accounts']):,}",
    f"{everything['share_of_accounts']:.1%} of all",
    delta_color="off",
    delta_arrow="off",
    help=f"Customers whose unit is in another territory than {vs_short}, and their share of all",
)
cols[4].metric("Territories in pieces", f"{int(judged['territories_in_pieces'])}")
if judged["unassigned_units"]:
    show_caption(
        f"{judged['unassigned_units']:,} {unit_level} areas are in no territory: their "
        "customers would be outside all areas at this level."
    )

show_subheader("Each territory in this scenario")
table = rounded_figures(territory_figures(base, against, scenario))
table["territory"] = table["territory"].map(lambda t: "" if t == UNASSIGNED else t)
table.loc[table["territory"] == "", "name"] = "Unassigned"
# The scenario's figures, and the change from now of those a move shifts most visibly.
columns = [
    "name", "owner", "units_after", "units_change", "customers_after", "customers_change",
    "prospects_after", "sales_amount_after", "sales_amount_change", "revenue_at_risk_after",
    "workload_minutes_after",
]  # fmt: skip
labels = {
    "name": "Territory",
    "units_after": "Units",
    "units_change": f"Units vs {vs}",
    "customers_after": "Customers",
    "customers_change": f"Customers vs {vs}",
    "prospects_after": "Prospects",
    "sales_amount_after": "Sales",
    "sales_amount_change": f"Sales vs {vs}",
    "revenue_at_risk_after": "Revenue at risk",
    "workload_minutes_after": "Workload (min/month)",
}
show_table(table, columns=columns, labels=labels)
show_caption(
    "Workload: expected contacts per month (one per expected order, from each customer's "
    "buying rhythm and churn risk) x 30 minutes. The download holds every figure, now and "
    "in the scenario."
)
csv_download(
    f"Download this table, {vs_short} and in the scenario (CSV)",
    table.drop(columns=["territory"]).rename(columns={"name": "territory"}),
    f"geocrm-territories-{unit_level}-{territory_level}-compared.csv",
    key="territory_table_csv",
)
if len(moved) > 1:
    show_subheader(f"Accounts changing territory, by the rep who holds them {vs}")
    per_rep = moved.drop(index="all").reset_index()
    show_table(
        per_rep,
        columns=["owner", "units", "accounts", "revenue", "share_of_accounts"],
        labels={
            "owner": f"Rep {vs}",
            "units": "Units",
            "accounts": "Accounts",
            "revenue": "Lifetime sales",
            "share_of_accounts": "Share of all accounts",
        },
    )


def _file(fmt: str) -> bytes:
    import io

    buffer = io.BytesIO()
    write_scenario(base, scenario, buffer, fmt)
    return buffer.getvalue()


show_subheader("Keep this scenario")
access = current_access()
name = st.text_input(
    "Scenario name",
    value="" if plan.source == CURRENT else plan.source,
    key="territory_save_name",
)
can_save = may_save_segments() and store.scope.sees_everything
save_cols = st.columns(3)
if not can_save:
    show_caption(
        "Saving and applying scenarios needs a role that may save, over all areas. Ask an admin."
    )
elif save_cols[0].button("Save", key="territory_save", disabled=not name.strip()):
    try:
        started = scenario.revision if name.strip() == scenario.name else None
        saved_now = save_scenario(db, scenario, name, by=access.actor, started_from=started)
        keep_plan(saved_now, saved_now.name, version)
        st.session_state[NEXT_SOURCE_KEY] = saved_now.name
        st.rerun()
    except (ScenarioChangedError, InputError) as exc:
        show_error(exc)
stem = f"geocrm-territories-{unit_level}-{territory_level}"
with save_cols[1]:
    offer_download(
        f"Download each {inert(unit_level)} (CSV)",
        lambda: _file("csv"),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key="territory_csv",
    )
with save_cols[2]:
    offer_download(
        "Download the territories (GeoJSON)",
        lambda: _file("geojson"),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        key="territory_geojson",
    )


if access.role.may_load_data and store.scope.sees_everything and scenario.revision is not None:
    show_subheader("Apply")
    effective = st.date_input("Effective from", value=date.today(), key="territory_effective")
    if st.session_state.pop(SURE_RESET_KEY, False):
        st.session_state["territory_sure"] = False
    sure = st.checkbox(
        f"Make '{as_option(scenario.name)}' the current {as_option(territory_level)} alignment "
        "for everyone",
        key="territory_sure",
    )
    if st.button("Apply", disabled=not sure, key="territory_apply"):
        try:
            applied = apply_scenario(db, scenario.name, effective=effective, by=access.actor)
        except InputError as exc:
            show_error(exc)
        else:
            st.session_state[SURE_RESET_KEY] = True  # unticked at the next run
            st.success(
                inert(
                    f"Applied from {applied.effective}: {applied.units_changed:,} units "
                    f"changed territory, {applied.owner_changes:,} changed owner."
                )
            )
elif scenario.revision is None and can_save:
    show_caption("Save the scenario to apply it.")
