package scim_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/postgres"
	"github.com/scimkit/scim/sqlite"
)

// fullStore is a store with users and groups, as every store we ship is.
type fullStore interface {
	scim.UserStore
	scim.GroupStore
}

// eachStore runs fn against a handler over every store this repository
// ships: memstore, SQLite in a temporary file and, when
// SCIM_TEST_POSTGRES_DSN is set, PostgreSQL. Each run gets its own tenant,
// so a shared database needs no cleanup.
func eachStore(t *testing.T, fn func(t *testing.T, srv *httptest.Server, s fullStore)) {
	stores := []struct {
		name string
		open func(t *testing.T) fullStore
	}{
		{"memstore", func(t *testing.T) fullStore { return memstore.New() }},
		{"sqlite", func(t *testing.T) fullStore {
			s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "scim.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"postgres", func(t *testing.T) fullStore {
			dsn := os.Getenv("SCIM_TEST_POSTGRES_DSN")
			if dsn == "" {
				t.Skip("SCIM_TEST_POSTGRES_DSN not set: PostgreSQL tests skipped")
			}
			s, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			var b [8]byte
			rand.Read(b[:])
			h, err := scim.New(s, scim.StaticTokensFor(scim.Principal{Tenant: "t-" + hex.EncodeToString(b[:])}, token), scim.WithGroups(s))
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			fn(t, srv, s)
		})
	}
}
