// Command scimload drives a SCIM 2.0 service provider with the requests
// Microsoft Entra ID sends and reports throughput and latency.
//
//	SCIM_TOKEN=x scimload -url http://127.0.0.1:8080/scim/v2 -scenario match,get,patch -users 10000 -d 5s -runs 3
//	SCIM_TOKEN=x scimload -url http://127.0.0.1:8080/scim/v2 -scenario initial-cycle -users 100000
//
// Steady scenarios (comma-separated in -scenario) run for -d each on -c
// connections after seeding -users users (or loading them from -state):
//
//	match       GET /Users?filter=userName eq "…" on random seeded users
//	get         GET /Users/{id}
//	post        POST an Entra-shaped user with a unique userName
//	patch       Entra's five-operation PATCH (displayName, name.givenName,
//	            emails[type eq "work"].value, enterprise department, active "True")
//	softdelete  PATCH active "False", then "True" (two requests)
//	list        GET /Users?startIndex=k&count=100
//	member-add  PATCH Add one member to one of the seeded groups
//
// Special scenarios: "seed" only seeds and writes -state; "initial-cycle"
// replays an Entra initial cycle for -users users (match → create, then
// manager PATCHes, then groups: match → create → member PATCHes).
//
// The tool only talks to loopback addresses unless -allow-remote is given.
// Every run is bounded by -d and -n; the whole process by -max-time.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "scimload:", err)
		}
		os.Exit(1)
	}
}

// Report is the -json output of steady scenarios.
type Report struct {
	URL         string    `json:"url"`
	Concurrency int       `json:"concurrency"`
	Duration    string    `json:"duration"`
	Users       int       `json:"users"`
	Runs        []Summary `json:"runs"`
	Medians     []Summary `json:"medians"`
}

// CycleOutput is the -json output of initial-cycle.
type CycleOutput struct {
	URL         string      `json:"url"`
	Concurrency int         `json:"concurrency"`
	Cycle       CycleReport `json:"cycle"`
}

const maxUsers = 1_000_000

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("scimload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rawURL := fs.String("url", "http://127.0.0.1:8080/scim/v2", "SCIM base URL (loopback only unless -allow-remote)")
	token := fs.String("token", "", "bearer token (default $SCIM_TOKEN)")
	conc := fs.Int("c", 32, "concurrent connections")
	dur := fs.Duration("d", 5*time.Second, "duration of each run of a steady scenario")
	maxReqs := fs.Int64("n", 0, "stop a run after this many requests (0: duration only)")
	runs := fs.Int("runs", 1, "runs per steady scenario (medians are reported)")
	scen := fs.String("scenario", "match", "comma-separated scenarios: "+scenarioNames()+", seed, initial-cycle")
	users := fs.Int("users", 1000, "users to seed (steady scenarios) or to provision (initial-cycle)")
	groups := fs.Int("groups", 10, "groups to seed for member-add")
	stateFile := fs.String("state", "", "seed state file: written by -scenario seed, read by other scenarios instead of seeding")
	groupSize := fs.Int("group-size", 100, "initial-cycle: members per group")
	batch := fs.Int("member-batch", 50, "initial-cycle: member ids per group PATCH")
	timeout := fs.Duration("timeout", 30*time.Second, "per-request timeout")
	maxTime := fs.Duration("max-time", 30*time.Minute, "hard limit for the whole process")
	asJSON := fs.Bool("json", false, "write a JSON report to stdout")
	allowRemote := fs.Bool("allow-remote", false, "allow a non-loopback -url")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	base, err := checkLoopback(*rawURL, *allowRemote)
	if err != nil {
		return err
	}
	if *token == "" {
		*token = getenv("SCIM_TOKEN")
	}
	if *token == "" {
		return errors.New("no token: pass -token or set SCIM_TOKEN")
	}
	switch {
	case *conc < 1 || *conc > 1024:
		return fmt.Errorf("-c %d out of range [1,1024]", *conc)
	case *dur <= 0 || *dur > 10*time.Minute:
		return fmt.Errorf("-d %s out of range (0,10m]", *dur)
	case *runs < 1 || *runs > 20:
		return fmt.Errorf("-runs %d out of range [1,20]", *runs)
	case *users < 0 || *users > maxUsers:
		return fmt.Errorf("-users %d out of range [0,%d]", *users, maxUsers)
	case *groups < 0 || *groups > 10000:
		return fmt.Errorf("-groups %d out of range [0,10000]", *groups)
	case *groupSize < 1 || *batch < 1:
		return errors.New("-group-size and -member-batch must be positive")
	case *maxReqs < 0:
		return errors.New("-n must not be negative")
	case *maxTime <= 0:
		return errors.New("-max-time must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, *maxTime)
	defer cancel()

	names := strings.Split(*scen, ",")
	t := newTarget(base, *token, *conc, *timeout, *allowRemote)
	defer t.close()
	runID := newRunID()

	if len(names) == 1 && names[0] == "initial-cycle" {
		rep := initialCycle(ctx, t, cycleOpts{users: *users, groupSize: *groupSize, memberBatch: *batch, conc: *conc, runID: runID})
		if err := ctx.Err(); err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("initial cycle interrupted: %w", err)
			}
			// Hitting -max-time still reports how far the cycle got.
			rep.Interrupted = true
		}
		if *asJSON {
			return writeJSON(stdout, CycleOutput{URL: t.base, Concurrency: *conc, Cycle: rep})
		}
		fmt.Fprint(stdout, rep)
		return nil
	}

	var todo []scenario
	needUsers, needGroups, seedOnly := false, false, false
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "seed" {
			seedOnly = true
			continue
		}
		s, ok := findScenario(n)
		if !ok {
			return fmt.Errorf("unknown scenario %q (known: %s, seed, initial-cycle; initial-cycle runs alone)", n, scenarioNames())
		}
		todo = append(todo, s)
		needUsers = needUsers || s.users
		needGroups = needGroups || s.groups
	}
	if seedOnly && len(todo) > 0 {
		return errors.New("-scenario seed runs alone")
	}

	if (seedOnly || needUsers) && *stateFile == "" && *users == 0 {
		return errors.New("-users must be positive to seed")
	}
	var st *state
	if seedOnly || *stateFile == "" {
		if !seedOnly && !needUsers {
			st = &state{RunID: runID}
		} else {
			ng := 0
			if seedOnly || needGroups {
				ng = *groups
			}
			t0 := time.Now()
			st, err = seed(ctx, t, runID, *users, ng, *conc)
			if err != nil {
				return err
			}
			fmt.Fprintf(stderr, "seeded %d users and %d groups in %.1fs\n", len(st.Users), len(st.Groups), time.Since(t0).Seconds())
		}
		if seedOnly {
			if *stateFile == "" {
				return errors.New("-scenario seed needs -state FILE")
			}
			return saveState(*stateFile, st)
		}
	} else {
		st, err = loadState(*stateFile)
		if err != nil {
			return err
		}
	}
	if needUsers && len(st.Users) == 0 {
		return errors.New("scenario needs seeded users: -users must be positive")
	}
	if needGroups && len(st.Groups) == 0 {
		return errors.New("member-add needs seeded groups: -groups must be positive")
	}

	rep := Report{URL: t.base, Concurrency: *conc, Duration: dur.String(), Users: len(st.Users)}
	for _, s := range todo {
		fn := s.step(st, runID)
		var rs []Summary
		for r := range *runs {
			sum := runSteady(ctx, t, s.name, fn, runOpts{conc: *conc, duration: *dur, maxReqs: *maxReqs, seed: uint64(r + 1)})
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("interrupted: %w", err)
			}
			rs = append(rs, sum)
			if !*asJSON {
				fmt.Fprintf(stdout, "run %d  %s\n", r+1, sum)
			}
		}
		m := medianOf(rs)
		rep.Runs = append(rep.Runs, rs...)
		rep.Medians = append(rep.Medians, m)
		if !*asJSON && *runs > 1 {
			fmt.Fprintf(stdout, "median of %d: %s\n", *runs, m)
		}
	}
	if *asJSON {
		return writeJSON(stdout, rep)
	}
	return nil
}

func (s Summary) String() string {
	out := fmt.Sprintf("%-14s %8d req %9.0f req/s  p50 %7.2fms  p90 %7.2fms  p99 %7.2fms  max %7.2fms  errors %d",
		s.Scenario, s.Requests, s.ReqPerSec, s.P50ms, s.P90ms, s.P99ms, s.MaxMs, s.Errors)
	if len(s.ByStatus) > 0 {
		keys := make([]string, 0, len(s.ByStatus))
		for k := range s.ByStatus {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s×%d", k, s.ByStatus[k])
		}
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	return out
}

func scenarioNames() string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

func newRunID() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func saveState(path string, st *state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return &st, nil
}
