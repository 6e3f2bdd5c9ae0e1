"""Roll-ups: the selection's counts and sums pre-aggregated per cell, kept with their inputs.

A cell is what the filters that roll-ups answer can tell customers apart by, at one area
level: ``(level, area_id, location_status, kind, owner, segment, risk_band,
contact_status)``, each defined exactly as :func:`geo.segments.selection.selection_sql`
defines the selection's columns at that level (the owner is the customer's own, else its
area's; the status is the assignment's, else ``no_location`` / ``outside_areas``). Rows of
``level`` NULL are the selection without a level (no assignments joined: no area, the
customer's own owner). Three tables:

- ``rollup_people``: customers and prospects per cell (``people``), a customer counted
  once per assignment row, as the selection's join does;
- ``rollup_sales_days``: orders (one per order, dated by its earliest line) and their
  amounts per cell and order date (calendar date);
- ``rollup_sales_months``: the same per cell and month (``month``: its first day), which a
  date range made of whole months reads instead of the days;
- ``rollup_area_days`` and ``rollup_area_months``: the same sums per area cell, the cell
  without the score columns (segment, risk band, contact timing): many times fewer rows,
  for the filters that do not look at scores.

Sums of money are stored rounded to millionths of the currency unit (as
:func:`geo.store.derived_tables.money_sum` does), so every engine stores the same
numbers. The tables are rebuilt inside the write transaction that changed their inputs
(:func:`refresh_rollups_in`, which the store runs before every commit, after the scores),
so readers never write and never see roll-ups out of step with the rows they sum.
"""

from __future__ import annotations

import json

from geo.schema import NO_LOCATION, OUTSIDE_AREAS
from geo.store.derived_tables import SCORES_FORMAT, money_sum
from geo.store.protocol import StoreReader, StoreWriter
from geo.store.scope import HIDDEN_TABLES

#: Bumped when what the roll-ups hold changes, so that older roll-ups are rebuilt.
ROLLUPS_FORMAT = 1
#: The columns of a cell, in every roll-up table.
CELL_COLUMNS = (
    "level",
    "area_id",
    "location_status",
    "kind",
    "owner",
    "segment",
    "risk_band",
    "contact_status",
)
#: The columns of an area cell: a cell without its score columns.
AREA_CELL_COLUMNS = CELL_COLUMNS[:5]
# The same names a restricted scope sees empty (the cells sum every customer of an area).
ROLLUP_TABLES = HIDDEN_TABLES

_AREA_CELL_DDL = (
    "level VARCHAR, area_id VARCHAR, location_status VARCHAR NOT NULL, kind VARCHAR NOT NULL, "
    "owner VARCHAR"
)
_CELL_DDL = f"{_AREA_CELL_DDL}, segment VARCHAR, risk_band VARCHAR, contact_status VARCHAR"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS rollup_people ({_CELL_DDL}, people BIGINT NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS rollup_sales_days ({_CELL_DDL}, order_date DATE NOT NULL, "
    "orders BIGINT NOT NULL, sales DOUBLE PRECISION NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS rollup_sales_months ({_CELL_DDL}, month DATE NOT NULL, "
    "orders BIGINT NOT NULL, sales DOUBLE PRECISION NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS rollup_area_days ({_AREA_CELL_DDL}, order_date DATE NOT NULL, "
    "orders BIGINT NOT NULL, sales DOUBLE PRECISION NOT NULL)",
    f"CREATE TABLE IF NOT EXISTS rollup_area_months ({_AREA_CELL_DDL}, month DATE NOT NULL, "
    "orders BIGINT NOT NULL, sales DOUBLE PRECISION NOT NULL)",
    # One row: what the roll-ups were built from, and the levels they hold.
    "CREATE TABLE IF NOT EXISTS rollup_state "
    "(fingerprint VARCHAR NOT NULL, levels VARCHAR NOT NULL, format INTEGER NOT NULL)",
)


def create_rollup_tables(tx: StoreWriter) -> None:
    """Schema step 4: the roll-up tables (each created only if missing). They are filled
    by the same transaction's refresh before it commits."""
    for statement in _SCHEMA:
        tx.execute(statement)


def has_rollup_tables(reader: StoreReader) -> bool:
    """Whether the database has the roll-up tables (a database of an older schema, opened
    read-only, has none)."""
    found = reader.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'rollup_state' "
        "AND table_schema = ?",
        [reader.dialect.table_schema],
    )
    return bool(found)


def rolled_up_levels(reader: StoreReader) -> frozenset[str] | None:
    """The area levels the roll-ups hold cells of, when they are current roll-ups of this
    version; None when there are none to read (then every figure is computed on the fly)."""
    if not has_rollup_tables(reader):
        return None
    row = reader.query("SELECT levels, format FROM rollup_state")
    if len(row) != 1 or int(row["format"].iloc[0]) != ROLLUPS_FORMAT:
        return None
    return frozenset(json.loads(str(row["levels"].iloc[0])))


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _cells_of(level: str | None) -> tuple[str, str, str]:
    """The cell at ``level`` (None: no level): its level (a constant), the select list of
    its other columns, and the joins they need after ``customers c`` (the same joins and
    expressions as the selection's)."""
    unlocated = (
        f"CASE WHEN c.lat IS NULL OR c.lon IS NULL THEN '{NO_LOCATION}' ELSE '{OUTSIDE_AREAS}' END"
    )
    scores = "cs.segment, cs.risk_band, cs.contact_status"
    scores_join = "LEFT JOIN customer_scores cs ON cs.customer_id = c.customer_id"
    if level is None:
        rest = f"CAST(NULL AS VARCHAR), {unlocated}, c.kind, c.owner, {scores}"
        return "CAST(NULL AS VARCHAR)", rest, scores_join
    rest = (
        f"a.area_id, COALESCE(a.location_status, {unlocated}), c.kind, "
        f"COALESCE(c.owner, ar.owner), {scores}"
    )
    joins = (
        f"LEFT JOIN assignments a ON a.customer_id = c.customer_id AND a.level = {_text(level)} "
        f"LEFT JOIN areas ar ON ar.area_id = a.area_id {scores_join}"
    )
    return f"CAST({_text(level)} AS VARCHAR)", rest, joins


def rebuild_rollups(tx: StoreWriter) -> list[str]:
    """Fill the roll-up tables from the customers, assignments, areas, scores and orders
    seen by ``tx``; returns the levels rolled up (every level of an area or assignment)."""
    for table in ROLLUP_TABLES:
        tx.execute(f"DELETE FROM {table}")
    levels = [
        str(v)
        for v in tx.query(
            "SELECT level FROM areas UNION SELECT level FROM assignments ORDER BY level"
        )["level"]
    ]
    columns = ", ".join(CELL_COLUMNS)
    # A business of customers only (no orders yet, as after its first import) has no sales
    # cells: the passes that would join every customer to no order are skipped.
    has_orders = tx.scalar("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT 1) AS one") > 0
    for level in [None, *levels]:
        # The level is a constant of each statement; the cells are grouped by the rest.
        level_sql, rest, joins = _cells_of(level)
        tx.execute(
            f"INSERT INTO rollup_people ({columns}, people) "
            f"SELECT {level_sql}, {rest}, count(*) FROM customers c {joins} GROUP BY {rest}"
        )
        if not has_orders:
            continue
        tx.execute(
            f"INSERT INTO rollup_sales_days ({columns}, order_date, orders, sales) "
            f"SELECT {level_sql}, {rest}, o.order_date, count(*), "
            f"{money_sum('o.amount', tx.dialect)} "
            f"FROM orders o JOIN customers c ON c.customer_id = o.customer_id {joins} "
            f"GROUP BY {rest}, o.order_date ORDER BY o.order_date"
        )
    month = "CAST(date_trunc('month', order_date) AS DATE)"
    area_columns = ", ".join(AREA_CELL_COLUMNS)
    # Stored by level and date, so that a level and a date range skip the rest.
    for table, source, keys, day, when in (
        ("rollup_sales_months", "rollup_sales_days", columns, "month", month),
        ("rollup_area_days", "rollup_sales_days", area_columns, "order_date", "order_date"),
        ("rollup_area_months", "rollup_area_days", area_columns, "month", month),
    ):
        tx.execute(
            f"INSERT INTO {table} ({keys}, {day}, orders, sales) "
            f"SELECT {keys}, {when}, sum(orders), {money_sum('sales', tx.dialect)} "
            f"FROM {source} GROUP BY {keys}, {when} ORDER BY level, {when}"
        )
    return levels


def inputs_fingerprint(tx: StoreReader) -> str:
    """One text that changes whenever an input of the roll-ups does: the customers' kind,
    owner and whether located, the assignments, the areas' level and owner, and (through
    the scores' state, a fingerprint of the orders) the orders and their scores."""
    hashed = tx.dialect.stable_hash_of
    parts = (
        (
            "customers",
            hashed(
                "customer_id",
                "kind",
                "COALESCE(owner, '~')",
                "CASE WHEN lat IS NULL OR lon IS NULL THEN 'n' ELSE 'y' END",
            ),
        ),
        (
            "assignments",
            hashed("customer_id", "level", "COALESCE(area_id, '~')", "location_status"),
        ),
        ("areas", hashed("area_id", "level", "COALESCE(owner, '~')")),
    )
    sums = " || '/' || ".join(
        f"(SELECT CAST(count(*) AS VARCHAR) || ':' || CAST(COALESCE(sum({h}), 0) AS VARCHAR) "
        f"FROM {table})"
        for table, h in parts
    )
    scores = tx.scalar("SELECT value FROM meta WHERE key = 'scores'")
    # The scores' state: data version | as-of date | format | orders fingerprint; all but
    # the data version say what the scores and orders are.
    scores_state = "|".join(str(scores).split("|")[1:]) if scores is not None else ""
    return f"{tx.scalar(f'SELECT {sums}')}|{scores_state}|{SCORES_FORMAT}"


#: The tables the roll-ups are made of: a transaction that wrote none of them leaves them.
ROLLUP_INPUTS = frozenset({"customers", "assignments", "areas", "orders", "customer_scores"})


def refresh_rollups_in(tx: StoreWriter) -> None:
    """Inside a write transaction: make the roll-ups match their inputs.

    Run by the store before every commit, after the scores. Free when the transaction wrote
    none of :data:`ROLLUP_INPUTS`; cheap when it rewrote them unchanged (one pass over the
    customers, assignments and areas); a database whose schema has no roll-ups yet (before
    its upgrade) is left alone.
    """
    if not has_rollup_tables(tx):
        return
    state = tx.query("SELECT fingerprint, format FROM rollup_state")
    current = len(state) == 1 and int(state["format"].iloc[0]) == ROLLUPS_FORMAT
    if current and not tx.written_tables & ROLLUP_INPUTS:
        # Nothing the roll-ups are made of was written (an export logged, a segment
        # saved): no pass over the customers at all.
        return
    fingerprint = inputs_fingerprint(tx)
    if current and str(state["fingerprint"].iloc[0]) == fingerprint:
        return
    levels = rebuild_rollups(tx)
    tx.execute(
        "INSERT INTO rollup_state (fingerprint, levels, format) VALUES (?, ?, ?)",
        [fingerprint, json.dumps(levels), ROLLUPS_FORMAT],
    )
