package scimtest_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the test schema
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/postgres"
	"github.com/scimkit/scim/scimtest"
	"github.com/scimkit/scim/sqlite"
)

const storesToken = "scimtest-stores-token"

// store is what a shipped store offers the handler.
type store interface {
	scim.UserStore
	scim.GroupStore
}

// runAll replays every Entra session through a handler with entra.Compat
// and every Okta session through a plain handler, both over s, as a host
// serving both identity providers from one store would.
func runAll(t *testing.T, s store) {
	t.Helper()
	newHandler := func(opts ...scim.Option) *scim.Handler {
		h, err := scim.New(s, scim.StaticTokens(storesToken), append([]scim.Option{scim.WithGroups(s)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	t.Run("entra", func(t *testing.T) {
		scimtest.Run(t, newHandler(entra.Compat()), storesToken, scimtest.EntraSessions()...)
	})
	t.Run("okta", func(t *testing.T) {
		scimtest.Run(t, newHandler(), storesToken, scimtest.OktaSessions()...)
	})
}

func TestSessionsMemstore(t *testing.T) {
	runAll(t, memstore.New())
}

func TestSessionsSQLite(t *testing.T) {
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "scim.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	runAll(t, s)
	// A second replay against the now non-empty database.
	runAll(t, s)
}

func TestSessionsPostgres(t *testing.T) {
	dsn := os.Getenv("SCIM_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("SCIM_TEST_POSTGRES_DSN not set: PostgreSQL sessions skipped")
	}
	s, err := postgres.Open(t.Context(), freshSchema(t, dsn))
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	runAll(t, s)
}

// freshSchema creates a schema dropped when the test ends and returns dsn
// with that schema as its search_path.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "scimtest_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("SCIM_TEST_POSTGRES_DSN: %v", err)
	}
	if _, err := admin.ExecContext(t.Context(), `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		// t.Context is canceled by the time cleanups run.
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
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
