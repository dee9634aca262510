package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// seededUser is a user the tool created and can address.
type seededUser struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

// state is what seeding produced; it can be saved and reused so several
// runs (and several servers) share one seed.
type state struct {
	RunID  string       `json:"runID"`
	Users  []seededUser `json:"users"`
	Groups []string     `json:"groups"`
}

// worker is one load-generating goroutine.
type worker struct {
	id  int
	rng *rand.Rand
	rec *recorder
	seq int
}

// step is one iteration of a scenario; it issues one or more requests
// through call, which records them.
type step func(ctx context.Context, w *worker, call caller)

// caller sends and records one request.
type caller func(method, path string, body []byte)

// scenario is a named steady-state workload.
type scenario struct {
	name   string
	users  bool // needs seeded users
	groups bool // needs seeded groups
	step   func(st *state, runID string) step
}

// namePlaceholder marks where a per-request value goes in a body template.
const namePlaceholder = "@@NAME@@"

func randomUser(st *state, w *worker) seededUser { return st.Users[w.rng.IntN(len(st.Users))] }

var scenarios = []scenario{
	{name: "match", users: true, step: func(st *state, _ string) step {
		paths := make([]string, len(st.Users))
		for i, u := range st.Users {
			paths[i] = matchUserPath(u.UserName)
		}
		return func(_ context.Context, w *worker, call caller) {
			call(http.MethodGet, paths[w.rng.IntN(len(paths))], nil)
		}
	}},
	{name: "get", users: true, step: func(st *state, _ string) step {
		return func(_ context.Context, w *worker, call caller) {
			call(http.MethodGet, "/Users/"+randomUser(st, w).ID, nil)
		}
	}},
	{name: "post", step: func(_ *state, runID string) step {
		// A template keeps the tool's own CPU use per request low.
		tmpl := userBody(namePlaceholder, 7)
		return func(_ context.Context, w *worker, call caller) {
			w.seq++
			name := fmt.Sprintf("post-%s-%d-%d@example.test", runID, w.id, w.seq)
			call(http.MethodPost, "/Users", bytes.ReplaceAll(tmpl, []byte(namePlaceholder), []byte(name)))
		}
	}},
	{name: "patch", users: true, step: func(st *state, _ string) step {
		bodies := make([][]byte, 64)
		for i := range bodies {
			bodies[i] = entraPatchBody(i)
		}
		return func(_ context.Context, w *worker, call caller) {
			i := w.rng.IntN(len(st.Users))
			call(http.MethodPatch, "/Users/"+st.Users[i].ID, bodies[i%len(bodies)])
		}
	}},
	{name: "softdelete", users: true, step: func(st *state, _ string) step {
		off, on := activeBody(false), activeBody(true)
		return func(_ context.Context, w *worker, call caller) {
			p := "/Users/" + randomUser(st, w).ID
			call(http.MethodPatch, p, off)
			call(http.MethodPatch, p, on)
		}
	}},
	{name: "list", users: true, step: func(st *state, _ string) step {
		return func(_ context.Context, w *worker, call caller) {
			last := max(1, len(st.Users)-99)
			call(http.MethodGet, listPath(1+w.rng.IntN(last), 100), nil)
		}
	}},
	{name: "member-add", users: true, groups: true, step: func(st *state, _ string) step {
		tmpl := memberAddBody([]string{namePlaceholder})
		return func(_ context.Context, w *worker, call caller) {
			g := st.Groups[w.rng.IntN(len(st.Groups))]
			call(http.MethodPatch, "/Groups/"+g, bytes.ReplaceAll(tmpl, []byte(namePlaceholder), []byte(randomUser(st, w).ID)))
		}
	}},
}

func findScenario(name string) (scenario, bool) {
	for _, s := range scenarios {
		if s.name == name {
			return s, true
		}
	}
	return scenario{}, false
}

// runOpts bounds one timed run.
type runOpts struct {
	conc     int
	duration time.Duration
	maxReqs  int64 // 0: bounded by duration only
	seed     uint64
}

// runSteady runs fn on conc workers until the duration is over or maxReqs
// requests were started. In-flight requests finish (bounded by the client
// timeout) and count.
func runSteady(ctx context.Context, t *target, name string, fn step, o runOpts) Summary {
	var started atomic.Int64
	stopAt := time.Now().Add(o.duration)
	stopped := func() bool {
		return ctx.Err() != nil || !time.Now().Before(stopAt) ||
			(o.maxReqs > 0 && started.Load() >= o.maxReqs)
	}
	recs := make([]*recorder, o.conc)
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range o.conc {
		w := &worker{id: i, rng: rand.New(rand.NewPCG(o.seed, uint64(i))), rec: newRecorder()}
		recs[i] = w.rec
		wg.Add(1)
		go func() {
			defer wg.Done()
			call := func(method, path string, body []byte) {
				if o.maxReqs > 0 && started.Add(1) > o.maxReqs {
					return
				}
				t0 := time.Now()
				status, err := t.do(context.WithoutCancel(ctx), method, path, body, nil)
				w.rec.record(time.Since(t0), status, err)
			}
			for !stopped() {
				fn(ctx, w, call)
			}
		}()
	}
	wg.Wait()
	return summarize(name, time.Since(begin), recs...)
}

// parallel runs fn(i) for i in [0,n) on conc goroutines and returns the
// first error.
func parallel(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(conc, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := fn(ctx, i); err != nil {
					cancel(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return context.Cause(ctx)
}

// seed creates users and groups through the API and remembers their ids.
func seed(ctx context.Context, t *target, runID string, users, groups, conc int) (*state, error) {
	st := &state{RunID: runID, Users: make([]seededUser, users), Groups: make([]string, groups)}
	err := parallel(ctx, users, conc, func(ctx context.Context, i int) error {
		name := "seed-" + runID + "-" + strconv.Itoa(i) + "@example.test"
		var r resource
		status, err := t.do(ctx, http.MethodPost, "/Users", userBody(name, i), &r)
		if err := must2xx(http.MethodPost, "/Users", status, err); err != nil {
			return err
		}
		if r.ID == "" {
			return fmt.Errorf("POST /Users: %w", errNoID)
		}
		st.Users[i] = seededUser{ID: r.ID, UserName: name}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding users: %w", err)
	}
	err = parallel(ctx, groups, conc, func(ctx context.Context, i int) error {
		name := "seed-" + runID + "-group-" + strconv.Itoa(i)
		var r resource
		status, err := t.do(ctx, http.MethodPost, "/Groups", groupBody(name, "ext-"+name), &r)
		if err := must2xx(http.MethodPost, "/Groups", status, err); err != nil {
			return err
		}
		if r.ID == "" {
			return fmt.Errorf("POST /Groups: %w", errNoID)
		}
		st.Groups[i] = r.ID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seeding groups: %w", err)
	}
	return st, nil
}
