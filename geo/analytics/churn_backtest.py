"""How well the churn risk finds the customers who stop buying: a backtest.

Score every customer as of a cut-off date using only the orders up to it, then look at
the following months: a customer "stopped" when they placed no order in that window.
Precision = of those flagged, the share who stopped; recall = of those who stopped, the
share flagged. A naive rule (no order in the last 90 days) is scored the same way, as a
yardstick.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd

from geo.analytics.scores import compute_scores, data_as_of
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

NAIVE_SILENT_DAYS = 90


@dataclass(frozen=True)
class RuleScore:
    """One flagging rule's confusion counts, precision and recall."""

    rule: str
    flagged: int
    stopped_and_flagged: int
    stopped: int
    customers: int

    @property
    def precision(self) -> float:
        return self.stopped_and_flagged / self.flagged if self.flagged else float("nan")

    @property
    def recall(self) -> float:
        return self.stopped_and_flagged / self.stopped if self.stopped else float("nan")

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall}


@dataclass(frozen=True)
class Backtest:
    cutoff: date
    window_end: date
    rules: tuple[RuleScore, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "cutoff": self.cutoff.isoformat(),
            "window_end": self.window_end.isoformat(),
            "rules": [r.to_dict() for r in self.rules],
        }

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.to_dict() for r in self.rules])


def _score(rule: str, flagged: pd.Series, stopped: pd.Series) -> RuleScore:
    return RuleScore(
        rule=rule,
        flagged=int(flagged.sum()),
        stopped_and_flagged=int((flagged & stopped).sum()),
        stopped=int(stopped.sum()),
        customers=len(stopped),
    )


def backtest_churn(
    store: Store, cutoff: date | None = None, months: int = 6, *, scope: Scope = EVERYTHING
) -> Backtest:
    """Predict at ``cutoff`` (default: ``months`` before the data's latest order), observe
    the ``months`` after it. Customers are those with an order up to the cut-off."""
    latest = data_as_of(store, scope=scope)
    if latest is None:
        raise ValueError("no orders: nothing to backtest")
    cutoff = cutoff or (pd.Timestamp(latest) - pd.DateOffset(months=months)).date()
    window_end = (pd.Timestamp(cutoff) + pd.DateOffset(months=months)).date()
    scores = compute_scores(store, cutoff, scope=scope).set_index("customer_id")
    bought = store.query(
        "SELECT DISTINCT customer_id FROM orders WHERE order_date > ? AND order_date <= ?",
        [cutoff, window_end],
        scope=scope,
    )["customer_id"]
    stopped = ~scores.index.isin(bought)
    stopped_s = pd.Series(stopped, index=scores.index)
    rules = (
        _score("churn risk band high", scores["risk_band"] == "high", stopped_s),
        _score(
            "churn risk band medium or high",
            scores["risk_band"].isin(["medium", "high"]),
            stopped_s,
        ),
        _score(
            f"naive: no order in the last {NAIVE_SILENT_DAYS} days",
            scores["recency_days"] > NAIVE_SILENT_DAYS,
            stopped_s,
        ),
    )
    return Backtest(cutoff, window_end, rules)
