package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
	"github.com/scimkit/scim/internal/sqlstore/storetest"
	"github.com/scimkit/scim/scimtest"
)

// testDSN returns a DSN whose search_path is a fresh schema, dropped when
// the test ends, so tests run in parallel and repeatedly.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SCIM_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SCIM_TEST_POSTGRES_DSN not set: PostgreSQL tests skipped")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	pc, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("SCIM_TEST_POSTGRES_DSN: %v", err)
	}
	admin := stdlib.OpenDB(*pc)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close()
	})
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

func openTest(t testing.TB, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), testDSN(t), opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestUserStoreConformance(t *testing.T) {
	scimtest.TestUserStore(t, func(t *testing.T) scim.UserStore { return openTest(t) })
}

func TestGroupStoreConformance(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := openTest(t)
		return s, s
	})
}

func TestGroupStoreConformanceUnknownMembers(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := openTest(t, WithUnknownMembers(true))
		return s, s
	}, scimtest.AcceptsUnknownMembers(true))
}

func TestShared(t *testing.T) {
	storetest.All(t, func(t *testing.T) *sqlstore.Store { return openTest(t).s })
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	ctx := context.Background()
	dsn := testDSN(t)
	var stores []*Store
	for range 2 {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	n, err := stores[1].s.MigrationCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := sqlstore.SchemaVersion(); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

// TestMatchQueriesUseIndexes seeds enough users for the planner to prefer
// an index when one applies, then asserts with EXPLAIN that the Entra
// match queries use one.
func TestMatchQueriesUseIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 5000 users")
	}
	s := openTest(t)
	ctx := scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "t"})
	users := make([]*scim.User, 5000)
	for i := range users {
		users[i] = &scim.User{UserName: fmt.Sprintf("user%d@example.com", i), ExternalID: fmt.Sprint(i),
			Emails: []scim.MultiValue{{Value: fmt.Sprintf("user%d@example.com", i), Type: "work"}}}
	}
	if _, err := s.s.SeedUsers(ctx, users); err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		if _, err := s.CreateGroup(ctx, &scim.Group{DisplayName: fmt.Sprint("group ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.s.Explain(ctx, "ANALYZE", "scim_users"); err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"scim_groups", "scim_user_values"} {
		if _, err := s.s.Explain(ctx, "ANALYZE", tbl); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		filter string
		group  bool
		index  string
	}{
		{`userName eq "USER42@example.com"`, false, "scim_users_user_name"},
		{`externalId eq "42"`, false, "scim_users_external_id"},
		{`displayName eq "Group 7"`, true, "scim_groups_display_name"},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			parse, list := scim.ParseUserFilter, s.s.UserListSQL
			if tc.group {
				parse, list = scim.ParseGroupFilter, s.s.GroupListSQL
			}
			f, err := parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			query, args, err := list(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 10})
			if err != nil {
				t.Fatal(err)
			}
			plan, err := s.s.Explain(ctx, "EXPLAIN", query, args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, " using "+tc.index+" ") && !strings.Contains(plan, " on "+tc.index+"\n") && !strings.Contains(plan, " on "+tc.index+" ") {
				t.Errorf("plan does not use %s:\n%s", tc.index, plan)
			}
			if testing.Verbose() {
				t.Logf("plan:\n%s", plan)
			}
			if strings.Contains(plan, "Seq Scan on scim_users") || strings.Contains(plan, "Seq Scan on scim_groups") {
				t.Errorf("plan scans the table:\n%s", plan)
			}
		})
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) *sqlstore.Store { return openTest(b).s }, 1_000, 100_000)
}
