package entra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
)

// A transcript is one recorded Entra flow (testdata/*.json), replayed
// through a fresh handler with entra.Compat() over memstore.
type transcript struct {
	// Description says what the transcript proves and cites idp-requests.md.
	Description string `json:"description"`
	Steps       []step `json:"steps"`
}

// A step is one request and what must come back.
type step struct {
	Name   string `json:"name"`
	Method string `json:"method"`
	// Path is relative to the mount point; the query is written readably
	// (spaces, quotes) and form-encoded by the replayer.
	Path string          `json:"path"`
	Body json.RawMessage `json:"body,omitempty"`
	// RawBody is sent verbatim instead of Body.
	RawBody    string `json:"rawBody,omitempty"`
	WantStatus int    `json:"wantStatus"`
	// WantBody is a subset match: every key must be present and equal in
	// the response (objects recursively), arrays compared fully.
	WantBody json.RawMessage `json:"wantBody,omitempty"`
	// WantAbsent lists fields that must not be in the response, each a
	// path of object keys separated by "/" (URNs contain dots).
	WantAbsent []string `json:"wantAbsent,omitempty"`
	// WantRules is the exact set of normalizer rules the request fired
	// (Event.Rules); absent means none.
	WantRules []string `json:"wantRules,omitempty"`
	// WantOperation is the Event.Operation reported to the host.
	WantOperation string `json:"wantOperation,omitempty"`
	// Capture stores fields of the response ("id", "members.0.value") in
	// variables, used later as {{name}} in paths and bodies.
	Capture map[string]string `json:"capture,omitempty"`
}

const token = "entra-transcript-token"

func loadTranscripts(t *testing.T) map[string]transcript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata")
	}
	out := map[string]transcript{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var tr transcript
		if err := dec.Decode(&tr); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if dec.More() {
			t.Fatalf("%s: trailing data", f)
		}
		if tr.Description == "" || len(tr.Steps) == 0 {
			t.Fatalf("%s: needs a description and steps", f)
		}
		for i, s := range tr.Steps {
			if s.Name == "" || s.Method == "" || !strings.HasPrefix(s.Path, "/") || s.WantStatus == 0 {
				t.Fatalf("%s: step %d needs name, method, path and wantStatus", f, i)
			}
			for _, r := range s.WantRules {
				if !slices.Contains(entra.Rules(), r) {
					t.Fatalf("%s: step %q: unknown rule %q", f, s.Name, r)
				}
			}
		}
		out[filepath.Base(f)] = tr
	}
	return out
}

// TestTranscripts replays every transcript and checks, per file, that
// Handler.RuleCounts agrees with the rules the steps fired.
func TestTranscripts(t *testing.T) {
	all := loadTranscripts(t)
	covered := map[string]bool{}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		tr := all[name]
		for _, s := range tr.Steps {
			for _, r := range s.WantRules {
				covered[r] = true
			}
		}
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			replay(t, tr)
		})
	}
	for _, r := range entra.Rules() {
		if !covered[r] {
			t.Errorf("rule %s is proven by no transcript", r)
		}
	}
}

func replay(t *testing.T, tr transcript) {
	store := memstore.New()
	var (
		mu     sync.Mutex
		events []scim.Event
	)
	clock := func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }
	h, err := scim.New(store, scim.StaticTokens(token),
		scim.WithBaseURL("https://app.example.com/scim/v2"),
		scim.WithGroups(store),
		scim.WithClock(clock),
		scim.WithEventHook(func(_ context.Context, ev scim.Event) {
			mu.Lock()
			events = append(events, ev)
			mu.Unlock()
		}),
		entra.Compat(),
	)
	if err != nil {
		t.Fatal(err)
	}
	for r, n := range h.RuleCounts() {
		if n != 0 {
			t.Errorf("fresh handler: RuleCounts()[%s] = %d", r, n)
		}
	}
	if diff := cmp.Diff(sorted(entra.Rules()), sorted(keys(h.RuleCounts()))); diff != "" {
		t.Errorf("RuleCounts keys (-want +got):\n%s", diff)
	}
	vars := map[string]string{}
	wantCounts := map[string]uint64{}
	for i, s := range tr.Steps {
		label := fmt.Sprintf("step %d %q", i, s.Name)
		body := string(s.Body)
		if s.RawBody != "" {
			body = s.RawBody
		}
		target := encodeQuery(subst(t, label, s.Path, vars))
		req := httptest.NewRequest(s.Method, target, strings.NewReader(subst(t, label, body, vars)))
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/scim+json")
		}
		rec := httptest.NewRecorder()
		mu.Lock()
		before := len(events)
		mu.Unlock()
		h.ServeHTTP(rec, req)
		if rec.Code != s.WantStatus {
			t.Fatalf("%s: %s %s: status %d, want %d; body %s", label, s.Method, target, rec.Code, s.WantStatus, rec.Body)
		}
		var got any
		if rec.Body.Len() > 0 {
			dec := json.NewDecoder(rec.Body)
			dec.UseNumber()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%s: response is not JSON: %v", label, err)
			}
		}
		if len(s.WantBody) > 0 {
			var want any
			dec := json.NewDecoder(strings.NewReader(subst(t, label, string(s.WantBody), vars)))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: wantBody: %v", label, err)
			}
			if msg := subset(want, got, ""); msg != "" {
				b, _ := json.Marshal(got)
				t.Errorf("%s: body mismatch: %s\nbody: %s", label, msg, b)
			}
		}
		for _, a := range s.WantAbsent {
			if present(got, a) {
				t.Errorf("%s: %s is present, want absent", label, a)
			}
		}
		mu.Lock()
		evs := slices.Clone(events[before:])
		mu.Unlock()
		if len(evs) != 1 {
			t.Fatalf("%s: %d events, want 1", label, len(evs))
		}
		ev := evs[0]
		if diff := cmp.Diff(sorted(s.WantRules), sorted(ev.Rules)); diff != "" {
			t.Errorf("%s: Event.Rules (-want +got):\n%s", label, diff)
		}
		for _, r := range ev.Rules {
			wantCounts[r]++
		}
		if s.WantOperation != "" && string(ev.Operation) != s.WantOperation {
			t.Errorf("%s: Event.Operation = %q, want %q", label, ev.Operation, s.WantOperation)
		}
		for v, field := range s.Capture {
			val, ok := lookup(got, field)
			if !ok {
				t.Fatalf("%s: capture %s: no %q in response", label, v, field)
			}
			vars[v] = val
		}
	}
	counts := h.RuleCounts()
	for _, r := range entra.Rules() {
		if counts[r] != wantCounts[r] {
			t.Errorf("RuleCounts()[%s] = %d, want %d", r, counts[r], wantCounts[r])
		}
	}
}

// subst replaces {{name}} with captured values; an unknown name fails.
func subst(t *testing.T, label, s string, vars map[string]string) string {
	t.Helper()
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return s
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			t.Fatalf("%s: unterminated {{ in %q", label, s)
		}
		name := s[i+2 : i+j]
		v, ok := vars[name]
		if !ok {
			t.Fatalf("%s: unknown variable %q", label, name)
		}
		s = s[:i] + v + s[i+j+2:]
	}
}

// encodeQuery form-encodes a readable query string the way Entra sends it
// (spaces as +, quotes as %22).
func encodeQuery(target string) string {
	path, query, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	var parts []string
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, queryEscape(k)+"="+queryEscape(v))
	}
	return path + "?" + strings.Join(parts, "&")
}

func queryEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			b.WriteByte('+')
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-_.~:@,", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// subset reports where got fails to contain want ("" if it does).
func subset(want, got any, at string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want an object, got %v", at, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", at, k)
			}
			if msg := subset(wv, gv, at+"."+k); msg != "" {
				return msg
			}
		}
		return ""
	default:
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Sprintf("%s (-want +got):\n%s", at, diff)
		}
		return ""
	}
}

// lookup finds a dotted field ("id", "Resources.0.id") in a decoded body.
func lookup(v any, field string) (string, bool) {
	for _, part := range strings.Split(field, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return "", false
			}
			v = x[i]
		default:
			return "", false
		}
	}
	s, ok := v.(string)
	return s, ok
}

// present reports whether the "/"-separated key path exists in v.
func present(v any, path string) bool {
	for _, k := range strings.Split(path, "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

func keys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
