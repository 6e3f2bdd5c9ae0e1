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
"""

from __future__ import annotations

import json
from dataclasses import replace

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


def _people(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Everyone selected (customers and prospects), with area, extra and segment, their
    area at every level, coarse to fine, in columns ``at_0``, ``at_1`` ..., and the name of
    the finest one (``local_area``)."""
    sql, params = selection_sql(replace(filters, kind=None), with_sales=False)
    levels = store.levels()
    joins = "".join(
        f"LEFT JOIN assignments a{i} ON a{i}.customer_id = w.customer_id AND a{i}.level = ? "
        for i in range(len(levels))
    )
    at = "".join(f", a{i}.area_id AS at_{i}" for i in range(len(levels)))
    local = (
        f", fine.name AS local_area FROM ({sql}) w "
        if levels
        else f", NULL AS local_area FROM ({sql}) w "
    )
    fine = f"LEFT JOIN areas fine ON fine.area_id = a{len(levels) - 1}.area_id" if levels else ""
    return store.query(
        f"SELECT w.customer_id, w.name, w.kind, w.owner, w.area_id, w.area_name, w.lat, "
        f"w.lon, c.extra, cs.segment{at}{local}"
        "JOIN customers c ON c.customer_id = w.customer_id "
        f"LEFT JOIN customer_scores cs ON cs.customer_id = w.customer_id {joins}{fine}",
        [*params, *levels],
        scope=scope,
    )


def _attributes(people: pd.DataFrame) -> pd.DataFrame:
    """One column per common key of ``extra``."""
    # Parsed once per distinct text: files repeat the same few attribute sets many times.
    codes, texts = pd.factorize(people["extra"])
    parsed = [json.loads(e) if isinstance(e, str) and e.startswith("{") else {} for e in texts]
    # A missing extra has code -1: the last, empty row.
    extra = pd.DataFrame([*parsed, {}]).iloc[codes].set_index(people.index)
    keep = [c for c in extra.columns if extra[c].notna().mean() >= MIN_ATTRIBUTE_COVERAGE]
    return extra[keep].astype("string")


def _smoothed_rates(
    values: pd.Series, best: pd.Series, scored: pd.Series, prior: pd.Series, weight: float
) -> pd.Series:
    """Per value, (best with it + weight x prior) / (scored with it + weight), where the
    prior of a value is the mean prior of the scored people holding it."""
    held = values[scored].dropna()
    counts = held.value_counts()
    counts_best = values[best].dropna().value_counts().reindex(counts.index, fill_value=0)
    prior_of_value = prior[held.index].groupby(held).mean().reindex(counts.index)
    return (counts_best + weight * prior_of_value) / (counts + weight)


def lift_table(
    attributes: pd.DataFrame, best: pd.Series, scored: pd.Series, prior_weight: float = PRIOR_WEIGHT
) -> dict[str, pd.Series]:
    """Per attribute, the lift of each value (see the module docstring)."""
    lifts: dict[str, pd.Series] = {}
    n_best, n_all = int(best.sum()), int(scored.sum())
    if n_best == 0:
        return lifts
    base = n_best / n_all
    prior = pd.Series(base, index=attributes.index)
    for column in attributes.columns:
        rates = _smoothed_rates(attributes[column], best, scored, prior, prior_weight)
        if len(rates):
            lifts[column] = rates / base
    return lifts


def location_lift(
    areas: pd.DataFrame, best: pd.Series, scored: pd.Series, prior_weight: float = PRIOR_WEIGHT
) -> pd.Series:
    """Per person, the lift of where they are: ``areas`` holds their area at each level,
    coarse to fine, one column a level; each level's rate is pulled towards the rate of the
    level above (the base rate above the first); no area keeps the rate of the one above."""
    n_best, n_all = int(best.sum()), int(scored.sum())
    if n_best == 0:
        return pd.Series(1.0, index=areas.index)
    base = n_best / n_all
    rate = pd.Series(base, index=areas.index, dtype="float64")
    for column in areas.columns:
        rates = _smoothed_rates(areas[column], best, scored, rate, prior_weight)
        rate = areas[column].map(rates).astype("float64").fillna(rate)
    return rate / base


def lookalike_index(store: Store, filters: Filters, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Every selected person with their look-alike index (100 = an average customer).

    Columns: customer_id, name, kind, owner, area_id, area_name, lat, lon, segment,
    local_area (their area at the finest level, e.g. the county), lookalike_index, plus the
    attributes used.
    """
    people = _people(store, filters, scope=scope)
    attributes = _attributes(people)
    scored = people["segment"].notna()
    best = people["segment"].isin(BEST_SEGMENTS)
    where = people[[c for c in people.columns if c.startswith("at_")]].astype("string")
    log_sum = np.log(location_lift(where, best, scored).to_numpy())
    for column, lift in lift_table(attributes, best, scored).items():
        log_sum += np.log(attributes[column].map(lift).astype("float64").fillna(1.0).to_numpy())
    index = 100 * np.exp(log_sum)
    out = people.drop(columns=["extra", *where.columns]).assign(lookalike_index=index.round(1))
    return pd.concat([out, attributes], axis=1)


def lookalike_prospects(
    store: Store,
    filters: Filters,
    limit: int | None = None,
    people: pd.DataFrame | None = None,
    *,
    scope: Scope = EVERYTHING,
) -> pd.DataFrame:
    """Prospects ranked by look-alike index, highest first ("prospects like our best").

    ``people``: :func:`lookalike_index` of the same store and filters, when already made.
    """
    people = lookalike_index(store, filters, scope=scope) if people is None else people
    prospects = people[people["kind"] == "prospect"].drop(columns=["segment"])
    prospects = prospects.sort_values(
        ["lookalike_index", "customer_id"], ascending=[False, True], kind="stable"
    )
    return prospects.head(limit) if limit else prospects.reset_index(drop=True)


def whitespace(
    store: Store, filters: Filters, people: pd.DataFrame | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Target areas of the filters' level, ranked by whitespace score (highest first).

    Columns: area_id, name, customers, prospects, penetration, households (when the areas
    carry them), penetration_households, whitespace (prospects weighted by index / 100),
    avg_prospect_index, rank. ``people`` as for :func:`lookalike_prospects`.
    """
    if filters.level is None:
        raise ValueError("whitespace needs a level")
    people = lookalike_index(store, filters, scope=scope) if people is None else people
    located = people[people["area_id"].notna()]
    per_area = located.groupby("area_id").agg(
        customers=("kind", lambda k: int((k == "customer").sum())),
        prospects=("kind", lambda k: int((k == "prospect").sum())),
    )
    prospects = located[located["kind"] == "prospect"]
    weighted = prospects.groupby("area_id")["lookalike_index"].agg(["sum", "mean"])
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
    out["whitespace"] = (out["sum"].fillna(0.0) / 100).round(1)
    out["avg_prospect_index"] = out["mean"].round(1)
    out = out.drop(columns=["sum", "mean"]).sort_values(
        ["whitespace", "prospects"], ascending=False, kind="stable"
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index()
