"""What-if moves: an alignment held as each unit's figures and territory, a move of units
to another territory, and the territories' figures before and after.

Everything is a sum over units (a few thousand rows whatever the number of customers, as
the unit figures are counted once by the database), so a move answers in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from geo.territories.alignment_figures import balance_index, max_min_ratio


@dataclass(frozen=True)
class Alignment:
    """Units by area_id (the index) with a ``territory`` column and figure columns (any
    number, e.g. :data:`geo.territories.unit_figures.UNIT_FIGURES` and a ``load``)."""

    units: pd.DataFrame

    @property
    def figures(self) -> list[str]:
        return [c for c in self.units.columns if c not in ("territory", "name", "owner")]

    def territory_of(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.units["territory"].items()}

    def moved(self, unit_ids: Iterable[str], to: str) -> Alignment:
        """This alignment with ``unit_ids`` in territory ``to`` (a new territory if it is
        not one yet); an unknown unit is refused."""
        chosen = list(dict.fromkeys(unit_ids))
        unknown = [u for u in chosen if u not in self.units.index]
        if unknown:
            raise ValueError(f"no unit {unknown[0]!r} in this alignment")
        units = self.units.copy()
        units.loc[chosen, "territory"] = to
        return Alignment(units)

    def totals(self) -> pd.DataFrame:
        """Per territory (index): units, then the sum of each figure."""
        grouped = self.units.groupby("territory")
        table = grouped[self.figures].sum()
        table.insert(0, "units", grouped.size())
        return table

    def balance(self, figure: str) -> dict[str, float]:
        """Balance index and largest over smallest of the territories' ``figure``."""
        loads = self.totals()[figure].to_numpy("float64")
        return {"balance_index": balance_index(loads), "max_min_ratio": max_min_ratio(loads)}


def compare(before: Alignment, after: Alignment) -> pd.DataFrame:
    """Per territory (every one of either alignment): each figure before, after and the
    change, as columns ``{figure}_before``, ``{figure}_after``, ``{figure}_change``."""
    first, second = before.totals(), after.totals()
    territories = first.index.union(second.index)
    first = first.reindex(territories, fill_value=0)
    second = second.reindex(territories, fill_value=0)
    columns = {}
    for figure in first.columns:
        columns[f"{figure}_before"] = first[figure]
        columns[f"{figure}_after"] = second[figure]
        columns[f"{figure}_change"] = second[figure] - first[figure]
    table = pd.DataFrame(columns, index=territories)
    table.index.name = "territory"
    return table
