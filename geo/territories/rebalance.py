"""A balancing proposal for the stored areas: each unit's current territory, the balance
found, and the figures before and after, per territory and in all.

The current territory of a unit is the territory area that holds the unit's representative
point (a point inside it, shapely's ``point_on_surface``), by the same exact assignment as
customers get; a unit in no territory belongs to the nearest one. A fresh split into N
territories is named after the current territories it shares most customers with (one
each, the largest overlaps first), so its disruption is counted against what reps hold now.
The proposal changes nothing stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from geo.store.dialect import placeholders
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope
from geo.territories.alignment_figures import (
    UnitShapes,
    balance_index,
    disruption,
    max_min_ratio,
    territory_parts,
)
from geo.territories.balancing import BalanceResult, BalanceRules, balance, fresh_alignment
from geo.territories.scenarios import Scenario, current_territories
from geo.territories.unit_figures import MINUTES_PER_CONTACT, UNIT_FIGURES, unit_figures
from geo.territories.unit_graph import UnitGraph, unit_graph
from geo.territories.what_if import Alignment, compare


@dataclass(frozen=True)
class BalanceAsk:
    """What to balance: units of ``unit_level`` in the territories of ``territory_level``,
    on ``weights`` (figure -> weight; each figure is divided by its total first, so a mix
    of customers and dollars weighs shares), ``territories`` new ones instead of the
    current ones when given."""

    unit_level: str
    territory_level: str
    weights: tuple[tuple[str, float], ...] = (("customers", 1.0),)
    territories: int | None = None
    rules: BalanceRules = field(default_factory=BalanceRules)
    minutes_per_contact: float = MINUTES_PER_CONTACT
    locked_unit_ids: tuple[str, ...] = ()
    locked_territory_ids: tuple[str, ...] = ()
    #: Keep with their current territory (and rep) every unit holding a customer of these
    #: RFM segments or churn-risk bands: relationships the balancing must not break.
    keep_segments: tuple[str, ...] = ()
    keep_risk_bands: tuple[str, ...] = ()


@dataclass(frozen=True)
class BalanceProposal:
    """The units with their figures and their territory before and after (``units``),
    the per-territory figures before and after (``territories``), the judging figures
    (``summary``: one row per alignment, before and after) and the disruption."""

    units: pd.DataFrame
    territories: pd.DataFrame
    summary: pd.DataFrame
    disruption: pd.DataFrame
    result: BalanceResult
    graph: UnitGraph
    #: The units locked because they hold a customer of the kept segments or risk bands.
    kept_units: tuple[str, ...] = ()

    @property
    def moved(self) -> pd.DataFrame:
        return self.units[self.units["before"] != self.units["after"]]


def _names_of_fresh(
    fresh: np.ndarray, current: np.ndarray | None, accounts: np.ndarray
) -> list[str]:
    """A name for each territory of a fresh split: the current territory it shares most
    accounts with (each used once, largest overlaps first; ties by names), else T1, T2 ..."""
    count = int(fresh.max()) + 1
    names: list[str | None] = [None] * count
    if current is not None:
        overlap = pd.DataFrame({"fresh": fresh, "current": current.astype(str), "n": accounts})
        pairs = overlap.groupby(["fresh", "current"])["n"].sum().reset_index()
        pairs = pairs.sort_values(["n", "current"], ascending=[False, True], kind="stable")
        taken: set[str] = set()
        for part, name, shared in zip(
            pairs["fresh"].tolist(), pairs["current"].tolist(), pairs["n"].tolist(), strict=True
        ):
            if names[part] is None and name not in taken and shared > 0:
                names[part] = name
                taken.add(name)
    spare = (f"T{i}" for i in range(1, 10 * count) if f"T{i}" not in names)
    return [name if name is not None else next(spare) for name in names]


def units_holding(
    store: Store,
    unit_level: str,
    segments: tuple[str, ...],
    risk_bands: tuple[str, ...],
    *,
    scope: Scope = EVERYTHING,
) -> tuple[str, ...]:
    """The units of ``unit_level`` holding at least one customer (located in them) of
    ``segments`` or ``risk_bands``, by area_id."""
    if not segments and not risk_bands:
        return ()
    conditions, params = [], [unit_level]
    if segments:
        conditions.append(f"sc.segment IN ({placeholders(segments)})")
        params.extend(segments)
    if risk_bands:
        conditions.append(f"sc.risk_band IN ({placeholders(risk_bands)})")
        params.extend(risk_bands)
    found = store.query(
        "SELECT DISTINCT a.area_id FROM customer_scores sc JOIN assignments a "
        "ON a.customer_id = sc.customer_id AND a.level = ? AND a.location_status = 'in_area' "
        f"WHERE {' OR '.join(conditions)} ORDER BY a.area_id",
        params,
        scope=scope,
    )
    return tuple(found["area_id"].astype(str))


def unit_load(figures: pd.DataFrame, weights: tuple[tuple[str, float], ...]) -> np.ndarray:
    """Each unit's load: the weighted sum of its figures, each as a share of its total."""
    load = np.zeros(len(figures))
    for figure, weight in weights:
        if figure not in UNIT_FIGURES:
            raise ValueError(f"unknown figure {figure!r}: use one of {', '.join(UNIT_FIGURES)}")
        column = figures[figure].to_numpy("float64")
        total = column.sum()
        if total > 0:
            load += weight * column / total
    return load


def _summary(
    name: str,
    loads: np.ndarray,
    compactness: pd.Series,
    parts: dict[str, int],
) -> dict[str, object]:
    return {
        "alignment": name,
        "balance_index": round(balance_index(loads), 1),
        "max_min_ratio": round(max_min_ratio(loads), 3),
        "mean_polsby_popper": round(float(compactness.mean()), 3),
        "min_polsby_popper": round(float(compactness.min()), 3),
        "territories_in_pieces": sum(1 for p in parts.values() if p > 1),
    }


def propose_balance(store: Store, ask: BalanceAsk, *, scope: Scope = EVERYTHING) -> BalanceProposal:
    """Balance the stored alignment as ``ask`` says; nothing is written."""
    areas = store.load_areas(ask.unit_level, scope=scope)
    units = areas.sort_values("area_id", kind="stable").reset_index(drop=True)
    if units.empty:
        raise ValueError(f"there are no areas of level {ask.unit_level!r} to build from")
    figures = unit_figures(
        store, ask.unit_level, minutes_per_contact=ask.minutes_per_contact, scope=scope
    ).reindex(units["area_id"])
    figures[list(UNIT_FIGURES)] = figures[list(UNIT_FIGURES)].fillna(0)
    graph = unit_graph(units)
    load = unit_load(figures, ask.weights)
    territory_areas = store.load_areas(ask.territory_level, scope=scope)
    current = current_territories(units, territory_areas) if not territory_areas.empty else None
    if ask.territories:
        fresh = fresh_alignment(graph, load, ask.territories)
        names = _names_of_fresh(fresh, current, figures["customers"].to_numpy("float64"))
        start = fresh
        if current is None:
            current = np.array([names[t] for t in fresh], dtype=object)
    else:
        if current is None:
            raise ValueError(f"there are no areas of level {ask.territory_level!r} to balance")
        names = sorted({str(t) for t in current})
        start = np.array([names.index(str(t)) for t in current], dtype="int64")
    position = graph.position_of()
    kept = units_holding(store, ask.unit_level, ask.keep_segments, ask.keep_risk_bands, scope=scope)
    kept = tuple(u for u in kept if u in position and u not in ask.locked_unit_ids)
    unknown_units = [u for u in ask.locked_unit_ids if u not in position]
    unknown_territories = [t for t in ask.locked_territory_ids if t not in names]
    if unknown_units or unknown_territories:
        what = (
            f"unit {unknown_units[0]!r} of level {ask.unit_level!r}"
            if unknown_units
            else f"territory {unknown_territories[0]!r}"
        )
        raise ValueError(f"cannot lock {what}: there is no such area to balance")
    rules = replace(
        ask.rules,
        locked_units=frozenset(position[u] for u in (*ask.locked_unit_ids, *kept)),
        locked_territories=frozenset(names.index(t) for t in ask.locked_territory_ids),
    )
    result = balance(
        graph,
        load,
        start,
        len(names),
        accounts=figures["customers"].to_numpy("float64"),
        rules=rules,
    )
    table = units[["area_id", "name"]].copy()
    table["before"] = [str(t) for t in current]
    table["after"] = [names[t] for t in result.territory_of]
    table["load"] = load
    for column in UNIT_FIGURES:
        table[column] = figures[column].to_numpy()
    figures_by_unit = table.set_index("area_id")[["load", *UNIT_FIGURES]]
    territories = compare(
        Alignment(figures_by_unit.assign(territory=list(table["before"]))),
        Alignment(figures_by_unit.assign(territory=list(table["after"]))),
    )
    owners = dict(zip(territory_areas["area_id"], territory_areas["owner"], strict=True))
    by_id = table.set_index("area_id")
    changed = disruption(
        by_id["before"].to_dict(),
        by_id["after"].to_dict(),
        by_id[["customers", "sales_amount"]].rename(
            columns={"customers": "accounts", "sales_amount": "revenue"}
        ),
        owners,
    )
    # Compactness from the units' shared borders, as the what-if figures measure it.
    shapes = UnitShapes.of(units)
    summary = pd.DataFrame(
        [
            _summary(
                "before",
                territories["load_before"].to_numpy(),
                shapes.polsby_popper(list(table["before"])),
                territory_parts(graph, list(table["before"])),
            ),
            _summary(
                "after",
                territories["load_after"].to_numpy(),
                shapes.polsby_popper(list(table["after"])),
                territory_parts(graph, list(table["after"])),
            ),
        ]
    ).set_index("alignment")
    return BalanceProposal(
        table, territories.reset_index(), summary, changed, result, graph, kept_units=kept
    )


def proposal_scenario(proposal: BalanceProposal, current: Scenario) -> Scenario:
    """The proposal as an unsaved scenario: each unit in its proposed territory, the
    current territories keeping their names and owners (a new one is named by its ID,
    with no owner until one is given)."""
    territory_of = dict(
        zip(proposal.units["area_id"].astype(str), proposal.units["after"].astype(str), strict=True)
    )
    listing = current.territories.reindex(sorted(set(territory_of.values())))
    listing["name"] = listing["name"].fillna(pd.Series(listing.index, index=listing.index))
    listing = listing.astype(object).where(listing.notna(), None)
    return Scenario(current.unit_level, current.territory_level, territory_of, listing)
