package scimtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim"
)

// TestGroupStore runs the group store conformance suite: named subtests of
// t that each call newStores for a fresh, empty user store and the group
// store over it (they may be the same value). Members are created as
// users of the user store. Subtests that depend on Meta.Version are
// skipped when the store does not fill it; LoadUserGroups is checked when
// the user store implements scim.UserGroupsLoader.
//
// The member filter subtests pass Query.WithMembers false and expect
// groups without members back: a store must evaluate member tests such as
// members[value eq "…"] (loading members only as far as the filter needs
// them) without returning the members.
//
// By default the suite expects unknown member ids to be rejected with a
// *scim.Error 400 invalidValue; see AcceptsUnknownMembers.
func TestGroupStore(t *testing.T, newStores func(t *testing.T) (scim.UserStore, scim.GroupStore), opts ...SuiteOption) {
	cfg := newSuiteConfig(opts)
	subtests := []struct {
		name string
		run  func(t *testing.T, f *groupFixture)
	}{
		{"CreateGet", testGroupCreateGet},
		{"NotFound", testGroupNotFound},
		{"DisplayNameUniqueness", testGroupDisplayNameUniqueness},
		{"MemberDeltas", testGroupMemberDeltas},
		{"PatchGroupApply", testPatchGroupApply},
		{"ConcurrentMemberPatches", testGroupConcurrentMemberPatches},
		{"DeletedUserLeavesGroups", testGroupDeletedUser},
		{"MembersNotLoaded", testGroupMembersNotLoaded},
		{"Filters", testGroupFilters},
		{"Paging", testGroupPaging},
		{"UnknownMembersRejected", testGroupUnknownMembersRejected},
		{"UnknownMembersAccepted", testGroupUnknownMembersAccepted},
		{"VersionCheck", testGroupVersionCheck},
		{"TenantIsolation", testGroupTenantIsolation},
	}
	for _, st := range subtests {
		t.Run(st.name, func(t *testing.T) {
			us, gs := newStores(t)
			st.run(t, &groupFixture{users: us, groups: gs, cfg: cfg, ctx: ctxFor(t, tenantA)})
		})
	}
}

type groupFixture struct {
	users  scim.UserStore
	groups scim.GroupStore
	cfg    suiteConfig
	ctx    context.Context
}

// newUsers creates n users and returns their ids.
func (f *groupFixture) newUsers(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = mustCreate(t, f.ctx, f.users, simpleUser(fmt.Sprintf("member%03d@contoso.example", i))).ID
	}
	return ids
}

func (f *groupFixture) create(t *testing.T, name string, members ...string) *scim.Group {
	t.Helper()
	g, err := f.groups.CreateGroup(f.ctx, newGroup(name, members...))
	if err != nil {
		t.Fatalf("CreateGroup(%q): %v", name, err)
	}
	if g.ID == "" {
		t.Fatalf("CreateGroup(%q) returned no id", name)
	}
	return g
}

func (f *groupFixture) get(t *testing.T, id string, withMembers bool) *scim.Group {
	t.Helper()
	g, err := f.groups.GetGroup(f.ctx, id, withMembers)
	if err != nil {
		t.Fatalf("GetGroup(%s, %v): %v", id, withMembers, err)
	}
	return g
}

// memberIDs returns the member values of the group as stored, sorted.
func (f *groupFixture) memberIDs(t *testing.T, id string) []string {
	t.Helper()
	g := f.get(t, id, true)
	if g.Members == nil {
		t.Fatalf("GetGroup(%s, true) returned Members == nil; loaded members are a non-nil slice", id)
	}
	return values(g.Members)
}

func (f *groupFixture) patch(t *testing.T, id string, changes ...scim.MemberChange) {
	t.Helper()
	g, err := f.groups.PatchGroup(f.ctx, id, scim.GroupPatch{Members: changes})
	if err != nil {
		t.Fatalf("PatchGroup(%s): %v", id, err)
	}
	if g.Members != nil {
		t.Errorf("PatchGroup returned %d members; it returns the group without members", len(g.Members))
	}
}

func newGroup(name string, members ...string) *scim.Group {
	g := &scim.Group{DisplayName: name, ExternalID: "ext-" + name, Meta: scim.Meta{Created: stamp, LastModified: stamp}}
	if members != nil {
		g.Members = toMembers(members...)
	}
	return g
}

func toMembers(ids ...string) []scim.Member {
	ms := make([]scim.Member, len(ids))
	for i, id := range ids {
		ms[i] = scim.Member{Value: id}
	}
	return ms
}

func values(ms []scim.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Value
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func add(ids ...string) scim.MemberChange {
	return scim.MemberChange{Kind: scim.AddMembers, Members: toMembers(ids...)}
}

func remove(ids ...string) scim.MemberChange {
	return scim.MemberChange{Kind: scim.RemoveMembers, Members: toMembers(ids...)}
}

func replace(ids ...string) scim.MemberChange {
	return scim.MemberChange{Kind: scim.ReplaceMembers, Members: toMembers(ids...)}
}

// groupCmp compares groups without Meta.Version and member type/$ref,
// which are the store's to fill.
var groupCmp = cmp.Options{
	userCmp,
	cmpopts.IgnoreFields(scim.Member{}, "Type", "Ref"),
	cmpopts.SortSlices(func(a, b scim.Member) bool { return a.Value < b.Value }),
}

func testGroupCreateGet(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 2)
	in := newGroup("Finance EMEA")
	in.Members = []scim.Member{{Value: u[1], Display: "member001"}, {Value: u[0]}}
	created, err := f.groups.CreateGroup(f.ctx, in.Clone())
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	want := in.Clone()
	want.ID = created.ID
	if diff := cmp.Diff(want, created, groupCmp); diff != "" {
		t.Errorf("CreateGroup returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, f.get(t, created.ID, true), groupCmp); diff != "" {
		t.Errorf("GetGroup with members (-want +got):\n%s", diff)
	}
	noMembers := want.Clone()
	noMembers.Members = nil
	got := f.get(t, created.ID, false)
	if diff := cmp.Diff(noMembers, got, groupCmp); diff != "" {
		t.Errorf("GetGroup without members (-want +got):\n%s", diff)
	}
	if got.Members != nil {
		t.Errorf("GetGroup(withMembers false) returned Members = %v, want nil", got.Members)
	}

	// The way Entra creates groups: no members at all, or an empty list.
	for _, members := range [][]scim.Member{nil, {}} {
		g := newGroup(fmt.Sprintf("Entra group %d", len(members)+boolInt(members != nil)))
		g.Members = members
		c, err := f.groups.CreateGroup(f.ctx, g)
		if err != nil {
			t.Fatalf("CreateGroup with members %#v: %v", members, err)
		}
		if got := f.memberIDs(t, c.ID); len(got) != 0 {
			t.Errorf("group created with members %#v has members %v", members, got)
		}
	}

	// Duplicate members collapse.
	dup := f.create(t, "Duplicates", u[0], u[0], u[1])
	if diff := cmp.Diff(sorted(u[0], u[1]), f.memberIDs(t, dup.ID)); diff != "" {
		t.Errorf("group created with a duplicate member (-want +got):\n%s", diff)
	}

	if err := f.groups.DeleteGroup(f.ctx, created.ID); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	if _, err := f.groups.GetGroup(f.ctx, created.ID, false); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetGroup after delete: err = %v, want ErrNotFound", err)
	}
	// Its members are still users.
	mustGet(t, f.ctx, f.users, u[0])
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func testGroupNotFound(t *testing.T, f *groupFixture) {
	deleted := f.create(t, "Deleted")
	if err := f.groups.DeleteGroup(f.ctx, deleted.ID); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	f.create(t, "Present")
	for _, id := range []string{unknownID, deleted.ID, ""} {
		tests := []struct {
			name string
			call func() error
		}{
			{"GetGroup", func() error { _, err := f.groups.GetGroup(f.ctx, id, true); return err }},
			{"ReplaceGroup", func() error {
				g := newGroup("Replacement")
				g.ID = id
				_, err := f.groups.ReplaceGroup(f.ctx, g)
				return err
			}},
			{"PatchGroup", func() error {
				_, err := f.groups.PatchGroup(f.ctx, id, scim.GroupPatch{Apply: func(*scim.Group) error {
					t.Errorf("PatchGroup(%q) called Apply for a missing group", id)
					return nil
				}})
				return err
			}},
			{"DeleteGroup", func() error { return f.groups.DeleteGroup(f.ctx, id) }},
		}
		for _, tt := range tests {
			if err := tt.call(); !errors.Is(err, scim.ErrNotFound) {
				t.Errorf("%s(%q): err = %v, want ErrNotFound", tt.name, id, err)
			}
		}
	}
}

func (f *groupFixture) listGroups(t *testing.T, q scim.Query) *scim.Page[*scim.Group] {
	t.Helper()
	p, err := f.groups.ListGroups(f.ctx, q)
	if err != nil {
		t.Fatalf("ListGroups(filter %v): %v", q.Filter, err)
	}
	return p
}

func groupFilter(t *testing.T, text string) scim.Filter {
	t.Helper()
	fl, err := scim.ParseGroupFilter(text)
	if err != nil {
		t.Fatalf("ParseGroupFilter(%q): %v", text, err)
	}
	return fl
}

func testGroupDisplayNameUniqueness(t *testing.T, f *groupFixture) {
	fin := f.create(t, "Finance EMEA")
	hr := f.create(t, "HR")
	for _, name := range []string{"Finance EMEA", "finance emea", "FINANCE EMEA"} {
		if _, err := f.groups.CreateGroup(f.ctx, newGroup(name)); !errors.Is(err, scim.ErrConflict) {
			t.Errorf("CreateGroup(%q): err = %v, want ErrConflict", name, err)
		}
	}
	// Renames onto another group's name are refused and write nothing.
	r := f.get(t, hr.ID, false)
	want := r.Clone()
	r.DisplayName = "finance EMEA"
	r.Meta.Version = ""
	if _, err := f.groups.ReplaceGroup(f.ctx, r); !errors.Is(err, scim.ErrConflict) {
		t.Errorf("ReplaceGroup renaming onto another group: err = %v, want ErrConflict", err)
	}
	_, err := f.groups.PatchGroup(f.ctx, hr.ID, scim.GroupPatch{Apply: func(g *scim.Group) error { g.DisplayName = "Finance emea"; return nil }})
	if !errors.Is(err, scim.ErrConflict) {
		t.Errorf("PatchGroup renaming onto another group: err = %v, want ErrConflict", err)
	}
	if diff := cmp.Diff(want, f.get(t, hr.ID, false), groupCmp); diff != "" {
		t.Errorf("refused renames wrote (-want +got):\n%s", diff)
	}
	// A group may change the case of its own name.
	if _, err := f.groups.PatchGroup(f.ctx, hr.ID, scim.GroupPatch{Apply: func(g *scim.Group) error { g.DisplayName = "hr"; return nil }}); err != nil {
		t.Errorf("PatchGroup changing the case of the group's own name: %v", err)
	}
	// The name of a deleted group is free again.
	if err := f.groups.DeleteGroup(f.ctx, fin.ID); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
	f.create(t, "finance emea")
}

func testGroupMemberDeltas(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 4)
	g := f.create(t, "Deltas")
	steps := []struct {
		name    string
		changes []scim.MemberChange
		want    []string
	}{
		{"add two", []scim.MemberChange{add(u[0], u[1])}, sorted(u[0], u[1])},
		{"re-add is a no-op", []scim.MemberChange{add(u[0])}, sorted(u[0], u[1])},
		{"remove non-member is a no-op", []scim.MemberChange{remove(u[2])}, sorted(u[0], u[1])},
		{"remove removes only the listed member", []scim.MemberChange{remove(u[0])}, sorted(u[1])},
		{"replace sets exactly the list", []scim.MemberChange{replace(u[2], u[0])}, sorted(u[0], u[2])},
		{"add with a duplicate", []scim.MemberChange{add(u[1], u[1], u[0])}, sorted(u[0], u[1], u[2])},
		{"several changes apply in order", []scim.MemberChange{remove(u[0]), add(u[3]), remove(u[3], u[2]), add(u[0])}, sorted(u[0], u[1])},
		{"remove and re-add in one patch", []scim.MemberChange{remove(u[1]), add(u[1])}, sorted(u[0], u[1])},
		{"replace with nothing empties", []scim.MemberChange{replace()}, sorted()},
		{"remove from an empty group", []scim.MemberChange{remove(u[0])}, sorted()},
		{"no changes", nil, sorted()},
	}
	for _, st := range steps {
		f.patch(t, g.ID, st.changes...)
		if diff := cmp.Diff(st.want, f.memberIDs(t, g.ID)); diff != "" {
			t.Errorf("after %q, members (-want +got):\n%s", st.name, diff)
		}
	}
	// ReplaceGroup leaves members alone when Members is nil and replaces
	// them when it is not.
	f.patch(t, g.ID, add(u[0], u[1]))
	r := f.get(t, g.ID, false)
	r.ExternalID = "changed"
	r.Meta.Version = ""
	if _, err := f.groups.ReplaceGroup(f.ctx, r); err != nil {
		t.Fatalf("ReplaceGroup without members: %v", err)
	}
	if diff := cmp.Diff(sorted(u[0], u[1]), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("ReplaceGroup with Members nil changed members (-want +got):\n%s", diff)
	}
	r.Members = toMembers(u[3])
	if _, err := f.groups.ReplaceGroup(f.ctx, r); err != nil {
		t.Fatalf("ReplaceGroup with members: %v", err)
	}
	if diff := cmp.Diff(sorted(u[3]), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("ReplaceGroup with Members set (-want +got):\n%s", diff)
	}
	if got := f.get(t, g.ID, false).ExternalID; got != "changed" {
		t.Errorf("ReplaceGroup externalId = %q, want %q", got, "changed")
	}
}

func testPatchGroupApply(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 2)
	g := f.create(t, "Finance EMEA", u[0])
	got, err := f.groups.PatchGroup(f.ctx, g.ID, scim.GroupPatch{
		Apply: func(g *scim.Group) error {
			if g.Members != nil {
				t.Errorf("PatchGroup Apply got %d members; it must get the group without members", len(g.Members))
			}
			g.DisplayName = "Finance EMEA & APAC"
			return nil
		},
		Members: []scim.MemberChange{add(u[1])},
	})
	if err != nil {
		t.Fatalf("PatchGroup: %v", err)
	}
	if got.DisplayName != "Finance EMEA & APAC" || got.ID != g.ID {
		t.Errorf("PatchGroup returned {ID: %s, DisplayName: %q}, want {ID: %s, DisplayName: %q}", got.ID, got.DisplayName, g.ID, "Finance EMEA & APAC")
	}
	if g.Meta.Version != "" && got.Meta.Version == g.Meta.Version {
		t.Errorf("PatchGroup kept Meta.Version %s", got.Meta.Version)
	}
	if diff := cmp.Diff(sorted(u[0], u[1]), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("members after PatchGroup (-want +got):\n%s", diff)
	}
	if n := f.listGroups(t, scim.Query{Filter: groupFilter(t, `displayName eq "finance emea & apac"`), StartIndex: 1, Count: 10}).TotalResults; n != 1 {
		t.Errorf("renamed group found %d times by its new displayName, want 1", n)
	}
	if n := f.listGroups(t, scim.Query{Filter: groupFilter(t, `displayName eq "Finance EMEA"`), StartIndex: 1, Count: 10}).TotalResults; n != 0 {
		t.Errorf("renamed group found %d times by its old displayName, want 0", n)
	}

	// An Apply error is returned as is; neither attributes nor members change.
	before := f.get(t, g.ID, true)
	errApply := errors.New("scimtest: apply refused")
	_, err = f.groups.PatchGroup(f.ctx, g.ID, scim.GroupPatch{
		Apply:   func(g *scim.Group) error { g.DisplayName = "must not be written"; return errApply },
		Members: []scim.MemberChange{replace()},
	})
	if !errors.Is(err, errApply) {
		t.Errorf("PatchGroup with failing Apply: err = %v, want the Apply error", err)
	}
	after := f.get(t, g.ID, true)
	if diff := cmp.Diff(before, after, groupCmp); diff != "" {
		t.Errorf("failed PatchGroup wrote (-want +got):\n%s", diff)
	}
	if after.Meta.Version != before.Meta.Version {
		t.Errorf("failed PatchGroup changed Meta.Version from %s to %s", before.Meta.Version, after.Meta.Version)
	}
}

func testGroupConcurrentMemberPatches(t *testing.T, f *groupFixture) {
	old := f.newUsers(t, workers+1) // initial members; old[workers] stays
	keep := old[workers]
	fresh := make([]string, workers)
	for i := range fresh {
		fresh[i] = mustCreate(t, f.ctx, f.users, simpleUser(fmt.Sprintf("fresh%02d@contoso.example", i))).ID
	}
	g := f.create(t, "Concurrent", old...)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Worker i swaps old[i] for fresh[i] (odd workers remove first)
			// and re-adds the member nobody removes, which changes nothing.
			changes := []scim.MemberChange{add(fresh[i], keep), remove(old[i])}
			if i%2 == 1 {
				changes = []scim.MemberChange{remove(old[i]), add(keep), add(fresh[i])}
			}
			if _, err := f.groups.PatchGroup(f.ctx, g.ID, scim.GroupPatch{Members: changes}); err != nil {
				t.Errorf("PatchGroup of worker %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	want := sorted(append(slices.Clone(fresh), keep)...)
	if diff := cmp.Diff(want, f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("after %d concurrent member patches, members (-want +got):\n%s", workers, diff)
	}
}

func testGroupDeletedUser(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 3)
	g1 := f.create(t, "One", u[0], u[1])
	g2 := f.create(t, "Two", u[1], u[2])
	if err := f.users.DeleteUser(f.ctx, u[1]); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if diff := cmp.Diff(sorted(u[0]), f.memberIDs(t, g1.ID)); diff != "" {
		t.Errorf("group One after deleting a member (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(sorted(u[2]), f.memberIDs(t, g2.ID)); diff != "" {
		t.Errorf("group Two after deleting a member (-want +got):\n%s", diff)
	}
	if n := f.listGroups(t, scim.Query{Filter: groupFilter(t, `members[value eq "`+u[1]+`"]`), StartIndex: 1, Count: 10}).TotalResults; n != 0 {
		t.Errorf("deleted user is still found as a member of %d groups", n)
	}

	loader, ok := f.users.(scim.UserGroupsLoader)
	if !ok {
		return
	}
	users := []*scim.User{mustGet(t, f.ctx, f.users, u[0]), mustGet(t, f.ctx, f.users, u[2])}
	if err := loader.LoadUserGroups(f.ctx, users); err != nil {
		t.Fatalf("LoadUserGroups: %v", err)
	}
	want := [][]scim.GroupRef{{{Value: g1.ID, Display: "One", Type: "direct"}}, {{Value: g2.ID, Display: "Two", Type: "direct"}}}
	for i, u := range users {
		if diff := cmp.Diff(want[i], u.Groups, cmpopts.IgnoreFields(scim.GroupRef{}, "Ref")); diff != "" {
			t.Errorf("LoadUserGroups for %s (-want +got):\n%s", u.UserName, diff)
		}
	}
	// Membership changes show up in the groups attribute.
	f.patch(t, g2.ID, add(u[0]))
	f.patch(t, g1.ID, remove(u[0]))
	users[0].Groups = nil
	if err := loader.LoadUserGroups(f.ctx, users[:1]); err != nil {
		t.Fatalf("LoadUserGroups: %v", err)
	}
	if diff := cmp.Diff(want[1], users[0].Groups, cmpopts.IgnoreFields(scim.GroupRef{}, "Ref")); diff != "" {
		t.Errorf("LoadUserGroups after membership changes (-want +got):\n%s", diff)
	}
}

func testGroupMembersNotLoaded(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 2)
	f.create(t, "Full", u[0], u[1])
	f.create(t, "Empty")
	for _, withMembers := range []bool{false, true} {
		p := f.listGroups(t, scim.Query{StartIndex: 1, Count: 10, WithMembers: withMembers})
		if len(p.Resources) != 2 {
			t.Fatalf("ListGroups returned %d groups, want 2", len(p.Resources))
		}
		for _, g := range p.Resources {
			switch {
			case !withMembers && g.Members != nil:
				t.Errorf("ListGroups(WithMembers false): group %q has Members = %v, want nil", g.DisplayName, g.Members)
			case withMembers && g.Members == nil:
				t.Errorf("ListGroups(WithMembers true): group %q has Members == nil, want a loaded (non-nil) list", g.DisplayName)
			case withMembers && g.DisplayName == "Full" && len(g.Members) != 2:
				t.Errorf("ListGroups(WithMembers true): group Full has %d members, want 2", len(g.Members))
			}
		}
	}
}

func testGroupFilters(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 3)
	fin := f.create(t, "Finance EMEA", u[0], u[1])
	hr := f.create(t, "HR", u[1])
	f.create(t, "Empty")
	tests := []struct {
		name   string
		filter string
		want   []string
	}{
		{"displayName eq in another case", `displayName eq "finance emea"`, []string{"Finance EMEA"}},
		{"displayName eq, no match", `displayName eq "Finance"`, nil},
		{"Entra test connection GUID", `displayName eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`, nil},
		{"member of one group", `members[value eq "` + u[0] + `"]`, []string{"Finance EMEA"}},
		{"member of two groups", `members[value eq "` + u[1] + `"]`, []string{"Finance EMEA", "HR"}},
		{"member of no group", `members[value eq "` + u[2] + `"]`, nil},
		{"id and member, member", `id eq "` + fin.ID + `" and members[value eq "` + u[0] + `"]`, []string{"Finance EMEA"}},
		{"id and member, not a member", `id eq "` + hr.ID + `" and members[value eq "` + u[0] + `"]`, nil},
		{"id and member, member of another group", `id eq "` + hr.ID + `" and members[value eq "` + u[1] + `"]`, []string{"HR"}},
		{"members.value eq", `members.value eq "` + u[0] + `"`, []string{"Finance EMEA"}},
		{"displayName or member", `displayName eq "Empty" or members[value eq "` + u[0] + `"]`, []string{"Finance EMEA", "Empty"}},
		{"not a member", `not (members[value eq "` + u[1] + `"])`, []string{"Empty"}},
		{"externalId eq", `externalId eq "ext-HR"`, []string{"HR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.listGroups(t, scim.Query{Filter: groupFilter(t, tt.filter), StartIndex: 1, Count: 10})
			var got []string
			for _, g := range p.Resources {
				got = append(got, g.DisplayName)
				if g.Members != nil {
					t.Errorf("group %q returned with %d members for WithMembers false", g.DisplayName, len(g.Members))
				}
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ListGroups(%s) (-want +got):\n%s", tt.filter, diff)
			}
			if p.TotalResults != len(tt.want) {
				t.Errorf("ListGroups(%s) TotalResults = %d, want %d", tt.filter, p.TotalResults, len(tt.want))
			}
		})
	}
}

func testGroupPaging(t *testing.T, f *groupFixture) {
	for _, n := range pagingNames {
		f.create(t, n)
	}
	var got []string
	for start := 1; start <= len(pagingNames); start += 2 {
		p := f.listGroups(t, scim.Query{StartIndex: start, Count: 2})
		if p.TotalResults != len(pagingNames) {
			t.Errorf("page at %d: TotalResults = %d, want %d", start, p.TotalResults, len(pagingNames))
		}
		for _, g := range p.Resources {
			got = append(got, g.DisplayName)
		}
	}
	if diff := cmp.Diff(pagingNames, got); diff != "" {
		t.Errorf("pages of 2 concatenated, not in creation order (-want +got):\n%s", diff)
	}
	if p := f.listGroups(t, scim.Query{StartIndex: 1, Count: 0}); p.TotalResults != len(pagingNames) || len(p.Resources) != 0 {
		t.Errorf("Count 0: TotalResults = %d with %d resources, want %d with none", p.TotalResults, len(p.Resources), len(pagingNames))
	}
	p := f.listGroups(t, scim.Query{SortBy: scim.AttrPath{Name: "displayName"}, SortOrder: scim.Descending, StartIndex: 1, Count: 3})
	var names []string
	for _, g := range p.Resources {
		names = append(names, g.DisplayName)
	}
	if diff := cmp.Diff([]string{"xavier", "trent", "mallory"}, names); diff != "" {
		t.Errorf("sorted by displayName descending (-want +got):\n%s", diff)
	}
}

func wantInvalidValue(t *testing.T, what string, err error) {
	t.Helper()
	var se *scim.Error
	if !errors.As(err, &se) || se.Status != http.StatusBadRequest || se.ScimType != scim.ScimTypeInvalidValue {
		t.Errorf("%s: err = %v, want a *scim.Error 400 invalidValue", what, err)
	}
}

func testGroupUnknownMembersRejected(t *testing.T, f *groupFixture) {
	if f.cfg.acceptsUnknownMembers {
		t.Skip("the store is configured to accept unknown member ids (scimtest.AcceptsUnknownMembers(true)); see UnknownMembersAccepted")
	}
	u := f.newUsers(t, 2)
	_, err := f.groups.CreateGroup(f.ctx, newGroup("Unknown", u[0], unknownID))
	wantInvalidValue(t, "CreateGroup with an unknown member", err)
	if n := f.listGroups(t, scim.Query{StartIndex: 1, Count: 10}).TotalResults; n != 0 {
		t.Errorf("refused CreateGroup stored a group (%d groups)", n)
	}

	g := f.create(t, "Known", u[0])
	before := f.get(t, g.ID, true)
	// The valid add before the unknown one must not be applied either.
	_, err = f.groups.PatchGroup(f.ctx, g.ID, scim.GroupPatch{Members: []scim.MemberChange{add(u[1]), add(unknownID)}})
	wantInvalidValue(t, "PatchGroup adding an unknown member", err)
	_, err = f.groups.PatchGroup(f.ctx, g.ID, scim.GroupPatch{Members: []scim.MemberChange{remove(u[0]), replace(u[1], unknownID)}})
	wantInvalidValue(t, "PatchGroup replacing with an unknown member", err)
	r := before.Clone()
	r.Members = toMembers(u[1], unknownID)
	r.Meta.Version = ""
	_, err = f.groups.ReplaceGroup(f.ctx, r)
	wantInvalidValue(t, "ReplaceGroup with an unknown member", err)
	after := f.get(t, g.ID, true)
	if diff := cmp.Diff(before, after, groupCmp); diff != "" {
		t.Errorf("refused writes changed the group (-want +got):\n%s", diff)
	}
	if after.Meta.Version != before.Meta.Version {
		t.Errorf("refused writes changed Meta.Version from %s to %s", before.Meta.Version, after.Meta.Version)
	}
	// Removing an unknown id is a no-op, not an error.
	f.patch(t, g.ID, remove(unknownID))
}

func testGroupUnknownMembersAccepted(t *testing.T, f *groupFixture) {
	if !f.cfg.acceptsUnknownMembers {
		t.Skip("the store is expected to reject unknown member ids; pass scimtest.AcceptsUnknownMembers(true) if it is configured to accept them")
	}
	u := f.newUsers(t, 1)
	g := f.create(t, "Unknown", u[0], unknownID)
	if diff := cmp.Diff(sorted(u[0], unknownID), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
	f.patch(t, g.ID, remove(unknownID))
	if diff := cmp.Diff(sorted(u[0]), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("members after removing the unknown id (-want +got):\n%s", diff)
	}
}

func testGroupVersionCheck(t *testing.T, f *groupFixture) {
	g := f.create(t, "Versioned")
	if g.Meta.Version == "" {
		t.Skip("store does not fill Meta.Version; optimistic concurrency is not tested")
	}
	v1 := f.get(t, g.ID, false)
	second := v1.Clone()
	second.ExternalID = "second"
	v2, err := f.groups.ReplaceGroup(f.ctx, second)
	if err != nil {
		t.Fatalf("ReplaceGroup with the current version: %v", err)
	}
	if v2.Meta.Version == v1.Meta.Version {
		t.Fatalf("ReplaceGroup kept Meta.Version %s", v1.Meta.Version)
	}
	stale := v1.Clone()
	stale.DisplayName = "Stale"
	if _, err := f.groups.ReplaceGroup(f.ctx, stale); !errors.Is(err, scim.ErrVersionMismatch) {
		t.Errorf("ReplaceGroup with stale version: err = %v, want ErrVersionMismatch", err)
	}
	got := f.get(t, g.ID, false)
	if got.DisplayName != "Versioned" || got.ExternalID != "second" || got.Meta.Version != v2.Meta.Version {
		t.Errorf("after refused ReplaceGroup: {%q, %q, %s}, want {%q, %q, %s}", got.DisplayName, got.ExternalID, got.Meta.Version, "Versioned", "second", v2.Meta.Version)
	}
	// Member changes are writes too.
	u := f.newUsers(t, 1)
	f.patch(t, g.ID, add(u[0]))
	if v3 := f.get(t, g.ID, false).Meta.Version; v3 == v2.Meta.Version {
		t.Errorf("PatchGroup adding a member kept Meta.Version %s", v3)
	}
}

func testGroupTenantIsolation(t *testing.T, f *groupFixture) {
	u := f.newUsers(t, 1)
	g := f.create(t, "Finance EMEA", u[0])
	ctxB := ctxFor(t, tenantB)
	if _, err := f.groups.GetGroup(ctxB, g.ID, true); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("GetGroup from another tenant: err = %v, want ErrNotFound", err)
	}
	if _, err := f.groups.PatchGroup(ctxB, g.ID, scim.GroupPatch{Members: []scim.MemberChange{replace()}}); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("PatchGroup from another tenant: err = %v, want ErrNotFound", err)
	}
	if err := f.groups.DeleteGroup(ctxB, g.ID); !errors.Is(err, scim.ErrNotFound) {
		t.Errorf("DeleteGroup from another tenant: err = %v, want ErrNotFound", err)
	}
	for _, q := range []string{"", `displayName eq "Finance EMEA"`, `members[value eq "` + u[0] + `"]`} {
		query := scim.Query{StartIndex: 1, Count: 10}
		if q != "" {
			query.Filter = groupFilter(t, q)
		}
		p, err := f.groups.ListGroups(ctxB, query)
		if err != nil {
			t.Fatalf("ListGroups from another tenant: %v", err)
		}
		if p.TotalResults != 0 {
			t.Errorf("ListGroups(%q) from another tenant: %d results, want 0", q, p.TotalResults)
		}
	}
	// The same displayName is free in the other tenant, and tenant A's
	// user is not a known member there.
	b, err := f.groups.CreateGroup(ctxB, newGroup("finance emea"))
	if err != nil {
		t.Fatalf("CreateGroup in another tenant with the same displayName: %v", err)
	}
	if !f.cfg.acceptsUnknownMembers {
		_, err := f.groups.PatchGroup(ctxB, b.ID, scim.GroupPatch{Members: []scim.MemberChange{add(u[0])}})
		wantInvalidValue(t, "PatchGroup adding another tenant's user", err)
	}
	if diff := cmp.Diff(sorted(u[0]), f.memberIDs(t, g.ID)); diff != "" {
		t.Errorf("tenant A's group members (-want +got):\n%s", diff)
	}
	if !strings.EqualFold(f.get(t, g.ID, false).DisplayName, "Finance EMEA") {
		t.Errorf("tenant A's group renamed")
	}
}
