"""Saved segments edited from two places at once: an update is never lost silently.

Every test runs on both stores (the ``tiny_store`` fixture).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from geo.errors import InputError
from geo.segments.filters import Filters
from geo.segments.saved import (
    SegmentChangedError,
    delete_segment,
    list_segments,
    load_segment,
    open_saved_segment,
    rename_segment,
    save_segment,
)
from geo.segments.segment import Segment
from geo.store import tables
from geo.store.opening import store_at
from geo.store.protocol import Store
from tests.app_sessions import ROOT, open_with_link

BETA = Segment(Filters(level="county", area_ids=("B",)))
ALPHA = Segment(Filters(level="county", area_ids=("A",)))
PROSPECTS = Segment(Filters(level="county", kind="prospect"))


def _spec_of(store: Store, name: str) -> str:
    return str(store.scalar("SELECT spec FROM segments WHERE name = ?", [name]))


def test_each_save_and_rename_counts_one_revision_more(tiny_store: Store) -> None:
    first = save_segment(tiny_store, BETA, "Beta")
    assert first.revision == 1 and first.updated_at is not None
    second = save_segment(tiny_store, ALPHA, "Beta", started_from=1)
    assert second.revision == 2
    rename_segment(tiny_store, "Beta", "Alpha", started_from=2)
    opened = open_saved_segment(tiny_store, "Alpha")
    assert opened.revision == 3 and opened.segment.filters == ALPHA.filters
    assert list_segments(tiny_store)[["name", "revision"]].values.tolist() == [["Alpha", 3]]


def test_a_save_over_a_segment_someone_saved_meanwhile_is_refused(tiny_store: Store) -> None:
    save_segment(tiny_store, BETA, "Team")
    mine = open_saved_segment(tiny_store, "Team")  # I open it at revision 1 ...
    save_segment(tiny_store, PROSPECTS, "Team", started_from=1)  # ... a colleague saves it
    theirs = _spec_of(tiny_store, "Team")
    with pytest.raises(SegmentChangedError) as refused:
        save_segment(tiny_store, ALPHA, "Team", started_from=mine.revision)
    message = str(refused.value)
    assert message.startswith("the segment 'Team' was saved by someone else at 20")
    assert "Nothing was overwritten and your edit is kept" in message
    assert refused.value.revision == 2
    assert _spec_of(tiny_store, "Team") == theirs  # nothing overwritten
    # Under another name, or over theirs knowingly.
    assert save_segment(tiny_store, ALPHA, "Team (mine)").revision == 1
    assert save_segment(tiny_store, ALPHA, "Team", overwrite=True).revision == 3
    assert load_segment(tiny_store, "Team")[0].filters == ALPHA.filters


def test_a_new_segment_under_a_name_someone_took_meanwhile_is_refused(tiny_store: Store) -> None:
    save_segment(tiny_store, PROSPECTS, "Mine")
    with pytest.raises(
        SegmentChangedError, match=r"a segment named 'Mine' exists already \(saved at 20"
    ):
        save_segment(tiny_store, BETA, "Mine")
    assert load_segment(tiny_store, "Mine")[0].filters == PROSPECTS.filters


def test_a_save_over_a_segment_deleted_meanwhile_is_refused(tiny_store: Store) -> None:
    save_segment(tiny_store, BETA, "Gone")
    delete_segment(tiny_store, "Gone")
    with pytest.raises(SegmentChangedError, match="'Gone' was deleted or renamed by someone"):
        save_segment(tiny_store, ALPHA, "Gone", started_from=1)
    assert list_segments(tiny_store).empty


def test_rename_and_delete_of_a_segment_changed_meanwhile_are_refused(tiny_store: Store) -> None:
    save_segment(tiny_store, BETA, "Shared")
    save_segment(tiny_store, PROSPECTS, "Shared", started_from=1)  # someone else, meanwhile
    with pytest.raises(SegmentChangedError, match="'Shared' was saved by someone else"):
        rename_segment(tiny_store, "Shared", "Renamed", started_from=1)
    with pytest.raises(SegmentChangedError, match="'Shared' was saved by someone else"):
        delete_segment(tiny_store, "Shared", started_from=1)
    assert list_segments(tiny_store)["name"].tolist() == ["Shared"]
    assert load_segment(tiny_store, "Shared")[0].filters == PROSPECTS.filters
    delete_segment(tiny_store, "Shared", started_from=2)  # seen as it is now: deleted
    assert list_segments(tiny_store).empty
    with pytest.raises(InputError, match="no saved segment named 'Shared'"):
        delete_segment(tiny_store, "Shared")


def _at_once(*writes: Callable[[], object]) -> list[BaseException | None]:
    """Run ``writes`` in threads of their own, released together; what each raised."""
    start = threading.Barrier(len(writes))
    outcomes: list[BaseException | None] = [None] * len(writes)

    def run(i: int) -> None:
        start.wait()
        try:
            writes[i]()
        except BaseException as exc:  # the outcome is what the test checks
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_two_saves_from_the_same_revision_at_once_one_wins_the_other_is_told(
    tiny_store: Store,
) -> None:
    save_segment(tiny_store, BETA, "Race")
    # A store object of each writer's own, as two app sessions would have.
    first, second = store_at(tiny_store.location), store_at(tiny_store.location)
    outcomes = _at_once(
        lambda: save_segment(first, ALPHA, "Race", started_from=1),
        lambda: save_segment(second, PROSPECTS, "Race", started_from=1),
    )
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 1 and isinstance(refused[0], SegmentChangedError), outcomes
    winner = (ALPHA, PROSPECTS)[outcomes.index(None)]
    saved = open_saved_segment(tiny_store, "Race")
    assert saved.revision == 2 and saved.segment.filters == winner.filters


#: Saves a segment from revision 1 in a process of its own once told to ("go" on stdin);
#: prints "saved" or the refusal's class.
SAVING_PROCESS = """
import sys
from geo.segments.filters import Filters
from geo.segments.saved import SegmentChangedError, save_segment
from geo.segments.segment import Segment
from geo.store.opening import open_store

store = open_store(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
try:
    save_segment(store, Segment(Filters(kind=sys.argv[2])), "Race", started_from=1)
except SegmentChangedError:
    print("SegmentChangedError", flush=True)
else:
    print("saved", flush=True)
"""


def test_two_processes_saving_from_the_same_revision_one_wins_the_other_is_told(
    tiny_store: Store,
) -> None:
    save_segment(tiny_store, BETA, "Race")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SAVING_PROCESS, tiny_store.location, kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for kind in ("customer", "prospect")
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in processes:  # released together
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        said = [process.communicate(timeout=120)[0].strip() for process in processes]
    finally:
        for process in processes:
            if process.returncode is None:
                process.kill()
                process.wait()
    assert sorted(said) == ["SegmentChangedError", "saved"], said
    winner = ("customer", "prospect")[said.index("saved")]
    saved = open_saved_segment(tiny_store, "Race")
    assert saved.revision == 2 and saved.segment.filters.kind == winner


def test_many_new_segments_under_one_name_at_once_exactly_one_is_saved(
    tiny_store: Store,
) -> None:
    candidates = [ALPHA, BETA, PROSPECTS, Segment(Filters(level="county", kind="customer"))]
    outcomes = _at_once(*(lambda s=s: save_segment(tiny_store, s, "First") for s in candidates))
    assert sum(o is None for o in outcomes) == 1
    assert all(isinstance(o, SegmentChangedError) for o in outcomes if o is not None), outcomes
    saved = open_saved_segment(tiny_store, "First")
    assert saved.revision == 1
    assert saved.segment.filters == candidates[outcomes.index(None)].filters


def test_segments_saved_before_revisions_were_counted_start_at_revision_one(
    tiny_store: Store,
) -> None:
    # The database as the release before revisions left it: schema 2, no revision column.
    with tiny_store.transaction() as tx:
        tx.execute("ALTER TABLE segments DROP COLUMN revision")
        tx.execute(
            "INSERT INTO segments (name, spec, created_at, updated_at) "
            "VALUES ('Old', ?, now(), now())",
            [PROSPECTS.to_json()],
        )
        tables.set_meta(tx, "schema_version", "2")
    # Steps 3 (revisions) and on run again; step 4's tables exist already and are kept.
    assert tables.upgrade_schema(tiny_store) == tables.SCHEMA_VERSION - 2
    assert tables.schema_version_of(tiny_store) == tables.SCHEMA_VERSION
    old = open_saved_segment(tiny_store, "Old")
    assert old.revision == 1 and _spec_of(tiny_store, "Old") == PROSPECTS.to_json()
    assert save_segment(tiny_store, ALPHA, "Old", started_from=1).revision == 2


def test_the_export_page_tells_the_second_writer_and_keeps_their_edit(demo_copy: Store) -> None:
    at = open_with_link({"level": "territory", "area": "DIV1", "kind": "customer"})
    at.switch_page("pages/export.py").run()
    at.text_input(key="export_save_name").set_value("Team list").run()
    at.button(key="export_save").click().run()
    assert not at.exception, at.exception
    mine = open_saved_segment(demo_copy, "Team list")
    assert mine.revision == 1
    rows_shown = next(m.value for m in at.metric if m.label == "Rows")
    # A colleague, elsewhere, saves the same segment with other criteria meanwhile.
    theirs = Segment(Filters(level="territory", kind="prospect"))
    save_segment(store_at(demo_copy.location), theirs, "Team list", started_from=1)
    at.button(key="export_save").click().run()
    assert not at.exception, at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning]  # shown as inert text
    assert any("'Team list' was saved by someone else at" in w for w in warnings), warnings
    assert any("your edit is kept" in w for w in warnings), warnings
    assert load_segment(demo_copy, "Team list")[0].filters.kind == "prospect"  # not lost
    # The edit is kept: the same name typed, the same selection on screen.
    assert at.text_input(key="export_save_name").value == "Team list"
    assert next(m.value for m in at.metric if m.label == "Rows") == rows_shown
    # Saved under another name, it is a new segment; theirs stays.
    at.text_input(key="export_save_name").set_value("Team list (mine)").run()
    at.button(key="export_save").click().run()
    assert not at.exception, at.exception
    assert open_saved_segment(demo_copy, "Team list (mine)").segment.filters == mine.segment.filters
    assert load_segment(demo_copy, "Team list")[0].filters.kind == "prospect"
    # Or over theirs, knowingly.
    at.text_input(key="export_save_name").set_value("Team list").run()
    at.button(key="export_save").click().run()
    at.button(key="export_overwrite").click().run()
    assert not at.exception, at.exception
    over = open_saved_segment(demo_copy, "Team list")
    assert over.revision == 3 and over.segment.filters == mine.segment.filters
    assert not at.warning


def test_the_export_page_keeps_a_segment_changed_since_it_was_listed(demo_copy: Store) -> None:
    save_segment(demo_copy, Segment(Filters(level="territory", kind="customer")), "Shared")
    at = open_with_link({"level": "territory"})
    at.switch_page("pages/export.py").run()
    at.text_input(key="export_new_name").set_value("Renamed").run()
    assert at.selectbox(key="export_pick").value == "Shared"  # listed at revision 1
    # A colleague saves it with other criteria after the list was shown, before the click.
    theirs = Segment(Filters(level="territory", kind="prospect"))
    save_segment(store_at(demo_copy.location), theirs, "Shared", started_from=1)
    at.button(key="export_rename").click().run()
    assert not at.exception, at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # shown as inert text
    assert len(errors) == 1 and "'Shared' was saved by someone else at" in errors[0], errors
    kept = open_saved_segment(demo_copy, "Shared")
    assert kept.revision == 2 and kept.segment.filters.kind == "prospect"
    # Now listed as it is: deleting it again deletes it, knowingly.
    at.button(key="export_delete").click().run()
    assert not at.exception, at.exception
    assert list_segments(demo_copy).empty


def test_a_segment_of_another_region_cannot_be_saved_over_renamed_or_deleted(
    tiny_store: Store,
) -> None:
    from geo.store.scope import Scope

    save_segment(tiny_store, Segment(Filters(level="county", area_ids=("B",))), "Bravo")
    alpha = tiny_store.within(Scope.of_areas("county", ["A"]))
    mine = Segment(Filters(level="county", area_ids=("A",)))
    for overwrite in (False, True):
        with pytest.raises(InputError, match="outside your view"):
            save_segment(alpha, mine, "Bravo", overwrite=overwrite)
    with pytest.raises(InputError):
        rename_segment(alpha, "Bravo", "Mine")
    with pytest.raises(InputError):
        delete_segment(alpha, "Bravo")
    kept = open_saved_segment(tiny_store, "Bravo")
    assert kept.segment.filters.area_ids == ("B",) and kept.revision == 1
    # Their own name is theirs to use.
    assert save_segment(alpha, mine, "Alpha").revision == 1
