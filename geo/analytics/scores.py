"""Customer value and churn risk: RFM scores and segments, purchase rhythm, risk, value.

Everything is computed from the ``orders`` table (one row per order, dated by its
earliest line; amounts in the currency of the sales file) as of a date, by default the
date of the latest order in the data ("data as of"). Only customers with at least one
order up to that date are scored; prospects and customers without orders are not.

Definitions (the README repeats them for marketers):

- recency_days = as_of - last order date; frequency = orders; monetary = their total.
- R, F, M scores 1-5 are quintiles over the scored customers: score = 1 + floor(5 *
  (rank - 1) / n), where rank orders customers from worst to best (oldest last order,
  fewest orders, least money) and tied customers share the lowest rank, so ties share a
  score. 5 is best.
- Segment: from R and FM = floor((F + M) / 2) by :data:`SEGMENT_RULES`, first match wins.
- gap_days (their rhythm) = (last - first order date) / (order days - 1); customers with a
  single order day take the median rhythm of the others.
- churn_risk = 1 - exp(-recency_days / gap_days): how unlikely it is that someone still
  buying at their own pace would have gone this long without an order. Bands: low below
  0.6 (silent for less than about 0.9 of their usual gap), medium to 0.9, high from 0.9
  (silent for about 2.3 gaps or more).
- expected_next = last order + usual gap: when their next order is expected. Contact
  timing: "overdue" when silent for more than twice their usual gap (late by more than a
  gap), "due" when the next order is expected within DUE_WINDOW_DAYS (or is late by less
  than a gap), else "later".
- aov = monetary / frequency; orders_per_year = 365 / gap_days;
  value_3y = aov x orders_per_year x 3 x (1 - churn_risk): the next three years' value
  if they keep their pace, weighted by the chance they still buy.

The SQL of these rules, and the stored ``customer_scores`` table it fills inside every
write transaction, belong to the store (:mod:`geo.store.derived_tables`): readers only read.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.schema import RISK_BANDS, SEGMENT_RULES, SEGMENTS
from geo.store.derived_tables import (
    DUE_WINDOW_DAYS,
    RISK_HIGH,
    RISK_MEDIUM,
    SCORE_COLUMNS,
    SCORES_FORMAT,
    VALUE_YEARS,
    ScoreState,
    parse_score_state,
    scores_sql,
)
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

__all__ = [
    "DUE_WINDOW_DAYS",
    "RISK_BANDS",
    "RISK_HIGH",
    "RISK_MEDIUM",
    "SCORES_FORMAT",
    "SCORE_COLUMNS",
    "SEGMENTS",
    "SEGMENT_RULES",
    "VALUE_YEARS",
    "ScoreState",
    "scores_sql",
]

#: The segments whose profile the look-alikes are measured against.
BEST_SEGMENTS = ("champions", "loyal")


def data_as_of(store: Store, *, scope: Scope = EVERYTHING) -> date | None:
    """The date of the latest order: the default 'as of' date of every score."""
    row = store.query("SELECT max(order_date) AS d FROM orders", scope=scope).iloc[0]["d"]
    return None if pd.isna(row) else pd.Timestamp(row).date()


def compute_scores(
    store: Store, as_of: date | None = None, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """SCORE_COLUMNS per scored customer as of ``as_of`` (default: the data's latest order)."""
    as_of = as_of or data_as_of(store, scope=scope)
    if as_of is None:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    return store.query(scores_sql(store.dialect), [as_of, as_of], scope=scope)


def score_state(store: Store) -> ScoreState:
    """What the stored scores were computed from; only reads (writes keep them current)."""
    text = store.scalar("SELECT value FROM meta WHERE key = 'scores'")
    if text is None:
        return ScoreState(0, None, current=False)
    return parse_score_state(str(text))[0]


def ensure_scores(store: Store) -> ScoreState:
    """Make the stored ``customer_scores`` match the current data; a write, cheap if they do.

    Only writers need it: every write transaction already does this before it commits.
    """
    with store.transaction():
        pass
    return score_state(store)
