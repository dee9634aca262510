#!/bin/sh
# Creates the two SCIM connections of a product with two endpoints (the
# booking seed: advisors and rooms), each with its own tenant URL, token and
# users, through the JSON admin API, and prints what to paste into the two
# Entra enterprise apps.
#
#   SCIM_ADMIN_PASSWORD=pw go run ./examples/server &
#   SCIM_ADMIN_PASSWORD=pw ./examples/server/seed-two-endpoints.sh
#
# Needs curl and jq. BASE defaults to http://127.0.0.1:8080.
set -eu
BASE=${BASE:-http://127.0.0.1:8080}
: "${SCIM_ADMIN_PASSWORD:?set SCIM_ADMIN_PASSWORD to the admin password}"

create() { # id name seatLimit
	curl -fsS -u "admin:$SCIM_ADMIN_PASSWORD" -H 'Content-Type: application/json' \
		-d "{\"id\":\"$1\",\"name\":\"$2\",\"seatLimit\":$3}" "$BASE/admin/api/connections"
}

for spec in "advisors Advisors 50" "rooms Rooms 0"; do
	set -- $spec
	out=$(create "$1" "$2" "$3")
	echo "== Entra enterprise app \"$2\""
	echo "Tenant URL:   $(echo "$out" | jq -r .connection.tenantUrl)"
	echo "Secret Token: $(echo "$out" | jq -r .token)   (shown once)"
	echo
done
