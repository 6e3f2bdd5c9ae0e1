"""The data version: a number in ``meta`` that every write of the data moves on (caches and
the stamps of derived data key on it)."""

from __future__ import annotations

from geo.store.protocol import StoreReader


def data_version_in(reader: StoreReader) -> int:
    """The data version ``reader`` sees (0 in a database never written)."""
    value = reader.scalar("SELECT value FROM meta WHERE key = 'data_version'")
    return int(value) if value is not None else 0
