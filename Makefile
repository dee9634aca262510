.PHONY: test bench

# The README's test command.
test:
	go vet ./... && go test -race -count=1 ./... && (cd examples/server/e2e && npm ci --no-audit --no-fund && npm test)

# Published performance figures: writes bench/results.md (see bench/run.sh
# for the BENCH_* knobs; a full run takes about 15 minutes).
bench:
	bash bench/run.sh
