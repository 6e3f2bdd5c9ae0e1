"""Who is using the app this run, and what they may see: the one gate every page passes.

With no ``[auth]`` section in Streamlit's secrets, the app serves one person on their own
machine: everything, as an admin, and the Data page says so. With it, nothing is shown
before sign-in (``st.login``, OpenID Connect); the identity is checked
(:func:`geo.access.sign_in.check_sign_in`), and the role and areas come from the app's own
users table, read again on every rerun, so a change or removal takes effect at the user's
next interaction without a new sign-in. The resulting scope binds the store every page
reads (:func:`ui.state.current_store`), which is how it reaches every read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from geo.access.audit import LOCAL_ACTOR, log_event
from geo.access.roles import NO_ROLE, ROLES, Role
from geo.access.sign_in import SignInPolicy, check_sign_in
from geo.access.users import User, find_user
from geo.store.protocol import Store
from geo.store.scope import EVERYTHING, Scope
from ui.busy import wait_and_refresh
from ui.inert_text import inert, show_info, show_title, show_warning
from ui.session_keys import ACCESS_KEY

#: Session-state key of the sign-in already written to the audit trail (email, iat).
_SIGN_IN_LOGGED_KEY = "geocrm_sign_in_logged"


@dataclass(frozen=True)
class Access:
    """The user of this run: their email (None without login), role and scope."""

    email: str | None
    role: Role
    scope: Scope
    login_configured: bool
    user: User | None = None

    @property
    def actor(self) -> str:
        """Who the audit trail names: the email, or ``local`` without login."""
        return self.email or LOCAL_ACTOR

    def describe(self) -> str:
        """In words, for the sidebar: "ana@example.com · manager · state 06"."""
        if not self.login_configured:
            return "No sign-in configured: this machine's user sees everything."
        areas = self.user.describe_areas() if self.user else "none"
        return f"{self.email} · {self.role.name} · {areas}"


#: Without login: one person on their own machine, who sees and may do everything.
LOCAL_ACCESS = Access(None, ROLES["admin"], EVERYTHING, False)


def _secrets_section(name: str) -> dict[str, Any] | None:
    try:
        if name in st.secrets:
            return dict(st.secrets[name])
    except FileNotFoundError:
        return None
    except Exception:  # a secrets file that cannot be parsed: no login is no option then
        return {}
    return None


def login_configured() -> bool:
    """Whether Streamlit's secrets hold an ``[auth]`` section (then sign-in is required)."""
    return _secrets_section("auth") is not None


def sign_in_policy() -> SignInPolicy:
    """The checks on a sign-in: ``[auth]``'s provider, and ``[geocrm]``'s ``issuer`` and
    ``session_hours`` when given."""
    auth = _secrets_section("auth") or {}
    own = _secrets_section("geocrm") or {}
    hours = own.get("session_hours")
    return SignInPolicy.for_provider(
        auth.get("server_metadata_url"), own.get("issuer"), float(hours) if hours else None
    )


def _claims() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


@dataclass(frozen=True)
class Refusal:
    """What a run shows instead of the app: a message, and a way to sign in or out."""

    message: str
    signed_in: bool
    #: The database is busy (an import): the page looks again shortly.
    waiting: bool = False

    def show(self) -> None:
        if self.waiting:
            wait_and_refresh()
        show_title("GeoCRM")
        if self.signed_in:
            show_warning(self.message)
            if st.button("Sign out", key="access_sign_out"):
                st.session_state.pop(ACCESS_KEY, None)
                st.logout()
        else:
            show_info(self.message)
            if st.button("Sign in", type="primary", key="access_sign_in"):
                st.login()


def check_access(store: Store) -> Access | Refusal:
    """The access of this run's user, or what to show them instead (a :class:`Refusal`).

    Fails closed: anything but an accepted sign-in of an active user with a role shows
    nothing of the data. Without login configured the store is not read.
    """
    if not login_configured():
        return LOCAL_ACCESS
    claims = _claims()
    if claims.get("is_logged_in") is not True:
        return Refusal("Sign in to see your customers and areas.", signed_in=False)
    outcome = check_sign_in(claims, sign_in_policy(), time.time())
    if outcome.email is None:
        return Refusal(outcome.refusal or "You cannot use GeoCRM.", signed_in=True)
    user = find_user(store, outcome.email)
    role = user.permissions if user is not None else NO_ROLE
    if user is None or role is NO_ROLE:
        return Refusal(
            f"{outcome.email} has no access to GeoCRM. Ask an admin to add you.", signed_in=True
        )
    stamp = (user.email, claims.get("iat"))
    if st.session_state.get(_SIGN_IN_LOGGED_KEY) != stamp:
        log_event(store, user.email, "sign-in", user.email, f"{user.role}, {user.describe_areas()}")
        st.session_state[_SIGN_IN_LOGGED_KEY] = stamp
    return Access(user.email, role, user.scope, True, user)


def current_access() -> Access:
    """The access :func:`check_access` found at the start of this run (app.py); the most
    restrictive one if it was not run, so a script that skips the gate sees nothing."""
    found = st.session_state.get(ACCESS_KEY)
    if isinstance(found, Access):
        return found
    return Access(None, NO_ROLE, Scope.nothing(), True) if login_configured() else LOCAL_ACCESS


def remember_access(access: Access) -> None:
    """Keep this run's access for :func:`current_access` (called once per run by app.py)."""
    st.session_state[ACCESS_KEY] = access


def forget_access() -> None:
    """Drop the access of an earlier run (this run was refused): whatever still asks
    :func:`current_access` gets the most restrictive one."""
    st.session_state.pop(ACCESS_KEY, None)


def sign_out_control() -> None:
    """Who is signed in, and a sign-out button (only when login is configured)."""
    access = current_access()
    if not access.login_configured:
        return
    st.sidebar.caption(inert(access.describe()))
    if st.sidebar.button("Sign out", key="sidebar_sign_out"):
        st.session_state.pop(ACCESS_KEY, None)
        st.logout()
