"""What each import accepts, in words: the file formats and the columns found by name.

Read from the readers' own declarations (their column candidates and file suffixes), so the
Data page and the help page always say what the code does. Coordinates are WGS84 degrees
(EPSG:4326) unless a CRS is given; amounts are in the file's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.imports import area_files as area_import
from geo.imports import customer_files as customer_import
from geo.imports import sale_files as sale_import
from geo.imports.table_files import CSV_SUFFIXES, XLSX_SUFFIXES
from geo.imports.upload_safety import SUFFIXES as AREA_SUFFIXES


@dataclass(frozen=True)
class ColumnGuide:
    """One column an import looks for: what it holds, the names it is found by, and
    whether a file must have it."""

    role: str
    names: tuple[str, ...]
    required: bool = False
    note: str = ""


@dataclass(frozen=True)
class ImportKind:
    """One kind of file the Data page imports."""

    label: str
    what: str
    extensions: tuple[str, ...]
    columns: tuple[ColumnGuide, ...]
    note: str = ""


TABLE_EXTENSIONS = tuple(s.lstrip(".") for s in CSV_SUFFIXES + XLSX_SUFFIXES)
AREA_EXTENSIONS = tuple(s.lstrip(".") for s in AREA_SUFFIXES if s != ".geoparquet")

_CUSTOMER = customer_import.CANDIDATES
_CUSTOMER_COLUMNS = (
    ColumnGuide("ID", _CUSTOMER["id"], True, "kept as text: leading zeros stay"),
    ColumnGuide("Name", _CUSTOMER["name"]),
    ColumnGuide("Latitude", _CUSTOMER["lat"], note="degrees, -90 to 90"),
    ColumnGuide("Longitude", _CUSTOMER["lon"], note="degrees, -180 to 180"),
    ColumnGuide("Easting (x)", _CUSTOMER["x"], note="projected coordinates: give their CRS"),
    ColumnGuide("Northing (y)", _CUSTOMER["y"], note="projected coordinates: give their CRS"),
    ColumnGuide(
        "Postcode",
        _CUSTOMER["postcode"],
        note="used for the location when there are no coordinates",
    ),
    ColumnGuide("Email", _CUSTOMER["email"]),
    ColumnGuide("Owner", _CUSTOMER["owner"], note="the sales rep who covers them"),
    ColumnGuide("Customer since", _CUSTOMER["created_on"], note="a date"),
    ColumnGuide(
        "City",
        _CUSTOMER["city"],
        note="located at the city's centre when there are no coordinates or known postcode",
    ),
    ColumnGuide("State or region", _CUSTOMER["region"], note="tells namesake cities apart"),
    ColumnGuide("Country", _CUSTOMER["country"], note="US or GB, as a code or a name"),
)
_SALE = sale_import.CANDIDATES
_SALE_COLUMNS = (
    ColumnGuide("Order ID", _SALE["order_id"], True, "an order may have several lines"),
    ColumnGuide("Customer ID", _SALE["customer_id"], True, "import the customers first"),
    ColumnGuide("Order date", _SALE["date"], True, "YYYY-MM-DD"),
    ColumnGuide("Amount", _SALE["amount"], True, "a number; refunds may be negative"),
    ColumnGuide("Category", _SALE["category"]),
    ColumnGuide("Channel", _SALE["channel"]),
)
_AREA_COLUMNS = (
    ColumnGuide("Area ID", area_import.ID_NAMES, True, "unique within the file"),
    ColumnGuide("Name", area_import.NAME_NAMES),
    ColumnGuide("Parent area ID", area_import.PARENT_NAMES, note="e.g. a county's state"),
    ColumnGuide("Owner", area_import.OWNER_NAMES, note="who covers the area"),
    ColumnGuide("Households", area_import.HOUSEHOLD_NAMES, note="a number, for penetration"),
)

IMPORT_KINDS: tuple[ImportKind, ...] = (
    ImportKind(
        "Customers",
        "customers",
        TABLE_EXTENSIONS,
        _CUSTOMER_COLUMNS,
        "Every other column is kept. A row without coordinates or a known postcode is "
        "imported without a location.",
    ),
    ImportKind(
        "Prospects",
        "prospects",
        TABLE_EXTENSIONS,
        _CUSTOMER_COLUMNS,
        "The same columns as customers; every row is taken as a prospect.",
    ),
    ImportKind(
        "Sales (order lines)",
        "sales",
        TABLE_EXTENSIONS,
        _SALE_COLUMNS,
        "One row per order line; lines for customers not stored are rejected.",
    ),
    ImportKind(
        "Areas",
        "areas",
        AREA_EXTENSIONS,
        _AREA_COLUMNS,
        "Polygons in any CRS (reprojected to latitude and longitude). A zip holds a "
        "Shapefile. Importing a level again replaces that level's areas.",
    ),
)
