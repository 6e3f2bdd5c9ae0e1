"""The figures that judge an alignment (units -> territories): balance, compactness,
contiguity and disruption.

- **Balance index** = 100 x (1 - coefficient of variation) of the territories' loads (the
  population standard deviation over the mean), floored at 0: 100 is perfect balance, 90
  means the loads vary by 10% of the mean. Beside it, the largest load over the smallest.
- **Compactness** (Polsby-Popper) of a territory = 4 pi area / perimeter^2 of the union of
  its units, measured in a Lambert azimuthal equal-area projection centred on the units: 1
  for a disc, about 0.79 for a square, near 0 for a long thin shape.
- **Contiguity**: how many parts a territory falls into on the unit graph (with its bridges
  across water, see :mod:`geo.territories.unit_graph`); 1 is contiguous.
- **Disruption**: the accounts and revenue whose territory changes between two alignments,
  in all and per owner (the rep who held the unit before).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.territories.unit_graph import UnitGraph


def balance_index(loads: Sequence[float] | np.ndarray) -> float:
    """100 x (1 - coefficient of variation) of ``loads``, floored at 0 (100 when all equal)."""
    values = np.asarray(loads, dtype="float64")
    mean = values.mean() if len(values) else 0.0
    if mean <= 0:
        return 100.0 if not values.any() else 0.0
    return float(max(0.0, 100.0 * (1.0 - values.std() / mean)))


def max_min_ratio(loads: Sequence[float] | np.ndarray) -> float:
    """The largest load over the smallest (infinite when the smallest is 0)."""
    values = np.asarray(loads, dtype="float64")
    low = values.min()
    return float("inf") if low <= 0 else float(values.max() / low)


def equal_area_crs(units: gpd.GeoDataFrame) -> str:
    """A Lambert azimuthal equal-area projection centred on the units' bounding box."""
    west, south, east, north = units.to_crs("EPSG:4326").total_bounds
    return f"+proj=laea +lat_0={(south + north) / 2:.4f} +lon_0={(west + east) / 2:.4f} +units=m"


def polsby_popper(units: gpd.GeoDataFrame, territory_of: Mapping[str, str]) -> pd.Series:
    """Per territory, 4 pi area / perimeter^2 of the union of its units (``units``: area_id
    and geometry in EPSG:4326; ``territory_of``: unit area_id -> territory)."""
    projected = units.to_crs(equal_area_crs(units))
    territory = projected["area_id"].map(territory_of)
    merged = projected.assign(territory=territory).dropna(subset=["territory"])
    shapes = merged.dissolve("territory").geometry
    area, perimeter = shapely.area(shapes.values), shapely.length(shapes.values)
    score = np.where(perimeter > 0, 4 * np.pi * area / np.maximum(perimeter, 1e-12) ** 2, 0.0)
    return pd.Series(score, index=shapes.index, name="polsby_popper")


def territory_parts(graph: UnitGraph, territory_of: Sequence[str]) -> dict[str, int]:
    """Per territory, how many connected parts its units make on ``graph``
    (``territory_of``: the territory of each unit, by position)."""
    parts: dict[str, int] = {}
    seen = np.zeros(len(graph), dtype=bool)
    for start in range(len(graph)):
        if seen[start]:
            continue
        territory = territory_of[start]
        parts[territory] = parts.get(territory, 0) + 1
        stack = [start]
        seen[start] = True
        while stack:
            unit = stack.pop()
            for near in graph.neighbours[unit]:
                if not seen[near] and territory_of[near] == territory:
                    seen[near] = True
                    stack.append(near)
    return parts


def disruption(
    before: Mapping[str, str],
    after: Mapping[str, str],
    unit_figures: pd.DataFrame,
    owner_of: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Accounts and revenue that change territory from ``before`` to ``after`` (unit ->
    territory), per owner of the territory they leave (``owner_of``: territory -> rep; the
    territory itself where it has none), with a row ``all``.

    ``unit_figures``: indexed by unit area_id, columns ``accounts`` and ``revenue``.
    Columns: owner, units, accounts, revenue, share_of_accounts, share_of_revenue.
    """
    owners = owner_of or {}
    moved = [u for u in unit_figures.index if before.get(u) != after.get(u)]
    frame = unit_figures.loc[moved, ["accounts", "revenue"]].copy()
    frame["owner"] = [owners.get(before.get(u, ""), None) or before.get(u, "-") for u in moved]
    per_owner = frame.groupby("owner").agg(
        units=("accounts", "size"), accounts=("accounts", "sum"), revenue=("revenue", "sum")
    )
    per_owner.loc["all"] = [len(moved), frame["accounts"].sum(), frame["revenue"].sum()]
    total_accounts = float(unit_figures["accounts"].sum())
    total_revenue = float(unit_figures["revenue"].sum())
    per_owner["share_of_accounts"] = (
        per_owner["accounts"] / total_accounts if total_accounts else 0.0
    )
    per_owner["share_of_revenue"] = per_owner["revenue"] / total_revenue if total_revenue else 0.0
    return per_owner.reset_index()


@dataclass(frozen=True)
class UnitShapes:
    """What compactness needs of each unit, measured once in an equal-area projection:
    area (m²), perimeter (m), and the length (m) of the border each pair of units shares
    (positions ``left`` < ``right``). A territory's area is then the sum of its units', and
    its perimeter the sum of theirs less twice every border shared inside it: the union's,
    without drawing the union (for units that do not overlap)."""

    area: np.ndarray
    perimeter: np.ndarray
    left: np.ndarray
    right: np.ndarray
    shared: np.ndarray

    @classmethod
    def of(cls, units: gpd.GeoDataFrame) -> UnitShapes:
        projected = units.to_crs(equal_area_crs(units)).geometry.to_numpy()
        tree = shapely.STRtree(projected)
        left, right = tree.query(projected, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        boundaries = shapely.boundary(projected)
        shared = shapely.length(shapely.intersection(boundaries[left], boundaries[right]))
        touching = shared > 0
        return cls(
            shapely.area(projected),
            shapely.length(projected),
            left[touching],
            right[touching],
            shared[touching],
        )

    def polsby_popper(self, territory_of: Sequence[str]) -> pd.Series:
        """Per territory (``territory_of``: each unit's, by position), 4 pi area /
        perimeter^2 of its units together."""
        labels = pd.Index(sorted(set(territory_of)))
        codes = labels.get_indexer(pd.Index(list(territory_of)))
        area = np.bincount(codes, weights=self.area, minlength=len(labels))
        perimeter = np.bincount(codes, weights=self.perimeter, minlength=len(labels))
        inside = codes[self.left] == codes[self.right]
        perimeter -= 2 * np.bincount(
            codes[self.left][inside], weights=self.shared[inside], minlength=len(labels)
        )
        score = np.where(perimeter > 0, 4 * np.pi * area / np.maximum(perimeter, 1e-12) ** 2, 0.0)
        return pd.Series(score, index=labels, name="polsby_popper")
