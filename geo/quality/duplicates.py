"""Probable duplicates among customers: three rules, each giving groups of customer IDs.

- the same normalised name and the same normalised postcode (both given);
- the same email, case and spaces aside;
- the same coordinates (to 5 decimals of a degree, about 1 m) and a similar name: each
  name, normalised, is compared with the next one in alphabetical order at that point
  (difflib ratio at least :data:`SIMILAR_NAMES`), so that thousands of customers placed at
  one postcode's centre are compared in n log n, not n squared.

A name is normalised by case-folding, dropping punctuation, dropping a legal form at the
end (Inc, LLC, Ltd, ...) and collapsing spaces: "ACME, Inc." and "Acme" are the same.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

import pandas as pd

#: How alike two names at the same point must be (difflib's ratio, 0 to 1).
SIMILAR_NAMES = 0.85
#: Legal forms dropped from the end of a name before names are compared.
LEGAL_FORMS = (
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "plc",
    "co",
    "corp",
    "corporation",
    "company",
    "gmbh",
    "llp",
)
_PUNCTUATION = re.compile(r"[^\w\s]")
_LEGAL_END = re.compile(r"(?:\s+(?:" + "|".join(LEGAL_FORMS) + r"))+$")
#: The rules, in the order their groups are listed.
RULES = ("name_and_postcode", "email", "coordinates_and_name")
RULE_WORDS = {
    "name_and_postcode": "the same name and postcode",
    "email": "the same email",
    "coordinates_and_name": "the same coordinates and a similar name",
}


def normalised_names(names: pd.Series) -> pd.Series:
    """Names as compared: case-folded, no punctuation or legal form, single spaces."""
    text = names.fillna("").astype(str).str.casefold()
    text = text.str.replace(_PUNCTUATION, " ", regex=True).str.split().str.join(" ")
    return text.str.replace(_LEGAL_END, "", regex=True).str.strip()


def _normalised_postcodes(postcodes: pd.Series) -> pd.Series:
    return postcodes.fillna("").astype(str).str.upper().str.replace(r"\s+", "", regex=True)


def _groups_of_equal(ids: pd.Series, keys: pd.Series) -> list[list[str]]:
    """Groups (two or more IDs) sharing a non-empty key, each sorted, by their first ID."""
    given = keys.ne("")
    frame = pd.DataFrame({"id": ids[given].astype(str), "key": keys[given]})
    repeated = frame[frame["key"].duplicated(keep=False)]
    groups = [sorted(g) for _, g in repeated.groupby("key", sort=False)["id"]]
    return sorted(groups)


def _similar_at_same_point(customers: pd.DataFrame, names: pd.Series) -> list[list[str]]:
    located = customers["lat"].notna() & customers["lon"].notna() & names.ne("")
    frame = pd.DataFrame(
        {
            "id": customers.loc[located, "customer_id"].astype(str),
            "point": customers.loc[located, "lat"].round(5).astype(str)
            + ","
            + customers.loc[located, "lon"].round(5).astype(str),
            "name": names[located],
        }
    )
    frame = frame[frame["point"].duplicated(keep=False)].sort_values(["point", "name", "id"])
    groups: list[list[str]] = []
    for _, at_point in frame.groupby("point", sort=False):
        current = [str(at_point["id"].iloc[0])]
        previous = str(at_point["name"].iloc[0])
        for cid, name in zip(at_point["id"].iloc[1:], at_point["name"].iloc[1:], strict=True):
            if SequenceMatcher(None, previous, name).ratio() >= SIMILAR_NAMES:
                current.append(str(cid))
            else:
                if len(current) > 1:
                    groups.append(sorted(current))
                current = [str(cid)]
            previous = name
        if len(current) > 1:
            groups.append(sorted(current))
    return sorted(groups)


def probable_duplicates(customers: pd.DataFrame) -> pd.DataFrame:
    """One row per customer in a group: customer_id, rule (one of :data:`RULES`), group
    (1, 2, ... numbered across the rules) and others (the group's other IDs, the first
    :data:`NAMED_OTHERS` named and the rest counted). ``customers``: customer_id, name,
    postcode, email, lat, lon (degrees)."""
    names = normalised_names(customers["name"])
    postcodes = _normalised_postcodes(customers["postcode"])
    name_and_postcode = (names + "|" + postcodes).where(names.ne("") & postcodes.ne(""), "")
    emails = customers["email"].fillna("").astype(str).str.strip().str.casefold()
    found = {
        "name_and_postcode": _groups_of_equal(customers["customer_id"], name_and_postcode),
        "email": _groups_of_equal(customers["customer_id"], emails),
        "coordinates_and_name": _similar_at_same_point(customers, names),
    }
    rows = []
    number = 0
    for rule in RULES:
        for group in found[rule]:
            number += 1
            for cid in group:
                rows.append((cid, rule, number, _others_text([g for g in group if g != cid])))
    return pd.DataFrame(rows, columns=["customer_id", "rule", "group", "others"])


#: How many other IDs of a group a customer's line names (the rest are counted).
NAMED_OTHERS = 5


def _others_text(others: list[str]) -> str:
    named = ", ".join(others[:NAMED_OTHERS])
    rest = len(others) - NAMED_OTHERS
    return f"{named} and {rest:,} more" if rest > 0 else named
