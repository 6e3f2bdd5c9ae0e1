"""The audit trail: sign-ins, exports and user changes, who and when.

One table, ``audit_log`` (logged_at in UTC, actor's email or ``local``, action, subject,
detail, rows, format), written inside the transaction of what it records where there is
one, so a change and its record commit together.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from geo.store.protocol import Store, StoreWriter

#: The actor recorded when no login is configured (one person on their own machine).
LOCAL_ACTOR = "local"
#: The actions recorded.
ACTIONS = ("sign-in", "refused", "export", "user added", "user changed", "user removed")


def utc_now() -> datetime:
    """Now in UTC, without a time zone (as the TIMESTAMP columns hold it, whatever the
    engine's or the machine's time zone)."""
    return datetime.now(UTC).replace(tzinfo=None)


def times_as_text(values: pd.Series) -> pd.Series:
    """Times (UTC) as ``YYYY-MM-DD HH:MM:SS`` text, as tables and files show them: a file's
    date column would drop the time of day, which is what an audit is read for."""
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")


def record_event(
    tx: StoreWriter,
    actor: str,
    action: str,
    subject: str = "",
    detail: str = "",
    *,
    rows: int | None = None,
    fmt: str | None = None,
) -> None:
    """Add one entry to the audit trail, inside the caller's transaction."""
    tx.execute(
        "INSERT INTO audit_log (logged_at, actor, action, subject, detail, rows, format) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [utc_now(), actor, action, subject, detail, rows, fmt],
    )


def log_event(
    store: Store,
    actor: str,
    action: str,
    subject: str = "",
    detail: str = "",
    *,
    rows: int | None = None,
    fmt: str | None = None,
) -> None:
    """Add one entry to the audit trail in a transaction of its own (a sign-in, a deck)."""
    with store.transaction() as tx:
        record_event(tx, actor, action, subject, detail, rows=rows, fmt=fmt)


def audit_entries(store: Store, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first (all of it without ``limit``)."""
    sql = (
        "SELECT logged_at, actor, action, subject, detail, rows, format FROM audit_log "
        "ORDER BY logged_at DESC, actor, action"
    )
    if limit is None:
        return store.query(sql)
    return store.query(sql + " LIMIT ?", [int(limit)])


def audit_table(store: Store, limit: int | None = None) -> pd.DataFrame:
    """The audit trail as a table shows it and a file holds it, newest first: the time
    (UTC) as text to the second, rows a whole number or empty, missing text empty."""
    frame = audit_entries(store, limit)
    frame["logged_at"] = times_as_text(frame["logged_at"])
    frame["rows"] = pd.to_numeric(frame["rows"]).astype("Int64")
    for column in ("subject", "detail", "format"):
        frame[column] = frame[column].astype("string").fillna("")
    return frame.reset_index(drop=True)
