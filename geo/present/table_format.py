"""How every table and export shows a column: its human name, its kind and one decimals rule.

Each column the app shows or exports is declared once in :data:`COLUMNS` by its machine name
(the name in the frames, the CSV header and the GeoJSON property), with the name people read
(on screen and as the XLSX header) and its kind. The kind fixes how values are rounded and
shown everywhere:

- ``count``: whole numbers with thousands separators (``6,287``).
- ``money``: US dollars with thousands separators. Totals and per-customer amounts are shown
  in whole dollars (``$13,890,230``); averages over many customers (``money_average``) show
  cents (``$20,803.29``). Files hold every amount rounded to the cent (``13890229.75``).
- ``percent``: a fraction (0.2452) shown as a percentage with ONE decimal (``24.5%``), on
  every page and in every file; files hold the fraction rounded to match (``0.245``).
  Probabilities (churn risk) are percents too.
- ``score``: an index or weighted count, a whole number everywhere (``303``, ``19,123``).
- ``days``: a duration in whole days; ``distance``: kilometres with one decimal.
- ``date``: a calendar date, ``2026-07-19`` (never a time of day).
- ``coordinate``: WGS84 degrees (EPSG:4326), six decimals (about 0.1 m).
- ``number``: an undeclared number, kept as it is.
- ``text`` and ``id``: shown as they are; an empty cell is empty, never "None". IDs and
  postcodes stay text so leading zeros survive.

A column with no value in any row is left out of what is shown (:func:`visible_columns`).
Columns not declared get a name made from their machine name and a kind from their type.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from geo.schema import LOCATION_STATUSES

Kind = Literal[
    "count", "money", "money_average", "percent", "score", "days", "distance", "date",
    "coordinate", "number", "text", "id",
]  # fmt: skip

#: Decimals a file keeps, per kind (None: not a number, kept as it is).
FILE_DECIMALS: dict[str, int | None] = {
    "count": 0,
    "money": 2,
    "money_average": 2,
    "percent": 3,  # a fraction: 0.245 is 24.5%, the one decimal shown
    "score": 0,
    "days": 0,
    "distance": 1,
    "coordinate": 6,
    "number": None,
    "date": None,
    "text": None,
    "id": None,
}
#: Decimals shown on screen, per number kind (percent: of the percentage).
SHOWN_DECIMALS: dict[str, int] = {
    "count": 0,
    "money": 0,
    "money_average": 2,
    "percent": 1,
    "score": 0,
    "days": 0,
    "distance": 1,
    "coordinate": 6,
    "number": 2,
}
#: Excel number format per kind; money keeps its cents in a workbook, where sums are made.
XLSX_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "money": "$#,##0.00",
    "money_average": "$#,##0.00",
    "percent": "0.0%",
    "score": "#,##0",
    "days": "#,##0",
    "distance": "#,##0.0",
    "coordinate": "0.000000",
    "number": "#,##0.##",
    "date": "yyyy-mm-dd",
}
#: Widest a column is fitted to, in characters, so one long text does not push the rest off.
MAX_WIDTH_CHARS = 48


@dataclass(frozen=True)
class ColumnSpec:
    """What a column is called where people read it, what kind of value it holds, and
    (optionally) what it means, for a tooltip."""

    label: str
    kind: Kind
    help: str = ""


def _spec(label: str, kind: Kind, help: str = "") -> ColumnSpec:
    return ColumnSpec(label, kind, help)


#: Columns holding codes that people read as words (see :func:`worded`).
WORDED_COLUMNS = ("location_status",)

#: Every column the app shows or exports, by machine name.
COLUMNS: dict[str, ColumnSpec] = {
    # Customers and prospects (a selection, the target lists)
    "customer_id": _spec("Customer ID", "id"),
    "name": _spec("Name", "text"),
    "kind": _spec("Kind", "text", "customer or prospect"),
    "owner": _spec("Owner", "text"),
    "email": _spec("Email", "text"),
    "postcode": _spec("Postcode", "id"),
    "lat": _spec("Latitude", "coordinate"),
    "lon": _spec("Longitude", "coordinate"),
    "location_status": _spec("Location", "text"),
    "level": _spec("Level", "text"),
    "area_id": _spec("Area ID", "id"),
    "local_area": _spec("Local area", "text", "Their area at the finest level, e.g. the county"),
    "area_name": _spec("Area", "text"),
    "area": _spec("Area", "text"),
    "orders": _spec("Orders", "count"),
    "sales_amount": _spec("Sales", "money"),
    "first_order_date": _spec("First order", "date"),
    "last_order_date": _spec("Last order", "date"),
    "last_order": _spec("Last order", "date"),
    "rfm_segment": _spec("Segment", "text"),
    "segment": _spec("Segment", "text"),
    "churn_risk_band": _spec("Churn risk band", "text"),
    "churn_risk": _spec("Churn risk", "percent", "Probability of having stopped buying"),
    "value_3y": _spec("3-year value", "money", "AOV x orders per year x 3 x (1 - risk)"),
    "expected_next_order": _spec("Next order expected", "date"),
    "contact_timing": _spec("Contact timing", "text"),
    "industry": _spec("Industry", "text"),
    "size": _spec("Size", "text"),
    # Areas
    "parent_id": _spec("Parent", "id"),
    "parent_name": _spec("Parent", "text"),
    "customers": _spec("Customers", "count"),
    "prospects": _spec("Prospects", "count"),
    "rows": _spec("Rows", "count", "Customers and prospects"),
    "penetration": _spec("Penetration", "percent", "customers / (customers + prospects)"),
    "households": _spec("Households", "count"),
    "penetration_households": _spec("Customers per household", "percent"),
    "whitespace": _spec(
        "Whitespace", "score", "Prospects weighted by how much they look like the best customers"
    ),
    "avg_prospect_index": _spec("Avg prospect index", "score", "100 = an average prospect"),
    "rank": _spec("Rank", "count"),
    # Scores and segments
    "revenue": _spec("Lifetime revenue", "money"),
    "lifetime_revenue": _spec("Lifetime revenue", "money"),
    "avg_value_3y": _spec(
        "Avg 3-year value", "money_average", "AOV x orders per year x 3 x (1 - risk)"
    ),
    "avg_churn_risk": _spec("Avg churn risk", "percent"),
    "at_risk": _spec("At risk", "count", "Customers in the high churn-risk band"),
    "revenue_at_risk": _spec("Revenue at risk", "money", "Lifetime revenue of at-risk customers"),
    "contacts_per_month": _spec(
        "Contacts per month", "number", "One per expected order: orders per month x (1 - risk)"
    ),
    "meaning": _spec("What it means", "text"),
    "recency_days": _spec("Days silent", "days", "Days since the last order"),
    "gap_days": _spec("Usual gap (days)", "days", "Usual number of days between orders"),
    "lookalike_index": _spec(
        "Look-alike index", "score", "100 = as likely as an average customer to be a champion"
    ),
    "scored": _spec("Scored", "count", "Customers with at least one order"),
    # Flows over time
    "new": _spec("New", "count"),
    "retained": _spec("Retained", "count"),
    "reactivated": _spec("Reactivated", "count"),
    "lost": _spec("Lost", "count"),
    "net_change": _spec("Net change", "count", "new + reactivated - lost"),
    "active": _spec("Active", "count", "Customers with at least one order in the period"),
    "active_before": _spec("Active, period before", "count"),
    "sales": _spec("Sales", "money"),
    "sales_before": _spec("Sales, period before", "money"),
    "sales_last_year": _spec("Sales, a year before", "money"),
    "growth": _spec("Growth vs period before", "percent"),
    "growth_yoy": _spec("Growth vs a year before", "percent"),
    # Contact list, saved segments, nearby prospects
    "overdue": _spec("Overdue", "count"),
    "value_at_stake": _spec("3-year value at stake", "money"),
    "description": _spec("Filters", "text"),
    "problems": _spec("Problems", "text"),
    "km": _spec("Distance (km)", "distance"),
    # Churn backtest
    "rule": _spec("Rule", "text"),
    "flagged": _spec("Flagged", "count"),
    "stopped_and_flagged": _spec("Flagged and stopped", "count"),
    "stopped": _spec("Stopped", "count"),
    "precision": _spec("Precision", "percent", "Of those flagged, the share that stopped"),
    "recall": _spec("Recall", "percent", "Of those that stopped, the share flagged"),
}


#: Territory design: each figure of a territory now (``_before``), in the scenario
#: (``_after``) and the change (``_change``), and the accounts changing hands.
_TERRITORY_FIGURES: dict[str, tuple[str, Kind]] = {
    "units": ("Units", "count"),
    "customers": ("Customers", "count"),
    "prospects": ("Prospects", "count"),
    "orders": ("Orders", "count"),
    "sales_amount": ("Sales", "money"),
    "at_risk": ("At-risk customers", "count"),
    "revenue_at_risk": ("Revenue at risk", "money"),
    "contacts_per_month": ("Contacts per month", "number"),
    "workload_minutes": ("Workload (min/month)", "number"),
    "load": ("Load", "number"),
}
for _figure, (_label, _kind) in _TERRITORY_FIGURES.items():
    COLUMNS[f"{_figure}_before"] = _spec(f"{_label} now", _kind)
    COLUMNS[f"{_figure}_after"] = _spec(_label, _kind)
    COLUMNS[f"{_figure}_change"] = _spec(f"{_label} vs now", _kind)
COLUMNS.setdefault("workload_minutes", _spec("Workload (min/month)", "number"))
COLUMNS["accounts"] = _spec("Accounts", "count")
COLUMNS["share_of_accounts"] = _spec("Share of all accounts", "percent")
COLUMNS["share_of_revenue"] = _spec("Share of all revenue", "percent")


def human_label(column: str) -> str:
    """A name people read for an undeclared column: 'potential_loyalists' -> 'Potential
    loyalists'."""
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def column_spec(column: str, values: pd.Series | None = None) -> ColumnSpec:
    """The declaration of ``column``; for an undeclared one (or a declared number column
    holding yes/no values), a name from its machine name and a kind from its values (whole
    numbers: count; other numbers: number; dates: date; yes/no and the rest: text)."""
    known = COLUMNS.get(str(column))
    boolean = values is not None and pd.api.types.is_bool_dtype(values)
    if known is not None and not (boolean and known.kind in SHOWN_DECIMALS):
        return known
    # A column of yes/no values is never a number, whatever a figure of that name is
    # (a user's "active" flag is not the count of active customers).
    kind: Kind = "text"
    if values is not None:
        if pd.api.types.is_bool_dtype(values):
            kind = "text"
        elif pd.api.types.is_integer_dtype(values):
            kind = "count"
        elif pd.api.types.is_numeric_dtype(values):
            kind = "number"
        elif pd.api.types.is_datetime64_any_dtype(values):
            kind = "date"
    return ColumnSpec(human_label(str(column)), kind)


def column_specs(frame: pd.DataFrame) -> dict[str, ColumnSpec]:
    """The declaration of each of ``frame``'s columns, in its order."""
    return {str(c): column_spec(str(c), frame[c]) for c in frame.columns}


def has_values(values: pd.Series) -> bool:
    """Whether a column holds anything: a non-null cell that is not blank text."""
    present = values.dropna()
    if present.empty:
        return False
    if pd.api.types.is_numeric_dtype(present) or pd.api.types.is_datetime64_any_dtype(present):
        return True
    return bool(present.map(lambda v: str(v).strip() not in ("", "None", "nan")).any())


def visible_columns(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> list[str]:
    """The columns to show, in order (``columns`` if given, else all): those that exist and
    hold at least one value."""
    wanted = list(frame.columns) if columns is None else list(columns)
    return [c for c in wanted if c in frame.columns and has_values(frame[c])]


def _round(values: pd.Series, decimals: int) -> pd.Series:
    # A growth from nothing is infinite: it has no figure to show, so the cell is empty.
    numbers = pd.to_numeric(values, errors="coerce").replace([math.inf, -math.inf], math.nan)
    if decimals == 0 and pd.api.types.is_integer_dtype(numbers):
        return numbers
    return numbers.round(decimals)


def _as_dates(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.normalize()
    return values


def rounded_for_files(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every declared number rounded as the files keep it (money to the
    cent, percent fractions to 0.001, scores and counts whole; an infinite ratio, such as
    growth from zero, empty) and date-times cut to their dates; text, IDs and column names
    untouched; the rows and their order kept."""
    out = frame.copy()
    for column, spec in column_specs(frame).items():
        values = out[column]
        decimals = FILE_DECIMALS.get(spec.kind)
        if spec.kind == "date":
            out[column] = _as_dates(values)
        elif decimals is not None and pd.api.types.is_numeric_dtype(values):
            if pd.api.types.is_bool_dtype(values):
                continue
            out[column] = _round(values, decimals)
    return out


def location_words(values: pd.Series) -> pd.Series:
    """Location status codes (in_area, outside_areas, no_location) in the glossary's words,
    as the screen and the workbook show them ("in an area"); CSV and GeoJSON keep codes."""
    from geo.analytics.figures import GLOSSARY  # the one wording of each figure

    words = {code: GLOSSARY[code].label.lower() for code in LOCATION_STATUSES}
    return values.map(lambda v: words.get(v, v) if isinstance(v, str) else v)


def worded(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with coded values (location status) in words; other columns unchanged."""
    coded = [c for c in WORDED_COLUMNS if c in frame.columns]
    if not coded:
        return frame
    out = frame.copy()
    for column in coded:
        out[column] = location_words(out[column])
    return out


def table_for_screen(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """The rows of ``frame`` as a table shows them: only the visible columns (see
    :func:`visible_columns`), numbers rounded as files keep them (so the screen and a file
    agree), numbers held as text (saved segments) made numbers, empty text cells empty,
    yes/no columns kept yes/no."""
    shown = worded(frame[visible_columns(frame, columns)])
    out = rounded_for_files(shown)
    for column, spec in column_specs(shown).items():
        values = out[column]
        if spec.kind in SHOWN_DECIMALS and not pd.api.types.is_numeric_dtype(values):
            out[column] = pd.to_numeric(values, errors="coerce")
        elif spec.kind in ("text", "id") and not pd.api.types.is_bool_dtype(values):
            out[column] = values.astype("string").fillna("")
    return out.reset_index(drop=True)


def shown_text(value: object, kind: Kind, *, in_workbook: bool = False) -> str:
    """A value as the screen shows it, by kind ('' for an empty cell): '6,287',
    '$13,890,230', '24.5%', '2026-07-19'; ``in_workbook``: as the workbook's number
    format shows it (money with cents)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if kind == "date":
        return pd.Timestamp(str(value)).strftime("%Y-%m-%d")
    if kind in SHOWN_DECIMALS:
        number = float(str(value))
        decimals = SHOWN_DECIMALS[kind]
        if kind == "percent":
            return f"{number * 100:,.{decimals}f}%"
        if kind in ("money", "money_average"):
            sign = "-" if number < 0 else ""
            return f"{sign}${abs(number):,.{2 if in_workbook else decimals}f}"
        if kind == "coordinate":
            return f"{number:.{decimals}f}"
        return f"{number:,.{decimals}f}"
    return str(value)


def fitted_width(
    frame: pd.DataFrame, column: str, *, label: str | None = None, in_workbook: bool = False
) -> int:
    """Characters a column needs to show its name (``label``, else its declared one) and
    every value as the screen (or, ``in_workbook``, the workbook) shows them, at most
    MAX_WIDTH_CHARS."""
    spec = column_spec(column, frame[column])
    values = frame[column].dropna()
    if values.empty:
        widest_value = 0
    elif spec.kind in SHOWN_DECIMALS and pd.api.types.is_numeric_dtype(values):
        # The longest number is the largest or the most negative one.
        ends = [values.max(), values.min()]
        widest_value = max(len(shown_text(v, spec.kind, in_workbook=in_workbook)) for v in ends)
    elif spec.kind == "date":
        widest_value = 10
    else:
        widest_value = int(values.astype("string").str.len().max())
    return min(max(len(label or spec.label), widest_value), MAX_WIDTH_CHARS)
