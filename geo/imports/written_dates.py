"""Reading ISO 8601 dates from text cells as the dates written.

A CRM export may stamp its dates with time zones, and mix them (``2024-01-05T10:00+02:00``
beside ``2024-02-01`` and ``...Z``). GeoCRM stores calendar dates, so each cell's date is
the one written, in its own time zone: the offset is dropped, never converted (converting
``2024-03-01T23:30-05:00`` to UTC would move it to March 2nd).
"""

from __future__ import annotations

import pandas as pd

#: A time of day, then a UTC offset or ``Z`` that ends the cell (a date alone has none:
#: the ``-04`` of ``2026-03-04`` is its day).
_TIME_AND_OFFSET = r"([T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(?:Z|[+-]\d\d(?::?\d\d)?)$"


def written_dates(cells: pd.Series) -> pd.Series:
    """The date-times of ``cells`` (text, ISO 8601) without time zone, as written (NaT for
    an empty cell or text that is not such a date)."""
    text = cells.astype("string").str.strip().str.replace(_TIME_AND_OFFSET, r"\1", regex=True)
    return pd.to_datetime(text, errors="coerce", format="ISO8601")
