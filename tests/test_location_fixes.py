"""Locations fixed by hand: assigned at once, kept through a re-import of the same
customer and through an undo, listed with who, when, before and after, and revertible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import InputError
from geo.imports.location_fixes import fix_location, listed_location_fixes, revert_location_fix
from geo.imports.runner import import_customers_file
from geo.imports.undo import undo_import
from geo.quality.fix_lists import fix_list
from geo.store.protocol import Store


def _where(store: Store, customer_id: str) -> tuple[float | None, float | None, str | None]:
    row = store.query(
        "SELECT c.lat, c.lon, a.area_id FROM customers c JOIN assignments a "
        "ON a.customer_id = c.customer_id AND a.level = 'county' WHERE c.customer_id = ?",
        [customer_id],
    ).iloc[0]
    area = None if row["area_id"] is None or row["area_id"] != row["area_id"] else row["area_id"]
    return float(row["lat"]), float(row["lon"]), area


def test_a_fix_moves_the_customer_and_reassigns_them(tiny_store: Store) -> None:
    # c4 (5, 5) is outside every county; its right place is in B = [1,2]x[0,1].
    assert "c4" in set(fix_list(tiny_store, "outside_areas", "county")["customer_id"])
    made = fix_location(tiny_store, "c4", 0.5, 1.5, fixed_by="ada@example.com", note="typo")
    assert (made.before, made.after) == ((5.0, 5.0), (0.5, 1.5))
    assert _where(tiny_store, "c4") == (0.5, 1.5, "B")
    assert "c4" not in set(fix_list(tiny_store, "outside_areas", "county")["customer_id"])
    listed = listed_location_fixes(tiny_store).iloc[0]
    assert (listed["customer_id"], listed["fixed_by"], listed["note"]) == (
        "c4",
        "ada@example.com",
        "typo",
    )
    assert (listed["imported_lat"], listed["imported_lon"], bool(listed["in_force"])) == (
        5.0,
        5.0,
        True,
    )


def test_a_re_import_keeps_the_fix_and_a_revert_brings_the_files_point(
    tiny_store: Store, tmp_path: Path
) -> None:
    fix_location(tiny_store, "c4", 0.5, 1.5)
    again = tmp_path / "again.csv"
    again.write_text("id,name,lat,lon\nc4,Dan,6.0,6.0\n")
    result = import_customers_file(tiny_store, again)
    assert any("keep the location fixed by hand" in w for w in result.report.warnings)
    assert _where(tiny_store, "c4") == (0.5, 1.5, "B")
    assert tiny_store.scalar("SELECT name FROM customers WHERE customer_id = 'c4'") == "Dan"
    reverted = revert_location_fix(tiny_store, "c4", reverted_by="ada@example.com")
    assert reverted.after == (6.0, 6.0)  # what the last import brought
    assert _where(tiny_store, "c4")[:2] == (6.0, 6.0)
    assert not listed_location_fixes(tiny_store)["in_force"].any()
    with pytest.raises(InputError, match="no location fix in force"):
        revert_location_fix(tiny_store, "c4")


def test_an_undone_import_keeps_the_fix_made_after_it(tiny_store: Store, tmp_path: Path) -> None:
    again = tmp_path / "again.csv"
    again.write_text("id,name,lat,lon\nc4,Dan renamed,6.0,6.0\n")
    batch = import_customers_file(tiny_store, again).report.batch_id
    assert batch is not None
    fix_location(tiny_store, "c4", 0.5, 0.5)
    undo_import(tiny_store, batch)
    assert tiny_store.scalar("SELECT name FROM customers WHERE customer_id = 'c4'") == "Dan"
    assert _where(tiny_store, "c4") == (0.5, 0.5, "A")  # the fix outlasts the undo
    assert revert_location_fix(tiny_store, "c4").after == (5.0, 5.0)  # as before the batch


def test_a_second_fix_replaces_the_first_and_bad_fixes_change_nothing(tiny_store: Store) -> None:
    first = fix_location(tiny_store, "c5", 0.5, 0.5)  # c5 had no location
    assert first.before == (None, None)
    second = fix_location(tiny_store, "c5", 0.5, 1.5)
    fixes = listed_location_fixes(tiny_store).set_index("fix_id")
    assert fixes.loc[first.fix_id, "reverted_by"] == f"replaced by {second.fix_id}"
    assert bool(fixes.loc[second.fix_id, "in_force"])
    assert revert_location_fix(tiny_store, "c5").after == (None, None)
    assert "c5" in set(fix_list(tiny_store, "no_location")["customer_id"])
    version = tiny_store.data_version()
    with pytest.raises(InputError, match="no customer 'nobody'"):
        fix_location(tiny_store, "nobody", 1, 1)
    with pytest.raises(InputError, match="latitude 91"):
        fix_location(tiny_store, "c1", 91, 1)
    assert tiny_store.data_version() == version


def test_the_fix_command(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    db = ["--db", tiny_store.location]
    assert main([*db, "fix", "location", "c4", "--lat", "0.5", "--lon", "1.5", "--json"]) == 0
    fixed = json.loads(capsys.readouterr().out)["fixed"]
    assert fixed["before"] == {"lat": 5.0, "lon": 5.0}
    assert main([*db, "fix", "list", "--json"]) == 0
    assert [f["customer_id"] for f in json.loads(capsys.readouterr().out)["fixes"]] == ["c4"]
    assert main([*db, "fix", "revert", "c4"]) == 0
    assert "Location of c4 reverted: 0.500000, 1.500000 -> 5.000000, 5.000000" in (
        capsys.readouterr().out
    )
    assert main([*db, "fix", "revert", "c4"]) == 2
    assert "geocrm fix list" in capsys.readouterr().err
