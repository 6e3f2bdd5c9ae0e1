"""Users and audit: who may sign in, with which role and areas, and what was done (admins)."""

from __future__ import annotations

from ui import state
from ui.inert_text import show_title
from ui.user_admin import refuse_unless_admin, show_user_admin

show_title("Users and audit")
# Reached directly (a link to /admin) by a role that manages no users: nothing is shown.
refuse_unless_admin()
show_user_admin(state.app_store())
