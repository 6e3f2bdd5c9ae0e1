"""``geocrm user``, ``geocrm audit`` and ``geocrm --as EMAIL``, on both stores: one JSON
object per command, refusals on one line with status 2 and the database unchanged, and a
command acting for a user reads only that user's customers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.access.audit import LOCAL_ACTOR, audit_entries
from geo.access.users import add_user, find_user, set_user
from geo.cli import main
from geo.store.protocol import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    """Exit status, the JSON object printed (with --json) and what went to stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, json.loads(out) if out else {}, captured.err


def user_rows(store: Store) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        int(store.scalar(f"SELECT count(*) FROM {t}")) for t in ("users", "user_areas", "audit_log")
    )


def test_users_are_added_changed_listed_and_removed(
    tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", tiny_store.location)
    code, out, _ = run(
        capsys, *db, "user", "add", "Ana@X.org", "--role", "manager", "--areas", "county:A",
        "--json",
    )  # fmt: skip
    assert code == 0
    assert out == {
        "user": {"email": "ana@x.org", "role": "manager", "all_areas": False,
                 "areas": ["county:A"], "active": True, "sees": "1 area of level county"},
        "by": LOCAL_ACTOR,
    }  # fmt: skip
    code, out, _ = run(
        capsys, *db, "user", "set", "ana@x.org", "--areas", "county:A,county:B", "--by",
        "Boss@X.org", "--json",
    )  # fmt: skip
    assert (code, out["user"]["areas"], out["by"]) == (0, ["county:A", "county:B"], "boss@x.org")
    code, out, _ = run(capsys, *db, "user", "set", "ana@x.org", "--inactive", "--json")
    assert (code, out["user"]["active"], out["user"]["sees"]) == (0, False, "0 areas")
    code, out, _ = run(capsys, *db, "user", "add", "v@x.org", "--role", "viewer", "--all-areas",
                       "--json")  # fmt: skip
    assert out["user"]["sees"] == "all data"
    code, out, _ = run(capsys, *db, "user", "list", "--json")
    assert code == 0
    fields = ("email", "role", "areas", "active", "changed_by")
    assert [tuple(u[f] for f in fields) for u in out["users"]] == [
        ("ana@x.org", "manager", "county A, county B", False, LOCAL_ACTOR),
        ("v@x.org", "viewer", "all areas", True, LOCAL_ACTOR),
    ]  # fmt: skip
    code, out, _ = run(capsys, *db, "user", "remove", "ANA@x.org", "--json")
    assert (code, out) == (0, {"removed": "ana@x.org", "by": LOCAL_ACTOR})
    assert find_user(tiny_store, "ana@x.org") is None
    # The trail names every change and who made it, newest first.
    trail = audit_entries(tiny_store)
    assert trail[["actor", "action", "subject"]].values.tolist() == [
        [LOCAL_ACTOR, "user removed", "ana@x.org"],
        [LOCAL_ACTOR, "user added", "v@x.org"],
        [LOCAL_ACTOR, "user changed", "ana@x.org"],
        ["boss@x.org", "user changed", "ana@x.org"],
        [LOCAL_ACTOR, "user added", "ana@x.org"],
    ]
    # Without --json, the list is a table.
    assert main([*db, "user", "list"]) == 0
    assert re.search(r"\nv@x.org +viewer +all areas +True ", capsys.readouterr().out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "n@x.org", "--role", "boss", "--areas", "county:A"], "there is no role 'boss'"),
        (["add", "n@x.org", "--role", "manager", "--areas", "county:Z"],
         "there is no area Z of level county"),
        (["add", "n@x.org", "--role", "manager", "--all-areas"],
         "a manager sees their own areas, not all of them"),
        (["add", "n@x.org", "--role", "viewer"], "a viewer without areas would see nothing"),
        (["add", "n@x.org", "--role", "viewer", "--areas", "county"],
         "'county' does not name an area"),
        (["add", "n@x.org", "--role", "viewer", "--areas", "county:A", "--all-areas"],
         "give --areas or --all-areas, not both"),
        (["add", "not-an-email", "--role", "admin"], "'not-an-email' is not an email address"),
        (["add", "m@x.org", "--role", "admin"], "the user m@x.org exists already"),
        (["set", "m@x.org"], "nothing to change for m@x.org"),
        (["set", "m@x.org", "--own-areas", "--areas", ""],
         "a manager without areas would see nothing"),
        (["set", "nobody@x.org", "--role", "viewer"], "there is no user nobody@x.org"),
        (["remove", "nobody@x.org"], "there is no user nobody@x.org"),
    ],
)  # fmt: skip
def test_a_refused_change_says_why_on_one_line_and_changes_nothing(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    before = user_rows(tiny_store)
    code, out, err = run(capsys, "--db", tiny_store.location, "user", *args, "--json")
    assert code == 2
    assert message in out["error"]
    assert err.count("\n") == 1 and err.startswith("geocrm: error: ") and message in err
    assert user_rows(tiny_store) == before


def test_the_audit_trail_is_listed_newest_first_and_written_excel_safe(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = ("--db", tiny_store.location)
    for email in ("a@x.org", "=1+1@x.org", "c@x.org"):
        assert main([*db, "user", "add", email, "--role", "viewer", "--all-areas"]) == 0
    capsys.readouterr()
    out_file = tmp_path / "audit.csv"
    code, out, _ = run(capsys, *db, "audit", "--limit", "2", "--out", str(out_file), "--json")
    assert (code, out["rows"]) == (0, 2)
    assert [e["subject"] for e in out["entries"]] == ["c@x.org", "=1+1@x.org"]
    code, out, _ = run(capsys, *db, "audit", "--out", str(out_file), "--json")
    # The first file written of the trail is in the trail itself, newest.
    subjects = ["audit trail", "c@x.org", "=1+1@x.org", "a@x.org"]
    assert [e["subject"] for e in out["entries"]] == subjects
    written = pd.read_csv(out_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert written["subject"].tolist() == ["audit trail", "c@x.org", "'=1+1@x.org", "a@x.org"]
    # The time of day is kept (a date column would drop it), in UTC to the second.
    assert written["logged_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert written["logged_at"].iloc[0] == out["entries"][0]["logged_at"]
    code, out, err = run(capsys, *db, "audit", "--limit", "0", "--json")
    assert code == 2 and "--limit 0" in err


def _territory_ids(store: Store, territory: str) -> set[str]:
    """The IDs of the customers and prospects located inside one territory, found from the
    points and the outline (not from the stored assignment the scope reads)."""
    people = store.query("SELECT customer_id, lon, lat FROM customers WHERE lat IS NOT NULL")
    outline = store.load_areas("territory").set_index("area_id").geometry[territory]
    points = gpd.points_from_xy(people["lon"], people["lat"])
    return set(people["customer_id"][points.within(outline)])


def test_acting_for_a_manager_exports_only_their_territory(
    demo_copy: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(demo_copy, "m@x.org", "manager", areas=[("territory", "DIV5")], actor="t")
    db = ("--db", demo_copy.location)
    mine, whole = tmp_path / "mine.csv", tmp_path / "whole.csv"
    code, out, _ = run(capsys, *db, "--as", "M@x.org", "export", "--format", "csv", "--out",
                       str(mine), "--json")  # fmt: skip
    assert code == 0
    rows = pd.read_csv(mine, dtype=str, encoding="utf-8-sig")
    expected = _territory_ids(demo_copy, "DIV5")
    assert len(expected) > 100
    assert out["rows"] == len(rows) == len(expected)
    assert set(rows["customer_id"]) == expected
    # The same command as the local operator holds every customer and prospect.
    code, out, _ = run(capsys, *db, "export", "--format", "csv", "--out", str(whole), "--json")
    everyone = int(demo_copy.scalar("SELECT count(*) FROM customers"))
    assert (code, out["rows"]) == (0, everyone)
    assert everyone > len(expected)
    # Only these two files: the copied demo may hold the trail of earlier tests' exports.
    exports = audit_entries(demo_copy).query(
        "action == 'export' and detail in ('whole.csv', 'mine.csv')"
    )
    assert exports[["actor", "rows", "format", "detail"]].values.tolist() == [
        [LOCAL_ACTOR, everyone, "csv", "whole.csv"],
        ["m@x.org", len(expected), "csv", "mine.csv"],
    ]
    # What the manager reads is narrowed too: their figures count their customers only.
    code, out, _ = run(capsys, *db, "--as", "m@x.org", "figures", "--json")
    assert code == 0 and out["customers"] + out["prospects"] == len(expected)


def test_a_viewer_sees_but_writes_no_file(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(tiny_store, "v@x.org", "viewer", areas=[("county", "B")], actor="t")
    db = ("--db", tiny_store.location, "--as", "v@x.org")
    before = user_rows(tiny_store)
    folder = tmp_path / "files"
    folder.mkdir()
    target = folder / "out"
    for command in (
        ["export", "--format", "csv", "--out", f"{target}.csv"],
        ["deck", "--out", f"{target}.pptx"],
        ["picture", "--out", f"{target}.png"],
        ["areas", "--out", f"{target}.csv"],
        ["rfm", "--out", f"{target}.csv"],
    ):
        code, out, err = run(capsys, *db, *command, "--json")
        assert code == 2, command
        assert out["error"].startswith("v@x.org is a viewer and may not export")
        assert err.count("\n") == 1
    assert list(folder.iterdir()) == []
    assert user_rows(tiny_store) == before
    # Reading is allowed, within their county: Bob and the two prospects in B.
    code, out, _ = run(capsys, *db, "figures", "--json")
    assert (code, out["customers"], out["prospects"]) == (0, 1, 2)


def test_only_an_active_known_user_is_acted_for(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    db = ("--db", tiny_store.location)
    code, out, err = run(capsys, *db, "--as", "ghost@x.org", "figures", "--json")
    assert code == 2 and "there is no user ghost@x.org" in out["error"]
    set_user(tiny_store, "m@x.org", active=False, actor="t")
    code, out, err = run(capsys, *db, "--as", "m@x.org", "figures", "--json")
    assert code == 2 and "the user m@x.org is inactive" in err
    set_user(tiny_store, "m@x.org", active=True, actor="t")
    # A manager manages no users, reads no audit trail and loads no data.
    before = user_rows(tiny_store)
    for command, refused in (
        (["user", "add", "n@x.org", "--role", "admin"], "manage users"),
        (["user", "list"], "manage users"),
        (["audit"], "manage users or read the audit trail"),
        (["assign"], "load data"),
    ):
        code, out, err = run(capsys, *db, "--as", "m@x.org", *command, "--json")
        assert code == 2, command
        assert f"m@x.org is a manager and may not {refused}" in out["error"]
    assert user_rows(tiny_store) == before
    # Nor does --as make a whole database.
    new = tmp_path / "new.duckdb"
    code, out, _ = run(capsys, "--db", str(new), "--as", "m@x.org", "demo", "--json")
    assert code == 2 and "Run it without --as" in out["error"]
    assert not new.exists()


def test_an_admin_acted_for_is_named_in_the_trail(
    tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    add_user(tiny_store, "root@x.org", "admin", actor=LOCAL_ACTOR)
    db = ("--db", tiny_store.location, "--as", "root@x.org")
    code, out, _ = run(capsys, *db, "user", "add", "v@x.org", "--role", "viewer", "--areas",
                       "county:B", "--json")  # fmt: skip
    assert (code, out["by"]) == (0, "root@x.org")
    # An admin acting for themselves cannot take their own access away.
    code, out, _ = run(capsys, *db, "user", "remove", "root@x.org", "--json")
    assert code == 2 and "you cannot remove yourself" in out["error"]
    code, out, _ = run(capsys, *db, "audit", "--json")
    assert code == 0
    assert [(e["actor"], e["action"]) for e in out["entries"]] == [
        ("root@x.org", "user added"),
        (LOCAL_ACTOR, "user added"),
    ]


def test_acting_for_a_user_never_creates_a_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.duckdb"
    code, out, _ = run(capsys, "--db", str(missing), "--as", "a@x.org", "import", "areas",
                       str(tmp_path / "x.geojson"), "--json")  # fmt: skip
    assert code == 2 and "no database at" in out["error"]
    assert not missing.exists()
    # The first admin of a new database may be added by the local operator.
    code, out, _ = run(capsys, "--db", str(missing), "user", "add", "root@x.org", "--role",
                       "admin", "--json")  # fmt: skip
    assert (code, out["user"]["sees"]) == (0, "all data")


def test_a_deck_and_a_picture_made_for_a_manager_are_audited_under_their_email(
    tiny_store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    db = ("--db", tiny_store.location, "--as", "m@x.org")
    deck, pdf, picture = tmp_path / "r.pptx", tmp_path / "r.pdf", tmp_path / "m.png"
    code, out, _ = run(capsys, *db, "deck", "--out", str(deck), "--pdf", str(pdf), "--json")
    assert code == 0 and deck.stat().st_size > 0 and pdf.stat().st_size > 0
    # Only the manager's county has a slide of its own.
    assert [t for t in out["titles"] if "Beta" in t] == []
    code, out, _ = run(capsys, *db, "picture", "--out", str(picture), "--json")
    assert code == 0 and picture.stat().st_size == out["bytes"]
    exports = audit_entries(tiny_store).query("action == 'export'")
    assert exports[["actor", "detail", "format"]].values.tolist() == [
        ["m@x.org", "m.png", "png"],
        ["m@x.org", "r.pptx, r.pdf", "pptx, pdf"],
    ]


def test_every_table_a_command_writes_is_recorded_under_who_wrote_it(
    demo_copy: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    add_user(demo_copy, "m@x.org", "manager", areas=[("territory", "DIV5")], actor="t")
    db = ("--db", demo_copy.location, "--as", "m@x.org")
    commands = {
        "rfm.csv": ["rfm"],
        "rfm-areas.xlsx": ["rfm", "--by-area"],
        "trends.csv": ["trends"],
        "whitespace.csv": ["whitespace"],
        "lookalikes.csv": ["lookalikes", "--limit", "20"],
        "areas.csv": ["areas"],
        "territory.csv": ["territory", "balance", "--units", "state"],
    }
    written = {}
    for name, command in commands.items():
        out_file = tmp_path / name
        code, _, _ = run(capsys, *db, *command, "--out", str(out_file), "--json")
        assert code == 0, command
        frame = (
            pd.read_excel(out_file) if name.endswith(".xlsx") else pd.read_csv(out_file, dtype=str)
        )
        written[name] = len(frame)
    trail = audit_entries(demo_copy).query("action == 'export' and detail in @written")
    assert sorted(trail["detail"]) == sorted(written)
    assert set(trail["actor"]) == {"m@x.org"}
    rows = dict(zip(trail["detail"], pd.to_numeric(trail["rows"]).astype(int), strict=True))
    assert rows == written
    subjects = dict(zip(trail["detail"], trail["subject"].astype(str), strict=True))
    assert subjects["whitespace.csv"].startswith("whitespace: ")
