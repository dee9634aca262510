// Package postgres is a durable scim store in PostgreSQL, through pgx's
// database/sql driver.
//
//	store, err := postgres.Open(ctx, "postgres://app@db/app")
//	if err != nil { ... }
//	defer store.Close()
//	h, err := scim.New(store, verifier, scim.WithGroups(store))
//
// The tables (scim_users, scim_user_values, scim_groups,
// scim_group_members, schema_migrations) are created in the connection's
// search_path on Open; migrations are versioned and serialized with an
// advisory lock, so several processes may Open at once. Every statement is
// scoped to the tenant of scim.PrincipalFromContext.
//
// # Storage
//
// Each user is one scim_users row: columns for userName (and its
// lower-cased form, under a unique index per tenant, which is how
// case-insensitive userName uniqueness is enforced by the database),
// externalId (indexed), displayName, active, meta.created,
// meta.lastModified, a version counter (Meta.Version is W/"n") and the full
// user as JSON. Every other scalar value (name.*, nickName, emails[i].*,
// addresses, the enterprise and other extension attributes...) is also a
// row of scim_user_values, rewritten in the same transaction, so that any
// comparison is a column predicate. Groups are scim_groups rows with a
// case-insensitively unique displayName and scim_group_members rows; member
// changes are single INSERT ... ON CONFLICT DO NOTHING and DELETE ... IN
// statements whose cost does not depend on the group's size.
//
// # Filters
//
// Filters are translated to parameterized SQL (values are never written
// into the statement):
//   - all operators (eq ne co sw ew gt ge lt le pr), and, or, not, and
//     value paths such as emails[type eq "work" and value co "@x"], where
//     the sub-attributes must hold in the same element;
//   - on users: id, userName, externalId, displayName, active,
//     meta.created and meta.lastModified as columns (userName eq and
//     externalId eq are index lookups); any other core, multi-valued or
//     extension attribute through scim_user_values; groups.value (eq, pr);
//   - on groups: id, displayName (index lookup), externalId, meta.created,
//     meta.lastModified, and members / members.value / .display / .type,
//     also in value paths.
//
// caseExact=false attributes compare lower-cased values; co, sw and ew use
// LIKE with %, _ and \ escaped. A string compared with ordering operators
// compares by code point. Like the in-memory evaluator, ne is true when
// the attribute is absent and, for multi-valued attributes, when some value
// differs. Anything else (meta.version, meta.location, schemas, nested
// value paths, group extension attributes) fails with
// scim.ErrUnsupportedFilter, which the handler reports as 400
// invalidFilter: the store never falls back to scanning and filtering in
// memory. sortBy accepts every user attribute (multi-valued ones by their
// smallest value) and the group columns above; absent values sort last
// ascending; ties keep creation order.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
)

// Store is a PostgreSQL-backed scim.UserStore, scim.UserPatcher,
// scim.GroupStore and scim.UserGroupsLoader. It is safe for concurrent use.
type Store struct {
	s *sqlstore.Store
}

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as pgx accepts), checks the connection and applies
// pending schema migrations. Close the store when done.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{maxConns: DefaultMaxConns}
	for _, opt := range opts {
		opt.apply(&o)
	}
	cfg := o.cfg
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDB(*pc)
	// A bounded pool whose connections all stay open: under a burst,
	// requests wait for a connection instead of each opening (and then
	// closing) its own, which costs a PostgreSQL backend process apiece.
	db.SetMaxOpenConns(o.maxConns)
	db.SetMaxIdleConns(o.maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s, err := sqlstore.New(ctx, db, db, dialect{}, cfg)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{s: s}, nil
}

type dialect struct{}

func (dialect) Name() string           { return "postgres" }
func (dialect) Rebind(q string) string { return sqlstore.RebindDollar(q) }
func (dialect) ForUpdate() string      { return " FOR UPDATE" }

func (dialect) Types() sqlstore.Types {
	return sqlstore.Types{Seq: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", Text: `TEXT COLLATE "C"`, Int: "BIGINT", Real: "DOUBLE PRECISION"}
}

// migrationLockKey is the advisory lock serializing migrations.
const migrationLockKey = 0x5c1a_5707

func (dialect) LockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey))
	return err
}

func (dialect) IsUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// StringMatch uses LIKE, which is case-sensitive in PostgreSQL; col and
// value are lower-cased for caseExact=false attributes.
func (dialect) StringMatch(col string, op scim.CompareOp, value string, _ bool) (string, any) {
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
	maxConns int
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

// DefaultMaxConns is the default size of the connection pool.
const DefaultMaxConns = 16

// WithUnknownMembers sets whether group members whose ids are neither users
// nor groups of the tenant are stored (true) or rejected with 400
// invalidValue (false, the default).
func WithUnknownMembers(accept bool) Option {
	return optionFunc(func(o *options) { o.cfg.AcceptUnknownMembers = accept })
}

// WithMaxConns sets the size of the connection pool; n below 1 means 1.
// Size it with PostgreSQL's max_connections and the number of replicas in
// mind. Default DefaultMaxConns (16).
func WithMaxConns(n int) Option {
	return optionFunc(func(o *options) { o.maxConns = max(n, 1) })
}

var (
	_ scim.UserStore        = (*Store)(nil)
	_ scim.UserPatcher      = (*Store)(nil)
	_ scim.GroupStore       = (*Store)(nil)
	_ scim.UserGroupsLoader = (*Store)(nil)
)
