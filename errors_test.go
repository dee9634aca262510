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
