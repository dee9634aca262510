package scim_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
)

// brokenStore fails in ways a host's store can: an internal error with
// details that must not leak, a wrapped sentinel, and a panic.
type brokenStore struct {
	scim.UserStore
	getErr error
	panics bool
}

func (b brokenStore) GetUser(ctx context.Context, id string) (*scim.User, error) {
	if b.panics {
		panic("nil map in host code")
	}
	return nil, b.getErr
}

func TestStoreFailuresMapToSCIMErrors(t *testing.T) {
	secret := "pq: password authentication failed for user admin at 10.0.0.7"
	tests := []struct {
		name     string
		store    brokenStore
		status   int
		scimType string
		logged   bool
	}{
		{"internal error is a generic 500, logged", brokenStore{getErr: errors.New(secret)}, 500, "", true},
		{"wrapped not found", brokenStore{getErr: fmt.Errorf("lookup: %w", scim.ErrNotFound)}, 404, "", false},
		{"scim.Error passes through", brokenStore{getErr: &scim.Error{Status: 403, Detail: "account locked by host policy"}}, 403, "", false},
		{"panic is a 500", brokenStore{panics: true}, 500, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			tt.store.UserStore = memstore.New()
			var ev scim.Event
			h, err := scim.New(tt.store, scim.StaticTokens(token),
				scim.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				scim.WithEventHook(func(_ context.Context, e scim.Event) { ev = e }))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/Users/42", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			r := response{status: rec.Code, header: rec.Header(), raw: rec.Body.Bytes()}
			if err := jsonUnmarshal(r.raw, &r.body); err != nil {
				t.Fatalf("body %q: %v", r.raw, err)
			}
			wantError(t, r, tt.status, tt.scimType)
			if strings.Contains(rec.Body.String(), "10.0.0.7") || strings.Contains(rec.Body.String(), "nil map") {
				t.Errorf("internals leaked to the client: %s", rec.Body)
			}
			if got := strings.Contains(logs.String(), "level=ERROR"); got != tt.logged {
				t.Errorf("logged = %v, want %v: %s", got, tt.logged, logs.String())
			}
			if strings.Contains(logs.String(), token) {
				t.Error("token in logs")
			}
			if ev.Status != tt.status || ev.Operation != scim.OpGet {
				t.Errorf("event %+v", ev)
			}
			if tt.status == 500 && ev.Err == nil {
				t.Error("event of a 500 carries no cause")
			}
		})
	}
}

func TestVerifierFailure(t *testing.T) {
	h, _ := scim.New(memstore.New(), scim.TokenVerifierFunc(func(context.Context, string) (scim.Principal, error) {
		return scim.Principal{}, errors.New("jwks endpoint unreachable")
	}))
	req := httptest.NewRequest("GET", "/Users", nil)
	req.Header.Set("Authorization", "Bearer x")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "jwks") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestLogEvents(t *testing.T) {
	var logs bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&logs, nil))
	h, err := scim.New(memstore.New(), scim.StaticTokens(token), scim.WithEventHook(scim.LogEvents(l)))
	if err != nil {
		t.Fatal(err)
	}
	for _, rq := range []struct{ method, path, body, auth string }{
		{"POST", "/Users", `{"userName":"log@x.example","password":"hunter2"}`, token},
		{"GET", `/Users?filter=userName+eq+%22log@x.example%22`, "", token},
		{"GET", "/Users", "", "wrong-token"},
	} {
		req := httptest.NewRequest(rq.method, rq.path, strings.NewReader(rq.body))
		req.Header.Set("Authorization", "Bearer "+rq.auth)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := jsonUnmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, m)
	}
	if len(got) != 3 {
		t.Fatalf("%d records: %s", len(got), logs.String())
	}
	for i, want := range []struct {
		level, op string
		status    float64
	}{{"INFO", "create", 201}, {"INFO", "match", 200}, {"WARN", "unauthorized", 401}} {
		if got[i]["level"] != want.level || got[i]["operation"] != want.op || got[i]["status"] != want.status {
			t.Errorf("record %d: %v", i, got[i])
		}
	}
	for _, secret := range []string{token, "wrong-token", "hunter2", "log@x.example"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}
