package scim_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

// memberIDs reads a group with members and returns their ids, sorted.
func (f *fixture) memberIDs(gid string) []string {
	f.t.Helper()
	r := f.do("GET", "/Groups/"+gid, nil)
	if r.status != 200 {
		f.t.Fatalf("get group: %d %s", r.status, r.raw)
	}
	ids := []string{}
	ms, _ := r.body["members"].([]any)
	for _, m := range ms {
		ids = append(ids, m.(map[string]any)["value"].(string))
	}
	sort.Strings(ids)
	return ids
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}

// TestEntraGroupFlow replays Entra's group provisioning: lookup by
// displayName without members, create without members, member PATCHes in
// both dialects, rename, and delete (idp-requests.md §1.12, §2.6).
func TestEntraGroupFlow(t *testing.T) {
	f := newFixture(t)
	u1, u2, u3 := f.createUser("g1@x.example"), f.createUser("g2@x.example"), f.createUser("g3@x.example")

	look := f.do("GET", "/Groups?excludedAttributes=members&filter=displayName+eq+%22Finance+EMEA%22", nil)
	if look.status != 200 || look.body["totalResults"] != float64(0) {
		t.Fatalf("lookup: %d %s", look.status, look.raw)
	}
	created := f.do("POST", "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
		"externalId":"e1b7c3a9-52f0-4d8e-a6b1-93c4f0d2e7aa","displayName":"Finance EMEA","meta":{"resourceType":"Group"},"members":[]}`)
	if created.status != 201 {
		t.Fatalf("create: %d %s", created.status, created.raw)
	}
	gid := created.body["id"].(string)
	wantError(t, f.do("POST", "/Groups", `{"displayName":"finance emea"}`), 409, "uniqueness")

	steps := []struct {
		name string
		body string
		want []string
	}{
		{"add two (default dialect, $ref null)", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"` + u1 + `"},{"$ref":null,"value":"` + u2 + `"}]}]}`, []string{u1, u2}},
		{"re-add is idempotent", `{"Operations":[{"op":"add","path":"members","value":[{"value":"` + u1 + `"}]}]}`, []string{u1, u2}},
		{"remove with value list removes only those", `{"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"` + u1 + `"}]}]}`, []string{u2}},
		{"remove filtered (flag dialect)", `{"Operations":[{"op":"remove","path":"members[value eq \"` + u2 + `\"]"},{"op":"add","path":"members","value":[{"value":"` + u3 + `","display":"g3"}]}]}`, []string{u3}},
		{"remove non-member is idempotent", `{"Operations":[{"op":"remove","path":"members[value eq \"` + u1 + `\"]"}]}`, []string{u3}},
		{"replace all", `{"Operations":[{"op":"replace","path":"members","value":[{"value":"` + u1 + `"},{"value":"` + u2 + `"}]}]}`, []string{u1, u2}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := f.do("PATCH", "/Groups/"+gid, s.body)
			if r.status != 204 || len(r.raw) != 0 {
				t.Fatalf("status %d body %s, want 204 without body", r.status, r.raw)
			}
			if diff := cmp.Diff(sorted(s.want), f.memberIDs(gid)); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("read without members", func(t *testing.T) {
		r := f.do("GET", "/Groups/"+gid+"?excludedAttributes=members", nil)
		if _, ok := r.body["members"]; ok || r.body["displayName"] != "Finance EMEA" {
			t.Errorf("%s", r.raw)
		}
	})
	t.Run("membership queries", func(t *testing.T) {
		for q, want := range map[string]float64{
			"filter=members%5Bvalue+eq+%22" + u1 + "%22%5D":                             1,
			"filter=id+eq+%22" + gid + "%22+and+members%5Bvalue+eq+%22" + u1 + "%22%5D": 1,
			"filter=id+eq+%22" + gid + "%22+and+members%5Bvalue+eq+%22" + u3 + "%22%5D": 0,
		} {
			r := f.do("GET", "/Groups?attributes=id&"+q, nil)
			if r.status != 200 || r.body["totalResults"] != want {
				t.Errorf("%s: %d %s", q, r.status, r.raw)
			}
		}
	})
	t.Run("user groups attribute", func(t *testing.T) {
		r := f.do("GET", "/Users/"+u1, nil)
		gs, _ := r.body["groups"].([]any)
		if len(gs) != 1 || gs[0].(map[string]any)["value"] != gid || gs[0].(map[string]any)["$ref"] != "/scim/v2/Groups/"+gid {
			t.Errorf("groups of user: %s", r.raw)
		}
		g := f.do("GET", "/Groups/"+gid+"?attributes=members", nil)
		for _, m := range g.body["members"].([]any) {
			mm := m.(map[string]any)
			if mm["$ref"] != "/scim/v2/Users/"+mm["value"].(string) {
				t.Errorf("member $ref: %v", mm)
			}
		}
		wantError(t, f.do("PATCH", "/Users/"+u1, `{"Operations":[{"op":"add","path":"groups","value":[{"value":"x"}]}]}`), 400, "mutability")
	})
	t.Run("rename (Entra) and Okta path-less replace with id", func(t *testing.T) {
		if r := f.do("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"Replace","path":"displayName","value":"Finance EMEA & APAC"}]}`); r.status != 204 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if r := f.do("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"replace","value":{"id":"`+gid+`","displayName":"Design Guild"}}]}`); r.status != 204 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if r := f.do("GET", "/Groups/"+gid+"?attributes=displayName", nil); r.body["displayName"] != "Design Guild" {
			t.Errorf("%s", r.raw)
		}
	})
	t.Run("unknown member id", func(t *testing.T) {
		wantError(t, f.do("PATCH", "/Groups/"+gid, `{"Operations":[{"op":"add","path":"members","value":[{"value":"no-such-user"}]}]}`), 400, "invalidValue")
	})
	t.Run("deleting a user removes it from groups", func(t *testing.T) {
		f.do("DELETE", "/Users/"+u2, nil)
		if diff := cmp.Diff([]string{u1}, f.memberIDs(gid)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("Okta PUT with full member list", func(t *testing.T) {
		r := f.do("PUT", "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"`+gid+`","displayName":"Design Guild","members":[{"value":"`+u3+`"}]}`)
		if r.status != 200 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if diff := cmp.Diff([]string{u3}, f.memberIDs(gid)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	if r := f.do("DELETE", "/Groups/"+gid, nil); r.status != 204 {
		t.Fatalf("delete: %d", r.status)
	}
	wantError(t, f.do("GET", "/Groups/"+gid, nil), 404, "")
}

// TestConcurrentMemberPatches fires 64 concurrent member PATCHes (adds and
// removes of distinct users) at one group through the handler, over every
// store; the final member set must be exact.
func TestConcurrentMemberPatches(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *httptest.Server, _ fullStore) {
		f := &fixture{t: t, srv: srv}
		const n = 64
		ids := make([]string, n)
		for i := range ids {
			ids[i] = f.createUser(fmt.Sprintf("m%d@x.example", i))
		}
		// Start with the odd users as members; then concurrently add the
		// even ones and remove the odd ones.
		var start []string
		for i := 1; i < n; i += 2 {
			start = append(start, `{"value":"`+ids[i]+`"}`)
		}
		gr := f.do("POST", "/Groups", `{"displayName":"Load","members":[`+strings.Join(start, ",")+`]}`)
		if gr.status != 201 {
			t.Fatalf("%d %s", gr.status, gr.raw)
		}
		gid := gr.body["id"].(string)
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := `{"Operations":[{"op":"Add","path":"members","value":[{"value":"` + ids[i] + `"}]}]}`
				if i%2 == 1 {
					body = `{"Operations":[{"op":"remove","path":"members[value eq \"` + ids[i] + `\"]"}]}`
				}
				req, _ := http.NewRequest("PATCH", srv.URL+"/Groups/"+gid, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 204 {
					errs <- fmt.Sprintf("status %d", resp.StatusCode)
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
		var want []string
		for i := 0; i < n; i += 2 {
			want = append(want, ids[i])
		}
		if diff := cmp.Diff(sorted(want), f.memberIDs(gid)); diff != "" {
			t.Errorf("members (-want +got):\n%s", diff)
		}
	})
}

// TestChangeHookAndPolicy checks that committed writes are reported in
// order with the right kinds, refused and failed ones are not, and that a
// seat-limit policy refuses creates and reactivations with a SCIM error.
func TestChangeHookAndPolicy(t *testing.T) {
	var mu sync.Mutex
	var changes []scim.Change
	var store scim.UserStore
	activeFilter, err := scim.ParseUserFilter("active eq true")
	if err != nil {
		t.Fatal(err)
	}
	const seats = 2
	policy := func(ctx context.Context, w scim.Write) error {
		if w.Kind != scim.UserCreated && w.Kind != scim.UserReactivated {
			return nil
		}
		page, err := store.ListUsers(ctx, scim.Query{Filter: activeFilter, StartIndex: 1})
		if err != nil {
			return err
		}
		if page.TotalResults >= seats {
			return &scim.Error{Status: http.StatusForbidden, Detail: fmt.Sprintf("licence for %d active users exhausted", seats)}
		}
		return nil
	}
	f := newFixture(t,
		scim.WithChangeHook(func(_ context.Context, c scim.Change) {
			mu.Lock()
			changes = append(changes, c)
			mu.Unlock()
		}),
		scim.WithPolicy(policy),
	)
	store = f.store
	a := f.createUser("a@x.example")
	f.createUser("b@x.example")
	wantError(t, f.do("POST", "/Users", `{"userName":"c@x.example"}`), 403, "")
	deactivate := `{"Operations":[{"op":"replace","path":"active","value":false}]}`
	reactivate := `{"Operations":[{"op":"replace","path":"active","value":true}]}`
	if r := f.do("PATCH", "/Users/"+a, deactivate); r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	c := f.createUser("c@x.example") // a seat is free now
	r := f.do("PATCH", "/Users/"+a, reactivate)
	wantError(t, r, 403, "")
	if d, _ := r.body["detail"].(string); !strings.Contains(d, "licence for 2 active users exhausted") {
		t.Errorf("detail %q", d)
	}
	f.do("DELETE", "/Users/"+c, nil)
	if r := f.do("PATCH", "/Users/"+a, reactivate); r.status != 200 {
		t.Fatalf("reactivate: %d %s", r.status, r.raw)
	}
	wantError(t, f.do("PATCH", "/Users/"+a, `{"Operations":[{"op":"replace","path":"id","value":"x"}]}`), 400, "mutability")

	mu.Lock()
	defer mu.Unlock()
	type row struct {
		Seq  uint64
		Kind scim.ChangeKind
		ID   string
	}
	var got []row
	for _, ch := range changes {
		got = append(got, row{ch.Seq, ch.Kind, ch.ResourceID})
		if ch.Kind != scim.UserDeleted && (ch.User == nil || ch.Version == "") {
			t.Errorf("change %d without user or version", ch.Seq)
		}
	}
	want := []row{
		{1, scim.UserCreated, a}, {2, scim.UserCreated, got[1].ID},
		{3, scim.UserDeactivated, a}, {4, scim.UserCreated, c},
		{5, scim.UserDeleted, c}, {6, scim.UserReactivated, a},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// TestPatchIfMatch checks that a stale If-Match refuses PATCH of users
// and groups with 412 and changes nothing, and that the current one works.
func TestPatchIfMatch(t *testing.T) {
	f := newFixture(t)
	uid := f.createUser("ifmatch@x.example")
	gr := f.do("POST", "/Groups", `{"displayName":"IfMatch"}`)
	gid := gr.body["id"].(string)
	for _, res := range []struct{ path, body string }{
		{"/Users/" + uid, `{"Operations":[{"op":"replace","path":"title","value":"changed"}]}`},
		{"/Groups/" + gid, `{"Operations":[{"op":"replace","path":"displayName","value":"changed"}]}`},
	} {
		before := f.do("GET", res.path, nil)
		wantError(t, f.do("PATCH", res.path, res.body, "If-Match", `W/"999"`), 412, "")
		if after := f.do("GET", res.path, nil); after.header.Get("ETag") != before.header.Get("ETag") {
			t.Errorf("%s changed by a refused PATCH", res.path)
		}
		if r := f.do("PATCH", res.path, res.body, "If-Match", before.header.Get("ETag")); r.status/100 != 2 {
			t.Errorf("%s with current If-Match: %d %s", res.path, r.status, r.raw)
		}
	}
}
