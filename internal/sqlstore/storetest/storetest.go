// Package storetest holds the tests shared by the SQLite and PostgreSQL
// stores, on top of the scimtest conformance suites.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
)

// Opener returns a fresh, empty store, closed by t.Cleanup.
type Opener func(t *testing.T) *sqlstore.Store

func ctxFor(tenant string) context.Context {
	return scim.WithPrincipal(context.Background(), scim.Principal{Tenant: tenant})
}

func bp(b bool) *bool { return &b }

// fixture users: names are the keys used in expectations.
func fixtureUsers() map[string]*scim.User {
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	return map[string]*scim.User{
		"alice": {
			UserName: "Alice@Example.com", ExternalID: "ext-1", DisplayName: "Alice Liddell", Active: bp(true),
			Name:   &scim.Name{GivenName: "Alice", FamilyName: "Liddell"},
			Emails: []scim.MultiValue{{Value: "alice@work.example", Type: "work", Primary: true}, {Value: "alice@home.example", Type: "home"}},
			Title:  "Engineer", Enterprise: &scim.EnterpriseUser{Department: "R&D", EmployeeNumber: "100", Manager: &scim.Manager{Value: "boss-1"}},
			Meta: scim.Meta{Created: t0, LastModified: t0},
		},
		"bob": {
			UserName: "bob", ExternalID: "EXT-2", DisplayName: "Bob", Active: bp(false),
			Emails: []scim.MultiValue{{Value: "bob@home.example", Type: "home"}},
			Title:  "50%_off", Enterprise: &scim.EnterpriseUser{Department: "Sales"},
			Meta: scim.Meta{Created: t0.Add(time.Hour), LastModified: t0.Add(time.Hour)},
		},
		"carol": {
			UserName: "carol.o'neil", DisplayName: "Carol O'Neil",
			Name:   &scim.Name{GivenName: "Carol"},
			Emails: []scim.MultiValue{{Value: "carol@work.example", Type: "home"}, {Value: "c@other.example", Type: "work"}},
			Title:  `back\slash`,
			Extensions: map[string]json.RawMessage{
				"urn:example:params:scim:schemas:extension:custom:2.0:User": json.RawMessage(`{"level":7,"tags":["a","b"],"flag":true}`),
			},
			Meta: scim.Meta{Created: t0.Add(2 * time.Hour), LastModified: t0.Add(2 * time.Hour)},
		},
		"dave": {
			UserName: "DAVE", Active: bp(true), Title: "Five thousand",
			Meta: scim.Meta{Created: t0.Add(3 * time.Hour), LastModified: t0.Add(3 * time.Hour)},
		},
	}
}

func seed(t *testing.T, ctx context.Context, s *sqlstore.Store) (byName map[string]string, users map[string]*scim.User) {
	t.Helper()
	byName = map[string]string{}
	users = map[string]*scim.User{}
	names := []string{"alice", "bob", "carol", "dave"}
	fx := fixtureUsers()
	for _, n := range names {
		u, err := s.CreateUser(ctx, fx[n])
		if err != nil {
			t.Fatalf("CreateUser(%s): %v", n, err)
		}
		byName[n] = u.ID
		users[u.ID] = u
	}
	return byName, users
}

// TestFilters runs filters through ListUsers and compares the result with
// a written expectation and with scim.MatchUser (the in-memory evaluator).
func TestFilters(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("filters")
	ids, users := seed(t, ctx, s)
	// Same data in another tenant: must never show up.
	seed(t, ctxFor("other"), s)
	tests := []struct {
		filter string
		want   []string
	}{
		{`userName eq "alice@example.com"`, []string{"alice"}},
		{`userName eq "ALICE@EXAMPLE.COM"`, []string{"alice"}},
		{`userName eq "dave"`, []string{"dave"}},
		{`userName eq "nobody"`, nil},
		{`userName ne "bob"`, []string{"alice", "carol", "dave"}},
		{`userName sw "c"`, []string{"carol"}},
		{`userName co "'"`, []string{"carol"}},
		{`userName ew ".COM"`, []string{"alice"}},
		{`userName gt "c"`, []string{"carol", "dave"}},
		{`externalId eq "ext-1"`, []string{"alice"}},
		{`externalId eq "EXT-1"`, nil}, // caseExact
		{`externalId pr`, []string{"alice", "bob"}},
		{`not (externalId pr)`, []string{"carol", "dave"}},
		{`externalId ne "ext-1"`, []string{"bob", "carol", "dave"}},
		{`active eq true`, []string{"alice", "carol", "dave"}}, // unset counts as active
		{`active eq false`, []string{"bob"}},
		{`active pr`, []string{"alice", "bob", "carol", "dave"}},
		{`displayName co "o'n"`, []string{"carol"}},
		{`meta.created gt "2024-01-01T01:30:00Z"`, []string{"carol", "dave"}},
		{`meta.created le "2024-01-01T01:00:00Z"`, []string{"alice", "bob"}},
		{`meta.lastModified lt "2024-01-01T00:00:01Z"`, []string{"alice"}},
		{`title eq "engineer"`, []string{"alice"}},
		{`title co "%"`, []string{"bob"}},
		{`title co "_"`, []string{"bob"}},
		{`title sw "50"`, []string{"bob"}},
		{`title sw "5_"`, nil}, // _ is not a wildcard
		{`title co "\\"`, []string{"carol"}},
		{`title pr`, []string{"alice", "bob", "carol", "dave"}},
		{`name.givenName eq "alice"`, []string{"alice"}},
		{`name.familyName pr`, []string{"alice"}},
		{`name pr`, []string{"alice", "carol"}},
		{`name.givenName ne "alice"`, []string{"bob", "carol", "dave"}},
		{`emails.value eq "BOB@home.example"`, []string{"bob"}},
		{`emails.value co "@work"`, []string{"alice", "carol"}},
		{`emails.type eq "work"`, []string{"alice", "carol"}},
		{`emails pr`, []string{"alice", "bob", "carol"}},
		{`emails[type eq "work" and value co "@work"]`, []string{"alice"}},
		{`emails[type eq "home" and value co "@work"]`, []string{"carol"}},
		{`emails[type eq "work" or value sw "bob"]`, []string{"alice", "bob", "carol"}},
		{`emails[not (type eq "home")]`, []string{"alice", "carol"}},
		{`emails[primary eq true]`, []string{"alice"}},
		{`emails[type ne "home"]`, []string{"alice", "carol"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "r&d"`, []string{"alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "boss-1"`, []string{"alice"}},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr`, []string{"alice"}},
		{`userName eq "bob" or (active eq true and title sw "eng")`, []string{"alice", "bob"}},
		{`not (userName eq "bob" or userName eq "dave")`, []string{"alice", "carol"}},
		{`not (emails[type eq "work"])`, []string{"bob", "dave"}},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := scim.ParseUserFilter(tc.filter)
			if err != nil {
				t.Fatalf("ParseUserFilter: %v", err)
			}
			page, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 100})
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			var got []string
			for _, u := range page.Resources {
				got = append(got, nameOf(ids, u.ID))
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ListUsers(%s) (-want +got):\n%s", tc.filter, diff)
			}
			if page.TotalResults != len(tc.want) {
				t.Errorf("TotalResults = %d, want %d", page.TotalResults, len(tc.want))
			}
			var mem []string
			for id, u := range users {
				if scim.MatchUser(f, u) {
					mem = append(mem, nameOf(ids, id))
				}
			}
			sort.Strings(mem)
			if diff := cmp.Diff(mem, got); diff != "" {
				t.Errorf("differs from scim.MatchUser (-memory +sql):\n%s", diff)
			}
		})
	}
}

func nameOf(ids map[string]string, id string) string {
	for n, v := range ids {
		if v == id {
			return n
		}
	}
	return "unknown:" + id
}

// TestUnsupportedFilters checks that filters the store cannot translate
// fail with scim.ErrUnsupportedFilter instead of scanning.
func TestUnsupportedFilters(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("unsupported")
	for _, text := range []string{`meta.version eq "W/\"1\""`, `meta.location pr`} {
		t.Run(text, func(t *testing.T) {
			f, err := scim.ParseUserFilter(text)
			if err != nil {
				t.Skipf("parser rejects %s: %v", text, err)
			}
			_, err = s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
			if !errors.Is(err, scim.ErrUnsupportedFilter) {
				t.Errorf("ListUsers(%s) error = %v, want ErrUnsupportedFilter", text, err)
			}
		})
	}
	for _, f := range []scim.Filter{
		&scim.Compare{Path: scim.AttrPath{Name: "schemas"}, Op: scim.OpEq, Value: "x"},
		&scim.Compare{Path: scim.AttrPath{Name: "active"}, Op: scim.OpEq, Value: "yes"},
		&scim.ValuePath{Attr: scim.AttrPath{Name: "emails"}, Filter: &scim.ValuePath{Attr: scim.AttrPath{Name: "emails"}}},
	} {
		t.Run(f.String(), func(t *testing.T) {
			_, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
			if !errors.Is(err, scim.ErrUnsupportedFilter) {
				t.Errorf("ListUsers(%s) error = %v, want ErrUnsupportedFilter", f, err)
			}
		})
	}
	gf := &scim.Compare{Path: scim.AttrPath{URN: "urn:x:ext", Name: "a"}, Op: scim.OpEq, Value: "x"}
	if _, err := s.ListGroups(ctx, scim.Query{Filter: gf, StartIndex: 1, Count: 10}); !errors.Is(err, scim.ErrUnsupportedFilter) {
		t.Errorf("ListGroups(%s) error = %v, want ErrUnsupportedFilter", gf, err)
	}
}

// TestSortAndPaging checks ORDER BY, LIMIT/OFFSET and COUNT.
func TestSortAndPaging(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("sort")
	ids, _ := seed(t, ctx, s)
	tests := []struct {
		name  string
		q     scim.Query
		want  []string
		total int
	}{
		{"default creation order", scim.Query{StartIndex: 1, Count: 10}, []string{"alice", "bob", "carol", "dave"}, 4},
		{"page 2 of 2", scim.Query{StartIndex: 3, Count: 2}, []string{"carol", "dave"}, 4},
		{"past the end", scim.Query{StartIndex: 9, Count: 2}, nil, 4},
		{"count zero", scim.Query{StartIndex: 1, Count: 0}, nil, 4},
		{"userName asc (case-insensitive)", scim.Query{StartIndex: 1, Count: 10, SortBy: scim.AttrPath{Name: "userName"}}, []string{"alice", "bob", "carol", "dave"}, 4},
		{"userName desc", scim.Query{StartIndex: 1, Count: 10, SortBy: scim.AttrPath{Name: "userName"}, SortOrder: scim.Descending}, []string{"dave", "carol", "bob", "alice"}, 4},
		{"externalId asc, unassigned last", scim.Query{StartIndex: 1, Count: 10, SortBy: scim.AttrPath{Name: "externalId"}}, []string{"bob", "alice", "carol", "dave"}, 4},
		{"name.givenName asc, unassigned last", scim.Query{StartIndex: 1, Count: 10, SortBy: scim.AttrPath{Name: "name", Sub: "givenName"}}, []string{"alice", "carol", "bob", "dave"}, 4},
		{"meta.created desc", scim.Query{StartIndex: 1, Count: 2, SortBy: scim.AttrPath{Name: "meta", Sub: "created"}, SortOrder: scim.Descending}, []string{"dave", "carol"}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page, err := s.ListUsers(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range page.Resources {
				got = append(got, nameOf(ids, u.ID))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if page.TotalResults != tc.total {
				t.Errorf("TotalResults = %d, want %d", page.TotalResults, tc.total)
			}
		})
	}
}

// TestRoundTripAndVersions checks that a user comes back as written and
// that versions are weak ETags that every write increments.
func TestRoundTripAndVersions(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("roundtrip")
	in := fixtureUsers()["carol"]
	in.Groups = []scim.GroupRef{{Value: "not-stored"}}
	created, err := s.CreateUser(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if created.Meta.Version != `W/"1"` {
		t.Errorf("created version = %q, want W/\"1\"", created.Meta.Version)
	}
	got, err := s.GetUser(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := in.Clone()
	want.ID, want.Groups, want.Meta.Version = created.ID, nil, `W/"1"`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(created, got); diff != "" {
		t.Errorf("CreateUser result differs from GetUser (-create +get):\n%s", diff)
	}
	if _, err := s.GetUser(ctxFor("someone-else"), created.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser from another tenant: %v, want ErrNotFound", err)
	}

	upd := got.Clone()
	upd.Title = "Boss"
	upd.Meta.LastModified = upd.Meta.LastModified.Add(time.Minute)
	upd.Meta.Created = time.Time{}
	r, err := s.ReplaceUser(ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	if r.Meta.Version != `W/"2"` || r.Title != "Boss" || !r.Meta.Created.Equal(in.Meta.Created) {
		t.Errorf("ReplaceUser = version %q title %q created %v; want W/\"2\" Boss %v", r.Meta.Version, r.Title, r.Meta.Created, in.Meta.Created)
	}
	stale := got.Clone() // still W/"1"
	stale.Title = "Stale"
	if _, err := s.ReplaceUser(ctx, stale); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("ReplaceUser with stale version: %v, want ErrVersionMismatch", err)
	}
	if now, _ := s.GetUser(ctx, created.ID); now.Title != "Boss" {
		t.Errorf("stale replace wrote title %q", now.Title)
	}
	// The values table follows replaces: the old title is not found.
	for filter, want := range map[string]int{`title eq "boss"`: 1, `title sw "back"`: 0} {
		f, err := scim.ParseUserFilter(filter)
		if err != nil {
			t.Fatal(err)
		}
		page, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
		if err != nil {
			t.Fatal(err)
		}
		if page.TotalResults != want {
			t.Errorf("%s after replace: %d results, want %d", filter, page.TotalResults, want)
		}
	}
	missing := upd.Clone()
	missing.ID = "no-such-id"
	if _, err := s.ReplaceUser(ctx, missing); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("ReplaceUser(missing): %v, want ErrNotFound", err)
	}
	wantErr := errors.New("refused")
	if _, err := s.PatchUser(ctx, created.ID, func(u *scim.User) error { u.Title = "X"; return wantErr }); !errors.Is(err, wantErr) {
		t.Errorf("PatchUser with failing apply: %v, want %v", err, wantErr)
	}
	p, err := s.PatchUser(ctx, created.ID, func(u *scim.User) error { u.NickName = "cc"; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if p.Meta.Version != `W/"3"` || p.Title != "Boss" || p.NickName != "cc" {
		t.Errorf("PatchUser = %q %q %q, want W/\"3\" Boss cc", p.Meta.Version, p.Title, p.NickName)
	}
}

// TestConcurrentPatches runs PatchUser increments from many goroutines and
// checks that none is lost.
func TestConcurrentPatches(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("concurrent")
	u, err := s.CreateUser(ctx, &scim.User{UserName: "counter", NickName: "0"})
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := s.PatchUser(ctx, u.ID, func(u *scim.User) error {
					var n int
					fmt.Sscan(u.NickName, &n)
					u.NickName = fmt.Sprint(n + 1)
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("PatchUser: %v", err)
	}
	got, err := s.GetUser(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(workers * each); got.NickName != want {
		t.Errorf("counter = %s, want %s (lost updates)", got.NickName, want)
	}
	if want := fmt.Sprintf(`W/"%d"`, workers*each+1); got.Meta.Version != want {
		t.Errorf("version = %s, want %s", got.Meta.Version, want)
	}
}

// TestGroupFiltersAndLoader checks group filters on members and
// LoadUserGroups.
func TestGroupFiltersAndLoader(t *testing.T, open Opener) {
	s := open(t)
	ctx := ctxFor("groups")
	ids, _ := seed(t, ctx, s)
	mk := func(name string, members ...string) string {
		var ms []scim.Member
		for _, m := range members {
			ms = append(ms, scim.Member{Value: ids[m], Display: m, Type: "User"})
		}
		g, err := s.CreateGroup(ctx, &scim.Group{DisplayName: name, Members: ms})
		if err != nil {
			t.Fatal(err)
		}
		return g.ID
	}
	admins := mk("Admins", "alice", "bob")
	staff := mk("Staff", "alice", "carol")
	empty := mk("Empty")
	gname := map[string]string{admins: "Admins", staff: "Staff", empty: "Empty"}
	tests := []struct {
		filter string
		want   []string
	}{
		{`displayName eq "admins"`, []string{"Admins"}},
		{`displayName sw "s"`, []string{"Staff"}},
		{fmt.Sprintf(`members.value eq %q`, ids["alice"]), []string{"Admins", "Staff"}},
		{fmt.Sprintf(`members[value eq %q]`, ids["carol"]), []string{"Staff"}},
		{`members[display eq "BOB"]`, []string{"Admins"}},
		{`members pr`, []string{"Admins", "Staff"}},
		{`not (members pr)`, []string{"Empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			f, err := scim.ParseGroupFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.ListGroups(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range page.Resources {
				got = append(got, gname[g.ID])
				if g.Members != nil {
					t.Errorf("members loaded without WithMembers")
				}
			}
			sort.Strings(got)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ListGroups(%s) (-want +got):\n%s", tc.filter, diff)
			}
		})
	}
	u1, _ := s.GetUser(ctx, ids["alice"])
	u2, _ := s.GetUser(ctx, ids["dave"])
	if err := s.LoadUserGroups(ctx, []*scim.User{u1, u2}); err != nil {
		t.Fatal(err)
	}
	want := []scim.GroupRef{{Value: admins, Display: "Admins", Type: "direct"}, {Value: staff, Display: "Staff", Type: "direct"}}
	if diff := cmp.Diff(want, u1.Groups); diff != "" {
		t.Errorf("alice groups (-want +got):\n%s", diff)
	}
	if len(u2.Groups) != 0 {
		t.Errorf("dave groups = %v, want none", u2.Groups)
	}
	// Filtering users by group membership.
	f, err := scim.ParseUserFilter(fmt.Sprintf(`groups.value eq %q`, staff))
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalResults != 2 {
		t.Errorf("groups.value eq Staff: %d users, want 2", page.TotalResults)
	}
	// Deleting a user removes its memberships in the same transaction.
	if err := s.DeleteUser(ctx, ids["alice"]); err != nil {
		t.Fatal(err)
	}
	g, err := s.GetGroup(ctx, admins, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]scim.Member{{Value: ids["bob"], Display: "bob", Type: "User"}}, g.Members); diff != "" {
		t.Errorf("Admins after deleting alice (-want +got):\n%s", diff)
	}
}

// All runs every shared test as a subtest.
func All(t *testing.T, open Opener) {
	for name, fn := range map[string]func(*testing.T, Opener){
		"Filters": TestFilters, "UnsupportedFilters": TestUnsupportedFilters, "SortAndPaging": TestSortAndPaging,
		"RoundTripAndVersions": TestRoundTripAndVersions, "ConcurrentPatches": TestConcurrentPatches,
		"GroupFiltersAndLoader": TestGroupFiltersAndLoader,
	} {
		t.Run(name, func(t *testing.T) { fn(t, open) })
	}
}
