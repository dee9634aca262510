// Command report turns the JSON files bench/run.sh collects into the
// markdown tables of bench/results.md.
//
//	go run ./bench/report -dir OUT
//
// OUT holds <store>/<scenario>/<bare|scim>-<run>.json (scimload -json of
// one run each) and <store>/cycle-<users>.json (scimload -scenario
// initial-cycle -json).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

func main() {
	dir := flag.String("dir", "", "directory of collected results")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "report: -dir is required")
		os.Exit(2)
	}
	if err := write(os.Stdout, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// summary mirrors scimload's Summary.
type summary struct {
	Scenario  string         `json:"scenario"`
	Requests  int            `json:"requests"`
	Errors    int            `json:"errors"`
	ByStatus  map[string]int `json:"errorsByStatus"`
	ReqPerSec float64        `json:"reqPerSec"`
	P50ms     float64        `json:"p50ms"`
	P90ms     float64        `json:"p90ms"`
	P99ms     float64        `json:"p99ms"`
}

type steadyReport struct {
	Users int       `json:"users"`
	Runs  []summary `json:"runs"`
}

type cycleOutput struct {
	Concurrency int `json:"concurrency"`
	Cycle       struct {
		Users       int       `json:"users"`
		Interrupted bool      `json:"interrupted"`
		Created     int       `json:"created"`
		Groups      int       `json:"groups"`
		Memberships int       `json:"memberships"`
		Requests    int       `json:"requests"`
		Errors      int       `json:"errors"`
		WallSeconds float64   `json:"wallSeconds"`
		ReqPerSec   float64   `json:"reqPerSec"`
		Phases      []summary `json:"phases"`
	} `json:"cycle"`
}

// targets are the ratio targets (scim req/s ÷ bare req/s).
var targets = map[string]float64{"match": 0.7, "get": 0.75, "patch": 0.5, "post": 0.5}

// order is the display order of scenarios.
var order = []string{"match", "get", "list", "patch", "softdelete", "member-add", "post"}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// agg is the medians over the runs of one scenario on one target.
type agg struct {
	runs            int
	rps, p50, p99   float64
	errors, users   int
	byStatus        map[string]int
	requestsInTotal int
}

func load(pattern string) (agg, error) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		return agg{}, err
	}
	var rps, p50, p99 []float64
	a := agg{byStatus: map[string]int{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return agg{}, err
		}
		var r steadyReport
		if err := json.Unmarshal(b, &r); err != nil {
			return agg{}, fmt.Errorf("%s: %w", f, err)
		}
		a.users = r.Users
		for _, s := range r.Runs {
			a.runs++
			rps = append(rps, s.ReqPerSec)
			p50 = append(p50, s.P50ms)
			p99 = append(p99, s.P99ms)
			a.errors += s.Errors
			a.requestsInTotal += s.Requests
			for k, v := range s.ByStatus {
				a.byStatus[k] += v
			}
		}
	}
	a.rps, a.p50, a.p99 = median(rps), median(p50), median(p99)
	return a, nil
}

func errText(a agg) string {
	if a.errors == 0 {
		return "0"
	}
	keys := make([]string, 0, len(a.byStatus))
	for k := range a.byStatus {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, a.byStatus[k])
	}
	return fmt.Sprintf("%d (%s)", a.errors, strings.Join(parts, ", "))
}

func write(w io.Writer, dir string) error {
	stores, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, st := range stores {
		if !st.IsDir() {
			continue
		}
		store := st.Name()
		sdir := filepath.Join(dir, store)
		var rows, libRows []string
		users, hasLib := 0, false
		for _, sc := range order {
			scim, err := load(filepath.Join(sdir, sc, "scim-*.json"))
			if err != nil {
				return err
			}
			bare, err := load(filepath.Join(sdir, sc, "bare-*.json"))
			if err != nil {
				return err
			}
			if scim.runs == 0 {
				continue
			}
			lib, err := load(filepath.Join(sdir, sc, "lib-*.json"))
			if err != nil {
				return err
			}
			users = max(users, scim.users)
			if lib.runs > 0 {
				hasLib = true
				libRatio, libVerdict := "–", ""
				if bare.rps > 0 {
					r := lib.rps / bare.rps
					libRatio = fmt.Sprintf("%.2f", r)
					if t, ok := targets[sc]; ok {
						libVerdict = fmt.Sprintf("≥ %.2f ", t) + mark(r >= t)
					}
				}
				libVerdict += " p99 < 10 ms " + mark(lib.p99 < 10)
				libRows = append(libRows, fmt.Sprintf("| %s | %.0f | %.2f | %.2f | %s | %.0f | %.2f | %.2f | %s | %s |",
					sc, lib.rps, lib.p50, lib.p99, errText(lib), bare.rps, bare.p50, bare.p99, libRatio, libVerdict))
			}
			ratio, verdict := "–", ""
			if bare.rps > 0 {
				r := scim.rps / bare.rps
				ratio = fmt.Sprintf("%.2f", r)
				if t, ok := targets[sc]; ok {
					verdict = fmt.Sprintf("≥ %.2f ", t) + mark(r >= t)
				}
			}
			verdict += " p99 < 10 ms " + mark(scim.p99 < 10)
			rows = append(rows, fmt.Sprintf("| %s | %.0f | %.2f | %.2f | %s | %.0f | %.2f | %.2f | %s | %s |",
				sc, scim.rps, scim.p50, scim.p99, errText(scim), bare.rps, bare.p50, bare.p99, ratio, verdict))
		}
		if hasLib {
			fmt.Fprintf(w, "### Library alone (bench/libserver, store `%s`): steady scenarios (%d seeded users)\n\n", store, users)
			fmt.Fprintln(w, "| scenario | lib req/s | p50 ms | p99 ms | errors | bare req/s | bare p50 | bare p99 | ratio | target |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---:|---:|---:|---|")
			for _, r := range libRows {
				fmt.Fprintln(w, r)
			}
			fmt.Fprintln(w)
		}
		if len(rows) > 0 {
			fmt.Fprintf(w, "### Example server, store `%s`: steady scenarios (%d seeded users)\n\n", store, users)
			fmt.Fprintln(w, "| scenario | scim req/s | p50 ms | p99 ms | errors | bare req/s | bare p50 | bare p99 | ratio | target |")
			fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---:|---:|---:|---|")
			for _, r := range rows {
				fmt.Fprintln(w, r)
			}
			fmt.Fprintln(w)
		}
		cycles, _ := filepath.Glob(filepath.Join(sdir, "cycle-*.json"))
		sort.Slice(cycles, func(i, j int) bool { return cycleN(cycles[i]) < cycleN(cycles[j]) })
		if len(cycles) > 0 {
			fmt.Fprintf(w, "### Store `%s`: Entra initial cycle\n\n", store)
			fmt.Fprintln(w, "| users | groups | memberships | requests | errors | wall time | req/s | user match p50/p99 ms | user create p50/p99 ms | manager p50/p99 ms | members p50/p99 ms |")
			fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---|---|---|---|")
			for _, f := range cycles {
				b, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				var c cycleOutput
				if err := json.Unmarshal(b, &c); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				ph := map[string]summary{}
				for _, p := range c.Cycle.Phases {
					ph[p.Scenario] = p
				}
				pp := func(n string) string { return fmt.Sprintf("%.2f / %.2f", ph[n].P50ms, ph[n].P99ms) }
				wall := fmt.Sprintf("%.1f s", c.Cycle.WallSeconds)
				if c.Cycle.Interrupted {
					wall += fmt.Sprintf(" **stopped by time limit** after %d of %d users created", c.Cycle.Created, c.Cycle.Users)
				}
				fmt.Fprintf(w, "| %d | %d | %d | %d | %d | %s | %.0f | %s | %s | %s | %s |\n",
					c.Cycle.Users, c.Cycle.Groups, c.Cycle.Memberships, c.Cycle.Requests, c.Cycle.Errors,
					wall, c.Cycle.ReqPerSec, pp("user match"), pp("user create"), pp("user manager"), pp("group members"))
			}
			fmt.Fprintln(w)
		}
	}
	return nil
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func cycleN(path string) int {
	n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "cycle-"), ".json"))
	return n
}
