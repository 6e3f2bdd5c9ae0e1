"""Reading and validating customer and prospect files.

Location, per row, in this order: latitude/longitude columns (WGS84 degrees); else x/y
columns in a stated CRS, reprojected to WGS84 (with a stated CRS and no x/y columns, the
latitude/longitude columns are read as northing/easting in it); else a postcode looked up
in an offline gazetteer; else a city with its region or country among the shipped places
(geo.places.named_places: an ambiguous name is not guessed). How the point was found is
kept (``location_source``); a row without one is imported without a location, with the
reason (``location_note``): it is never dropped. A file whose latitude/longitude
columns mostly hold values beyond ±180 is refused as a whole: they are projected, and its
CRS is asked for. Rows are rejected, one reason each, for a cell over 1,000 characters, a
missing or duplicate ID, a coordinate that is not a number, out of range, swapped or half
given, or a kind that is neither customer nor prospect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import InputError
from geo.import_report import ImportReport, RowRejections
from geo.imports.gazetteer import Gazetteer, load_us_zips, restore_us_zip_zeros
from geo.imports.table_files import TEXT, detect_column, read_table, require_column
from geo.imports.written_dates import written_dates
from geo.places.named_places import locate_by_city
from geo.schema import CUSTOMER_COLUMNS, KIND_CUSTOMER, KINDS

CANDIDATES: dict[str, tuple[str, ...]] = {
    "id": ("id", "customer_id", "prospect_id", "account_id", "client_id", "customer", "cust_id"),
    "name": ("name", "customer_name", "company", "company_name", "account_name", "account"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "long", "longitude"),
    "x": ("x", "easting"),
    "y": ("y", "northing"),
    "postcode": ("postcode", "zip", "zipcode", "zip_code", "postal_code", "post_code"),
    "email": ("email", "e-mail", "email_address"),
    "owner": ("owner", "sales_rep", "rep", "account_owner", "account_manager"),
    "kind": ("kind", "type", "customer_type"),
    "created_on": ("created_on", "created", "created_at", "signup_date", "customer_since"),
    "city": ("city", "town", "locality"),
    "region": ("state", "region", "province", "state_code"),
    "country": ("country", "country_code"),
}
#: Roles read for the location only: their columns stay in ``extra`` as the file's own.
LOCATION_ONLY = ("city", "region", "country")
#: How many row numbers a warning lists before "...".
SHOWN_ROWS = 5
#: A latitude beyond ±90 is taken for a swapped longitude only when the longitude, read as
#: a latitude, lies where customers can be: north of Antarctica (60°S), south of 85°N.
#: Otherwise (lat 140.7, lon -74.0: a New York typo; swapped it would be in Antarctica)
#: it is a latitude out of range.
SWAPPED_LATITUDES = (-60.0, 85.0)


def _refuse_if_not_degrees(lat: pd.Series, lon: pd.Series, source: str) -> None:
    """Refuse a file whose latitude/longitude columns mostly hold values beyond ±180: they
    are projected coordinates (metres, feet), not degrees. A few such rows are typos,
    rejected row by row."""
    both = lat.notna() & lon.notna()
    beyond = both & ((lat.abs() > 180) | (lon.abs() > 180))
    if both.any() and 2 * int(beyond.sum()) > int(both.sum()):
        reach = float(max(lat[beyond].abs().max(), lon[beyond].abs().max()))
        raise InputError(
            f"coordinates reach {reach:,.0f} — not degrees; the columns are probably "
            "projected (easting/northing)",
            file=source,
            hint="Give their CRS with --crs EPSG:xxxx (e.g. EPSG:3857, EPSG:27700)",
        )


@dataclass(frozen=True)
class CustomerColumns:
    """Source column names; ``None`` means "find it by its usual names"."""

    id: str | None = None
    name: str | None = None
    lat: str | None = None
    lon: str | None = None
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    postcode: str | None = None
    email: str | None = None
    owner: str | None = None
    kind: str | None = None
    created_on: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None


def resolve_columns(
    columns: pd.Index, chosen: object, candidates: dict[str, tuple[str, ...]], source: str
) -> dict[str, str | None]:
    """Each role's source column: the one named explicitly, or the one found by name."""
    available = [c for c in columns if c != "_row"]
    out: dict[str, str | None] = {}
    for role in candidates:
        named = getattr(chosen, role, None)
        if named is not None:
            out[role] = require_column(named, available, source, role)
        else:
            out[role] = detect_column(available, candidates[role])
    return out


def rows_text(rows: pd.Series) -> str:
    shown = ", ".join(str(r) for r in rows.head(SHOWN_ROWS))
    return shown + (", ..." if len(rows) > SHOWN_ROWS else "")


def _numbers(frame: pd.DataFrame, col: str | None) -> pd.Series:
    """The column's numbers (a decimal comma read as a point); NaN where there is none."""
    if col is None:
        return pd.Series(np.nan, index=frame.index)
    try:
        # Every cell a number (or empty): read in one pass, as pandas reads each one.
        text = pc.replace_substring(pa.array(frame[col].astype(TEXT)), ",", ".")
        numbers = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(numbers, index=frame.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass  # some cell is not a number: pandas tells which, cell by cell
    text = frame[col].astype("string").str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _quoted(values: pd.Series, before: str, after: str) -> Callable[[pd.Index], pd.Series]:
    """A rejection's detail: each asked-for cell of ``values``, as text between two texts."""
    return lambda rows: before + values[rows].astype(str) + after


def _repeated_ids(ids: pd.Series) -> np.ndarray:
    """True for each row whose (non-empty) ID appeared on an earlier row."""
    codes, _ = pd.factorize(ids)  # -1 for an empty ID
    _, first = np.unique(codes, return_index=True)
    repeated = np.ones(len(codes), dtype=bool)
    repeated[first] = False
    return repeated & (codes >= 0)


def read_customers(
    path: Path,
    *,
    kind: str | None = None,
    columns: CustomerColumns | None = None,
    country: str = "US",
    gazetteer: Gazetteer | None = None,
    display_name: str | None = None,
    merged: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, ImportReport]:
    """Read customers or prospects: canonical CUSTOMER_COLUMNS and the import report.
    ``merged``: IDs merged into others (geo.imports.merges), rejected as ``merged_id``."""
    table = read_table(path, display_name=display_name)
    source, frame = table.source, table.frame
    report = ImportReport(source=source, table="customers", rows_read=len(frame))
    report.warnings.extend(table.warnings)
    chosen = columns or CustomerColumns()
    cols = resolve_columns(frame.columns, chosen, CANDIDATES, source)
    if cols["id"] is None:
        raise InputError(
            "no ID column found (tried " + ", ".join(CANDIDATES["id"]) + ")",
            file=source,
            hint="Name the ID column with --id-col (CLI) or rename it to customer_id",
        )
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind must be customer or prospect, not '{kind}'", file=source)
    if chosen.crs and cols["lat"] and cols["lon"] and not (cols["x"] and cols["y"]):
        # A stated CRS with latitude/longitude columns: they hold northing/easting in it.
        cols["x"], cols["y"], cols["lat"], cols["lon"] = cols["lon"], cols["lat"], None, None
    has_xy = (
        cols["x"] is not None
        and cols["y"] is not None
        and (cols["lat"] is None or bool(chosen.crs))
    )
    if has_xy:
        cols["lat"] = cols["lon"] = None
    if has_xy and not chosen.crs:
        raise InputError(
            f"coordinates in columns '{cols['x']}' and '{cols['y']}' need their CRS",
            file=source,
            hint="State it with --crs, e.g. --crs EPSG:27700",
        )

    ids = frame[str(cols["id"])]
    rejections = RowRejections(frame.index)
    reject = rejections.reject
    rejections.reject_long_text(frame, [c for c in frame.columns if c != "_row"])

    reject(ids.isna(), "missing_id", cols["id"], "the ID is empty: give every row an ID")

    def first_rows(rows: pd.Index) -> pd.Series:
        first_row = frame.groupby(ids, dropna=True)["_row"].transform("min")
        return "same ID as row " + first_row[rows].astype("Int64").astype(str)

    reject(_repeated_ids(ids), "duplicate_id", cols["id"], first_rows)
    if merged:
        reject(
            ids.isin(list(merged)),
            "merged_id",
            cols["id"],
            "the customer was merged into " + ids.map(merged).astype(str),
        )

    lat = pd.Series(np.nan, index=frame.index)
    lon = pd.Series(np.nan, index=frame.index)
    if cols["lat"] is not None or cols["lon"] is not None:
        lat_text = frame[cols["lat"]] if cols["lat"] else pd.Series(None, index=frame.index)
        lon_text = frame[cols["lon"]] if cols["lon"] else pd.Series(None, index=frame.index)
        lat, lon = _numbers(frame, cols["lat"]), _numbers(frame, cols["lon"])
        _refuse_if_not_degrees(lat, lon, source)
        reject(
            lat_text.notna() & lat.isna(),
            "bad_coordinate",
            cols["lat"],
            _quoted(lat_text, "latitude '", "' is not a number"),
        )
        reject(
            lon_text.notna() & lon.isna(),
            "bad_coordinate",
            cols["lon"],
            _quoted(lon_text, "longitude '", "' is not a number"),
        )
        reject(
            lat.notna() ^ lon.notna(),
            "half_coordinate",
            cols["lat"] if lat.isna().any() else cols["lon"],
            "give both latitude and longitude, or neither",
        )
        swapped = (lat.abs() > 90) & (lat.abs() <= 180) & lon.between(*SWAPPED_LATITUDES)
        reject(
            swapped,
            "swapped_lat_lon",
            cols["lat"],
            lambda rows: (
                "latitude "
                + lat[rows].astype(str)
                + " and longitude "
                + lon[rows].astype(str)
                + " look swapped: check the column order"
            ),
        )
        reject(
            lat.abs() > 90,
            "lat_out_of_range",
            cols["lat"],
            _quoted(lat, "latitude ", " is outside -90..90"),
        )
        reject(
            lon.abs() > 180,
            "lon_out_of_range",
            cols["lon"],
            _quoted(lon, "longitude ", " is outside -180..180"),
        )
    elif has_xy:
        from pyproj import Transformer

        x, y = _numbers(frame, cols["x"]), _numbers(frame, cols["y"])
        for axis, values in ((cols["x"], x), (cols["y"], y)):
            raw = frame[str(axis)]
            reject(
                raw.notna() & values.isna(),
                "bad_coordinate",
                axis,
                _quoted(raw, "'", "' is not a number"),
            )
        reject(x.notna() ^ y.notna(), "half_coordinate", cols["x"], "give both x and y")
        try:
            transformer = Transformer.from_crs(chosen.crs, "EPSG:4326", always_xy=True)
        except Exception as exc:
            raise InputError(
                f"'{chosen.crs}' is not a known CRS", file=source, hint="Use a code like EPSG:27700"
            ) from exc
        lon_v, lat_v = transformer.transform(x.to_numpy(), y.to_numpy())
        lon = pd.Series(lon_v, index=frame.index).where(np.isfinite(lon_v))
        lat = pd.Series(lat_v, index=frame.index).where(np.isfinite(lat_v))
        outside = lat.notna() & ((lat.abs() > 90) | (lon.abs() > 180))
        reject(outside, "bad_coordinate", cols["x"], f"x/y fall outside the world in {chosen.crs}")

    found_by = pd.Series(None, index=frame.index, dtype=object).where(lat.isna(), "coordinates")
    why_none = pd.Series(None, index=frame.index, dtype=object)
    postcode = (
        frame[cols["postcode"]].astype(object)
        if cols["postcode"]
        else pd.Series(None, index=frame.index, dtype=object)
    )
    if cols["postcode"] and country.upper() == "US":
        postcode, restored = restore_us_zip_zeros(postcode)
        if restored:
            short_rows = frame["_row"][postcode.ne(frame[cols["postcode"]]) & postcode.notna()]
            report.warnings.append(
                f"{restored} US ZIP codes had lost their leading zeros (read as numbers) and "
                f"were restored to 5 digits (rows {rows_text(short_rows)})"
            )
    needs_lookup = lat.isna() & postcode.notna() & rejections.ok
    if needs_lookup.any():
        gaz = gazetteer
        if gaz is None and country.upper() == "US":
            gaz = load_us_zips()
        if gaz is None:
            why_none[needs_lookup] = f"no postcode file was given for {country}"
            report.warnings.append(
                f"{int(needs_lookup.sum())} rows have only a postcode, and no postcode file was "
                f"given for {country}: they were imported without a location "
                "(give one with --gazetteer)"
            )
        else:
            found = gaz.locate(postcode[needs_lookup])
            lat[needs_lookup] = found["lat"]
            lon[needs_lookup] = found["lon"]
            found_by[needs_lookup & lat.notna()] = "postcode"
            unknown = needs_lookup & lat.isna()
            why_none[unknown] = (
                "postcode '" + postcode[unknown].astype(str) + f"' is not in the {gaz.country} "
                "postcode file"
            )
            if unknown.any():
                report.warnings.append(
                    f"{int(unknown.sum())} postcodes are not in the {gaz.country} gazetteer; "
                    f"those customers were imported without a location (rows "
                    f"{rows_text(frame['_row'][unknown])})"
                )

    _locate_by_city(frame, cols, lat, lon, found_by, why_none, rejections.ok, report)

    if kind is not None:
        kinds = pd.Series(kind, index=frame.index, dtype=TEXT)
    elif cols["kind"] is not None:
        kinds = frame[cols["kind"]].astype(TEXT).str.lower().fillna(KIND_CUSTOMER)
        reject(
            ~kinds.isin(KINDS),
            "bad_kind",
            cols["kind"],
            _quoted(frame[cols["kind"]], "'", "' is neither customer nor prospect"),
        )
    else:
        kinds = pd.Series(KIND_CUSTOMER, index=frame.index, dtype=TEXT)

    created = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
    if cols["created_on"] is not None:
        raw = frame[cols["created_on"]]
        created = written_dates(raw)
        bad = raw.notna() & created.isna()
        if bad.any():
            report.warnings.append(
                f"{int(bad.sum())} '{cols['created_on']}' dates could not be read and were left "
                f"empty (rows {rows_text(frame['_row'][bad])}); use YYYY-MM-DD"
            )

    used = {c for role, c in cols.items() if c is not None and role not in LOCATION_ONLY}
    extra_cols = [c for c in frame.columns if c not in used and c != "_row"]
    ok = rejections.ok
    kept = frame.loc[ok]
    if extra_cols:
        kept_values = [
            {k: v for k, v in rec.items() if isinstance(v, str)}
            for rec in kept[extra_cols].to_dict(orient="records")
        ]
        extra = [json.dumps(v, ensure_ascii=False) if v else None for v in kept_values]
    else:
        extra = [None] * len(kept)

    def text_or_none(role: str) -> pd.Series:
        col = cols[role]
        if col is None:
            return pd.Series(np.nan, index=kept.index, dtype=TEXT)
        return kept[col].astype(TEXT)

    out = pd.DataFrame(
        {
            "customer_id": kept[str(cols["id"])].astype(TEXT),
            "name": text_or_none("name"),
            "kind": kinds[ok].astype(TEXT),
            "lat": lat[ok].astype("float64"),
            "lon": lon[ok].astype("float64"),
            "postcode": postcode[ok].astype(TEXT),
            "email": text_or_none("email"),
            "owner": text_or_none("owner"),
            "created_on": created[ok],
            "extra": pd.Series(extra, index=kept.index, dtype=TEXT),
            "location_source": found_by[ok].astype(TEXT),
            "location_note": why_none.where(lat.isna())[ok].astype(TEXT),
        }
    )[list(CUSTOMER_COLUMNS)].reset_index(drop=True)

    report.rejected = rejections.rejected_rows(frame)
    report.imported = len(out)
    report.check_counts()
    return out, report


def _locate_by_city(
    frame: pd.DataFrame,
    cols: dict[str, str | None],
    lat: pd.Series,
    lon: pd.Series,
    found_by: pd.Series,
    why_none: pd.Series,
    ok: pd.Series,
    report: ImportReport,
) -> None:
    """The last step of the cascade, in place: rows still without a point that name a
    city, located where one shipped place fits (``source`` city), else noted why not."""
    if cols["city"] is None:
        still = lat.isna() & ok & why_none.isna()
        why_none[still] = "the file gave no coordinates, postcode or city"
        return
    cities = frame[cols["city"]]
    wanted = lat.isna() & ok & cities.notna()
    if wanted.any():
        none = pd.Series("", index=frame.index)
        regions = frame[cols["region"]] if cols["region"] else none
        # Without a country column no country is assumed: a name both countries have is
        # ambiguous, and its note says so.
        countries = frame[cols["country"]] if cols["country"] else none
        found = locate_by_city(cities[wanted], regions[wanted], countries[wanted])
        lat[wanted] = found["lat"]
        lon[wanted] = found["lon"]
        located = wanted & lat.notna()
        found_by[located] = "city"
        why_none[located] = None
        unlocated = wanted & lat.isna()
        why_none[unlocated] = found["note"].reindex(frame.index)[unlocated]
        if located.any():
            report.warnings.append(
                f"{int(located.sum()):,} customers were located by city (low confidence: the "
                "centre of the place); the Data quality page lists them"
            )
        ambiguous = unlocated & why_none.fillna("").str.contains("is ambiguous")
        if ambiguous.any():
            report.warnings.append(
                f"{int(ambiguous.sum()):,} cities are ambiguous (several places of that name) "
                f"and were not guessed: add the state or region (rows "
                f"{rows_text(frame['_row'][ambiguous])})"
            )
    still = lat.isna() & ok & why_none.isna()
    why_none[still] = "the file gave no coordinates, postcode or city"


__all__ = ["CustomerColumns", "read_customers", "resolve_columns", "rows_text"]
