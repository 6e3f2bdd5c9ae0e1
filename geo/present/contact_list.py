"""The Contact list's figures: who to call, per owner, and the first of the call list, read
without loading every due customer.

The call order is :func:`geo.present.target_list.build_target_list`'s ``by_priority``:
owner (A to Z, no owner last), then 3-year value highest first, churn risk highest first,
expected next order soonest first, customer ID. The totals and the per-owner table are
counted by the database; the first rows are read for the first owners only (those the
first ``head`` rows reach), and ordered here as the full list orders them, so they are the
full list's first rows on every store.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geo.segments.filters import Filters
from geo.segments.selection import selected_by_owner, selected_of_owners
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: The call order: the columns and their directions (missing values last).
CALL_ORDER = ["owner", "value_3y", "churn_risk", "expected_next_order", "customer_id"]
CALL_ASCENDING = [True, False, False, True, True]
NO_OWNER = "No owner"


@dataclass(frozen=True)
class ContactPlan:
    """Who to contact: how many (``rows``), overdue, the 3-year value at stake, the table
    per owner (most value first) and the first ``head`` rows of the call list."""

    rows: int
    overdue: int
    value_at_stake: float
    by_owner: pd.DataFrame
    first_calls: pd.DataFrame


def in_call_order(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (select_customers' columns) in the call order."""
    return rows.sort_values(
        CALL_ORDER, ascending=CALL_ASCENDING, na_position="last", kind="stable"
    ).reset_index(drop=True)


def contact_plan(
    store: Store, filters: Filters, head: int = 500, *, scope: Scope = EVERYTHING
) -> ContactPlan:
    """The Contact list of ``filters`` (see the module docstring)."""
    owners = selected_by_owner(store, filters, scope=scope)
    named = owners[owners["owner"].notna()].sort_values("owner", kind="stable")
    # The first owners, A to Z, whose rows make up the first ``head`` calls.
    reached = named["n"].cumsum().shift(fill_value=0) < head
    first_owners = [str(o) for o in named.loc[reached, "owner"]]
    without_owner = bool(owners["owner"].isna().any()) and int(named["n"].sum()) < head
    first = selected_of_owners(
        store, filters, first_owners, without_owner=without_owner, scope=scope
    )
    by_owner = (
        owners.assign(owner=owners["owner"].fillna(NO_OWNER))
        .groupby("owner", as_index=False)[["n", "overdue", "value_3y"]]
        .sum()
        .rename(columns={"n": "customers", "value_3y": "value_at_stake"})
        .sort_values(["value_at_stake", "owner"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
    )
    return ContactPlan(
        rows=int(owners["n"].sum()),
        overdue=int(owners["overdue"].sum()),
        value_at_stake=float(owners["value_3y"].sum()),
        by_owner=by_owner,
        first_calls=in_call_order(first).head(head),
    )
