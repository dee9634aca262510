package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// migrations are the schema versions, applied in order. Never edit an
// applied migration: append a new one. Placeholders {seq}, {text}, {int},
// {real} and {norowid} are filled from the dialect's Types.
var migrations = []string{
	// 1: users, their attribute values, groups and memberships.
	`
CREATE TABLE scim_users (
	seq {seq},
	tenant {text} NOT NULL,
	id {text} NOT NULL,
	user_name {text} NOT NULL,
	user_name_lower {text} NOT NULL,
	external_id {text},
	active {int},
	display_name {text},
	display_name_lower {text},
	created {int},
	last_modified {int},
	version {int} NOT NULL,
	doc {text} NOT NULL
);
CREATE UNIQUE INDEX scim_users_id ON scim_users (tenant, id);
CREATE UNIQUE INDEX scim_users_user_name ON scim_users (tenant, user_name_lower);
CREATE INDEX scim_users_external_id ON scim_users (tenant, external_id);
CREATE TABLE scim_user_values (
	user_seq {int} NOT NULL REFERENCES scim_users (seq) ON DELETE CASCADE,
	tenant {text} NOT NULL,
	attr {text} NOT NULL,
	elem_idx {int} NOT NULL,
	sub {text} NOT NULL,
	v_text {text},
	v_lower {text},
	v_num {real},
	v_bool {int},
	v_time {int}
);
CREATE INDEX scim_user_values_user ON scim_user_values (user_seq, attr, sub, elem_idx);
CREATE INDEX scim_user_values_lower ON scim_user_values (tenant, attr, sub, v_lower);
CREATE INDEX scim_user_values_num ON scim_user_values (tenant, attr, sub, v_num);
CREATE INDEX scim_user_values_time ON scim_user_values (tenant, attr, sub, v_time);
CREATE TABLE scim_groups (
	seq {seq},
	tenant {text} NOT NULL,
	id {text} NOT NULL,
	display_name {text} NOT NULL,
	display_name_lower {text} NOT NULL,
	external_id {text},
	created {int},
	last_modified {int},
	version {int} NOT NULL,
	doc {text} NOT NULL
);
CREATE UNIQUE INDEX scim_groups_id ON scim_groups (tenant, id);
CREATE UNIQUE INDEX scim_groups_display_name ON scim_groups (tenant, display_name_lower);
CREATE INDEX scim_groups_external_id ON scim_groups (tenant, external_id);
CREATE TABLE scim_group_members (
	tenant {text} NOT NULL,
	group_id {text} NOT NULL,
	member_id {text} NOT NULL,
	display {text},
	type {text},
	ref {text},
	PRIMARY KEY (tenant, group_id, member_id)
){norowid};
CREATE INDEX scim_group_members_member ON scim_group_members (tenant, member_id);
`,
	// 2: page over (tenant, seq) without reading skipped rows.
	`
CREATE INDEX scim_users_tenant_seq ON scim_users (tenant, seq);
CREATE INDEX scim_groups_tenant_seq ON scim_groups (tenant, seq);
`,
}

// migrate applies the missing migrations in one transaction.
func migrate(ctx context.Context, db *sql.DB, d Dialect) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, Rollback is a no-op
	if err := d.LockMigrations(ctx, tx); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	t := d.Types()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version `+t.Int+` PRIMARY KEY, applied_at `+t.Int+` NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var have int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this code (%d)", have, len(migrations))
	}
	r := strings.NewReplacer("{seq}", t.Seq, "{text}", t.Text, "{int}", t.Int, "{real}", t.Real, "{norowid}", t.WithoutRowID)
	for v := have + 1; v <= len(migrations); v++ {
		for _, stmt := range strings.Split(r.Replace(migrations[v-1]), ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().UnixNano()); err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return tx.Commit()
}

// MigrationCount returns the number of applied migrations (for tests).
func (s *Store) MigrationCount(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	return n, err
}

// SchemaVersion is the number of migrations this code knows, the version
// an opened database is brought to.
func SchemaVersion() int { return len(migrations) }
