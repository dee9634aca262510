package main

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	h := newHandler("tok")
	tests := []struct {
		name, method, path, auth, body string
		status                         int
		wantKey                        string // a top-level key the JSON body must have; "" for no body
	}{
		{"match", "GET", `/scim/v2/Users?filter=userName+eq+%22a%22`, "Bearer tok", "", 200, "Resources"},
		{"list", "GET", "/scim/v2/Users?startIndex=1&count=100", "Bearer tok", "", 200, "Resources"},
		{"get", "GET", "/scim/v2/Users/1", "Bearer tok", "", 200, "userName"},
		{"post", "POST", "/scim/v2/Users", "Bearer tok", `{"userName":"a"}`, 201, "id"},
		{"patch user", "PATCH", "/scim/v2/Users/1", "Bearer tok", `{"Operations":[]}`, 200, "id"},
		{"delete user", "DELETE", "/scim/v2/Users/1", "Bearer tok", "", 204, ""},
		{"group match", "GET", "/scim/v2/Groups?filter=x", "Bearer tok", "", 200, "Resources"},
		{"post group", "POST", "/scim/v2/Groups", "Bearer tok", `{}`, 201, "displayName"},
		{"patch group", "PATCH", "/scim/v2/Groups/1", "Bearer tok", `{}`, 204, ""},
		{"wrong token", "GET", "/scim/v2/Users/1", "Bearer nope", "", 401, "detail"},
		{"no token", "GET", "/scim/v2/Users/1", "", "", 401, "detail"},
		{"token prefix only", "GET", "/scim/v2/Users/1", "Bearer to", "", 401, "detail"},
		{"unknown route", "GET", "/scim/v2/Nope", "Bearer tok", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.wantKey == "" {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/scim+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if _, ok := m[tt.wantKey]; !ok {
				t.Errorf("body lacks %q: %s", tt.wantKey, rec.Body)
			}
			if res, ok := m["Resources"].([]any); ok {
				want := 1
				if tt.name == "list" {
					want = 100
				}
				if len(res) != want {
					t.Errorf("%d Resources, want %d", len(res), want)
				}
			}
		})
	}
}
