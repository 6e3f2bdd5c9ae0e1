"""Finding a customer in seconds: by name, ID, postcode or email, as you type.

Matching ignores case and accents ("cafe" finds "Café"), keeps IDs and postcodes as text
(leading zeros matter: "0123" is not "123"), and ranks what the user most likely meant
first: the exact ID, then IDs starting with the text, names starting with it, names
containing it, postcodes starting with it, and emails containing it. Ties go by name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

MIN_CHARS = 2
DEFAULT_LIMIT = 20


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: The columns of a search result, in order.
RESULT_COLUMNS = [
    "customer_id", "name", "kind", "postcode", "email", "lat", "lon", "matched",
    "area_name", "owner", "last_order",
]  # fmt: skip


def search_customers(
    store: Store, text: str, limit: int = DEFAULT_LIMIT, *, scope: Scope = EVERYTHING
) -> pd.DataFrame:
    """Up to ``limit`` customers and prospects matching ``text``, best first.

    Columns (RESULT_COLUMNS): customer_id, name, kind, postcode, email, lat, lon, matched
    (what matched), and what tells namesakes apart: area_name (their area at the finest
    level with its parent, e.g. 'Travis, Texas'; None when in no area), owner (their own,
    else their area's) and last_order (date of their latest order; None for prospects and
    customers without orders). Fewer than MIN_CHARS characters (after trimming) find
    nothing.
    """
    needle = text.strip()
    if len(needle) < MIN_CHARS:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    levels = store.levels()
    finest = levels[-1] if levels else ""
    fold = store.dialect.fold_accents
    pattern = _like_escape(needle)
    matched = " ".join(
        f"WHEN {rank} THEN '{what}'"
        for rank, what in enumerate(("ID", "ID", "name", "name", "postcode", "email"))
    )
    return store.query(
        f"""
        WITH q AS (SELECT {fold("lower(?)")} AS t, ? AS raw, ? AS pat),
        hits AS (
            SELECT c.customer_id, c.name, c.kind, c.postcode, c.email, c.lat, c.lon, c.owner,
                CASE
                    WHEN lower(c.customer_id) = lower(q.raw) THEN 0
                    WHEN lower(c.customer_id) LIKE lower(q.pat) || '%' ESCAPE '\\' THEN 1
                    WHEN {fold("lower(c.name)")} LIKE q.t || '%' ESCAPE '\\' THEN 2
                    WHEN {fold("lower(c.name)")} LIKE '%' || q.t || '%' ESCAPE '\\' THEN 3
                    WHEN c.postcode LIKE q.pat || '%' ESCAPE '\\' THEN 4
                    WHEN lower(c.email) LIKE '%' || lower(q.pat) || '%' ESCAPE '\\' THEN 5
                END AS rank
            FROM customers c, q
        ),
        best AS (
            SELECT * FROM hits WHERE rank IS NOT NULL
            ORDER BY rank, {fold("lower(name)")}, customer_id LIMIT ?
        ),
        latest AS (
            SELECT customer_id, max(order_date) AS last_order FROM orders
            WHERE customer_id IN (SELECT customer_id FROM best) GROUP BY customer_id
        )
        SELECT b.customer_id, b.name, b.kind, b.postcode, b.email, b.lat, b.lon,
               CASE b.rank {matched} END AS matched,
               CASE WHEN up.name IS NULL THEN fine.name ELSE fine.name || ', ' || up.name END
                   AS area_name,
               COALESCE(b.owner, fine.owner, up.owner) AS owner,
               CAST(latest.last_order AS DATE) AS last_order
        FROM best b
        LEFT JOIN assignments a ON a.customer_id = b.customer_id AND a.level = ?
        LEFT JOIN areas fine ON fine.area_id = a.area_id
        LEFT JOIN areas up ON up.area_id = fine.parent_id
        LEFT JOIN latest ON latest.customer_id = b.customer_id
        ORDER BY b.rank, {fold("lower(b.name)")}, b.customer_id
        """,
        [pattern, needle, pattern, int(limit), finest],
        scope=scope,
    )[RESULT_COLUMNS]


def describe_result(row: pd.Series) -> str:
    """One line that tells a result from its namesakes: 'Travis, Texas · 78701 · owner
    Avery Collins · last order 12 Mar 2026' (missing parts left out; a prospect says so)."""
    parts = [
        str(row["area_name"]) if _present(row["area_name"]) else "in no area",
        str(row["postcode"]) if _present(row["postcode"]) else "",
        f"owner {row['owner']}" if _present(row["owner"]) else "no owner",
    ]
    if row["kind"] == "prospect":
        parts.append("prospect")
    elif _present(row["last_order"]):
        parts.append(f"last order {pd.Timestamp(row['last_order']):%d %b %Y}")
    else:
        parts.append("no orders yet")
    return " · ".join(p for p in parts if p)


def _present(value: Any) -> bool:
    return bool(pd.notna(value)) and str(value) != ""
