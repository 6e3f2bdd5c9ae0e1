"""The problems the data-quality lists find: code, title, what it means, what to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One kind of problem: its code (``_reason`` in its list), a title, what it means and
    how to fix it, and whether its list holds customers (re-importable) or other rows."""

    code: str
    title: str
    meaning: str
    fix: str
    of_customers: bool = True


PROBLEMS: dict[str, Problem] = {
    p.code: p
    for p in (
        Problem(
            "no_location",
            "Without a location",
            "customers and prospects with no point: the file gave no coordinates, postcode "
            "or city, or one that is not known, or a city several places share",
            "add lat and lon (or a known postcode, or the city's state) to the rows and "
            "import the list again, or fix the location by hand",
        ),
        Problem(
            "coarse_location",
            "Located only by city",
            "customers whose point is the centre of their city (the file gave a city, and no "
            "coordinates or known postcode): low confidence",
            "add lat and lon or a postcode to the rows and import the list again, or fix the "
            "location by hand",
        ),
        Problem(
            "outside_areas",
            "Outside all areas",
            "located, but in none of the level's areas (a point at sea, across a border, "
            "or beyond a simplified coastline); the nearest area and its distance are given",
            "check the coordinates; if they are right, the areas file misses their area",
        ),
        Problem(
            "duplicates",
            "Probable duplicates",
            "customers that are probably one: the same normalised name and postcode, the "
            "same email, or the same coordinates and a similar name",
            "merge each group into the ID kept (below, or geocrm merge KEEP DROP); where they "
            "are different customers, correct the name, postcode or email in the file",
        ),
        Problem(
            "areas_without_owner",
            "Areas without an owner",
            "areas of a level where owners are used (some of its areas have one) that have none",
            "give the area an owner in the areas file (owner column) or in a territory scenario",
            of_customers=False,
        ),
        Problem(
            "geometry_repairs",
            "Geometries repaired or rejected",
            "areas whose polygon was invalid and was repaired at import, and features of an "
            "areas file that were rejected (no geometry, not a polygon, no or repeated ID)",
            "check the repaired areas' outlines; fix the rejected features and import the "
            "file again",
            of_customers=False,
        ),
        Problem(
            "sales_unknown_customers",
            "Sales for unknown customers",
            "stored order lines whose customer ID is not among the customers",
            "import the missing customers, or correct the customer IDs of those lines",
            of_customers=False,
        ),
        Problem(
            "customers_without_sales",
            "Customers with no sales",
            "customers (not prospects) without a single order line",
            "import their sales, or mark them as prospects (kind column) if they never bought",
        ),
    )
}
