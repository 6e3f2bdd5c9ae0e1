"""Pre-aggregated tables kept with their inputs: ``orders`` from the order lines and
``customer_scores`` from the orders.

Both are recomputed inside the write transaction that changes their inputs
(:meth:`geo.store.duckdb_store.DuckDBStore.transaction` refreshes the scores before every
commit), so readers only read and never issue DDL. The scoring rules themselves (RFM
quintiles, rhythm, churn risk, value; definitions in :mod:`geo.analytics.scores`) are the
SQL of :func:`scores_sql`, written in the portable subset of :mod:`geo.store.dialect`.
Dates are calendar dates; amounts are in the currency of the sales file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from geo.schema import SEGMENT_RULES
from geo.store.data_version import data_version_in
from geo.store.dialect import Dialect
from geo.store.protocol import StoreWriter

#: Lower bounds of the medium and high churn risk bands.
RISK_MEDIUM = 0.6
RISK_HIGH = 0.9
VALUE_YEARS = 3
#: Bumped when the stored score columns change, so older databases are scored again.
SCORES_FORMAT = 3
#: "Due for contact": the next order is expected within this many days.
DUE_WINDOW_DAYS = 30
#: Decimals of the currency unit that stored sums of money keep (see :func:`money_sum`).
MONEY_DIGITS = 6

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


def rebuild_orders(tx: StoreWriter) -> None:
    """One row per order and customer, from the order lines, stored in date order.

    An order is dated by its earliest line and worth the sum of its lines. Orders are the
    grain of every count of orders and of the date filters; storing them in date order lets
    a date range skip the rest of the table.
    """
    tx.execute("DELETE FROM orders")
    tx.execute(
        "INSERT INTO orders SELECT order_id, customer_id, min(order_date), "
        f"{money_sum('amount', tx.dialect)}, "
        "count(*) FROM sales GROUP BY order_id, customer_id ORDER BY min(order_date), customer_id"
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


def money_sum(expr: str, dialect: Dialect) -> str:
    """The sum of an amount of money, rounded to millionths of the currency unit: the sum of
    floating-point amounts depends on the order it is taken in (which differs between
    engines and runs); rounded, every engine stores the same number."""
    return dialect.round_number(f"sum({expr})", MONEY_DIGITS)


def scores_sql(dialect: Dialect, as_of_param: str = "?") -> str:
    """SQL giving SCORE_COLUMNS for every customer with an order up to the as-of date.

    The as-of date appears twice as a parameter (``as_of_param``). Day counts are date
    differences (a date minus a date is a number of days in both engines), divided as
    floating-point numbers, and rounded half up, so that both engines give the same days.
    """
    return f"""
    WITH hist AS (
        SELECT customer_id, min(order_date) AS first_order, max(order_date) AS last_order,
               count(*) AS frequency, {money_sum("amount", dialect)} AS monetary,
               count(DISTINCT order_date) AS order_days
        FROM orders WHERE order_date <= {as_of_param} GROUP BY customer_id
    ),
    rhythm AS (
        SELECT *, CASE WHEN order_days > 1
                  THEN CAST(last_order - first_order AS DOUBLE PRECISION) / (order_days - 1)
                  END AS own_gap
        FROM hist
    ),
    typical AS (
        SELECT COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY own_gap), 30.0) AS gap
        FROM rhythm
    ),
    scored AS (
        SELECT r.customer_id, r.first_order, r.last_order, r.frequency, r.monetary,
               CAST(CAST({as_of_param} AS DATE) - r.last_order AS BIGINT) AS recency_days,
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
           CAST(last_order + CAST(floor(gap_days + 0.5) AS INTEGER) AS DATE) AS expected_next,
           CASE WHEN recency_days > 2 * gap_days THEN 'overdue'
                WHEN recency_days + {DUE_WINDOW_DAYS} >= gap_days THEN 'due'
                ELSE 'later' END AS contact_status
    FROM (
        SELECT *, floor((f + m) / 2) AS fm,
               -- Capped: PostgreSQL raises an underflow for exp() of less than about
               -- -745; beyond -37, 1 - exp() is 1.0 in double precision anyway.
               1 - exp(-LEAST(GREATEST(recency_days, 0) / gap_days, 700)) AS churn_risk
        FROM scored
    ) AS banded
    ORDER BY customer_id
    """


@dataclass(frozen=True)
class ScoreState:
    """What the stored scores were computed from."""

    data_version: int
    as_of: date | None
    #: Whether the stored table has this version's columns (a newer GeoCRM may add some).
    current: bool = True


def orders_fingerprint_sql(dialect: Dialect) -> str:
    """SQL of one text that changes whenever the orders do: the scores are a function of
    the orders alone."""
    hashed = dialect.stable_hash_of("order_id", "customer_id", "order_date", "amount")
    return (
        "SELECT CAST(count(*) AS VARCHAR) || ':' || "
        f"CAST(COALESCE(sum({hashed}), 0) AS VARCHAR) FROM orders"
    )


#: The tables whose change may change the scores (and the table itself, kept with them).
SCORE_INPUTS = frozenset({"orders", "customer_scores"})


def refresh_scores_in(tx: StoreWriter) -> None:
    """Inside a write transaction: make the stored ``customer_scores`` match the orders.

    Run by the store before every commit, so scores change together with their inputs and
    readers never write. Free when the transaction wrote no orders; cheap when it rewrote
    them unchanged (one pass over them); scores are derived data, so writing them does not
    change the data version.
    """
    version = data_version_in(tx)
    state_text = tx.scalar("SELECT value FROM meta WHERE key = 'scores'")
    stored = parse_score_state(str(state_text)) if state_text is not None else None
    untouched = not tx.written_tables & SCORE_INPUTS
    if stored is not None and stored[0].current and untouched:
        # Nothing the scores depend on was written (an export logged, a segment saved):
        # no pass over the orders at all.
        if stored[0].data_version != version:
            _write_state(tx, ScoreState(version, stored[0].as_of), stored[1])
        return
    fingerprint = str(tx.scalar(orders_fingerprint_sql(tx.dialect)))
    if stored is not None and stored[0].current and stored[1] == fingerprint:
        if stored[0].data_version != version:
            _write_state(tx, ScoreState(version, stored[0].as_of), fingerprint)
        return
    as_of = tx.scalar("SELECT max(order_date) FROM orders")
    # A date literal, not a parameter: not every engine binds parameters in DDL.
    as_of_sql = f"DATE '{as_of.isoformat()}'" if as_of is not None else "CAST(NULL AS DATE)"
    # Rows replaced, not the table: dropping it would make readers of a server database
    # wait for the commit. Without a key index: maintaining one over a million deletes and
    # inserts costs twenty times the scoring itself.
    columns = ", ".join(SCORE_COLUMNS)
    tx.execute("DELETE FROM customer_scores")
    tx.execute(
        f"INSERT INTO customer_scores ({columns}) SELECT {columns} "
        f"FROM ({scores_sql(tx.dialect, as_of_sql)}) AS scores"
    )
    _write_state(tx, ScoreState(version, as_of), fingerprint)


def _write_state(tx: StoreWriter, state: ScoreState, fingerprint: str) -> None:
    as_of = state.as_of.isoformat() if state.as_of else ""
    tx.execute(
        "INSERT INTO meta VALUES ('scores', ?) ON CONFLICT (key) DO UPDATE "
        "SET value = excluded.value",
        [f"{state.data_version}|{as_of}|{SCORES_FORMAT}|{fingerprint}"],
    )


def parse_score_state(text: str) -> tuple[ScoreState, str]:
    """The state and the orders fingerprint; databases of older versions have no fingerprint."""
    version, as_of, fmt, fingerprint = [*text.split("|"), "", "", ""][:4]
    state = ScoreState(
        int(version), date.fromisoformat(as_of) if as_of else None, fmt == str(SCORES_FORMAT)
    )
    return state, fingerprint
