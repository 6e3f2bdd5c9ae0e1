"""The admin's page of users and the audit trail: the widgets, each change made through
:mod:`geo.access.users` in the admin's name.

Reads the unscoped store (:func:`ui.state.app_store`): an admin sees everything, and the
users' areas must be offered whatever this run's scope is. A change is read by the
affected user's next rerun (the gate looks the user up on every run); this page reruns
at once to show it, with a message saying what was done.
"""

from __future__ import annotations

import streamlit as st

from geo.access.audit import audit_table
from geo.access.roles import ROLES
from geo.access.users import (
    User,
    add_user,
    area_choices,
    find_user,
    list_users,
    remove_user,
    set_user,
)
from geo.errors import InputError
from geo.store.protocol import Store
from geo.store.scope import Grant
from ui.access import current_access
from ui.inert_text import as_option, inert, show_caption, show_error, show_subheader, show_warning
from ui.tables import show_table
from ui.widgets import csv_download

#: How many audit entries the page lists, newest first (the download holds them all).
SHOWN_AUDIT_ENTRIES = 200
#: The start of the keys of the widgets that change one user (then email, version, field).
EDIT_KEY_PREFIX = "admin_edit_"
#: The add form's widgets, emptied once the user is added.
_ADD_KEYS = ("admin_add_email", "admin_add_areas", "admin_add_all")
#: What the last change did, shown once after the rerun that follows it.
_DONE_KEY = "admin_done"
#: The email whose removal waits for a yes.
_CONFIRM_REMOVE_KEY = "admin_confirm_remove"


def refuse_unless_admin() -> None:
    """Stop the page, with a plain message, for anyone whose role manages no users (a
    link to /admin opened by a manager, or a script run without the gate)."""
    if current_access().role.manages_users:
        return
    show_warning("Only an admin can see users and the audit trail.")
    st.stop()


def _done(message: str) -> None:
    st.session_state[_DONE_KEY] = message
    st.rerun()


def show_last_change() -> None:
    """The message of the change made on the run before, once."""
    message = st.session_state.pop(_DONE_KEY, None)
    if message:
        st.success(inert(message))


#: Headings of the users' and the audit trail's columns (times are UTC, as stored).
USER_LABELS = {"changed_at": "Changed (UTC)", "changed_by": "Changed by"}
AUDIT_LABELS = {"logged_at": "Time (UTC)", "rows": "Rows", "detail": "Detail"}


def show_users(store: Store) -> None:
    """Every user: email, role, areas, active, when and by whom last changed."""
    users = list_users(store)
    if users.empty:
        show_caption("No users yet: add the first one below.")
        return
    show_table(users, labels=USER_LABELS)


def _labels_of(grants: tuple[Grant, ...], choices: dict[str, Grant]) -> list[str]:
    by_grant = {grant: label for label, grant in choices.items()}
    return [by_grant[g] for g in grants if g in by_grant]


def add_user_form(store: Store, choices: dict[str, Grant]) -> None:
    """Email, role, areas (or all of them), and a button that adds the user."""
    show_subheader("Add a user")
    email = st.text_input("Email", key="admin_add_email", max_chars=254)
    role = st.selectbox("Role", list(ROLES), index=list(ROLES).index("manager"),
                        key="admin_add_role")  # fmt: skip
    labels = st.multiselect(
        "Areas (a manager sees these and everything inside them)",
        list(choices),
        format_func=as_option,
        key="admin_add_areas",
    )
    every = st.checkbox("All areas (not for a manager)", key="admin_add_all")
    if st.button("Add user", type="primary", key="admin_add"):
        try:
            user = add_user(
                store,
                email,
                role,
                areas=[choices[label] for label in labels],
                all_areas=every,
                actor=current_access().actor,
            )
        except InputError as exc:
            show_error(exc)
            return
        for key in _ADD_KEYS:
            st.session_state.pop(key, None)
        _done(f"Added {user.email}: {user.role}, {user.describe_areas()}.")


def edit_user_form(store: Store, choices: dict[str, Grant]) -> None:
    """One user chosen by email: change their role, areas and whether they are active, or
    remove them after a confirmation."""
    users = list_users(store)
    if users.empty:
        return
    show_subheader("Change or remove a user")
    email = st.selectbox(
        "User", users["email"].tolist(), format_func=as_option, key="admin_edit_email"
    )
    user = find_user(store, str(email))
    if user is None:  # removed meanwhile, by another admin or the command line
        show_warning(f"{email} was removed meanwhile.")
        return
    # Keys per user and per stored version of the user: choosing another user, or a
    # change made elsewhere meanwhile, shows the stored values, never stale ones that a
    # save would write back.
    changed_at = users.loc[users["email"] == user.email, "changed_at"]
    key = f"{EDIT_KEY_PREFIX}{user.email}_{changed_at.iloc[0] if len(changed_at) else ''}"
    roles = list(ROLES)
    # A role the app does not know is shown as none chosen, and kept unless one is.
    role = st.selectbox(
        "Role",
        roles,
        index=roles.index(user.role) if user.role in roles else None,
        key=f"{key}_role",
    )
    kept = _labels_of(user.areas, choices)
    if len(kept) < len(user.areas):
        show_caption(
            "Some of this user's areas are no longer in the database; saving keeps only "
            "the areas listed here."
        )
    labels = st.multiselect(
        "Areas", list(choices), default=kept, format_func=as_option, key=f"{key}_areas"
    )
    every = st.checkbox("All areas (not for a manager)", value=user.all_areas, key=f"{key}_all")
    active = st.checkbox("Active (may sign in)", value=user.active, key=f"{key}_active")
    save, remove = st.columns(2)
    if save.button("Save changes", type="primary", key=f"{key}_save"):
        try:
            changed = set_user(
                store,
                user.email,
                role=None if role is None else str(role),
                areas=[choices[label] for label in labels],
                all_areas=every,
                active=active,
                actor=current_access().actor,
            )
        except InputError as exc:
            show_error(exc)
            return
        _done(f"Changed {changed.email}: {_in_words(changed)}.")
    if remove.button("Remove user", key=f"{key}_remove"):
        st.session_state[_CONFIRM_REMOVE_KEY] = user.email
    if st.session_state.get(_CONFIRM_REMOVE_KEY) == user.email:
        _confirm_removal(store, user)


def _in_words(user: User) -> str:
    return f"{user.role}, {user.describe_areas()}" + ("" if user.active else ", inactive")


def _confirm_removal(store: Store, user: User) -> None:
    show_warning(
        f"Remove {user.email}? They see nothing from their next click; the audit trail "
        "keeps what they did."
    )
    yes, no = st.columns(2)
    if yes.button(inert(f"Yes, remove {user.email}"), type="primary", key="admin_remove_yes"):
        st.session_state.pop(_CONFIRM_REMOVE_KEY, None)
        try:
            remove_user(store, user.email, actor=current_access().actor)
        except InputError as exc:
            show_error(exc)
            return
        _done(f"Removed {user.email}.")
    if no.button("Cancel: keep them", key="admin_remove_no"):
        st.session_state.pop(_CONFIRM_REMOVE_KEY, None)
        st.rerun()


def show_audit(store: Store) -> None:
    """The latest audit entries, newest first, and a download of the whole trail."""
    show_subheader("Audit trail")
    entries = audit_table(store, SHOWN_AUDIT_ENTRIES)
    show_caption(
        f"Sign-ins, exports and user changes, newest first (times in UTC); the latest "
        f"{SHOWN_AUDIT_ENTRIES} are listed, the download holds them all."
    )
    show_table(entries, labels=AUDIT_LABELS)
    csv_download("Download the audit trail (CSV)", audit_table(store), "audit.csv", "admin_audit")


def show_user_admin(store: Store) -> None:
    """The whole page below its title."""
    show_last_change()
    show_users(store)
    choices = area_choices(store)
    add_user_form(store, choices)
    edit_user_form(store, choices)
    show_audit(store)
