"""How long an operation waits for the database before it gives up with a plain message."""

from __future__ import annotations

import os

#: How long to wait for another process (a writer) to release the database, in seconds
#: (``GEOCRM_LOCK_WAIT_SECONDS`` overrides it).
LOCK_WAIT_SECONDS = 20.0


def lock_wait_seconds() -> float:
    """How long an operation waits for another process to release the database, in seconds."""
    text = os.environ.get("GEOCRM_LOCK_WAIT_SECONDS")
    try:
        return max(float(text), 0.0) if text else LOCK_WAIT_SECONDS
    except ValueError:
        return LOCK_WAIT_SECONDS
