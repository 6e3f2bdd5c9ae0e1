"""What a customer file does to the stored customers: new, changed or the same, and how.

Compared field by field on the canonical columns (:data:`geo.schema.CUSTOMER_COLUMNS`) as
text: coordinates in degrees as stored (shortest exact form), dates as YYYY-MM-DD, an
empty cell and a missing one alike.
"""

from __future__ import annotations

import pandas as pd

from geo.import_report import ChangedCustomer, CustomerChanges
from geo.schema import CUSTOMER_COLUMNS, LOCATION_PROVENANCE

#: The columns compared: what the file says (how its point was found follows from them).
COMPARED_COLUMNS = tuple(c for c in CUSTOMER_COLUMNS if c not in LOCATION_PROVENANCE)

#: How many changed customers a report shows field by field.
SHOWN_CHANGES = 5


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for column in COMPARED_COLUMNS:
        values = frame[column]
        if column == "created_on":
            text = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        elif column in ("lat", "lon"):
            numbers = pd.to_numeric(values, errors="coerce").astype("float64")
            text = numbers.map(lambda v: "" if pd.isna(v) else repr(float(v)))
        else:
            text = values.astype("string")
        out[column] = text.astype("string").fillna("").astype(object)
    return out


def customer_changes(incoming: pd.DataFrame, stored: pd.DataFrame) -> CustomerChanges:
    """How ``incoming`` (customers about to be imported) changes ``stored`` (the stored
    customers, or those among them with an incoming ID), with the first
    :data:`SHOWN_CHANGES` changed customers field by field."""
    if stored.empty:  # a first import, or none of its IDs stored: every row is new
        return CustomerChanges(added=len(incoming), changed=0, unchanged=0)
    # Only the rows whose ID is stored are compared, as text (a million new rows are not).
    stored_ids = pd.Index(stored["customer_id"].astype(object))
    incoming_ids = pd.Index(incoming["customer_id"].astype(object))
    both = incoming_ids.isin(stored_ids)
    new = _as_text(incoming[both]).set_index("customer_id", drop=False)
    kept = stored[stored_ids.isin(new.index)]
    old = _as_text(kept).set_index("customer_id", drop=False)
    common = new.index.intersection(old.index)
    before, after = old.loc[common], new.loc[common]
    differs = before.ne(after)
    changed_ids = common[differs.any(axis=1).to_numpy()]
    examples = tuple(
        ChangedCustomer(
            str(customer_id),
            tuple(
                (column, str(before.at[customer_id, column]), str(after.at[customer_id, column]))
                for column in COMPARED_COLUMNS
                if differs.at[customer_id, column]
            ),
        )
        for customer_id in changed_ids[:SHOWN_CHANGES]
    )
    return CustomerChanges(
        added=len(incoming) - len(common),
        changed=len(changed_ids),
        unchanged=len(common) - len(changed_ids),
        examples=examples,
    )
