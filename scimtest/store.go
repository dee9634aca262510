package scimtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim"
)

// A SuiteOption tells the store suites about a documented behaviour of the
// store under test that the store interfaces leave to configuration.
type SuiteOption interface {
	apply(*suiteConfig)
}

type suiteConfig struct {
	acceptsUnknownMembers bool
}

type suiteOptionFunc func(*suiteConfig)

func (f suiteOptionFunc) apply(c *suiteConfig) { f(c) }

// AcceptsUnknownMembers says that the group store under test is configured
// to accept group members whose value is not the id of a resource of the
// tenant (scim.GroupStore.CreateGroup). Default false: the suite expects
// such members to be rejected with a *scim.Error 400 invalidValue, and
// with true it expects them to be stored instead.
func AcceptsUnknownMembers(accepts bool) SuiteOption {
	return suiteOptionFunc(func(c *suiteConfig) { c.acceptsUnknownMembers = accepts })
}

func newSuiteConfig(opts []SuiteOption) suiteConfig {
	var c suiteConfig
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// Tenants used by the suites.
var (
	tenantA = scim.Principal{Tenant: "scimtest-tenant-a", Subject: "scimtest"}
	tenantB = scim.Principal{Tenant: "scimtest-tenant-b", Subject: "scimtest"}
)

// unknownID is an id no store under test can have issued.
const unknownID = "2819c223-7f76-453a-919d-413861904646"

// workers is the number of goroutines of the concurrency subtests.
const workers = 32

// stamp is the creation time the suites set, as the handler does; whole
// seconds in UTC, so stores with coarse timestamps round-trip it.
var stamp = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

const customExtension = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"

// userCmp compares users as the suites expect them back: Meta.Version is
// the store's to choose, extension JSON is compared semantically, and
// empty and nil slices are the same.
var userCmp = cmp.Options{
	cmpopts.IgnoreFields(scim.Meta{}, "Version"),
	cmpopts.EquateEmpty(),
	cmp.Transformer("json", func(r json.RawMessage) any {
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			return string(r)
		}
		return v
	}),
}

func ctxFor(t *testing.T, p scim.Principal) context.Context {
	return scim.WithPrincipal(t.Context(), p)
}

func ptr[T any](v T) *T { return &v }

// entraUser returns a user with every attribute set, as Microsoft Entra ID
// provisions it (idp-requests.md §2.2) plus the attributes other clients
// send, an enterprise extension with a manager and an unregistered
// extension kept in Extensions. Meta.Created and LastModified are set as
// the handler sets them.
func entraUser(userName string) *scim.User {
	return &scim.User{
		ExternalID: "adelev",
		UserName:   userName,
		Name: &scim.Name{
			Formatted: "Ms. Adele J. Vance III", FamilyName: "Vance", GivenName: "Adele",
			MiddleName: "J.", HonorificPrefix: "Ms.", HonorificSuffix: "III",
		},
		DisplayName:       "Adele Vance",
		NickName:          "Adi",
		ProfileURL:        "https://contoso.example/people/adelev",
		Title:             "Retail Manager",
		UserType:          "Member",
		PreferredLanguage: "en-US",
		Locale:            "en-US",
		Timezone:          "America/Los_Angeles",
		Active:            ptr(true),
		Emails: []scim.MultiValue{
			{Value: userName, Type: "work", Primary: true},
			{Value: "adele@home.example", Type: "home"},
		},
		PhoneNumbers:     []scim.MultiValue{{Value: "+1 425 555 0109", Type: "mobile"}, {Value: "55555555555", Type: "work"}},
		IMs:              []scim.MultiValue{{Value: "adelev", Type: "xmpp"}},
		Photos:           []scim.MultiValue{{Value: "https://photos.contoso.example/adelev.jpg", Type: "photo"}},
		Addresses:        []scim.Address{{Type: "work", Formatted: "Building 4, Room 210", StreetAddress: "1 Microsoft Way", Locality: "Redmond", Region: "WA", PostalCode: "98052", Country: "US", Primary: true}},
		Entitlements:     []scim.MultiValue{{Value: "retail-pos"}},
		Roles:            []scim.MultiValue{{Value: "store-manager", Display: "Store manager", Primary: true}},
		X509Certificates: []scim.MultiValue{{Value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}},
		Enterprise: &scim.EnterpriseUser{
			EmployeeNumber: "10442", CostCenter: "4130", Organization: "Contoso", Division: "Retail",
			Department: "Retail", Manager: &scim.Manager{Value: "9c1f7a2e-3b4d-4c5e-8f60-718293a4b5c6", DisplayName: "Miriam Graham"},
		},
		Extensions: map[string]json.RawMessage{customExtension: json.RawMessage(`{"tag": "blue-team", "level": 3}`)},
		Meta:       scim.Meta{Created: stamp, LastModified: stamp},
	}
}

// simpleUser returns a minimal active user.
func simpleUser(userName string) *scim.User {
	return &scim.User{UserName: userName, Active: ptr(true), Meta: scim.Meta{Created: stamp, LastModified: stamp}}
}

func mustCreate(t *testing.T, ctx context.Context, s scim.UserStore, u *scim.User) *scim.User {
	t.Helper()
	got, err := s.CreateUser(ctx, u)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", u.UserName, err)
	}
	if got.ID == "" {
		t.Fatalf("CreateUser(%q) returned no id", u.UserName)
	}
	return got
}

func mustGet(t *testing.T, ctx context.Context, s scim.UserStore, id string) *scim.User {
	t.Helper()
	got, err := s.GetUser(ctx, id)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", id, err)
	}
	return got
}

func mustFilter(t *testing.T, text string) scim.Filter {
	t.Helper()
	f, err := scim.ParseUserFilter(text)
	if err != nil {
		t.Fatalf("ParseUserFilter(%q): %v", text, err)
	}
	return f
}

func list(t *testing.T, ctx context.Context, s scim.UserStore, q scim.Query) *scim.Page[*scim.User] {
	t.Helper()
	p, err := s.ListUsers(ctx, q)
	if err != nil {
		t.Fatalf("ListUsers(filter %v, start %d, count %d): %v", q.Filter, q.StartIndex, q.Count, err)
	}
	return p
}

func userNames(us []*scim.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.UserName
	}
	return out
}

func requireVersions(t *testing.T, u *scim.User) {
	t.Helper()
	if u.Meta.Version == "" {
		t.Skip("store does not fill Meta.Version; optimistic concurrency is not tested")
	}
}

// TestUserStore runs the user store conformance suite: named subtests of t
// that each call newStore for a fresh, empty store. The store must be
// scoped by scim.PrincipalFromContext(ctx).Tenant; the suite uses two
// tenants. Subtests that depend on Meta.Version are skipped when the store
// does not fill it, and the PatchUser subtests when the store does not
// implement scim.UserPatcher.
func TestUserStore(t *testing.T, newStore func(t *testing.T) scim.UserStore, opts ...SuiteOption) {
	_ = newSuiteConfig(opts)
	subtests := []struct {
		name string
		run  func(t *testing.T, s scim.UserStore)
	}{
		{"RoundTrip", testUserRoundTrip},
		{"CallerOwnsValues", testUserCallerOwnsValues},
		{"IDsUniqueAndStable", testUserIDs},
		{"NotFound", testUserNotFound},
		{"UserNameUniqueness", testUserNameUniqueness},
		{"UserNameFreeAfterDelete", testUserNameFreeAfterDelete},
		{"Filters", testUserFilters},
		{"FiltersFollowWrites", testUserFiltersFollowWrites},
		{"Paging", testUserPaging},
		{"Sorting", testUserSorting},
		{"VersionCheck", testUserVersionCheck},
		{"TenantIsolation", testUserTenantIsolation},
		{"ConcurrentReplace", testUserConcurrentReplace},
		{"PatchUser", testPatchUser},
		{"ConcurrentPatchUser", testConcurrentPatchUser},
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) { st.run(t, newStore(t)) })
	}
}

func testUserRoundTrip(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	in := entraUser("adele.v@contoso.example")
	created := mustCreate(t, ctx, s, in.Clone())
	want := in.Clone()
	want.ID = created.ID
	if diff := cmp.Diff(want, created, userCmp); diff != "" {
		t.Errorf("CreateUser returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, mustGet(t, ctx, s, created.ID), userCmp); diff != "" {
		t.Errorf("GetUser after create (-want +got):\n%s", diff)
	}

	next := created.Clone()
	next.Title = "Store Director"
	next.Active = ptr(false)
	next.ExternalID = "adele.vance"
	next.Emails = []scim.MultiValue{{Value: "adele.vance@contoso.example", Type: "work", Primary: true}}
	next.Enterprise.Manager = nil
	next.Enterprise.Department = "Operations"
	next.Extensions = map[string]json.RawMessage{customExtension: json.RawMessage(`{"tag":"red-team"}`)}
	next.Meta.LastModified = stamp.Add(time.Hour)
	next.Meta.Version = ""
	replaced, err := s.ReplaceUser(ctx, next.Clone())
	if err != nil {
		t.Fatalf("ReplaceUser: %v", err)
	}
	if diff := cmp.Diff(next, replaced, userCmp); diff != "" {
		t.Errorf("ReplaceUser returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(next, mustGet(t, ctx, s, created.ID), userCmp); diff != "" {
		t.Errorf("GetUser after replace (-want +got):\n%s", diff)
	}
	if created.Meta.Version != "" && replaced.Meta.Version == created.Meta.Version {
		t.Errorf("ReplaceUser kept Meta.Version %s; every write must change it", replaced.Meta.Version)
	}

	if err := s.DeleteUser(ctx, created.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := s.GetUser(ctx, created.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser after delete: err = %v, want ErrNotFound", err)
	}
}

func testUserCallerOwnsValues(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	in := entraUser("adele.v@contoso.example")
	created := mustCreate(t, ctx, s, in)
	want := mustGet(t, ctx, s, created.ID)

	// Scribble over everything the caller holds: the store must not share it.
	for _, u := range []*scim.User{in, created, want.Clone()} {
		u.Title = "changed"
		u.Name.GivenName = "changed"
		u.Emails[0].Value = "changed@example.com"
		u.Enterprise.Manager.Value = "changed"
		u.Extensions[customExtension][2] = 'X'
		*u.Active = false
	}
	got := mustGet(t, ctx, s, created.ID)
	if diff := cmp.Diff(want, got, userCmp); diff != "" {
		t.Errorf("stored user changed through values the caller owns (-want +got):\n%s", diff)
	}
	got.Emails[0].Value = "again@example.com"
	page := list(t, ctx, s, scim.Query{StartIndex: 1, Count: 10})
	if len(page.Resources) != 1 {
		t.Fatalf("ListUsers returned %d users, want 1", len(page.Resources))
	}
	page.Resources[0].Roles[0].Value = "changed"
	if diff := cmp.Diff(want, mustGet(t, ctx, s, created.ID), userCmp); diff != "" {
		t.Errorf("stored user changed through returned values (-want +got):\n%s", diff)
	}
}

func testUserIDs(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	seen := map[string]string{}
	for i := range 20 {
		name := fmt.Sprintf("user%02d@contoso.example", i)
		u := mustCreate(t, ctx, s, simpleUser(name))
		if prev, dup := seen[u.ID]; dup {
			t.Fatalf("CreateUser(%q) returned id %s, already given to %q", name, u.ID, prev)
		}
		seen[u.ID] = name
	}
	for id, name := range seen {
		u := mustGet(t, ctx, s, id)
		if u.ID != id || u.UserName != name {
			t.Errorf("GetUser(%s) = {ID: %s, UserName: %q}, want {ID: %s, UserName: %q}", id, u.ID, u.UserName, id, name)
		}
		u.DisplayName = "renamed"
		u.Meta.Version = ""
		r, err := s.ReplaceUser(ctx, u)
		if err != nil {
			t.Fatalf("ReplaceUser(%s): %v", id, err)
		}
		if r.ID != id {
			t.Errorf("ReplaceUser(%s) returned id %s", id, r.ID)
		}
	}
	page := list(t, ctx, s, scim.Query{StartIndex: 1, Count: 100})
	for _, u := range page.Resources {
		if seen[u.ID] != u.UserName {
			t.Errorf("ListUsers: user %q has id %s, want the id it was created with", u.UserName, u.ID)
		}
	}
	if page.TotalResults != len(seen) {
		t.Errorf("ListUsers TotalResults = %d, want %d", page.TotalResults, len(seen))
	}
}

func testUserNotFound(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	deleted := mustCreate(t, ctx, s, simpleUser("gone@contoso.example"))
	if err := s.DeleteUser(ctx, deleted.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	mustCreate(t, ctx, s, simpleUser("present@contoso.example"))
	for _, id := range []string{unknownID, deleted.ID, ""} {
		tests := []struct {
			name string
			call func() error
		}{
			{"GetUser", func() error { _, err := s.GetUser(ctx, id); return err }},
			{"ReplaceUser", func() error {
				u := simpleUser("replacement@contoso.example")
				u.ID = id
				_, err := s.ReplaceUser(ctx, u)
				return err
			}},
			{"DeleteUser", func() error { return s.DeleteUser(ctx, id) }},
		}
		if p, ok := s.(scim.UserPatcher); ok {
			tests = append(tests, struct {
				name string
				call func() error
			}{"PatchUser", func() error {
				_, err := p.PatchUser(ctx, id, func(u *scim.User) error {
					t.Errorf("PatchUser(%q) called apply for a missing user", id)
					return nil
				})
				return err
			}})
		}
		for _, tt := range tests {
			if err := tt.call(); !errors.Is(err, scim.ErrNotFound) {
				t.Errorf("%s(%q): err = %v, want ErrNotFound", tt.name, id, err)
			}
		}
	}
	if got := list(t, ctx, s, scim.Query{StartIndex: 1, Count: 10}).TotalResults; got != 1 {
		t.Errorf("after failed writes ListUsers TotalResults = %d, want 1", got)
	}
}

func testUserNameUniqueness(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	adele := mustCreate(t, ctx, s, simpleUser("Adele.V@contoso.example"))
	inactive := simpleUser("grady.a@contoso.example")
	inactive.Active = ptr(false)
	grady := mustCreate(t, ctx, s, inactive)

	for _, name := range []string{
		"Adele.V@contoso.example", // exact
		"adele.v@contoso.example", // lower case
		"ADELE.V@CONTOSO.EXAMPLE", // upper case, as Okta's compliance test sends
		"Grady.A@Contoso.example", // an inactive user still holds its userName
	} {
		if _, err := s.CreateUser(ctx, simpleUser(name)); !errors.Is(err, scim.ErrConflict) {
			t.Errorf("CreateUser(%q): err = %v, want ErrConflict", name, err)
		}
	}
	if got := list(t, ctx, s, scim.Query{StartIndex: 1, Count: 10}).TotalResults; got != 2 {
		t.Errorf("after refused creates ListUsers TotalResults = %d, want 2", got)
	}

	// Renaming onto another user's name (in another case) is refused and
	// writes nothing.
	r := mustGet(t, ctx, s, grady.ID)
	want := r.Clone()
	r.UserName = "ADELE.v@contoso.example"
	r.Title = "must not be written"
	r.Meta.Version = ""
	if _, err := s.ReplaceUser(ctx, r); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("ReplaceUser renaming to another user's userName: err = %v, want ErrConflict", err)
	}
	if diff := cmp.Diff(want, mustGet(t, ctx, s, grady.ID), userCmp); diff != "" {
		t.Errorf("refused ReplaceUser wrote (-want +got):\n%s", diff)
	}
	if p, ok := s.(scim.UserPatcher); ok {
		_, err := p.PatchUser(ctx, grady.ID, func(u *scim.User) error { u.UserName = "adele.V@CONTOSO.example"; return nil })
		if !errors.Is(err, scim.ErrConflict) {
			t.Errorf("PatchUser renaming to another user's userName: err = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(want, mustGet(t, ctx, s, grady.ID), userCmp); diff != "" {
			t.Errorf("refused PatchUser wrote (-want +got):\n%s", diff)
		}
	}

	// A user may change the case of its own userName.
	a := mustGet(t, ctx, s, adele.ID)
	a.UserName = "adele.v@contoso.example"
	a.Meta.Version = ""
	if _, err := s.ReplaceUser(ctx, a); err != nil {
		t.Errorf("ReplaceUser changing the case of the user's own userName: %v", err)
	}
	if got := mustGet(t, ctx, s, adele.ID).UserName; got != "adele.v@contoso.example" {
		t.Errorf("userName after case change = %q, want %q", got, "adele.v@contoso.example")
	}
}

func testUserNameFreeAfterDelete(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	old := mustCreate(t, ctx, s, simpleUser("adele.v@contoso.example"))
	if err := s.DeleteUser(ctx, old.ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	again := mustCreate(t, ctx, s, simpleUser("Adele.V@contoso.example"))
	if again.ID == old.ID {
		t.Errorf("re-created user got the deleted user's id %s", old.ID)
	}
	page := list(t, ctx, s, scim.Query{Filter: mustFilter(t, `userName eq "adele.v@contoso.example"`), StartIndex: 1, Count: 10})
	if page.TotalResults != 1 || len(page.Resources) != 1 || page.Resources[0].ID != again.ID {
		t.Errorf("userName eq after delete and re-create: got %d results %v, want only the new user %s", page.TotalResults, page.Resources, again.ID)
	}
}

// filterFixture creates the users of the filter tests, in this order.
func filterFixture(t *testing.T, ctx context.Context, s scim.UserStore) map[string]*scim.User {
	alice := simpleUser("Alice@Contoso.example")
	alice.ExternalID = "ext-alice"
	alice.Title = "Engineer"
	alice.Emails = []scim.MultiValue{{Value: "alice@contoso.example", Type: "work", Primary: true}, {Value: "alice@home.example", Type: "home"}}

	bob := simpleUser("bob@contoso.example")
	bob.ExternalID = "ext-bob"
	bob.Active = ptr(false)
	bob.Emails = []scim.MultiValue{{Value: "bob@contoso.example", Type: "work"}}

	carol := simpleUser("carol@fabrikam.example")
	carol.ExternalID = "EXT-BOB" // externalId is case-exact: not bob's
	carol.Emails = []scim.MultiValue{{Value: "dave@contoso.example", Type: "home"}}

	dave := simpleUser("dave@contoso.example")
	dave.Title = "Manager"
	dave.Emails = []scim.MultiValue{{Value: "Dave@Contoso.example", Type: "work"}}
	dave.Enterprise = &scim.EnterpriseUser{EmployeeNumber: "10442"}

	out := map[string]*scim.User{}
	for _, u := range []*scim.User{alice, bob, carol, dave} {
		c := mustCreate(t, ctx, s, u)
		out[strings.SplitN(strings.ToLower(u.UserName), "@", 2)[0]] = c
	}
	return out
}

func testUserFilters(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	us := filterFixture(t, ctx, s)
	tests := []struct {
		name   string
		filter string
		want   []string // user names, in creation order
	}{
		{"userName eq in another case", `userName eq "ALICE@contoso.EXAMPLE"`, []string{"alice"}},
		{"userName eq exact", `userName eq "bob@contoso.example"`, []string{"bob"}},
		{"userName eq inactive user", `userName eq "BOB@CONTOSO.EXAMPLE"`, []string{"bob"}},
		{"externalId eq", `externalId eq "ext-bob"`, []string{"bob"}},
		{"externalId eq is case-exact", `externalId eq "EXT-BOB"`, []string{"carol"}},
		{"externalId eq in a third case", `externalId eq "Ext-Bob"`, nil},
		{"id eq", `id eq "` + us["carol"].ID + `"`, []string{"carol"}},
		{"work email", `emails[type eq "work"].value eq "dave@contoso.example"`, []string{"dave"}},
		{"work email is not a home email", `emails[type eq "work"].value eq "alice@home.example"`, nil},
		{"enterprise employeeNumber", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`, []string{"dave"}},
		{"and both true", `userName eq "bob@contoso.example" and active eq false`, []string{"bob"}},
		{"and one false", `userName eq "bob@contoso.example" and active eq true`, nil},
		{"id and userName of different users", `id eq "` + us["alice"].ID + `" and userName eq "bob@contoso.example"`, nil},
		{"or", `userName eq "bob@contoso.example" or title eq "Manager"`, []string{"bob", "dave"}},
		{"or of indexed eqs", `userName eq "dave@contoso.example" or externalId eq "ext-alice"`, []string{"alice", "dave"}},
		{"active eq false", `active eq false`, []string{"bob"}},
		{"active eq true", `active eq true`, []string{"alice", "carol", "dave"}},
		{"title pr", `title pr`, []string{"alice", "dave"}},
		{"Entra test connection GUID", `userName eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`, nil},
		{"Entra test connection GUID on externalId", `externalId eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := list(t, ctx, s, scim.Query{Filter: mustFilter(t, tt.filter), StartIndex: 1, Count: 100})
			var got []string
			for _, u := range page.Resources {
				got = append(got, strings.SplitN(strings.ToLower(u.UserName), "@", 2)[0])
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListUsers(%s) users (-want +got):\n%s", tt.filter, diff)
			}
			if page.TotalResults != len(tt.want) {
				t.Errorf("ListUsers(%s) TotalResults = %d, want %d", tt.filter, page.TotalResults, len(tt.want))
			}
		})
	}
}

// testUserFiltersFollowWrites checks that whatever a store uses to answer
// match queries (indexes, columns) follows replaces and deletes.
func testUserFiltersFollowWrites(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	us := filterFixture(t, ctx, s)
	a := mustGet(t, ctx, s, us["alice"].ID)
	a.UserName = "alicia@contoso.example"
	a.ExternalID = "ext-alicia"
	a.Meta.Version = ""
	if _, err := s.ReplaceUser(ctx, a); err != nil {
		t.Fatalf("ReplaceUser: %v", err)
	}
	if err := s.DeleteUser(ctx, us["bob"].ID); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	tests := []struct {
		filter string
		want   int
	}{
		{`userName eq "alice@contoso.example"`, 0},
		{`userName eq "Alicia@contoso.example"`, 1},
		{`externalId eq "ext-alice"`, 0},
		{`externalId eq "ext-alicia"`, 1},
		{`userName eq "bob@contoso.example"`, 0},
		{`externalId eq "ext-bob"`, 0},
		{`id eq "` + us["bob"].ID + `"`, 0},
		{`active eq false`, 0},
	}
	for _, tt := range tests {
		if got := list(t, ctx, s, scim.Query{Filter: mustFilter(t, tt.filter), StartIndex: 1, Count: 10}).TotalResults; got != tt.want {
			t.Errorf("after rename and delete, ListUsers(%s) TotalResults = %d, want %d", tt.filter, got, tt.want)
		}
	}
	// The new userName is taken, the old one is free.
	if _, err := s.CreateUser(ctx, simpleUser("ALICIA@contoso.example")); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("CreateUser with the renamed user's new userName: err = %v, want ErrConflict", err)
	}
	mustCreate(t, ctx, s, simpleUser("alice@contoso.example"))
}

// pagingNames are created in this (unsorted) order.
var pagingNames = []string{"mallory", "carol", "xavier", "alice", "trent", "bob", "eve"}

func testUserPaging(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	ids := map[string]string{}
	for i, n := range pagingNames {
		u := simpleUser(n)
		u.Active = ptr(i%3 != 2)
		ids[n] = mustCreate(t, ctx, s, u).ID
	}
	var got []string
	for start := 1; start <= len(pagingNames); start += 3 {
		p := list(t, ctx, s, scim.Query{StartIndex: start, Count: 3})
		if p.TotalResults != len(pagingNames) {
			t.Errorf("page at %d: TotalResults = %d, want %d", start, p.TotalResults, len(pagingNames))
		}
		got = append(got, userNames(p.Resources)...)
	}
	if diff := cmp.Diff(pagingNames, got); diff != "" {
		t.Errorf("pages of 3 concatenated, not in creation order (-want +got):\n%s", diff)
	}

	tests := []struct {
		name      string
		q         scim.Query
		wantTotal int
		want      []string
	}{
		{"start beyond end", scim.Query{StartIndex: 8, Count: 3}, 7, nil},
		{"start far beyond end", scim.Query{StartIndex: 1000, Count: 3}, 7, nil},
		{"last partial page", scim.Query{StartIndex: 6, Count: 10}, 7, []string{"bob", "eve"}},
		{"count 0 gives only the total", scim.Query{StartIndex: 1, Count: 0}, 7, nil},
		{"filtered pages keep creation order", scim.Query{Filter: mustFilter(t, "active eq true"), StartIndex: 2, Count: 3}, 5, []string{"carol", "alice", "trent"}},
		{"filtered count 0", scim.Query{Filter: mustFilter(t, "active eq false"), StartIndex: 1, Count: 0}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := list(t, ctx, s, tt.q)
			if p.TotalResults != tt.wantTotal {
				t.Errorf("TotalResults = %d, want %d", p.TotalResults, tt.wantTotal)
			}
			if diff := cmp.Diff(tt.want, userNames(p.Resources), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Resources (-want +got):\n%s", diff)
			}
		})
	}

	// Deleting a user in the middle keeps the order of the others.
	if err := s.DeleteUser(ctx, ids["xavier"]); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	p := list(t, ctx, s, scim.Query{StartIndex: 1, Count: 100})
	want := slices.DeleteFunc(slices.Clone(pagingNames), func(n string) bool { return n == "xavier" })
	if diff := cmp.Diff(want, userNames(p.Resources)); diff != "" {
		t.Errorf("after a delete, order (-want +got):\n%s", diff)
	}
}

func testUserSorting(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	for _, n := range pagingNames {
		mustCreate(t, ctx, s, simpleUser(n))
	}
	asc := slices.Sorted(slices.Values(pagingNames))
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	by := scim.AttrPath{Name: "userName"}
	tests := []struct {
		name string
		q    scim.Query
		want []string
	}{
		{"ascending", scim.Query{SortBy: by, SortOrder: scim.Ascending, StartIndex: 1, Count: 100}, asc},
		{"descending", scim.Query{SortBy: by, SortOrder: scim.Descending, StartIndex: 1, Count: 100}, desc},
		{"ascending second page", scim.Query{SortBy: by, SortOrder: scim.Ascending, StartIndex: 4, Count: 3}, asc[3:6]},
		{"descending second page", scim.Query{SortBy: by, SortOrder: scim.Descending, StartIndex: 4, Count: 3}, desc[3:6]},
		{"filtered descending", scim.Query{Filter: mustFilter(t, `userName eq "eve" or userName eq "bob" or userName eq "trent"`), SortBy: by, SortOrder: scim.Descending, StartIndex: 1, Count: 10}, []string{"trent", "eve", "bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := list(t, ctx, s, tt.q)
			if diff := cmp.Diff(tt.want, userNames(p.Resources)); diff != "" {
				t.Errorf("sorted users (-want +got):\n%s", diff)
			}
		})
	}
}

func testUserVersionCheck(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	created := mustCreate(t, ctx, s, simpleUser("adele.v@contoso.example"))
	requireVersions(t, created)
	v1 := mustGet(t, ctx, s, created.ID)
	if v1.Meta.Version != created.Meta.Version {
		t.Errorf("GetUser Meta.Version = %s, want %s as returned by CreateUser", v1.Meta.Version, created.Meta.Version)
	}
	second := v1.Clone()
	second.Title = "second"
	v2, err := s.ReplaceUser(ctx, second)
	if err != nil {
		t.Fatalf("ReplaceUser with the current version: %v", err)
	}
	if v2.Meta.Version == v1.Meta.Version {
		t.Fatalf("ReplaceUser kept Meta.Version %s", v1.Meta.Version)
	}
	stale := v1.Clone()
	stale.Title = "stale write"
	stale.UserName = "stale@contoso.example"
	if _, err := s.ReplaceUser(ctx, stale); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("ReplaceUser with stale version %s: err = %v, want ErrVersionMismatch", v1.Meta.Version, err)
	}
	got := mustGet(t, ctx, s, created.ID)
	if diff := cmp.Diff(v2, got, userCmp); diff != "" {
		t.Errorf("refused ReplaceUser wrote (-want +got):\n%s", diff)
	}
	if got.Meta.Version != v2.Meta.Version {
		t.Errorf("refused ReplaceUser changed Meta.Version from %s to %s", v2.Meta.Version, got.Meta.Version)
	}
	if n := list(t, ctx, s, scim.Query{Filter: mustFilter(t, `userName eq "stale@contoso.example"`), StartIndex: 1, Count: 1}).TotalResults; n != 0 {
		t.Errorf("refused rename is visible to filters (%d results)", n)
	}
}

func testUserTenantIsolation(t *testing.T, s scim.UserStore) {
	ctxA, ctxB := ctxFor(t, tenantA), ctxFor(t, tenantB)
	a := mustCreate(t, ctxA, s, entraUser("adele.v@contoso.example"))

	if _, err := s.GetUser(ctxB, a.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetUser from another tenant: err = %v, want ErrNotFound", err)
	}
	r := a.Clone()
	r.Title = "written by tenant B"
	r.Meta.Version = ""
	if _, err := s.ReplaceUser(ctxB, r); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("ReplaceUser from another tenant: err = %v, want ErrNotFound", err)
	}
	if p, ok := s.(scim.UserPatcher); ok {
		if _, err := p.PatchUser(ctxB, a.ID, func(u *scim.User) error { u.Title = "patched by B"; return nil }); !errors.Is(err, scim.ErrNotFound) {
			t.Errorf("PatchUser from another tenant: err = %v, want ErrNotFound", err)
		}
	}
	if err := s.DeleteUser(ctxB, a.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteUser from another tenant: err = %v, want ErrNotFound", err)
	}
	for _, f := range []string{"", `userName eq "adele.v@contoso.example"`, `externalId eq "adelev"`, `id eq "` + a.ID + `"`} {
		q := scim.Query{StartIndex: 1, Count: 10}
		if f != "" {
			q.Filter = mustFilter(t, f)
		}
		if n := list(t, ctxB, s, q).TotalResults; n != 0 {
			t.Errorf("ListUsers(%q) from another tenant: %d results, want 0", f, n)
		}
	}
	// The same userName is free in the other tenant, and independent.
	b := mustCreate(t, ctxB, s, simpleUser("Adele.V@contoso.example"))
	if b.ID == a.ID {
		t.Errorf("tenants got the same user id %s", a.ID)
	}
	if diff := cmp.Diff(a, mustGet(t, ctxA, s, a.ID), userCmp); diff != "" {
		t.Errorf("tenant A's user changed by tenant B's writes (-want +got):\n%s", diff)
	}
	if n := list(t, ctxA, s, scim.Query{StartIndex: 1, Count: 10}).TotalResults; n != 1 {
		t.Errorf("tenant A sees %d users, want 1", n)
	}
}

func emailSet(u *scim.User) []string {
	out := make([]string, 0, len(u.Emails))
	for _, e := range u.Emails {
		out = append(out, e.Value)
	}
	slices.Sort(out)
	return out
}

func workerEmails() []string {
	out := make([]string, workers)
	for i := range out {
		out[i] = fmt.Sprintf("worker%02d@contoso.example", i)
	}
	return out
}

func testUserConcurrentReplace(t *testing.T, s scim.UserStore) {
	ctx := ctxFor(t, tenantA)
	created := mustCreate(t, ctx, s, simpleUser("adele.v@contoso.example"))
	requireVersions(t, created)
	emails := workerEmails()
	var wg sync.WaitGroup
	for _, email := range emails {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				if attempt == 10000 {
					t.Errorf("%s: no successful ReplaceUser after %d attempts", email, attempt)
					return
				}
				u, err := s.GetUser(ctx, created.ID)
				if err != nil {
					t.Errorf("GetUser: %v", err)
					return
				}
				u.Emails = append(u.Emails, scim.MultiValue{Value: email, Type: "other"})
				_, err = s.ReplaceUser(ctx, u)
				if errors.Is(err, scim.ErrVersionMismatch) {
					continue
				}
				if err != nil {
					t.Errorf("ReplaceUser: %v", err)
				}
				return
			}
		}()
	}
	wg.Wait()
	if diff := cmp.Diff(emails, emailSet(mustGet(t, ctx, s, created.ID))); diff != "" {
		t.Errorf("read-modify-write with versions lost updates (-want +got):\n%s", diff)
	}
}

func testPatchUser(t *testing.T, s scim.UserStore) {
	p, ok := s.(scim.UserPatcher)
	if !ok {
		t.Skip("store does not implement scim.UserPatcher")
	}
	ctx := ctxFor(t, tenantA)
	created := mustCreate(t, ctx, s, entraUser("adele.v@contoso.example"))

	calls := 0
	got, err := p.PatchUser(ctx, created.ID, func(u *scim.User) error {
		calls++
		if diff := cmp.Diff(created, u, userCmp); diff != "" {
			t.Errorf("apply got (-want +got):\n%s", diff)
		}
		u.Active = ptr(false)
		u.Title = "patched"
		return nil
	})
	if err != nil {
		t.Fatalf("PatchUser: %v", err)
	}
	if calls != 1 {
		t.Errorf("PatchUser called apply %d times, want 1", calls)
	}
	want := created.Clone()
	want.Active = ptr(false)
	want.Title = "patched"
	if diff := cmp.Diff(want, got, userCmp, cmpopts.IgnoreFields(scim.Meta{}, "LastModified")); diff != "" {
		t.Errorf("PatchUser returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(got, mustGet(t, ctx, s, created.ID), userCmp); diff != "" {
		t.Errorf("GetUser after PatchUser (-want +got):\n%s", diff)
	}
	if created.Meta.Version != "" && got.Meta.Version == created.Meta.Version {
		t.Errorf("PatchUser kept Meta.Version %s", got.Meta.Version)
	}

	// An apply error is returned as is and nothing is written.
	errApply := errors.New("scimtest: apply refused")
	_, err = p.PatchUser(ctx, created.ID, func(u *scim.User) error {
		u.Title = "must not be written"
		u.UserName = "must-not-be-written@contoso.example"
		return errApply
	})
	if !errors.Is(err, errApply) {
		t.Errorf("PatchUser with failing apply: err = %v, want the apply error", err)
	}
	after := mustGet(t, ctx, s, created.ID)
	if diff := cmp.Diff(got, after, userCmp); diff != "" {
		t.Errorf("failed PatchUser wrote (-want +got):\n%s", diff)
	}
	if after.Meta.Version != got.Meta.Version {
		t.Errorf("failed PatchUser changed Meta.Version from %s to %s", got.Meta.Version, after.Meta.Version)
	}
}

func testConcurrentPatchUser(t *testing.T, s scim.UserStore) {
	p, ok := s.(scim.UserPatcher)
	if !ok {
		t.Skip("store does not implement scim.UserPatcher")
	}
	ctx := ctxFor(t, tenantA)
	created := mustCreate(t, ctx, s, simpleUser("adele.v@contoso.example"))
	emails := workerEmails()
	var wg sync.WaitGroup
	for _, email := range emails {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.PatchUser(ctx, created.ID, func(u *scim.User) error {
				u.Emails = append(u.Emails, scim.MultiValue{Value: email, Type: "other"})
				return nil
			})
			if err != nil {
				t.Errorf("PatchUser adding %s: %v", email, err)
			}
		}()
	}
	wg.Wait()
	if diff := cmp.Diff(emails, emailSet(mustGet(t, ctx, s, created.ID))); diff != "" {
		t.Errorf("concurrent PatchUser calls lost updates (-want +got):\n%s", diff)
	}
}
