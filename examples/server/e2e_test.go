package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// These tests build the server binary and drive it over real HTTP with the
// requests Microsoft Entra ID sends (shared/docs/idp-requests.md).

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serverBinary builds the example once per test run.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "scimkit-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "server")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

type running struct {
	cmd       *exec.Cmd
	base      string // http://127.0.0.1:port
	tenantURL string
	token     string // printed token, if any
	stderr    *bytes.Buffer
}

// start runs the binary on a free port and reads its announcements.
func start(t *testing.T, env []string, args ...string) *running {
	t.Helper()
	cmd := exec.Command(serverBinary(t), append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, stderr: &bytes.Buffer{}}
	cmd.Stderr = r.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.stop(t) })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("server exited before announcing itself; stderr:\n%s", r.stderr)
			}
			if v, ok := strings.CutPrefix(l, "SCIM tenant URL: "); ok {
				r.tenantURL = v
				r.base = strings.TrimSuffix(v, "/scim/v2")
			}
			if v, ok := strings.CutPrefix(l, "Secret token (shown once): "); ok {
				r.token = v
			}
			if strings.HasPrefix(l, "Admin page: ") {
				go func() { // keep draining
					for range lines {
					}
				}()
				return r
			}
		case <-deadline:
			t.Fatalf("no announcement within 30s; stderr:\n%s", r.stderr)
		}
	}
}

func (r *running) stop(t *testing.T) {
	if r.cmd.ProcessState != nil {
		return
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("server exit: %v; stderr:\n%s", err, r.stderr)
		}
	case <-time.After(15 * time.Second):
		r.cmd.Process.Kill()
		t.Errorf("server did not shut down within 15s")
	}
}

type reply struct {
	status int
	body   map[string]any
	raw    []byte
}

// call sends a request; auth is "Bearer x" or "admin:password" (Basic).
func call(t *testing.T, method, u, auth string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(auth, "Bearer "):
		req.Header.Set("Authorization", auth)
		req.Header.Set("User-Agent", "Microsoft Azure AD SCIM provisioning 1.0")
		if body != nil {
			req.Header.Set("Content-Type", "application/scim+json")
		}
	case auth != "":
		user, pw, _ := strings.Cut(auth, ":")
		req.SetBasicAuth(user, pw)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	rp := reply{status: res.StatusCode, raw: raw}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &rp.body); err != nil {
			t.Fatalf("%s %s: invalid JSON %q: %v", method, u, raw, err)
		}
	}
	return rp
}

func want(t *testing.T, step string, r reply, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %s", step, r.status, status, r.raw)
	}
}

// entraUser is the POST /Users body Entra sends (idp-requests §2.2), with
// the string boolean the default Switch mapping produces.
func entraUser(upn, given, family, objectID string) map[string]any {
	return map[string]any{
		"schemas": []string{
			"urn:ietf:params:scim:schemas:core:2.0:User",
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
		},
		"externalId":  objectID,
		"userName":    upn,
		"active":      "True",
		"displayName": given + " " + family,
		"emails":      []any{map[string]any{"primary": true, "type": "work", "value": upn}},
		"name":        map[string]any{"givenName": given, "familyName": family},
		"meta":        map[string]any{"resourceType": "User"},
		"roles":       []any{},
	}
}

func activePatch(v string) map[string]any {
	return map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "Replace", "path": "active", "value": v}},
	}
}

func filterURL(tenant, attr, value string) string {
	return tenant + "/Users?filter=" + url.QueryEscape(attr+` eq "`+value+`"`)
}

func TestContractSCIMTokenMemory(t *testing.T) {
	r := start(t, []string{"SCIM_TOKEN=x", "SCIM_ADMIN_PASSWORD=pw"}, "-store", "memory")
	if r.token != "" {
		t.Errorf("a token was printed although SCIM_TOKEN was set")
	}
	if !strings.HasSuffix(r.tenantURL, "/scim/v2") || !strings.HasPrefix(r.tenantURL, "http://127.0.0.1:") {
		t.Errorf("tenant URL %q", r.tenantURL)
	}
	res := call(t, "GET", filterURL(r.tenantURL, "userName", "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"), "Bearer x", nil)
	want(t, "test connection", res, 200)
	wantList := map[string]any{
		"schemas":      []any{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": 0.0, "startIndex": 1.0, "itemsPerPage": 0.0, "Resources": []any{},
	}
	if diff := cmp.Diff(wantList, res.body); diff != "" {
		t.Errorf("test connection body (-want +got):\n%s", diff)
	}
	want(t, "wrong token", call(t, "GET", r.tenantURL+"/Users", "Bearer y", nil), 401)
}

func TestGeneratedTokenPrintedOnce(t *testing.T) {
	dir := t.TempDir()
	r := start(t, []string{"SCIM_TOKEN=", "SCIM_ADMIN_PASSWORD=pw"}, "-store", "sqlite", "-data", dir)
	if !strings.HasPrefix(r.token, "scim_") {
		t.Fatalf("generated token %q lacks the scim_ prefix", r.token)
	}
	want(t, "generated token", call(t, "GET", r.tenantURL+"/Users", "Bearer "+r.token, nil), 200)
	r.stop(t)

	// Second start on the same data: the connection exists, nothing printed,
	// the token still works (only its hash was stored).
	b, err := os.ReadFile(filepath.Join(dir, "connections.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(r.token)) {
		t.Error("connections.json contains the plaintext token")
	}
	r2 := start(t, []string{"SCIM_TOKEN=", "SCIM_ADMIN_PASSWORD=pw"}, "-store", "sqlite", "-data", dir)
	if r2.token != "" {
		t.Errorf("restart printed a new token %q", r2.token)
	}
	want(t, "token after restart", call(t, "GET", r2.tenantURL+"/Users", "Bearer "+r.token, nil), 200)
}

// TestEntraLifecycle runs with SQLite, and with PostgreSQL too when
// SCIM_TEST_POSTGRES_DSN is set (connection ids then get a random suffix,
// since the database outlives the test).
func TestEntraLifecycle(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		entraLifecycle(t, "", "-store", "sqlite", "-data", dir)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("SCIM_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("SCIM_TEST_POSTGRES_DSN not set: PostgreSQL run skipped")
		}
		suffix := fmt.Sprintf("-%d", time.Now().UnixNano())
		entraLifecycle(t, suffix, "-store", "postgres", "-postgres-dsn", dsn, "-data", t.TempDir())
	})
}

func entraLifecycle(t *testing.T, suffix string, args ...string) {
	advID, roomsID := "advisors"+suffix, "rooms"+suffix
	admin := "admin:pw"
	r := start(t, []string{"SCIM_TOKEN=default-secret", "SCIM_ADMIN_PASSWORD=pw"}, args...)

	// The two-endpoint product: advisors and rooms, each its own connection.
	res := call(t, "POST", r.base+"/admin/api/connections", admin, map[string]any{"id": advID, "name": "Advisors", "seatLimit": 2})
	want(t, "create advisors", res, 201)
	tokA := res.body["token"].(string)
	advisors := res.body["connection"].(map[string]any)["tenantUrl"].(string)
	if advisors != r.base+"/c/"+advID+"/scim/v2" {
		t.Errorf("advisors tenant URL = %q", advisors)
	}
	res = call(t, "POST", r.base+"/admin/api/connections", admin, map[string]any{"id": roomsID, "name": "Rooms"})
	want(t, "create rooms", res, 201)
	tokR := res.body["token"].(string)
	rooms := res.body["connection"].(map[string]any)["tenantUrl"].(string)

	bearerA := "Bearer " + tokA
	// Isolation of credentials: each token opens only its own URL.
	want(t, "rooms token at advisors", call(t, "GET", advisors+"/Users", "Bearer "+tokR, nil), 401)
	want(t, "default token at advisors", call(t, "GET", advisors+"/Users", "Bearer default-secret", nil), 401)

	// Test connection.
	res = call(t, "GET", filterURL(advisors, "userName", "0a4c8f4e-1b7d-4a36-8f0b-2e6f3b1d9c55"), bearerA, nil)
	want(t, "test connection", res, 200)
	if res.body["totalResults"] != 0.0 {
		t.Fatalf("test connection found %v users", res.body["totalResults"])
	}

	// Initial cycle: match (0 results) then create.
	create := func(upn, given, family, oid string) reply {
		t.Helper()
		res := call(t, "GET", filterURL(advisors, "userName", upn), bearerA, nil)
		want(t, "match before create "+upn, res, 200)
		return call(t, "POST", advisors+"/Users", bearerA, entraUser(upn, given, family, oid))
	}
	res = create("adele.v@contoso.example", "Adele", "Vance", "oid-adele")
	want(t, "create adele", res, 201)
	adele := res.body["id"].(string)
	if res.body["active"] != true {
		t.Errorf(`"active":"True" stored as %v`, res.body["active"])
	}
	res = create("bob.k@contoso.example", "Bob", "Kelly", "oid-bob")
	want(t, "create bob", res, 201)

	// The same user in the other connection is a different user.
	want(t, "adele in rooms", call(t, "POST", rooms+"/Users", "Bearer "+tokR, entraUser("adele.v@contoso.example", "Adele", "Vance", "oid-adele")), 201)

	// Match finds adele (a later cycle, or after a restart of the job).
	res = call(t, "GET", filterURL(advisors, "userName", "adele.v@contoso.example"), bearerA, nil)
	want(t, "match adele", res, 200)
	if res.body["totalResults"] != 1.0 {
		t.Fatalf("match adele: totalResults %v", res.body["totalResults"])
	}

	// Seat limit 2 is used up: a third create is refused with a clear detail.
	res = create("carol.s@contoso.example", "Carol", "Smith", "oid-carol")
	want(t, "create carol over the limit", res, 403)
	if d, _ := res.body["detail"].(string); d != "licence for 2 active users exhausted" {
		t.Errorf("seat refusal detail = %q", d)
	}

	// Entra soft delete: PATCH active "False" (string, capitalised op).
	res = call(t, "PATCH", advisors+"/Users/"+adele, bearerA, activePatch("False"))
	if res.status != 200 && res.status != 204 {
		t.Fatalf("deactivate: status %d %s", res.status, res.raw)
	}
	res = call(t, "GET", advisors+"/Users/"+adele, bearerA, nil)
	want(t, "get deactivated", res, 200)
	if res.body["active"] != false {
		t.Errorf("after deactivation active = %v", res.body["active"])
	}
	// The product reacted: adele's session revoked, notice recorded.
	res = call(t, "GET", r.base+"/admin/api/connections/"+advID+"/notifications", admin, nil)
	want(t, "notifications", res, 200)
	if !strings.Contains(string(res.raw), `"kind": "user.deactivated"`) || !strings.Contains(string(res.raw), `"sessionsRevoked": 1`) {
		t.Errorf("no deactivation notice with a revoked session: %s", res.raw)
	}

	// The freed seat goes to carol; re-enabling adele is then refused.
	want(t, "create carol after a seat was freed", create("carol.s@contoso.example", "Carol", "Smith", "oid-carol"), 201)
	res = call(t, "PATCH", advisors+"/Users/"+adele, bearerA, activePatch("True"))
	want(t, "reactivate over the limit", res, 403)
	want(t, "raise the limit", call(t, "PATCH", r.base+"/admin/api/connections/"+advID, admin, map[string]any{"seatLimit": 3}), 200)
	res = call(t, "PATCH", advisors+"/Users/"+adele, bearerA, activePatch("True"))
	if res.status != 200 && res.status != 204 {
		t.Fatalf("reactivate: status %d %s", res.status, res.raw)
	}

	// Synchronization view: every request, failures filterable.
	res = call(t, "GET", r.base+"/admin/api/connections/"+advID+"/sync?outcome=failure", admin, nil)
	want(t, "sync failures", res, 200)
	type row struct {
		Method, Operation, Detail string
		Status                    float64
	}
	var got []row
	for _, e := range res.body["entries"].([]any) {
		m := e.(map[string]any)
		d, _ := m["detail"].(string)
		got = append(got, row{m["method"].(string), m["operation"].(string), d, m["status"].(float64)})
	}
	wantRows := []row{ // newest first
		{"PATCH", "reactivate", "licence for 2 active users exhausted", 403},
		{"POST", "create", "licence for 2 active users exhausted", 403},
		{"GET", "unauthorized", "invalid bearer token", 401}, // default token at the advisors URL
		{"GET", "unauthorized", "invalid bearer token", 401}, // rooms token at the advisors URL
	}
	if diff := cmp.Diff(wantRows, got); diff != "" {
		t.Errorf("failures in the sync log (-want +got):\n%s", diff)
	}
	stats := res.body["stats"].(map[string]any)
	if stats["failures"] != 4.0 || stats["lastTransfer"] == nil {
		t.Errorf("sync stats = %v", stats)
	}

	// Rotate: the new token works at once, the old one until revoked.
	res = call(t, "POST", r.base+"/admin/api/connections/"+advID+"/tokens", admin, map[string]any{})
	want(t, "rotate", res, 201)
	tokA2 := res.body["token"].(string)
	want(t, "old token during overlap", call(t, "GET", advisors+"/Users", bearerA, nil), 200)
	want(t, "new token", call(t, "GET", advisors+"/Users", "Bearer "+tokA2, nil), 200)
	res = call(t, "GET", r.base+"/admin/api/connections/"+advID, admin, nil)
	want(t, "get connection", res, 200)
	var oldID string
	for _, tk := range res.body["tokens"].([]any) {
		m := tk.(map[string]any)
		if !strings.HasSuffix(tokA, strings.TrimPrefix(m["hint"].(string), "scim_…")) {
			continue
		}
		oldID = m["id"].(string)
	}
	if oldID == "" {
		t.Fatalf("old token not listed by hint: %s", res.raw)
	}
	if strings.Contains(string(res.raw), tokA) || strings.Contains(string(res.raw), tokA2) {
		t.Error("connection view contains a plaintext token")
	}
	want(t, "revoke old", call(t, "DELETE", r.base+"/admin/api/connections/"+advID+"/tokens/"+oldID, admin, nil), 204)
	want(t, "old token after revoke", call(t, "GET", advisors+"/Users", bearerA, nil), 401)
	want(t, "new token after revoke", call(t, "GET", advisors+"/Users", "Bearer "+tokA2, nil), 200)

	// End SCIM connection: 401 from now on, users stay, rooms unaffected.
	res = call(t, "POST", r.base+"/admin/api/connections/"+advID+"/end", admin, map[string]any{})
	want(t, "end", res, 200)
	want(t, "after end", call(t, "GET", advisors+"/Users", "Bearer "+tokA2, nil), 401)
	res = call(t, "GET", r.base+"/admin/api/connections/"+advID+"/users", admin, nil)
	want(t, "users after end", res, 200)
	if res.body["totalResults"] != 3.0 {
		t.Errorf("users after end: %v, want 3", res.body["totalResults"])
	}
	want(t, "rooms after ending advisors", call(t, "GET", rooms+"/Users", "Bearer "+tokR, nil), 200)

	// Restart on the same data: connections, hashed tokens and users persist.
	r.stop(t)
	r2 := start(t, []string{"SCIM_TOKEN=default-secret", "SCIM_ADMIN_PASSWORD=pw"}, args...)
	want(t, "rooms token after restart", call(t, "GET", strings.Replace(rooms, r.base, r2.base, 1)+"/Users", "Bearer "+tokR, nil), 200)
	want(t, "ended stays ended", call(t, "GET", r2.base+"/c/"+advID+"/scim/v2/Users", "Bearer "+tokA2, nil), 401)
	res = call(t, "GET", r2.base+"/admin/api/connections/"+advID+"/users", admin, nil)
	want(t, "users after restart", res, 200)
	if res.body["totalResults"] != 3.0 {
		t.Errorf("users after restart: %v, want 3", res.body["totalResults"])
	}
}

func TestAdminAPIAuth(t *testing.T) {
	r := start(t, []string{"SCIM_TOKEN=x", "SCIM_ADMIN_PASSWORD=pw"}, "-store", "memory")
	tests := []struct {
		name, method, path, auth string
		body                     any
		want                     int
	}{
		{"no credentials", "GET", "/admin/api/connections", "", nil, 401},
		{"wrong password", "GET", "/admin/api/connections", "admin:nope", nil, 401},
		{"SCIM token is no admin credential", "GET", "/admin/api/connections", "Bearer x", nil, 401},
		{"ok", "GET", "/admin/api/connections", "admin:pw", nil, 200},
		{"bad id", "POST", "/admin/api/connections", "admin:pw", map[string]any{"id": "Not Valid"}, 400},
		{"unknown field", "POST", "/admin/api/connections", "admin:pw", map[string]any{"seats": 3}, 400},
		{"duplicate id", "POST", "/admin/api/connections", "admin:pw", map[string]any{"id": "default"}, 400},
		{"unknown connection", "GET", "/admin/api/connections/nope", "admin:pw", nil, 404},
		{"unknown endpoint", "GET", "/admin/api/nope", "admin:pw", nil, 404},
		{"bad outcome", "GET", "/admin/api/connections/default/sync?outcome=maybe", "admin:pw", nil, 400},
		{"unknown SCIM connection", "GET", "/c/nope/scim/v2/Users", "Bearer x", nil, 404},
		{"admin page needs login", "GET", "/admin/", "", nil, 200}, // redirected to the login form
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, tt.method, r.base+tt.path, tt.auth, tt.body)
			want(t, tt.name, res, tt.want)
		})
	}
	// A form post (what a cross-site page can send) is refused by the API.
	req, _ := http.NewRequest("POST", r.base+"/admin/api/connections", strings.NewReader("id=evil"))
	req.SetBasicAuth("admin", "pw")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form post to the API: status %d, want 415", res.StatusCode)
	}
	// A page POST without the CSRF token is refused.
	jar := loginJar(t, r.base)
	res, err = (&http.Client{Jar: jar}).PostForm(r.base+"/admin/connections", url.Values{"name": {"evil"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("page POST without CSRF token: status %d, want 403", res.StatusCode)
	}
}

// loginJar signs in to the admin page and returns the cookie jar.
func loginJar(t *testing.T, base string) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/admin/login", url.Values{"password": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("login with a wrong password: status %d, want 401", res.StatusCode)
	}
	res, err = c.PostForm(base+"/admin/login", url.Values{"password": {"pw"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "SCIM connections") {
		t.Fatalf("login: status %d, page %.200s", res.StatusCode, body)
	}
	return jar
}
