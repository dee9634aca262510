package memstore_test

import (
	"fmt"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/scimtest"
)

func TestUserStoreConformance(t *testing.T) {
	scimtest.TestUserStore(t, func(t *testing.T) scim.UserStore { return memstore.New() })
}

func TestGroupStoreConformance(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := memstore.New()
		return s, s
	})
}

func TestGroupStoreConformanceUnknownMembers(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := memstore.New(memstore.AllowUnknownMembers(true))
		return s, s
	}, scimtest.AcceptsUnknownMembers(true))
}

// TestActiveCount checks the O(1) answer to "active eq true|false" with
// count 0 against a scan, through creates, deactivations, reactivations,
// replaces and deletes.
func TestActiveCount(t *testing.T) {
	ctx := scim.WithPrincipal(t.Context(), scim.Principal{Tenant: "active-count"})
	s := memstore.New()
	var ids []string
	no := false
	for i := 0; i < 20; i++ {
		u := &scim.User{UserName: fmt.Sprintf("u%d@x.example", i)}
		if i%3 == 0 {
			u.Active = &no
		}
		c, err := s.CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	check := func(step string) {
		t.Helper()
		for _, text := range []string{"active eq true", "active eq false"} {
			f, err := scim.ParseUserFilter(text)
			if err != nil {
				t.Fatal(err)
			}
			counted, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1})
			if err != nil {
				t.Fatal(err)
			}
			scanned, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 1000})
			if err != nil {
				t.Fatal(err)
			}
			if counted.TotalResults != len(scanned.Resources) {
				t.Errorf("%s: %s counts %d, scan finds %d", step, text, counted.TotalResults, len(scanned.Resources))
			}
		}
	}
	check("after create")
	toggle := func(id string) {
		if _, err := s.PatchUser(ctx, id, func(u *scim.User) error {
			a := !u.IsActive()
			u.Active = &a
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	toggle(ids[0])
	toggle(ids[1])
	check("after patch")
	u, _ := s.GetUser(ctx, ids[2])
	u.Active = nil // unset counts as active
	if _, err := s.ReplaceUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	check("after replace")
	for _, id := range ids[:5] {
		if err := s.DeleteUser(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	check("after delete")
}
