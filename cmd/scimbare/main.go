// Command scimbare is the bare net/http reference for benchmarks: it
// answers the SCIM routes scimload drives with fixed, correctly shaped
// bodies and does no SCIM work at all, so its throughput is the physical
// limit of the machine for the same traffic.
//
//	SCIM_TOKEN=x scimbare -addr 127.0.0.1:8081
//
// serves http://127.0.0.1:8081/scim/v2. Like the real server it reads
// every request body and checks the bearer token (a constant-time string
// compare), so the comparison is fair.
package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scimbare:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("scimbare", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8081", "address to listen on (host:port)")
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
	srv := &http.Server{Handler: newHandler(token), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "bare SCIM at http://%s/scim/v2\n", ln.Addr())
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

const (
	userJSON = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],` +
		`"id":"2819c223-7f76-453a-919d-413861904646","externalId":"adelev","userName":"adele.v@contoso.example",` +
		`"name":{"formatted":"Adele Vance","familyName":"Vance","givenName":"Adele"},"displayName":"Adele Vance",` +
		`"title":"Retail Manager","active":true,"emails":[{"value":"adele.v@contoso.example","type":"work","primary":true}],` +
		`"phoneNumbers":[{"value":"+1 425 555 0109","type":"mobile"}],` +
		`"addresses":[{"formatted":"Building 4, Room 210","country":"US","type":"work"}],` +
		`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"10442","department":"Retail"},` +
		`"meta":{"resourceType":"User","created":"2026-11-23T09:00:00Z","lastModified":"2026-11-23T09:00:00Z",` +
		`"location":"http://127.0.0.1/scim/v2/Users/2819c223-7f76-453a-919d-413861904646","version":"W/\"1\""}}`
	groupJSON = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"e9e30dba-f08f-4109-8486-d5c6a331660a",` +
		`"externalId":"e1b7c3a9-52f0-4d8e-a6b1-93c4f0d2e7aa","displayName":"Finance EMEA",` +
		`"meta":{"resourceType":"Group","created":"2026-11-23T09:00:00Z","lastModified":"2026-11-23T09:00:00Z",` +
		`"location":"http://127.0.0.1/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a","version":"W/\"1\""}}`
	listHead     = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"startIndex":1,"itemsPerPage":1,"Resources":[`
	errorJSON401 = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"401","detail":"missing or invalid bearer token"}`
)

// newHandler returns the bare routes under /scim/v2.
func newHandler(token string) http.Handler {
	want := []byte("Bearer " + token)
	user, group := []byte(userJSON), []byte(groupJSON)
	userList := []byte(listHead + userJSON + "]}")
	groupList := []byte(listHead + groupJSON + "]}")

	auth := func(body []byte, status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			h := w.Header()
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
				h.Set("Content-Type", "application/scim+json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte(errorJSON401))
				return
			}
			if body == nil {
				w.WriteHeader(status)
				return
			}
			h.Set("Content-Type", "application/scim+json")
			w.WriteHeader(status)
			w.Write(body)
		}
	}
	// An unfiltered list is a page of 100 users (what scimload's list
	// scenario asks for), so the baseline writes as many bytes as the real
	// server must.
	var page strings.Builder
	page.WriteString(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":100000,"startIndex":1,"itemsPerPage":100,"Resources":[`)
	for i := range 100 {
		if i > 0 {
			page.WriteByte(',')
		}
		page.WriteString(strings.Replace(userJSON, "2819c223-7f76-453a-919d-4138619046", fmt.Sprintf("2819c223-7f76-453a-919d-4138619%05d", i), 2))
	}
	page.WriteString("]}")
	filtered, unfiltered := auth(userList, http.StatusOK), auth([]byte(page.String()), http.StatusOK)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /scim/v2/Users", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("filter") {
			filtered(w, r)
			return
		}
		unfiltered(w, r)
	})
	mux.Handle("POST /scim/v2/Users", auth(user, http.StatusCreated))
	mux.Handle("GET /scim/v2/Users/{id}", auth(user, http.StatusOK))
	mux.Handle("PUT /scim/v2/Users/{id}", auth(user, http.StatusOK))
	mux.Handle("PATCH /scim/v2/Users/{id}", auth(user, http.StatusOK))
	mux.Handle("DELETE /scim/v2/Users/{id}", auth(nil, http.StatusNoContent))
	mux.Handle("GET /scim/v2/Groups", auth(groupList, http.StatusOK))
	mux.Handle("POST /scim/v2/Groups", auth(group, http.StatusCreated))
	mux.Handle("GET /scim/v2/Groups/{id}", auth(group, http.StatusOK))
	mux.Handle("PUT /scim/v2/Groups/{id}", auth(group, http.StatusOK))
	mux.Handle("PATCH /scim/v2/Groups/{id}", auth(nil, http.StatusNoContent))
	mux.Handle("DELETE /scim/v2/Groups/{id}", auth(nil, http.StatusNoContent))
	return mux
}
