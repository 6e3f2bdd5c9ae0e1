"""Balancing: moving units between territories until their loads are within a tolerance of
the mean, disturbing the current alignment as little as possible.

The load of a unit is any non-negative figure (customers, sales, prospects, workload, or a
weighted mix of them). Starting from an alignment
(the current one, "respect previous", or a fresh split of the units into N territories), a
local search moves one unit at a time from a territory to a neighbouring one:

- the move must lower the sum of squared deviations of the loads from the mean, so load
  flows down the gradient, through middle territories where needed;
- among such moves the one that lowers it most wins, ties going to the move of fewer
  accounts (then the lower unit position), so the answer is deterministic;
- a locked unit never moves, a locked territory neither gives nor takes;
- with contiguity required, a unit moves only to a territory it touches and only when its
  territory stays in one piece without it (it is not an articulation point of its
  territory's units), so a contiguous alignment stays contiguous;
- the accounts that change territory (counted against the starting alignment; a unit moved
  back stops counting) stay within ``max_moved_share`` of all accounts.

It stops when every territory is within ``tolerance`` of the mean, when no move improves
the balance, or when the budget of moved accounts is spent.

Why a local search and not a library's sampler: gerrychain's ReCom merges two districts
and re-splits them at every step, a good way to draw many plans and a poor one to disturb
one plan least; graph partitioners (METIS) split from scratch. Both ignore locks and a
budget of moved accounts. A fresh split into N territories is where METIS fits: it is
what :func:`fresh_alignment` uses (pymetis, contiguous parts, loads as vertex weights), and
the same local search then brings every territory within the tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from geo.territories.unit_graph import UnitGraph

#: What one more border link costs a move, against a fall in squared deviations as large
#: as moving an average unit between territories a whole mean territory apart.
COMPACTNESS_WEIGHT = 0.05


@dataclass(frozen=True)
class BalanceRules:
    """What the balancing must respect (positions are units' positions in the graph)."""

    tolerance: float = 0.05
    contiguous: bool = True
    locked_units: frozenset[int] = frozenset()
    locked_territories: frozenset[int] = frozenset()
    #: The most accounts that may change territory, as a share of all accounts (None: any).
    max_moved_share: float | None = None
    #: A bound on the moves tried, so that a run always ends.
    max_moves: int = 100_000


@dataclass
class BalanceResult:
    """The alignment found (territory number of each unit) and how the search ended."""

    territory_of: np.ndarray
    moves: int
    reason: str
    moved_units: list[int] = field(default_factory=list)

    def loads(self, unit_loads: np.ndarray, territories: int) -> np.ndarray:
        return np.bincount(self.territory_of, weights=unit_loads, minlength=territories)


class _Search:
    """The state of one balancing run."""

    def __init__(
        self,
        units: UnitGraph,
        loads: np.ndarray,
        accounts: np.ndarray,
        start: np.ndarray,
        territories: int,
        rules: BalanceRules,
    ) -> None:
        self.units, self.rules, self.k = units, rules, territories
        self.loads = np.asarray(loads, dtype="float64")
        # Units of no load weigh a millionth of an average unit in the search: moving one
        # downhill then lowers the squared deviations a little, so that a band of empty
        # units between a heavy and a light territory is crossed rather than a dead end.
        positive = self.loads[self.loads > 0]
        self.weights = self.loads + 1e-6 * (positive.mean() if len(positive) else 1.0)
        self.accounts = np.asarray(accounts, dtype="float64")
        self.start = np.asarray(start, dtype="int64").copy()
        self.now = self.start.copy()
        self.totals = np.bincount(self.now, weights=self.weights, minlength=territories)
        self.target = self.totals.sum() / territories
        self.real_totals = np.bincount(self.now, weights=self.loads, minlength=territories)
        self.mean_weight = float(self.weights.mean()) if len(self.weights) else 1.0
        self.real_target = self.real_totals.sum() / territories
        total_accounts = self.accounts.sum()
        self.budget = (
            np.inf
            if rules.max_moved_share is None
            else rules.max_moved_share * total_accounts + 1e-9
        )
        self.moved_accounts = 0.0
        # Every link in both directions (unit, neighbour): the moves to neighbours.
        edges = np.array(units.edges(), dtype="int64").reshape(-1, 2)
        self.directed = np.concatenate([edges, edges[:, ::-1]])

    def same_territory_neighbours(self) -> np.ndarray:
        """Per unit, how many of its neighbours share its territory."""
        u, v = self.directed[:, 0], self.directed[:, 1]
        same = self.now[u] == self.now[v]
        return np.bincount(u[same], minlength=len(self.units))

    def _splits_without(self, unit: int) -> bool:
        """Whether ``unit``'s territory falls apart without it: a search from one of its
        neighbours in the territory, not through it, that stops as soon as it has reached
        all of them (usually within a few steps)."""
        territory = self.now[unit]
        near = [n for n in self.units.neighbours[unit] if self.now[n] == territory]
        if len(near) <= 1:
            return False
        wanted = set(near[1:])
        seen = {unit, near[0]}
        stack = [near[0]]
        while stack and wanted:
            for n in self.units.neighbours[stack.pop()]:
                if n not in seen and self.now[n] == territory:
                    seen.add(n)
                    wanted.discard(n)
                    stack.append(n)
        return bool(wanted)

    def balanced(self) -> bool:
        if self.real_target <= 0:
            return True
        spread = np.abs(self.real_totals - self.real_target).max()
        return bool(spread <= self.rules.tolerance * self.real_target)

    def _may_leave(self, unit: int, territory: int) -> bool:
        if unit in self.rules.locked_units or territory in self.rules.locked_territories:
            return False
        if np.count_nonzero(self.now == territory) <= 1:
            return False  # a territory is never emptied
        return not (self.rules.contiguous and self._splits_without(unit))

    def _moved_after(self, unit: int, to: int) -> float:
        """The accounts moved from the start if ``unit`` went to ``to``."""
        was_moved = self.now[unit] != self.start[unit]
        will_be_moved = to != self.start[unit]
        return self.moved_accounts + self.accounts[unit] * (int(will_be_moved) - int(was_moved))

    def best_move(self) -> tuple[int, int] | None:
        """The move (unit, to territory) that lowers the squared deviations most, if any."""
        deviation = self.totals - self.target
        if self.rules.contiguous:
            unit, to = self.directed[:, 0], self.now[self.directed[:, 1]]
        else:
            n = len(self.units)
            unit = np.repeat(np.arange(n), self.k)
            to = np.tile(np.arange(self.k), n)
        here = self.now[unit]
        weight = self.weights[unit]
        # Change of the sum of squared deviations: 2w((d_to - d_here) + w).
        change = 2 * weight * ((deviation[to] - deviation[here]) + weight)
        keep = (here != to) & (deviation[here] > 0) & (change < 0)
        if self.rules.locked_territories:
            locked = np.array(sorted(self.rules.locked_territories))
            keep &= ~np.isin(to, locked) & ~np.isin(here, locked)
        unit, to, change = unit[keep], to[keep], change[keep]
        # How many of its neighbours the unit would join (a unit is listed once per
        # neighbour in that territory) and leave: the links that stop or start crossing a
        # border. Fewer borders keep the shapes compact.
        pair = unit * self.k + to
        _, inverse, touching = np.unique(pair, return_inverse=True, return_counts=True)
        if self.rules.contiguous:
            joined = touching[inverse].astype("float64")
            left = self.same_territory_neighbours()[unit].astype("float64")
        else:
            joined = left = np.zeros(len(pair))
        # Best first: the largest fall in squared deviations (in units of an average unit's
        # load times the mean territory's) plus COMPACTNESS_WEIGHT per border link added,
        # then the fewest accounts, then the lowest positions. Only moves that improve the
        # balance are made, so the search ends.
        scale = 2 * max(self.mean_weight * self.target, 1e-12)
        score = change / scale + COMPACTNESS_WEIGHT * (left - joined)
        order = np.lexsort((to, unit, self.accounts[unit], score))
        tried: set[tuple[int, int]] = set()
        for i in order:
            move = (int(unit[i]), int(to[i]))
            if move in tried:
                continue
            tried.add(move)
            if not self._may_leave(move[0], int(self.now[move[0]])):
                continue
            if self._moved_after(*move) > self.budget:
                continue
            return move
        return None

    def apply(self, unit: int, to: int) -> None:
        here = int(self.now[unit])
        self.moved_accounts = self._moved_after(unit, to)
        self.now[unit] = to
        self.totals[here] -= self.weights[unit]
        self.totals[to] += self.weights[unit]
        self.real_totals[here] -= self.loads[unit]
        self.real_totals[to] += self.loads[unit]


def balance(
    units: UnitGraph,
    loads: Sequence[float] | np.ndarray,
    start: Sequence[int] | np.ndarray,
    territories: int,
    *,
    accounts: Sequence[float] | np.ndarray | None = None,
    rules: BalanceRules | None = None,
) -> BalanceResult:
    """Balance the alignment ``start`` (territory number 0..territories-1 of each unit, by
    position) on ``loads`` (one per unit); ``accounts`` (one per unit, default the loads)
    count the disruption budget. See the module docstring for the rules of a move."""
    rules = rules or BalanceRules()
    loads_array = np.asarray(loads, dtype="float64")
    search = _Search(
        units,
        loads_array,
        loads_array if accounts is None else np.asarray(accounts, dtype="float64"),
        np.asarray(start),
        territories,
        rules,
    )
    moved: list[int] = []
    reason = "balanced"
    while not search.balanced():
        if len(moved) >= rules.max_moves:
            reason = "move limit reached"
            break
        move = search.best_move()
        if move is None:
            reason = (
                "budget of moved accounts spent"
                if search.moved_accounts > 0 and rules.max_moved_share is not None
                else "no move improves the balance"
            )
            break
        search.apply(*move)
        moved.append(move[0])
    return BalanceResult(search.now, len(moved), reason, moved)


#: Loads are given to METIS as whole numbers: this many per average unit's load.
METIS_LOAD_SCALE = 1_000


def fresh_alignment(
    units: UnitGraph, loads: Sequence[float] | np.ndarray, territories: int
) -> np.ndarray:
    """A first split of the units into ``territories`` of about equal load, each in one
    piece: METIS's multilevel k-way partition of the unit graph with the loads as vertex
    weights, asked for contiguous parts (the graph is connected, bridges included). The
    local search (:func:`balance`) then brings every territory within the tolerance.
    Deterministic: METIS runs with a fixed seed."""
    import pymetis

    weights = np.asarray(loads, dtype="float64")
    territories = min(territories, len(units))
    if territories <= 1:
        return np.zeros(len(units), dtype="int64")
    mean = weights[weights > 0].mean() if (weights > 0).any() else 1.0
    # Zero-load units weigh 1: METIS wants positive weights, and one in a thousand of an
    # average unit changes no balance.
    scaled = np.maximum(1, np.rint(weights / mean * METIS_LOAD_SCALE)).astype("int64")
    options = pymetis.Options(seed=1, contig=1)
    _, parts = pymetis.part_graph(
        territories,
        adjacency=[list(n) for n in units.neighbours],
        vweights=scaled.tolist(),
        options=options,
    )
    return np.asarray(parts, dtype="int64")
