"""Users, their roles and areas, and the audit of every change (geo.access), on both stores.

The tiny business (tests/tiny_business.py): region R holds counties A (c1, c3) and B (c2,
p1, p2); c4 lies outside every area and c5 has no location.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from geo.access import users
from geo.access.audit import LOCAL_ACTOR, audit_entries
from geo.access.roles import NO_ROLE, ROLES, role_named
from geo.access.users import (
    acting_user,
    add_user,
    area_choices,
    find_user,
    list_users,
    normalised_email,
    parse_areas,
    remove_user,
    set_user,
)
from geo.errors import InputError
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope


def refused(message: str) -> pytest.RaisesExc[InputError]:
    """Expects an InputError whose message holds ``message`` as written."""
    return pytest.raises(InputError, match=re.escape(message))


def visible_ids(store: Store, scope: Scope) -> list[str]:
    """The customer IDs (customers and prospects) a store bound to ``scope`` reads."""
    frame = store.within(scope).query("SELECT customer_id FROM customers ORDER BY customer_id")
    return frame["customer_id"].tolist()


def counts(store: Store) -> tuple[int, int, int]:
    """Rows of users, user_areas and audit_log: what a refused change must leave alone."""
    return tuple(  # type: ignore[return-value]
        int(store.scalar(f"SELECT count(*) FROM {t}")) for t in ("users", "user_areas", "audit_log")
    )


def test_a_manager_is_added_found_listed_and_audited(tiny_store: Store) -> None:
    added = add_user(
        tiny_store, " Ana@Example.com ", "Manager", areas=[("county", "A")], actor="boss@x.org"
    )
    assert added == find_user(tiny_store, "ana@example.com")
    assert (added.email, added.role, added.areas, added.active) == (
        "ana@example.com",
        "manager",
        (("county", "A"),),
        True,
    )
    table = list_users(tiny_store)
    assert table.columns.tolist() == [
        "email",
        "role",
        "areas",
        "active",
        "changed_at",
        "changed_by",
    ]
    row = table.iloc[0]
    assert (row["email"], row["role"], row["areas"], bool(row["active"]), row["changed_by"]) == (
        "ana@example.com",
        "manager",
        "county A",
        True,
        "boss@x.org",
    )
    assert pd.notna(row["changed_at"])
    audit = audit_entries(tiny_store)
    assert audit[["actor", "action", "subject", "detail"]].values.tolist() == [
        ["boss@x.org", "user added", "ana@example.com", "manager, county:A"]
    ]


def test_each_role_sees_its_own_customers_and_nothing_by_default(tiny_store: Store) -> None:
    everyone = visible_ids(tiny_store, EVERYTHING)
    assert everyone == ["c1", "c2", "c3", "c4", "c5", "p1", "p2"]
    admin = add_user(tiny_store, "root@x.org", "admin", actor=LOCAL_ACTOR)
    manager = add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    regional = add_user(tiny_store, "r@x.org", "manager", areas=[("region", "R")], actor="t")
    marketer = add_user(tiny_store, "mk@x.org", "marketer", all_areas=True, actor="t")
    viewer = add_user(tiny_store, "v@x.org", "viewer", areas=[("county", "B")], actor="t")
    assert admin.scope == EVERYTHING and marketer.scope == EVERYTHING
    assert visible_ids(tiny_store, manager.scope) == ["c1", "c3"]
    # A region opens every county inside it, never the customers outside all areas.
    assert visible_ids(tiny_store, regional.scope) == ["c1", "c2", "c3", "p1", "p2"]
    assert visible_ids(tiny_store, viewer.scope) == ["c2", "p1", "p2"]
    assert (viewer.permissions.may_export, manager.permissions.may_export) == (False, True)
    # Deactivated: no role, nothing seen, though the row and its areas are kept.
    off = set_user(tiny_store, "m@x.org", active=False, actor="t")
    assert (off.permissions, off.scope, off.areas) == (NO_ROLE, Scope.nothing(), (("county", "A"),))
    assert visible_ids(tiny_store, off.scope) == []
    # A role the app does not know (a row written by hand) sees nothing either.
    with tiny_store.transaction() as tx:
        tx.execute("UPDATE users SET role = 'superuser' WHERE email = 'v@x.org'")
    odd = find_user(tiny_store, "v@x.org")
    assert odd is not None and odd.scope == Scope.nothing() and odd.permissions is NO_ROLE


@pytest.mark.parametrize(
    ("role", "areas", "all_areas", "message"),
    [
        ("owner", [("county", "A")], False, "there is no role 'owner'"),
        ("manager", [], True, "a manager sees their own areas, not all of them"),
        ("manager", [], False, "a manager without areas would see nothing"),
        ("viewer", [], False, "a viewer without areas would see nothing"),
        ("marketer", [("county", "Z")], False, "there is no area Z of level county"),
        ("marketer", [("state", "A")], False, "there is no area A of level state"),
    ],
)
def test_a_refused_user_is_named_plainly_and_nothing_is_written(
    tiny_store: Store, role: str, areas: list[tuple[str, str]], all_areas: bool, message: str
) -> None:
    before = counts(tiny_store)
    with pytest.raises(InputError, match=message):
        add_user(tiny_store, "x@x.org", role, areas=areas, all_areas=all_areas, actor="t")
    assert counts(tiny_store) == before


def test_an_email_is_added_once_and_must_be_one(tiny_store: Store) -> None:
    add_user(tiny_store, "a@x.org", "viewer", all_areas=True, actor="t")
    before = counts(tiny_store)
    with refused("the user a@x.org exists already"):
        add_user(tiny_store, "A@X.ORG", "admin", actor="t")
    for bad in ("", "ana", "@x.org", "ana@", "an a@x.org"):
        with refused("is not an email address"):
            add_user(tiny_store, bad, "admin", actor="t")
    assert counts(tiny_store) == before
    assert normalised_email(" A@X.org") == "a@x.org"


def test_a_change_is_read_back_at_once_and_audited_with_what_it_was(tiny_store: Store) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    moved = set_user(tiny_store, "M@x.org", areas=[("county", "B")], actor="boss@x.org")
    assert moved.areas == (("county", "B"),)
    assert visible_ids(tiny_store, find_user(tiny_store, "m@x.org").scope) == ["c2", "p1", "p2"]  # type: ignore[union-attr]
    # Promoted to marketer of everything, then back to manager: all areas is dropped and
    # the kept areas apply again.
    wide = set_user(tiny_store, "m@x.org", role="marketer", all_areas=True, actor="t")
    assert wide.scope == EVERYTHING
    back = set_user(tiny_store, "m@x.org", role="manager", actor="t")
    assert (back.all_areas, back.scope) == (False, Scope.of_grants([("county", "B")]))
    latest = audit_entries(tiny_store, limit=1).iloc[0]
    assert latest["action"] == "user changed"
    assert set(audit_entries(tiny_store)["detail"]) >= {
        "manager, county:B (was manager, county:A)",
        "marketer, all areas (was manager, county:B)",
    }
    assert list_users(tiny_store).iloc[0]["changed_by"] == "t"


def test_a_change_that_would_leave_a_user_seeing_nothing_is_refused(tiny_store: Store) -> None:
    add_user(tiny_store, "mk@x.org", "marketer", all_areas=True, actor="t")
    before = counts(tiny_store)
    # A manager never sees everything, and this marketer has no areas of their own to keep.
    with refused("a manager without areas would see nothing"):
        set_user(tiny_store, "mk@x.org", role="manager", actor="t")
    with refused("a manager sees their own areas"):
        set_user(tiny_store, "mk@x.org", role="manager", all_areas=True, actor="t")
    with refused("there is no area Q of level county"):
        set_user(tiny_store, "mk@x.org", areas=[("county", "Q")], all_areas=False, actor="t")
    with refused("there is no user nobody@x.org"):
        set_user(tiny_store, "nobody@x.org", role="viewer", actor="t")
    assert counts(tiny_store) == before
    assert find_user(tiny_store, "mk@x.org").scope == EVERYTHING  # type: ignore[union-attr]


def test_removing_a_user_takes_everything_away_and_is_audited(tiny_store: Store) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A"), ("county", "B")], actor="t")
    remove_user(tiny_store, "M@X.org", actor="boss@x.org")
    assert find_user(tiny_store, "m@x.org") is None
    assert counts(tiny_store)[:2] == (0, 0)
    latest = audit_entries(tiny_store, limit=1).iloc[0]
    assert (latest["actor"], latest["action"], latest["subject"]) == (
        "boss@x.org",
        "user removed",
        "m@x.org",
    )
    with refused("there is no user m@x.org"):
        remove_user(tiny_store, "m@x.org", actor="t")


def test_an_admin_cannot_lock_themselves_out(tiny_store: Store) -> None:
    add_user(tiny_store, "root@x.org", "admin", actor=LOCAL_ACTOR)
    before = counts(tiny_store)
    with refused("you cannot remove yourself"):
        remove_user(tiny_store, "root@x.org", actor="root@x.org")
    for change in ({"active": False}, {"role": "marketer", "all_areas": True}):
        with refused("you cannot take away your own admin access"):
            set_user(tiny_store, "root@x.org", actor="root@x.org", **change)
    assert counts(tiny_store) == before
    # Another admin (or the local operator) may.
    set_user(tiny_store, "root@x.org", active=False, actor=LOCAL_ACTOR)
    assert find_user(tiny_store, "root@x.org").permissions is NO_ROLE  # type: ignore[union-attr]


class AuditWriteFailedError(Exception):
    """The audit trail could not be written (made to happen by the test)."""


def test_a_change_and_its_audit_entry_commit_together(
    tiny_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(tiny_store, "m@x.org", "manager", areas=[("county", "A")], actor="t")
    before = counts(tiny_store)

    def failing_record(*_args: object, **_kwargs: object) -> None:
        raise AuditWriteFailedError

    monkeypatch.setattr(users, "record_event", failing_record)
    with pytest.raises(AuditWriteFailedError):
        add_user(tiny_store, "n@x.org", "viewer", all_areas=True, actor="t")
    with pytest.raises(AuditWriteFailedError):
        set_user(tiny_store, "m@x.org", areas=[("county", "B")], actor="t")
    with pytest.raises(AuditWriteFailedError):
        remove_user(tiny_store, "m@x.org", actor="t")
    # The user rows written before the audit entry failed are rolled back with it.
    assert counts(tiny_store) == before
    assert find_user(tiny_store, "n@x.org") is None
    assert find_user(tiny_store, "m@x.org").areas == (("county", "A"),)  # type: ignore[union-attr]


def test_a_command_acts_only_for_an_active_user(tiny_store: Store) -> None:
    add_user(tiny_store, "v@x.org", "viewer", areas=[("county", "B")], actor="t")
    assert acting_user(tiny_store, "V@x.org").email == "v@x.org"
    with refused("there is no user ghost@x.org"):
        acting_user(tiny_store, "ghost@x.org")
    set_user(tiny_store, "v@x.org", active=False, actor="t")
    with refused("the user v@x.org is inactive"):
        acting_user(tiny_store, "v@x.org")


def test_areas_are_written_level_colon_id() -> None:
    assert parse_areas(" county:B, region:R ,county:B,") == (("county", "B"), ("region", "R"))
    assert parse_areas("") == ()
    for bad in ("B", "county:", ":B", "county B"):
        with refused("does not name an area"):
            parse_areas(bad)
    assert role_named(" Viewer ") is ROLES["viewer"]


def test_area_choices_label_every_area_coarse_levels_first(tiny_store: Store) -> None:
    assert area_choices(tiny_store) == {
        "region · Region (R)": ("region", "R"),
        "county · Alpha <b> (A)": ("county", "A"),
        "county · Beta (B)": ("county", "B"),
    }
