"""Every public read of customer data takes a scope, and the store keeps it.

The test finds the read functions itself (every public function of the query packages that
takes a store), so a new read without a ``scope`` fails here. Each is called three times
on a copy of the demo: seeing everything, seeing every territory but one, and seeing no
area at all. Hiding a territory must change what the read returns (or, for reads whose
answer is one date, hiding everything must), and no customer or area of the hidden
territory may appear anywhere in what it returns.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest

import geo.analytics
import geo.maps
import geo.present
import geo.quality
import geo.segments
import geo.territories
from geo.errors import InputError
from geo.segments.filters import Filters
from geo.segments.saved import save_segment
from geo.segments.segment import Segment
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope
from geo.territories.rebalance import BalanceAsk
from tests.stores import copy_of

#: Public functions that take a store but write, or read no customer data.
NOT_READS = {
    "geo.segments.saved.save_segment",  # writes
    "geo.segments.saved.rename_segment",  # writes
    "geo.segments.saved.delete_segment",  # writes
    "geo.segments.saved.segments_stamp_of",  # when the saved segments last changed
    "geo.analytics.scores.ensure_scores",  # a write
    "geo.analytics.scores.score_state",  # what the stored scores were computed from
    "geo.present.target_list.log_export",  # writes
    "geo.analytics.database_contents.where_the_data_lives",  # names the store, reads no rows
    "geo.territories.scenarios.save_scenario",  # writes
    "geo.territories.scenarios.delete_scenario",  # writes
    "geo.territories.applying.apply_scenario",  # writes the whole alignment (an admin's)
    "geo.territories.scenario_file.read_scenario_file",  # a file to save, checked by IDs
    # Scenarios and the alignment history hold no customer data (unit -> territory, rep).
    "geo.territories.scenarios.open_scenario",
    "geo.territories.scenarios.list_scenarios",
    "geo.territories.history.alignment_changes",
    "geo.territories.history.alignment_on",
    "geo.territories.history.history_unit_level",
    # What no restricted scope can see at all: the area imports' log (no customer data)
    # and order lines of customers who are not stored (in no area). Both empty in scope.
    "geo.quality.fix_lists.geometry_repairs",
    "geo.quality.fix_lists.sales_unknown_customers",
    # The demo has no customer located by city: the list is empty in every scope. It reads
    # through the same scoped query as without_location, which is checked below.
    "geo.quality.fix_lists.coarse_location",
}
HIDDEN_TERRITORY = "DIV5"
STATE = Filters(level="state")


@pytest.fixture(scope="module")
def store(
    demo_store: Store, demo_file_store: DuckDBStore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A copy of the demo with one saved segment on the hidden territory."""
    engine = "duckdb" if isinstance(demo_store, DuckDBStore) else "postgresql"
    with copy_of(demo_file_store, engine, tmp_path_factory.mktemp("scoped")) as copy:
        segment = Segment(Filters(level="territory", area_ids=(HIDDEN_TERRITORY,)), name="South")
        save_segment(copy, segment, "South")
        yield copy


@pytest.fixture(scope="module")
def hidden(store: Store) -> dict[str, Any]:
    """What the scope hides: the territory's customers (one with orders named) and areas."""
    customers = store.query(
        "SELECT a.customer_id, c.name FROM assignments a JOIN customers c "
        "ON c.customer_id = a.customer_id WHERE a.level = 'territory' AND a.area_id = ? "
        "AND a.location_status = 'in_area' ORDER BY a.customer_id",
        [HIDDEN_TERRITORY],
    )
    buyer = store.query(
        "SELECT min(o.customer_id) AS id FROM orders o JOIN assignments a "
        "ON a.customer_id = o.customer_id AND a.level = 'territory' AND a.area_id = ?",
        [HIDDEN_TERRITORY],
    )["id"].iloc[0]
    states = store.query("SELECT area_id FROM areas WHERE parent_id = ?", [HIDDEN_TERRITORY])
    counties = store.query(
        "SELECT area_id FROM areas WHERE parent_id IN "
        "(SELECT area_id FROM areas WHERE parent_id = ?)",
        [HIDDEN_TERRITORY],
    )
    # State and county IDs are numbers (FIPS codes): they are looked for as area IDs only.
    areas = [f"area:{a}" for a in [*states["area_id"], *counties["area_id"]]]
    ids = [*customers["customer_id"], HIDDEN_TERRITORY, *areas]
    territories = store.query("SELECT area_id FROM areas WHERE level = 'territory'")
    assert len(customers) > 100 and len(states) >= 3 and len(territories) == 9
    return {
        "buyer": str(buyer),
        "pattern": re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, ids)) + r")(?![\w-])"),
        "scope": Scope.of_areas(
            "territory", [t for t in territories["area_id"] if t != HIDDEN_TERRITORY]
        ),
    }


def read_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function of the query packages whose first parameter is the store."""
    packages = (geo.segments, geo.analytics, geo.maps, geo.present, geo.territories, geo.quality)
    for package in packages:
        for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for name, function in inspect.getmembers(module, inspect.isfunction):
                qualified = f"{info.name}.{name}"
                if function.__module__ != info.name or name.startswith("_"):
                    continue
                parameters = list(inspect.signature(function).parameters)
                if parameters[:1] == ["store"] and qualified not in NOT_READS:
                    yield qualified, function


#: Stands for the ID of a customer of the hidden territory who has orders.
BUYER = "<hidden buyer>"
#: How each read is called: its arguments after the store (BUYER where it takes a
#: customer), and whether hiding one territory must change its answer.
CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any], bool]] = {
    "geo.segments.selection.select_customers": ((Filters(),), {}, True),
    "geo.segments.selection.describe_filters": (
        (Filters(level="territory", area_ids=(HIDDEN_TERRITORY, "DIV1")),),
        {},
        True,
    ),
    "geo.segments.area_kpis.summarise_selection": ((Filters(),), {}, True),
    "geo.segments.area_kpis.compute_area_kpis": ((STATE,), {}, True),
    "geo.segments.saved.known_areas": ((), {}, True),
    "geo.segments.saved.known_for_links": ((frozenset({"customers"}),), {}, True),
    "geo.segments.saved.load_segment": (("South",), {}, True),
    "geo.segments.saved.open_saved_segment": (("South",), {}, True),
    "geo.segments.saved.list_segments": ((), {}, True),
    "geo.segments.saved.list_segment_names": ((), {}, True),
    "geo.analytics.area_metrics.area_metric_values": ((STATE, "customers"), {}, True),
    "geo.quality.fix_lists.without_location": ((), {}, True),
    "geo.quality.fix_lists.outside_areas": (("county",), {}, True),
    "geo.quality.fix_lists.duplicates": ((), {}, True),
    "geo.quality.fix_lists.areas_without_owner": ((), {}, False),
    "geo.quality.fix_lists.customers_without_sales": ((), {}, True),
    "geo.quality.fix_lists.fix_list": (("duplicates",), {}, True),
    "geo.quality.fix_lists.quality_counts": ((), {}, True),
    "geo.analytics.churn_backtest.backtest_churn": ((), {}, True),
    "geo.analytics.customer_card.customer_card": ((BUYER,), {}, True),
    "geo.analytics.customer_card.monthly_orders": ((BUYER,), {}, True),
    "geo.analytics.customer_search.search_customers": ((BUYER,), {}, True),
    "geo.analytics.figures.selection_figures": ((Filters(),), {}, True),
    "geo.analytics.figures.net_change_last_period": ((STATE, "quarter"), {}, True),
    "geo.analytics.flows.flows_over_time": ((Filters(), "quarter"), {}, True),
    "geo.analytics.flows.area_flows": ((STATE, "quarter", date(2026, 1, 1)), {}, True),
    "geo.analytics.flows.latest_complete_period": (("quarter",), {}, False),
    "geo.analytics.lookalikes.lookalike_profiles": ((STATE,), {}, True),
    "geo.analytics.lookalikes.lookalike_prospects": ((STATE,), {}, True),
    "geo.analytics.lookalikes.whitespace": ((STATE,), {}, True),
    "geo.analytics.place_finder.find_place": ((BUYER,), {}, True),
    "geo.analytics.place_finder.circle_around": ((BUYER, 10.0), {}, True),
    "geo.analytics.rfm_views.segment_summary": ((Filters(),), {}, True),
    "geo.analytics.rfm_views.rfm_grid": ((Filters(),), {}, True),
    "geo.analytics.rfm_views.risk_distribution": ((Filters(),), {}, True),
    "geo.analytics.rfm_views.top_at_risk": ((Filters(),), {}, True),
    "geo.analytics.rfm_views.area_scores": ((STATE,), {}, True),
    "geo.analytics.rfm_views.segments_by_area": ((STATE,), {}, True),
    "geo.analytics.rfm_views.scored_customers": ((Filters(),), {}, True),
    "geo.analytics.scores.compute_scores": ((), {}, True),
    "geo.analytics.scores.data_as_of": ((), {}, False),
    "geo.maps.point_cells.count_points_in_cells": (
        (Filters(), "customer", 4.0),
        {},
        True,
    ),
    "geo.maps.point_sample.sample_points": ((Filters(), "customer", 500), {}, True),
    "geo.present.deck.build_deck_content": (
        (Segment(STATE, name="All"),),
        {"level": "state", "on": date(2026, 12, 1)},
        True,
    ),
    "geo.present.target_list.build_target_list": (
        (Segment(Filters(), name="All"),),
        {"on": date(2026, 12, 1)},
        True,
    ),
    "geo.present.target_list.preview_selection": ((STATE,), {}, True),
    "geo.segments.selection.first_selected": ((STATE, 50), {}, True),
    "geo.segments.selection.selected_by_area_name": ((STATE,), {}, True),
    "geo.segments.selection.selected_by_owner": ((STATE,), {}, True),
    "geo.segments.selection.selected_of_owners": (
        (STATE, ["Riley Johnson", "Harper Kim"]),
        {"without_owner": True},
        True,
    ),
    "geo.present.contact_list.contact_plan": ((STATE, 50), {}, True),
    "geo.territories.unit_figures.unit_figures": (("state",), {}, True),
    "geo.territories.rebalance.propose_balance": (
        (BalanceAsk("state", "territory"),),
        {},
        True,
    ),
    "geo.territories.rebalance.units_holding": (("state", ("champions",), ()), {}, True),
    "geo.territories.scenarios.current_scenario": (("state", "territory"), {}, True),
    "geo.territories.scenario_figures.unit_base": (("state",), {}, True),
}
#: The store's own reads of customer data, with their arguments.
STORE_READS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "load_areas": (("state",), True),
    "area_names": (("county",), True),
    "named_areas": ((), True),
    # The hidden territory's rep also owns customers elsewhere: only no area hides them all.
    "owner_names": ((), False),
    "sales_date_range": ((), False),
    "customer_ids": ((), True),
}


def is_area_column(name: object) -> bool:
    # at_0, at_1 ...: a person's area at each level (the look-alike profiles).
    return isinstance(name, str) and (
        name.endswith("area_id") or name == "parent_id" or re.fullmatch(r"at_\d+", name) is not None
    )


def marked_areas(values: pd.Series | pd.Index) -> list[str]:
    return [f"area:{v}" for v in values]


def as_text(value: Any) -> str:
    """Everything a read returned, as text: frames in full (without geometry, area IDs
    marked ``area:``), fields of dataclasses, items of containers."""
    if isinstance(value, pd.DataFrame):
        frame = value.drop(columns=["geometry"], errors="ignore").copy()
        for column in [c for c in frame.columns if is_area_column(c)]:
            frame[column] = marked_areas(frame[column])
        if is_area_column(frame.index.name):
            frame.index = pd.Index(marked_areas(frame.index), name=frame.index.name)
        return frame.to_csv()
    if isinstance(value, pd.Index):
        return as_text(value.to_frame())
    if isinstance(value, pd.Series):
        return as_text(value.to_frame())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return "\n".join(as_text(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return "\n".join(f"{as_text(k)}: {as_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return "\n".join(as_text(v) for v in value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return repr(value)


def outcome(call: Callable[[], Any]) -> str:
    """What a call returned as text, or that it refused (no such customer or place)."""
    try:
        return as_text(call())
    except InputError:
        # The message repeats what was asked for (an ID typed by the user): not a leak.
        return "refused"


def test_every_read_is_called_here_and_takes_a_scope() -> None:
    found = dict(read_functions())
    assert set(found) == set(CALLS), (
        f"not called here: {sorted(set(found) - set(CALLS))}; "
        f"gone: {sorted(set(CALLS) - set(found))}"
    )
    for qualified, function in found.items():
        parameter = inspect.signature(function).parameters.get("scope")
        assert parameter is not None, f"{qualified} takes no scope"
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, qualified
        assert parameter.default == EVERYTHING, qualified


@pytest.mark.parametrize("qualified", sorted(CALLS))
def test_a_read_keeps_to_its_scope(qualified: str, store: Store, hidden: dict[str, Any]) -> None:
    function = dict(read_functions())[qualified]
    arguments, keywords, hiding_changes_it = CALLS[qualified]
    args = tuple(hidden["buyer"] if a is BUYER else a for a in arguments)

    def run(scope: Scope) -> str:
        return outcome(lambda: function(store, *args, **keywords, scope=scope))

    everything, scoped = run(EVERYTHING), run(hidden["scope"])
    leaked = hidden["pattern"].search(scoped)
    assert leaked is None, f"{qualified} shows {leaked.group(0)} of the hidden territory"
    if hiding_changes_it:
        assert scoped != everything, f"{qualified} ignores the scope"
    else:
        assert run(Scope.of_areas("territory", [])) != everything, qualified


@pytest.mark.parametrize("method", sorted(STORE_READS))
def test_the_stores_own_reads_keep_to_their_scope(
    method: str, store: Store, hidden: dict[str, Any]
) -> None:
    args, hiding_changes_it = STORE_READS[method]
    read = getattr(store, method)
    everything = outcome(lambda: read(*args))
    scoped = outcome(lambda: read(*args, scope=hidden["scope"]))
    leaked = hidden["pattern"].search(scoped)
    assert leaked is None, f"Store.{method} shows {leaked.group(0)} of the hidden territory"
    if hiding_changes_it:
        assert scoped != everything
    else:
        assert outcome(lambda: read(*args, scope=Scope.of_areas("territory", []))) != everything


def test_a_hidden_customer_is_not_found_by_id_search_card_or_place(
    store: Store, hidden: dict[str, Any]
) -> None:
    from geo.analytics.customer_card import customer_card
    from geo.analytics.customer_search import search_customers

    buyer, scope = hidden["buyer"], hidden["scope"]
    assert buyer in set(search_customers(store, buyer)["customer_id"])
    assert search_customers(store, buyer, scope=scope).empty
    assert customer_card(store, buyer).record["customer_id"] == buyer
    with pytest.raises(InputError, match="no customer"):
        customer_card(store, buyer, scope=scope)


_FLOAT = re.compile(r"-?\d+\.\d+")
_ROW_NUMBER = re.compile(r"^\d+,")


def same_rows(text: str) -> list[str]:
    """A read's text compared as rows: in any order (a read without ORDER BY), numbers to
    six decimals (a parallel sum adds in any order), without a row number."""
    rounded = _FLOAT.sub(lambda m: f"{float(m.group(0)):.6f}", text)
    return sorted(_ROW_NUMBER.sub("", line) for line in rounded.splitlines())


@pytest.mark.parametrize("qualified", sorted(CALLS))
def test_a_store_bound_to_a_scope_gives_every_read_that_scope_and_no_wider(
    qualified: str, store: Store, hidden: dict[str, Any]
) -> None:
    """What the app does: it hands pages only the store bound to the user's scope, and no
    scope a caller passes (everything, by default) widens it."""
    function = dict(read_functions())[qualified]
    arguments, keywords, _ = CALLS[qualified]
    args = tuple(hidden["buyer"] if a is BUYER else a for a in arguments)
    bound = store.within(hidden["scope"])
    assert bound.scope == hidden["scope"] and store.scope == EVERYTHING
    expected = same_rows(outcome(lambda: function(store, *args, **keywords, scope=hidden["scope"])))
    assert same_rows(outcome(lambda: function(bound, *args, **keywords))) == expected, qualified
    widened = same_rows(outcome(lambda: function(bound, *args, **keywords, scope=EVERYTHING)))
    assert widened == expected, f"{qualified} was widened by passing everything"


@pytest.mark.parametrize("method", sorted(STORE_READS))
def test_a_bound_stores_own_reads_keep_to_its_scope(
    method: str, store: Store, hidden: dict[str, Any]
) -> None:
    args, _ = STORE_READS[method]
    bound = store.within(hidden["scope"])
    expected = outcome(lambda: getattr(store, method)(*args, scope=hidden["scope"]))
    assert outcome(lambda: getattr(bound, method)(*args)) == expected
    assert outcome(lambda: getattr(bound, method)(*args, scope=EVERYTHING)) == expected
    # Raw SQL through the bound store: the same narrowing, whatever the query says.
    assert bound.scalar("SELECT count(*) FROM customers") == store.scalar(
        "SELECT count(*) FROM customers", scope=hidden["scope"]
    )
    with bound.snapshot() as reader:
        assert reader.scope == hidden["scope"]
        assert reader.scalar("SELECT count(*) FROM rollup_state") == 0
