"""Which signed-in identities may use the app: positive marker, verified email, the trusted
issuer, a session younger than the configured age."""

from __future__ import annotations

from typing import Any

import pytest

from geo.access.sign_in import DEFAULT_SESSION_HOURS, SignInPolicy, check_sign_in

ISSUER = "http://127.0.0.1:9999"
NOW = 1_800_000_000.0
POLICY = SignInPolicy.for_provider(f"{ISSUER}/.well-known/openid-configuration", None, 2.0)


def claims(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "is_logged_in": True,
        "iss": ISSUER,
        "email": "Ana@Example.com ",
        "email_verified": True,
        "iat": NOW - 60,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_a_verified_recent_sign_in_of_the_trusted_issuer_is_accepted_by_lower_case_email() -> None:
    outcome = check_sign_in(claims(), POLICY, NOW)
    assert outcome.accepted and outcome.email == "ana@example.com" and outcome.refusal is None
    assert check_sign_in(claims(email_verified="true"), POLICY, NOW).accepted


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        # AppTest's default user has an email but no is_logged_in: never enough.
        ({"is_logged_in": None}, "not signed in"),
        ({"is_logged_in": "true"}, "not signed in"),
        ({"email": None}, "no email"),
        ({"email_verified": False}, "not verified"),
        ({"email_verified": None}, "not verified"),
        ({"iss": "http://127.0.0.1:9998"}, "does not trust"),
        ({"iss": None}, "does not trust"),
        ({"iat": None}, "no time"),
        ({"iat": "soon"}, "no time"),
        ({"iat": NOW - 2 * 3600 - 1}, "expired"),
    ],
)
def test_everything_else_is_refused_with_its_reason(changes: dict[str, Any], reason: str) -> None:
    outcome = check_sign_in(claims(**changes), POLICY, NOW)
    assert not outcome.accepted and outcome.email is None
    assert outcome.refusal is not None and reason in outcome.refusal


def test_the_issuer_comes_from_the_configuration_or_the_discovery_url() -> None:
    assert POLICY.issuer == ISSUER and POLICY.max_age_seconds == 7200
    given = SignInPolicy.for_provider("https://idp.example/realms/crm/other", "https://x/", None)
    assert given.issuer == "https://x" and given.max_age_seconds == DEFAULT_SESSION_HOURS * 3600
    # A provider whose issuer cannot be told is not checked for it; the rest still is.
    unknown = SignInPolicy.for_provider(None, None, None)
    assert unknown.issuer is None
    assert check_sign_in(claims(iss="anything"), unknown, NOW).accepted
    assert not check_sign_in(claims(iss="anything", email_verified=False), unknown, NOW).accepted
