package scim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
)

const token = "s3cret-token-for-tests"

var fixedTime = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	h      *scim.Handler
	store  *memstore.Store
	prefix string
	events []scim.Event
	mu     sync.Mutex
}

func newFixture(t *testing.T, opts ...scim.Option) *fixture {
	t.Helper()
	f := &fixture{t: t, store: memstore.New(), prefix: "/scim/v2"}
	opts = append([]scim.Option{
		scim.WithClock(func() time.Time { return fixedTime }),
		scim.WithGroups(f.store),
		scim.WithEventHook(func(_ context.Context, e scim.Event) {
			f.mu.Lock()
			f.events = append(f.events, e)
			f.mu.Unlock()
		}),
	}, opts...)
	h, err := scim.New(f.store, scim.StaticTokens(token), opts...)
	if err != nil {
		t.Fatal(err)
	}
	f.h = h
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (f *fixture) do(method, path string, body any, hdr ...string) response {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, f.srv.URL+f.prefix+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			f.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, raw)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			f.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return r
}

// wantError checks a SCIM error response.
func wantError(t *testing.T, r response, status int, scimType string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.raw)
	}
	want := map[string]any{"schemas": []any{scim.ErrorSchema}, "status": fmt.Sprint(status)}
	got := map[string]any{"schemas": r.body["schemas"], "status": r.body["status"]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("error body (-want +got):\n%s", diff)
	}
	if st, _ := r.body["scimType"].(string); st != scimType {
		t.Errorf("scimType = %q, want %q (%s)", st, scimType, r.raw)
	}
	if d, _ := r.body["detail"].(string); d == "" {
		t.Errorf("error without detail: %s", r.raw)
	}
}

const entraCreate = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "adelev",
  "userName": "adele.v@contoso.example",
  "active": true,
  "displayName": "Adele Vance",
  "title": "Retail Manager",
  "emails": [{"primary": true, "type": "work", "value": "adele.v@contoso.example"}],
  "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0109"}],
  "addresses": [{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}],
  "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
  "meta": {"resourceType": "User"},
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "10442", "department": "Retail"},
  "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "blue-team"}
}`

func (f *fixture) createUser(userName string) string {
	f.t.Helper()
	body := strings.Replace(entraCreate, "adele.v@contoso.example", userName, 2)
	body = strings.Replace(body, `"adelev"`, fmt.Sprintf("%q", "ext-"+userName), 1)
	r := f.do("POST", "/Users", body)
	if r.status != 201 {
		f.t.Fatalf("create %s: %d %s", userName, r.status, r.raw)
	}
	return r.body["id"].(string)
}

func TestCreateUserEntraShape(t *testing.T) {
	f := newFixture(t, scim.WithBaseURL("https://app.example.com/scim/v2"))
	r := f.do("POST", "/Users", entraCreate)
	if r.status != 201 {
		t.Fatalf("status %d: %s", r.status, r.raw)
	}
	id, _ := r.body["id"].(string)
	if id == "" {
		t.Fatal("no id")
	}
	loc := "https://app.example.com/scim/v2/Users/" + id
	if got := r.header.Get("Location"); got != loc {
		t.Errorf("Location = %q, want %q", got, loc)
	}
	meta := r.body["meta"].(map[string]any)
	if r.header.Get("ETag") == "" || r.header.Get("ETag") != meta["version"] {
		t.Errorf("ETag %q vs meta.version %v", r.header.Get("ETag"), meta["version"])
	}
	want := map[string]any{
		"resourceType": "User", "location": loc, "version": meta["version"],
		"created": "2026-11-23T09:00:00Z", "lastModified": "2026-11-23T09:00:00Z",
	}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("meta (-want +got):\n%s", diff)
	}
	wantSchemas := []any{scim.UserSchema, scim.EnterpriseUserSchema, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"}
	if diff := cmp.Diff(wantSchemas, r.body["schemas"]); diff != "" {
		t.Errorf("schemas (-want +got):\n%s", diff)
	}
	// Values round-trip exactly as sent (no perpetual re-PATCH by Entra).
	var sent map[string]any
	json.Unmarshal([]byte(entraCreate), &sent)
	for _, k := range []string{"externalId", "userName", "active", "displayName", "title", "emails", "phoneNumbers", "addresses", "name",
		scim.EnterpriseUserSchema, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"} {
		if diff := cmp.Diff(sent[k], r.body[k]); diff != "" {
			t.Errorf("%s round trip (-sent +got):\n%s", k, diff)
		}
	}
	g := f.do("GET", "/Users/"+id, nil)
	if diff := cmp.Diff(r.body, g.body); diff != "" {
		t.Errorf("GET differs from POST response (-post +get):\n%s", diff)
	}
}

func TestCreateUserErrors(t *testing.T) {
	f := newFixture(t)
	f.createUser("taken@contoso.example")
	tests := []struct {
		name     string
		body     string
		status   int
		scimType string
	}{
		{"duplicate userName other case", `{"userName":"TAKEN@contoso.example"}`, 409, "uniqueness"},
		{"missing userName", `{"displayName":"x"}`, 400, "invalidValue"},
		{"not JSON", `{"userName":`, 400, "invalidSyntax"},
		{"array body", `[1,2]`, 400, "invalidSyntax"},
		{"wrong type", `{"userName":"a@b","active":12}`, 400, "invalidValue"},
		{"deep nesting", `{"userName":"a@b","x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, 400, "invalidSyntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantError(t, f.do("POST", "/Users", tt.body), tt.status, tt.scimType)
		})
	}
	t.Run("body too large", func(t *testing.T) {
		f := newFixture(t, scim.WithMaxBodyBytes(64))
		wantError(t, f.do("POST", "/Users", `{"userName":"`+strings.Repeat("a", 100)+`"}`), 413, "")
	})
}

func TestAuth(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, header string
		status       int
	}{
		{"missing", "", 401},
		{"wrong", "Bearer nope", 401},
		{"basic", "Basic " + token, 401},
		{"doubled prefix", "Bearer Bearer " + token, 200},
		{"lower-case scheme", "bearer " + token, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("GET", "/Users", nil, "Authorization", tt.header)
			if tt.status == 401 {
				wantError(t, r, 401, "")
				if r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if bytes.Contains(r.raw, []byte(token)) {
					t.Error("token echoed in error body")
				}
				if e := f.lastEvent(); e.Operation != scim.OpUnauthorized || e.Authenticated || e.Status != 401 {
					t.Errorf("event %+v", e)
				}
				return
			}
			if r.status != tt.status {
				t.Fatalf("status %d: %s", r.status, r.raw)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	s := memstore.New()
	tests := []struct {
		name string
		fn   func() (*scim.Handler, error)
	}{
		{"nil store", func() (*scim.Handler, error) { return scim.New(nil, scim.StaticTokens("x")) }},
		{"nil verifier", func() (*scim.Handler, error) { return scim.New(s, nil) }},
		{"no tokens", func() (*scim.Handler, error) { return scim.New(s, scim.StaticTokens()) }},
		{"empty token", func() (*scim.Handler, error) { return scim.New(s, scim.StaticTokens("a", "")) }},
		{"relative base URL", func() (*scim.Handler, error) { return scim.New(s, scim.StaticTokens("x"), scim.WithBaseURL("/scim")) }},
		{"zero page size", func() (*scim.Handler, error) { return scim.New(s, scim.StaticTokens("x"), scim.WithPageSize(0, 10)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := tt.fn(); err == nil || h != nil {
				t.Fatalf("New succeeded, want error")
			}
		})
	}
}

func TestRouting(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("route@contoso.example")
	tests := []struct {
		name, method, path string
		status             int
	}{
		{"list", "GET", "/Users", 200},
		{"lower-case resource", "GET", "/users", 200},
		{"trailing slash", "GET", "/Users/", 200},
		{"double slash", "GET", "//Users", 200},
		{"get by id", "GET", "/Users/" + id, 200},
		{"get by id trailing slash", "GET", "/Users/" + id + "/", 200},
		{"unknown id", "GET", "/Users/does-not-exist", 404},
		{"unknown route", "GET", "/Nope", 404},
		{"root", "GET", "/", 404},
		{"method not allowed", "DELETE", "/Users", 405},
		{"search needs POST", "GET", "/Users/.search", 405},
		{"spc", "GET", "/ServiceProviderConfig", 200},
		{"resource types", "GET", "/ResourceTypes", 200},
		{"resource type", "GET", "/ResourceTypes/User", 200},
		{"schemas", "GET", "/Schemas", 200},
		{"schema", "GET", "/Schemas/" + scim.UserSchema, 200},
		{"unknown schema", "GET", "/Schemas/urn:nope", 404},
		{"unknown query param ignored", "GET", "/Users?aadOptscim062020", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(tt.method, tt.path, nil)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
			}
			if tt.status >= 400 {
				wantError(t, r, tt.status, "")
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without Allow")
			}
		})
	}
}

func TestMountPrefixes(t *testing.T) {
	store := memstore.New()
	for _, prefix := range []string{"/scim/v2", "/scim", "/tenants/acme/scim", ""} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			h, err := scim.New(store, scim.StaticTokens(token))
			if err != nil {
				t.Fatal(err)
			}
			// Mounted without StripPrefix: the handler must still route.
			req := httptest.NewRequest("POST", prefix+"/Users", strings.NewReader(`{"userName":"p`+strings.ReplaceAll(prefix, "/", "_")+`@x.example"}`))
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 201 {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var body map[string]any
			json.Unmarshal(rec.Body.Bytes(), &body)
			want := prefix + "/Users/" + body["id"].(string)
			if got := rec.Header().Get("Location"); got != want {
				t.Errorf("Location = %q, want %q", got, want)
			}
		})
	}
}

func TestEntraMatchQueries(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("adele.v@contoso.example")
	f.createUser("other@contoso.example")
	list := func(t *testing.T, rawQuery string) (total float64, ids []string) {
		t.Helper()
		r := f.do("GET", "/Users?"+rawQuery, nil)
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
		if r.body["schemas"].([]any)[0] != scim.ListResponseSchema {
			t.Errorf("schemas %v", r.body["schemas"])
		}
		res, ok := r.body["Resources"].([]any)
		if !ok {
			t.Fatalf("Resources missing: %s", r.raw)
		}
		if float64(len(res)) != r.body["itemsPerPage"].(float64) {
			t.Errorf("itemsPerPage %v but %d resources", r.body["itemsPerPage"], len(res))
		}
		for _, x := range res {
			ids = append(ids, x.(map[string]any)["id"].(string))
		}
		return r.body["totalResults"].(float64), ids
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"test connection GUID", "filter=userName+eq+%22f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913%22", nil},
		{"userName plus-encoded", "filter=userName+eq+%22adele.v%40contoso.example%22", []string{id}},
		{"userName other case", "filter=userName%20eq%20%22ADELE.V@CONTOSO.EXAMPLE%22", []string{id}},
		{"externalId case-exact hit", `filter=externalId+eq+%22ext-adele.v@contoso.example%22`, []string{id}},
		{"externalId case-exact miss", `filter=externalId+eq+%22EXT-adele.v@contoso.example%22`, nil},
		{"okta paging", "filter=userName+eq+%22adele.v@contoso.example%22&startIndex=1&count=100", []string{id}},
		{"work email", `filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22adele.v@contoso.example%22`, []string{id}},
		{"enterprise URN", `filter=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber+eq+%2210442%22&count=1`, []string{id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			total, ids := list(t, tt.query)
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if tt.name != "enterprise URN" && int(total) != len(tt.want) {
				t.Errorf("totalResults %v", total)
			}
		})
	}
	t.Run("bad filter is 400 invalidFilter, never ignored", func(t *testing.T) {
		for _, q := range []string{"filter=userName+eq", "filter=nosuchattr+eq+%22x%22", "filter=", "filter=active+gt+true"} {
			wantError(t, f.do("GET", "/Users?"+q, nil), 400, "invalidFilter")
		}
	})
}

func TestPaging(t *testing.T) {
	f := newFixture(t, scim.WithPageSize(2, 3))
	var ids []string
	for i := 0; i < 5; i++ {
		ids = append(ids, f.createUser(fmt.Sprintf("u%d@x.example", i)))
	}
	page := func(q string) (map[string]any, []string) {
		r := f.do("GET", "/Users?"+q, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.raw)
		}
		var got []string
		for _, x := range r.body["Resources"].([]any) {
			got = append(got, x.(map[string]any)["id"].(string))
		}
		return r.body, got
	}
	tests := []struct {
		q          string
		want       []string
		start, per float64
	}{
		{"", ids[:2], 1, 2},
		{"startIndex=2&count=2", ids[1:3], 2, 2},
		{"startIndex=0&count=1", ids[:1], 1, 1},
		{"startIndex=5&count=3", ids[4:], 5, 1},
		{"startIndex=9", nil, 9, 0},
		{"count=100", ids[:3], 1, 3},
		{"count=0", nil, 1, 0},
		{"count=-4", nil, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			body, got := page(tt.q)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if body["totalResults"] != float64(5) || body["startIndex"] != tt.start || body["itemsPerPage"] != tt.per {
				t.Errorf("total %v start %v per %v", body["totalResults"], body["startIndex"], body["itemsPerPage"])
			}
		})
	}
	wantError(t, f.do("GET", "/Users?count=abc", nil), 400, "invalidValue")
	t.Run("sort descending", func(t *testing.T) {
		_, got := page("sortBy=userName&sortOrder=descending&count=3")
		if diff := cmp.Diff([]string{ids[4], ids[3], ids[2]}, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}

func TestSearchEndpoint(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("search@x.example")
	r := f.do("POST", "/Users/.search", map[string]any{
		"schemas":    []string{scim.SearchRequestSchema},
		"filter":     `userName eq "SEARCH@x.example"`,
		"attributes": []string{"userName"},
		"startIndex": 1, "count": 10,
	})
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	want := []any{map[string]any{"schemas": []any{scim.UserSchema, scim.EnterpriseUserSchema, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"}, "id": id, "userName": "search@x.example"}}
	if diff := cmp.Diff(want, r.body["Resources"]); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestProjection(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("proj@x.example")
	tests := []struct {
		name, q string
		keys    []string
	}{
		{"attributes id", "attributes=id", []string{"id", "schemas"}},
		{"attributes sub", "attributes=name.givenName,emails.value", []string{"emails", "id", "name", "schemas"}},
		{"attributes URN", "attributes=urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", []string{"id", "schemas", scim.EnterpriseUserSchema}},
		{"excluded", "excludedAttributes=emails,phoneNumbers,addresses,name,meta,id", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do("GET", "/Users/"+id+"?"+tt.q, nil)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			var keys []string
			for k := range r.body {
				keys = append(keys, k)
			}
			if tt.keys == nil {
				for _, k := range []string{"emails", "phoneNumbers", "addresses", "name", "meta"} {
					if _, ok := r.body[k]; ok {
						t.Errorf("%s not excluded", k)
					}
				}
				if r.body["id"] != id {
					t.Error("id must never be excluded")
				}
				return
			}
			if diff := cmp.Diff(tt.keys, keys, cmpSortStrings); diff != "" {
				t.Errorf("keys (-want +got):\n%s", diff)
			}
		})
	}
	r := f.do("GET", "/Users/"+id+"?attributes=name.givenName", nil)
	if diff := cmp.Diff(map[string]any{"givenName": "Adele"}, r.body["name"]); diff != "" {
		t.Errorf("name (-want +got):\n%s", diff)
	}
}

var cmpSortStrings = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

func TestPutUser(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("put@x.example")
	f.createUser("other@x.example")
	cur := f.do("GET", "/Users/"+id, nil)
	// Okta sends the full object back with id, meta, groups and middleName "".
	body := cur.body
	body["displayName"] = "Put Changed"
	body["name"] = map[string]any{"givenName": "Put", "familyName": "Changed", "middleName": ""}
	body["groups"] = []any{}
	body["password"] = "7hq20kzv"
	delete(body, "active")
	body["id"] = "something-else"
	r := f.do("PUT", "/Users/"+id, body)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r.body["id"] != id || r.body["displayName"] != "Put Changed" || r.body["active"] != true {
		t.Errorf("PUT result: %s", r.raw)
	}
	if _, ok := r.body["password"]; ok || bytes.Contains(r.raw, []byte("7hq20kzv")) {
		t.Error("password stored")
	}
	wantError(t, f.do("PUT", "/Users/"+id, `{"displayName":"no userName"}`), 400, "invalidValue")
	wantError(t, f.do("PUT", "/Users/"+id, `{"userName":"OTHER@x.example"}`), 409, "uniqueness")
	wantError(t, f.do("PUT", "/Users/nope", `{"userName":"n@x.example"}`), 404, "")
	// ETags.
	etag := r.header.Get("ETag")
	wantError(t, f.do("PUT", "/Users/"+id, `{"userName":"put@x.example"}`, "If-Match", `W/"stale"`), 412, "")
	if r := f.do("PUT", "/Users/"+id, `{"userName":"put@x.example"}`, "If-Match", etag); r.status != 200 {
		t.Errorf("If-Match current: %d %s", r.status, r.raw)
	}
	newTag := f.do("GET", "/Users/"+id, nil).header.Get("ETag")
	if newTag == etag {
		t.Error("version did not change on write")
	}
	if r := f.do("GET", "/Users/"+id, nil, "If-None-Match", newTag); r.status != 304 {
		t.Errorf("If-None-Match: %d", r.status)
	}
}

func TestDeleteUser(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("del@x.example")
	if r := f.do("DELETE", "/Users/"+id, nil); r.status != 204 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	for _, m := range []string{"GET", "DELETE"} {
		wantError(t, f.do(m, "/Users/"+id, nil), 404, "")
	}
	wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"active","value":false}]}`), 404, "")
	// The userName is free again.
	f.createUser("del@x.example")
}

func TestPatchUserThroughHandler(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("patch@x.example")
	r := f.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"displayName","value":"Patched"},
		{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@x.example"},
		{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"},
		{"op":"replace","path":"active","value":false}]}`)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if r.body["displayName"] != "Patched" || r.body["active"] != false {
		t.Errorf("%s", r.raw)
	}
	ent := r.body[scim.EnterpriseUserSchema].(map[string]any)
	if ent["department"] != "Sales" || ent["employeeNumber"] != "10442" {
		t.Errorf("enterprise %v", ent)
	}
	if e := f.lastEvent(); e.Operation != scim.OpDeactivate || e.ResourceID != id || e.Status != 200 {
		t.Errorf("event %+v, want deactivate of %s", e, id)
	}
	// A deactivated user stays readable and findable.
	if g := f.do("GET", "/Users?filter=userName+eq+%22patch@x.example%22", nil); g.body["totalResults"] != float64(1) {
		t.Errorf("deactivated user not found by filter: %s", g.raw)
	}
	// One failing operation leaves the resource untouched.
	before := f.do("GET", "/Users/"+id, nil)
	wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"displayName","value":"Half"},{"op":"replace","path":"id","value":"x"}]}`), 400, "mutability")
	wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"displayName","value":"Half"},{"op":"replace","path":"nope","value":"x"}]}`), 400, "invalidPath")
	after := f.do("GET", "/Users/"+id, nil)
	if diff := cmp.Diff(before.body, after.body); diff != "" {
		t.Errorf("failed PATCH changed the user (-before +after):\n%s", diff)
	}
	// Empty Operations is a no-op success.
	if r := f.do("PATCH", "/Users/"+id, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[]}`); r.status != 200 {
		t.Errorf("empty operations: %d %s", r.status, r.raw)
	}
	wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":{}}`), 400, "invalidSyntax")
	t.Run("too many operations", func(t *testing.T) {
		f := newFixture(t, scim.WithMaxOperations(2))
		id := f.createUser("many@x.example")
		op := `{"op":"replace","path":"title","value":"t"}`
		wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":[`+op+","+op+","+op+`]}`), 400, "tooMany")
	})
	t.Run("204 option", func(t *testing.T) {
		f := newFixture(t, scim.WithPatchNoContent(true))
		id := f.createUser("nc@x.example")
		if r := f.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"title","value":"t"}]}`); r.status != 204 || len(r.raw) != 0 {
			t.Errorf("%d %s", r.status, r.raw)
		}
	})
	t.Run("rename collides", func(t *testing.T) {
		f.createUser("taken2@x.example")
		wantError(t, f.do("PATCH", "/Users/"+id, `{"Operations":[{"op":"replace","path":"userName","value":"TAKEN2@x.example"}]}`), 409, "uniqueness")
	})
}

func (f *fixture) lastEvent() scim.Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		return scim.Event{}
	}
	return f.events[len(f.events)-1]
}

// TestConcurrentPatchesLoseNothing fires concurrent PATCHes that each add a
// distinct email at one user: every one must land, through the
// get/apply/replace-with-version path (memstore with its UserPatcher
// hidden) and through each shipped store's own UserPatcher.
func TestConcurrentPatchesLoseNothing(t *testing.T) {
	run := func(t *testing.T, srv *httptest.Server, s scim.UserStore) {
		f := &fixture{t: t, srv: srv}
		id := f.createUser("conc@x.example")
		const n = 32
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := fmt.Sprintf(`{"Operations":[{"op":"add","path":"emails","value":[{"type":"t%d","value":"e%d@x.example"}]}]}`, i, i)
				req, _ := http.NewRequest("PATCH", srv.URL+"/Users/"+id, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", resp.StatusCode)
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		r := f.do("GET", "/Users/"+id, nil)
		if got := len(r.body["emails"].([]any)); got != n+1 {
			t.Errorf("%d emails, want %d (the created one and %d added)", got, n+1, n)
		}
	}
	t.Run("version retry", func(t *testing.T) {
		s := replaceOnly{memstore.New()}
		h, err := scim.New(s, scim.StaticTokens(token))
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		run(t, srv, s)
	})
	eachStore(t, func(t *testing.T, srv *httptest.Server, s fullStore) { run(t, srv, s) })
}

// replaceOnly hides memstore's UserPatcher so the handler uses its
// get/apply/replace-with-version cycle.
type replaceOnly struct{ s *memstore.Store }

func (r replaceOnly) CreateUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	return r.s.CreateUser(ctx, u)
}
func (r replaceOnly) GetUser(ctx context.Context, id string) (*scim.User, error) {
	return r.s.GetUser(ctx, id)
}
func (r replaceOnly) ReplaceUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	return r.s.ReplaceUser(ctx, u)
}
func (r replaceOnly) DeleteUser(ctx context.Context, id string) error { return r.s.DeleteUser(ctx, id) }
func (r replaceOnly) ListUsers(ctx context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	return r.s.ListUsers(ctx, q)
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	spc := f.do("GET", "/ServiceProviderConfig", nil)
	if spc.body["patch"].(map[string]any)["supported"] != true || spc.body["bulk"].(map[string]any)["supported"] != false {
		t.Errorf("spc %s", spc.raw)
	}
	rt := f.do("GET", "/ResourceTypes", nil)
	if rt.body["totalResults"] != float64(2) {
		t.Errorf("resource types %s", rt.raw)
	}
	sc := f.do("GET", "/Schemas", nil)
	if sc.body["totalResults"] != float64(3) {
		t.Errorf("schemas total %v", sc.body["totalResults"])
	}
	if bytes.Contains(sc.raw, []byte("null")) {
		t.Error("/Schemas contains null")
	}
	one := f.do("GET", "/Schemas/"+scim.UserSchema, nil)
	attrs := one.body["attributes"].([]any)
	var userName map[string]any
	for _, a := range attrs {
		if a.(map[string]any)["name"] == "userName" {
			userName = a.(map[string]any)
		}
	}
	if userName == nil || userName["caseExact"] != false || userName["uniqueness"] != "server" || userName["required"] != true {
		t.Errorf("userName definition %v", userName)
	}
	// Without groups, discovery does not advertise them.
	h, _ := scim.New(memstore.New(), scim.StaticTokens(token))
	req := httptest.NewRequest("GET", "/ResourceTypes", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"totalResults":1`) {
		t.Errorf("resource types without groups: %s", rec.Body)
	}
}

func TestContentTypes(t *testing.T) {
	f := newFixture(t)
	for _, ct := range []string{"application/json", "application/scim+json; charset=utf-8", ""} {
		r := f.do("POST", "/Users", fmt.Sprintf(`{"userName":"ct%d@x.example"}`, len(ct)), "Content-Type", ct)
		if r.status != 201 {
			t.Errorf("Content-Type %q: %d %s", ct, r.status, r.raw)
		}
	}
	wantError(t, f.do("POST", "/Users", `{"userName":"xml@x.example"}`, "Content-Type", "text/xml"), 415, "")
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
