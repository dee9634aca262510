package scimtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
)

const testToken = "scimtest-session-token"

// newHandler is a memstore handler with groups, mounted at the root.
func newHandler(t *testing.T, opts ...scim.Option) http.Handler {
	t.Helper()
	s := memstore.New()
	h, err := scim.New(s, scim.StaticTokens(testToken), append([]scim.Option{scim.WithGroups(s)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEntraSessions(t *testing.T) {
	Run(t, newHandler(t, entra.Compat()), testToken, EntraSessions()...)
}

func TestOktaSessions(t *testing.T) {
	Run(t, newHandler(t), testToken, OktaSessions()...)
}

// TestSessionsTwiceSameStore replays every session twice against one store:
// the {{run}} suffix keeps replays apart, so the kit runs against a store
// that already holds data.
func TestSessionsTwiceSameStore(t *testing.T) {
	h := newHandler(t, entra.Compat())
	all := append(EntraSessions(), OktaSessions()...)
	Run(t, h, testToken, all...)
	Run(t, h, testToken, all...)
}

// TestSessionsHostOptions: the sessions accept what hosts may configure
// (PATCH answered 204 for users, 200 for groups where Okta allows it).
func TestSessionsHostOptions(t *testing.T) {
	t.Run("entra", func(t *testing.T) {
		Run(t, newHandler(t, entra.Compat(), scim.WithPatchNoContent(true)), testToken, EntraSessions()...)
	})
	t.Run("okta", func(t *testing.T) {
		h := newHandler(t, scim.WithPatchNoContent(true), scim.WithGroupPatchContent(true))
		Run(t, h, testToken, OktaSessions()...)
	})
}

// TestRunURL replays every session through a real server and client, with
// the handler mounted under a prefix as a host would.
func TestRunURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", newHandler(t, entra.Compat())))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	RunURL(t, srv.URL+"/scim/v2/", testToken, append(EntraSessions(), OktaSessions()...)...)
}

// TestSessionsWellFormed checks the session tables themselves.
func TestSessionsWellFormed(t *testing.T) {
	names := map[string]bool{}
	for _, s := range append(EntraSessions(), OktaSessions()...) {
		if s.Name == "" || names[s.Name] {
			t.Errorf("session name %q empty or repeated", s.Name)
		}
		names[s.Name] = true
		steps := map[string]bool{}
		usesGroups := false
		for _, st := range s.Steps {
			if st.Name == "" || steps[st.Name] {
				t.Errorf("%s: step name %q empty or repeated", s.Name, st.Name)
			}
			steps[st.Name] = true
			if st.WantStatus == 0 || st.Method == "" || !strings.HasPrefix(st.Path, "/") {
				t.Errorf("%s/%s: needs method, path and status", s.Name, st.Name)
			}
			if st.Body != "" && !json.Valid([]byte(st.Body)) {
				t.Errorf("%s/%s: body is not JSON: %s", s.Name, st.Name, st.Body)
			}
			usesGroups = usesGroups || strings.HasPrefix(st.Path, "/Groups")
		}
		if usesGroups != s.NeedsGroups {
			t.Errorf("%s: NeedsGroups = %v, but uses /Groups: %v", s.Name, s.NeedsGroups, usesGroups)
		}
	}
}

// fakeT is a tester that records failures instead of failing the test, so
// the kit can be shown to fail. Fatalf ends the subtest's goroutine, as
// testing.T does.
type fakeT struct {
	name   string
	log    *[]string // "subtest path: message", shared by the tree
	mu     *sync.Mutex
	failed bool
}

func newFakeT() *fakeT { return &fakeT{log: new([]string), mu: new(sync.Mutex)} }

func (f *fakeT) Helper()                  {}
func (f *fakeT) Context() context.Context { return context.Background() }

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = true
	*f.log = append(*f.log, f.name+": "+fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

func (f *fakeT) Run(name string, fn func(tester)) bool {
	name = strings.ReplaceAll(name, " ", "_") // as testing.T.Run does
	child := &fakeT{name: strings.TrimPrefix(f.name+"/"+name, "/"), log: f.log, mu: f.mu}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(child)
	}()
	<-done
	f.mu.Lock()
	defer f.mu.Unlock()
	if child.failed {
		f.failed = true
	}
	return !child.failed
}

// firstFailure is the subtest path of the first failure logged.
func (f *fakeT) firstFailure() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(*f.log) == 0 {
		return ""
	}
	name, _, _ := strings.Cut((*f.log)[0], ": ")
	return name
}

// rewrite wraps h: req may change the request first, resp may change the
// status and decoded JSON body of the answer (nil body: no body).
func rewrite(h http.Handler, req func(*http.Request), resp func(r *http.Request, status int, body map[string]any) (int, map[string]any)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if req != nil {
			req(r)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, raw := rec.Code, rec.Body.Bytes()
		if resp != nil {
			var body map[string]any
			if len(raw) > 0 {
				if err := json.Unmarshal(raw, &body); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			status, body = resp(r, status, body)
			raw = nil
			if body != nil {
				raw, _ = json.Marshal(body)
			}
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(raw)
	})
}

// setBody replaces a request body.
func setBody(r *http.Request, body any) {
	b, _ := json.Marshal(body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
}

// TestBrokenHandlersFail proves the kit able to fail: each row breaks a
// correct handler in one way real SCIM servers have been broken (the
// project's idp-requests.md) and names the first step that must catch it.
func TestBrokenHandlersFail(t *testing.T) {
	errorBody := func(status int) map[string]any {
		return map[string]any{"schemas": []any{errorURN}, "status": strconv.Itoa(status), "detail": "not found"}
	}
	tests := []struct {
		name     string
		sessions []Session
		broken   func(h http.Handler) http.Handler
		want     string // subtest path of the first failure
	}{
		{
			name:     "404 for an empty result (§1.2)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if body["totalResults"] == float64(0) {
						return http.StatusNotFound, errorBody(http.StatusNotFound)
					}
					return status, body
				})
			},
			want: "entra-test-connection/filter_on_a_random_GUID",
		},
		{
			name:     "filter ignored (§2.1)",
			sessions: EntraSessions()[1:],
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) { r.URL.RawQuery = "" }, nil)
			},
			want: "entra-initial-cycle/match_adele_finds_nothing",
		},
		{
			name:     "manager returned as a bare string (§2.3.5)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if ext, ok := body[enterpriseURN].(map[string]any); ok {
						if m, ok := ext["manager"].(map[string]any); ok {
							ext["manager"] = m["value"]
						}
					}
					return status, body
				})
			},
			want: "entra-initial-cycle/manager_is_returned_as_{value}",
		},
		{
			name:     "deactivation as delete (§1.9)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					if r.Method == http.MethodPatch && strings.HasPrefix(r.URL.Path, "/Users/") {
						b, _ := io.ReadAll(r.Body)
						setBody(r, json.RawMessage(b))
						if bytes.Contains(b, []byte(`"False"`)) {
							r.Method, r.Body, r.ContentLength = http.MethodDelete, http.NoBody, 0
						}
					}
				}, nil)
			},
			want: "entra-soft-delete/disabled_user_is_still_readable",
		},
		{
			name:     "deleted users kept as inactive (§1.10)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/Users/") {
						r.Method = http.MethodPatch
						setBody(r, map[string]any{"schemas": []string{patchOpURN},
							"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": false}}})
					}
				}, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if r.Method == http.MethodPatch && status == http.StatusOK && body["active"] == false {
						return http.StatusNoContent, nil
					}
					return status, body
				})
			},
			want: "entra-hard-delete/deleted_id_is_gone",
		},
		{
			name:     "members returned despite excludedAttributes (§1.12)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					q := r.URL.Query()
					q.Del("excludedAttributes")
					r.URL.RawQuery = q.Encode()
				}, nil)
			},
			want: "entra-groups/read_still_without_members",
		},
		{
			name:     "Remove with a value list clears the group (§2.6)",
			sessions: EntraSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					if r.Method != http.MethodPatch || !strings.HasPrefix(r.URL.Path, "/Groups/") {
						return
					}
					b, _ := io.ReadAll(r.Body)
					setBody(r, json.RawMessage(b))
					if bytes.Contains(b, []byte(`"Remove"`)) {
						setBody(r, map[string]any{"schemas": []string{patchOpURN},
							"Operations": []any{map[string]any{"op": "remove", "path": "members"}}})
					}
				}, nil)
			},
			want: "entra-groups/only_that_one_was_removed",
		},
		{
			name:     "password echoed (§4.2)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if status == http.StatusCreated && r.URL.Path == "/Users" {
						body["password"] = "7hq20kzv"
					}
					return status, body
				})
			},
			want: "okta-assignment/create_jordan",
		},
		{
			name:     "case-sensitive userName filter (§3.5)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					f := r.URL.Query().Get("filter")
					if strings.Contains(f, "JORDAN") {
						body["totalResults"], body["Resources"] = 0, []any{}
					}
					return status, body
				})
			},
			want: "okta-assignment/upper-cased_userName_finds_the_user",
		},
		{
			name:     "duplicate POST accepted (§4.3)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if status == http.StatusConflict {
						return http.StatusCreated, map[string]any{"id": "x"}
					}
					return status, body
				})
			},
			want: "okta-assignment/create_the_same_user_again",
		},
		{
			name:     "error status as a number (RFC 7644 §3.12)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if status == http.StatusNotFound {
						body["status"] = 404
					}
					return status, body
				})
			},
			want: "okta-errors/unknown_id",
		},
		{
			name:     "plain-text 401 (§4.3)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Authorization") != "Bearer "+testToken {
						http.Error(w, "unauthorized", http.StatusUnauthorized)
						return
					}
					h.ServeHTTP(w, r)
				})
			},
			want: "okta-errors/bad_token",
		},
		{
			name:     "counts as strings (§4.3)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, nil, func(r *http.Request, status int, body map[string]any) (int, map[string]any) {
					if n, ok := body["totalResults"].(float64); ok {
						body["totalResults"] = strconv.Itoa(int(n))
					}
					return status, body
				})
			},
			want: "okta-test-api-credentials/list_two_users",
		},
		{
			name:     "PUT without active deactivates (§5 row 42)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					if r.Method != http.MethodPut {
						return
					}
					var m map[string]any
					_ = json.NewDecoder(r.Body).Decode(&m)
					if _, ok := m["active"]; !ok {
						m["active"] = false
					}
					setBody(r, m)
				}, nil)
			},
			want: "okta-profile-update/still_active",
		},
		{
			name:     "group member delta ignored (§4.2)",
			sessions: OktaSessions(),
			broken: func(h http.Handler) http.Handler {
				return rewrite(h, func(r *http.Request) {
					if r.Method != http.MethodPatch || !strings.HasPrefix(r.URL.Path, "/Groups/") {
						return
					}
					var m map[string]any
					_ = json.NewDecoder(r.Body).Decode(&m)
					ops, _ := m["Operations"].([]any)
					m["Operations"] = slices.DeleteFunc(ops, func(op any) bool {
						o, _ := op.(map[string]any)
						return o["op"] == "remove"
					})
					setBody(r, m)
				}, nil)
			},
			want: "okta-group-push/swapped",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := newFakeT()
			h := tt.broken(newHandler(t, entra.Compat()))
			runSessions(ft, "http://scimtest.invalid", testToken, handlerDo(h), tt.sessions)
			if !ft.failed {
				t.Fatalf("the sessions passed against a broken handler")
			}
			if got := ft.firstFailure(); got != tt.want {
				t.Errorf("first failure in %q, want %q; log:\n%s", got, tt.want, strings.Join(*ft.log, "\n"))
			}
		})
	}
}

// TestRunFailsTestingT proves that Run itself (with a real *testing.T)
// fails against a broken handler: the test binary re-runs itself as a
// child that replays Entra's test connection against a handler answering
// 404 for an empty result, and must exit with a failure naming the step.
func TestRunFailsTestingT(t *testing.T) {
	if os.Getenv("SCIMTEST_BROKEN_CHILD") == "1" {
		broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/scim+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"schemas":["`+errorURN+`"],"status":"404"}`)
		})
		Run(t, broken, testToken, EntraSessions()[0])
		return
	}
	if testing.Short() {
		t.Skip("re-runs the test binary")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunFailsTestingT$", "-test.v")
	cmd.Env = append(os.Environ(), "SCIMTEST_BROKEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("child run: err = %v, want a failing exit; output:\n%s", err, out)
	}
	want := "--- FAIL: TestRunFailsTestingT/entra-test-connection/filter_on_a_random_GUID"
	if !strings.Contains(string(out), want) {
		t.Errorf("child output lacks %q:\n%s", want, out)
	}
}

func TestSubset(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		ok        bool
	}{
		{"equal", `{"a":1}`, `{"a":1}`, true},
		{"extra keys", `{"a":1}`, `{"a":1,"b":2}`, true},
		{"missing key", `{"a":1}`, `{"b":1}`, false},
		{"nested", `{"n":{"g":"x"}}`, `{"n":{"g":"x","f":"y"}}`, true},
		{"nested mismatch", `{"n":{"g":"x"}}`, `{"n":{"g":"y"}}`, false},
		{"number text", `{"a":1}`, `{"a":1.0}`, false},
		{"string vs number", `{"a":"1"}`, `{"a":1}`, false},
		{"object vs string", `{"m":{"value":"x"}}`, `{"m":"x"}`, false},
		{"array any order", `{"a":[{"v":1},{"v":2}]}`, `{"a":[{"v":2,"d":"b"},{"v":1}]}`, true},
		{"array length", `{"a":[{"v":1}]}`, `{"a":[{"v":1},{"v":2}]}`, false},
		{"array elements distinct", `{"a":[{"v":1},{"v":1}]}`, `{"a":[{"v":1},{"v":2}]}`, false},
		{"array needs backtracking", `{"a":[{},{"v":1}]}`, `{"a":[{"v":1},{"v":2}]}`, true},
		{"empty array", `{"a":[]}`, `{"a":[]}`, true},
		{"empty array vs missing", `{"a":[]}`, `{}`, false},
		{"bool", `{"a":true}`, `{"a":"True"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want map[string]any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			w, err := normalizeWant(want, nil)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(strings.NewReader(tt.got))
			dec.UseNumber()
			var got any
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			if msg := subset(w, got, "body"); (msg == "") != tt.ok {
				t.Errorf("subset(%s, %s) = %q, want ok=%v", tt.want, tt.got, msg, tt.ok)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	body := map[string]any{
		"id":        "1",
		"name":      map[string]any{"givenName": "A"},
		"a.b":       "dotted",
		"Resources": []any{map[string]any{"id": "r"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"manager": map[string]any{"value": "m"},
		},
	}
	tests := []struct {
		field string
		want  any
		ok    bool
	}{
		{"id", "1", true},
		{"name.givenName", "A", true},
		{"name.familyName", nil, false},
		{"a.b", "dotted", true},
		{"Resources.0.id", "r", true},
		{"Resources.1.id", nil, false},
		{"Resources.x", nil, false},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User.manager.value", "m", true},
		{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", nil, false},
	}
	for _, tt := range tests {
		got, ok := lookup(body, tt.field)
		if ok != tt.ok || !cmp.Equal(tt.want, got) {
			t.Errorf("lookup(%q) = %v, %v; want %v, %v", tt.field, got, ok, tt.want, tt.ok)
		}
	}
}

func TestEncodeQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/Users", "/Users"},
		{`/Users?filter=userName eq "a@b.example"`, "/Users?filter=userName+eq+%22a%40b.example%22"},
		{`/Groups?excludedAttributes=members&filter=displayName eq "A & B"`,
			"/Groups?excludedAttributes=members&filter=displayName+eq+%22A+%26+B%22"},
		{`/Users?filter=userName eq "q\"&x"&count=1`, "/Users?filter=userName+eq+%22q%5C%22%26x%22&count=1"},
		{"/Users?startIndex=1&count=2", "/Users?startIndex=1&count=2"},
	}
	for _, tt := range tests {
		if got := encodeQuery(tt.in); got != tt.want {
			t.Errorf("encodeQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSubst(t *testing.T) {
	vars := map[string]string{"u": "42", "run": "0123456789"}
	got, err := subst("/Users/{{u}}?x={{run}}{{u}}", vars)
	if err != nil || got != "/Users/42?x=012345678942" {
		t.Errorf("subst = %q, %v", got, err)
	}
	for _, bad := range []string{"{{nope}}", "{{u"} {
		if _, err := subst(bad, vars); err == nil {
			t.Errorf("subst(%q): no error", bad)
		}
	}
}

// TestUnknownVariableFails: a step referring to a variable nobody
// captured fails instead of sending a literal "{{…}}".
func TestUnknownVariableFails(t *testing.T) {
	ft := newFakeT()
	h := newHandler(t)
	runSessions(ft, "", testToken, handlerDo(h), []Session{{Name: "s", Steps: []Step{
		{Name: "get", Method: http.MethodGet, Path: "/Users/{{missing}}", WantStatus: http.StatusNotFound},
	}}})
	if got, want := ft.firstFailure(), "s/get"; got != want {
		t.Errorf("first failure %q, want %q; log %q", got, want, *ft.log)
	}
}

// TestNoSessionsFails: Run with nothing to replay must not pass silently.
func TestNoSessionsFails(t *testing.T) {
	ft := newFakeT()
	runSessions(ft, "", testToken, handlerDo(newHandler(t)), nil)
	if !ft.failed {
		t.Error("running no sessions passed")
	}
}

// TestRunURLConnectionError: an unreachable server fails the first step.
func TestRunURLConnectionError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	ft := newFakeT()
	client := &http.Client{}
	do := func(ctx context.Context, req *http.Request) (*response, error) {
		resp, err := client.Do(req.WithContext(ctx))
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		return &response{status: resp.StatusCode, header: resp.Header}, nil
	}
	runSessions(ft, base, testToken, do, EntraSessions()[:1])
	if got, want := ft.firstFailure(), "entra-test-connection/filter_on_a_random_GUID"; got != want {
		t.Errorf("first failure %q, want %q; log %q", got, want, *ft.log)
	}
}
