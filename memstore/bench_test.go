package memstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
)

// entraPost is the POST /Users body Microsoft Entra ID sends
// (idp-requests.md §2.2), with %d placeholders making each user distinct.
const entraPost = `{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "externalId": "adelev%[1]d",
  "userName": "adele.v%[1]d@contoso.example",
  "active": true,
  "displayName": "Adele Vance",
  "title": "Retail Manager",
  "emails": [{"primary": true, "type": "work", "value": "adele.v%[1]d@contoso.example"}],
  "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0109"}],
  "addresses": [{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}],
  "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
  "meta": {"resourceType": "User"},
  "roles": [],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "%[1]d", "department": "Retail"},
  "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "blue-team"}
}`

func entraUser(tb testing.TB, i int) *scim.User {
	tb.Helper()
	var u scim.User
	if err := json.Unmarshal(fmt.Appendf(nil, entraPost, i), &u); err != nil {
		tb.Fatalf("decoding the Entra POST body: %v", err)
	}
	return &u
}

func benchCtx() context.Context {
	return scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "bench"})
}

func fill(tb testing.TB, s *memstore.Store, n int) []string {
	tb.Helper()
	ctx := benchCtx()
	ids := make([]string, n)
	for i := range n {
		u, err := s.CreateUser(ctx, entraUser(tb, i))
		if err != nil {
			tb.Fatal(err)
		}
		ids[i] = u.ID
	}
	return ids
}

func heapAlloc() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bytesPerUser measures the heap the store holds per stored Entra user,
// indexes included. Every user is decoded from its own JSON, so no string
// is shared between users.
func bytesPerUser(tb testing.TB, n int) float64 {
	before := heapAlloc()
	s := memstore.New()
	fill(tb, s, n)
	after := heapAlloc()
	runtime.KeepAlive(s)
	return float64(after-before) / float64(n)
}

func TestMemoryPerUser(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 20,000 users")
	}
	got := bytesPerUser(t, 20000)
	t.Logf("%.0f bytes per stored Entra user (§2.2 POST body), indexes included", got)
	if got > 2048 {
		t.Errorf("%.0f bytes per stored user, want at most 2 KiB", got)
	}
}

func BenchmarkListUsersUserNameEq(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := memstore.New()
			fill(b, s, n)
			ctx := benchCtx()
			f, err := scim.ParseUserFilter(fmt.Sprintf(`userName eq "ADELE.V%d@contoso.example"`, n/2))
			if err != nil {
				b.Fatal(err)
			}
			q := scim.Query{Filter: f, StartIndex: 1, Count: 100}
			for b.Loop() {
				p, err := s.ListUsers(ctx, q)
				if err != nil || p.TotalResults != 1 {
					b.Fatalf("ListUsers = %v, %v; want 1 result", p, err)
				}
			}
		})
	}
}

func BenchmarkGetUser(b *testing.B) {
	s := memstore.New()
	ids := fill(b, s, 1000)
	ctx := benchCtx()
	i := 0
	for b.Loop() {
		if _, err := s.GetUser(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkCreateUser(b *testing.B) {
	s := memstore.New()
	ctx := benchCtx()
	u := entraUser(b, 0)
	i := 0
	for b.Loop() {
		i++
		u.UserName = fmt.Sprintf("bench%d@contoso.example", i)
		if _, err := s.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAddMembers adds one member to and removes it from a group of
// the given size: the cost must not depend on the size.
func BenchmarkAddMembers(b *testing.B) {
	for _, n := range []int{1, 1000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := memstore.New(memstore.AllowUnknownMembers(true)) // members need not be users here
			ctx := benchCtx()
			members := make([]scim.Member, n)
			for i := range members {
				members[i] = scim.Member{Value: fmt.Sprintf("member-%d", i)}
			}
			g, err := s.CreateGroup(ctx, &scim.Group{DisplayName: "Big", Members: members})
			if err != nil {
				b.Fatal(err)
			}
			u, err := s.CreateUser(ctx, entraUser(b, 0))
			if err != nil {
				b.Fatal(err)
			}
			add := scim.GroupPatch{Members: []scim.MemberChange{{Kind: scim.AddMembers, Members: []scim.Member{{Value: u.ID}}}}}
			remove := scim.GroupPatch{Members: []scim.MemberChange{{Kind: scim.RemoveMembers, Members: []scim.Member{{Value: u.ID}}}}}
			for b.Loop() {
				if _, err := s.PatchGroup(ctx, g.ID, add); err != nil {
					b.Fatal(err)
				}
				if _, err := s.PatchGroup(ctx, g.ID, remove); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
