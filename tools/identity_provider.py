"""A local OpenID Connect provider for the login tests and the sign-in demo, and the app's
Streamlit secrets that point at it.

:func:`start_identity_provider` runs ``tools/oidc_provider.mjs`` (panva's oidc-provider, on
Node) on a free port of 127.0.0.1 with one client, the app, and the given users; it polls
the provider's output for its ``ready <issuer>`` line. :func:`write_streamlit_secrets`
writes the ``[auth]`` and ``[geocrm]`` sections the app reads, to a file of the caller's
choosing (passed to Streamlit with ``--secrets.files``), never into the repository's own
``.streamlit/``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "oidc_provider.mjs"
#: The client the provider knows the app as.
CLIENT_ID = "geocrm"
#: How long the provider may take to print its ready line, in seconds.
READY_WAIT_SECONDS = 30.0
#: How long it may take to stop after SIGTERM before it is killed, in seconds.
STOP_WAIT_SECONDS = 10.0
#: The scopes the app asks for: ``openid email profile`` put email, email_verified and name
#: in the ID token, which is all Streamlit reads.
SCOPES = "openid email profile"


@dataclass(frozen=True)
class ProviderUser:
    """Someone who may sign in at the provider (what the app lets them see is its own
    users table's business)."""

    email: str
    password: str
    name: str
    email_verified: bool = True


@dataclass
class IdentityProvider:
    """A running provider: its issuer URL, the app's client, and its process."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str
    process: subprocess.Popen[bytes]

    @property
    def metadata_url(self) -> str:
        """The provider's discovery document (``server_metadata_url`` in ``[auth]``)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def stop(self) -> None:
        """SIGTERM by the process ID, then SIGKILL if it has not ended in time."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=STOP_WAIT_SECONDS)


def node_executable() -> str:
    """Node, or a plain error saying it is needed."""
    found = shutil.which("node")
    if not found:
        raise RuntimeError("the local sign-in provider needs Node.js (apt-get install nodejs)")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError("the oidc-provider package is missing: run `make install` (npm ci)")
    return found


def _private_file(path: Path, text: str) -> Path:
    """``text`` in a file only its owner may read (it holds passwords or secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def start_identity_provider(
    redirect_uri: str, users: Sequence[ProviderUser], folder: Path
) -> IdentityProvider:
    """Start the provider for the app whose callback is ``redirect_uri``
    (``http://127.0.0.1:PORT/oauth2callback``); its settings and output go in ``folder``."""
    client_secret = secrets.token_hex(16)
    settings = _private_file(
        folder / "provider-settings.json",
        json.dumps(
            {
                "port": 0,
                "client_id": CLIENT_ID,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
                "users": [
                    {
                        "email": u.email,
                        "password": u.password,
                        "name": u.name,
                        "email_verified": u.email_verified,
                    }
                    for u in users
                ],
            }
        ),
    )
    output = folder / "provider.out"
    with output.open("wb") as out, (folder / "provider.log").open("wb") as log:
        process = subprocess.Popen(
            [node_executable(), str(SCRIPT), str(settings)],
            cwd=ROOT,
            stdout=out,
            stderr=log,
            start_new_session=True,  # Ctrl-C in a terminal reaches the caller, which stops it
        )
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        for line in output.read_text("utf-8", errors="replace").splitlines():
            if line.startswith("ready "):
                issuer = line.split(" ", 1)[1].strip()
                return IdentityProvider(issuer, CLIENT_ID, client_secret, redirect_uri, process)
        if process.poll() is not None:
            log_text = (folder / "provider.log").read_text("utf-8", errors="replace")
            raise RuntimeError(f"the sign-in provider exited: {log_text[-1500:]}")
        time.sleep(0.05)  # polling interval for the ready line
    process.kill()
    process.wait()
    raise RuntimeError(f"the sign-in provider was not ready in {READY_WAIT_SECONDS:.0f} s")


def _toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string (the same escapes).
    return json.dumps(text)


def write_streamlit_secrets(
    path: Path, provider: IdentityProvider, *, session_hours: float | None = None
) -> Path:
    """The app's secrets for ``provider`` in ``path``: ``[auth]`` (Streamlit's st.login) and
    ``[geocrm]`` (the issuer the app trusts, and the longest session in hours)."""
    auth = {
        "redirect_uri": provider.redirect_uri,
        "cookie_secret": secrets.token_hex(32),
        "client_id": provider.client_id,
        "client_secret": provider.client_secret,
        "server_metadata_url": provider.metadata_url,
    }
    lines = ["[auth]", *(f"{key} = {_toml_string(value)}" for key, value in auth.items())]
    # Streamlit asks for prompt=select_account unless told; the provider refuses that one.
    lines.append(f'client_kwargs = {{ prompt = "login", scope = {_toml_string(SCOPES)} }}')
    lines += ["", "[geocrm]", f"issuer = {_toml_string(provider.issuer)}"]
    if session_hours is not None:
        lines.append(f"session_hours = {float(session_hours)}")
    return _private_file(path, "\n".join(lines) + "\n")
