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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from geo.schema import RISK_BANDS, SEGMENT_RULES, SEGMENTS
from geo.store.duckdb_store import Store

__all__ = ["RISK_BANDS", "SEGMENTS", "SEGMENT_RULES"]

#: The segments whose profile the look-alikes are measured against.
BEST_SEGMENTS = ("champions", "loyal")

#: Lower bounds of the medium and high churn risk bands.
RISK_MEDIUM = 0.6
RISK_HIGH = 0.9
VALUE_YEARS = 3
#: Bumped when the stored score columns change, so older databases are scored again.
SCORES_FORMAT = 2
#: "Due for contact": the next order is expected within this many days.
DUE_WINDOW_DAYS = 30

SCORE_COLUMNS = (
    "customer_id",
    "first_order",
    "last_order",
    "frequency",
    "monetary",
    "recency_days",
    "r",
    "f",
    "m",
    "segment",
    "gap_days",
    "churn_risk",
    "risk_band",
    "aov",
    "value_3y",
    "expected_next",
    "contact_status",
)


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _segment_case() -> str:
    arms = " ".join(
        f"WHEN r BETWEEN {r0} AND {r1} AND fm BETWEEN {f0} AND {f1} THEN {_sql_text(name)}"
        for name, _, (r0, r1), (f0, f1) in SEGMENT_RULES
    )
    return f"CASE {arms} END"


def _quintile(order_by: str) -> str:
    return f"LEAST(5, 1 + floor(5.0 * (rank() OVER (ORDER BY {order_by}) - 1) / count(*) OVER ()))"


def scores_sql(as_of_param: str = "?") -> str:
    """SQL giving SCORE_COLUMNS for every customer with an order up to the as-of date.

    The as-of date appears twice as a parameter (``as_of_param``).
    """
    return f"""
    WITH hist AS (
        SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
               count(*) AS frequency, sum(amount) AS monetary,
               count(DISTINCT order_date) AS order_days
        FROM orders WHERE order_date <= {as_of_param} GROUP BY customer_id
    ),
    rhythm AS (
        SELECT *, CASE WHEN order_days > 1
                  THEN date_diff('day', first_order, last_order) / (order_days - 1.0) END AS own_gap
        FROM hist
    ),
    typical AS (SELECT COALESCE(median(own_gap), 30.0) AS gap FROM rhythm),
    scored AS (
        SELECT r.customer_id, r.first_order, r.last_order, r.frequency, r.monetary,
               date_diff('day', r.last_order, CAST({as_of_param} AS DATE)) AS recency_days,
               {_quintile("r.last_order")} AS r,
               {_quintile("r.frequency")} AS f,
               {_quintile("r.monetary")} AS m,
               GREATEST(COALESCE(r.own_gap, t.gap), 1.0) AS gap_days
        FROM rhythm r, typical t
    )
    SELECT customer_id, first_order, last_order, frequency, monetary, recency_days,
           CAST(r AS INTEGER) AS r, CAST(f AS INTEGER) AS f, CAST(m AS INTEGER) AS m,
           {_segment_case()} AS segment, gap_days, churn_risk,
           CASE WHEN churn_risk >= {RISK_HIGH} THEN 'high'
                WHEN churn_risk >= {RISK_MEDIUM} THEN 'medium' ELSE 'low' END AS risk_band,
           monetary / frequency AS aov,
           monetary / frequency * (365.0 / gap_days) * {VALUE_YEARS} * (1 - churn_risk)
               AS value_3y,
           CAST(last_order + to_days(CAST(round(gap_days) AS INTEGER)) AS DATE) AS expected_next,
           CASE WHEN recency_days > 2 * gap_days THEN 'overdue'
                WHEN recency_days + {DUE_WINDOW_DAYS} >= gap_days THEN 'due'
                ELSE 'later' END AS contact_status
    FROM (
        SELECT *, floor((f + m) / 2) AS fm,
               1 - exp(-GREATEST(recency_days, 0) / gap_days) AS churn_risk
        FROM scored
    )
    ORDER BY customer_id
    """


def data_as_of(store: Store) -> date | None:
    """The date of the latest order: the default 'as of' date of every score."""
    row = store.query("SELECT max(order_date) AS d FROM orders").iloc[0]["d"]
    return None if pd.isna(row) else pd.Timestamp(row).date()


def compute_scores(store: Store, as_of: date | None = None) -> pd.DataFrame:
    """SCORE_COLUMNS per scored customer as of ``as_of`` (default: the data's latest order)."""
    as_of = as_of or data_as_of(store)
    if as_of is None:
        return pd.DataFrame(columns=list(SCORE_COLUMNS))
    return store.query(scores_sql(), [as_of, as_of])


@dataclass(frozen=True)
class ScoreState:
    """What the stored scores were computed from."""

    data_version: int
    as_of: date | None
    #: Whether the stored table has this version's columns (a newer GeoCRM may add some).
    current: bool = True


#: A fingerprint of the orders table: the scores are a function of it alone.
_ORDERS_FINGERPRINT_SQL = (
    "SELECT CAST(count(*) AS VARCHAR) || ':' || "
    "CAST(COALESCE(sum(hash(order_id, customer_id, order_date, amount)), 0) AS VARCHAR) "
    "FROM orders"
)


def refresh_scores_in(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a write transaction: make the stored ``customer_scores`` match the orders.

    Called by :meth:`Store.transaction` before every commit, so scores change together
    with their inputs and readers never write. Cheap when the orders did not change (one
    pass over them); scores are derived data, so writing them does not change the data
    version.
    """
    version_row = con.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    version = int(version_row[0]) if version_row else 0
    fingerprint = str(con.execute(_ORDERS_FINGERPRINT_SQL).fetchone()[0])  # type: ignore[index]
    row = con.execute("SELECT value FROM meta WHERE key = 'scores'").fetchone()
    stored = _parse_state(str(row[0])) if row else None
    if stored is not None and stored[0].current and stored[1] == fingerprint:
        if stored[0].data_version != version:
            _write_state(con, ScoreState(version, stored[0].as_of), fingerprint)
        return
    as_of_row = con.execute("SELECT max(order_date) FROM orders").fetchone()
    as_of = as_of_row[0] if as_of_row else None
    # Replaced whole, and without a key index: maintaining one over a million deletes
    # and inserts costs twenty times the scoring itself.
    con.execute("DROP TABLE IF EXISTS customer_scores")
    con.execute(
        f"CREATE TABLE customer_scores AS SELECT {', '.join(SCORE_COLUMNS)} FROM ({scores_sql()})",
        [as_of, as_of],
    )
    _write_state(con, ScoreState(version, as_of), fingerprint)


def score_state(store: Store) -> ScoreState:
    """What the stored scores were computed from; only reads (writes keep them current)."""
    with store.connect() as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'scores'").fetchone()
    if not row:
        return ScoreState(0, None, current=False)
    return _parse_state(str(row[0]))[0]


def ensure_scores(store: Store) -> ScoreState:
    """Make the stored ``customer_scores`` match the current data; a write, cheap if they do.

    Only writers need it: every write transaction already does this before it commits.
    """
    with store.transaction():
        pass
    return score_state(store)


def _write_state(con: duckdb.DuckDBPyConnection, state: ScoreState, fingerprint: str) -> None:
    as_of = state.as_of.isoformat() if state.as_of else ""
    con.execute(
        "INSERT INTO meta VALUES ('scores', ?) ON CONFLICT (key) DO UPDATE "
        "SET value = excluded.value",
        [f"{state.data_version}|{as_of}|{SCORES_FORMAT}|{fingerprint}"],
    )


def _parse_state(text: str) -> tuple[ScoreState, str]:
    """The state and the orders fingerprint; databases of older versions have no fingerprint."""
    version, as_of, fmt, fingerprint = [*text.split("|"), "", "", ""][:4]
    state = ScoreState(
        int(version), date.fromisoformat(as_of) if as_of else None, fmt == str(SCORES_FORMAT)
    )
    return state, fingerprint
