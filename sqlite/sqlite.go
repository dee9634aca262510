// Package sqlite is a durable scim store in one SQLite file, with the pure-Go
// driver modernc.org/sqlite (no cgo).
//
//	store, err := sqlite.Open(ctx, "/var/lib/app/scim.db")
//	if err != nil { ... }
//	defer store.Close()
//	h, err := scim.New(store, verifier, scim.WithGroups(store))
//
// The database runs in WAL mode with synchronous=NORMAL: a write that
// returned survives a crash or kill -9 of the process (it is in the WAL,
// handed to the operating system, before the call returns; the kill -9
// test proves it), and the file is never corrupted; a power loss or
// operating-system crash may roll back the last transactions. With
// WithFullSync(true) every commit also waits for fsync (synchronous=FULL),
// so acknowledged writes survive power loss too, at about twice the cost
// per write. Writes
// go through one connection in BEGIN IMMEDIATE transactions (busy_timeout
// 10 s for other processes); reads use a pool of connections and never
// block writes. The schema is migrated on Open.
//
// Filters are evaluated in SQL as documented in package
// github.com/scimkit/scim/postgres, which shares the implementation.
package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"

	"database/sql"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Store is a SQLite-backed scim.UserStore, scim.UserPatcher,
// scim.GroupStore and scim.UserGroupsLoader. It is safe for concurrent use.
type Store struct {
	s *sqlstore.Store
}

// Open opens (creating it if needed) the database file at path and applies
// pending schema migrations. The path ":memory:" gives a private in-memory
// database, for tests. Close the store when done.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt.apply(&o)
	}
	cfg := o.cfg
	sync := "synchronous(NORMAL)"
	if o.fullSync {
		sync = "synchronous(FULL)"
	}
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: database path %q contains ? or #", path)
	}
	params := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", sync, "foreign_keys(1)"} {
		params.Add("_pragma", p)
	}
	rparams := url.Values{"_pragma": params["_pragma"]}
	params.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", path+"?"+params.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	w.SetMaxOpenConns(1) // one writer: no SQLITE_BUSY between our own writes
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r := w
	if path != ":memory:" {
		r, err = sql.Open("sqlite", path+"?"+rparams.Encode())
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
		n := max(4, runtime.GOMAXPROCS(0))
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
	}
	s, err := sqlstore.New(ctx, w, r, dialect{}, cfg)
	if err != nil {
		w.Close()
		if r != w {
			r.Close()
		}
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Store{s: s}, nil
}

type dialect struct{}

func (dialect) Name() string           { return "sqlite" }
func (dialect) Rebind(q string) string { return q }
func (dialect) ForUpdate() string      { return "" }

func (dialect) Types() sqlstore.Types {
	return sqlstore.Types{Seq: "INTEGER PRIMARY KEY AUTOINCREMENT", Text: "TEXT", Int: "INTEGER", Real: "REAL", WithoutRowID: " WITHOUT ROWID"}
}

// LockMigrations does nothing: the migration transaction is BEGIN
// IMMEDIATE, which holds the write lock.
func (dialect) LockMigrations(context.Context, *sql.Tx) error { return nil }

func (dialect) IsUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// StringMatch uses LIKE on lower-cased text (LIKE is case-insensitive in
// SQLite) and the case-sensitive GLOB for caseExact attributes.
func (dialect) StringMatch(col string, op scim.CompareOp, value string, caseExact bool) (string, any) {
	if caseExact {
		return col + " GLOB ?", sqlstore.GlobPattern(op, value)
	}
	return col + ` LIKE ? ESCAPE '\'`, sqlstore.LikePattern(op, value)
}

// CreateUser stores a new user with a fresh id and version 1 (RFC 7644
// §3.3). A userName equal to an existing user's, compared
// case-insensitively and including inactive users, fails with
// scim.ErrConflict: a unique index enforces it.
func (s *Store) CreateUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	return s.s.CreateUser(ctx, u)
}

// GetUser returns the user with the given id or scim.ErrNotFound
// (RFC 7644 §3.4.1).
func (s *Store) GetUser(ctx context.Context, id string) (*scim.User, error) {
	return s.s.GetUser(ctx, id)
}

// ReplaceUser overwrites the user u.ID (RFC 7644 §3.5.1). When
// u.Meta.Version is set the write is conditional on it and fails with
// scim.ErrVersionMismatch, writing nothing, when the stored version
// differs. Errors: scim.ErrNotFound, scim.ErrConflict.
func (s *Store) ReplaceUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	return s.s.ReplaceUser(ctx, u)
}

// PatchUser reads the user, calls apply and writes the result in one
// write transaction, so concurrent patches never lose updates.
func (s *Store) PatchUser(ctx context.Context, id string, apply func(*scim.User) error) (*scim.User, error) {
	return s.s.PatchUser(ctx, id, apply)
}

// DeleteUser removes the user and its group memberships in one
// transaction (RFC 7644 §3.6), or fails with scim.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.s.DeleteUser(ctx, id)
}

// ListUsers evaluates q in SQL (RFC 7644 §3.4.2): the filter becomes a
// parameterized WHERE clause, sorting and paging ORDER BY, LIMIT and
// OFFSET. Filters it cannot translate fail with scim.ErrUnsupportedFilter.
func (s *Store) ListUsers(ctx context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	return s.s.ListUsers(ctx, q)
}

// LoadUserGroups fills the groups attribute of users with their direct
// memberships.
func (s *Store) LoadUserGroups(ctx context.Context, users []*scim.User) error {
	return s.s.LoadUserGroups(ctx, users)
}

// CreateGroup stores a new group with its members. A displayName taken
// case-insensitively fails with scim.ErrConflict; unknown member ids fail
// with a 400 invalidValue *scim.Error unless WithUnknownMembers(true).
func (s *Store) CreateGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	return s.s.CreateGroup(ctx, g)
}

// GetGroup returns the group; its members are read only if withMembers.
func (s *Store) GetGroup(ctx context.Context, id string, withMembers bool) (*scim.Group, error) {
	return s.s.GetGroup(ctx, id, withMembers)
}

// ReplaceGroup overwrites the group's attributes and, when g.Members is not
// nil, its member list. Version rules as for ReplaceUser.
func (s *Store) ReplaceGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	return s.s.ReplaceGroup(ctx, g)
}

// DeleteGroup removes the group and its memberships, or fails with
// scim.ErrNotFound.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	return s.s.DeleteGroup(ctx, id)
}

// ListGroups is ListUsers for groups; members are loaded only if
// q.WithMembers.
func (s *Store) ListGroups(ctx context.Context, q scim.Query) (*scim.Page[*scim.Group], error) {
	return s.s.ListGroups(ctx, q)
}

// PatchGroup changes one group in one transaction without reading its
// member list: p.Apply runs on the locked group, then each member change
// is a single INSERT ... ON CONFLICT DO NOTHING or DELETE ... IN (...).
func (s *Store) PatchGroup(ctx context.Context, id string, p scim.GroupPatch) (*scim.Group, error) {
	return s.s.PatchGroup(ctx, id, p)
}

// Close closes the database connections.
func (s *Store) Close() error { return s.s.Close() }

// Option configures Open.
type Option interface{ apply(*options) }

type options struct {
	cfg      sqlstore.Config
	fullSync bool
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// WithUnknownMembers sets whether group members whose ids are neither users
// nor groups of the tenant are stored (true) or rejected with 400
// invalidValue (false, the default).
func WithUnknownMembers(accept bool) Option {
	return optionFunc(func(o *options) { o.cfg.AcceptUnknownMembers = accept })
}

// WithFullSync makes every commit wait for fsync (SQLite
// synchronous=FULL), so acknowledged writes survive a power loss, not only
// a process crash. Default false (synchronous=NORMAL in WAL mode).
func WithFullSync(full bool) Option {
	return optionFunc(func(o *options) { o.fullSync = full })
}

var (
	_ scim.UserStore        = (*Store)(nil)
	_ scim.UserPatcher      = (*Store)(nil)
	_ scim.GroupStore       = (*Store)(nil)
	_ scim.UserGroupsLoader = (*Store)(nil)
)
