"""The churn backtest on the seeded demo: counts add up and the model beats chance."""

from __future__ import annotations

from geo.analytics.churn_backtest import backtest_churn
from geo.store.protocol import Store


def test_backtest_counts_add_up_and_high_risk_beats_the_base_rate(demo_store: Store) -> None:
    result = backtest_churn(demo_store)
    assert (result.window_end - result.cutoff).days in range(181, 185)
    high, wide, naive = result.rules
    base_rate = high.stopped / high.customers
    assert 0 < high.stopped < high.customers
    assert {r.customers for r in result.rules} == {high.customers}
    assert wide.flagged >= high.flagged and wide.recall >= high.recall
    # The demo's churners are not flagged anywhere in the data: the model must find them.
    assert high.precision > base_rate + 0.1
    assert naive.flagged > 0
