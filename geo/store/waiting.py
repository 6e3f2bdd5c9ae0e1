"""How long an operation waits for the database before it gives up with a plain message."""

from __future__ import annotations

import os

#: How long to wait for another process (a writer) to release the database, in seconds
#: (``GEOCRM_LOCK_WAIT_SECONDS`` overrides it).
LOCK_WAIT_SECONDS = 20.0


def lock_wait_seconds() -> float:
    """How long an operation waits for another process to release the database, in seconds."""
    return _seconds_from("GEOCRM_LOCK_WAIT_SECONDS", LOCK_WAIT_SECONDS)


def _seconds_from(variable: str, default: float) -> float:
    """Seconds from the environment variable (not negative), else ``default``."""
    text = os.environ.get(variable)
    try:
        return max(float(text), 0.0) if text else default
    except ValueError:
        return default


#: How long a server operation waits for a free connection of its process's pool, in
#: seconds (``GEOCRM_POOL_WAIT_SECONDS`` overrides it). Longer than the writers' wait: every
#: connection in use means many people reading at once, and they queue rather than fail.
POOL_WAIT_SECONDS = 120.0


def pool_wait_seconds() -> float:
    """How long an operation waits for a free connection of the pool, in seconds."""
    return _seconds_from("GEOCRM_POOL_WAIT_SECONDS", POOL_WAIT_SECONDS)
