"""The audit trail: sign-ins, exports and user changes, who and when.

One table, ``audit_log`` (logged_at in UTC, actor's email or ``local``, action, subject,
detail, rows, format), written inside the transaction of what it records where there is
one, so a change and its record commit together.
"""

from __future__ import annotations

import pandas as pd

from geo.store.protocol import Store, StoreWriter

#: The actor recorded when no login is configured (one person on their own machine).
LOCAL_ACTOR = "local"
#: The actions recorded.
ACTIONS = ("sign-in", "refused", "export", "user added", "user changed", "user removed")


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
        "VALUES (current_timestamp, ?, ?, ?, ?, ?, ?)",
        [actor, action, subject, detail, rows, fmt],
    )


def log_event(store: Store, actor: str, action: str, subject: str = "", detail: str = "") -> None:
    """Add one entry to the audit trail in a transaction of its own (a sign-in)."""
    with store.transaction() as tx:
        record_event(tx, actor, action, subject, detail)


def audit_entries(store: Store, limit: int | None = None) -> pd.DataFrame:
    """The audit trail, newest first (all of it without ``limit``)."""
    sql = (
        "SELECT logged_at, actor, action, subject, detail, rows, format FROM audit_log "
        "ORDER BY logged_at DESC, actor, action"
    )
    if limit is None:
        return store.query(sql)
    return store.query(sql + " LIMIT ?", [int(limit)])
