// Command server is a runnable SCIM 2.0 service provider built on scimkit:
// the template a SaaS product copies to offer provisioning from Microsoft
// Entra ID, Okta and other identity providers, the way the products in the
// project's seed guides do it.
//
//	SCIM_TOKEN=secret go run ./examples/server -addr 127.0.0.1:8080 -store memory
//
// serves SCIM at http://127.0.0.1:8080/scim/v2 for a default connection
// whose bearer token is $SCIM_TOKEN. Without SCIM_TOKEN (and with no
// existing connection) a token is generated and printed once at start.
//
// Beyond that it shows what a finished integration has: several SCIM
// connections with their own tenant URLs, tokens and isolated users; token
// rotation with overlap and "end SCIM connection"; a seat limit refused
// with a readable SCIM error; a synchronization log of every request the
// identity provider sent; reactions to deprovisioning (sessions revoked,
// a notification recorded); and an admin page plus a JSON admin API. See
// README.md in this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/postgres"
	"github.com/scimkit/scim/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

const usageText = `Usage: server [flags]

Runs a SCIM 2.0 service provider with an admin page, as a SaaS product
would offer to Microsoft Entra ID, Okta and other identity providers.

Environment:
  SCIM_TOKEN           bearer token of the default connection (served at
                       /scim/v2). At start the default connection is
                       created with this token, or re-keyed to it (its
                       other tokens are revoked). Without it, and when no
                       connection exists yet, a token is generated and
                       printed once.
  SCIM_ADMIN_PASSWORD  password of the admin page and JSON admin API (user
                       "admin"). Without it a password is generated and
                       printed once per start.

Flags:
`

type flags struct {
	addr, storeKind, dataDir, dsn, baseURL string
}

func parseFlags(args []string, stderr io.Writer) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "`host:port` to listen on; port 0 picks a free port")
	fs.StringVar(&f.storeKind, "store", "sqlite",
		"where users and groups live: sqlite (a file in -data), postgres (-postgres-dsn) or memory (lost at exit)")
	fs.StringVar(&f.dataDir, "data", "scimkit-data",
		"data `directory` for the SQLite file (scim.db) and the connections and hashed tokens (connections.json); unused with -store memory")
	fs.StringVar(&f.dsn, "postgres-dsn", "",
		"PostgreSQL connection string for -store postgres, e.g. postgres://user:pass@localhost:5432/app (default $DATABASE_URL)")
	fs.StringVar(&f.baseURL, "base-url", "",
		"public `URL` the server is reached at, e.g. https://app.example.com; tenant URLs are built from it (default http://<addr>)")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected arguments %q (see -h)", fs.Args())
	}
	return f, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	f, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	var (
		st        backend
		statePath string
	)
	switch f.storeKind {
	case "memory":
		st = memstore.New()
	case "sqlite":
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return err
		}
		s, err := sqlite.Open(ctx, filepath.Join(f.dataDir, "scim.db"))
		if err != nil {
			return err
		}
		defer s.Close()
		st, statePath = s, filepath.Join(f.dataDir, "connections.json")
	case "postgres":
		dsn := f.dsn
		if dsn == "" {
			dsn = getenv("DATABASE_URL")
		}
		if dsn == "" {
			return errors.New("-store postgres needs -postgres-dsn or $DATABASE_URL")
		}
		if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
			return err
		}
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			return err
		}
		defer s.Close()
		st, statePath = s, filepath.Join(f.dataDir, "connections.json")
	default:
		return fmt.Errorf("unknown -store %q (want sqlite, postgres or memory)", f.storeKind)
	}

	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := strings.TrimRight(f.baseURL, "/")
	base = strings.TrimSuffix(base, "/scim/v2") // accept a tenant URL too
	if base == "" {
		base = "http://" + ln.Addr().String()
	}

	adminPassword := getenv("SCIM_ADMIN_PASSWORD")
	generatedPassword := adminPassword == ""
	if generatedPassword {
		if adminPassword, err = randomString(18); err != nil {
			return err
		}
	}

	app, err := newApp(appConfig{
		store:         st,
		statePath:     statePath,
		baseURL:       base,
		log:           log,
		adminPassword: adminPassword,
	})
	if err != nil {
		return err
	}
	boot, err := app.bootstrap(ctx, getenv("SCIM_TOKEN"))
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "SCIM tenant URL: %s\n", app.tenantURL(defaultConnection))
	if boot.token != "" {
		fmt.Fprintf(stdout, "Secret token (shown once): %s\n", boot.token)
	}
	fmt.Fprintf(stdout, "Admin page: %s/admin/ (user admin)\n", base)
	if generatedPassword {
		fmt.Fprintf(stdout, "Admin password (shown once): %s\n", adminPassword)
	}
	log.Info("listening", "addr", ln.Addr().String(), "store", f.storeKind, "connections", boot.connections)

	srv := &http.Server{
		Handler:           app.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return app.save()
}
