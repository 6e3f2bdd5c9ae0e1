"""The Territories page's state: the scenario being edited in this session, and the cached
unit figures every what-if of a unit level adds up.

The scenario lives in ``st.session_state`` until it is saved; it remembers the saved
scenario and revision it started from, so that a save over someone else's newer revision
is refused (see :class:`geo.territories.scenarios.ScenarioChangedError`).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.store.protocol import Store
from geo.territories.scenario_figures import UnitBase, unit_base
from geo.territories.scenarios import Scenario, current_scenario, open_scenario

#: The session key of the scenario being edited.
PLAN_KEY = "territory_plan"
#: Shown in the scenario picker for the alignment in force.
CURRENT = "Current alignment"


@dataclass(frozen=True)
class EditedPlan:
    """The scenario being edited, what it was opened from (``source``: a saved scenario's
    name, or :data:`CURRENT`) and the data version it was opened at."""

    scenario: Scenario
    source: str
    version: int


@st.cache_resource(max_entries=4, show_spinner="Counting each unit's customers and sales…")
def units_of(db: Store, version: int, unit_level: str) -> UnitBase:
    """The units of a level with their figures and adjacency (read only, shared)."""
    return unit_base(db, unit_level)


@st.cache_data(max_entries=8, show_spinner=False)
def alignment_now(db: Store, version: int, unit_level: str, territory_level: str) -> Scenario:
    """The current alignment as a scenario (none assigned for a level still to build)."""
    return current_scenario(db, unit_level, territory_level)


def opened(db: Store, version: int, unit_level: str, territory_level: str, source: str) -> Scenario:
    """``source`` (a saved scenario's name, or :data:`CURRENT`) opened for editing."""
    if source == CURRENT:
        return alignment_now(db, version, unit_level, territory_level)
    return open_scenario(db, source)


def edited_plan(
    db: Store, version: int, unit_level: str, territory_level: str, source: str
) -> EditedPlan:
    """The plan of this session for these levels and source, opened afresh when any of
    them changed (or the data did, for the current alignment)."""
    plan = st.session_state.get(PLAN_KEY)
    if (
        isinstance(plan, EditedPlan)
        and plan.source == source
        and plan.scenario.unit_level == unit_level
        and plan.scenario.territory_level == territory_level
        and (source != CURRENT or plan.version == version)
    ):
        return plan
    fresh = EditedPlan(opened(db, version, unit_level, territory_level, source), source, version)
    st.session_state[PLAN_KEY] = fresh
    return fresh


def keep_plan(scenario: Scenario, source: str, version: int) -> None:
    """Keep ``scenario`` as this session's plan."""
    st.session_state[PLAN_KEY] = EditedPlan(scenario, source, version)


def forget_plan() -> None:
    st.session_state.pop(PLAN_KEY, None)
