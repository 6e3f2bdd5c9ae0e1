"""The "Users and audit" page with login configured, on both stores: an admin adds,
changes and removes a manager, the audit trail shows it, the manager's own session follows
each change at its next rerun, and nobody else reaches the page.

AppTest seeds ``st.user`` from ``at.user`` on a fresh session before its first run; the
``[auth]`` section only has to exist (nothing here talks to a provider).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.access.audit import audit_entries
from geo.access.roles import ROLES
from geo.access.users import add_user, find_user, set_user
from geo.store.protocol import Store
from geo.store.scope import Scope
from tests.app_sessions import (
    APP,
    AUTH,
    ROOT,
    TIMEOUT,
    run_every_time_through_the_entrypoint,
    signed_in_session,
)
from ui.access import Access
from ui.inert_text import inert
from ui.session_keys import ACCESS_KEY
from ui.user_admin import EDIT_KEY_PREFIX

ADMIN = "admin@example.com"
MANAGER = "m@example.com"
ADMIN_PAGE = ROOT / "pages" / "admin.py"


@pytest.fixture(autouse=True)
def entrypoint_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    run_every_time_through_the_entrypoint(monkeypatch)


def session(email: str, script: str = str(APP)) -> AppTest:
    """A fresh session of ``script``, signed in as ``email`` (login configured), run once."""
    at = signed_in_session(email, script=Path(script))
    assert not at.exception, at.exception
    return at


def customers_in(store: Store, territory: str) -> int:
    """Customers located in one territory, counted from the stored assignments."""
    return int(
        store.scalar(
            "SELECT count(*) FROM assignments a JOIN customers c USING (customer_id) "
            "WHERE a.level = 'territory' AND a.area_id = ? AND a.location_status = 'in_area' "
            "AND c.kind = 'customer'",
            [territory],
        )
    )


def customers_shown(at: AppTest) -> str:
    """The Map page's headline count of customers."""
    return next(m.value for m in at.metric if m.label == "Customers")


def texts(at: AppTest) -> str:
    """The text of every alert of the run (success, warning, error, info), as sent."""
    kinds = ("success", "warning", "error", "info")
    return " ".join(str(getattr(e, "value", "")) for kind in kinds for e in at.get(kind))


def shows(at: AppTest, message: str) -> bool:
    """Whether an alert of this run holds ``message`` (shown inert, as typed)."""
    return inert(message) in texts(at)


def edit_key(at: AppTest, email: str, field: str) -> str:
    """The key of the widget that changes ``field`` of this user (its key also names the
    stored version of the user)."""
    widgets = (*at.selectbox, *at.multiselect, *at.checkbox, *at.button)
    keys = [str(w.key) for w in widgets if w.key]
    prefix = f"{EDIT_KEY_PREFIX}{email}_"
    return next(k for k in keys if k.startswith(prefix) and k.endswith(f"_{field}"))


def area_label(at: AppTest, key: str, area_id: str) -> str:
    return next(o for o in at.multiselect(key=key).options if o.endswith(f"({area_id})"))


def admin_page(store: Store) -> AppTest:
    add_user(store, ADMIN, "admin", actor="test")
    at = session(ADMIN)
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    return at


def test_an_admin_adds_changes_and_removes_a_manager_who_follows_at_the_next_rerun(
    demo_copy: Store,
) -> None:
    admin = admin_page(demo_copy)
    assert [t.value for t in admin.title] == ["Users and audit"]
    admin.text_input(key="admin_add_email").input(MANAGER)
    admin.selectbox(key="admin_add_role").select("manager")
    admin.multiselect(key="admin_add_areas").select(area_label(admin, "admin_add_areas", "DIV5"))
    admin.button(key="admin_add").click().run()
    assert not admin.exception, admin.exception
    assert shows(admin, "Added m@example.com: manager, territory DIV5.")
    assert MANAGER in admin.dataframe[0].value["email"].tolist()
    assert find_user(demo_copy, MANAGER).areas == (("territory", "DIV5"),)  # type: ignore[union-attr]

    manager = session(MANAGER)
    in_five, in_one = customers_in(demo_copy, "DIV5"), customers_in(demo_copy, "DIV1")
    assert in_five != in_one
    assert customers_shown(manager) == f"{in_five:,}"

    # The admin moves the manager to another territory; the manager's next rerun, in the
    # same session and without a new sign-in, shows it.
    admin.selectbox(key="admin_edit_email").select(MANAGER).run()
    areas_key = edit_key(admin, MANAGER, "areas")
    admin.multiselect(key=areas_key).unselect(area_label(admin, areas_key, "DIV5"))
    admin.multiselect(key=areas_key).select(area_label(admin, areas_key, "DIV1"))
    admin.button(key=edit_key(admin, MANAGER, "save")).click().run()
    assert not admin.exception, admin.exception
    assert shows(admin, "Changed m@example.com: manager, territory DIV1.")
    manager.run()
    assert customers_shown(manager) == f"{in_one:,}"
    assert customers_shown(session(MANAGER)) == f"{in_one:,}"

    # A change made elsewhere meanwhile (the command line) is what the page then offers
    # to change, never the values it showed before.
    set_user(demo_copy, MANAGER, role="marketer", actor="cli")
    admin.run()
    assert admin.selectbox(key=edit_key(admin, MANAGER, "role")).value == "marketer"

    # Removing asks first; then the manager's next rerun shows nothing of the data.
    admin.button(key=edit_key(admin, MANAGER, "remove")).click().run()
    assert shows(admin, "Remove m@example.com?")
    assert find_user(demo_copy, MANAGER) is not None
    admin.button(key="admin_remove_yes").click().run()
    assert shows(admin, "Removed m@example.com.")
    assert find_user(demo_copy, MANAGER) is None
    manager.run()
    assert not manager.exception
    assert shows(manager, "m@example.com has no access to GeoCRM")
    assert not manager.metric

    # The audit trail, on the page and in the store, names each change and who made it.
    trail = admin.dataframe[-1].value
    about = trail[(trail["subject"] == MANAGER) & trail["action"].str.startswith("user ")]
    assert about[["actor", "action"]].values.tolist() == [
        [ADMIN, "user removed"],
        ["cli", "user changed"],
        [ADMIN, "user changed"],
        [ADMIN, "user added"],
    ]
    signed_in = trail[trail["action"] == "sign-in"]["actor"].tolist()
    assert ADMIN in signed_in and MANAGER in signed_in
    stored = audit_entries(demo_copy)
    assert len(stored[stored["actor"] == ADMIN]) == len(trail[trail["actor"] == ADMIN])
    download = admin.get("download_button")[0]
    assert download.proto.label == inert("Download the audit trail (CSV)")


def test_a_change_the_rules_refuse_is_said_plainly_and_nothing_changes(demo_copy: Store) -> None:
    admin = admin_page(demo_copy)
    before = len(audit_entries(demo_copy))
    admin.text_input(key="admin_add_email").input(MANAGER)
    admin.selectbox(key="admin_add_role").select("manager")
    admin.checkbox(key="admin_add_all").check()
    admin.button(key="admin_add").click().run()
    assert shows(admin, "a manager sees their own areas, not all of them")
    admin.checkbox(key="admin_add_all").uncheck()
    admin.button(key="admin_add").click().run()
    assert shows(admin, "a manager without areas would see nothing")
    # The admin cannot lock themselves out from the page either.
    admin.selectbox(key="admin_edit_email").select(ADMIN).run()
    admin.checkbox(key=edit_key(admin, ADMIN, "active")).uncheck()
    admin.button(key=edit_key(admin, ADMIN, "save")).click().run()
    assert shows(admin, "you cannot take away your own admin access")
    assert not admin.exception
    assert find_user(demo_copy, MANAGER) is None
    assert find_user(demo_copy, ADMIN).active  # type: ignore[union-attr]
    assert len(audit_entries(demo_copy)) == before


@pytest.mark.parametrize("role", ["manager", "marketer", "viewer"])
def test_nobody_but_an_admin_reaches_the_page(demo_db: Store, role: str) -> None:  # noqa: ARG001 - the app opens it
    access = Access(MANAGER, ROLES[role], Scope.of_grants([("territory", "DIV5")]), True)
    # The page's script, run with this role's access as the gate found it: refused.
    at = AppTest.from_file(str(ADMIN_PAGE), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.session_state[ACCESS_KEY] = access
    at.run()
    assert not at.exception, at.exception
    assert shows(at, "Only an admin can see users and the audit trail.")
    assert not at.dataframe and not at.text_input and not at.get("download_button")


def test_the_page_run_without_the_gate_shows_nothing(demo_db: Store) -> None:  # noqa: ARG001 - as above
    # With login configured and no access found this run, the page fails closed.
    at = session(ADMIN, str(ADMIN_PAGE))
    assert shows(at, "Only an admin can see users and the audit trail.")
    assert not at.dataframe


def test_a_manager_has_no_such_page_to_open(demo_copy: Store) -> None:
    add_user(demo_copy, MANAGER, "manager", areas=[("territory", "DIV5")], actor="test")
    at = session(MANAGER)
    assert customers_shown(at) == f"{customers_in(demo_copy, 'DIV5'):,}"
    # The manager's navigation holds no admin page: a link to it has nothing to open
    # (AppTest refuses to switch to a page the run did not register).
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/admin.py")
