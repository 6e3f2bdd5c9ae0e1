"""The app's users: one row per email with a role, the areas it opens, and whether it is
active. Read on every rerun, so a change takes effect without a new login.

Emails are compared in lower case. Areas are (level, area_id) pairs; ``all_areas`` opens
the whole database to an admin, a marketer or a viewer. A manager without areas, or any
role without areas and without ``all_areas``, sees nothing: access is denied by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from geo.access.audit import record_event, times_as_text, utc_now
from geo.access.roles import NO_ROLE, ROLES, Role, role_named
from geo.errors import InputError
from geo.store.protocol import Store, StoreWriter
from geo.store.scope import EVERYTHING, Grant, Scope


@dataclass(frozen=True)
class User:
    """One row of the users table, with its areas."""

    email: str
    role: str
    all_areas: bool
    areas: tuple[Grant, ...]
    active: bool

    @property
    def permissions(self) -> Role:
        """What the role permits; nothing once the user is inactive."""
        return ROLES.get(self.role, NO_ROLE) if self.active else NO_ROLE

    @property
    def scope(self) -> Scope:
        """The customers this user may see (see :mod:`geo.store.scope`), made for this
        user's email, so that a server store reads as them (row-level security)."""
        if not self.active or self.role not in ROLES:
            return Scope.nothing().for_user(self.email)
        if self.role == "admin" or (self.all_areas and ROLES[self.role].may_see_all_areas):
            return EVERYTHING.for_user(self.email)
        return Scope.of_grants(self.areas).for_user(self.email)

    def describe_areas(self) -> str:
        """The areas in words: "all areas", "none", or "state 06, state 32"."""
        if self.role == "admin" or (self.all_areas and self.permissions.may_see_all_areas):
            return "all areas"
        return ", ".join(f"{level} {area}" for level, area in self.areas) or "none"


def normalised_email(email: str) -> str:
    """The email as users are keyed: stripped, lower case; refused unless it looks like one."""
    text = (email or "").strip().lower()
    if "@" not in text or text.startswith("@") or text.endswith("@") or " " in text:
        raise InputError(f"'{email}' is not an email address", hint="Give the user's email")
    return text


def parse_areas(text: str) -> tuple[Grant, ...]:
    """Areas written ``level:area_id`` and separated by commas (``state:06,county:32003``)."""
    grants = []
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        level, sep, area = part.partition(":")
        if not sep or not level.strip() or not area.strip():
            raise InputError(
                f"'{part}' does not name an area",
                hint="Write each area as level:area_id, for example state:06",
            )
        grants.append((level.strip(), area.strip()))
    return tuple(sorted(set(grants)))


def find_user(store: Store, email: str) -> User | None:
    """The user with this email, active or not; None when there is no row."""
    try:
        key = normalised_email(email)
    except InputError:
        return None
    with store.snapshot() as reader:
        row = reader.query(
            "SELECT email, role, all_areas, active FROM users WHERE email = ?", [key]
        )
        if row.empty:
            return None
        areas = reader.query(
            "SELECT level, area_id FROM user_areas WHERE email = ? ORDER BY level, area_id", [key]
        )
    first = row.iloc[0]
    return User(
        email=str(first["email"]),
        role=str(first["role"]),
        all_areas=bool(first["all_areas"]),
        areas=tuple((str(r.level), str(r.area_id)) for r in areas.itertuples()),
        active=bool(first["active"]),
    )


def acting_user(store: Store, email: str) -> User:
    """The user a command acts for (``geocrm --as EMAIL``): refused when there is no such
    user or they are inactive, so nobody acts as someone who may see nothing."""
    found = find_user(store, email)
    if found is None:
        raise InputError(
            f"there is no user {email.strip()}", hint="List users with `geocrm user list`"
        )
    if found.permissions is NO_ROLE:
        raise InputError(
            f"the user {found.email} is inactive", hint="Activate them with `geocrm user set`"
        )
    return found


def area_choices(store: Store) -> dict[str, Grant]:
    """Every area a user may be given, labelled "level · name (id)", coarse levels first and
    by name within a level; the label maps to the (level, area_id) grant."""
    choices: dict[str, Grant] = {}
    for level in store.levels():
        names = store.area_names(level)
        for area_id, name in zip(names["area_id"], names["name"], strict=True):
            shown = str(name) if isinstance(name, str) and name else str(area_id)
            choices[f"{level} · {shown} ({area_id})"] = (level, str(area_id))
    return choices


def list_users(store: Store) -> pd.DataFrame:
    """Every user: email, role, areas (in words), active, changed_at (UTC, as text to the
    second), changed_by; by email."""
    frame = store.query(
        "SELECT email, role, all_areas, active, changed_at, changed_by FROM users ORDER BY email"
    )
    areas = store.query("SELECT email, level, area_id FROM user_areas ORDER BY level, area_id")
    by_email: dict[str, list[Grant]] = {}
    for r in areas.itertuples():
        by_email.setdefault(str(r.email), []).append((str(r.level), str(r.area_id)))
    described = [
        User(
            str(r.email),
            str(r.role),
            bool(r.all_areas),
            tuple(by_email.get(str(r.email), [])),
            bool(r.active),
        ).describe_areas()
        for r in frame.itertuples()
    ]
    frame.insert(2, "areas", described)
    frame["active"] = frame["active"].astype(bool)
    frame["changed_at"] = times_as_text(frame["changed_at"])
    return frame.drop(columns=["all_areas"]).reset_index(drop=True)


def _check_areas(tx: StoreWriter, areas: Sequence[Grant]) -> None:
    for level, area in areas:
        if (
            tx.scalar("SELECT count(*) FROM areas WHERE level = ? AND area_id = ?", [level, area])
            == 0
        ):
            raise InputError(
                f"there is no area {area} of level {level}",
                hint="List the areas with `geocrm areas --level LEVEL`, then give level:area_id",
            )


def _check_role_and_areas(role: Role, all_areas: bool, areas: Sequence[Grant]) -> None:
    if all_areas and not role.may_see_all_areas:
        raise InputError(
            f"a {role.name} sees their own areas, not all of them",
            hint="Choose their areas instead (on the command line: --areas level:area_id)",
        )
    if role.name != "admin" and not all_areas and not areas:
        everything = " or all areas" if role.may_see_all_areas else ""
        flag = " or --all-areas" if role.may_see_all_areas else ""
        raise InputError(
            f"a {role.name} without areas would see nothing",
            hint=f"Choose their areas{everything} "
            f"(on the command line: --areas level:area_id{flag})",
        )


def _write_areas(tx: StoreWriter, email: str, areas: Sequence[Grant]) -> None:
    tx.execute("DELETE FROM user_areas WHERE email = ?", [email])
    for level, area in areas:
        tx.execute(
            "INSERT INTO user_areas (email, level, area_id) VALUES (?, ?, ?)", [email, level, area]
        )


def add_user(
    store: Store,
    email: str,
    role: str,
    *,
    areas: Sequence[Grant] = (),
    all_areas: bool = False,
    actor: str,
) -> User:
    """Add an active user; an email already present is refused (change it with set_user)."""
    key = normalised_email(email)
    permissions = role_named(role)
    _check_role_and_areas(permissions, all_areas, areas)
    with store.transaction() as tx:
        if tx.scalar("SELECT count(*) FROM users WHERE email = ?", [key]):
            raise InputError(
                f"the user {key} exists already",
                hint="Change that user instead (on the command line: `geocrm user set`)",
            )
        _check_areas(tx, areas)
        tx.execute(
            "INSERT INTO users (email, role, all_areas, active, changed_at, changed_by) "
            "VALUES (?, ?, ?, TRUE, ?, ?)",
            [key, permissions.name, all_areas, utc_now(), actor],
        )
        _write_areas(tx, key, areas)
        record_event(tx, actor, "user added", key, _summary(permissions.name, all_areas, areas))
    found = find_user(store, key)
    assert found is not None
    return found


def set_user(
    store: Store,
    email: str,
    *,
    role: str | None = None,
    areas: Sequence[Grant] | None = None,
    all_areas: bool | None = None,
    active: bool | None = None,
    actor: str,
) -> User:
    """Change a user's role, areas, all-areas flag or active flag (what is None is kept)."""
    before = find_user(store, email)
    if before is None:
        raise InputError(f"there is no user {email}", hint="Add them with `geocrm user add`")
    new_role = role_named(role) if role is not None else ROLES.get(before.role, NO_ROLE)
    new_areas = tuple(areas) if areas is not None else before.areas
    new_all = all_areas if all_areas is not None else before.all_areas
    if role is not None and all_areas is None and not new_role.may_see_all_areas:
        new_all = False
    _check_role_and_areas(new_role, new_all, new_areas)
    new_active = active if active is not None else before.active
    keeps_admin = new_active and new_role.manages_users
    if actor == before.email and before.permissions.manages_users and not keeps_admin:
        raise _own_access_refused("take away your own admin access")
    with store.transaction() as tx:
        if areas is not None:
            _check_areas(tx, new_areas)
        tx.execute(
            "UPDATE users SET role = ?, all_areas = ?, active = ?, changed_at = ?, "
            "changed_by = ? WHERE email = ?",
            [new_role.name, new_all, new_active, utc_now(), actor, before.email],
        )
        _write_areas(tx, before.email, new_areas)
        was = _summary(before.role, before.all_areas, before.areas, before.active)
        now = _summary(new_role.name, new_all, new_areas, new_active)
        record_event(tx, actor, "user changed", before.email, f"{now} (was {was})")
    found = find_user(store, before.email)
    assert found is not None
    return found


def remove_user(store: Store, email: str, *, actor: str) -> None:
    """Remove the user and their areas; they see nothing from their next rerun."""
    found = find_user(store, email)
    if found is None:
        raise InputError(f"there is no user {email}", hint="List users with `geocrm user list`")
    if actor == found.email and found.permissions.manages_users:
        raise _own_access_refused("remove yourself")
    with store.transaction() as tx:
        tx.execute("DELETE FROM user_areas WHERE email = ?", [found.email])
        tx.execute("DELETE FROM users WHERE email = ?", [found.email])
        record_event(tx, actor, "user removed", found.email, found.role)


def _own_access_refused(what: str) -> InputError:
    # An admin who locked themselves out could not undo it from the page.
    return InputError(f"you cannot {what}", hint="Ask another admin to do it")


def _summary(role: str, all_areas: bool, areas: Sequence[Grant], active: bool = True) -> str:
    shown = (
        "all areas"
        if all_areas or role == "admin"
        else (", ".join(f"{level}:{area}" for level, area in areas) or "no areas")
    )
    return f"{role}, {shown}" + ("" if active else ", inactive")
