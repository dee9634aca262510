package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(float64(i + 1)) // 1ms..100ms
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"single p50", []time.Duration{ms(7)}, 50, ms(7)},
		{"single p99", []time.Duration{ms(7)}, 99, ms(7)},
		{"two p50 is lower", []time.Duration{ms(1), ms(2)}, 50, ms(1)},
		{"two p51 is upper", []time.Duration{ms(1), ms(2)}, 51, ms(2)},
		{"hundred p50", hundred, 50, ms(50)},
		{"hundred p90", hundred, 90, ms(90)},
		{"hundred p99", hundred, 99, ms(99)},
		{"hundred p99.5 rounds up", hundred, 99.5, ms(100)},
		{"p100 is max", hundred, 100, ms(100)},
		{"p0 is min", hundred, 0, ms(1)},
		{"ten p1 is first", hundred[:10], 1, ms(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%d samples, %v) = %v, want %v", len(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"empty", nil, 0},
		{"one", []float64{3}, 3},
		{"odd unsorted", []float64{9, 1, 5}, 5},
		{"even is mean of middle", []float64{4, 1, 3, 2}, 2.5},
		{"outlier ignored", []float64{100, 101, 5000}, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.xs...)
			if got := median(tt.xs); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
			}
			if diff := cmp.Diff(in, tt.xs); diff != "" {
				t.Errorf("median modified its input (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	a, b := newRecorder(), newRecorder()
	for i := 1; i <= 50; i++ {
		a.record(ms(float64(i)), http.StatusOK, nil)
	}
	for i := 51; i <= 98; i++ {
		b.record(ms(float64(i)), http.StatusCreated, nil)
	}
	b.record(ms(99), http.StatusConflict, nil)
	b.record(ms(100), 0, io.ErrUnexpectedEOF)
	got := summarize("x", 2*time.Second, a, b)
	want := Summary{
		Scenario: "x", Requests: 100, Errors: 2,
		ByStatus: map[string]int{"409": 1, "transport": 1},
		Seconds:  2, ReqPerSec: 50, P50ms: 50, P90ms: 90, P99ms: 99, MaxMs: 100,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summarize (-want +got):\n%s", diff)
	}
}

func TestMedianOf(t *testing.T) {
	runs := []Summary{
		{Scenario: "get", Requests: 10, ReqPerSec: 100, P50ms: 1, P90ms: 2, P99ms: 9, MaxMs: 20, Seconds: 1},
		{Scenario: "get", Requests: 30, Errors: 1, ByStatus: map[string]int{"500": 1}, ReqPerSec: 300, P50ms: 3, P90ms: 4, P99ms: 5, MaxMs: 6, Seconds: 1},
		{Scenario: "get", Requests: 20, ReqPerSec: 200, P50ms: 2, P90ms: 3, P99ms: 7, MaxMs: 8, Seconds: 1},
	}
	want := Summary{Scenario: "get", Requests: 60, Errors: 1, ByStatus: map[string]int{"500": 1},
		ReqPerSec: 200, P50ms: 2, P90ms: 3, P99ms: 7, MaxMs: 8, Seconds: 1}
	if diff := cmp.Diff(want, medianOf(runs)); diff != "" {
		t.Errorf("medianOf (-want +got):\n%s", diff)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url    string
		remote bool
		ok     bool
	}{
		{"http://127.0.0.1:8080/scim/v2", false, true},
		{"http://127.8.9.10:8080/scim/v2", false, true},
		{"http://[::1]:8080/scim/v2", false, true},
		{"http://localhost:8080/scim/v2", false, true},
		{"http://LOCALHOST/scim/v2", false, true},
		{"http://10.0.0.1:8080/scim/v2", false, false},
		{"https://app.example.com/scim/v2", false, false},
		{"http://localhost.example.com/scim/v2", false, false},
		{"http://127.0.0.1.nip.io/scim/v2", false, false},
		{"https://app.example.com/scim/v2", true, true},
		{"ftp://127.0.0.1/scim/v2", false, false},
		{"127.0.0.1:8080", false, false},
		{"http:///scim/v2", false, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s remote=%v", tt.url, tt.remote), func(t *testing.T) {
			_, err := checkLoopback(tt.url, tt.remote)
			if (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q, %v) error = %v, want ok=%v", tt.url, tt.remote, err, tt.ok)
			}
		})
	}
}

// captured is one request as the fake server saw it.
type captured struct {
	Method string
	Path   string
	Query  url.Values
	Auth   string
	CType  string
	Body   any // decoded JSON, nil without body
}

// fakeSCIM records requests and answers like a SCIM server: POST creates
// ids u1, u2, … (users) and g1, g2, … (groups); filtered GETs return
// matches from listResults (default none).
type fakeSCIM struct {
	mu          sync.Mutex
	reqs        []captured
	n           int
	listResults int
	status      int // when non-zero, every request gets it
}

func (f *fakeSCIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	c := captured{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Auth: r.Header.Get("Authorization"), CType: r.Header.Get("Content-Type")}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &c.Body); err != nil {
			c.Body = "INVALID JSON: " + string(raw)
		}
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, c)
	f.n++
	n, results, status := f.n, f.listResults, f.status
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/scim+json")
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	switch {
	case r.Method == http.MethodPost:
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"%s%d"}`, strings.ToLower(r.URL.Path[1:2]), n)
	case r.Method == http.MethodGet && r.URL.Query().Has("filter"):
		res := make([]string, results)
		for i := range res {
			res[i] = fmt.Sprintf(`{"id":"m%d"}`, i)
		}
		fmt.Fprintf(w, `{"totalResults":%d,"Resources":[%s]}`, results, strings.Join(res, ","))
	case r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/Groups/"):
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Write([]byte(`{"id":"x"}`))
	}
}

func (f *fakeSCIM) requests() []captured {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]captured(nil), f.reqs...)
}

func newFake(t *testing.T) (*fakeSCIM, *target) {
	t.Helper()
	f := &fakeSCIM{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	u, err := checkLoopback(srv.URL, false)
	if err != nil {
		t.Fatal(err)
	}
	tg := newTarget(u, "tok", 4, 5*time.Second, false)
	t.Cleanup(tg.close)
	return f, tg
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return v
}

func TestScenarioRequestShapes(t *testing.T) {
	st := &state{
		Users:  []seededUser{{ID: "id-1", UserName: "adele.v@contoso.example"}},
		Groups: []string{"grp-1"},
	}
	patch5 := decode(t, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"displayName","value":"Given0 Updated"},
		{"op":"Replace","path":"name.givenName","value":"Given0"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"updated0@example.test"},
		{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Dept 0"},
		{"op":"Replace","path":"active","value":"True"}]}`))
	active := func(v string) any {
		return decode(t, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"`+v+`"}]}`))
	}
	tests := []struct {
		scenario string
		want     []captured
		check    func(t *testing.T, got []captured)
	}{
		{scenario: "match", want: []captured{{Method: "GET", Path: "/Users",
			Query: url.Values{"filter": {`userName eq "adele.v@contoso.example"`}}}}},
		{scenario: "get", want: []captured{{Method: "GET", Path: "/Users/id-1", Query: url.Values{}}}},
		{scenario: "patch", want: []captured{{Method: "PATCH", Path: "/Users/id-1", Query: url.Values{},
			CType: "application/scim+json", Body: patch5}}},
		{scenario: "softdelete", want: []captured{
			{Method: "PATCH", Path: "/Users/id-1", Query: url.Values{}, CType: "application/scim+json", Body: active("False")},
			{Method: "PATCH", Path: "/Users/id-1", Query: url.Values{}, CType: "application/scim+json", Body: active("True")},
		}},
		{scenario: "list", want: []captured{{Method: "GET", Path: "/Users", Query: url.Values{"startIndex": {"1"}, "count": {"100"}}}}},
		{scenario: "member-add", want: []captured{{Method: "PATCH", Path: "/Groups/grp-1", Query: url.Values{},
			CType: "application/scim+json",
			Body: decode(t, []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
				{"op":"Add","path":"members","value":[{"$ref":null,"value":"id-1"}]}]}`))}}},
		{scenario: "post", check: func(t *testing.T, got []captured) {
			if len(got) != 2 {
				t.Fatalf("got %d requests, want 2", len(got))
			}
			names := map[string]bool{}
			for _, c := range got {
				if c.Method != "POST" || c.Path != "/Users" || c.CType != "application/scim+json" {
					t.Errorf("got %s %s (%s), want POST /Users (application/scim+json)", c.Method, c.Path, c.CType)
				}
				body, _ := c.Body.(map[string]any)
				name, _ := body["userName"].(string)
				names[name] = true
				emails, _ := body["emails"].([]any)
				if len(emails) != 1 || emails[0].(map[string]any)["value"] != name || body["externalId"] != "ext-"+name {
					t.Errorf("userName %q not carried into emails/externalId: %v", name, body)
				}
				ent, _ := body[enterpriseURN].(map[string]any)
				if ent["department"] != "Retail" {
					t.Errorf("enterprise extension missing: %v", body)
				}
			}
			if len(names) != 2 {
				t.Errorf("userNames not unique: %v", names)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			f, tg := newFake(t)
			s, ok := findScenario(tt.scenario)
			if !ok {
				t.Fatalf("no scenario %q", tt.scenario)
			}
			sum := runSteady(context.Background(), tg, s.name, s.step(st, "run1"), runOpts{conc: 1, duration: time.Minute, maxReqs: 2, seed: 1})
			if sum.Requests != 2 || sum.Errors != 0 {
				t.Errorf("summary: %d requests, %d errors; want 2, 0", sum.Requests, sum.Errors)
			}
			got := f.requests()
			for _, c := range got {
				if c.Auth != "Bearer tok" {
					t.Errorf("Authorization = %q, want %q", c.Auth, "Bearer tok")
				}
			}
			if tt.check != nil {
				tt.check(t, got)
				return
			}
			want := tt.want
			if len(want) == 1 {
				want = append(want, want[0]) // maxReqs 2 runs a one-request step twice
			}
			for i := range got {
				got[i].Auth = ""
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunSteadyStopsOnDuration(t *testing.T) {
	_, tg := newFake(t)
	s, _ := findScenario("get")
	st := &state{Users: []seededUser{{ID: "a"}}}
	start := time.Now()
	sum := runSteady(context.Background(), tg, "get", s.step(st, "r"), runOpts{conc: 2, duration: 200 * time.Millisecond, seed: 1})
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("run took %v, want about 200ms", el)
	}
	if sum.Requests == 0 {
		t.Error("no requests made")
	}
}

func TestRunSteadyCountsErrorsByStatus(t *testing.T) {
	f, tg := newFake(t)
	f.status = http.StatusNotFound
	s, _ := findScenario("get")
	st := &state{Users: []seededUser{{ID: "a"}}}
	sum := runSteady(context.Background(), tg, "get", s.step(st, "r"), runOpts{conc: 3, duration: time.Minute, maxReqs: 7, seed: 1})
	if sum.Requests != 7 || sum.Errors != 7 {
		t.Errorf("requests %d errors %d, want 7 and 7", sum.Requests, sum.Errors)
	}
	if diff := cmp.Diff(map[string]int{"404": 7}, sum.ByStatus); diff != "" {
		t.Errorf("ByStatus (-want +got):\n%s", diff)
	}
}

func TestSeed(t *testing.T) {
	f, tg := newFake(t)
	st, err := seed(context.Background(), tg, "r1", 5, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Users) != 5 || len(st.Groups) != 2 {
		t.Fatalf("seeded %d users %d groups, want 5 and 2", len(st.Users), len(st.Groups))
	}
	ids := map[string]bool{}
	for i, u := range st.Users {
		if u.ID == "" || ids[u.ID] {
			t.Errorf("user %d: id %q empty or repeated", i, u.ID)
		}
		ids[u.ID] = true
		if want := fmt.Sprintf("seed-r1-%d@example.test", i); u.UserName != want {
			t.Errorf("user %d userName %q, want %q", i, u.UserName, want)
		}
	}
	posts := 0
	for _, c := range f.requests() {
		if c.Method == "POST" {
			posts++
		}
	}
	if posts != 7 {
		t.Errorf("%d POSTs, want 7", posts)
	}

	f.status = http.StatusUnauthorized
	_, err = seed(context.Background(), tg, "r2", 3, 0, 2)
	var se *statusError
	if !errorsAs(err, &se) || se.status != http.StatusUnauthorized {
		t.Errorf("seed against 401 server: err = %v, want a statusError 401", err)
	}
}

func TestInitialCycle(t *testing.T) {
	f, tg := newFake(t)
	rep := initialCycle(context.Background(), tg, cycleOpts{users: 25, groupSize: 10, memberBatch: 4, conc: 3, runID: "r"})
	if rep.Errors != 0 || rep.Matched != 0 || rep.Duplicates != 0 {
		t.Errorf("errors %d matched %d duplicates %d, want 0", rep.Errors, rep.Matched, rep.Duplicates)
	}
	// 25 matches + 25 creates + 24 managers + 3 group matches + 3 group creates
	// + member batches ceil(10/4)+ceil(10/4)+ceil(5/4) = 3+3+2.
	if want := 25 + 25 + 24 + 3 + 3 + 8; rep.Requests != want {
		t.Errorf("requests %d, want %d", rep.Requests, want)
	}
	if rep.Groups != 3 || rep.Memberships != 25 {
		t.Errorf("groups %d memberships %d, want 3 and 25", rep.Groups, rep.Memberships)
	}

	reqs := f.requests()
	created := map[string]string{} // userName → id (ids are the fake's "u<n>")
	idOf := map[int]string{}
	var order []string
	for n, c := range reqs {
		kind := c.Method + " " + strings.SplitN(c.Path[1:], "/", 2)[0]
		order = append(order, kind)
		if c.Method == "POST" && c.Path == "/Users" {
			name := c.Body.(map[string]any)["userName"].(string)
			created[name] = fmt.Sprintf("u%d", n+1)
		}
		if c.Method == "GET" && c.Path == "/Groups" {
			if got := c.Query.Get("excludedAttributes"); got != "members" {
				t.Errorf("group match excludedAttributes = %q, want members", got)
			}
			if f := c.Query.Get("filter"); !strings.HasPrefix(f, `displayName eq "cycle-r-group-`) {
				t.Errorf("group match filter = %q", f)
			}
		}
	}
	for i := range 25 {
		name := fmt.Sprintf("cycle-r-%d@example.test", i)
		id, ok := created[name]
		if !ok {
			t.Fatalf("user %s never created", name)
		}
		idOf[i] = id
	}
	// Each user is matched before it is created; managers and groups follow
	// all creates.
	lastCreate, firstPatch := -1, len(order)
	for n, k := range order {
		if k == "POST Users" {
			lastCreate = n
		}
		if k == "PATCH Users" && n < firstPatch {
			firstPatch = n
		}
	}
	if lastCreate > firstPatch {
		t.Errorf("manager PATCH at %d before last create at %d", firstPatch, lastCreate)
	}
	managers := map[string]string{}
	members := map[string]bool{}
	for _, c := range reqs {
		if c.Method == "PATCH" && strings.HasPrefix(c.Path, "/Users/") {
			ops := c.Body.(map[string]any)["Operations"].([]any)
			op := ops[0].(map[string]any)
			if op["path"] != enterpriseURN+":manager" || op["op"] != "Add" {
				t.Errorf("manager op = %v", op)
			}
			managers[strings.TrimPrefix(c.Path, "/Users/")] = op["value"].(string)
		}
		if c.Method == "PATCH" && strings.HasPrefix(c.Path, "/Groups/") {
			ops := c.Body.(map[string]any)["Operations"].([]any)
			op := ops[0].(map[string]any)
			vals := op["value"].([]any)
			if op["op"] != "Add" || op["path"] != "members" || len(vals) > 4 {
				t.Errorf("member op = %v", op)
			}
			for _, v := range vals {
				members[v.(map[string]any)["value"].(string)] = true
			}
		}
	}
	for i := 1; i < 25; i++ {
		if got, want := managers[idOf[i]], idOf[i/10]; got != want {
			t.Errorf("user %d manager %q, want %q", i, got, want)
		}
	}
	if _, ok := managers[idOf[0]]; ok {
		t.Error("user 0 got a manager")
	}
	if len(members) != 25 {
		t.Errorf("%d distinct members added, want 25", len(members))
	}
}

func TestInitialCycleMatchedAndDuplicates(t *testing.T) {
	for _, tt := range []struct {
		name                string
		results             int
		matched, duplicates int
	}{
		{"existing users are adopted", 1, 5 + 1, 0},
		{"duplicates are skipped", 2, 0, 5 + 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, tg := newFake(t)
			f.listResults = tt.results
			rep := initialCycle(context.Background(), tg, cycleOpts{users: 5, groupSize: 10, memberBatch: 10, conc: 2, runID: "r"})
			if rep.Matched != tt.matched || rep.Duplicates != tt.duplicates {
				t.Errorf("matched %d duplicates %d, want %d and %d", rep.Matched, rep.Duplicates, tt.matched, tt.duplicates)
			}
			for _, c := range f.requests() {
				if c.Method == "POST" {
					t.Errorf("unexpected %s %s when the match found %d", c.Method, c.Path, tt.results)
				}
			}
		})
	}
}

func TestRunFlags(t *testing.T) {
	_, tg := newFake(t)
	tests := []struct {
		name string
		args []string
		env  string
		want string // substring of the error, "" for success
	}{
		{"no token", []string{"-url", tg.base, "-scenario", "post", "-d", "50ms"}, "", "no token"},
		{"remote refused", []string{"-url", "http://192.0.2.1/scim/v2"}, "t", "non-loopback"},
		{"unknown scenario", []string{"-url", tg.base, "-scenario", "nope"}, "t", "unknown scenario"},
		{"zero users", []string{"-url", tg.base, "-scenario", "get", "-users", "0"}, "t", "-users"},
		{"duration bound", []string{"-url", tg.base, "-d", "2h"}, "t", "-d"},
		{"post ok", []string{"-url", tg.base, "-scenario", "post", "-d", "50ms", "-n", "5", "-json"}, "t", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(context.Background(), tt.args, &out, &errb, func(string) string { return tt.env })
			if tt.want == "" {
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				var rep Report
				if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
					t.Fatalf("-json output: %v\n%s", err, out.String())
				}
				if len(rep.Medians) != 1 || rep.Medians[0].Requests != 5 {
					t.Errorf("medians = %+v, want one with 5 requests", rep.Medians)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
