"""Per role, every page and every export of the signed-in app, checked against independent
SQL on the unscoped store; forged links, widget values, saved segments and customer IDs;
one process serving several users; a user removed or changed between two runs.

Each user gets a fresh AppTest with ``at.secrets["auth"]`` and ``at.user`` set before its
first run (AppTest does not take a changed ``at.user`` mid-session). The users live in a
copy of the small demo of this module's own, on each store.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.access.users import add_user, find_user, remove_user, set_user
from geo.errors import InputError
from geo.present.table_format import column_spec
from geo.segments.filters import Filters
from geo.segments.saved import open_saved_segment, save_segment
from geo.segments.segment import Segment
from geo.store.duckdb_store import DuckDBStore
from geo.store.protocol import Store
from geo.store.scope import Grant
from tests.app_sessions import (
    APP,
    AUTH,
    ROOT,
    TIMEOUT,
    run_every_time_through_the_entrypoint,
    signed_in_session,
)
from tests.stores import ENGINES, copy_of

#: (email, role, areas, all areas) of each kind of user the tests sign in as.
USERS: dict[str, tuple[str, str, tuple[Grant, ...], bool]] = {
    "admin": ("admin@example.com", "admin", (), False),
    "manager": ("manager@example.com", "manager", (("territory", "DIV5"),), False),
    "marketer": ("marketer@example.com", "marketer", (), True),
    "listed": ("listed@example.com", "marketer", (("state", "06"), ("state", "32")), False),
    "viewer": ("viewer@example.com", "viewer", (("territory", "DIV3"),), False),
}
#: Every page a signed-in user's navigation has besides the Data and admin pages.
PAGES = (
    "pages/map.py",
    "pages/areas.py",
    "pages/customers.py",
    "pages/trends.py",
    "pages/contacts.py",
    "pages/customer.py",
    "pages/export.py",
    "pages/territories.py",
    "pages/help.py",
    "pages/present.py",
)
#: The pages that offer a file to a role that may export.
PAGES_WITH_FILES = {"pages/areas.py", "pages/customers.py", "pages/trends.py",
                    "pages/contacts.py", "pages/territories.py"}  # fmt: skip
NO_DOWNLOAD = "may look but not download"


@pytest.fixture(autouse=True)
def entrypoint_on_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    run_every_time_through_the_entrypoint(monkeypatch)


@pytest.fixture(scope="module", params=ENGINES)
def roles_store(
    request: pytest.FixtureRequest,
    demo_file_store: DuckDBStore,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Store]:
    """The small demo with the users of :data:`USERS`, on each store."""
    with copy_of(demo_file_store, str(request.param), tmp_path_factory.mktemp("roles")) as store:
        for email, role, areas, all_areas in USERS.values():
            add_user(store, email, role, areas=areas, all_areas=all_areas, actor="test")
        yield store


@pytest.fixture
def roles_db(roles_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The roles store as the database the app opens."""
    monkeypatch.setenv("GEOCRM_DB", roles_store.location)
    return roles_store


def signed_in(email: str, params: dict[str, str] | None = None, script: Path = APP) -> AppTest:
    """A fresh session of the app, signed in as ``email``, run once with this link."""
    return signed_in_session(email, params, script)


def _in_grants(grants: Sequence[Grant]) -> tuple[str, list[str]]:
    condition = " OR ".join("(a.level = ? AND a.area_id = ?)" for _ in grants)
    return f"({condition})", [part for grant in grants for part in grant]


def visible_ids(store: Store, who: str, kind: str | None = None) -> set[str]:
    """The customer IDs ``who`` may see, by SQL on the unscoped store: every one for a user
    of all areas, else those assigned in_area to one of their areas."""
    _, _, areas, _ = USERS[who]
    kinds = "" if kind is None else " AND c.kind = ?"
    if not areas:
        rows = store.query(
            f"SELECT customer_id FROM customers c WHERE TRUE{kinds}", [kind] * bool(kind)
        )
    else:
        condition, params = _in_grants(areas)
        rows = store.query(
            "SELECT DISTINCT c.customer_id FROM customers c JOIN assignments a "
            "ON a.customer_id = c.customer_id WHERE a.location_status = 'in_area' AND "
            f"{condition}{kinds}",
            params + ([kind] if kind else []),
        )
    return set(rows["customer_id"].astype(str))


def revenue_of(store: Store, ids: set[str]) -> float:
    """The sales amount of these customers, summed in Python from the unscoped sales."""
    sales = store.query("SELECT customer_id, amount FROM sales")
    return float(sales.loc[sales["customer_id"].isin(ids), "amount"].sum())


def visible_territories(store: Store, who: str) -> set[str]:
    """The territories holding the customers ``who`` may see (the unscoped store's)."""
    ids = visible_ids(store, who)
    rows = store.query(
        "SELECT customer_id, area_id FROM assignments WHERE level = 'territory' "
        "AND location_status = 'in_area'"
    )
    return set(rows.loc[rows["customer_id"].isin(ids), "area_id"].astype(str))


def _plain(markdown: str) -> str:
    """Text shown through :func:`ui.inert_text.inert`, as it reads on screen."""
    return markdown.replace("\\", "").replace("\u2060", "")


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def _offered_area_ids(at: AppTest, level: str) -> set[str]:
    options = at.sidebar.multiselect(key=f"f_areas_{level}").options
    return {re.search(r"\(([^()]*)\)$", o).group(1) for o in options}  # type: ignore[union-attr]


def _download_labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


#: The admin page (for admins, with login configured); the signed-in admin needs it.
ADMIN_PAGE = "pages/admin.py"
_WITHOUT_ADMIN_PAGE = pytest.mark.skipif(
    not (ROOT / ADMIN_PAGE).exists(), reason="the admin page is not in this checkout"
)


@pytest.mark.parametrize(
    "who", [pytest.param(w, marks=_WITHOUT_ADMIN_PAGE) if w == "admin" else w for w in USERS]
)
def test_every_page_for_each_role(roles_db: Store, who: str) -> None:
    email, role, _, _ = USERS[who]
    at = signed_in(email, {"level": "territory"})
    assert not at.exception, at.exception
    # The Areas filter offers the territories of the user's customers, no other.
    assert _offered_area_ids(at, "territory") == visible_territories(roles_db, who)
    # The Map's headline: the independent count of the user's customers and prospects.
    customers = visible_ids(roles_db, who, "customer")
    prospects = visible_ids(roles_db, who, "prospect")
    assert _metric(at, "Customers") == f"{len(customers):,}"
    assert _metric(at, "Prospects") == f"{len(prospects):,}"
    assert _metric(at, "Sales") == f"${revenue_of(roles_db, customers):,.0f}"
    meeting = [b.proto.label for b in at.button if b.key == "map_prepare_png"]
    # The data grid's own CSV control is hidden for a viewer too (by a style rule).
    grid_rule = any("Download as CSV" in str(e.proto) for e in at.get("html"))
    if role == "viewer":
        assert not meeting and NO_DOWNLOAD in _captions(at) and grid_rule
    else:
        assert meeting and not grid_rule
    for page in (*PAGES, ADMIN_PAGE) if role == "admin" else PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        labels = _download_labels(at)
        if role == "viewer":
            assert labels == [], (page, labels)
            if page in PAGES_WITH_FILES | {"pages/export.py"}:
                assert "Your role (viewer) may look but not download. Ask an admin." in [
                    c.value.replace("\\", "") for c in at.caption
                ], page
        elif page in PAGES_WITH_FILES:
            assert labels, page
        if page == "pages/export.py":
            assert _metric(at, "Rows") == f"{len(customers) + len(prospects):,}"
            prepare = [b for b in at.button if b.key == "export_prepare"]
            saving = [t for t in at.text_input if t.key == "export_save_name"]
            assert bool(prepare) == (role != "viewer") == bool(saving)
    if role != "admin":
        # Not in the navigation (a link to it lands on the Map; the page itself refuses
        # a run without the gate's access, see below).
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/data.py")
        return
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader if s.value == "Import a file"]
    assert "Signed in as admin@example.com (admin)." in [_plain(c.value) for c in at.caption]


@pytest.mark.usefixtures("roles_db")
def test_the_data_page_refuses_a_run_without_the_gate() -> None:
    """Reached without app.py's gate (so without an access), with login configured."""
    at = AppTest.from_file(str(ROOT / "pages" / "data.py"), default_timeout=TIMEOUT)
    at.secrets["auth"] = AUTH
    at.run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [
        "Your role \\(none\\) may not load or replace data\\. Ask an admin\\."
    ]
    assert not [s for s in at.subheader if s.value == "Import a file"]


@pytest.mark.usefixtures("roles_db")
def test_without_sign_in_the_data_page_says_anyone_sees_everything() -> None:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "No sign-in is configured: anyone who can open this address sees and changes" in notice
    assert "Sign-in and roles" in notice
    assert [s for s in at.subheader if s.value == "Import a file"]


def _rows_of(content: bytes, fmt: str) -> pd.DataFrame:
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False)
    frame = pd.read_excel(io.BytesIO(content), sheet_name="Customers", dtype=str)
    labels = {column_spec(c).label: c for c in ("customer_id", "level", "area_id")}
    return frame.rename(columns=labels)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_managers_export_holds_only_their_territory_row_by_row(roles_db: Store, fmt: str) -> None:
    email = USERS["manager"][0]
    at = signed_in(email, {"level": "state"})
    at.switch_page("pages/export.py").run()
    at.radio(key="export_format").set_value(fmt).run()
    at.button(key="export_prepare").click().run()
    assert not at.exception, at.exception
    content = at.session_state["export_file"][2]
    rows = _rows_of(content, fmt)
    expected = visible_ids(roles_db, "manager")
    assert 0 < len(expected) < len(visible_ids(roles_db, "admin"))
    assert len(rows) == len(expected) and set(rows["customer_id"]) == expected
    # Every row's state is one of the territory's (by the unscoped areas table).
    states = roles_db.query(
        "SELECT area_id FROM areas WHERE level = 'state' AND parent_id = 'DIV5'"
    )["area_id"].astype(str)
    assert set(rows["area_id"]) <= set(states) and (rows["level"] == "state").all()
    assert _download_labels(at) == [f"Download {len(expected):,} rows"]
    logged = roles_db.query(
        "SELECT actor, rows, format AS fmt FROM audit_log WHERE action = 'export' "
        "ORDER BY logged_at DESC LIMIT 1"
    ).iloc[0]
    assert (logged["actor"], int(logged["rows"]), logged["fmt"]) == (email, len(expected), fmt)


def _page_text(at: AppTest) -> str:
    """Everything the run put on screen as text: headings, captions, alerts, metrics,
    widget labels and options, and the cells of every table (main area and sidebar)."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                 "error", "success"):  # fmt: skip
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for widget in (*at.selectbox, *at.multiselect):
        parts += [str(widget.label), *map(str, widget.options)]
    for table in at.dataframe:
        parts += table.value.astype(str).to_numpy().ravel().tolist()
    parts += [str(link.proto.label) for link in at.get("page_link")]
    return " ".join(map(str, parts)).replace("\\", "").replace("\u2060", "")


def _area_name(store: Store, area_id: str) -> str:
    return str(store.query("SELECT name FROM areas WHERE area_id = ?", [area_id])["name"].iloc[0])


def _manager_figures(store: Store) -> tuple[str, str]:
    customers = visible_ids(store, "manager", "customer")
    return f"{len(customers):,}", f"{len(visible_ids(store, 'manager')):,}"


def test_a_forged_link_to_another_territory_shows_only_the_managers_own(roles_db: Store) -> None:
    other = _area_name(roles_db, "DIV1")
    own_customers, own_rows = _manager_figures(roles_db)
    at = signed_in(USERS["manager"][0], {"level": "territory", "area": "DIV1"})
    assert not at.exception, at.exception
    assert _metric(at, "Customers") == own_customers
    assert other not in _page_text(at)
    # The link's area is dropped with the link parser's plain note, naming only what it said.
    assert "DIV1" in " ".join(w.value for w in at.sidebar.warning).replace("\\", "")
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    assert _metric(at, "Rows") == own_rows and other not in _page_text(at)
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    assert _metric(at, "Customers") == own_customers and other not in _page_text(at)


def test_a_forged_area_widget_value_widens_nothing(roles_db: Store) -> None:
    other = _area_name(roles_db, "DIV1")
    own_customers, _ = _manager_figures(roles_db)
    at = signed_in(USERS["manager"][0], {"level": "territory"})
    at.session_state["f_areas_territory"] = ["DIV1"]
    at.run()
    assert not at.exception, at.exception
    shown = _metric(at, "Customers")
    # Dropped (all of their own) or kept and matching none of their customers: never DIV1's.
    assert shown in (own_customers, "0"), shown
    assert other not in _page_text(at)
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    assert other not in _page_text(at)


@pytest.fixture
def admins_segments(roles_db: Store) -> Iterator[Store]:
    """Two segments saved by an admin: one of another territory (DIV1), one of no area."""
    everything = roles_db
    save_segment(everything, Segment(Filters(level="territory", area_ids=("DIV1",))), "NE only")
    save_segment(everything, Segment(Filters(level="territory", kind="customer")), "All buyers")
    yield roles_db
    with roles_db.transaction() as tx:
        tx.execute("DELETE FROM segments WHERE name IN ('NE only', 'All buyers')")


def test_another_regions_saved_segment_is_neither_listed_nor_opened(
    admins_segments: Store,
) -> None:
    store = admins_segments
    other = _area_name(store, "DIV1")
    own_customers, own_rows = _manager_figures(store)
    # Opened by its name and filters through the link.
    at = signed_in(USERS["manager"][0], {"level": "territory", "area": "DIV1", "name": "NE only"})
    at.switch_page("pages/export.py").run()
    assert not at.exception, at.exception
    assert _metric(at, "Rows") == own_rows
    saved = next(d.value for d in at.dataframe if "revision" not in d.value.columns
                 and "description" in d.value.columns)  # fmt: skip
    # The admin's segment of no area is listed with the manager's own count; DIV1's is not.
    assert saved["name"].tolist() == ["All buyers"]
    assert f"{int(saved['customers'].iloc[0]):,}" == own_customers
    assert at.selectbox(key="export_pick").options == ["All buyers"]
    text = _page_text(at)
    assert "NE only" not in text and other not in text
    # What the Export page's Open does with a name (AppTest cannot pick an option that is
    # not offered): refused plainly, naming only the segments this user may open.
    manager = find_user(store, USERS["manager"][0])
    assert manager is not None
    with pytest.raises(InputError, match="no saved segment named 'NE only'") as refused:
        open_saved_segment(store.within(manager.scope), "NE only")
    assert refused.value.hint == "Saved segments: All buyers"


def test_a_guessed_customer_id_of_another_territory_shows_nothing(roles_db: Store) -> None:
    from geo.analytics.place_finder import find_place

    guessed = roles_db.query(
        "SELECT c.customer_id, c.name FROM customers c JOIN assignments a ON a.customer_id = "
        "c.customer_id WHERE a.level = 'territory' AND a.area_id = 'DIV1' AND "
        "a.location_status = 'in_area' AND c.kind = 'customer' ORDER BY c.customer_id LIMIT 1"
    ).iloc[0]
    at = signed_in(USERS["manager"][0], {"level": "territory", "id": guessed["customer_id"]})
    at.switch_page("pages/customer.py").run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] and str(guessed["name"]) not in _page_text(at)
    assert not [m for m in at.metric if m.label == "Orders in the period"]
    # The map's radius search by customer ID finds no such customer either.
    manager = find_user(roles_db, USERS["manager"][0])
    assert manager is not None
    with pytest.raises(InputError):
        find_place(roles_db.within(manager.scope), str(guessed["customer_id"]))


def test_caches_never_carry_one_users_figures_to_another(roles_db: Store) -> None:
    """One process: a user of every area, then a manager, with the same filters."""
    everyone = f"{len(visible_ids(roles_db, 'marketer', 'customer')):,}"
    own_customers, _ = _manager_figures(roles_db)
    assert everyone != own_customers
    first = signed_in(USERS["marketer"][0], {"level": "territory"})
    assert _metric(first, "Customers") == everyone
    manager = signed_in(USERS["manager"][0], {"level": "territory"})
    assert _metric(manager, "Customers") == own_customers
    manager.switch_page("pages/export.py").run()
    again = signed_in(USERS["marketer"][0], {"level": "territory"})
    assert _metric(again, "Customers") == everyone
    again.switch_page("pages/export.py").run()
    assert _metric(again, "Rows") == f"{len(visible_ids(roles_db, 'marketer')):,}"


@pytest.fixture
def temporary_manager(roles_db: Store) -> Iterator[str]:
    """A manager of DIV5 of this test's own, removed afterwards if still there."""
    email = "temp.manager@example.com"
    add_user(roles_db, email, "manager", areas=[("territory", "DIV5")], actor="test")
    yield email
    if find_user(roles_db, email) is not None:
        remove_user(roles_db, email, actor="test")


@pytest.mark.parametrize("change", ["removed", "inactive"])
def test_a_user_removed_mid_session_sees_nothing_at_the_next_run(
    roles_db: Store, temporary_manager: str, change: str
) -> None:
    own_customers, _ = _manager_figures(roles_db)
    at = signed_in(temporary_manager, {"level": "territory"})
    assert _metric(at, "Customers") == own_customers
    if change == "removed":
        remove_user(roles_db, temporary_manager, actor="test")
    else:
        set_user(roles_db, temporary_manager, active=False, actor="test")
    at.run()
    assert not at.exception, at.exception
    assert not at.metric and not at.dataframe
    assert [_plain(w.value) for w in at.warning] == [
        f"{temporary_manager} has no access to GeoCRM. Ask an admin to add you."
    ]


def test_a_managers_new_areas_take_effect_at_the_next_run(
    roles_db: Store, temporary_manager: str
) -> None:
    own_customers, _ = _manager_figures(roles_db)
    at = signed_in(temporary_manager, {"level": "territory"})
    assert _metric(at, "Customers") == own_customers
    set_user(roles_db, temporary_manager, areas=[("territory", "DIV3")], actor="test")
    at.run()
    assert not at.exception, at.exception
    assert _metric(at, "Customers") == f"{len(visible_ids(roles_db, 'viewer', 'customer')):,}"
