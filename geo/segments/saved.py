"""Saved segments: named segments kept in the database, re-run on the current data.

A saved segment stores its criteria (the JSON of :class:`geo.segments.segment.Segment`), never its
rows: opening it again selects from the data as it is now. Names are unique, 1 to 80
characters, compared as typed.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from geo.errors import InputError
from geo.segments.area_kpis import summarise_selection
from geo.segments.segment import Known, Segment, segment_from_json
from geo.segments.selection import describe_filters
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope

MAX_NAME_CHARS = 80


def known_areas(store: Store, *, scope: Scope = EVERYTHING) -> Known:
    """The levels and area IDs in the database, to check segments against."""
    frame = store.query("SELECT level, area_id FROM areas", scope=scope)
    return Known(
        {
            str(level): frozenset(part["area_id"].astype(str))
            for level, part in frame.groupby("level", sort=False)
        }
    )


def known_for_links(store: Store, metrics: frozenset[str], *, scope: Scope = EVERYTHING) -> Known:
    """What a link is checked against: levels and their areas, owners and the map metrics."""
    return replace(
        known_areas(store, scope=scope),
        owners=frozenset(store.owner_names(scope=scope)),
        metrics=metrics,
    )


def segments_stamp_of(store: Store) -> str:
    """Changes whenever a segment is saved, renamed or deleted (by the app or the CLI)."""
    row = store.query(
        "SELECT count(*) AS n, CAST(max(updated_at) AS VARCHAR) AS t, "
        "string_agg(name, '|' ORDER BY name) AS names FROM segments"
    ).iloc[0]
    return f"{row['n']}|{row['t']}|{row['names']}"


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise InputError(f"a segment name needs 1 to {MAX_NAME_CHARS} characters")
    return name


def save_segment(store: Store, segment: Segment, name: str) -> Segment:
    """Save (or update) ``segment`` under ``name``; returns it with that name."""
    name = _check_name(name)
    named = replace(segment, name=name)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO segments (name, spec, created_at, updated_at) "
            "VALUES (?, ?, now(), now()) "
            "ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, "
            "updated_at = now()",
            [name, named.to_json()],
        )
    return named


def load_segment(
    store: Store, name: str, *, scope: Scope = EVERYTHING
) -> tuple[Segment, list[str]]:
    """The saved segment and what in it could not be used any more (e.g. an area that a
    re-import removed), one line each."""
    row = store.query("SELECT spec FROM segments WHERE name = ?", [name])
    known = known_areas(store, scope=scope)
    if row.empty or not _within(str(row.iloc[0]["spec"]), known, scope):
        names = list_segment_names(store, scope=scope)
        raise InputError(
            f"no saved segment named '{name}'",
            hint=f"Saved segments: {', '.join(names) if names else 'none yet'}",
        )
    segment, problems = segment_from_json(str(row.iloc[0]["spec"]), known)
    return replace(segment, name=name), problems


def _within(spec: str, known: Known, scope: Scope) -> bool:
    """Whether a saved segment names only areas ``scope`` sees: one that names another
    region's areas belongs to that region and is neither listed nor opened."""
    if scope.sees_everything:
        return True
    filters = segment_from_json(spec)[0].filters
    allowed = known.areas_by_level.get(filters.level or "", frozenset())
    return all(a in allowed for a in filters.area_ids)


def rename_segment(store: Store, old: str, new: str) -> None:
    new = _check_name(new)
    segment, _ = load_segment(store, old)
    if new != old and not store.query("SELECT 1 FROM segments WHERE name = ?", [new]).empty:
        raise InputError(f"a segment named '{new}' exists already", hint="Choose another name")
    with store.transaction() as tx:
        tx.execute(
            "UPDATE segments SET name = ?, spec = ?, updated_at = now() WHERE name = ?",
            [new, replace(segment, name=new).to_json(), old],
        )


def delete_segment(store: Store, name: str) -> None:
    load_segment(store, name)  # a clear error when there is none
    with store.transaction() as tx:
        tx.execute("DELETE FROM segments WHERE name = ?", [name])


def list_segment_names(store: Store, *, scope: Scope = EVERYTHING) -> list[str]:
    """The names of the saved segments ``scope`` may open, in order."""
    rows = store.query("SELECT name, spec FROM segments ORDER BY name")
    if scope.sees_everything:
        return [str(n) for n in rows["name"]]
    known = known_areas(store, scope=scope)
    return [str(r.name) for r in rows.itertuples() if _within(str(r.spec), known, scope)]


def list_segments(store: Store, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Every saved segment with its description and current counts (re-run now)."""
    rows = []
    for name in list_segment_names(store, scope=scope):
        segment, problems = load_segment(store, name, scope=scope)
        counts = summarise_selection(store, segment.filters, scope=scope)
        rows.append(
            {
                "name": name,
                "description": describe_filters(store, segment.filters, scope=scope),
                "rows": counts["rows"],
                "customers": counts["customers"],
                "prospects": counts["prospects"],
                "sales_amount": counts["sales_amount"],
                "problems": "; ".join(problems),
            }
        )
    columns = ["name", "description", "rows", "customers", "prospects", "sales_amount", "problems"]
    return pd.DataFrame(rows, columns=columns)
