package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// Config is the store configuration shared by the SQLite and PostgreSQL
// packages.
type Config struct {
	// AcceptUnknownMembers stores group members whose ids are neither users
	// nor groups of the tenant instead of failing with 400 invalidValue.
	AcceptUnknownMembers bool
}

// Store implements scim.UserStore, scim.UserPatcher, scim.GroupStore and
// scim.UserGroupsLoader over database/sql.
type Store struct {
	w   *sql.DB // writes and read-modify-write transactions
	r   *sql.DB // plain reads
	d   Dialect
	cfg Config
}

var (
	_ scim.UserStore        = (*Store)(nil)
	_ scim.UserPatcher      = (*Store)(nil)
	_ scim.GroupStore       = (*Store)(nil)
	_ scim.UserGroupsLoader = (*Store)(nil)
)

// New migrates the database and returns a store that writes through w and
// reads through r (which may be the same pool).
func New(ctx context.Context, w, r *sql.DB, d Dialect, cfg Config) (*Store, error) {
	if err := migrate(ctx, w, d); err != nil {
		return nil, err
	}
	return &Store{w: w, r: r, d: d, cfg: cfg}, nil
}

// chunk is the maximum number of ids or rows per statement.
const chunk = 500

func tenantOf(ctx context.Context) string {
	p, _ := scim.PrincipalFromContext(ctx)
	return p.Tenant
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&0xf])
	}
	return string(out)
}

func (s *Store) q(query string) string { return s.d.Rebind(query) }

func (s *Store) conflict(err error, what string) error {
	if s.d.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %s", scim.ErrConflict, what)
	}
	return err
}

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func nowIfZero(t *time.Time, now time.Time) {
	if t.IsZero() {
		*t = now
	}
}

// CreateUser stores a new user with a fresh id and version 1. A userName
// equal to an existing one, compared case-insensitively, fails with
// scim.ErrConflict (enforced by a unique index).
func (s *Store) CreateUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	t := tenantOf(ctx)
	nu := u.Clone()
	nu.ID, nu.Groups = newID(), nil
	now := time.Now().UTC()
	nowIfZero(&nu.Meta.Created, now)
	nowIfZero(&nu.Meta.LastModified, now)
	row, err := encodeUser(nu)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO scim_users (tenant, id, user_name, user_name_lower, external_id, active, display_name, display_name_lower, created, last_modified, version, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING seq`),
			t, nu.ID, row.userName, row.userNameLower, row.externalID, row.active, row.displayName, row.displayNameLower, row.created, row.lastModified, string(row.doc)).Scan(&seq)
		if err != nil {
			return s.conflict(err, "userName is taken")
		}
		return s.insertLeaves(ctx, tx, t, seq, row.leaves)
	})
	if err != nil {
		return nil, err
	}
	return decodeStored(nu, 1, row)
}

// decodeStored returns the user as a later GetUser would.
func decodeStored(u *scim.User, version int64, row *userRow) (*scim.User, error) {
	var c, m *int64
	if n, ok := row.created.(int64); ok {
		c = &n
	}
	if n, ok := row.lastModified.(int64); ok {
		m = &n
	}
	return decodeUser(u.ID, version, c, m, row.doc)
}

func (s *Store) insertLeaves(ctx context.Context, tx *sql.Tx, tenant string, seq int64, leaves []leaf) error {
	const per = 50
	for len(leaves) > 0 {
		n := min(per, len(leaves))
		var b strings.Builder
		b.WriteString(`INSERT INTO scim_user_values (user_seq, tenant, attr, elem_idx, sub, v_text, v_lower, v_num, v_bool, v_time) VALUES `)
		args := make([]any, 0, n*10)
		for i, l := range leaves[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, seq, tenant, l.attr, l.idx, l.sub, ptr(l.text), ptr(l.lower), ptr(l.num), ptr(l.boolv), ptr(l.time))
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("write user values: %w", err)
		}
		leaves = leaves[n:]
	}
	return nil
}

func ptr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

const userCols = `u.id, u.version, u.created, u.last_modified, u.doc`

type scanner interface{ Scan(dest ...any) error }

func scanUser(sc scanner) (*scim.User, int64, error) {
	var id, doc string
	var version int64
	var created, lm sql.NullInt64
	if err := sc.Scan(&id, &version, &created, &lm, &doc); err != nil {
		return nil, 0, err
	}
	u, err := decodeUser(id, version, nullPtr(created), nullPtr(lm), []byte(doc))
	return u, version, err
}

func nullPtr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return scim.ErrNotFound
	}
	return err
}

// GetUser returns the user with the given id, or scim.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*scim.User, error) {
	u, _, err := scanUser(s.r.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM scim_users u WHERE u.tenant = ? AND u.id = ?`), tenantOf(ctx), id))
	if err != nil {
		return nil, notFound(err)
	}
	return u, nil
}

// ReplaceUser overwrites the user u.ID. When u.Meta.Version is set the
// update is conditional on it (UPDATE ... WHERE version = ?) and fails
// with scim.ErrVersionMismatch without writing when it differs. The
// creation time is kept from the stored user.
func (s *Store) ReplaceUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	var out *scim.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.updateUser(ctx, tx, u, u.Meta.Version != "")
		return err
	})
	return out, err
}

// updateUser writes u inside tx, conditionally on u.Meta.Version if
// checkVersion.
func (s *Store) updateUser(ctx context.Context, tx *sql.Tx, u *scim.User, checkVersion bool) (*scim.User, error) {
	t := tenantOf(ctx)
	nu := u.Clone()
	nu.Groups = nil
	nowIfZero(&nu.Meta.LastModified, time.Now().UTC())
	nu.Meta.Created = time.Time{}
	row, err := encodeUser(nu)
	if err != nil {
		return nil, err
	}
	query := `UPDATE scim_users SET user_name = ?, user_name_lower = ?, external_id = ?, active = ?, display_name = ?, display_name_lower = ?, last_modified = ?, version = version + 1, doc = ?
WHERE tenant = ? AND id = ?`
	args := []any{row.userName, row.userNameLower, row.externalID, row.active, row.displayName, row.displayNameLower, row.lastModified, string(row.doc), t, u.ID}
	if checkVersion {
		v, ok := parseVersion(u.Meta.Version)
		if !ok {
			v = -1 // matches no row
		}
		query += ` AND version = ?`
		args = append(args, v)
	}
	var seq, version int64
	var created sql.NullInt64
	err = tx.QueryRowContext(ctx, s.q(query+` RETURNING seq, version, created`), args...).Scan(&seq, &version, &created)
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM scim_users WHERE tenant = ? AND id = ?`), t, u.ID).Scan(&one); err != nil {
			return nil, notFound(err)
		}
		return nil, scim.ErrVersionMismatch
	}
	if err != nil {
		return nil, s.conflict(err, "userName is taken")
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_user_values WHERE user_seq = ?`), seq); err != nil {
		return nil, err
	}
	if err := s.insertLeaves(ctx, tx, t, seq, row.leaves); err != nil {
		return nil, err
	}
	row.created = nil
	if created.Valid {
		row.created = created.Int64
	}
	return decodeStored(nu, version, row)
}

// PatchUser reads, changes and writes one user in a single transaction
// holding the row (PostgreSQL SELECT ... FOR UPDATE) or the database
// (SQLite BEGIN IMMEDIATE) write lock, so concurrent patches never lose
// updates.
func (s *Store) PatchUser(ctx context.Context, id string, apply func(*scim.User) error) (*scim.User, error) {
	var out *scim.User
	err := s.tx(ctx, func(tx *sql.Tx) error {
		u, _, err := scanUser(tx.QueryRowContext(ctx, s.q(`SELECT `+userCols+` FROM scim_users u WHERE u.tenant = ? AND u.id = ?`+s.d.ForUpdate()), tenantOf(ctx), id))
		if err != nil {
			return notFound(err)
		}
		if err := apply(u); err != nil {
			return err
		}
		u.ID = id
		out, err = s.updateUser(ctx, tx, u, false)
		return err
	})
	return out, err
}

// DeleteUser removes the user, its attribute values and its group
// memberships in one transaction.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	t := tenantOf(ctx)
	return s.tx(ctx, func(tx *sql.Tx) error {
		var seq int64
		err := tx.QueryRowContext(ctx, s.q(`DELETE FROM scim_users WHERE tenant = ? AND id = ? RETURNING seq`), t, id).Scan(&seq)
		if err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_user_values WHERE user_seq = ?`), seq); err != nil {
			return err
		}
		return s.dropMemberships(ctx, tx, t, id)
	})
}

// dropMemberships removes id from every group, bumping their versions.
func (s *Store) dropMemberships(ctx context.Context, tx *sql.Tx, t, id string) error {
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE scim_groups SET version = version + 1 WHERE tenant = ? AND id IN (SELECT group_id FROM scim_group_members WHERE tenant = ? AND member_id = ?)`), t, t, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_group_members WHERE tenant = ? AND member_id = ?`), t, id)
	return err
}

// userQuery builds the WHERE and ORDER BY of a user list.
func (s *Store) userQuery(ctx context.Context, q scim.Query) (where, order frag, err error) {
	tr := &translator{d: s.d, tenant: tenantOf(ctx)}
	f, err := tr.userFilter(q.Filter)
	if err != nil {
		return frag{}, frag{}, err
	}
	order, err = tr.userOrder(q.SortBy, q.SortOrder)
	if err != nil {
		return frag{}, frag{}, err
	}
	return mk("u.tenant = ?", tr.tenant).then(" AND ", f, ""), order, nil
}

func window(q scim.Query) (offset, count int) {
	offset = max(q.StartIndex, 1) - 1
	return offset, max(q.Count, 0)
}

// UserListSQL returns the statement ListUsers runs for the page of q, for
// EXPLAIN in tests.
func (s *Store) UserListSQL(ctx context.Context, q scim.Query) (string, []any, error) {
	where, order, err := s.userQuery(ctx, q)
	if err != nil {
		return "", nil, err
	}
	offset, count := window(q)
	// Page over keys first: OFFSET then steps over index entries of
	// (tenant, seq), not over whole rows with their documents, which made
	// deep pages of a large tenant cost a full read of the skipped users.
	keys := where.then(" ORDER BY ", order, " LIMIT ? OFFSET ?")
	keys.args = append(keys.args, count, offset)
	all := mk("u.seq IN (SELECT u.seq FROM scim_users u WHERE ").then("", keys, ")").then(" ORDER BY ", order, "")
	return s.q(`SELECT ` + userCols + ` FROM scim_users u WHERE ` + all.sql), all.args, nil
}

// ListUsers evaluates q in SQL: the filter as a WHERE clause, sorting and
// paging with ORDER BY, LIMIT and OFFSET, and TotalResults with COUNT(*).
// Filters that cannot be translated fail with scim.ErrUnsupportedFilter.
func (s *Store) ListUsers(ctx context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	where, _, err := s.userQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &scim.Page[*scim.User]{Resources: []*scim.User{}}
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM scim_users u WHERE `+where.sql), where.args...).Scan(&page.TotalResults); err != nil {
		return nil, err
	}
	if _, count := window(q); count == 0 || page.TotalResults == 0 {
		return page, nil
	}
	query, args, err := s.UserListSQL(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		page.Resources = append(page.Resources, u)
	}
	return page, rows.Err()
}

// LoadUserGroups fills the groups attribute of users from the memberships
// (direct membership only).
func (s *Store) LoadUserGroups(ctx context.Context, users []*scim.User) error {
	t := tenantOf(ctx)
	byID := make(map[string][]*scim.User, len(users))
	ids := make([]string, 0, len(users))
	for _, u := range users {
		u.Groups = nil
		if _, ok := byID[u.ID]; !ok {
			ids = append(ids, u.ID)
		}
		byID[u.ID] = append(byID[u.ID], u)
	}
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := []any{t, t}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := s.r.QueryContext(ctx, s.q(`SELECT m.member_id, g.id, g.display_name FROM scim_group_members m JOIN scim_groups g ON g.tenant = ? AND g.id = m.group_id
WHERE m.tenant = ? AND m.member_id IN (`+placeholders(n)+`) ORDER BY g.display_name_lower, g.id`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var mid, gid, name string
			if err := rows.Scan(&mid, &gid, &name); err != nil {
				rows.Close()
				return err
			}
			for _, u := range byID[mid] {
				u.Groups = append(u.Groups, scim.GroupRef{Value: gid, Display: name, Type: "direct"})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// ---- groups

const groupCols = `g.id, g.version, g.created, g.last_modified, g.doc`

func scanGroup(sc scanner) (*scim.Group, error) {
	var id, doc string
	var version int64
	var created, lm sql.NullInt64
	if err := sc.Scan(&id, &version, &created, &lm, &doc); err != nil {
		return nil, err
	}
	return decodeGroup(id, version, nullPtr(created), nullPtr(lm), []byte(doc))
}

func invalidMembers(format string, args ...any) error {
	return &scim.Error{Status: http.StatusBadRequest, ScimType: scim.ScimTypeInvalidValue, Detail: fmt.Sprintf(format, args...)}
}

// dedupMembers drops repeated member ids, keeping the first.
func dedupMembers(ms []scim.Member) ([]scim.Member, error) {
	seen := make(map[string]bool, len(ms))
	out := make([]scim.Member, 0, len(ms))
	for _, m := range ms {
		if m.Value == "" {
			return nil, invalidMembers("a member has no value")
		}
		if seen[m.Value] {
			continue
		}
		seen[m.Value] = true
		out = append(out, m)
	}
	return out, nil
}

// checkMembers fails with 400 invalidValue if a member id is neither a
// user nor a group of the tenant. Its cost grows with len(ms) only.
func (s *Store) checkMembers(ctx context.Context, tx *sql.Tx, t string, ms []scim.Member) error {
	if s.cfg.AcceptUnknownMembers {
		return nil
	}
	for len(ms) > 0 {
		n := min(chunk, len(ms))
		args := make([]any, 0, 2*n+2)
		args = append(args, t)
		for _, m := range ms[:n] {
			args = append(args, m.Value)
		}
		args = append(args, t)
		for _, m := range ms[:n] {
			args = append(args, m.Value)
		}
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM scim_users WHERE tenant = ? AND id IN (`+placeholders(n)+`)
UNION SELECT id FROM scim_groups WHERE tenant = ? AND id IN (`+placeholders(n)+`)`), args...)
		if err != nil {
			return err
		}
		found := make(map[string]bool, n)
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, m := range ms[:n] {
			if !found[m.Value] {
				return invalidMembers("member %q does not exist", m.Value)
			}
		}
		ms = ms[n:]
	}
	return nil
}

// addMembers inserts members, keeping present ones (ON CONFLICT DO
// NOTHING): one statement per 500 members, whatever the group's size.
func (s *Store) addMembers(ctx context.Context, tx *sql.Tx, t, gid string, ms []scim.Member) error {
	ms, err := dedupMembers(ms)
	if err != nil {
		return err
	}
	if err := s.checkMembers(ctx, tx, t, ms); err != nil {
		return err
	}
	const per = 200
	for len(ms) > 0 {
		n := min(per, len(ms))
		var b strings.Builder
		b.WriteString(`INSERT INTO scim_group_members (tenant, group_id, member_id, display, type, ref) VALUES `)
		args := make([]any, 0, 6*n)
		for i, m := range ms[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?)")
			args = append(args, t, gid, m.Value, nullString(m.Display), nullString(m.Type), nullString(m.Ref))
		}
		b.WriteString(` ON CONFLICT (tenant, group_id, member_id) DO NOTHING`)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return fmt.Errorf("add members: %w", err)
		}
		ms = ms[n:]
	}
	return nil
}

func (s *Store) removeMembers(ctx context.Context, tx *sql.Tx, t, gid string, ms []scim.Member) error {
	for len(ms) > 0 {
		n := min(chunk, len(ms))
		args := []any{t, gid}
		for _, m := range ms[:n] {
			args = append(args, m.Value)
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_group_members WHERE tenant = ? AND group_id = ? AND member_id IN (`+placeholders(n)+`)`), args...); err != nil {
			return fmt.Errorf("remove members: %w", err)
		}
		ms = ms[n:]
	}
	return nil
}

func (s *Store) clearMembers(ctx context.Context, tx *sql.Tx, t, gid string) error {
	_, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_group_members WHERE tenant = ? AND group_id = ?`), t, gid)
	return err
}

func (s *Store) loadMembers(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, t string, groups []*scim.Group) error {
	byID := make(map[string]*scim.Group, len(groups))
	ids := make([]string, 0, len(groups))
	for _, g := range groups {
		g.Members = []scim.Member{}
		byID[g.ID] = g
		ids = append(ids, g.ID)
	}
	for len(ids) > 0 {
		n := min(chunk, len(ids))
		args := []any{t}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		rows, err := db.QueryContext(ctx, s.q(`SELECT group_id, member_id, display, type, ref FROM scim_group_members WHERE tenant = ? AND group_id IN (`+placeholders(n)+`) ORDER BY group_id, member_id`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var gid, mid string
			var display, typ, ref sql.NullString
			if err := rows.Scan(&gid, &mid, &display, &typ, &ref); err != nil {
				rows.Close()
				return err
			}
			if g := byID[gid]; g != nil {
				g.Members = append(g.Members, scim.Member{Value: mid, Display: display.String, Type: typ.String, Ref: ref.String})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// CreateGroup stores a new group and its members. A displayName taken
// case-insensitively fails with scim.ErrConflict; unknown member ids fail
// with a 400 invalidValue *scim.Error unless AcceptUnknownMembers.
func (s *Store) CreateGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	t := tenantOf(ctx)
	ng := g.Clone()
	ng.ID = newID()
	now := time.Now().UTC()
	nowIfZero(&ng.Meta.Created, now)
	nowIfZero(&ng.Meta.LastModified, now)
	doc, err := encodeGroup(ng)
	if err != nil {
		return nil, err
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO scim_groups (tenant, id, display_name, display_name_lower, external_id, created, last_modified, version, doc) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`),
			t, ng.ID, ng.DisplayName, strings.ToLower(ng.DisplayName), nullString(ng.ExternalID), nullTime(ng.Meta.Created), nullTime(ng.Meta.LastModified), string(doc))
		if err != nil {
			return s.conflict(err, "displayName is taken")
		}
		return s.addMembers(ctx, tx, t, ng.ID, ng.Members)
	})
	if err != nil {
		return nil, err
	}
	out, err := decodeGroup(ng.ID, 1, int64Ptr(nullTime(ng.Meta.Created)), int64Ptr(nullTime(ng.Meta.LastModified)), doc)
	if err != nil {
		return nil, err
	}
	out.Members, _ = dedupMembers(ng.Members)
	return out, nil
}

func int64Ptr(v any) *int64 {
	if n, ok := v.(int64); ok {
		return &n
	}
	return nil
}

// GetGroup returns the group; members are read only if withMembers.
func (s *Store) GetGroup(ctx context.Context, id string, withMembers bool) (*scim.Group, error) {
	t := tenantOf(ctx)
	g, err := scanGroup(s.r.QueryRowContext(ctx, s.q(`SELECT `+groupCols+` FROM scim_groups g WHERE g.tenant = ? AND g.id = ?`), t, id))
	if err != nil {
		return nil, notFound(err)
	}
	if withMembers {
		if err := s.loadMembers(ctx, s.r, t, []*scim.Group{g}); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// updateGroupRow writes g's attributes, conditionally on its version if
// checkVersion, and returns the stored group without members.
func (s *Store) updateGroupRow(ctx context.Context, tx *sql.Tx, t string, g *scim.Group, checkVersion bool) (*scim.Group, error) {
	ng := g.Clone()
	nowIfZero(&ng.Meta.LastModified, time.Now().UTC())
	doc, err := encodeGroup(ng)
	if err != nil {
		return nil, err
	}
	query := `UPDATE scim_groups SET display_name = ?, display_name_lower = ?, external_id = ?, last_modified = ?, version = version + 1, doc = ? WHERE tenant = ? AND id = ?`
	args := []any{ng.DisplayName, strings.ToLower(ng.DisplayName), nullString(ng.ExternalID), nullTime(ng.Meta.LastModified), string(doc), t, g.ID}
	if checkVersion {
		v, ok := parseVersion(g.Meta.Version)
		if !ok {
			v = -1
		}
		query += ` AND version = ?`
		args = append(args, v)
	}
	var version int64
	var created sql.NullInt64
	err = tx.QueryRowContext(ctx, s.q(query+` RETURNING version, created`), args...).Scan(&version, &created)
	if errors.Is(err, sql.ErrNoRows) {
		var one int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM scim_groups WHERE tenant = ? AND id = ?`), t, g.ID).Scan(&one); err != nil {
			return nil, notFound(err)
		}
		return nil, scim.ErrVersionMismatch
	}
	if err != nil {
		return nil, s.conflict(err, "displayName is taken")
	}
	return decodeGroup(g.ID, version, nullPtr(created), int64Ptr(nullTime(ng.Meta.LastModified)), doc)
}

// ReplaceGroup overwrites the group's attributes and, when g.Members is
// not nil, its member list. Version rules as for ReplaceUser.
func (s *Store) ReplaceGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	t := tenantOf(ctx)
	var out *scim.Group
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.updateGroupRow(ctx, tx, t, g, g.Meta.Version != "")
		if err != nil {
			return err
		}
		if g.Members == nil {
			return nil
		}
		if err := s.clearMembers(ctx, tx, t, g.ID); err != nil {
			return err
		}
		if err := s.addMembers(ctx, tx, t, g.ID, g.Members); err != nil {
			return err
		}
		return s.loadMembers(ctx, tx, t, []*scim.Group{out})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteGroup removes the group, its members and its own memberships in
// other groups.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	t := tenantOf(ctx)
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`DELETE FROM scim_groups WHERE tenant = ? AND id = ?`), t, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return scim.ErrNotFound
		}
		if err := s.clearMembers(ctx, tx, t, id); err != nil {
			return err
		}
		return s.dropMemberships(ctx, tx, t, id)
	})
}

// PatchGroup applies p in one transaction: p.Apply on the locked group
// row (without members), then each member change as single statements.
func (s *Store) PatchGroup(ctx context.Context, id string, p scim.GroupPatch) (*scim.Group, error) {
	t := tenantOf(ctx)
	var out *scim.Group
	err := s.tx(ctx, func(tx *sql.Tx) error {
		g, err := scanGroup(tx.QueryRowContext(ctx, s.q(`SELECT `+groupCols+` FROM scim_groups g WHERE g.tenant = ? AND g.id = ?`+s.d.ForUpdate()), t, id))
		if err != nil {
			return notFound(err)
		}
		if p.Apply != nil {
			if err := p.Apply(g); err != nil {
				return err
			}
		}
		g.ID = id
		for _, ch := range p.Members {
			switch ch.Kind {
			case scim.AddMembers:
				err = s.addMembers(ctx, tx, t, id, ch.Members)
			case scim.RemoveMembers:
				err = s.removeMembers(ctx, tx, t, id, ch.Members)
			case scim.ReplaceMembers:
				if err = s.clearMembers(ctx, tx, t, id); err == nil {
					err = s.addMembers(ctx, tx, t, id, ch.Members)
				}
			default:
				err = fmt.Errorf("sqlstore: unknown member change kind %d", ch.Kind)
			}
			if err != nil {
				return err
			}
		}
		out, err = s.updateGroupRow(ctx, tx, t, g, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GroupListSQL returns the statement ListGroups runs for the page of q.
func (s *Store) GroupListSQL(ctx context.Context, q scim.Query) (string, []any, error) {
	where, err := s.groupWhere(ctx, q)
	if err != nil {
		return "", nil, err
	}
	tr := &translator{d: s.d}
	offset, count := window(q)
	order := tr.groupOrder(q.SortBy, q.SortOrder)
	keys := where.then(" ORDER BY ", order, " LIMIT ? OFFSET ?")
	keys.args = append(keys.args, count, offset)
	all := mk("g.seq IN (SELECT g.seq FROM scim_groups g WHERE ").then("", keys, ")").then(" ORDER BY ", order, "")
	return s.q(`SELECT ` + groupCols + ` FROM scim_groups g WHERE ` + all.sql), all.args, nil
}

func (s *Store) groupWhere(ctx context.Context, q scim.Query) (frag, error) {
	tr := &translator{d: s.d, tenant: tenantOf(ctx)}
	f, err := tr.groupFilter(q.Filter)
	if err != nil {
		return frag{}, err
	}
	return mk("g.tenant = ?", tr.tenant).then(" AND ", f, ""), nil
}

// ListGroups is ListUsers for groups; members are loaded only if
// q.WithMembers.
func (s *Store) ListGroups(ctx context.Context, q scim.Query) (*scim.Page[*scim.Group], error) {
	where, err := s.groupWhere(ctx, q)
	if err != nil {
		return nil, err
	}
	page := &scim.Page[*scim.Group]{Resources: []*scim.Group{}}
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM scim_groups g WHERE `+where.sql), where.args...).Scan(&page.TotalResults); err != nil {
		return nil, err
	}
	if _, count := window(q); count == 0 || page.TotalResults == 0 {
		return page, nil
	}
	query, args, err := s.GroupListSQL(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		page.Resources = append(page.Resources, g)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if q.WithMembers && len(page.Resources) > 0 {
		if err := s.loadMembers(ctx, s.r, tenantOf(ctx), page.Resources); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// Explain returns the database's plan for query with args, one line per
// row of the plan output.
func (s *Store) Explain(ctx context.Context, prefix, query string, args ...any) (string, error) {
	rows, err := s.r.QueryContext(ctx, prefix+" "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, v := range vals {
			fmt.Fprintf(&b, "%v ", v)
		}
		b.WriteByte('\n')
	}
	return b.String(), rows.Err()
}

// SeedUsers inserts users in one transaction (for benchmarks and tests).
func (s *Store) SeedUsers(ctx context.Context, users []*scim.User) ([]string, error) {
	t := tenantOf(ctx)
	ids := make([]string, 0, len(users))
	err := s.tx(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO scim_users (tenant, id, user_name, user_name_lower, external_id, active, display_name, display_name_lower, created, last_modified, version, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING seq`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		now := time.Now().UTC()
		for _, u := range users {
			nu := u.Clone()
			nu.ID = newID()
			nowIfZero(&nu.Meta.Created, now)
			nowIfZero(&nu.Meta.LastModified, now)
			row, err := encodeUser(nu)
			if err != nil {
				return err
			}
			var seq int64
			if err := stmt.QueryRowContext(ctx, t, nu.ID, row.userName, row.userNameLower, row.externalID, row.active, row.displayName, row.displayNameLower, row.created, row.lastModified, string(row.doc)).Scan(&seq); err != nil {
				return s.conflict(err, "userName is taken")
			}
			if err := s.insertLeaves(ctx, tx, t, seq, row.leaves); err != nil {
				return err
			}
			ids = append(ids, nu.ID)
		}
		return nil
	})
	return ids, err
}

// Close closes the connection pools.
func (s *Store) Close() error {
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}
