// Command server is a runnable SCIM 2.0 service provider built on scimkit:
// the template a SaaS product copies to offer provisioning from Microsoft
// Entra ID, Okta and other identity providers.
//
//	SCIM_TOKEN=secret go run ./examples/server -addr 127.0.0.1:8080 -store memory
//
// serves SCIM at http://127.0.0.1:8080/scim/v2 for a default connection
// whose bearer token is $SCIM_TOKEN. Without SCIM_TOKEN a token is
// generated and printed once at start.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// store is what the example needs of a store.
type store interface {
	scim.UserStore
	scim.GroupStore
}

func run(ctx context.Context, args []string, stdout *os.File, getenv func(string) string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port)")
	storeKind := fs.String("store", "memory", "where users and groups live: memory (lost at exit)")
	baseURL := fs.String("base-url", "", "public tenant URL ending in /scim/v2 (default: http://<addr>/scim/v2)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, nil))

	var st store
	switch *storeKind {
	case "memory":
		st = memstore.New()
	default:
		return fmt.Errorf("unknown -store %q", *storeKind)
	}

	token := getenv("SCIM_TOKEN")
	generated := token == ""
	if generated {
		b := make([]byte, 32)
		rand.Read(b)
		token = base64.RawURLEncoding.EncodeToString(b)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	tenantURL := *baseURL
	if tenantURL == "" {
		tenantURL = "http://" + ln.Addr().String() + "/scim/v2"
	}
	h, err := scim.New(st, scim.StaticTokens(token),
		scim.WithBaseURL(tenantURL),
		scim.WithGroups(st),
		scim.WithLogger(log),
		entra.Compat(),
	)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	fmt.Fprintf(stdout, "SCIM tenant URL: %s\n", tenantURL)
	if generated {
		fmt.Fprintf(stdout, "Secret token (shown once): %s\n", token)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
