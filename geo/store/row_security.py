"""Row-level security on PostgreSQL: the database enforces a user's scope as a second line.

The app's own line is :mod:`geo.store.scope` (CTEs that shadow the customer tables). This
module sets up the second one, schema version 6: a ``NOLOGIN`` role, :data:`READER_ROLE`,
that may only read, and policies on every table that holds customer data, so that a query
run as that role with the user's email in the setting :data:`USER_SETTING` returns only
that user's rows even if it skips the app's filter:

- customers, sales, orders, scores and assignments: those of the customers assigned
  ``in_area`` to one of the user's areas (at that area's level); every row for an active
  admin, or an active marketer or viewer with all areas;
- areas: the user's areas, their descendants and their ancestors (as :func:`scope_ctes`,
  :data:`~geo.store.scope.ANCESTOR_STEPS` ``parent_id`` steps each way); all of them for
  a user who sees everything;
- roll-ups: none for a restricted user (the cells sum every customer of an area);
- users, their areas and the audit trail: the user's own rows; every row for an admin.

An unknown, inactive or missing user sees nothing (deny by default). The policies read
the users table through ``SECURITY DEFINER`` functions owned by the role that set the
database up (its search path pinned). They bind only :data:`READER_ROLE`: the tables'
owner, which imports and writes as itself, is not subject to them (no ``FORCE``). The
store reads as the reader for a scope that names its user (see
:meth:`geo.store.postgres_store.PostgreSQLStore.snapshot`).

The role is cluster-wide: the setup creates it if missing (tolerating another database's
setup creating it at the same moment) and grants it to the role that connects. A database
user that may not create roles, on a server without the role, sets the database up
without the second line; :func:`row_security_state` says so and why, and the store then
reads with the app's filter only. On the embedded store there are no database roles and
nothing is set up.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.store.protocol import StoreReader, StoreWriter
from geo.store.scope import (
    ANCESTOR_STEPS,
    BATCH_TABLES,
    FIX_TABLES,
    HIDDEN_TABLES,
    SCOPED_TABLES,
    TERRITORY_TABLES,
)

#: The role a signed-in user's reads run as (cluster-wide, ``NOLOGIN``).
READER_ROLE = "geocrm_reader"
#: The transaction-local setting that names the user a read is for (lower-case email).
USER_SETTING = "geocrm.user"
#: The roles that see their listed areas, and those of them that may be given all areas,
#: as :mod:`geo.access.roles` defines them at schema version 6 (an admin sees everything).
KNOWN_ROLES = ("admin", "manager", "marketer", "viewer")
ALL_AREAS_ROLES = ("marketer", "viewer")
#: Tables of customer data, by the column that names the customer.
CUSTOMER_TABLES = tuple(t for t in SCOPED_TABLES if t != "areas")
#: Tables without customer data that a reader reads whole (settings, saved segment
#: definitions, the import and export logs).
PLAIN_TABLES = ("meta", "segments", "import_log", "export_log")
#: Such tables of later schema versions, granted by their own step (:func:`grant_plain_reads`).
LATER_PLAIN_TABLES = TERRITORY_TABLES
#: Tables of people, each by the column that names the user a row is about.
PEOPLE_TABLES = {"users": "email", "user_areas": "email", "audit_log": "actor"}
#: The one policy each protected table has.
POLICY = "geocrm_scope"

_SIGNED_IN = f"lower(btrim(current_setting('{USER_SETTING}', true)))"
_DEFINER = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
_ROLE_LIST = ", ".join(f"'{r}'" for r in KNOWN_ROLES)
_ALL_AREAS_LIST = ", ".join(f"'{r}'" for r in ALL_AREAS_ROLES)


def _role_statements(role: str) -> list[str]:
    # Roles are cluster-wide and test runs set up many databases at once: a creation or
    # grant made meanwhile by another database's setup is not an error. A pre-created
    # role this user may not grant is left as it is (row_security_state says so).
    return [
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
    BEGIN
      CREATE ROLE {role} NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
    BEGIN
      GRANT {role} TO CURRENT_USER;
    EXCEPTION WHEN duplicate_object OR unique_violation OR insufficient_privilege THEN NULL;
    END;
  END IF;
END $$"""
    ]


def _visible_areas_body() -> str:
    """The body of ``geocrm_visible_area_ids``: what :func:`geo.store.scope.scope_ctes`
    lets through of ``areas``, step for step."""
    ctes = [
        "own AS (SELECT a.area_id, a.parent_id FROM areas a JOIN geocrm_granted_areas() g "
        "ON a.level = g.grant_level AND a.area_id = g.grant_area_id)"
    ]
    parts = ["SELECT area_id FROM own"]
    below = "own"
    for step in range(1, ANCESTOR_STEPS + 1):
        ctes.append(
            f"down{step} AS (SELECT area_id FROM areas "
            f"WHERE parent_id IN (SELECT area_id FROM {below}))"
        )
        parts.append(f"SELECT area_id FROM down{step}")
        below = f"down{step}"
    ctes.append("up1 AS (SELECT parent_id AS area_id FROM own)")
    parts.append("SELECT area_id FROM up1")
    for step in range(2, ANCESTOR_STEPS + 1):
        ctes.append(
            f"up{step} AS (SELECT parent_id AS area_id FROM areas "
            f"WHERE area_id IN (SELECT area_id FROM up{step - 1}))"
        )
        parts.append(f"SELECT area_id FROM up{step}")
    everything = "SELECT area_id FROM areas WHERE (SELECT geocrm_sees_everything())"
    return "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL ".join([everything, *parts])


def _function_statements(role: str) -> list[str]:
    functions = {
        "geocrm_sees_everything()": (
            "boolean",
            "SELECT EXISTS (SELECT 1 FROM users u WHERE u.email = "
            f"{_SIGNED_IN} AND u.active AND (u.role = 'admin' OR "
            f"(u.all_areas AND u.role IN ({_ALL_AREAS_LIST}))))",
        ),
        "geocrm_manages_users()": (
            "boolean",
            "SELECT EXISTS (SELECT 1 FROM users u WHERE u.email = "
            f"{_SIGNED_IN} AND u.active AND u.role = 'admin')",
        ),
        "geocrm_granted_areas()": (
            "TABLE (grant_level varchar, grant_area_id varchar)",
            "SELECT ua.level, ua.area_id FROM user_areas ua JOIN users u ON u.email = ua.email "
            f"WHERE u.email = {_SIGNED_IN} AND u.active AND u.role IN ({_ROLE_LIST})",
        ),
        "geocrm_visible_customer_ids()": (
            "SETOF varchar",
            "SELECT c.customer_id FROM customers c WHERE (SELECT geocrm_sees_everything())\n"
            "UNION ALL SELECT a.customer_id FROM assignments a JOIN geocrm_granted_areas() g "
            "ON a.level = g.grant_level AND a.area_id = g.grant_area_id "
            "WHERE a.location_status = 'in_area'",
        ),
        "geocrm_visible_area_ids()": ("SETOF varchar", _visible_areas_body()),
    }
    statements = []
    for name, (returns, body) in functions.items():
        statements += [
            f"CREATE OR REPLACE FUNCTION {name} RETURNS {returns} {_DEFINER} AS $$\n{body}\n$$",
            f"REVOKE ALL ON FUNCTION {name} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {name} TO {role}",
        ]
    return statements


def _policy_statements(role: str) -> list[str]:
    # Each a sub-query evaluated once per statement: the flag as an init plan, the visible
    # IDs as a function scan in FROM (materialised at once; in the select list the
    # function would return its rows one call at a time, several times slower).
    everything = "(SELECT geocrm_sees_everything())"
    admin = "(SELECT geocrm_manages_users())"
    visible = "(SELECT v.id FROM geocrm_visible_{}_ids() AS v(id))"
    conditions = {
        t: f"{everything} OR customer_id IN {visible.format('customer')}" for t in CUSTOMER_TABLES
    }
    conditions["areas"] = f"{everything} OR area_id IN {visible.format('area')}"
    conditions |= {t: everything for t in HIDDEN_TABLES}
    conditions |= {t: f"{admin} OR {column} = {_SIGNED_IN}" for t, column in PEOPLE_TABLES.items()}
    statements = [f"GRANT USAGE ON SCHEMA public TO {role}"]
    statements.append(f"GRANT SELECT ON {', '.join([*PLAIN_TABLES, *conditions])} TO {role}")
    for table, condition in conditions.items():
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {POLICY} ON {table}",
            f"CREATE POLICY {POLICY} ON {table} FOR SELECT TO {role} USING ({condition})",
        ]
    return statements


def setup_statements(role: str = READER_ROLE) -> list[str]:
    """The statements that set up the second line on PostgreSQL (each may run again)."""
    return _role_statements(role) + _function_statements(role) + _policy_statements(role)


def protected_tables() -> tuple[str, ...]:
    """The tables with a policy (each read by the reader only through it), the kept rows
    of import batches (schema step 8) and the fixed locations (step 9) among them."""
    return (*SCOPED_TABLES, *HIDDEN_TABLES, *PEOPLE_TABLES, *BATCH_TABLES, *FIX_TABLES)


def enable_row_security(tx: StoreWriter) -> None:
    """Schema step 6: the reader role, its functions, grants and policies (PostgreSQL
    only). Skipped, without an error, when the role is missing and this database user may
    not create roles: the database then has only the app's line (see
    :func:`row_security_state`)."""
    if not tx.dialect.has_row_security:
        return
    row = tx.query(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AS present, "
        "(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) "
        "AS may_create",
        [READER_ROLE],
    ).iloc[0]
    if not row["present"] and not row["may_create"]:
        return
    for statement in setup_statements(READER_ROLE):
        tx.execute(statement)

    # Tables of later schema versions, when this runs on a database that has them.
    def existing(tables: tuple[str, ...]) -> list[str]:
        return [
            t for t in tables if tx.scalar("SELECT to_regclass(?) IS NOT NULL", [f"public.{t}"])
        ]

    grant_plain_reads(tx, existing(LATER_PLAIN_TABLES))
    hide_from_restricted_readers(tx, existing((*BATCH_TABLES, *FIX_TABLES)))


def grant_plain_reads(tx: StoreWriter, tables: tuple[str, ...] | list[str]) -> None:
    """Let :data:`READER_ROLE` read ``tables`` whole (tables without customer data made
    after schema version 6), where the database has the reader role; else nothing."""
    if not tables or not tx.dialect.has_row_security:
        return
    present = tx.scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)", [READER_ROLE])
    if present:
        tx.execute(f"GRANT SELECT ON {', '.join(tables)} TO {READER_ROLE}")


def hide_from_restricted_readers(tx: StoreWriter, tables: tuple[str, ...] | list[str]) -> None:
    """Let :data:`READER_ROLE` read ``tables`` (made after schema version 6, holding
    customer data that no scope narrows) only as a reader who sees everything, like the
    roll-ups, where the database has the reader role; else nothing."""
    if not tables or not tx.dialect.has_row_security:
        return
    present = tx.scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)", [READER_ROLE])
    if not present:
        return
    tx.execute(f"GRANT SELECT ON {', '.join(tables)} TO {READER_ROLE}")
    for table in tables:
        tx.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        tx.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        tx.execute(
            f"CREATE POLICY {POLICY} ON {table} FOR SELECT TO {READER_ROLE} "
            "USING ((SELECT geocrm_sees_everything()))"
        )


def may_complete_row_security(reader: StoreReader) -> bool:
    """Whether a database set up without the policies (its user could not create the
    reader role then) may get them now: the role exists, or this user may create it."""
    if not reader.dialect.has_row_security:
        return False
    row = reader.query(
        "SELECT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' "
        "AND tablename = 'customers' AND policyname = ?) AS has_policy, "
        "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AS present, "
        "(SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) "
        "AS may_create",
        [POLICY, READER_ROLE],
    ).iloc[0]
    return not row["has_policy"] and bool(row["present"] or row["may_create"])


@dataclass(frozen=True)
class RowSecurityState:
    """Whether a database enforces its users' scopes itself, and why not when it does not."""

    on: bool
    reason: str
    #: The role reads for a user run as (when on).
    role: str = READER_ROLE

    def describe(self) -> str:
        """For ``geocrm status``: "on (...)" or "off (...)"."""
        return f"{'on' if self.on else 'off'} ({self.reason})"


def row_security_state(reader: StoreReader) -> RowSecurityState:
    """Read from the database's catalog (never from a setting a copy could carry over):
    on when the policies are in place and this database user may read as
    :data:`READER_ROLE`."""
    if not reader.dialect.has_row_security:
        return RowSecurityState(
            False, "the embedded store has no database roles: the app's filter is the only line"
        )
    row = reader.query(
        "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AS present, "
        "EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = ? "
        "AND pg_has_role(current_user, r.oid, 'MEMBER')) AS member, "
        "EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' "
        "AND tablename = 'customers' AND policyname = ?) AS has_policy, "
        "COALESCE((SELECT relrowsecurity FROM pg_class "
        "WHERE oid = to_regclass('public.customers')), FALSE) AS enabled",
        [READER_ROLE, READER_ROLE, POLICY],
    ).iloc[0]
    if not row["present"]:
        return RowSecurityState(
            False,
            f"the role {READER_ROLE} does not exist and this database user may not create "
            "roles; the app's filter is the only line",
        )
    if not (row["has_policy"] and row["enabled"]):
        return RowSecurityState(
            False,
            f"this database was set up without the policies of {READER_ROLE}; "
            "the app's filter is the only line",
        )
    if not row["member"]:
        return RowSecurityState(
            False,
            f"this database user is not a member of {READER_ROLE} (GRANT {READER_ROLE} TO "
            "the app's user); the app's filter is the only line",
        )
    return RowSecurityState(
        True, f"a signed-in user's reads run as {READER_ROLE}, limited to their rows", READER_ROLE
    )
