"""Finding a customer in seconds: by name, ID, postcode or email, as you type.

Matching ignores case and accents ("cafe" finds "Café"), keeps IDs and postcodes as text
(leading zeros matter: "0123" is not "123"), and ranks what the user most likely meant
first: the exact ID, then IDs starting with the text, names starting with it, names
containing it, postcodes starting with it, and emails containing it. Ties go by name.
"""

from __future__ import annotations

import pandas as pd

from geo.store import Store

MIN_CHARS = 2
DEFAULT_LIMIT = 20


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_customers(store: Store, text: str, limit: int = DEFAULT_LIMIT) -> pd.DataFrame:
    """Up to ``limit`` customers and prospects matching ``text``, best first.

    Columns: customer_id, name, kind, postcode, email, lat, lon, matched (what matched).
    Fewer than MIN_CHARS characters (after trimming) find nothing.
    """
    needle = text.strip()
    if len(needle) < MIN_CHARS:
        return pd.DataFrame(
            columns=["customer_id", "name", "kind", "postcode", "email", "lat", "lon", "matched"]
        )
    folded = "strip_accents(lower(?))"
    pattern = _like_escape(needle)
    return store.query(
        f"""
        WITH q AS (SELECT {folded} AS t, ? AS raw, ? AS pat),
        hits AS (
            SELECT c.customer_id, c.name, c.kind, c.postcode, c.email, c.lat, c.lon,
                CASE
                    WHEN lower(c.customer_id) = lower(q.raw) THEN 0
                    WHEN lower(c.customer_id) LIKE lower(q.pat) || '%' ESCAPE '\\' THEN 1
                    WHEN strip_accents(lower(c.name)) LIKE q.t || '%' ESCAPE '\\' THEN 2
                    WHEN strip_accents(lower(c.name)) LIKE '%' || q.t || '%' ESCAPE '\\' THEN 3
                    WHEN c.postcode LIKE q.pat || '%' ESCAPE '\\' THEN 4
                    WHEN lower(c.email) LIKE '%' || lower(q.pat) || '%' ESCAPE '\\' THEN 5
                END AS rank
            FROM customers c, q
        )
        SELECT customer_id, name, kind, postcode, email, lat, lon,
               ['ID', 'ID', 'name', 'name', 'postcode', 'email'][rank + 1] AS matched
        FROM hits WHERE rank IS NOT NULL
        ORDER BY rank, strip_accents(lower(name)), customer_id LIMIT ?
        """,
        [_like_escape(needle), needle, pattern, int(limit)],
    )
