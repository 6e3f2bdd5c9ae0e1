"""Saved segments: named segments kept in the database, re-run on the current data.

A saved segment stores its criteria (the JSON of :class:`geo.segments.segment.Segment`), never its
rows: opening it again selects from the data as it is now. Names are unique, 1 to 80
characters, compared as typed.

Several people may edit the same saved segment at once (app sessions in several processes,
the command line). Each saved segment carries a revision; a save, rename or delete from the
app states the revision its editor started from and is refused with
:class:`SegmentChangedError` if someone else changed the segment meanwhile, so an update is
never lost silently: the second writer is told, and keeps their edit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from geo.errors import ChangedMeanwhileError, InputError
from geo.segments.area_kpis import summarise_selection
from geo.segments.segment import Known, Segment, segment_from_json
from geo.segments.selection import describe_filters
from geo.store.protocol import Store, StoreReader
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


@dataclass(frozen=True)
class SavedSegment:
    """A saved segment as read (or just written): the segment, what in it could not be used
    any more, its revision (1 when first saved, one more at every save or rename) and when
    that revision was saved (the database's clock, no time zone)."""

    segment: Segment
    problems: list[str]
    revision: int
    updated_at: datetime | None


class SegmentChangedError(ChangedMeanwhileError):
    """Someone else saved, renamed or deleted a saved segment after the editor read it (or
    saved one under the name the editor chose): see :class:`ChangedMeanwhileError`."""

    def __init__(
        self,
        name: str,
        *,
        revision: int | None,
        updated_at: datetime | None,
        started_from: int | None = None,
    ) -> None:
        self.updated_at = updated_at
        super().__init__(
            "segment",
            name,
            revision=revision,
            started_from=started_from,
            when=f" at {updated_at:%Y-%m-%d %H:%M:%S}" if updated_at is not None else "",
            gone="deleted or renamed",
        )


def _stored_revision(reader: StoreReader, name: str) -> tuple[int, datetime | None] | None:
    """The revision of the segment named ``name`` and when it was saved; None if none."""
    row = reader.query("SELECT revision, updated_at FROM segments WHERE name = ?", [name])
    return None if row.empty else _revision_in(row.iloc[0])


def _revision_in(row: pd.Series) -> tuple[int, datetime | None]:
    """The revision and the time of saving in a row of the segments table."""
    revision, stamp = row["revision"], row["updated_at"]
    return (
        1 if pd.isna(revision) else int(revision),
        None if pd.isna(stamp) else pd.Timestamp(stamp).to_pydatetime(),
    )


def _check_unchanged(reader: StoreReader, name: str, started_from: int | None) -> int | None:
    """The stored revision of ``name``, if it is the one the editor ``started_from`` (None:
    the editor started a new segment, so there must be none); else
    :class:`SegmentChangedError`."""
    stored = _stored_revision(reader, name)
    found = stored[0] if stored else None
    if found != started_from:
        raise SegmentChangedError(
            name,
            revision=found,
            updated_at=stored[1] if stored else None,
            started_from=started_from,
        )
    return found


def save_segment(
    store: Store,
    segment: Segment,
    name: str,
    *,
    started_from: int | None = None,
    overwrite: bool = False,
) -> SavedSegment:
    """Save ``segment`` under ``name``; returns it with that name and its new revision.

    ``started_from`` is the revision of the saved segment the editor opened (None: a new
    segment). If the stored segment of that name is not at that revision (someone saved,
    renamed or deleted it meanwhile, or saved a new one under the name), the save is
    refused with :class:`SegmentChangedError` and nothing is written; ``overwrite`` saves
    over whatever is there, knowingly. The check and the write are one transaction, and
    writers take turns, so of two saves from the same revision exactly one succeeds.
    """
    name = _check_name(name)
    named = replace(segment, name=name)
    _refuse_unseen(store, name)
    with store.transaction() as tx:
        if overwrite:
            stored = _stored_revision(tx, name)
            found = stored[0] if stored else None
        else:
            found = _check_unchanged(tx, name, started_from)
        if found is None:
            tx.execute(
                "INSERT INTO segments (name, spec, created_at, updated_at, revision) "
                "VALUES (?, ?, now(), now(), 1)",
                [name, named.to_json()],
            )
        else:
            tx.execute(
                "UPDATE segments SET spec = ?, updated_at = now(), revision = ? WHERE name = ?",
                [named.to_json(), found + 1, name],
            )
        written = _stored_revision(tx, name)
    assert written is not None
    return SavedSegment(named, [], written[0], written[1])


def _refuse_unseen(store: Store, name: str) -> None:
    """Refuse to write over a segment that the store's scope does not see (another region's:
    saving, renaming or deleting it would change what its owners use)."""
    if store.scope.sees_everything:
        return
    row = store.query("SELECT spec FROM segments WHERE name = ?", [name])
    if not row.empty and not _within(str(row.iloc[0]["spec"]), known_areas(store), store.scope):
        raise InputError(
            f"a segment named '{name}' exists already, for areas outside your view",
            hint="Choose another name",
        )


def open_saved_segment(store: Store, name: str, *, scope: Scope = EVERYTHING) -> SavedSegment:
    """The saved segment named ``name`` with its revision (what an editor starts from), and
    what in it could not be used any more (e.g. an area that a re-import removed), one line
    each; :class:`InputError` listing the saved names if there is none ``scope`` sees."""
    # A store bound to a user's scope (the app's) checks against that scope too.
    scope = store.scope.narrowed_by(scope)
    row = store.query("SELECT spec, revision, updated_at FROM segments WHERE name = ?", [name])
    known = known_areas(store, scope=scope)
    if row.empty or not _within(str(row.iloc[0]["spec"]), known, scope):
        names = list_segment_names(store, scope=scope)
        raise InputError(
            f"no saved segment named '{name}'",
            hint=f"Saved segments: {', '.join(names) if names else 'none yet'}",
        )
    segment, problems = segment_from_json(str(row.iloc[0]["spec"]), known)
    return SavedSegment(replace(segment, name=name), problems, *_revision_in(row.iloc[0]))


def load_segment(
    store: Store, name: str, *, scope: Scope = EVERYTHING
) -> tuple[Segment, list[str]]:
    """The saved segment and what in it could not be used any more (e.g. an area that a
    re-import removed), one line each."""
    saved = open_saved_segment(store, name, scope=scope)
    return saved.segment, saved.problems


def _within(spec: str, known: Known, scope: Scope) -> bool:
    """Whether a saved segment names only areas ``scope`` sees: one that names another
    region's areas belongs to that region and is neither listed nor opened."""
    if scope.sees_everything:
        return True
    filters = segment_from_json(spec)[0].filters
    allowed = known.areas_by_level.get(filters.level or "", frozenset())
    return all(a in allowed for a in filters.area_ids)


def rename_segment(store: Store, old: str, new: str, *, started_from: int | None = None) -> None:
    """Rename the saved segment ``old`` to ``new`` (its revision counts one more).

    With ``started_from`` (the revision the editor saw), a segment saved, renamed or
    deleted by someone else meanwhile is left as it is: :class:`SegmentChangedError`.
    """
    new = _check_name(new)
    load_segment(store, old)  # a clear error when there is none
    with store.transaction() as tx:
        found = _stored_revision(tx, old)
        if started_from is not None:
            _check_unchanged(tx, old, started_from)
        if found is None:
            raise SegmentChangedError(old, revision=None, updated_at=None)
        if new != old and not tx.query("SELECT 1 FROM segments WHERE name = ?", [new]).empty:
            raise InputError(f"a segment named '{new}' exists already", hint="Choose another name")
        spec = str(tx.scalar("SELECT spec FROM segments WHERE name = ?", [old]))
        renamed = replace(segment_from_json(spec)[0], name=new)
        tx.execute(
            "UPDATE segments SET name = ?, spec = ?, updated_at = now(), revision = ? "
            "WHERE name = ?",
            [new, renamed.to_json(), found[0] + 1, old],
        )


def delete_segment(store: Store, name: str, *, started_from: int | None = None) -> None:
    """Delete the saved segment ``name``; with ``started_from`` (the revision the editor
    saw), one saved or renamed by someone else meanwhile is kept: :class:`SegmentChangedError`."""
    load_segment(store, name)  # a clear error when there is none
    with store.transaction() as tx:
        if started_from is not None:
            _check_unchanged(tx, name, started_from)
        tx.execute("DELETE FROM segments WHERE name = ?", [name])


def list_segment_names(store: Store, *, scope: Scope = EVERYTHING) -> list[str]:
    """The names of the saved segments ``scope`` (and the store's own) may open, in order."""
    scope = store.scope.narrowed_by(scope)
    rows = store.query("SELECT name, spec FROM segments ORDER BY name")
    if scope.sees_everything:
        return [str(n) for n in rows["name"]]
    known = known_areas(store, scope=scope)
    return [str(r.name) for r in rows.itertuples() if _within(str(r.spec), known, scope)]


def list_segments(store: Store, *, scope: Scope = EVERYTHING) -> pd.DataFrame:
    """Every saved segment with its description and current counts (re-run now)."""
    rows = []
    for name in list_segment_names(store, scope=scope):
        saved = open_saved_segment(store, name, scope=scope)
        segment, problems = saved.segment, saved.problems
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
                "revision": saved.revision,
            }
        )
    columns = [
        "name",
        "description",
        "rows",
        "customers",
        "prospects",
        "sales_amount",
        "problems",
        "revision",
    ]
    return pd.DataFrame(rows, columns=columns)
