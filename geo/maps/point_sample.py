"""The customers the map draws one by one: a seeded, stable sample of the selection's points.

Points are WGS84 lon/lat degrees. Above :data:`MAP_POINT_LIMIT` the map shows counts per cell
(:mod:`geo.maps.point_cells`); the sample is the same for the same selection on every run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from geo.segments.filters import Filters
from geo.segments.selection import selection_sql
from geo.store.protocol import Store, StoreReader
from geo.store.scope import EVERYTHING, Scope

#: Points sent to the map per layer at most; beyond it the map shows a seeded sample and
#: says "showing N of M" (keeps the page under 3 MB whatever the customer count).
MAP_POINT_LIMIT = 20_000


@dataclass(frozen=True)
class PointSample:
    """Located customers of one kind for the map: WGS84 degrees, at most ``limit`` of them.

    ``total`` is how many matched; when it exceeds the number shown, the map says
    "showing N of M". The sample is seeded, so the same filters show the same points.
    """

    lat: np.ndarray
    lon: np.ndarray
    labels: list[str]
    total: int
    categories: list[str] | None = None

    @property
    def shown(self) -> int:
        return len(self.lat)


def located_points_sql(
    filters: Filters, kind: str, colour_by: str | None = None
) -> tuple[str, list[Any]]:
    """SQL (and parameters) of the located customers of ``kind`` in the selection: columns
    customer_id, lat, lon (WGS84 degrees), name and category (``colour_by``, a column
    ``rfm_segment`` or ``churn_risk_band``; NULL without it). The map's sample and its
    counted cells both read it, so they always hold the same customers."""
    category = "CAST(NULL AS VARCHAR)"
    if colour_by is not None:
        if colour_by not in ("rfm_segment", "churn_risk_band"):
            raise ValueError(f"cannot colour points by {colour_by!r}")
        category = colour_by
    if filters.narrows_beyond_kind:
        sql, params = selection_sql(
            replace(filters, kind=kind), with_sales=False, with_scores=colour_by is not None
        )
        source = f"({sql})"
    elif colour_by:
        # Only the kind narrows the selection, and the colour needs the scores alone.
        source = (
            "(SELECT c.customer_id, c.lat, c.lon, c.name, cs.segment AS rfm_segment, "
            "cs.risk_band AS churn_risk_band FROM customers c LEFT JOIN customer_scores cs "
            "ON cs.customer_id = c.customer_id WHERE c.kind = ?)"
        )
        params = [kind]
    else:
        # Only the kind narrows the selection: no need to join the assignments.
        source, params = "(SELECT * FROM customers WHERE kind = ?)", [kind]
    located = (
        f"SELECT customer_id, lat, lon, name, {category} AS category FROM {source} AS source "
        "WHERE lat IS NOT NULL AND lon IS NOT NULL"
    )
    return located, params


def sample_points(
    store: Store,
    filters: Filters,
    kind: str,
    limit: int,
    colour_by: str | None = None,
    *,
    scope: Scope = EVERYTHING,
) -> PointSample:
    """Located customers of ``kind`` in the selection, a seeded sample of at most ``limit``.

    The sample is the ``limit`` matches with the smallest hash of their ID, taken in the
    database, so a million customers never travel to Python to be thinned out.
    ``colour_by`` (``rfm_segment`` or ``churn_risk_band``) adds each point's category.
    """
    located, params = located_points_sql(filters, kind, colour_by)
    with store.snapshot(scope) as reader:
        total = int(reader.scalar(f"SELECT count(*) FROM ({located}) AS located", params))
        frame = _smallest_hashes(reader, located, params, limit, total)
    return PointSample(
        lat=frame["lat"].to_numpy(dtype="float64"),
        lon=frame["lon"].to_numpy(dtype="float64"),
        labels=["" if pd.isna(v) else str(v) for v in frame["name"].tolist()],
        total=total,
        categories=["" if pd.isna(v) else str(v) for v in frame["category"].tolist()]
        if colour_by
        else None,
    )


def _smallest_hashes(
    reader: StoreReader, located: str, params: list[Any], limit: int, total: int
) -> pd.DataFrame:
    """The ``limit`` rows with the smallest (stable hash of customer_id, customer_id).

    Hashes are uniform over 64 bits, so the rows below a threshold that expects twice the
    limit almost surely hold the answer and spare sorting every match; when they do not,
    the full sort decides.
    """
    hashed = reader.dialect.stable_hash_of("customer_id")
    ordered = f"ORDER BY {hashed}, customer_id LIMIT ?"
    if total > 2 * limit:
        below, threshold = reader.dialect.hash_below(hashed, 2 * limit / total)
        frame = reader.query(
            f"SELECT lat, lon, name, category FROM ({located}) AS located WHERE {below} {ordered}",
            [*params, *threshold, limit],
        )
        if len(frame) == limit:
            return frame
    return reader.query(
        f"SELECT lat, lon, name, category FROM ({located}) AS located {ordered}",
        [*params, limit],
    )
