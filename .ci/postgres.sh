# Sourced by .ci/run: installs PostgreSQL from Debian's packages when it is
# missing and starts a throwaway cluster on 127.0.0.1:54329 for the tests.

stop_postgres() {
	if [ -n "${SCIM_PGDATA:-}" ] && [ -f "$SCIM_PGDATA/postmaster.pid" ]; then
		su postgres -c "$SCIM_PGBIN/pg_ctl -D $SCIM_PGDATA -m immediate stop" >/dev/null 2>&1 || true
	fi
}

start_postgres() {
	if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
		echo "ci: installing postgresql"
		apt-get update -qq >/dev/null
		apt-get install -y -qq postgresql >/dev/null
	fi
	SCIM_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
	SCIM_PGDATA=$(mktemp -d /tmp/scim-pg.XXXXXX)
	chown postgres:postgres "$SCIM_PGDATA"
	su postgres -c "$SCIM_PGBIN/initdb -D $SCIM_PGDATA -A trust -U postgres" >/dev/null
	su postgres -c "$SCIM_PGBIN/pg_ctl -D $SCIM_PGDATA -l $SCIM_PGDATA/log -w start -o '-p 54329 -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200'" >/dev/null
	export SCIM_PGBIN SCIM_PGDATA
	export SCIM_TEST_POSTGRES_DSN="postgres://postgres@127.0.0.1:54329/postgres?sslmode=disable"
	trap stop_postgres EXIT
	echo "ci: PostgreSQL running ($SCIM_PGBIN), SCIM_TEST_POSTGRES_DSN set"
}
