package scimtest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/scimtest"
)

// The suites are checked by running them against deliberately broken
// stores (mutants of memstore) in a child process and requiring that the
// right subtests fail; a conformance test that cannot fail is worthless.

// ignoresVersion drops the caller's Meta.Version on ReplaceUser.
type ignoresVersion struct{ *memstore.Store }

func (s ignoresVersion) ReplaceUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	u.Meta.Version = ""
	return s.Store.ReplaceUser(ctx, u)
}

// reversedOrder lists users newest first.
type reversedOrder struct{ *memstore.Store }

func (s reversedOrder) ListUsers(ctx context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	all := q
	all.StartIndex, all.Count = 1, 1<<30
	p, err := s.Store.ListUsers(ctx, all)
	if err != nil || !q.SortBy.IsZero() {
		return p, err
	}
	slices.Reverse(p.Resources)
	lo := min(max(q.StartIndex, 1)-1, len(p.Resources))
	hi := min(lo+max(q.Count, 0), len(p.Resources))
	p.Resources = p.Resources[lo:hi]
	return p, nil
}

// racyPatch implements PatchUser as an unprotected get, apply, replace.
type racyPatch struct{ *memstore.Store }

func (s racyPatch) PatchUser(ctx context.Context, id string, apply func(*scim.User) error) (*scim.User, error) {
	u, err := s.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := apply(u); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Millisecond) // let the other writers interleave
	u.Meta.Version = ""
	return s.Store.ReplaceUser(ctx, u)
}

// oneTenant ignores the principal.
type oneTenant struct{ *memstore.Store }

func (s oneTenant) CreateUser(_ context.Context, u *scim.User) (*scim.User, error) {
	return s.Store.CreateUser(context.Background(), u)
}
func (s oneTenant) GetUser(_ context.Context, id string) (*scim.User, error) {
	return s.Store.GetUser(context.Background(), id)
}
func (s oneTenant) ListUsers(_ context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	return s.Store.ListUsers(context.Background(), q)
}
func (s oneTenant) GetGroup(_ context.Context, id string, m bool) (*scim.Group, error) {
	return s.Store.GetGroup(context.Background(), id, m)
}
func (s oneTenant) CreateGroup(_ context.Context, g *scim.Group) (*scim.Group, error) {
	return s.Store.CreateGroup(context.Background(), g)
}

// alwaysMembers loads members whether asked or not.
type alwaysMembers struct{ *memstore.Store }

func (s alwaysMembers) GetGroup(ctx context.Context, id string, _ bool) (*scim.Group, error) {
	return s.Store.GetGroup(ctx, id, true)
}
func (s alwaysMembers) ListGroups(ctx context.Context, q scim.Query) (*scim.Page[*scim.Group], error) {
	q.WithMembers = true
	return s.Store.ListGroups(ctx, q)
}

// removeClears treats a remove with members as "remove all members", the
// RFC-literal reading that loses data with Entra.
type removeClears struct{ *memstore.Store }

func (s removeClears) PatchGroup(ctx context.Context, id string, p scim.GroupPatch) (*scim.Group, error) {
	for i, ch := range p.Members {
		if ch.Kind == scim.RemoveMembers {
			p.Members[i] = scim.MemberChange{Kind: scim.ReplaceMembers}
		}
	}
	return s.Store.PatchGroup(ctx, id, p)
}

// lenientMembers accepts unknown member ids although the suite is told
// they are rejected.
func lenientMembers() *memstore.Store { return memstore.New(memstore.AllowUnknownMembers(true)) }

type mutant struct {
	users  func() scim.UserStore
	groups func() (scim.UserStore, scim.GroupStore)
	// wantFail are subtests of the suite that must fail.
	wantFail []string
}

var mutants = map[string]mutant{
	"ignoresVersion": {users: func() scim.UserStore { return ignoresVersion{memstore.New()} },
		wantFail: []string{"VersionCheck"}}, // ConcurrentReplace fails only on some interleavings
	"reversedOrder": {users: func() scim.UserStore { return reversedOrder{memstore.New()} },
		wantFail: []string{"Paging"}},
	"racyPatch": {users: func() scim.UserStore { return racyPatch{memstore.New()} },
		wantFail: []string{"ConcurrentPatchUser"}},
	"oneTenant": {users: func() scim.UserStore { return oneTenant{memstore.New()} },
		wantFail: []string{"TenantIsolation"}},
	"oneTenantGroups": {groups: func() (scim.UserStore, scim.GroupStore) {
		s := oneTenant{memstore.New()}
		return s, s
	}, wantFail: []string{"TenantIsolation"}},
	"alwaysMembers": {groups: func() (scim.UserStore, scim.GroupStore) {
		s := memstore.New()
		return s, alwaysMembers{s}
	}, wantFail: []string{"CreateGet", "MembersNotLoaded", "Filters"}},
	"removeClears": {groups: func() (scim.UserStore, scim.GroupStore) {
		s := memstore.New()
		return s, removeClears{s}
	}, wantFail: []string{"MemberDeltas", "ConcurrentMemberPatches"}},
	"lenientMembers": {groups: func() (scim.UserStore, scim.GroupStore) {
		s := lenientMembers()
		return s, s
	}, wantFail: []string{"UnknownMembersRejected"}},
}

const mutantEnv = "SCIMTEST_MUTANT"

// TestMutant runs a suite against the mutant named by $SCIMTEST_MUTANT; it
// is the child process of TestSuitesCatchMutants.
func TestMutant(t *testing.T) {
	m, ok := mutants[os.Getenv(mutantEnv)]
	if !ok {
		t.Skip("runs only as the child process of TestSuitesCatchMutants")
	}
	if m.users != nil {
		scimtest.TestUserStore(t, func(*testing.T) scim.UserStore { return m.users() })
	}
	if m.groups != nil {
		scimtest.TestGroupStore(t, func(*testing.T) (scim.UserStore, scim.GroupStore) { return m.groups() })
	}
}

func TestSuitesCatchMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("child process")
	}
	for name, m := range mutants {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestMutant$", "-test.v")
			cmd.Env = append(os.Environ(), mutantEnv+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("suite against mutant %s: err = %v, want a failing test run; output:\n%s", name, err, out)
			}
			for _, sub := range m.wantFail {
				if !strings.Contains(string(out), "--- FAIL: TestMutant/"+sub+" ") {
					t.Errorf("suite against mutant %s: subtest %s did not fail; output:\n%s", name, sub, out)
				}
			}
		})
	}
}

// TestSuitesPassMemstore is the control: the unbroken store passes.
func TestSuitesPassMemstore(t *testing.T) {
	scimtest.TestUserStore(t, func(*testing.T) scim.UserStore { return memstore.New() })
	scimtest.TestGroupStore(t, func(*testing.T) (scim.UserStore, scim.GroupStore) {
		s := memstore.New()
		return s, s
	})
}
