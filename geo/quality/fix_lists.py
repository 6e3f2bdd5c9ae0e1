"""The fix lists: per problem (:data:`geo.quality.problems.PROBLEMS`), the rows that have
it, and how many. A list's length is its count.

Customer lists hold :data:`CUSTOMER_FIELDS` then ``_reason`` (the problem's code) and
``_detail`` (why, in words): fixed and imported again, they replace those customers (the
two annotations are ignored by the import). ``level``: the level of areas that "outside
all areas" looks at (default: the finest); the other lists do not depend on it.
Coordinates are WGS84 degrees, distances kilometres.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd

from geo.errors import InputError
from geo.quality.duplicates import RULE_WORDS, probable_duplicates
from geo.quality.nearest_areas import nearest_areas
from geo.quality.problems import PROBLEMS
from geo.schema import KIND_CUSTOMER, OUTSIDE_AREAS
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: The customer file's columns a customer list carries, as the import reads them.
CUSTOMER_FIELDS = ("customer_id", "name", "kind", "lat", "lon", "postcode", "email", "owner")
_FIELDS = ", ".join(f"c.{f}" for f in CUSTOMER_FIELDS)
_SELECT = f"SELECT {_FIELDS} FROM customers c"


def _annotated(frame: pd.DataFrame, code: str, detail: pd.Series | list[str]) -> pd.DataFrame:
    out = frame.reset_index(drop=True).copy()
    out["_reason"] = code
    out["_detail"] = list(detail)
    return out


def _finest_level(store: Store, level: str | None) -> str | None:
    levels = store.levels()
    if level is not None and level not in levels:
        raise InputError(
            f"there is no level '{level}'", hint=f"Levels: {', '.join(levels) or 'none yet'}"
        )
    return level or (levels[-1] if levels else None)


def without_location(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Customers and prospects with no point, and why (the reason kept at import: no
    coordinates, postcode or city; a postcode or city not known; an ambiguous city). (``level``
    is not used: a location is the same at every level.)"""
    del level
    rows = store.query(
        f"SELECT {_FIELDS}, c.location_note FROM customers c WHERE c.lat IS NULL OR c.lon IS NULL "
        "ORDER BY c.customer_id",
        scope=scope,
    )
    why = [
        note
        if isinstance(note, str) and note
        else f"postcode '{p}' is not in the postcode file used at import"
        if isinstance(p, str) and p.strip()
        else "the file gave no coordinates and no postcode"
        for note, p in zip(rows["location_note"], rows["postcode"], strict=True)
    ]
    return _annotated(rows.drop(columns="location_note"), "no_location", why)


def coarse_location(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Customers located only by their city (low confidence: the place's centre)."""
    del level
    rows = store.query(
        f"{_SELECT} WHERE c.location_source = 'city' ORDER BY c.customer_id", scope=scope
    )
    why = ["located at the centre of its city: give coordinates or a postcode"] * len(rows)
    return _annotated(rows, "coarse_location", why)


def outside_areas(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Located customers in none of ``level``'s areas (default: the finest level), with
    the nearest area and its distance (km) in ``_detail`` and in ``_nearest_area_id`` and
    ``_distance_km`` (which an import drops too)."""
    chosen = _finest_level(store, level)
    if chosen is None:
        return _annotated(store.query(f"{_SELECT} WHERE FALSE"), "outside_areas", [])
    rows = store.query(
        f"{_SELECT} JOIN assignments a ON a.customer_id = c.customer_id "
        "WHERE a.level = ? AND a.location_status = ? ORDER BY c.customer_id",
        [chosen, OUTSIDE_AREAS],
        scope=scope,
    )
    # Every area of the level is a candidate: the nearest may lie outside the scope.
    areas = store.load_areas(chosen)
    nearest = nearest_areas(rows, areas)
    names = dict(zip(areas["area_id"].astype(str), areas["name"], strict=True))
    detail = [
        f"outside every {chosen}; nearest: {aid} {names.get(aid) or ''}".rstrip()
        + f", {km:,.2f} km away"
        if aid is not None
        else f"outside every {chosen}"
        for aid, km in zip(nearest["area_id"], nearest["distance_km"], strict=True)
    ]
    out = _annotated(rows, "outside_areas", detail)
    out["_nearest_area_id"] = nearest["area_id"].to_numpy()
    out["_distance_km"] = nearest["distance_km"].round(3).to_numpy()
    return out


def duplicates(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Customers in a group of probable duplicates (see :mod:`geo.quality.duplicates`),
    one row each; ``_detail`` names the others of each group it is in."""
    del level
    rows = store.query(f"{_SELECT} ORDER BY c.customer_id", scope=scope)
    groups = probable_duplicates(rows)
    if groups.empty:
        return _annotated(rows.head(0), "duplicates", [])
    words = (
        "group "
        + groups["group"].astype(str)
        + ": "
        + groups["rule"].map(RULE_WORDS)
        + " as "
        + groups["others"]
    )
    detail = words.groupby(groups["customer_id"]).agg("; ".join)
    listed = rows[rows["customer_id"].isin(detail.index)]
    return _annotated(listed, "duplicates", detail.reindex(listed["customer_id"]).tolist())


def areas_without_owner(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """area_id, name, level and customers (in it) of the areas without an owner, at every
    level where some area has one. (``level`` is not used: a level without owners at all
    is not one that uses them.)"""
    del level
    rows = store.query(
        "SELECT ar.area_id, ar.name, ar.level, count(a.customer_id) AS customers FROM areas ar "
        "LEFT JOIN assignments a ON a.level = ar.level AND a.area_id = ar.area_id "
        "AND a.location_status = 'in_area' "
        "WHERE (ar.owner IS NULL OR trim(ar.owner) = '') AND ar.level IN "
        "(SELECT level FROM areas WHERE owner IS NOT NULL AND trim(owner) <> '') "
        "GROUP BY ar.area_id, ar.name, ar.level ORDER BY ar.level, ar.area_id",
        scope=scope,
    )
    rows["customers"] = rows["customers"].astype("int64")
    detail = [f"no owner, though other areas of the {lv} level have one" for lv in rows["level"]]
    return _annotated(rows, "areas_without_owner", detail)


def geometry_repairs(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """imported_at, source, area_id (repaired) or row (a rejected feature's number), and
    what happened, from the area imports that are still in place (not undone)."""
    del level
    log = store.query(
        "SELECT logged_at, source, detail FROM import_log WHERE table_name = 'areas' "
        "AND undone_at IS NULL ORDER BY logged_at DESC",
        scope=scope,
    )
    rows: list[tuple[object, str, str | None, int | None, str]] = []
    for logged_at, source, detail in log.itertuples(index=False):
        report = json.loads(detail) if isinstance(detail, str) else {}
        for area_id in report.get("repaired_areas", []):
            rows.append((logged_at, source, str(area_id), None, "invalid geometry, repaired"))
        for rejected in report.get("rejected_areas", []):
            what = f"rejected: {rejected['reason']} ({rejected['detail']})"
            rows.append((logged_at, source, None, int(rejected["row"]), what))
    frame = pd.DataFrame(rows, columns=["imported_at", "source", "area_id", "feature", "what"])
    frame["feature"] = frame["feature"].astype("Int64")
    return _annotated(frame, "geometry_repairs", frame["what"]).drop(columns="what")


def sales_unknown_customers(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The stored order lines whose customer is not stored (order_id, customer_id,
    order_date, amount, category, channel)."""
    del level
    rows = store.query(
        "SELECT s.order_id, s.customer_id, s.order_date, s.amount, s.category, s.channel "
        "FROM sales s WHERE NOT EXISTS (SELECT 1 FROM customers c "
        "WHERE c.customer_id = s.customer_id) ORDER BY s.order_id, s.customer_id",
        scope=scope,
    )
    return _annotated(rows, "sales_unknown_customers", ["no such customer"] * len(rows))


def customers_without_sales(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Customers (kind customer) without an order line."""
    del level
    rows = store.query(
        f"{_SELECT} WHERE c.kind = ? AND NOT EXISTS (SELECT 1 FROM sales s "
        "WHERE s.customer_id = c.customer_id) ORDER BY c.customer_id",
        [KIND_CUSTOMER],
        scope=scope,
    )
    return _annotated(rows, "customers_without_sales", ["no order line"] * len(rows))


FIX_LISTS: dict[str, Callable[..., pd.DataFrame]] = {
    "no_location": without_location,
    "coarse_location": coarse_location,
    "outside_areas": outside_areas,
    "duplicates": duplicates,
    "areas_without_owner": areas_without_owner,
    "geometry_repairs": geometry_repairs,
    "sales_unknown_customers": sales_unknown_customers,
    "customers_without_sales": customers_without_sales,
}


def fix_list(
    store: Store, problem: str, level: str | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """The fix list of ``problem`` (a code of :data:`PROBLEMS`)."""
    if problem not in FIX_LISTS:
        raise InputError(
            f"there is no problem '{problem}'", hint=f"Problems: {', '.join(PROBLEMS)}"
        )
    return FIX_LISTS[problem](store, level, scope=scope)


def quality_counts(
    store: Store, level: str | None = None, *, scope: Scope = EVERYTHING
) -> dict[str, int]:
    """How many rows each fix list holds, by problem code."""
    return {code: len(lister(store, level, scope=scope)) for code, lister in FIX_LISTS.items()}
