// Command libserver serves the scimkit handler alone — memstore,
// StaticTokens and entra.Compat behind net/http, none of the example
// server's product hooks — so bench/run.sh can tell the library's cost
// from the example application's.
//
//	SCIM_TOKEN=x go run ./bench/libserver -addr 127.0.0.1:8082
//
// Built with -tags pprof it also serves net/http/pprof on -pprof-addr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "libserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("libserver", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8082", "address to listen on (host:port)")
	pprofAddr := fs.String("pprof-addr", "127.0.0.1:6060", "net/http/pprof address (only in a -tags pprof build)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	token := getenv("SCIM_TOKEN")
	if token == "" {
		return errors.New("set SCIM_TOKEN")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String() + "/scim/v2"
	st := memstore.New()
	h, err := scim.New(st, scim.StaticTokens(token), scim.WithBaseURL(base), scim.WithGroups(st), entra.Compat())
	if err != nil {
		return err
	}
	if err := startPprof(*pprofAddr); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "scimkit handler (memstore) at %s\n", base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
