"""Area names that say which area they are: "Texas County, MO", not "Texas".

Two rules. US counties from Census boundaries (us-atlas names carry no type and no state)
get their type and their state's postal code: "Cook County, IL", "Orleans Parish, LA",
"Juneau City and Borough, AK", "City of Richmond, VA" (an independent city, which is not
Richmond County, VA), "Caguas Municipio, PR". For any imported area file, a name that
repeats within a level gets its parent's name appended ("Springfield, North"), and one
that still repeats gets its ID ("Springfield (T-17)").
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

#: USPS codes by 2-digit state FIPS code: the 50 states, DC, Puerto Rico and island areas.
STATE_CODES: dict[str, str] = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}  # fmt: skip

#: Alaska's county equivalents that are not boroughs (Census 2017 FIPS codes).
_ALASKA_TYPES = {
    "02016": "Census Area", "02050": "Census Area", "02070": "Census Area",
    "02105": "Census Area", "02158": "Census Area", "02180": "Census Area",
    "02198": "Census Area", "02240": "Census Area", "02261": "Census Area",
    "02290": "Census Area", "02110": "City and Borough", "02220": "City and Borough",
    "02275": "City and Borough", "02282": "City and Borough", "02020": "Municipality",
    "02230": "Municipality",
}  # fmt: skip
#: County types of whole states and territories.
_STATE_TYPES = {"22": "Parish", "02": "Borough", "72": "Municipio", "60": "District",
                "69": "Municipality"}  # fmt: skip
#: Independent cities outside Virginia (in Virginia every county code from 510 up is one).
_CITIES = {"24510", "29510", "32510"}


def us_county_name(fips: str, name: str) -> str:
    """The name of the county (5-digit FIPS code ``fips``, bare Census ``name``) with its
    type and state: "Texas County, MO", "East Carroll Parish, LA", "City of Fairfax, VA"."""
    state = STATE_CODES.get(fips[:2])
    if state is None or len(fips) != 5:
        return name
    if fips in _CITIES or (fips[:2] == "51" and fips[2:] >= "510"):
        full = name if name.endswith(" City") else f"City of {name}"
    elif fips[:2] in ("11", "66", "78"):  # DC, Guam, the Virgin Islands: no county type
        full = name
    else:
        full = f"{name} {_ALASKA_TYPES.get(fips) or _STATE_TYPES.get(fips[:2], 'County')}"
    return f"{full}, {state}"


def name_namesakes(areas: pd.DataFrame, parent_names: Mapping[str, str]) -> pd.Series:
    """The ``name`` of each area of ``areas`` (columns area_id, name, level, parent_id),
    with names that repeat within a level told apart: by the parent's name (from
    ``parent_names``, area_id -> name, or the frame itself), then by the area's ID."""
    names = areas["name"].astype("string")
    known = {**parent_names, **dict(zip(areas["area_id"], names, strict=True))}
    repeated = names.groupby([areas["level"], names]).transform("size").fillna(1) > 1
    parents = areas["parent_id"].map(lambda p: known.get(p) if isinstance(p, str) else None)
    with_parent = repeated & parents.notna()
    names = names.where(~with_parent, names + ", " + parents.astype("string"))
    still = names.groupby([areas["level"], names]).transform("size").fillna(1) > 1
    names = names.where(~(still & names.notna()), names + " (" + areas["area_id"] + ")")
    return names.astype(object).where(names.notna(), None)
