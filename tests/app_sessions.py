"""Opening the app (or one page script) in AppTest the way a shared link does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
#: Seconds an AppTest run may take (the demo database on a loaded two-core machine).
TIMEOUT = 60


def open_with_link(params: Mapping[str, str | Sequence[str]], script: Path = APP) -> AppTest:
    """A fresh session of ``script`` run once with these query parameters; no exception."""
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value if isinstance(value, str) else list(value)
    at.run()
    assert not at.exception, at.exception
    return at
