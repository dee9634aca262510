#!/usr/bin/env bash
# bench/run.sh — published performance figures for scimkit (make bench).
#
# Builds cmd/scimload, cmd/scimbare and examples/server, then per store:
# seeds users, runs every steady scenario BENCH_RUNS times against the bare
# net/http baseline and the example server (interleaved, same session),
# replays Entra initial cycles on a fresh server, and finally runs the Go
# benchmarks. Writes bench/results.md. Everything listens on 127.0.0.1 only.
#
# Knobs (environment):
#   BENCH_USERS=100000        users seeded for the steady scenarios (memory store)
#   BENCH_DB_USERS=10000      users seeded for sqlite/postgres (seeding goes through the API)
#   BENCH_DURATION=5s         length of one run
#   BENCH_RUNS=3              runs per scenario and target (medians reported)
#   BENCH_CONC=32             connections
#   BENCH_SCENARIOS="match get list patch softdelete member-add post"
#   BENCH_STORES="memory sqlite postgres"
#   BENCH_CYCLE_USERS="10000 100000"   initial-cycle sizes ("" to skip)
#   BENCH_CYCLE_STORES="memory sqlite"
#   BENCH_CYCLE_MAXTIME=10m   a cycle still running then is stopped and reported as such
#   BENCH_POSTGRES_DSN=...    needed for the postgres store (skipped without)
#   BENCH_GOBENCH=1           run the Go benchmarks (0 to skip)
#   BENCH_BENCHTIME=2000x     -benchtime for the Go benchmarks
#   BENCH_OUT=bench/results.md
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${BENCH_USERS:-100000}
DB_USERS=${BENCH_DB_USERS:-10000}
DURATION=${BENCH_DURATION:-5s}
RUNS=${BENCH_RUNS:-3}
CONC=${BENCH_CONC:-32}
SCENARIOS=${BENCH_SCENARIOS:-"match get list patch softdelete member-add post"}
STORES=${BENCH_STORES:-"memory sqlite postgres"}
CYCLE_USERS=${BENCH_CYCLE_USERS-"10000 100000"}
CYCLE_STORES=${BENCH_CYCLE_STORES:-"memory sqlite"}
CYCLE_MAXTIME=${BENCH_CYCLE_MAXTIME:-10m}
GOBENCH=${BENCH_GOBENCH:-1}
BENCHTIME=${BENCH_BENCHTIME:-2000x}
OUT=${BENCH_OUT:-bench/results.md}
TOKEN=bench-$RANDOM-$RANDOM
export SCIM_TOKEN=$TOKEN

WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

free_port() { # a free loopback port, picked by the kernel
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_up() { # wait_up URL PID: until URL answers (any status) or PID dies
	for _ in $(seq 1 200); do
		kill -0 "$2" 2>/dev/null || return 1
		curl -s -o /dev/null -m 1 -H "Authorization: Bearer $TOKEN" "$1/ServiceProviderConfig" && return 0
		sleep 0.1
	done
	return 1
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "building"
go build -o "$WORK/scimload" ./cmd/scimload
go build -o "$WORK/scimbare" ./cmd/scimbare
go build -o "$WORK/server" ./examples/server
go build -o "$WORK/libserver" ./bench/libserver
LOAD="$WORK/scimload"
RES="$WORK/results"
mkdir -p "$RES"

BARE_PORT=$(free_port)
"$WORK/scimbare" -addr "127.0.0.1:$BARE_PORT" >"$WORK/bare.log" 2>&1 &
BARE_PID=$!
PIDS+=("$BARE_PID")
BARE_URL="http://127.0.0.1:$BARE_PORT/scim/v2"
wait_up "$BARE_URL" "$BARE_PID" || { log "scimbare did not start"; cat "$WORK/bare.log" >&2; exit 1; }

SKIPPED=()
SERVER_PID=
SERVER_URL=
start_server() { # start_server STORE TAG: sets SERVER_PID/SERVER_URL; returns 1 if the store is unavailable
	local store=$1 tag=$2 extra=() port
	case $store in
	sqlite) extra=(-data "$WORK/data-$tag") ;;
	postgres)
		if [ -z "${BENCH_POSTGRES_DSN:-}" ]; then
			SKIPPED+=("postgres: BENCH_POSTGRES_DSN not set"); return 1
		fi
		extra=(-postgres-dsn "$BENCH_POSTGRES_DSN") ;;
	esac
	port=$(free_port)
	"$WORK/server" -addr "127.0.0.1:$port" -store "$store" "${extra[@]}" >"$WORK/server-$tag.log" 2>&1 &
	SERVER_PID=$!
	SERVER_URL="http://127.0.0.1:$port/scim/v2"
	if ! wait_up "$SERVER_URL" "$SERVER_PID"; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SKIPPED+=("$store: server did not start: $(head -c 300 "$WORK/server-$tag.log" | tr '\n' ' ')")
		log "skipping store $store: $(head -3 "$WORK/server-$tag.log")"
		return 1
	fi
}
stop_server() {
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
}

for store in $STORES; do
	start_server "$store" "$store" || continue
	n=$USERS
	[ "$store" = memory ] || n=$DB_USERS
	log "store $store: seeding $n users"
	"$LOAD" -url "$SERVER_URL" -c "$CONC" -scenario seed -users "$n" -groups 10 -state "$WORK/state-$store.json" -max-time 20m
	targets="bare scim"
	if [ "$store" = memory ]; then
		# The library alone (bench/libserver: memstore + entra.Compat, no
		# example-app hooks), seeded the same way.
		LIB_PORT=$(free_port)
		"$WORK/libserver" -addr "127.0.0.1:$LIB_PORT" >"$WORK/lib.log" 2>&1 &
		LIB_PID=$!
		PIDS+=("$LIB_PID")
		LIB_URL="http://127.0.0.1:$LIB_PORT/scim/v2"
		wait_up "$LIB_URL" "$LIB_PID" || { log "libserver did not start"; cat "$WORK/lib.log" >&2; exit 1; }
		"$LOAD" -url "$LIB_URL" -c "$CONC" -scenario seed -users "$n" -groups 10 -state "$WORK/state-lib.json" -max-time 20m
		targets="bare lib scim"
	fi
	for run in $(seq 1 "$RUNS"); do
		for sc in $SCENARIOS; do
			mkdir -p "$RES/$store/$sc"
			for tgt in $targets; do
				url=$SERVER_URL state=$WORK/state-$store.json
				[ "$tgt" = bare ] && url=$BARE_URL
				[ "$tgt" = lib ] && url=$LIB_URL state=$WORK/state-lib.json
				"$LOAD" -url "$url" -c "$CONC" -d "$DURATION" -scenario "$sc" -state "$state" -json \
					>"$RES/$store/$sc/$tgt-$run.json"
				log "store $store run $run $sc $tgt: $(jq -r '.runs[0] | "\(.reqPerSec|floor) req/s p50 \(.p50ms) p99 \(.p99ms) errors \(.errors)"' "$RES/$store/$sc/$tgt-$run.json")"
			done
		done
	done
	stop_server
	if [ "$store" = memory ]; then kill "$LIB_PID" 2>/dev/null || true; fi
done

for store in $CYCLE_STORES; do
	for n in $CYCLE_USERS; do
		start_server "$store" "cycle-$store-$n" || continue
		log "store $store: initial cycle for $n users"
		mkdir -p "$RES/$store"
		"$LOAD" -url "$SERVER_URL" -c "$CONC" -scenario initial-cycle -users "$n" -json -max-time "$CYCLE_MAXTIME" >"$RES/$store/cycle-$n.json"
		log "store $store cycle $n: $(jq -r '.cycle | "\(.wallSeconds) s, \(.reqPerSec|floor) req/s, errors \(.errors), created \(.created)/\(.users)\(if .interrupted then " INTERRUPTED" else "" end)"' "$RES/$store/cycle-$n.json")"
		stop_server
	done
done

GOBENCH_OUT="$WORK/gobench.txt"
: >"$GOBENCH_OUT"
if [ "$GOBENCH" = 1 ]; then
	pkgs=(.)
	for p in memstore sqlite postgres internal/sqlstore; do
		if ls "$p"/*_test.go >/dev/null 2>&1 && grep -qs '^func Benchmark' "$p"/*_test.go; then pkgs+=("./$p"); fi
	done
	log "Go benchmarks: ${pkgs[*]}"
	go test -run '^$' -bench . -benchmem -benchtime "$BENCHTIME" "${pkgs[@]}" >"$GOBENCH_OUT" 2>&1 || log "go test -bench failed (see results)"
fi

{
	echo "# scimkit performance figures"
	echo
	echo "Generated by \`make bench\` (bench/run.sh) on $(date -u +'%Y-%m-%d %H:%M UTC') at commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo
	echo "## Machine"
	echo
	echo "- CPUs: $(nproc) ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
	echo "- Memory: $(grep MemTotal /proc/meminfo | awk '{printf "%.1f GiB", $2/1048576}')"
	echo "- $(go version)"
	echo "- GOMAXPROCS: default (= CPUs) for every process; nothing pinned."
	echo
	echo "The load tool, the bare net/http server and the example server share these $(nproc) CPUs, so every"
	echo "figure includes the load generator's own cost and both servers compete with it; the ratio"
	echo "scim ÷ bare is the meaningful number, absolute req/s are a lower bound for a dedicated host."
	echo "The machine was shared with other work while these figures were taken (load average $LOAD_BEFORE at"
	echo "the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end); medians of $RUNS runs."
	echo
	echo "## Method"
	echo
	echo "- \`bare\`: cmd/scimbare, net/http answering the same routes with fixed, correctly shaped bodies"
	echo "  (token check by string compare, request body read): the physical limit for this traffic."
	echo "- \`scim\`: examples/server (\`-store <store>\`): scim.New + entra.Compat behind net/http plus the example"
	echo "  application's per-request hooks (sync log, activity/sessions, per-connection token lookup)."
	echo "- \`lib\` (memory only): bench/libserver, the library alone: scim.New(memstore, StaticTokens, entra.Compat)"
	echo "  behind net/http; this is what the issue's ratio targets are about."
	echo "- Load: cmd/scimload, $CONC keep-alive connections, $DURATION per run, $RUNS runs per scenario and"
	echo "  target, bare and scim interleaved; $USERS users (memory) or $DB_USERS (databases) seeded through the API first."
	echo "- Scenarios: match = \`GET /Users?filter=userName eq \"…\"\` on random seeded users; get = \`GET /Users/{id}\`;"
	echo "  list = \`GET /Users?startIndex=k&count=100\`; patch = Entra's 5-operation PATCH; softdelete ="
	echo "  PATCH active \"False\" then \"True\"; member-add = PATCH Add one member on one of 10 groups;"
	echo "  post = Entra-shaped POST /Users with a unique userName (runs last: it grows the store)."
	echo "- Initial cycle: what Entra sends for N users on a fresh server: per user match (0 results) → POST;"
	echo "  then a manager PATCH per user; then per 100 users a group: match (excludedAttributes=members) →"
	echo "  POST → member PATCHes of 50."
	echo "- Targets (issue): memory store, $CONC connections: match at 100k users ≥ 0.7 × bare, get ≥ 0.75,"
	echo "  patch and post ≥ 0.5, p99 < 10 ms everywhere; SQLite initial cycle of 100k users < 2 minutes."
	echo
	echo "## Results"
	echo
	go run ./bench/report -dir "$RES"
	if [ ${#SKIPPED[@]} -gt 0 ]; then
		echo "### Skipped"
		echo
		for s in "${SKIPPED[@]}"; do echo "- $s"; done
		echo
	fi
	if [ -s "$GOBENCH_OUT" ]; then
		echo "## Go benchmarks"
		echo
		echo "\`go test -run '^\$' -bench . -benchmem -benchtime $BENCHTIME\` (BenchmarkEntra/<request>/scim is the real"
		echo "handler with memstore and entra.Compat; …/bare writes the same bytes from a plain HandlerFunc)."
		echo
		echo '```'
		cat "$GOBENCH_OUT"
		echo '```'
	fi
} >"$OUT"
log "wrote $OUT"
