"""The nine US Census divisions, used as the demo's sales territories.

Source: US Census Bureau, "Census Regions and Divisions of the United States". Keys are
2-digit state FIPS codes; the division code is the Census division number (1-9).
"""

from __future__ import annotations

from typing import Final

DIVISION_NAMES: Final = {
    1: "New England",
    2: "Middle Atlantic",
    3: "East North Central",
    4: "West North Central",
    5: "South Atlantic",
    6: "East South Central",
    7: "West South Central",
    8: "Mountain",
    9: "Pacific",
}

_STATES_BY_DIVISION: Final = {
    1: ("09", "23", "25", "33", "44", "50"),  # CT ME MA NH RI VT
    2: ("34", "36", "42"),  # NJ NY PA
    3: ("17", "18", "26", "39", "55"),  # IL IN MI OH WI
    4: ("19", "20", "27", "29", "31", "38", "46"),  # IA KS MN MO NE ND SD
    5: ("10", "11", "12", "13", "24", "37", "45", "51", "54"),  # DE DC FL GA MD NC SC VA WV
    6: ("01", "21", "28", "47"),  # AL KY MS TN
    7: ("05", "22", "40", "48"),  # AR LA OK TX
    8: ("04", "08", "16", "30", "32", "35", "49", "56"),  # AZ CO ID MT NV NM UT WY
    9: ("02", "06", "15", "41", "53"),  # AK CA HI OR WA
}

#: State FIPS -> division number, for the 50 states and DC.
DIVISION_OF_STATE: Final = {
    state: division for division, states in _STATES_BY_DIVISION.items() for state in states
}
