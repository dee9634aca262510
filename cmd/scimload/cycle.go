package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// cycleOpts shapes an initial-cycle replay.
type cycleOpts struct {
	users       int // users in scope
	groupSize   int // members per group; groups = ceil(users/groupSize)
	memberBatch int // member ids per PATCH
	conc        int
	runID       string
}

// CycleReport is the outcome of an initial-cycle replay: one summary per
// request kind, in order, and the totals.
type CycleReport struct {
	Users        int       `json:"users"`
	Interrupted  bool      `json:"interrupted,omitempty"` // -max-time hit: figures cover the part done
	Created      int       `json:"created"`               // users created or adopted in phase 1
	Groups       int       `json:"groups"`
	Memberships  int       `json:"memberships"`
	Matched      int       `json:"matched"`    // user/group matches that found an existing resource
	Duplicates   int       `json:"duplicates"` // matches with more than one result (DuplicateTargetEntries)
	Phases       []Summary `json:"phases"`
	Requests     int       `json:"requests"`
	Errors       int       `json:"errors"`
	WallSeconds  float64   `json:"wallSeconds"`
	ReqPerSec    float64   `json:"reqPerSec"`
	UsersPerSec  float64   `json:"usersPerSec"`
	MinutesPer1k float64   `json:"minutesPer1k"`
}

// phaseRecorders hands each goroutine of a phase its own recorder.
type phaseRecorders struct {
	mu   sync.Mutex
	recs []*recorder
}

func (p *phaseRecorders) get() *recorder {
	r := newRecorder()
	p.mu.Lock()
	p.recs = append(p.recs, r)
	p.mu.Unlock()
	return r
}

// initialCycle replays what Entra sends for an initial cycle over
// o.users users (idp-requests.md §1.3, §1.12):
//
//  1. per user: GET /Users?filter=userName eq "…"; 0 results → POST /Users,
//     1 result → adopt its id and PATCH the differing attribute;
//  2. second pass: PATCH manager (user i reports to user i/10; user 0 has
//     none);
//  3. per group: GET /Groups?excludedAttributes=members&filter=displayName
//     eq "…" → POST /Groups → PATCH Add members in batches.
//
// Every step runs on o.conc goroutines; a failing request is counted and
// the object skipped, as Entra would retry it in a later cycle.
func initialCycle(ctx context.Context, t *target, o cycleOpts) CycleReport {
	rep := CycleReport{Users: o.users}
	ids := make([]string, o.users)
	var mu sync.Mutex // guards rep counters below
	begin := time.Now()

	// Phase 1: match, then create.
	var matchRecs, createRecs phaseRecorders
	t0 := time.Now()
	runPhase(ctx, o.users, o.conc, func(ctx context.Context, i int, st *phaseState) {
		if st.match == nil {
			st.match, st.create = matchRecs.get(), createRecs.get()
		}
		name := "cycle-" + o.runID + "-" + strconv.Itoa(i) + "@example.test"
		path := matchUserPath(name)
		var lr listResponse
		status, err := timed(st.match, func() (int, error) { return t.do(ctx, http.MethodGet, path, nil, &lr) })
		if err != nil || status != http.StatusOK {
			return
		}
		switch {
		case lr.TotalResults == 0:
			var r resource
			status, err = timed(st.create, func() (int, error) {
				return t.do(ctx, http.MethodPost, "/Users", userBody(name, i), &r)
			})
			if err == nil && status == http.StatusCreated {
				ids[i] = r.ID
			}
		case lr.TotalResults == 1 && len(lr.Resources) == 1:
			mu.Lock()
			rep.Matched++
			mu.Unlock()
			ids[i] = lr.Resources[0].ID
			timed(st.create, func() (int, error) {
				return t.do(ctx, http.MethodPatch, "/Users/"+ids[i], displayNameBody("Matched "+strconv.Itoa(i)), nil)
			})
		default:
			mu.Lock()
			rep.Duplicates++
			mu.Unlock()
		}
	})
	for _, id := range ids {
		if id != "" {
			rep.Created++
		}
	}
	rep.Phases = append(rep.Phases,
		summarize("user match", time.Since(t0), matchRecs.recs...),
		summarize("user create", time.Since(t0), createRecs.recs...))

	// Phase 2: manager references.
	var mgrRecs phaseRecorders
	t0 = time.Now()
	runPhase(ctx, o.users, o.conc, func(ctx context.Context, i int, st *phaseState) {
		if st.match == nil {
			st.match = mgrRecs.get()
		}
		if i == 0 || ids[i] == "" || ids[i/10] == "" {
			return
		}
		timed(st.match, func() (int, error) {
			return t.do(ctx, http.MethodPatch, "/Users/"+ids[i], managerBody(ids[i/10]), nil)
		})
	})
	rep.Phases = append(rep.Phases, summarize("user manager", time.Since(t0), mgrRecs.recs...))

	// Phase 3: groups and memberships.
	groups := (o.users + o.groupSize - 1) / o.groupSize
	rep.Groups = groups
	var gMatch, gCreate, gMembers phaseRecorders
	t0 = time.Now()
	runPhase(ctx, groups, o.conc, func(ctx context.Context, g int, st *phaseState) {
		if st.match == nil {
			st.match, st.create, st.members = gMatch.get(), gCreate.get(), gMembers.get()
		}
		name := "cycle-" + o.runID + "-group-" + strconv.Itoa(g)
		var lr listResponse
		status, err := timed(st.match, func() (int, error) {
			return t.do(ctx, http.MethodGet, matchGroupPath(name), nil, &lr)
		})
		if err != nil || status != http.StatusOK {
			return
		}
		var gid string
		switch {
		case lr.TotalResults == 0:
			var r resource
			status, err = timed(st.create, func() (int, error) {
				return t.do(ctx, http.MethodPost, "/Groups", groupBody(name, "ext-"+name), &r)
			})
			if err != nil || status != http.StatusCreated {
				return
			}
			gid = r.ID
		case lr.TotalResults == 1 && len(lr.Resources) == 1:
			mu.Lock()
			rep.Matched++
			mu.Unlock()
			gid = lr.Resources[0].ID
		default:
			mu.Lock()
			rep.Duplicates++
			mu.Unlock()
			return
		}
		lo, hi := g*o.groupSize, min((g+1)*o.groupSize, o.users)
		var batch []string
		flush := func() {
			if len(batch) == 0 {
				return
			}
			body := memberAddBody(batch)
			timed(st.members, func() (int, error) { return t.do(ctx, http.MethodPatch, "/Groups/"+gid, body, nil) })
			mu.Lock()
			rep.Memberships += len(batch)
			mu.Unlock()
			batch = batch[:0]
		}
		for i := lo; i < hi; i++ {
			if ids[i] == "" {
				continue
			}
			batch = append(batch, ids[i])
			if len(batch) == o.memberBatch {
				flush()
			}
		}
		flush()
	})
	el := time.Since(t0)
	rep.Phases = append(rep.Phases,
		summarize("group match", el, gMatch.recs...),
		summarize("group create", el, gCreate.recs...),
		summarize("group members", el, gMembers.recs...))

	wall := time.Since(begin)
	rep.WallSeconds = wall.Seconds()
	for _, p := range rep.Phases {
		rep.Requests += p.Requests
		rep.Errors += p.Errors
	}
	if rep.WallSeconds > 0 {
		rep.ReqPerSec = float64(rep.Requests) / rep.WallSeconds
		rep.UsersPerSec = float64(o.users) / rep.WallSeconds
	}
	if o.users > 0 {
		rep.MinutesPer1k = wall.Minutes() / float64(o.users) * 1000
	}
	return rep
}

// phaseState is the per-goroutine recorders of a phase.
type phaseState struct {
	match, create, members *recorder
}

// runPhase runs fn over [0,n) on conc goroutines, each with its own
// phaseState. It stops early when ctx is cancelled.
func runPhase(ctx context.Context, n, conc int, fn func(ctx context.Context, i int, st *phaseState)) {
	var mu sync.Mutex
	next := 0
	var wg sync.WaitGroup
	for range min(conc, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &phaseState{}
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(ctx, i, st)
			}
		}()
	}
	wg.Wait()
}

// timed runs one request and records its latency and status in rec.
func timed(rec *recorder, fn func() (int, error)) (int, error) {
	t0 := time.Now()
	status, err := fn()
	rec.record(time.Since(t0), status, err)
	return status, err
}

func (r CycleReport) String() string {
	s := ""
	if r.Interrupted {
		s = fmt.Sprintf("INTERRUPTED by -max-time: %d of %d users created; figures cover the part done\n", r.Created, r.Users)
	}
	s += fmt.Sprintf("initial cycle: %d users, %d groups, %d memberships: %d requests in %.1fs = %.0f req/s (%.0f users/s, %.3f min per 1k users), %d errors, %d matched, %d duplicates\n",
		r.Users, r.Groups, r.Memberships, r.Requests, r.WallSeconds, r.ReqPerSec, r.UsersPerSec, r.MinutesPer1k, r.Errors, r.Matched, r.Duplicates)
	for _, p := range r.Phases {
		s += "  " + p.String() + "\n"
	}
	return s
}
