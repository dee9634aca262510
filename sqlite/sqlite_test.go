package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
	"github.com/scimkit/scim/internal/sqlstore/storetest"
	"github.com/scimkit/scim/scimtest"
)

func openTemp(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "scim.db"), opts...)
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
	scimtest.TestUserStore(t, func(t *testing.T) scim.UserStore { return openTemp(t) })
}

func TestGroupStoreConformance(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := openTemp(t)
		return s, s
	})
}

func TestGroupStoreConformanceUnknownMembers(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := openTemp(t, WithUnknownMembers(true))
		return s, s
	}, scimtest.AcceptsUnknownMembers(true))
}

func TestShared(t *testing.T) {
	storetest.All(t, func(t *testing.T) *sqlstore.Store { return openTemp(t).s })
}

func TestOpenTwiceMigratesOnce(t *testing.T) {
	ctx := scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "t"})
	path := filepath.Join(t.TempDir(), "scim.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s1.CreateUser(ctx, &scim.User{UserName: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(ctx, path) // concurrently open, then reopen
	if err != nil {
		t.Fatalf("second Open: %v", err)
	}
	if _, err := s2.GetUser(ctx, u.ID); err != nil {
		t.Errorf("GetUser through second store: %v", err)
	}
	n, err := s2.s.MigrationCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := sqlstore.SchemaVersion(); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
	s1.Close()
	s2.Close()
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, &scim.User{UserName: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, u.ID); err != nil {
		t.Errorf("GetUser: %v", err)
	}
}

// TestMatchQueriesUseIndexes asserts with EXPLAIN QUERY PLAN that the
// Entra match queries are index lookups, not scans.
func TestMatchQueriesUseIndexes(t *testing.T) {
	s := openTemp(t)
	ctx := scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "t"})
	tests := []struct {
		filter string
		group  bool
		index  string
	}{
		{`userName eq "a@b.c"`, false, "scim_users_user_name"},
		{`externalId eq "123"`, false, "scim_users_external_id"},
		{`displayName eq "Admins"`, true, "scim_groups_display_name"},
		{`emails[type eq "work" and value eq "a@b.c"]`, false, "scim_user_values_lower"},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			parse := scim.ParseUserFilter
			if tc.group {
				parse = scim.ParseGroupFilter
			}
			f, err := parse(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			q := scim.Query{Filter: f, StartIndex: 1, Count: 10}
			list := s.s.UserListSQL
			if tc.group {
				list = s.s.GroupListSQL
			}
			query, args, err := list(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := s.s.Explain(ctx, "EXPLAIN QUERY PLAN", query, args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "USING INDEX "+tc.index) && !strings.Contains(plan, "USING COVERING INDEX "+tc.index) {
				t.Errorf("plan does not use %s:\n%s", tc.index, plan)
			}
			if strings.Contains(plan, "SCAN u\n") || strings.Contains(plan, "SCAN g\n") {
				t.Errorf("plan scans the table:\n%s", plan)
			}
		})
	}
}

// TestDurabilityAfterKill creates users in a child process, kills it with
// SIGKILL mid-run and checks that every user it acknowledged is stored.
func TestDurabilityAfterKill(t *testing.T) {
	if path := os.Getenv("SCIM_SQLITE_CRASH_CHILD"); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityAfterKill$")
	cmd.Env = append(os.Environ(), "SCIM_SQLITE_CRASH_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	sc := bufio.NewScanner(out)
	deadline := time.Now().Add(20 * time.Second)
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "ACK "); ok {
			acked = append(acked, id)
		}
		if len(acked) >= 150 || time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Acknowledgements printed between our last read and the kill count too.
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "ACK "); ok {
			acked = append(acked, id)
		}
	}
	_ = cmd.Wait()
	if len(acked) < 20 {
		t.Fatalf("child acknowledged only %d users before the kill", len(acked))
	}
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	ctx := scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "crash"})
	for _, id := range acked {
		if _, err := s.GetUser(ctx, id); err != nil {
			t.Errorf("acknowledged user %s lost after SIGKILL: %v", id, err)
		}
	}
	t.Logf("%d acknowledged users all present after SIGKILL", len(acked))
}

func crashChild(path string) {
	ctx := scim.WithPrincipal(context.Background(), scim.Principal{Tenant: "crash"})
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(2)
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		u, err := s.CreateUser(ctx, &scim.User{UserName: fmt.Sprintf("user-%d", i), Emails: []scim.MultiValue{{Value: fmt.Sprintf("u%d@x.example", i)}}})
		if err != nil {
			fmt.Fprintln(os.Stderr, "child create:", err)
			os.Exit(2)
		}
		fmt.Fprintf(w, "ACK %s\n", u.ID)
		w.Flush()
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) *sqlstore.Store {
		s, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s.s
	}, 1_000, 100_000)
}
