"""Whether a signed-in identity (the claims of an OpenID Connect ID token, as Streamlit's
``st.user`` holds them) may use the app, and as whom.

The provider proves who someone is; what they may see comes from the users table
(:mod:`geo.access.users`). Refused here: no positive sign-in marker, no email, an email
the provider has not verified, a token from another issuer, and a session older than the
configured age (Streamlit keeps its identity cookie for 30 days and never checks the
token's expiry, so the app caps it from ``iat``, seconds since the epoch in UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The suffix of a provider's discovery document; the issuer is the URL before it.
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
#: How long a sign-in lasts before the user is asked to sign in again, in hours.
DEFAULT_SESSION_HOURS = 12.0


@dataclass(frozen=True)
class SignInPolicy:
    """What a sign-in must satisfy: the issuer (None: not checked) and the longest
    session, in seconds."""

    issuer: str | None
    max_age_seconds: float = DEFAULT_SESSION_HOURS * 3600

    @classmethod
    def for_provider(
        cls, server_metadata_url: str | None, issuer: str | None, session_hours: float | None
    ) -> SignInPolicy:
        """The policy of a configured provider: its issuer given, or read off the
        discovery URL; the session age in hours, or the default."""
        expected = issuer
        if not expected and server_metadata_url and server_metadata_url.endswith(DISCOVERY_SUFFIX):
            expected = server_metadata_url[: -len(DISCOVERY_SUFFIX)]
        hours = DEFAULT_SESSION_HOURS if session_hours is None else float(session_hours)
        return cls(expected.rstrip("/") if expected else None, hours * 3600)


@dataclass(frozen=True)
class SignInOutcome:
    """The email to look up (lower case) or, refused, the reason in words for the user."""

    email: str | None
    refusal: str | None

    @property
    def accepted(self) -> bool:
        return self.email is not None


def _verified(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def check_sign_in(claims: Mapping[str, Any], policy: SignInPolicy, now: float) -> SignInOutcome:
    """Whether ``claims`` (``st.user`` as a mapping) may use the app at ``now`` (epoch s)."""

    def refused(reason: str) -> SignInOutcome:
        return SignInOutcome(None, reason)

    if claims.get("is_logged_in") is not True:
        return refused("You are not signed in.")
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return refused("Your sign-in did not say who you are (no email). Ask an admin.")
    if not _verified(claims.get("email_verified")):
        return refused("Your email address is not verified by the sign-in provider.")
    issuer = str(claims.get("iss") or "").rstrip("/")
    if policy.issuer is not None and issuer != policy.issuer:
        return refused("Your sign-in comes from a provider this app does not trust.")
    try:
        issued = float(claims.get("iat"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return refused("Your sign-in has no time; sign in again.")
    if now - issued > policy.max_age_seconds:
        return refused("Your sign-in has expired; sign in again.")
    return SignInOutcome(email, None)
