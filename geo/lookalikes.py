"""Prospects that look like the best customers, and the areas with the most of them.

The profile of the best customers (RFM segments champions and loyal) is compared with
all scored customers attribute by attribute: the area they are in (at the chosen level)
and every attribute the customer file carried in ``extra`` (in the demo: industry and
size). For each attribute value v:

    lift(v) = share of best customers with v / share of all scored customers with v

where the share among the best is smoothed towards the share among all by PRIOR_WEIGHT
customers' worth of evidence, so that a value seen in a handful of customers does not
swing the score. A person's look-alike index is 100 x the product of the lifts of their
values (a naive Bayes odds ratio): 100 = as likely as an average customer to be among
the best, 200 = twice as likely. Values never seen among customers count as 1.

Whitespace of an area = its prospects weighted by their index / 100, so 50 prospects
that look like the best count more than 50 that do not. Target areas are ranked by it.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd

from geo.customer_scores import BEST_SEGMENTS
from geo.customer_selection import selection_sql
from geo.filters import Filters
from geo.store import Store

#: How many customers' worth of evidence pulls a value's share among the best towards its
#: share among all customers (so a value seen in a handful of customers has a lift near 1).
PRIOR_WEIGHT = 20.0
#: Attributes read from ``extra`` only when at least this share of people carry them.
MIN_ATTRIBUTE_COVERAGE = 0.5


def _people(store: Store, filters: Filters) -> pd.DataFrame:
    """Everyone selected (customers and prospects), with area, extra and segment."""
    sql, params = selection_sql(replace(filters, kind=None), with_sales=False)
    return store.query(
        f"SELECT w.customer_id, w.name, w.kind, w.owner, w.area_id, w.area_name, w.lat, "
        f"w.lon, c.extra, cs.segment FROM ({sql}) w "
        "JOIN customers c ON c.customer_id = w.customer_id "
        "LEFT JOIN customer_scores cs ON cs.customer_id = w.customer_id",
        params,
    )


def _attributes(people: pd.DataFrame) -> pd.DataFrame:
    """One column per attribute: area plus the common keys of ``extra``."""
    parsed = [
        json.loads(e) if isinstance(e, str) and e.startswith("{") else {} for e in people["extra"]
    ]
    extra = pd.DataFrame(parsed, index=people.index)
    keep = [c for c in extra.columns if extra[c].notna().mean() >= MIN_ATTRIBUTE_COVERAGE]
    out = extra[keep].astype("string")
    out.insert(0, "area", people["area_id"].astype("string"))
    return out


def lift_table(
    attributes: pd.DataFrame, best: pd.Series, scored: pd.Series, prior_weight: float = PRIOR_WEIGHT
) -> dict[str, pd.Series]:
    """Per attribute, the lift of each value (see the module docstring)."""
    lifts: dict[str, pd.Series] = {}
    n_best, n_all = int(best.sum()), int(scored.sum())
    for column in attributes.columns:
        values = attributes.loc[scored, column].dropna()
        if values.empty or n_best == 0:
            continue
        share_all = values.value_counts() / n_all
        counts_best = attributes.loc[best, column].dropna().value_counts()
        counts_best = counts_best.reindex(share_all.index, fill_value=0)
        share_best = (counts_best + prior_weight * share_all) / (n_best + prior_weight)
        lifts[column] = share_best / share_all
    return lifts


def lookalike_index(store: Store, filters: Filters) -> pd.DataFrame:
    """Every selected person with their look-alike index (100 = an average customer).

    Columns: customer_id, name, kind, owner, area_id, area_name, lat, lon, segment,
    lookalike_index, plus the attributes used.
    """
    people = _people(store, filters)
    attributes = _attributes(people)
    scored = people["segment"].notna()
    best = people["segment"].isin(BEST_SEGMENTS)
    lifts = lift_table(attributes, best, scored)
    log_sum = np.zeros(len(people))
    for column, lift in lifts.items():
        log_sum += np.log(attributes[column].map(lift).astype("float64").fillna(1.0).to_numpy())
    index = 100 * np.exp(log_sum)
    out = people.drop(columns=["extra"]).assign(lookalike_index=index.round(1))
    return pd.concat([out, attributes.drop(columns=["area"])], axis=1)


def lookalike_prospects(store: Store, filters: Filters, limit: int | None = None) -> pd.DataFrame:
    """Prospects ranked by look-alike index, highest first ("prospects like our best")."""
    people = lookalike_index(store, filters)
    prospects = people[people["kind"] == "prospect"].drop(columns=["segment"])
    prospects = prospects.sort_values(
        ["lookalike_index", "customer_id"], ascending=[False, True], kind="stable"
    )
    return prospects.head(limit) if limit else prospects.reset_index(drop=True)


def whitespace(store: Store, filters: Filters) -> pd.DataFrame:
    """Target areas of the filters' level, ranked by whitespace score (highest first).

    Columns: area_id, name, customers, prospects, penetration, households (when the areas
    carry them), penetration_households, whitespace (prospects weighted by index / 100),
    avg_prospect_index, rank.
    """
    if filters.level is None:
        raise ValueError("whitespace needs a level")
    people = lookalike_index(store, filters)
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
