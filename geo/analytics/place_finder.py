"""Finding the point a person means: a place name, a ZIP code, a customer ID or coordinates.

Points are WGS84 latitude and longitude in degrees. Place names come from the shipped
GeoNames list of US and GB places with 1,000 people or more; ZIP codes from the shipped US
ZIP points (geo.imports.gazetteer). A name several places share resolves to the most populous one,
and the answer says so and how to name another ("Springfield, IL").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from geo.errors import InputError
from geo.imports.gazetteer import load_us_zips, normalise_postcodes
from geo.places.named_places import load_places, place_key
from geo.places.shapes import Shape, ShapeError
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

#: Two numbers, separated by a comma, a semicolon or spaces: "39.74, -104.98".
_COORDINATES = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?)\s*(?:[,;]\s*|\s+)([-+]?\d+(?:\.\d*)?)\s*$")
_ZIP = re.compile(r"^\s*\d{5}(?:-?\d{4})?\s*$")
#: How many other places of the same name the note offers as examples.
OTHERS_NAMED = 3
HOW_TO_NAME = (
    "Write a place ('Denver' or 'Springfield, MO'), a US ZIP code ('10001'), "
    "a customer ID, or a point as 'latitude, longitude' ('39.74, -104.98')"
)


@dataclass(frozen=True)
class FoundPlace:
    """A point (WGS84 degrees), what it is ("Denver, CO", "ZIP 10001"), and a note when
    the text could mean other places too (None otherwise)."""

    lat: float
    lon: float
    label: str
    note: str | None = None

    def circle(self, km: float) -> Shape:
        """The circle of ``km`` kilometres around the place, as a drawn shape."""
        try:
            return Shape("circle", ((self.lon, self.lat),), km)
        except ShapeError as exc:
            raise InputError(f"radius search of {km:g} km around {self.label}: {exc}") from None


def _place_label(row: pd.Series) -> str:
    label = f"{row['name']}, {row['region']}"
    return label if row["country"] == "US" else f"{label} ({row['country']})"


def find_place(store: Store, text: str, *, scope: Scope = EVERYTHING) -> FoundPlace:
    """The point ``text`` names: coordinates, a customer ID, a US ZIP code, or a place
    name with an optional state ("Springfield, MO"); raises InputError saying how to write
    one when it names none."""
    text = text.strip()
    if not text:
        raise InputError("no place given", hint=HOW_TO_NAME)
    coordinates = _COORDINATES.match(text)
    if coordinates:
        return _point(float(coordinates.group(1)), float(coordinates.group(2)))
    customer = _customer(store, text, scope=scope)
    if customer is not None:
        return customer
    if _ZIP.match(text):
        return _zip_code(text)
    return _place_named(text)


def _point(lat: float, lon: float) -> FoundPlace:
    if not -90 <= lat <= 90:
        raise InputError(f"latitude {lat:g} is not between -90 and 90", hint=HOW_TO_NAME)
    if not -180 <= lon <= 180:
        raise InputError(f"longitude {lon:g} is not between -180 and 180", hint=HOW_TO_NAME)
    return FoundPlace(lat, lon, f"{lat:.4f}, {lon:.4f}")


def _customer(store: Store, text: str, *, scope: Scope = EVERYTHING) -> FoundPlace | None:
    row = store.query("SELECT lat, lon FROM customers WHERE customer_id = ?", [text], scope=scope)
    if row.empty:
        return None
    lat, lon = row.iloc[0]["lat"], row.iloc[0]["lon"]
    if pd.isna(lat) or pd.isna(lon):
        raise InputError(
            f"customer {text[:40]} has no location",
            hint="Give their postcode on the Data page, or search around a place",
        )
    return FoundPlace(float(lat), float(lon), f"customer {text}")


def _zip_code(text: str) -> FoundPlace:
    key = str(normalise_postcodes(pd.Series([text]), "US").iloc[0])
    points = load_us_zips().points
    if key not in points.index:
        raise InputError(f"{text[:12]} is not a US ZIP code in the shipped list", hint=HOW_TO_NAME)
    lat, lon = points.loc[[key], ["lat", "lon"]].to_numpy(dtype="float64")[0]
    return FoundPlace(float(lat), float(lon), f"ZIP {key}")


def _place_named(text: str) -> FoundPlace:
    name, _, region = text.rpartition(",") if "," in text else (text, "", "")
    places = load_places()
    matches = places[places["key"] == place_key(name)]
    region = region.strip().upper()
    if region:
        matches = matches[(matches["region"] == region) | (matches["country"] == region)]
    if matches.empty:
        where = f" in {region}" if region else ""
        raise InputError(f"no place called '{name.strip()[:60]}'{where} is known", hint=HOW_TO_NAME)
    best = matches.iloc[0]
    label = _place_label(best)
    note = None
    if len(matches) > 1:
        others = [_place_label(r) for _, r in matches.iloc[1 : 1 + OTHERS_NAMED].iterrows()]
        note = (
            f"{len(matches)} places are called {best['name']}; this is {label}, the most "
            f"populous. For another, add its state: {', '.join(repr(o) for o in others)}."
        )
    return FoundPlace(float(best["lat"]), float(best["lon"]), label, note)


def circle_around(store: Store, place: str, km: float, *, scope: Scope = EVERYTHING) -> Shape:
    """A radius search: ``km`` around a place name, a US ZIP code, a customer ID or a point
    ("lat, lon" degrees); see :func:`geo.analytics.place_finder.find_place`."""
    return find_place(store, place, scope=scope).circle(km)
