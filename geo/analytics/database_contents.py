"""What the database holds and where its customers are, in the words the pages use.

Counts are whole records; customers and prospects are counted as the headline figures
count them (:mod:`geo.analytics.figures`), wherever they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd

from geo.analytics.figures import GLOSSARY, SelectionFigures
from geo.schema import LOCATION_STATUSES
from geo.store.protocol import Store

#: What each kind of import writes, in words (the ``table_name`` of the import log).
IMPORTED_TABLES = {
    "customers": "Customers or prospects",
    "sales": "Order lines",
    "areas": "Areas",
}


@dataclass(frozen=True)
class ContentLine:
    """One kind of record: its name, how many there are, and a short note."""

    label: str
    count: int
    note: str = ""


def database_contents(
    table_counts: dict[str, int], area_counts: dict[str, int], figures: SelectionFigures
) -> list[ContentLine]:
    """The database's records by kind: ``table_counts`` from :meth:`Store.table_counts`,
    ``area_counts`` per level coarse to fine, ``figures`` of the whole database at its
    finest level (so that "in an area" means in one of its finest areas)."""
    levels = " · ".join(f"{level}: {n:,}" for level, n in area_counts.items())
    return [
        ContentLine(GLOSSARY["customers"].label, figures.customers, figures.where_note("customer")),
        ContentLine(GLOSSARY["prospects"].label, figures.prospects, figures.where_note("prospect")),
        ContentLine(
            GLOSSARY["orders"].label,
            table_counts.get("orders", 0),
            f"{table_counts.get('sales', 0):,} order lines",
        ),
        ContentLine("Areas", table_counts.get("areas", 0), levels),
        ContentLine(
            "Customers with scores",
            table_counts.get("customer_scores", 0),
            "RFM segment and churn risk, for customers with orders",
        ),
        ContentLine("Saved segments", table_counts.get("segments", 0)),
        ContentLine("Imports logged", table_counts.get("import_log", 0)),
        ContentLine("Exports logged", table_counts.get("export_log", 0)),
    ]


def contents_table(lines: list[ContentLine]) -> pd.DataFrame:
    """The lines as a table of text, counts with thousands separators."""
    return pd.DataFrame(
        {
            "What": [line.label for line in lines],
            "How many": [f"{line.count:,}" for line in lines],
            "Note": [line.note for line in lines],
        }
    )


def location_status_table(by_level: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Customers and prospects per location status (rows, in the glossary's words) and
    level (columns), counts as text with thousands separators."""
    return pd.DataFrame(
        {
            level: [f"{counts.get(status, 0):,}" for status in LOCATION_STATUSES]
            for level, counts in by_level.items()
        },
        index=pd.Index([GLOSSARY[s].label for s in LOCATION_STATUSES], name="Where"),
    )


def import_log_table(log: pd.DataFrame) -> pd.DataFrame:
    """The import log (:func:`geo.imports.undo.listed_imports`) with human headings, dates
    as dates and counts with thousands separators; its batch, who imported and its state
    where the log has them."""
    table = pd.DataFrame(
        {
            "When": pd.to_datetime(log["logged_at"]).dt.strftime("%d %b %Y %H:%M"),
            "What": log["table_name"].map(lambda t: IMPORTED_TABLES.get(t, str(t))),
            "File": log["source"].astype(str),
            "Rows read": [f"{int(n):,}" for n in log["rows_read"]],
            "Imported": [f"{int(n):,}" for n in log["imported"]],
            "Rejected": [f"{int(n):,}" for n in log["rejected"]],
        }
    )
    if "batch_id" in log:
        table["Batch"] = log["batch_id"].fillna("").astype(str)
        table["By"] = log["imported_by"].fillna("").astype(str)
    if "state" in log:
        table["State"] = log["state"].astype(str)
    return table


def where_the_data_lives(store: Store) -> str:
    """One sentence for the Data page: which kind of store holds the data, and its name (a
    file's name, a server database's name; never a path, host or password)."""
    if store.dialect.name == "PostgreSQL":
        name = urlsplit(store.location).path.lstrip("/") or "(default)"
        return (
            f"Kept in the PostgreSQL database “{name}”, shared by every app process that "
            "uses it: an import here is seen by everyone at their next click."
        )
    return (
        f"Kept in the database file {store.shown} on the machine that serves this app "
        f"({store.dialect.name})."
    )
