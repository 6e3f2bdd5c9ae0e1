"""Row-level security on PostgreSQL, the second line: a query run as the reader role for a
user, without the app's filter, returns only that user's rows; the store's reads for a
signed-in user pass both lines, and both lines agree.

PostgreSQL only where the behaviour is the server's (these tests fail under CI=true
without a server, as every PostgreSQL test does); the status line on both engines.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg
import pytest

from geo.access.roles import ROLES
from geo.access.users import User, add_user, find_user, remove_user, set_user
from geo.cli import main
from geo.segments.area_kpis import compute_area_kpis, summarise_selection
from geo.segments.filters import Filters
from geo.segments.saved import save_segment
from geo.segments.segment import Segment
from geo.store import row_security
from geo.store.copying import copy_database
from geo.store.duckdb_store import DuckDBStore
from geo.store.locations import with_database
from geo.store.postgres_store import PostgreSQLStore, close_pool
from geo.store.protocol import Store
from geo.store.row_security import READER_ROLE, row_security_state
from geo.store.scope import HIDDEN_TABLES, Scope
from tests.conftest import fill_tiny_business
from tests.stores import TEMPLATE, postgres_database, require_server
from tests.test_scope_of_reads import BUYER, CALLS, STORE_READS, outcome, read_functions

TERRITORY = "DIV5"
MANAGER = "mia.manager@example.com"
MARKETER = "max.marketer@example.com"
VIEWER = "vic.viewer@example.com"
INACTIVE = "ina.inactive@example.com"
ADMIN = "ada.admin@example.com"


# -- a raw query as the reader, without the app's filter -----------------------------------


@contextmanager
def as_reader(url: str, email: str | None) -> Iterator[psycopg.Connection[Any]]:
    """A connection of the test's own (the server's superuser) reading as the reader role
    for ``email`` (None: no user set), in one transaction rolled back afterwards."""
    with psycopg.connect(url) as connection:
        connection.execute(f"SET LOCAL ROLE {row_security.READER_ROLE}")
        if email is not None:
            connection.execute("SELECT set_config('geocrm.user', %s, true)", [email])
        yield connection
        connection.rollback()


def raw_count(url: str, email: str | None, table: str) -> int:
    with as_reader(url, email) as connection:
        row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def raw_sales_sum(url: str, email: str | None) -> float:
    with as_reader(url, email) as connection:
        row = connection.execute("SELECT coalesce(sum(amount), 0) FROM sales").fetchone()
    assert row is not None
    return float(row[0])


# -- the demo on PostgreSQL, with one user per role ----------------------------------------


@pytest.fixture(scope="module")
def pg_demo(demo_file_store: DuckDBStore) -> Iterator[PostgreSQLStore]:
    """The small demo in a PostgreSQL database of this module's own, with a manager of one
    territory, a marketer of all areas, a viewer of the territory, an inactive manager of
    it and an admin."""
    with postgres_database() as url:
        store = PostgreSQLStore.open(url)
        copy_database(demo_file_store, store)
        add_user(store, MANAGER, "manager", areas=[("territory", TERRITORY)], actor="test")
        add_user(store, MARKETER, "marketer", all_areas=True, actor="test")
        add_user(store, VIEWER, "viewer", areas=[("territory", TERRITORY)], actor="test")
        add_user(store, INACTIVE, "manager", areas=[("territory", TERRITORY)], actor="test")
        set_user(store, INACTIVE, active=False, actor="test")
        add_user(store, ADMIN, "admin", actor="test")
        segment = Segment(Filters(level="territory", area_ids=(TERRITORY,)), name="South")
        save_segment(store, segment, "South")
        yield store


@pytest.fixture(scope="module")
def lines(pg_demo: PostgreSQLStore) -> tuple[PostgreSQLStore, PostgreSQLStore]:
    """The demo bound for the manager in two ways: for the user (reads run as the reader
    role: both lines), and to the same areas with no user (the app's filter only). Both
    are bound, since a read may branch on its store's own scope."""
    user = find_user(pg_demo, MANAGER)
    assert user is not None
    return pg_demo.within(user.scope), pg_demo.within(Scope.of_grants(user.areas))


def territory_customer_ids(store: Store, territory: str) -> set[str]:
    """Worked out apart from both lines: the customers assigned in_area to the territory."""
    assignments = store.table_rows("assignments")
    inside = assignments[
        (assignments["level"] == "territory")
        & (assignments["area_id"] == territory)
        & (assignments["location_status"] == "in_area")
    ]
    return set(inside["customer_id"])


def territory_area_ids(store: Store, territory: str) -> set[str]:
    """The territory, every area below it and every area above it, by parent links."""
    areas = store.table_rows("areas")
    parent = dict(zip(areas["area_id"], areas["parent_id"], strict=True))
    seen = {territory}
    while True:
        below = {a for a, p in parent.items() if p in seen} - seen
        if not below:
            break
        seen |= below
    up = parent.get(territory)
    while isinstance(up, str) and up in parent:
        seen.add(up)
        up = parent[up]
    return seen


def test_a_query_without_the_apps_filter_returns_only_the_managers_rows(
    pg_demo: PostgreSQLStore,
) -> None:
    url = pg_demo.location
    ids = territory_customer_ids(pg_demo, TERRITORY)
    everyone = pg_demo.table_counts()["customers"]
    assert 0 < len(ids) < everyone

    assert raw_count(url, MANAGER, "customers") == len(ids)
    assert raw_count(url, MANAGER.upper(), "customers") == len(ids)  # emails in any case
    sales = pg_demo.table_rows("sales")
    mine = sales[sales["customer_id"].isin(ids)]
    assert raw_count(url, MANAGER, "sales") == len(mine)
    assert raw_sales_sum(url, MANAGER) == pytest.approx(float(mine["amount"].sum()), abs=1e-6)
    for table in ("orders", "customer_scores", "assignments"):
        rows = pg_demo.table_rows(table)
        assert raw_count(url, MANAGER, table) == int(rows["customer_id"].isin(ids).sum()), table
    with as_reader(url, MANAGER) as connection:
        areas = {r[0] for r in connection.execute("SELECT area_id FROM areas").fetchall()}
        seen_ids = {r[0] for r in connection.execute("SELECT customer_id FROM customers")}
    assert areas == territory_area_ids(pg_demo, TERRITORY)
    assert seen_ids == ids
    for table in HIDDEN_TABLES:
        assert raw_count(url, MANAGER, table) == 0, table
    # A viewer of the same territory sees the same customers.
    assert raw_count(url, VIEWER, "customers") == len(ids)


def test_a_marketer_of_all_areas_and_an_admin_see_every_row(pg_demo: PostgreSQLStore) -> None:
    url = pg_demo.location
    counts = pg_demo.table_counts()
    for email in (MARKETER, ADMIN):
        for table in ("customers", "sales", "orders", "assignments", "areas"):
            assert raw_count(url, email, table) == counts[table], (email, table)
        assert raw_count(url, email, "rollup_people") == pg_demo.scalar(
            "SELECT count(*) FROM rollup_people"
        )
        assert raw_sales_sum(url, email) == pytest.approx(
            float(pg_demo.scalar("SELECT sum(amount) FROM sales")), abs=1e-6
        )


@pytest.mark.parametrize("email", ["nobody@example.com", INACTIVE, "", None])
def test_an_unknown_or_inactive_user_or_none_at_all_sees_nothing(
    pg_demo: PostgreSQLStore, email: str | None
) -> None:
    for table in ("customers", "sales", "orders", "customer_scores", "assignments", "areas"):
        assert raw_count(pg_demo.location, email, table) == 0, table
    for table in HIDDEN_TABLES:
        assert raw_count(pg_demo.location, email, table) == 0, table


def test_users_and_the_audit_trail_show_a_user_their_own_rows_and_an_admin_all(
    pg_demo: PostgreSQLStore,
) -> None:
    url = pg_demo.location
    users = int(pg_demo.scalar("SELECT count(*) FROM users"))
    audit = int(pg_demo.scalar("SELECT count(*) FROM audit_log"))
    assert users == 5 and audit > 0
    assert raw_count(url, ADMIN, "users") == users
    assert raw_count(url, ADMIN, "audit_log") == audit
    assert raw_count(url, MANAGER, "users") == 1
    assert raw_count(url, MANAGER, "user_areas") == 1
    assert raw_count(url, MANAGER, "audit_log") == 0  # the test's actor made every entry
    assert raw_count(url, None, "users") == 0


def test_both_lines_give_the_same_figures_as_the_apps_filter_alone(
    pg_demo: PostgreSQLStore, demo_file_store: DuckDBStore
) -> None:
    user = find_user(pg_demo, MANAGER)
    assert user is not None
    both_lines = pg_demo.within(user.scope)
    app_filter_only = pg_demo.within(Scope.of_grants(user.areas))  # no user: no role set
    embedded = demo_file_store.within(user.scope)
    assert both_lines.scope.user == MANAGER and app_filter_only.scope.user is None
    with both_lines.snapshot() as reader:
        assert reader.scalar("SELECT current_user") == READER_ROLE
    with app_filter_only.snapshot() as reader:
        assert reader.scalar("SELECT current_user") != READER_ROLE

    for filters in (Filters(level="state"), Filters(level="county", kind="customer")):
        kpis = compute_area_kpis(both_lines, filters)
        assert len(kpis) > 0
        pd.testing.assert_frame_equal(kpis, compute_area_kpis(app_filter_only, filters))
        pd.testing.assert_frame_equal(kpis, compute_area_kpis(embedded, filters))
        headline = summarise_selection(both_lines, filters)
        assert headline == summarise_selection(app_filter_only, filters)
        assert headline == summarise_selection(embedded, filters)
    ids = territory_customer_ids(pg_demo, TERRITORY)
    assert summarise_selection(both_lines, Filters(level="territory"))["rows"] == len(ids)


@pytest.mark.parametrize("qualified", sorted(CALLS))
def test_every_read_for_the_manager_is_the_same_through_both_lines(
    qualified: str, pg_demo: PostgreSQLStore, lines: tuple[PostgreSQLStore, PostgreSQLStore]
) -> None:
    function = dict(read_functions())[qualified]
    arguments, keywords, _ = CALLS[qualified]
    buyer = pg_demo.scalar(
        "SELECT min(o.customer_id) FROM orders o JOIN assignments a ON a.customer_id = "
        "o.customer_id AND a.level = 'territory' AND a.area_id = ? "
        "AND a.location_status = 'in_area'",
        [TERRITORY],
    )
    args = tuple(buyer if a is BUYER else a for a in arguments)
    both_lines = outcome(lambda: function(lines[0], *args, **keywords))
    app_filter_only = outcome(lambda: function(lines[1], *args, **keywords))
    assert to_micros(both_lines) == to_micros(app_filter_only)


def to_micros(text: str) -> str:
    """``text`` with every decimal number written to six decimals: a sum of floats (money
    summed from the rows) ends in other digits when the plan reads rows in another order
    (79891.79999999999 against 79891.8), the same to the millionth."""
    return re.sub(r"-?\d+\.\d+(?:e-?\d+)?", lambda m: f"{float(m.group()):.6f}", text)


@pytest.mark.parametrize("method", sorted(STORE_READS))
def test_the_stores_own_reads_for_the_manager_are_the_same_through_both_lines(
    method: str, lines: tuple[PostgreSQLStore, PostgreSQLStore]
) -> None:
    args, _ = STORE_READS[method]
    both_lines = outcome(lambda: getattr(lines[0], method)(*args))
    app_filter_only = outcome(lambda: getattr(lines[1], method)(*args))
    # Rows in any order where the read does not order them (customer_ids).
    assert sorted(both_lines.splitlines()) == sorted(app_filter_only.splitlines())


# -- one user's change, and the pool -----------------------------------------------------


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_removed_user_reads_nothing_at_once_even_through_a_stale_scope(
    tiny_store: PostgreSQLStore,
) -> None:
    user = add_user(tiny_store, "ana@example.com", "manager", areas=[("county", "A")], actor="t")
    bound = tiny_store.within(user.scope)
    assert raw_count(tiny_store.location, user.email, "customers") == 2  # c1 and c3
    assert sorted(bound.customer_ids()) == ["c1", "c3"]

    remove_user(tiny_store, user.email, actor="t")
    assert raw_count(tiny_store.location, user.email, "customers") == 0
    # A page still holding the scope it was given (the app's filter would pass c1 and c3):
    # the database's line denies it from the next read on.
    assert list(bound.customer_ids()) == []
    assert bound.scalar("SELECT count(*) FROM sales") == 0


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_pooled_connection_goes_back_as_the_apps_role_with_no_user_set(
    tiny_store: PostgreSQLStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOCRM_DB_POOL_SIZE", "1")  # every read on the same connection
    close_pool(tiny_store.location)
    ana = add_user(tiny_store, "ana@example.com", "manager", areas=[("county", "A")], actor="t")
    bea = add_user(tiny_store, "bea@example.com", "manager", areas=[("county", "B")], actor="t")

    def who() -> tuple[str, str | None, int]:
        with tiny_store.connect() as cursor:
            cursor.execute(
                "SELECT current_user, current_setting('geocrm.user', true), pg_backend_pid()"
            )
            row = cursor.fetchone()
        assert row is not None
        return str(row[0]), row[1], int(row[2])

    app_role, setting, backend = who()
    assert app_role != READER_ROLE and not setting
    assert sorted(tiny_store.within(ana.scope).customer_ids()) == ["c1", "c3"]
    after = who()
    assert after[0] == app_role and not after[1] and after[2] == backend
    # The next user's read on that same connection sees only theirs.
    assert sorted(tiny_store.within(bea.scope).customer_ids()) == ["c2", "p1", "p2"]
    # A read that fails midway leaves nothing behind either.
    with pytest.raises(psycopg.Error):
        tiny_store.within(ana.scope).query("SELECT no_such_column FROM customers")
    after = who()
    assert after[0] == app_role and not after[1] and after[2] == backend
    # Unbound reads (imports, the command line as admin) see everything, as before.
    assert len(tiny_store.customer_ids()) == 7


# -- what is protected --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_every_table_of_customer_data_has_its_policy_and_the_reader_can_read_every_table(
    new_store: PostgreSQLStore,
) -> None:
    tables = new_store.query(
        "SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced, "
        "has_table_privilege(?, c.oid, 'SELECT') AS readable, "
        "EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid "
        "AND a.attname = 'customer_id') AS has_customers, "
        "EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname "
        "AND p.schemaname = 'public' AND ? = ANY(p.roles)) AS policy "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'spatial_ref_sys'",
        [READER_ROLE, READER_ROLE],
    ).set_index("name")
    assert set(tables.index) >= {"customers", "sales", "users", "audit_log", *HIDDEN_TABLES}
    assert tables["readable"].all(), tables[~tables["readable"]]
    protected = set(row_security.protected_tables())
    assert set(tables.index[tables["has_customers"]]) <= protected
    assert set(tables.index[tables["rls"] & tables["policy"]]) == protected
    assert not tables["forced"].any()  # the owner (imports, writes) is not bound by them
    # The policy functions are not everyone's to call.
    callable_by_public = new_store.scalar(
        "SELECT count(*) FROM pg_proc p WHERE p.proname LIKE 'geocrm%' AND p.prosecdef "
        "AND has_function_privilege('public', p.oid, 'EXECUTE')"
    )
    assert callable_by_public == 0


def test_the_roles_the_policies_name_are_the_apps_roles() -> None:
    assert set(row_security.KNOWN_ROLES) == set(ROLES)
    assert set(row_security.ALL_AREAS_ROLES) == {
        name for name, role in ROLES.items() if role.may_see_all_areas and name != "admin"
    }


def test_a_users_scope_names_them_and_narrowing_keeps_the_name() -> None:
    manager = User("mia@example.com", "manager", False, (("territory", "DIV5"),), True)
    admin = User("ada@example.com", "admin", False, (), True)
    gone = User("gus@example.com", "manager", False, (("territory", "DIV5"),), False)
    assert manager.scope.user == "mia@example.com" and manager.scope.restricted
    assert admin.scope.user == "ada@example.com" and admin.scope.sees_everything
    assert gone.scope.user == "gus@example.com" and gone.scope.grants == ()
    narrowed = Scope.everything().narrowed_by(manager.scope)
    assert narrowed == manager.scope
    assert manager.scope.narrowed_by(Scope.of_grants([("state", "06")])).user == manager.email
    # The same rows, whoever they are for: equal, hashed alike.
    assert admin.scope == Scope.everything() and hash(admin.scope) == hash(Scope.everything())
    assert gone.scope == Scope.nothing() and manager.scope != Scope.nothing()


# -- the status line, and a database user that may not create roles ------------------------


def test_status_says_whether_the_database_enforces_the_scopes_itself(
    tiny_store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", tiny_store.location, "status", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    on = isinstance(tiny_store, PostgreSQLStore)
    assert out["row_security"]["on"] is on
    assert main(["--db", tiny_store.location, "status"]) == 0
    text = capsys.readouterr().out
    assert f"row-level security: {'on' if on else 'off'} (" in text
    if not on:
        assert "embedded store" in text


@contextmanager
def database_of_a_plain_user() -> Iterator[tuple[str, str]]:
    """A new database owned by a login role of its own that may not create roles (as on a
    managed server); its URL and the role's name. Both dropped afterwards."""
    server = require_server()
    name = f"geocrm_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {name} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB")
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} OWNER {name}")
    parts = urlsplit(with_database(server, name))
    host = parts.hostname or "127.0.0.1"
    netloc = f"{name}@{host}" + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    try:
        yield url, name
    finally:
        close_pool(url)
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"DROP ROLE IF EXISTS {name}")


@pytest.mark.parametrize("pre_created", [False, True], ids=["no-role", "role-not-granted"])
def test_without_the_right_to_create_roles_the_database_is_set_up_without_the_second_line(
    pre_created: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reader role of this test's own, so that the server's shared one is not involved.
    reader = f"geocrm_test_reader_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(row_security, "READER_ROLE", reader)
    server = require_server()
    with database_of_a_plain_user() as (url, _owner):
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
            if pre_created:
                admin.execute(f"CREATE ROLE {reader} NOLOGIN")
        try:
            store = PostgreSQLStore.open(url)  # every step runs, none fails
            fill_tiny_business(store)
            with store.snapshot() as snapshot:
                state = row_security_state(snapshot)
            assert not state.on
            expected = "is not a member" if pre_created else "may not create roles"
            assert expected in state.reason and reader in state.reason
            # The store reads with the app's filter alone, and still only the user's rows.
            user = add_user(store, "ana@example.com", "manager", areas=[("county", "A")], actor="t")
            bound = store.within(user.scope)
            assert sorted(bound.customer_ids()) == ["c1", "c3"]
            with bound.snapshot() as snapshot:
                assert snapshot.scalar("SELECT current_user") != reader
            # An administrator makes the role (and grants it) later: the next start of
            # the app on the database sets up the second line.
            with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
                if not pre_created:
                    admin.execute(f"CREATE ROLE {reader} NOLOGIN")
                admin.execute(f"GRANT {reader} TO {_owner}")
            close_pool(url)
            store = PostgreSQLStore.open(url)
            with store.snapshot() as snapshot:
                assert row_security_state(snapshot).on
            assert raw_count(store.location, user.email, "customers") == 2
        finally:
            close_pool(url)
            with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {urlsplit(url).path[1:]} WITH (FORCE)")
                admin.execute(f"DROP ROLE IF EXISTS {reader}")


def test_two_databases_set_up_at_once_both_create_or_find_the_role(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Roles are the server's, not a database's: the first two setups of a server race to
    # create the reader. A role of this test's own makes that race happen here.
    reader = f"geocrm_test_reader_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(row_security, "READER_ROLE", reader)
    server = require_server()
    try:
        with postgres_database() as first, postgres_database() as second:
            with ThreadPoolExecutor(max_workers=2) as pool:
                opened = list(pool.map(PostgreSQLStore.open, [first, second]))
            for store in opened:
                with store.snapshot() as snapshot:
                    assert row_security_state(snapshot).on
                fill_tiny_business(store)
                user = add_user(
                    store, "ana@example.com", "manager", areas=[("county", "B")], actor="t"
                )
                assert raw_count(store.location, user.email, "customers") == 3
                with store.within(user.scope).snapshot() as snapshot:
                    assert snapshot.scalar("SELECT current_user") == reader
                    assert snapshot.scalar("SELECT count(*) FROM customers") == 3
    finally:
        with psycopg.connect(with_database(server, "postgres"), autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {reader}")
