"""The alignment history: which territory and owner held each unit on any day.

Written by :mod:`geo.territories.applying`; each row holds a unit in a territory (with the
territory's name and owner then) from ``valid_from`` (NULL: since records began) until the
day before ``valid_to`` (NULL: still). Days are calendar dates. Flows and sales credited by
it (:func:`geo.analytics.flows.flows_sql` with ``units``) count each period for the
territory that held the customer's unit on the period's first day.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from geo.store.protocol import Store


def history_unit_level(store: Store, territory_level: str) -> str | None:
    """The level whose units the history of ``territory_level`` records (the latest
    applied), or None when no scenario was ever applied to it."""
    found = store.query(
        "SELECT unit_level FROM alignment_history WHERE territory_level = ? "
        "ORDER BY recorded_at DESC LIMIT 1",
        [territory_level],
    )
    return None if found.empty else str(found["unit_level"].iloc[0])


def alignment_on(store: Store, territory_level: str, day: date) -> pd.DataFrame:
    """Each unit's territory, its name and owner on ``day`` (one row per unit recorded;
    unit_id, territory_id, territory_name, owner), by unit_id."""
    frame = store.query(
        "SELECT unit_id, territory_id, territory_name, owner FROM alignment_history "
        "WHERE territory_level = ? AND (valid_from IS NULL OR valid_from <= ?) "
        "AND (valid_to IS NULL OR valid_to > ?) ORDER BY unit_id",
        [territory_level, day, day],
    )
    return frame.reset_index(drop=True)


def alignment_changes(store: Store, territory_level: str) -> pd.DataFrame:
    """Every dated change of ``territory_level`` (effective date, scenario, who recorded
    it, units that changed), newest first."""
    frame = store.query(
        "SELECT valid_from AS effective, scenario, recorded_by, count(*) AS units "
        "FROM alignment_history WHERE territory_level = ? AND valid_from IS NOT NULL "
        "GROUP BY valid_from, scenario, recorded_by ORDER BY valid_from DESC",
        [territory_level],
    )
    frame["units"] = frame["units"].astype("int64")
    return frame
