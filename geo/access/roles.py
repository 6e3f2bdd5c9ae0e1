"""The four roles and what each may do.

- ``admin``: everything; manages users and loads data.
- ``manager``: their areas (any level) and everything below them; may export.
- ``marketer``: all areas or the listed ones; may export.
- ``viewer``: all areas or the listed ones; sees, cannot export or save segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.errors import InputError


@dataclass(frozen=True)
class Role:
    """What a role permits, besides the areas it sees."""

    name: str
    may_export: bool
    may_save_segments: bool
    may_load_data: bool
    manages_users: bool
    #: Whether the role may be given every area (a manager always has listed areas).
    may_see_all_areas: bool


ROLES: dict[str, Role] = {
    "admin": Role("admin", True, True, True, True, True),
    "manager": Role("manager", True, True, False, False, False),
    "marketer": Role("marketer", True, True, False, False, True),
    "viewer": Role("viewer", False, False, False, False, True),
}
#: Nothing: what a refused or unknown user gets (never an exception's default).
NO_ROLE = Role("none", False, False, False, False, False)


def role_named(name: str) -> Role:
    """The role called ``name``; an unknown name is refused with the list of roles."""
    try:
        return ROLES[name.strip().lower()]
    except KeyError:
        raise InputError(
            f"there is no role '{name}'", hint=f"Use one of: {', '.join(ROLES)}"
        ) from None
