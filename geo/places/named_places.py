"""Places by name: the shipped GeoNames list of US and GB places of 1,000 people or more
(name, region, country, point in WGS84 degrees, population), and locating rows of a file
by city with region or country.

A city names one place only with what is given beside it: the region (a US state as its
code or name, "CO" or "Colorado"; a GB nation as ENG, SCT, WLS or NIR, or its name) and
the country narrow the places of that name. One place left: located there. Several: the
row is not located, and the note names how many and what to add, so that a namesake is
never chosen silently. None: not located, and the note says the place is not known.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from geo.shipped_files import shipped_file

PLACES_FILE = shipped_file("geonames-cities", "cities1000_us_gb.csv")
#: Region names as written in files, to the codes of the places list (lower case keys).
REGION_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI",
    "minnesota": "MN", "mississippi": "MS", "missouri": "MO", "montana": "MT",
    "nebraska": "NE", "nevada": "NV", "new hampshire": "NH", "new jersey": "NJ",
    "new mexico": "NM", "new york": "NY", "north carolina": "NC", "north dakota": "ND",
    "ohio": "OH", "oklahoma": "OK", "oregon": "OR", "pennsylvania": "PA",
    "rhode island": "RI", "south carolina": "SC", "south dakota": "SD", "tennessee": "TN",
    "texas": "TX", "utah": "UT", "vermont": "VT", "virginia": "VA", "washington": "WA",
    "west virginia": "WV", "wisconsin": "WI", "wyoming": "WY", "puerto rico": "PR",
    "england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR",
}  # fmt: skip
#: Country names as written in files, to the codes of the places list.
COUNTRY_NAMES = {
    "united states": "US", "usa": "US", "us": "US", "united states of america": "US",
    "united kingdom": "GB", "uk": "GB", "gb": "GB", "great britain": "GB",
}  # fmt: skip


def place_key(name: str) -> str:
    """A place name as compared: case-folded, single spaces."""
    return " ".join(name.casefold().split())


@lru_cache(maxsize=1)
def load_places() -> pd.DataFrame:
    """The shipped places: name, key (:func:`place_key`), region (US state or GB nation
    code), country, lat, lon (degrees), population; most populous first."""
    frame = pd.read_csv(
        PLACES_FILE, dtype={"countrycode": str, "admin1code": str}, keep_default_na=False
    )
    places = pd.DataFrame(
        {
            "name": frame["name"].astype(str),
            "key": frame["name"].astype(str).map(place_key),
            "region": frame["admin1code"].astype(str).str.upper(),
            "country": frame["countrycode"].astype(str).str.upper(),
            "lat": pd.to_numeric(frame["latitude"]),
            "lon": pd.to_numeric(frame["longitude"]),
            "population": pd.to_numeric(frame["population"]).fillna(0).astype("int64"),
        }
    )
    return places.sort_values("population", ascending=False, kind="stable").reset_index(drop=True)


def _codes(values: pd.Series, names: dict[str, str]) -> pd.Series:
    text = values.fillna("").astype(str).str.strip()
    mapped = text.str.casefold().map(names)
    return mapped.fillna(text.str.upper()).where(text.ne(""), "")


def locate_by_city(cities: pd.Series, regions: pd.Series, countries: pd.Series) -> pd.DataFrame:
    """For each row (same index): lat, lon (NaN unless one place fits) and note (why not,
    in words; None when located). Empty cities give NaN and no note."""
    out = pd.DataFrame({"lat": np.nan, "lon": np.nan, "note": None}, index=cities.index)
    given = cities.notna() & cities.astype(str).str.strip().ne("")
    if not given.any():
        return out
    asked = pd.DataFrame(
        {
            "key": cities[given].astype(str).map(place_key),
            "region": _codes(regions[given], REGION_NAMES),
            "country": _codes(countries[given], COUNTRY_NAMES),
        }
    )
    places = load_places()
    by_key = places.groupby("key", sort=False)
    for group, rows in asked.groupby(["key", "region", "country"]).groups.items():
        key, region, country = (str(part) for part in group)  # type: ignore[attr-defined]
        city = str(cities[rows[0]]).strip()
        matches = by_key.get_group(key) if key in by_key.groups else places.iloc[:0]
        if country:
            matches = matches[matches["country"] == country]
        if region:
            matches = matches[(matches["region"] == region) | (matches["country"] == region)]
        if len(matches) == 1:
            out.loc[rows, ["lat", "lon"]] = matches[["lat", "lon"]].to_numpy()[0]
            continue
        where = ", ".join(p for p in (region, country) if p)
        if matches.empty:
            out.loc[rows, "note"] = (
                f"city '{city}'{f' ({where})' if where else ''} is not among the shipped "
                "places (US and GB places of 1,000 people or more)"
            )
        else:
            regions_seen = sorted(set(matches["region"]))
            shown = ", ".join(regions_seen[:5]) + (", ..." if len(regions_seen) > 5 else "")
            out.loc[rows, "note"] = (
                f"city '{city}'{f' ({where})' if where else ''} is ambiguous: {len(matches)} "
                f"places have that name ({shown}); add the state or region"
            )
    return out
