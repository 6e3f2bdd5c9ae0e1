"""Prospects that look like the best customers, and the areas with the most of them.

The best customers are those in the RFM segments champions and loyal; the *base rate* is
their share of all scored customers. Each attribute value v (every attribute the customer
file carried in ``extra``; in the demo: industry and size) gets a smoothed rate

    rate(v) = (best with v + PRIOR_WEIGHT x base rate) / (scored with v + PRIOR_WEIGHT)

and a lift(v) = rate(v) / base rate: a value seen in a handful of customers is pulled
towards the base rate (lift near 1), one seen in thousands keeps its own rate. Where a
person is counts the same way at every level of areas, coarse to fine, each level's rate
pulled towards the rate of the area around it (a county with three customers takes its
state's rate; a county with three hundred, mostly its own), so that two prospects of the
same profile in different counties of a state are told apart by what is known about each
county. A person's look-alike index is 100 x the product of their lifts (a naive Bayes
odds ratio): 100 = as likely as an average customer to be among the best, 200 = twice as
likely. Values never seen among customers count as 1 (or as the area around them).

Whitespace of an area = its prospects weighted by their index / 100, so 50 prospects
that look like the best count more than 50 that do not. Target areas are ranked by it.

The index depends only on a person's profile: their area at every level and their
``extra`` attributes. So it is worked out from the selection counted by profile in the
database (:func:`lookalike_profiles`: thousands of rows, not one per person), and only the
prospects a list shows are read one by one: the top 500 of 150,000 read 500 rows, and a
business of 10M customers is never read into memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from geo.analytics.scores import BEST_SEGMENTS
from geo.segments.filters import Filters
from geo.segments.selection import selection_sql
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: How many customers' worth of evidence pulls a value's rate of best customers towards the
#: rate around it (so a value seen in a handful of customers has a lift near 1).
PRIOR_WEIGHT = 20.0
#: Attributes read from ``extra`` only when at least this share of people carry them.
MIN_ATTRIBUTE_COVERAGE = 0.5


#: The most profiles a list's read names one by one; past it, every prospect is read.
MAX_PROFILES_NAMED = 1_000
#: A person's standing, as the profiles count it: among the best, scored, or neither.
BEST, SCORED, UNSCORED = 2, 1, 0


def _area_joins(levels: list[str]) -> str:
    return "".join(
        f"LEFT JOIN assignments a{i} ON a{i}.customer_id = w.customer_id AND a{i}.level = ? "
        for i in range(len(levels))
    )


@dataclass(frozen=True)
class LookalikeProfiles:
    """The selection (customers and prospects) counted by profile, with each profile's index.

    ``groups``: one row per kind, area of the filters' level (``area_id``), profile and
    standing, with columns kind, area_id, extra, standing (:data:`BEST`, :data:`SCORED`,
    :data:`UNSCORED`), ``at_0``, ``at_1`` ... (the area at each level, coarse to fine),
    people (how many), lookalike_index, and the attributes used. ``levels``: the levels of
    the ``at_`` columns.
    """

    groups: pd.DataFrame
    levels: tuple[str, ...]
    attributes: tuple[str, ...]

    @property
    def area_columns(self) -> list[str]:
        return [f"at_{i}" for i in range(len(self.levels))]

    def index_of_profiles(self) -> pd.DataFrame:
        """One row per profile (``at_`` columns and extra) with its lookalike_index and
        attributes."""
        keys = [*self.area_columns, "extra"]
        columns = [*keys, "lookalike_index", *self.attributes]
        return self.groups[columns].drop_duplicates(keys)


def _counted_profiles(
    store: Store, filters: Filters, scope: Scope
) -> tuple[pd.DataFrame, list[str]]:
    """The selection counted by kind, area, extra, standing and area at every level."""
    sql, params = selection_sql(replace(filters, kind=None), with_sales=False)
    levels = store.levels()
    best = ", ".join(f"'{segment}'" for segment in BEST_SEGMENTS)
    at = "".join(f", a{i}.area_id AS at_{i}" for i in range(len(levels)))
    keys = ", ".join(str(i) for i in range(1, 5 + len(levels)))
    groups = store.query(
        f"SELECT w.kind, w.area_id, c.extra, CASE WHEN cs.segment IN ({best}) THEN {BEST} "
        f"WHEN cs.segment IS NOT NULL THEN {SCORED} ELSE {UNSCORED} END AS standing{at}, "
        f"count(*) AS people FROM ({sql}) w "
        "JOIN customers c ON c.customer_id = w.customer_id "
        "LEFT JOIN customer_scores cs ON cs.customer_id = w.customer_id "
        f"{_area_joins(levels)}GROUP BY {keys} ORDER BY {keys}",
        [*params, *levels],
        scope=scope,
    )
    groups["people"] = groups["people"].astype("int64")
    groups["standing"] = groups["standing"].astype("int64")
    return groups, levels


def _attributes(people: pd.DataFrame, weights: pd.Series | None = None) -> pd.DataFrame:
    """One column per common key of ``extra`` (held by at least MIN_ATTRIBUTE_COVERAGE of
    the people; ``weights``: how many people each row stands for, else one)."""
    # Parsed once per distinct text: files repeat the same few attribute sets many times.
    codes, texts = pd.factorize(people["extra"])
    parsed = [json.loads(e) if isinstance(e, str) and e.startswith("{") else {} for e in texts]
    # A missing extra has code -1: the last, empty row.
    extra = pd.DataFrame([*parsed, {}]).iloc[codes].set_index(people.index)
    weight = pd.Series(1.0, index=people.index) if weights is None else weights.astype("float64")
    total = weight.sum()
    keep = [
        c
        for c in extra.columns
        if total and weight[extra[c].notna()].sum() / total >= MIN_ATTRIBUTE_COVERAGE
    ]
    return extra[keep].astype("string")


def _smoothed_rates(
    values: pd.Series,
    best: pd.Series,
    scored: pd.Series,
    prior: pd.Series,
    weight: float,
    people: pd.Series,
) -> pd.Series:
    """Per value, (best with it + weight x prior) / (scored with it + weight), where the
    prior of a value is the mean prior of the scored people holding it; each row stands for
    ``people`` people."""
    held = values[scored].dropna()
    counts = people[held.index].groupby(held).sum()
    best_held = values[best].dropna()
    counts_best = (
        people[best_held.index].groupby(best_held).sum().reindex(counts.index, fill_value=0)
    )
    prior_sum = (prior[held.index] * people[held.index]).groupby(held).sum()
    prior_of_value = (prior_sum / counts).reindex(counts.index)
    return (counts_best + weight * prior_of_value) / (counts + weight)


def _ones(index: pd.Index) -> pd.Series:
    return pd.Series(1, index=index, dtype="int64")


def lift_table(
    attributes: pd.DataFrame,
    best: pd.Series,
    scored: pd.Series,
    prior_weight: float = PRIOR_WEIGHT,
    people: pd.Series | None = None,
) -> dict[str, pd.Series]:
    """Per attribute, the lift of each value (see the module docstring). Each row stands for
    ``people`` people (one each when not given)."""
    people = _ones(attributes.index) if people is None else people
    lifts: dict[str, pd.Series] = {}
    n_best, n_all = int(people[best].sum()), int(people[scored].sum())
    if n_best == 0:
        return lifts
    base = n_best / n_all
    prior = pd.Series(base, index=attributes.index)
    for column in attributes.columns:
        rates = _smoothed_rates(attributes[column], best, scored, prior, prior_weight, people)
        if len(rates):
            lifts[column] = rates / base
    return lifts


def location_lift(
    areas: pd.DataFrame,
    best: pd.Series,
    scored: pd.Series,
    prior_weight: float = PRIOR_WEIGHT,
    people: pd.Series | None = None,
) -> pd.Series:
    """Per row, the lift of where they are: ``areas`` holds their area at each level,
    coarse to fine, one column a level; each level's rate is pulled towards the rate of the
    level above (the base rate above the first); no area keeps the rate of the one above.
    Each row stands for ``people`` people (one each when not given)."""
    people = _ones(areas.index) if people is None else people
    n_best, n_all = int(people[best].sum()), int(people[scored].sum())
    if n_best == 0:
        return pd.Series(1.0, index=areas.index)
    base = n_best / n_all
    rate = pd.Series(base, index=areas.index, dtype="float64")
    for column in areas.columns:
        rates = _smoothed_rates(areas[column], best, scored, rate, prior_weight, people)
        rate = areas[column].map(rates).astype("float64").fillna(rate)
    return rate / base


def lookalike_profiles(
    store: Store, filters: Filters, *, scope: Scope = EVERYTHING
) -> LookalikeProfiles:
    """The selection counted by profile, each profile with its look-alike index (100 = an
    average customer); see :class:`LookalikeProfiles`."""
    groups, levels = _counted_profiles(store, filters, scope)
    people = groups["people"]
    attributes = _attributes(groups, people)
    scored = groups["standing"] >= SCORED
    best = groups["standing"] == BEST
    where = groups[[f"at_{i}" for i in range(len(levels))]].astype("string")
    log_sum = np.log(location_lift(where, best, scored, people=people).to_numpy())
    for column, lift in lift_table(attributes, best, scored, people=people).items():
        log_sum += np.log(attributes[column].map(lift).astype("float64").fillna(1.0).to_numpy())
    groups = groups.assign(lookalike_index=(100 * np.exp(log_sum)).round(1))
    groups = pd.concat([groups, attributes], axis=1)
    return LookalikeProfiles(groups, tuple(levels), tuple(attributes.columns))


def _named_profiles(profiles: LookalikeProfiles, limit: int | None) -> pd.DataFrame | None:
    """The prospects' profiles a list of ``limit`` has to read (every profile whose index
    is at least that of the limit-th prospect), or None to read every prospect."""
    if not limit:
        return None
    prospects = profiles.groups[profiles.groups["kind"] == "prospect"]
    keys = [*profiles.area_columns, "extra"]
    per_profile = (
        prospects.groupby(keys, dropna=False)
        .agg(people=("people", "sum"), lookalike_index=("lookalike_index", "first"))
        .reset_index()
        .sort_values("lookalike_index", ascending=False, kind="stable")
    )
    reached = per_profile["people"].cumsum() >= limit
    if not reached.any():
        return None
    threshold = per_profile["lookalike_index"].to_numpy()[int(np.argmax(reached.to_numpy()))]
    chosen = per_profile[per_profile["lookalike_index"] >= threshold]
    return chosen[keys] if len(chosen) <= MAX_PROFILES_NAMED else None


def _read_prospects(
    store: Store,
    filters: Filters,
    profiles: LookalikeProfiles,
    named: pd.DataFrame | None,
    scope: Scope,
) -> pd.DataFrame:
    """The selected prospects, one row each, with their profile's columns (only those of
    the ``named`` profiles when given)."""
    sql, params = selection_sql(replace(filters, kind="prospect"), with_sales=False)
    levels = list(profiles.levels)
    at = "".join(f", a{i}.area_id AS at_{i}" for i in range(len(levels)))
    fine = f"LEFT JOIN areas fine ON fine.area_id = a{len(levels) - 1}.area_id " if levels else ""
    local = "fine.name" if levels else "CAST(NULL AS VARCHAR)"
    where, named_params = "", []
    if named is not None:
        columns = [f"a{i}.area_id" for i in range(len(levels))] + ["c.extra"]
        matches = []
        for row in named.itertuples(index=False):
            matches.append("(" + " AND ".join(f"{c} IS NOT DISTINCT FROM ?" for c in columns) + ")")
            named_params += [None if pd.isna(v) else str(v) for v in row]
        where = "WHERE " + " OR ".join(matches)
    return store.query(
        f"SELECT w.customer_id, w.name, w.kind, w.owner, w.area_id, w.area_name, w.lat, "
        f"w.lon, {local} AS local_area, c.extra{at} FROM ({sql}) w "
        "JOIN customers c ON c.customer_id = w.customer_id "
        f"{_area_joins(levels)}{fine}{where}",
        [*params, *levels, *named_params],
        scope=scope,
    )


def lookalike_prospects(
    store: Store,
    filters: Filters,
    limit: int | None = None,
    profiles: LookalikeProfiles | None = None,
    *,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """Prospects ranked by look-alike index, highest first ("prospects like our best"),
    the first ``limit`` of them (every one when None).

    Columns: customer_id, name, kind, owner, area_id, area_name, lat, lon, local_area
    (their area at the finest level, e.g. the county), lookalike_index, plus the attributes
    used. ``profiles``: :func:`lookalike_profiles` of the same store and filters, when
    already made.
    """
    if profiles is None:
        profiles = lookalike_profiles(store, filters, scope=scope)
    named = _named_profiles(profiles, limit)
    prospects = _read_prospects(store, filters, profiles, named, scope)
    keys = [*profiles.area_columns, "extra"]
    # Keys compared as text, missing ones alike, as the profiles were counted.
    indexed = profiles.index_of_profiles()
    for frame in (prospects, indexed):
        frame[keys] = frame[keys].astype("string")
    ranked = prospects.merge(indexed, on=keys, how="left", validate="many_to_one")
    ranked = ranked.drop(columns=keys).sort_values(
        ["lookalike_index", "customer_id"], ascending=[False, True], kind="stable"
    )
    return ranked.head(limit) if limit else ranked.reset_index(drop=True)


def whitespace(
    store: Store,
    filters: Filters,
    profiles: LookalikeProfiles | None = None,
    *,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """Target areas of the filters' level, ranked by whitespace score (highest first).

    Columns: area_id, name, customers, prospects, penetration, households (when the areas
    carry them), penetration_households, whitespace (prospects weighted by index / 100),
    avg_prospect_index, rank. ``profiles`` as for :func:`lookalike_prospects`.
    """
    if filters.level is None:
        raise ValueError("whitespace needs a level")
    if profiles is None:
        profiles = lookalike_profiles(store, filters, scope=scope)
    groups = profiles.groups
    located = groups[groups["area_id"].notna()]
    per_area = located.pivot_table(
        index="area_id", columns="kind", values="people", aggfunc="sum", fill_value=0
    ).reindex(columns=["customer", "prospect"], fill_value=0)
    per_area.columns = ["customers", "prospects"]
    prospects = located[located["kind"] == "prospect"]
    # Summed in whole tenths of an index point (the index is kept to one decimal), so the
    # sums are exact whatever the order of adding, and rounded half up.
    tenths = (prospects["lookalike_index"] * 10).round().astype("int64") * prospects["people"]
    by_area = prospects.groupby("area_id")
    weighted = pd.DataFrame(
        {"tenths": tenths.groupby(prospects["area_id"]).sum(), "n": by_area["people"].sum()}
    )
    areas = store.query(
        "SELECT area_id, name, households FROM areas WHERE level = ? ORDER BY area_id",
        [filters.level],
        scope=scope,
    ).set_index("area_id")
    if filters.area_ids:
        areas = areas.loc[areas.index.isin(filters.area_ids)]
    out = areas.join(per_area).join(weighted)
    out[["customers", "prospects"]] = out[["customers", "prospects"]].fillna(0).astype("int64")
    total = out["customers"] + out["prospects"]
    out["penetration"] = out["customers"] / total.where(total > 0)
    out["penetration_households"] = out["customers"] / out["households"].where(
        out["households"] > 0
    )
    # Whitespace = the index points / 100: tenths / 1,000, to one decimal.
    out["whitespace"] = np.floor((out["tenths"].fillna(0) + 50) / 100) / 10
    out["avg_prospect_index"] = np.floor(out["tenths"] / out["n"] + 0.5) / 10
    out = out.drop(columns=["tenths", "n"]).sort_values(
        ["whitespace", "prospects"], ascending=False, kind="stable"
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index()
