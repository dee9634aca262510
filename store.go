package scim

import "context"

// UserStore persists users. The host implements it over its own user table,
// or uses one of the stores shipped with this module (memstore, sqlite,
// postgres). Implementations must be safe for concurrent use and must scope
// every call to the tenant of PrincipalFromContext(ctx).
//
// Users passed in belong to the store for the duration of the call only;
// users returned belong to the caller, which may modify them.
type UserStore interface {
	// CreateUser stores a new user (RFC 7644 §3.3) and returns it as stored,
	// with ID and Meta.Version assigned by the store. Meta.Created and
	// Meta.LastModified are set by the handler. A userName equal to an
	// existing user's, compared case-insensitively and including inactive
	// users, fails with ErrConflict.
	CreateUser(ctx context.Context, u *User) (*User, error)
	// GetUser returns the user with the given id, or ErrNotFound
	// (RFC 7644 §3.4.1).
	GetUser(ctx context.Context, id string) (*User, error)
	// ReplaceUser overwrites the stored user with u.ID (RFC 7644 §3.5.1) and
	// returns it as stored with a new Meta.Version. If u.Meta.Version is not
	// empty and differs from the stored version the store must write nothing
	// and return ErrVersionMismatch: this is how concurrent PATCHes are kept
	// from losing updates. Errors: ErrNotFound, ErrConflict (userName).
	ReplaceUser(ctx context.Context, u *User) (*User, error)
	// DeleteUser removes the user for good (RFC 7644 §3.6); its userName is
	// free afterwards and its id is never found again. ErrNotFound if absent.
	DeleteUser(ctx context.Context, id string) error
	// ListUsers returns the users matching q.Filter (all users when nil),
	// ordered by q.SortBy (by creation order when empty, which must be
	// stable across pages), the page selected by q.StartIndex and q.Count.
	// A store that cannot evaluate a filter returns ErrUnsupportedFilter;
	// a store without its own query engine may use q.Filter.Matches.
	ListUsers(ctx context.Context, q Query) (*Page[*User], error)
}

// UserPatcher is an optional UserStore capability: apply a change to one
// user atomically inside the store (a transaction or a lock), instead of the
// handler's get, apply, ReplaceUser-with-version cycle. The handler calls
// PatchUser with a function that applies the client's operations to the
// current state; the store must call it at most once per attempt with a
// user it owns, and store the result only if it returns nil.
type UserPatcher interface {
	PatchUser(ctx context.Context, id string, apply func(*User) error) (*User, error)
}

// GroupStore persists groups; enable /Groups with WithGroups. The same
// rules as UserStore apply: concurrency-safe, tenant-scoped, callers own
// returned values.
type GroupStore interface {
	// CreateGroup stores a new group with its members and returns it with ID
	// and Meta.Version assigned. A displayName equal to an existing group's
	// (case-insensitively) fails with ErrConflict. Unknown member ids fail
	// with an *Error 400 invalidValue unless the store was configured to
	// accept them.
	CreateGroup(ctx context.Context, g *Group) (*Group, error)
	// GetGroup returns the group; members are loaded only if withMembers.
	GetGroup(ctx context.Context, id string, withMembers bool) (*Group, error)
	// ReplaceGroup overwrites the group's attributes and, when g.Members is
	// non-nil, its whole member list. Version rules as for ReplaceUser.
	ReplaceGroup(ctx context.Context, g *Group) (*Group, error)
	// DeleteGroup removes the group. ErrNotFound if absent.
	DeleteGroup(ctx context.Context, id string) error
	// ListGroups is ListUsers for groups. Members are loaded only if
	// q.WithMembers.
	ListGroups(ctx context.Context, q Query) (*Page[*Group], error)
	// PatchGroup changes one group atomically without loading its member
	// list: it calls p.Apply (if not nil) on the group's non-member
	// attributes (Members is nil), then applies p.Members in order as
	// single-statement deltas. It returns the group without members.
	PatchGroup(ctx context.Context, id string, p GroupPatch) (*Group, error)
}

// GroupPatch is a change to one group, as PATCH requests are turned into.
type GroupPatch struct {
	// Apply changes attributes other than members; nil if there are none.
	Apply func(*Group) error
	// Members are the membership changes, applied in order after Apply.
	Members []MemberChange
}

// MemberChangeKind says what a MemberChange does.
type MemberChangeKind int

// The member change kinds.
const (
	// AddMembers adds the listed members; already present ones are kept
	// (idempotent).
	AddMembers MemberChangeKind = iota + 1
	// RemoveMembers removes the listed members; absent ones are ignored.
	RemoveMembers
	// ReplaceMembers sets the member list to exactly the listed members.
	ReplaceMembers
)

// MemberChange is one membership delta.
type MemberChange struct {
	Kind    MemberChangeKind
	Members []Member
}

// UserGroupsLoader is an optional UserStore capability: fill the read-only
// groups attribute of users from the group store.
type UserGroupsLoader interface {
	LoadUserGroups(ctx context.Context, users []*User) error
}

// SortOrder is the direction of Query.SortBy.
type SortOrder int

// Sort orders (RFC 7644 §3.4.2.3).
const (
	Ascending SortOrder = iota
	Descending
)

// Query is a list or search request as handed to a store (RFC 7644 §3.4.2).
// The handler always fills StartIndex and Count.
type Query struct {
	// Filter selects resources; nil selects all.
	Filter Filter
	// StartIndex is the 1-based index of the first resource to return.
	StartIndex int
	// Count is the maximum number of resources to return; 0 asks for
	// TotalResults only.
	Count int
	// SortBy is the attribute to order by; the zero AttrPath means the
	// store's stable default order (creation order).
	SortBy    AttrPath
	SortOrder SortOrder
	// WithMembers asks a group store to load members (false when the client
	// excluded them or did not ask for them).
	WithMembers bool
}
