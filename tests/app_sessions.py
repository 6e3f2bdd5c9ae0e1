"""Opening the app (or one page script) in AppTest the way a shared link does."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
#: Seconds an AppTest run may take (the demo database on a loaded two-core machine).
TIMEOUT = 60
#: The issuer the signed-in sessions' tokens name, and the ``[auth]`` section that turns
#: login on (nothing here talks to a provider: AppTest takes ``at.user`` as the identity).
ISSUER = "http://127.0.0.1:9"
AUTH = {
    "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration",
    "client_id": "x",
    "client_secret": "y",
    "redirect_uri": "http://127.0.0.1:1/oauth2callback",
    "cookie_secret": "z",
}


def open_with_link(params: Mapping[str, str | Sequence[str]], script: Path = APP) -> AppTest:
    """A fresh session of ``script`` run once with these query parameters; no exception."""
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value if isinstance(value, str) else list(value)
    at.run()
    assert not at.exception, at.exception
    return at


def signed_in_session(
    email: str, params: Mapping[str, str] | None = None, script: Path = APP
) -> AppTest:
    """A fresh session of ``script`` with login configured, signed in as ``email`` (a
    verified email of :data:`ISSUER`, signed in now), run once with these link parameters.

    AppTest seeds ``st.user`` from ``at.user`` before a session's first run only.
    """
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {
        "is_logged_in": True,
        "iss": ISSUER,
        "email": email,
        "email_verified": True,
        "iat": int(time.time()),
    }
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    return at


class _EveryRunThroughTheEntrypoint(PagesManager):
    """What AppTest builds its pages manager from, so that its reset of the old-style
    multipage flag lands here and not on Streamlit's own class."""


def run_every_time_through_the_entrypoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every AppTest run go through app.py (and its sign-in gate), as every rerun on a
    server does.

    AppTest resets Streamlit's "pages/ folder app" flag before each run; with a pages/
    folder beside app.py, every run after the first would then run the page script alone,
    without app.py, so a rerun could never show a change of the user's access.
    """
    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(app_test_module, "PagesManager", _EveryRunThroughTheEntrypoint)
