"""Which table a write statement changes: a writer handle keeps the set, so that work kept
with a table (the customer scores with the orders) is redone only when that table changed."""

from __future__ import annotations

import re

_TARGET = re.compile(
    r"^\s*(?:INSERT\s+INTO|DELETE\s+FROM|UPDATE|TRUNCATE(?:\s+TABLE)?|DROP\s+TABLE"
    r"(?:\s+IF\s+EXISTS)?|CREATE\s+TABLE(?:\s+IF\s+NOT\s+EXISTS)?|ALTER\s+TABLE)\s+"
    r"(?:\w+\.)?(\w+)",
    re.IGNORECASE,
)


def written_table(sql: str) -> str | None:
    """The table ``sql`` writes to (lower case, without its schema), or None for a statement
    that writes no table (a read, a setting)."""
    match = _TARGET.match(sql)
    return match.group(1).lower() if match else None
