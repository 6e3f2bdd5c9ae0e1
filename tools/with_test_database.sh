#!/usr/bin/env bash
# Run a command (the test suite) with a PostgreSQL/PostGIS server for the team-store tests.
#
# GEOCRM_TEST_DATABASE_URL already set: the command runs against that server. Otherwise a
# throwaway cluster is started on a free loopback port (.ci/pg-up.sh: Debian's packages,
# installed when missing and running as root) and stopped by its postmaster's PID when the
# command ends, however it ends. Where no cluster can be started, the command runs without
# one and the team-store tests are skipped (under CI=true they fail instead).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${GEOCRM_TEST_DATABASE_URL:-}" ]; then
  exec "$@"
fi
can_start() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && return 0
  [ -x /usr/lib/postgresql/15/bin/postgres ] && [ -f /usr/share/postgresql/15/extension/postgis.control ]
}
if ! can_start; then
  echo "with_test_database: no PostgreSQL/PostGIS here; the team-store tests will be skipped" >&2
  exec "$@"
fi
if [ -z "${PGROOT:-}" ]; then
  PGROOT="$(mktemp -d /tmp/geocrm-test-pg.XXXXXX)"
  trap 'bash .ci/pg-down.sh >&2; rm -rf "$PGROOT"' EXIT
else
  trap 'bash .ci/pg-down.sh >&2' EXIT
fi
export PGROOT
bash .ci/pg-up.sh >/dev/null
set -a; . "$PGROOT/env"; set +a
export GEOCRM_TEST_DATABASE_URL="$DATABASE_URL"
"$@"
