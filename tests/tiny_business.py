"""A hand-made business on unit squares, small enough to work out every figure by hand.

Areas (lon/lat degrees): region "R" = [0,2]x[0,1]; counties "A" = [0,1]x[0,1] and
"B" = [1,2]x[0,1], both with parent R; owner of R is "Rita".
Customers: c1 (0.5, 0.5) in A, c2 (1.5, 0.5) in B, c3 on the A|B edge (1.0, 0.5) -> A by
the smallest-ID rule, c4 outside (5, 5), c5 without location, p1 and p2 prospects in B.
Sales: c1 two orders in 2025 (100 + 50) and one in 2026 (25); c2 one order in 2026 (200).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from geo.schema import CRS_WGS84


def tiny_areas() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "area_id": ["R", "A", "B"],
            "name": ["Region", "Alpha <b>", "Beta"],
            "level": ["region", "county", "county"],
            "parent_id": [None, "R", "R"],
            "owner": ["Rita", None, None],
            "households": [np.nan, 100.0, np.nan],
        },
        geometry=[box(0, 0, 2, 1), box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs=CRS_WGS84,
    )


def tiny_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4", "c5", "p1", "p2"],
            "name": ["=cmd|' /C calc'!A0", "Bob", "Carol", "Dan", "Eve", "Pat", "Pia"],
            "kind": ["customer"] * 5 + ["prospect"] * 2,
            "lat": [0.5, 0.5, 0.5, 5.0, np.nan, 0.2, 0.8],
            "lon": [0.5, 1.5, 1.0, 5.0, np.nan, 1.2, 1.8],
            "postcode": ["01234", None, None, None, None, None, None],
            "email": [None] * 7,
            "owner": ["Olga", None, None, None, None, None, None],
            "created_on": pd.to_datetime(["2024-01-01"] * 7),
            "extra": [None] * 7,
        }
    )


def tiny_sales() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4"],
            "customer_id": ["c1", "c1", "c1", "c1", "c2"],
            "order_date": pd.to_datetime(
                ["2025-03-01", "2025-03-01", "2025-06-01", "2026-02-01", "2026-05-01"]
            ),
            "amount": [60.0, 40.0, 50.0, 25.0, 200.0],
            "category": ["Hardware", "Software", "Hardware", "Services", "Hardware"],
            "channel": ["Direct"] * 5,
        }
    )


def order_lines(orders: Sequence[tuple[str, str | date, float]], prefix: str = "o") -> pd.DataFrame:
    """Sales lines, one order each, from (customer_id, date or ISO date text, amount) triples."""
    return pd.DataFrame(
        {
            "order_id": [f"{prefix}{i}" for i in range(len(orders))],
            "customer_id": [c for c, _, _ in orders],
            "order_date": pd.to_datetime(pd.Series([d for _, d, _ in orders])),
            "amount": [a for _, _, a in orders],
            "category": "Hardware",
            "channel": "Direct",
        }
    )


#: Added to the tiny business (tests/tiny_business.py): counties A = [0,1]x[0,1] and
#: B = [1,2]x[0,1]; c4 (5, 5) lies outside, c5 has no location.
MESSY = (
    "id,name,lat,lon,postcode,email\n"
    'd1,"ACME, Inc.",0.3,0.3,10001,\n'
    "d2,Acme,0.4,0.4,10 001,\n"  # the same name and postcode (legal form, space aside)
    "e1,Zed Supply,0.6,0.6,,Sales@Zed.example.com\n"
    "e2,Zed Supplies,0.7,0.7,, sales@zed.example.com\n"  # the same email
    "s1,Harbour Dental,0.25,1.25,,\n"
    "s2,Harbor Dental,0.25,1.25,,\n"  # the same point, a similar name
    "s3,Quarry Tools,0.25,1.25,,\n"  # the same point, another name: not a duplicate
    "z1,Unknown Zip,,,99999,\n"
    "sea,At Sea,0.5,2.5,,\n"  # east of B: nearest B, 1/2 degree of longitude away
)
