"""Sign-in in the browser against a real OpenID Connect provider on 127.0.0.1
(tools/oidc_provider.mjs): nothing before sign-in, a wrong password refused, a manager of
one territory sees only it (forged links included), a removal takes effect at the next
rerun, and signing out shows the sign-in screen again. On both stores."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from geo.access.users import add_user, remove_user
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from tests.e2e.conftest import (
    Browsing,
    ServedApp,
    free_port,
    serve_app,
    stop_app,
    wait_until_settled,
)
from tests.e2e.test_browser import MAP_FRAME
from tests.stores import ENGINES, copy_of
from tools.identity_provider import (
    IdentityProvider,
    ProviderUser,
    start_identity_provider,
    write_streamlit_secrets,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser
WAIT_MS = 90_000
#: Signs in to look at their territory.
MANAGER = ProviderUser("mia@example.com", "mia-secret-1", "Mia Manager")
#: A manager of the same territory whom an admin removes while their page is open.
LEAVER = ProviderUser("leo@example.com", "leo-secret-2", "Leo Leaver")
#: Known to the provider, but it has not verified their email (a manager in the users table).
UNVERIFIED = ProviderUser("uma@example.com", "uma-secret-3", "Uma Unverified", email_verified=False)
ADMIN_EMAIL = "ada@example.com"
SIGNED_OUT_TEXT = "Sign in to see your customers and areas."
NO_ACCESS_TEXT = "has no access to GeoCRM"
NOT_A_PAGE_NOTE = "The page that you have requested does not seem to exist."


@dataclass
class SignInSetup:
    """The app served with sign-in required, its store and provider, and the managers'
    territory and another territory with customers."""

    app: ServedApp
    store: Store
    provider: IdentityProvider
    territory: str
    other: str


def _territories_by_customers(store: Store) -> list[str]:
    """Territories with customers located in them, the most first."""
    frame = store.query(
        "SELECT a.area_id, count(*) AS n FROM assignments AS a JOIN customers AS c "
        "ON c.customer_id = a.customer_id WHERE a.level = 'territory' "
        "AND a.location_status = 'in_area' AND c.kind = 'customer' "
        "GROUP BY a.area_id ORDER BY n DESC, a.area_id"
    )
    return [str(a) for a in frame["area_id"]]


@pytest.fixture(scope="module", params=ENGINES)
def signing_in(
    request: pytest.FixtureRequest,
    demo_file_store: DuckDBStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SignInSetup]:
    """A copy of the demo on each store, its managers in its users table, the provider on
    a free port and the app on another, with secrets in this run's own folder."""
    folder = tmp_path_factory.mktemp(f"login-{request.param}")
    with copy_of(demo_file_store, request.param, folder) as store:
        territory, other = _territories_by_customers(store)[:2]
        for user in (MANAGER, LEAVER, UNVERIFIED):
            add_user(store, user.email, "manager", areas=[("territory", territory)], actor="test")
        port = free_port()
        provider = start_identity_provider(
            f"http://127.0.0.1:{port}/oauth2callback", [MANAGER, LEAVER, UNVERIFIED], folder
        )
        try:
            secrets = write_streamlit_secrets(folder / "secrets.toml", provider)
            app = serve_app(
                store.location,
                folder / "streamlit.log",
                port=port,
                options=["--secrets.files", str(secrets)],
            )
            try:
                yield SignInSetup(app, store, provider, territory, other)
            finally:
                stop_app(app)
        finally:
            provider.stop()


def _customers_in(store: Store, territory: str) -> int:
    """Customers located in ``territory``, counted on the whole (unscoped) store."""
    return int(
        store.scalar(
            "SELECT count(DISTINCT c.customer_id) FROM customers AS c JOIN assignments AS a "
            "ON a.customer_id = c.customer_id WHERE a.level = 'territory' AND a.area_id = ? "
            "AND a.location_status = 'in_area' AND c.kind = 'customer'",
            [territory],
        )
    )


def _wait_for_text(page: Page, selector: str, text: str) -> None:
    """Wait until the element at ``selector`` shows ``text`` (the app puts an invisible word
    joiner after an email's ``@`` so that it stays text, not a link: ignored here)."""
    page.wait_for_function(
        "([selector, text]) => { const e = document.querySelector(selector); "
        "return !!e && e.innerText.replaceAll('\\u2060', '').includes(text); }",
        arg=[selector, text],
        timeout=WAIT_MS,
    )


def _assert_signed_out(page: Page) -> None:
    """The sign-in screen: its message and button, and nothing of the data or the pages."""
    page.get_by_text(SIGNED_OUT_TEXT).wait_for(timeout=WAIT_MS)
    page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.locator(MAP_FRAME).count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0


def _forget_page_redirects(browsing: Browsing) -> None:
    """Signed out, the sign-in screen is the app's only page: a page's own address is
    served it, and Streamlit says so in the console. That note, and only it, is expected."""
    browsing.errors[:] = [e for e in browsing.errors if NOT_A_PAGE_NOTE not in e]


def _at_provider_form(page: Page, setup: SignInSetup) -> None:
    """From the app's sign-in screen to the provider's form."""
    page.goto(setup.app.url, wait_until="commit")
    page.get_by_role("button", name="Sign in").click(timeout=WAIT_MS)
    page.wait_for_url(f"{setup.provider.issuer}/interaction/**", timeout=WAIT_MS)


def _fill_form(page: Page, email: str, password: str) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _sign_in(page: Page, setup: SignInSetup, user: ProviderUser) -> None:
    """Sign in through the provider's form; back in the app, signed in as ``user``."""
    _at_provider_form(page, setup)
    _fill_form(page, user.email, user.password)
    page.wait_for_url(f"{setup.app.url}/**", timeout=WAIT_MS)
    _wait_for_text(page, '[data-testid="stSidebar"]', f"{user.email} · manager")


def _customers_shown(page: Page) -> int:
    """The Map page's Customers figure, once the map has painted and the page settled."""
    page.frame_locator(MAP_FRAME).locator(".geocrm-legend").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    metric = page.locator('[data-testid="stMetric"]', has_text="Customers").first
    metric.wait_for(timeout=WAIT_MS)
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def _areas_offered(page: Page) -> tuple[str, list[str]]:
    """The sidebar's Areas filter: its level and the area IDs it offers."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    widget = sidebar.locator('[data-testid="stMultiSelect"]', has_text="Areas (").first
    label = widget.locator('[data-testid="stWidgetLabel"]').inner_text().strip()
    level = label.removeprefix("Areas (").removesuffix(")")
    widget.get_by_role("combobox").click()
    options = page.get_by_role("listbox").get_by_role("option")
    options.first.wait_for(timeout=WAIT_MS)
    # Each option reads "Name (ID)", after Streamlit's own "Select all".
    texts = [t.strip() for t in options.all_inner_texts() if t.strip() != "Select all"]
    page.keyboard.press("Escape")
    ids = [re.search(r"\(([^()]+)\)$", t) for t in texts]
    assert all(ids), texts
    return level, sorted(m.group(1) for m in ids if m)


def _areas_of(store: Store, level: str, territory: str) -> list[str]:
    """The areas of ``level`` a manager of ``territory`` may see: the territory itself,
    the areas inside it, computed through parent_id on the whole store."""
    frame = store.query(
        "SELECT a.area_id FROM areas AS a LEFT JOIN areas AS p ON p.area_id = a.parent_id "
        "WHERE a.level = ? AND (a.area_id = ? OR a.parent_id = ? OR p.parent_id = ?)",
        [level, territory, territory, territory],
    )
    return sorted(str(a) for a in frame["area_id"])


def test_before_sign_in_only_the_sign_in_screen_and_a_wrong_password_is_refused(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    page.goto(signing_in.app.url, wait_until="commit")
    _assert_signed_out(page)
    # A page's own address shows the same screen, not the page.
    page.goto(f"{signing_in.app.url}/export", wait_until="commit")
    _assert_signed_out(page)

    _at_provider_form(page, signing_in)
    _fill_form(page, MANAGER.email, "not-the-password")
    page.get_by_role("alert").filter(has_text="Wrong email or password.").wait_for(timeout=WAIT_MS)
    assert page.url.startswith(f"{signing_in.provider.issuer}/interaction/")
    # Back at the app, still signed out.
    page.goto(signing_in.app.url, wait_until="commit")
    _assert_signed_out(page)
    _forget_page_redirects(browsing)
    assert browsing.blocked == []


def test_an_email_the_provider_has_not_verified_is_refused(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    _at_provider_form(page, signing_in)
    _fill_form(page, UNVERIFIED.email, UNVERIFIED.password)
    page.wait_for_url(f"{signing_in.app.url}/**", timeout=WAIT_MS)
    # Signed in at the provider, and a manager in the users table: refused all the same.
    _wait_for_text(page, '[data-testid="stMain"]', "Your email address is not verified")
    wait_until_settled(page, WAIT_MS)
    assert page.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator(MAP_FRAME).count() == 0
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert browsing.blocked == []


def test_a_manager_of_one_territory_sees_only_it(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    _sign_in(page, signing_in, MANAGER)
    expected = _customers_in(signing_in.store, signing_in.territory)
    whole = int(signing_in.store.scalar("SELECT count(*) FROM customers WHERE kind = 'customer'"))
    assert 0 < expected < whole
    assert _customers_shown(page) == expected
    level, offered = _areas_offered(page)
    assert offered == _areas_of(signing_in.store, level, signing_in.territory)
    assert offered and signing_in.other not in offered
    assert page.locator('[data-testid="stException"]').count() == 0
    assert browsing.blocked == []


def _customer_of(store: Store, territory: str) -> tuple[str, str]:
    """A named customer located in ``territory``: ID and name."""
    frame = store.query(
        "SELECT c.customer_id, c.name FROM customers AS c JOIN assignments AS a "
        "ON a.customer_id = c.customer_id WHERE a.level = 'territory' AND a.area_id = ? "
        "AND a.location_status = 'in_area' AND c.kind = 'customer' AND c.name IS NOT NULL "
        "ORDER BY c.customer_id LIMIT 1",
        [territory],
    )
    return str(frame["customer_id"].iloc[0]), str(frame["name"].iloc[0])


def test_forged_links_show_nothing_of_another_territory(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    _sign_in(page, signing_in, MANAGER)
    expected = _customers_in(signing_in.store, signing_in.territory)
    app = signing_in.app.url

    # The Map opened on the other territory: its area is dropped, the figures stay theirs.
    page.goto(f"{app}/?level=territory&area={signing_in.other}", wait_until="commit")
    assert _customers_shown(page) == expected
    _wait_for_text(page, '[data-testid="stSidebar"]', "not an area of level 'territory'")
    assert page.locator('[data-testid="stException"]').count() == 0

    # A customer card of the other territory: a plain message, none of the customer.
    customer_id, name = _customer_of(signing_in.store, signing_in.other)
    page.goto(f"{app}/customer?id={customer_id}", wait_until="commit")
    page.get_by_role("heading", name="Customer card").wait_for(timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stAlert"]').first.wait_for(timeout=WAIT_MS)
    assert name not in main.inner_text()
    assert main.locator('[data-testid="stMetric"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0

    # Their own customer's card opens, so the message above is the scope, not a broken card.
    own_id, own_name = _customer_of(signing_in.store, signing_in.territory)
    page.goto(f"{app}/customer?id={own_id}", wait_until="commit")
    page.get_by_role("heading", name=own_name).wait_for(timeout=WAIT_MS)
    assert browsing.blocked == []


def test_a_manager_removed_mid_session_loses_access_at_the_next_rerun(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    _sign_in(page, signing_in, LEAVER)
    assert _customers_shown(page) == _customers_in(signing_in.store, signing_in.territory)

    remove_user(signing_in.store, LEAVER.email, actor=ADMIN_EMAIL)
    # The next interaction of the open page, no new sign-in: the filters applied again.
    page.get_by_role("button", name="Apply filters").click(timeout=WAIT_MS)
    _wait_for_text(page, '[data-testid="stMain"]', f"{LEAVER.email} {NO_ACCESS_TEXT}")
    # The page's figures and map, left over from the run before (shown stale while the
    # new run goes), are gone once it ends; so are the page list and the filters.
    for gone in ('[data-testid="stMetric"]', MAP_FRAME, '[data-testid="stSidebarNav"]'):
        page.locator(gone).first.wait_for(state="detached", timeout=WAIT_MS)
    # The filters too (the sidebar's stale elements go when the run ends, not at once).
    page.get_by_role("button", name="Apply filters").wait_for(state="detached", timeout=WAIT_MS)
    wait_until_settled(page, WAIT_MS)
    assert page.get_by_role("button", name="Apply filters").count() == 0
    main = page.locator('[data-testid="stMain"]')
    # Drawn by the same run as the message, but on a loaded machine a moment after it.
    main.get_by_role("button", name="Sign out").wait_for(timeout=WAIT_MS)
    assert main.get_by_role("button", name="Sign out").count() == 1
    assert browsing.blocked == []


def test_signing_out_returns_to_the_sign_in_screen(
    browsing: Browsing, signing_in: SignInSetup
) -> None:
    page = browsing.page
    _sign_in(page, signing_in, MANAGER)
    assert _customers_shown(page) > 0
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{signing_in.app.url}/**", timeout=WAIT_MS)
    _assert_signed_out(page)
    # The data stays hidden on a page's own address too, and signing in asks again.
    page.goto(f"{signing_in.app.url}/customers", wait_until="commit")
    _assert_signed_out(page)
    _at_provider_form(page, signing_in)
    assert page.locator("#password").count() == 1
    _forget_page_redirects(browsing)
    assert browsing.blocked == []
