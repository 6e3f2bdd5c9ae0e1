"""Canonical tables and their columns: what readers produce and the store keeps.

Coordinates are WGS84 degrees (EPSG:4326): ``lat`` in [-90, 90], ``lon`` in [-180, 180].
Dates are calendar dates (``datetime64`` at day precision in pandas). Amounts are in the
currency of the source file (the demo uses US dollars).
"""

from __future__ import annotations

from typing import Final

CRS_WGS84: Final = "EPSG:4326"

KIND_CUSTOMER: Final = "customer"
KIND_PROSPECT: Final = "prospect"
KINDS: Final = (KIND_CUSTOMER, KIND_PROSPECT)

IN_AREA: Final = "in_area"
OUTSIDE_AREAS: Final = "outside_areas"
NO_LOCATION: Final = "no_location"
LOCATION_STATUSES: Final = (IN_AREA, OUTSIDE_AREAS, NO_LOCATION)

#: areas: one row per polygon; area_id is unique across all levels.
AREA_COLUMNS: Final = ("area_id", "name", "level", "parent_id", "owner", "households", "geometry")

#: customers (prospects too, with kind = prospect). ``extra`` is a JSON object of every
#: other column of the source file, kept as text. ``location_source`` says how the point was
#: found (:data:`LOCATION_CONFIDENCE`), ``location_note`` why there is none.
CUSTOMER_COLUMNS: Final = (
    "customer_id",
    "name",
    "kind",
    "lat",
    "lon",
    "postcode",
    "email",
    "owner",
    "created_on",
    "extra",
    "location_source",
    "location_note",
)
#: The columns that say how a customer's point was found (schema version 10).
LOCATION_PROVENANCE: Final = ("location_source", "location_note")
#: How a customer's location was found (``location_source``; null: none, or not recorded
#: for rows imported before sources were kept), and the confidence each gives.
LOCATION_CONFIDENCE: Final = {
    "coordinates": "high",  # given in the file, degrees or projected
    "fixed": "high",  # typed or chosen by hand (geo.imports.location_fixes)
    "postcode": "medium",  # the postcode's point in the gazetteer
    "city": "low",  # the centre of the one shipped place of that name and region
}
#: Each source in words, as in "located by postcode".
LOCATION_SOURCE_WORDS: Final = {
    "coordinates": "by the file's coordinates",
    "fixed": "by hand",
    "postcode": "by postcode",
    "city": "by city (its centre)",
}

#: sales: one row per order line.
SALE_COLUMNS: Final = ("order_id", "customer_id", "order_date", "amount", "category", "channel")

#: assignments: one row per customer and level. area_id is null unless status is in_area.
ASSIGNMENT_COLUMNS: Final = ("customer_id", "level", "area_id", "location_status")

#: Rejection reasons (the ``_reason`` codes of an import report), in words a user can act on.
REJECTION_REASONS: Final = {
    "missing_id": "the ID cell is empty",
    "duplicate_id": "the ID appears on an earlier row of the same file",
    "bad_coordinate": "a coordinate cell is not a number",
    "lat_out_of_range": "latitude is not between -90 and 90",
    "lon_out_of_range": "longitude is not between -180 and 180",
    "swapped_lat_lon": "latitude and longitude look swapped (check the column order)",
    "half_coordinate": "only one of latitude and longitude is given",
    "bad_kind": "kind is neither customer nor prospect",
    "merged_id": "the customer was merged into another (geocrm merge list): that one is kept",
    "missing_customer_id": "the sale has no customer ID",
    "unknown_customer": "the sale's customer is not among the customers: import them first",
    "bad_date": "the date cannot be read (use YYYY-MM-DD)",
    "bad_amount": "the amount is not a number",
    "duplicate_line": "the same sale line appears earlier in the file",
    "missing_area_id": "the area has no ID",
    "duplicate_area_id": "the area ID appears on an earlier feature",
    "empty_geometry": "the area has no geometry",
    "not_polygon": "the area is a point or a line, not a polygon",
    "text_too_long": "a cell holds more than 1,000 characters",
}


#: Named segments from best to lost, with the (R, FM) cells each covers (first match wins).
SEGMENT_RULES: tuple[tuple[str, str, tuple[int, int], tuple[int, int]], ...] = (
    # name, what it means, R range, FM range (inclusive)
    ("champions", "bought recently, buy often and spend the most", (4, 5), (4, 5)),
    ("loyal", "buy often and spend a lot, a little less recently", (3, 3), (4, 5)),
    ("potential loyalists", "recent customers with average frequency and spend", (4, 5), (2, 3)),
    ("new", "bought very recently, for the first time or little so far", (5, 5), (1, 1)),
    ("promising", "recent, but have bought little so far", (4, 4), (1, 1)),
    ("need attention", "average recency, frequency and spend", (3, 3), (3, 3)),
    ("about to sleep", "average recency, low frequency and spend", (3, 3), (1, 2)),
    ("can't lose", "were among the best, have not bought for a long time", (1, 2), (5, 5)),
    ("at risk", "spent a lot and often, but long ago", (1, 2), (3, 4)),
    ("hibernating", "low spenders whose last order is a while ago", (2, 2), (1, 2)),
    ("lost", "lowest recency, frequency and spend", (1, 1), (1, 2)),
)
SEGMENTS = tuple(rule[0] for rule in SEGMENT_RULES)
SEGMENT_MEANINGS = {rule[0]: rule[1] for rule in SEGMENT_RULES}

RISK_BANDS: Final = ("low", "medium", "high")

#: Contact timing of a scored customer (see geo.analytics.scores).
CONTACT_STATUSES: Final = ("overdue", "due", "later")
