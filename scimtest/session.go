package scimtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// A Session is a named, ordered list of Steps an identity provider performs
// against a SCIM endpoint, such as Entra's initial cycle or Okta's group
// push. Later steps use values captured from earlier responses, so a
// session stops at its first failing step.
type Session struct {
	// Name names the session's subtest, e.g. "entra-initial-cycle".
	Name string
	// Steps are replayed in order.
	Steps []Step
	// NeedsGroups says that the session uses /Groups, so the handler
	// must have been built with scim.WithGroups.
	NeedsGroups bool
}

// A Step is one request of a Session and what must come back.
//
// Path, Body, Header values and the strings in WantBody may reference
// variables as {{name}}: values captured by earlier steps (Capture), plus
// two that Run sets for every session replay: {{run}}, a random string of
// ten decimal digits that sessions put into userNames, displayNames and
// externalIds so that a replay never collides with existing data or with
// another replay (being digits, it survives upper-casing), and {{guid}}, a
// random UUID. An unknown variable fails the step.
type Step struct {
	// Name names the step's subtest.
	Name string
	// Method is the HTTP method.
	Method string
	// Path is relative to the tenant URL (e.g. "/Users?filter=userName eq
	// \"x\""). Its query is written readably: Run form-encodes each name
	// and value the way Entra does (spaces as "+", quotes as %22); an "&"
	// inside a quoted filter value belongs to the value.
	Path string
	// Body is the JSON request body, sent verbatim after substitution with
	// Content-Type application/scim+json; empty means no body.
	Body string
	// Header holds request headers set after the defaults
	// (Authorization: Bearer <token>, Accept and, with a body,
	// Content-Type: application/scim+json), e.g. a wrong Authorization or
	// Okta's Content-Type application/json.
	Header map[string]string

	// WantStatus is the expected HTTP status.
	WantStatus int
	// AltStatus, if not zero, is another accepted status, for requests
	// where RFC 7644 lets the server choose (PATCH answers 200 with the
	// resource or 204). WantBody, WantPresent and Capture are checked only
	// when the status is WantStatus.
	AltStatus int
	// WantBody is a subset of the expected JSON response: every key must be
	// present with an equal value, objects compared recursively. Arrays
	// must have the same length, and each wanted element must subset-match
	// a different element of the response, in any order (SCIM multi-valued
	// attributes are unordered). Numbers compare by their JSON text.
	WantBody map[string]any
	// WantPresent lists fields that must be in the response, WantAbsent
	// fields that must not be. A field is a path of object keys and array
	// indexes separated by dots ("members", "Resources.0.members",
	// "name.middleName"); a key containing dots, such as an extension URN,
	// is matched whole.
	WantPresent, WantAbsent []string
	// Capture maps variable names to fields of the response (same syntax
	// as WantPresent) whose string value later steps use as {{name}}.
	Capture map[string]string
}

// Run replays sessions against h, a handler mounted at the root (so it
// serves paths such as /Users), sending token as a bearer token. Each
// session is a subtest of t and each step a subtest of its session; a
// session stops at its first failing step.
//
// Each replay uses fresh {{run}} and {{guid}} values (see Step), so the
// sessions can run against a store that already holds data, and several
// times against the same store. They leave the users and groups they
// create behind, as an identity provider would.
//
// Besides the step's own expectations, every response is checked for what
// any SCIM client relies on (RFC 7644 §3): a body, when there is one, is
// JSON sent as application/scim+json; 204 has no body; a status of 400 or
// more carries an Error body whose "status" is the status code as a
// string; a 201 carries a Location header and an id; every resource
// returned, in a ListResponse too, has an id; a ListResponse has integer
// totalResults (and integer startIndex and itemsPerPage when present) and
// never more Resources than the request's count.
//
// Run replays every session it is given, and fails when given none. Drop
// the sessions with NeedsGroups when the handler has no /Groups endpoint,
// and see EntraSessions for the options those sessions need.
func Run(t *testing.T, h http.Handler, token string, sessions ...Session) {
	t.Helper()
	runSessions(testingT{t}, "http://scimtest.invalid", token, handlerDo(h), sessions)
}

// handlerDo serves client requests with h, turned into server requests
// (RequestURI, RemoteAddr and Host set as a server would).
func handlerDo(h http.Handler) doFunc {
	return func(ctx context.Context, req *http.Request) (*response, error) {
		sreq := httptest.NewRequestWithContext(ctx, req.Method, req.URL.RequestURI(), req.Body)
		sreq.Header = req.Header
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, sreq)
		return &response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}, nil
	}
}

// RunURL is Run against a live server: baseURL is the tenant URL an
// administrator would enter in the identity provider (for example
// "https://app.example.com/scim/v2", without a query string), and
// requests go through an http.Client with a 60 second timeout (Okta's).
// Use it to check a deployed service, or a handler behind the host's own
// middleware and router through httptest.NewServer.
func RunURL(t *testing.T, baseURL, token string, sessions ...Session) {
	t.Helper()
	client := &http.Client{Timeout: 60 * time.Second}
	do := func(ctx context.Context, req *http.Request) (*response, error) {
		resp, err := client.Do(req.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
	}
	runSessions(testingT{t}, baseURL, token, do, sessions)
}

// tester is the part of *testing.T the replayer uses, so that the kit's
// own tests can prove it fails against broken handlers.
type tester interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Context() context.Context
	// Run runs f as a named subtest and reports whether it passed.
	Run(name string, f func(tester)) bool
}

type testingT struct{ *testing.T }

func (t testingT) Run(name string, f func(tester)) bool {
	return t.T.Run(name, func(t *testing.T) { f(testingT{t}) })
}

type response struct {
	status int
	header http.Header
	body   []byte
}

type doFunc func(context.Context, *http.Request) (*response, error)

func runSessions(t tester, baseURL, token string, do doFunc, sessions []Session) {
	t.Helper()
	base := strings.TrimRight(baseURL, "/")
	if len(sessions) == 0 {
		t.Errorf("scimtest: no sessions to run")
		return
	}
	for _, s := range sessions {
		t.Run(s.Name, func(t tester) {
			if len(s.Steps) == 0 {
				t.Fatalf("session %q has no steps", s.Name)
			}
			vars := map[string]string{"run": randomDigits(10), "guid": randomUUID()}
			for i, st := range s.Steps {
				name := st.Name
				if name == "" {
					name = "step-" + strconv.Itoa(i+1)
				}
				if !t.Run(name, func(t tester) { runStep(t, base, token, do, st, vars) }) {
					return
				}
			}
		})
	}
}

func runStep(t tester, base, token string, do doFunc, st Step, vars map[string]string) {
	t.Helper()
	path, err := subst(st.Path, vars)
	if err != nil {
		t.Fatalf("path: %v", err)
	}
	if !strings.HasPrefix(path, "/") {
		t.Fatalf("path %q does not start with /", path)
	}
	path = encodeQuery(path)
	body, err := subst(st.Body, vars)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), st.Method, base+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", st.Method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/scim+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for k, v := range st.Header {
		v, err := subst(v, vars)
		if err != nil {
			t.Fatalf("header %s: %v", k, err)
		}
		req.Header.Set(k, v)
	}
	resp, err := do(t.Context(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", st.Method, path, err)
	}
	label := fmt.Sprintf("%s %s: %d", st.Method, path, resp.status)
	if resp.status != st.WantStatus && (st.AltStatus == 0 || resp.status != st.AltStatus) {
		want := strconv.Itoa(st.WantStatus)
		if st.AltStatus != 0 {
			want += " or " + strconv.Itoa(st.AltStatus)
		}
		t.Fatalf("%s, want status %s; body: %s", label, want, resp.body)
	}
	got, ok := checkResponse(t, label, req, resp)
	if !ok {
		return
	}
	for _, f := range st.WantAbsent {
		if _, ok := lookup(got, f); ok {
			t.Errorf("%s: %s is present, want absent; body: %s", label, f, resp.body)
		}
	}
	if resp.status != st.WantStatus {
		return // AltStatus: nothing more to check
	}
	if st.WantBody != nil {
		want, err := normalizeWant(st.WantBody, vars)
		if err != nil {
			t.Fatalf("WantBody: %v", err)
		}
		if msg := subset(want, got, "body"); msg != "" {
			t.Errorf("%s: %s\nbody: %s", label, msg, resp.body)
		}
	}
	for _, f := range st.WantPresent {
		if _, ok := lookup(got, f); !ok {
			t.Errorf("%s: %s is absent, want present; body: %s", label, f, resp.body)
		}
	}
	for _, name := range sortedKeys(st.Capture) {
		f := st.Capture[name]
		v, ok := lookup(got, f)
		s, isString := v.(string)
		if !ok || !isString || s == "" {
			t.Fatalf("%s: capture %s: no string %s in the response; body: %s", label, name, f, resp.body)
		}
		vars[name] = s
	}
}

// SCIM message schema URNs (RFC 7644 §3.4.2, §3.12).
const (
	listResponseURN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	errorURN        = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// checkResponse applies the checks every response gets (see Run) and
// returns the decoded body (nil when empty). It reports false when the
// body could not be decoded.
func checkResponse(t tester, label string, req *http.Request, resp *response) (any, bool) {
	t.Helper()
	if len(bytes.TrimSpace(resp.body)) == 0 {
		if resp.status >= 400 {
			t.Errorf("%s: error response without a SCIM Error body", label)
		}
		if resp.status == http.StatusCreated || resp.status == http.StatusOK {
			t.Errorf("%s: empty body, want a resource", label)
		}
		return nil, true
	}
	if resp.status == http.StatusNoContent {
		t.Errorf("%s: 204 with a body: %s", label, resp.body)
	}
	if mt, _, err := mime.ParseMediaType(resp.header.Get("Content-Type")); err != nil || mt != "application/scim+json" {
		t.Errorf("%s: Content-Type %q, want application/scim+json", label, resp.header.Get("Content-Type"))
	}
	dec := json.NewDecoder(bytes.NewReader(resp.body))
	dec.UseNumber()
	var got any
	if err := dec.Decode(&got); err != nil {
		t.Errorf("%s: body is not JSON (%v): %s", label, err, resp.body)
		return nil, false
	}
	if dec.More() {
		t.Errorf("%s: trailing data after the JSON body: %s", label, resp.body)
	}
	obj, _ := got.(map[string]any)
	if obj == nil {
		t.Errorf("%s: body is not a JSON object: %s", label, resp.body)
		return got, true
	}
	switch {
	case resp.status >= 400:
		if !hasSchema(obj, errorURN) || obj["status"] != strconv.Itoa(resp.status) {
			t.Errorf(`%s: want an Error body with "status": %q (RFC 7644 §3.12); body: %s`, label, strconv.Itoa(resp.status), resp.body)
		}
	case hasSchema(obj, listResponseURN):
		checkList(t, label, req, obj, resp.body)
	default:
		if id, _ := obj["id"].(string); id == "" {
			t.Errorf("%s: resource without an id; body: %s", label, resp.body)
		}
		if resp.status == http.StatusCreated && resp.header.Get("Location") == "" {
			t.Errorf("%s: 201 without a Location header", label)
		}
	}
	return got, true
}

func checkList(t tester, label string, req *http.Request, obj map[string]any, body []byte) {
	t.Helper()
	isInt := func(v any) bool {
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		_, err := strconv.ParseInt(string(n), 10, 64)
		return err == nil
	}
	if !isInt(obj["totalResults"]) {
		t.Errorf("%s: ListResponse totalResults is %v, want an integer; body: %s", label, obj["totalResults"], body)
	}
	for _, k := range []string{"startIndex", "itemsPerPage"} {
		if v, ok := obj[k]; ok && !isInt(v) {
			t.Errorf("%s: ListResponse %s is %v, want an integer; body: %s", label, k, v, body)
		}
	}
	var resources []any
	if v, ok := obj["Resources"]; ok {
		resources, ok = v.([]any)
		if !ok {
			t.Errorf("%s: ListResponse Resources is not an array; body: %s", label, body)
		}
	}
	if c := req.URL.Query().Get("count"); c != "" {
		if n, err := strconv.Atoi(c); err == nil && len(resources) > max(n, 0) {
			t.Errorf("%s: %d Resources for count=%d; body: %s", label, len(resources), n, body)
		}
	}
	for i, r := range resources {
		m, _ := r.(map[string]any)
		if id, _ := m["id"].(string); id == "" {
			t.Errorf("%s: Resources[%d] has no id; body: %s", label, i, body)
		}
	}
}

func hasSchema(obj map[string]any, urn string) bool {
	list, _ := obj["schemas"].([]any)
	return slices.ContainsFunc(list, func(v any) bool {
		s, _ := v.(string)
		return strings.EqualFold(s, urn)
	})
}

// subst replaces {{name}} with vars[name]; an unknown name is an error.
func subst(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("unterminated {{ in %q", s)
		}
		name := s[i+2 : i+j]
		v, ok := vars[name]
		if !ok {
			return "", fmt.Errorf("unknown variable {{%s}}", name)
		}
		b.WriteString(s[:i])
		b.WriteString(v)
		s = s[i+j+2:]
	}
}

// normalizeWant substitutes variables in the strings of want and turns it
// into what decoding JSON with UseNumber gives, so numbers compare by text.
func normalizeWant(want map[string]any, vars map[string]string) (any, error) {
	var walk func(v any) (any, error)
	walk = func(v any) (any, error) {
		switch x := v.(type) {
		case string:
			return subst(x, vars)
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				w, err := walk(e)
				if err != nil {
					return nil, err
				}
				out[k] = w
			}
			return out, nil
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				w, err := walk(e)
				if err != nil {
					return nil, err
				}
				out[i] = w
			}
			return out, nil
		case []map[string]any:
			out := make([]any, len(x))
			for i, e := range x {
				w, err := walk(e)
				if err != nil {
					return nil, err
				}
				out[i] = w
			}
			return out, nil
		default:
			return v, nil
		}
	}
	w, err := walk(want)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// subset reports where got fails to contain want ("" if it does).
func subset(want, got any, at string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an object", at, short(got))
		}
		for _, k := range sortedKeys(w) {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s: missing", at, k)
			}
			if msg := subset(w[k], gv, at+"."+k); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: got %s, want an array", at, short(got))
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s: %d elements, want %d: got %s, want %s", at, len(g), len(w), short(got), short(want))
		}
		if !matchElements(w, g, make([]bool, len(g))) {
			return fmt.Sprintf("%s: got %s, want elements matching %s (in any order)", at, short(got), short(want))
		}
		return ""
	default:
		if diff := cmp.Diff(want, got); diff != "" {
			return fmt.Sprintf("%s: mismatch (-want +got):\n%s", at, diff)
		}
		return ""
	}
}

// matchElements reports whether each of want subset-matches a distinct
// unused element of got (backtracking; arrays in sessions are small).
func matchElements(want, got []any, used []bool) bool {
	if len(want) == 0 {
		return true
	}
	for i, g := range got {
		if used[i] || subset(want[0], g, "") != "" {
			continue
		}
		used[i] = true
		if matchElements(want[1:], got, used) {
			return true
		}
		used[i] = false
	}
	return false
}

func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lookup finds a field (see Step.WantPresent) in a decoded body. At each
// object, it tries the keys the remaining path starts with, so keys that
// contain dots (URNs) are found whole.
func lookup(v any, field string) (any, bool) {
	if field == "" {
		return v, true
	}
	switch x := v.(type) {
	case map[string]any:
		for i := 0; i <= len(field); i++ {
			if i < len(field) && field[i] != '.' {
				continue
			}
			e, ok := x[field[:i]]
			if !ok {
				continue
			}
			rest := ""
			if i < len(field) {
				rest = field[i+1:]
			}
			if r, ok := lookup(e, rest); ok {
				return r, true
			}
		}
	case []any:
		part, rest, _ := strings.Cut(field, ".")
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 || n >= len(x) {
			return nil, false
		}
		return lookup(x[n], rest)
	}
	return nil, false
}

// encodeQuery form-encodes a readable query string the way Entra sends it
// (spaces as +, quotes as %22).
func encodeQuery(target string) string {
	path, query, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	var parts []string
	for _, kv := range splitQuery(query) {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return path + "?" + strings.Join(parts, "&")
}

// splitQuery splits a readable query at the "&" outside JSON strings
// (filter values such as "Finance & Ops").
func splitQuery(query string) []string {
	var parts []string
	inString, start := false, 0
	for i := 0; i < len(query); i++ {
		switch c := query[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case c == '&' && !inString:
			parts = append(parts, query[start:i])
			start = i + 1
		}
	}
	return append(parts, query[start:])
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}

func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
