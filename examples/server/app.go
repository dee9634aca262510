package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/tokens"
)

// backend is what the example needs of a store: users and groups.
type backend interface {
	scim.UserStore
	scim.GroupStore
}

// defaultConnection is the ID of the connection served at /scim/v2.
const defaultConnection = "default"

// Connection is one SCIM connection: one identity-provider application
// (an Entra enterprise app) provisioning into one isolated set of users and
// groups (its tenant). A product with two endpoints, like the advisors and
// rooms of the booking seed, has two connections.
type Connection struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// SeatLimit is the number of active users the licence allows; 0 means
	// unlimited.
	SeatLimit int       `json:"seatLimit"`
	CreatedAt time.Time `json:"createdAt"`
	// EndedAt is when the admin ended the connection (all tokens revoked;
	// users kept). Issuing a new token resumes it.
	EndedAt time.Time `json:"endedAt,omitzero"`
}

// persisted is the JSON saved in connections.json. Tokens are stored as
// SHA-256 digests only.
type persisted struct {
	Connections []Connection    `json:"connections"`
	Tokens      []tokens.Record `json:"tokens"`
}

type appConfig struct {
	store         backend
	statePath     string // "" keeps connections in memory only
	baseURL       string // public origin, no trailing slash
	log           *slog.Logger
	adminPassword string
	now           func() time.Time
}

// App is the example product: connections, their SCIM handlers, the
// synchronization logs and the reactions to deprovisioning.
type App struct {
	cfg      appConfig
	tokStore *savingTokens
	verifier *tokens.Verifier
	admin    *adminAuth

	mu       sync.Mutex
	conns    map[string]*Connection
	order    []string
	handlers map[string]http.Handler
	logs     map[string]*syncLog
	activity *activity

	saveMu sync.Mutex
}

// savingTokens is a tokens.Store that saves the app's state after each
// change: the "host persists it" half of package tokens.
type savingTokens struct {
	*tokens.MemoryStore
	save func() error
}

func (s *savingTokens) InsertToken(ctx context.Context, r tokens.Record) error {
	if err := s.MemoryStore.InsertToken(ctx, r); err != nil {
		return err
	}
	return s.save()
}

func (s *savingTokens) RevokeToken(ctx context.Context, conn, id string, at time.Time) error {
	if err := s.MemoryStore.RevokeToken(ctx, conn, id, at); err != nil {
		return err
	}
	return s.save()
}

func (s *savingTokens) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := s.MemoryStore.TouchToken(ctx, id, at); err != nil {
		return err
	}
	return s.save()
}

func newApp(cfg appConfig) (*App, error) {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	a := &App{
		cfg:      cfg,
		conns:    map[string]*Connection{},
		handlers: map[string]http.Handler{},
		logs:     map[string]*syncLog{},
		activity: newActivity(500),
		admin:    newAdminAuth(cfg.adminPassword),
	}
	a.tokStore = &savingTokens{MemoryStore: tokens.NewMemoryStore(), save: a.save}
	a.verifier = tokens.NewVerifier(a.tokStore, tokens.WithClock(cfg.now))
	if err := a.load(); err != nil {
		return nil, err
	}
	return a, nil
}

// load reads connections.json if there is one.
func (a *App) load() error {
	if a.cfg.statePath == "" {
		return nil
	}
	b, err := os.ReadFile(a.cfg.statePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var p persisted
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s: %w", a.cfg.statePath, err)
	}
	for _, c := range p.Connections {
		c := c
		a.conns[c.ID] = &c
		a.order = append(a.order, c.ID)
	}
	return a.tokStore.Load(p.Tokens)
}

// save writes connections.json atomically (temporary file and rename).
func (a *App) save() error {
	if a.cfg.statePath == "" {
		return nil
	}
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	a.mu.Lock()
	p := persisted{Connections: make([]Connection, 0, len(a.order))}
	for _, id := range a.order {
		p.Connections = append(p.Connections, *a.conns[id])
	}
	a.mu.Unlock()
	p.Tokens = a.tokStore.Records()
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(a.cfg.statePath), ".connections-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), a.cfg.statePath)
}

type bootResult struct {
	token       string // the token to print once, if one was generated
	connections int
}

// bootstrap applies SCIM_TOKEN, or creates a default connection with a
// generated token when there is no connection at all.
func (a *App) bootstrap(ctx context.Context, envToken string) (bootResult, error) {
	a.mu.Lock()
	n := len(a.conns)
	_, hasDefault := a.conns[defaultConnection]
	a.mu.Unlock()
	switch {
	case envToken != "":
		if !hasDefault {
			if _, err := a.addConnection(defaultConnection, "Default", 0); err != nil {
				return bootResult{}, err
			}
		}
		if p, err := a.verifier.VerifyToken(ctx, envToken); err == nil && p.Tenant == defaultConnection {
			return bootResult{connections: max(n, 1)}, nil // already keyed to it
		}
		if _, err := a.verifier.RevokeAll(ctx, defaultConnection); err != nil {
			return bootResult{}, err
		}
		if _, err := a.verifier.Import(ctx, defaultConnection, envToken); err != nil {
			return bootResult{}, err
		}
		a.setEnded(defaultConnection, time.Time{})
		a.cfg.log.Info("default connection keyed from SCIM_TOKEN")
		return bootResult{connections: max(n, 1)}, a.save()
	case n == 0:
		_, tok, err := a.createConnection(ctx, defaultConnection, "Default", 0)
		return bootResult{token: tok, connections: 1}, err
	}
	return bootResult{connections: n}, nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// errBadInput is an admin input error (400).
type errBadInput struct{ msg string }

func (e errBadInput) Error() string { return e.msg }

var errNoConnection = errors.New("no such connection")

func (a *App) addConnection(id, name string, seats int) (*Connection, error) {
	if id == "" {
		b := make([]byte, 4)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		id = "c-" + hex.EncodeToString(b)
	}
	if !idPattern.MatchString(id) {
		return nil, errBadInput{"id must be 1-40 lower-case letters, digits or dashes"}
	}
	if name == "" {
		name = id
	}
	if len(name) > 100 {
		return nil, errBadInput{"name is longer than 100 characters"}
	}
	if seats < 0 {
		return nil, errBadInput{"seatLimit must not be negative"}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, dup := a.conns[id]; dup {
		return nil, errBadInput{fmt.Sprintf("a connection with id %q exists", id)}
	}
	c := &Connection{ID: id, Name: name, SeatLimit: seats, CreatedAt: a.cfg.now().UTC()}
	a.conns[id] = c
	a.order = append(a.order, id)
	return c, nil
}

// createConnection adds a connection and issues its first token.
func (a *App) createConnection(ctx context.Context, id, name string, seats int) (Connection, string, error) {
	c, err := a.addConnection(id, name, seats)
	if err != nil {
		return Connection{}, "", err
	}
	tok, _, err := a.verifier.Issue(ctx, c.ID) // saves
	if err != nil {
		return Connection{}, "", err
	}
	a.cfg.log.Info("connection created", "connection", c.ID)
	return *c, tok, nil
}

func (a *App) connection(id string) (Connection, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.conns[id]
	if !ok {
		return Connection{}, false
	}
	return *c, true
}

func (a *App) connections() []Connection {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Connection, 0, len(a.order))
	for _, id := range a.order {
		out = append(out, *a.conns[id])
	}
	return out
}

func (a *App) setEnded(id string, t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if c, ok := a.conns[id]; ok {
		c.EndedAt = t
	}
}

// updateConnection changes the name and/or seat limit.
func (a *App) updateConnection(id string, name *string, seats *int) (Connection, error) {
	if name != nil && (*name == "" || len(*name) > 100) {
		return Connection{}, errBadInput{"name must be 1-100 characters"}
	}
	if seats != nil && *seats < 0 {
		return Connection{}, errBadInput{"seatLimit must not be negative"}
	}
	a.mu.Lock()
	c, ok := a.conns[id]
	if !ok {
		a.mu.Unlock()
		return Connection{}, errNoConnection
	}
	if name != nil {
		c.Name = *name
	}
	if seats != nil {
		c.SeatLimit = *seats
	}
	out := *c
	a.mu.Unlock()
	return out, a.save()
}

// rotate issues a new token for the connection; older tokens stay live
// until revoked. On an ended connection it resumes provisioning.
func (a *App) rotate(ctx context.Context, id string) (string, tokens.Record, error) {
	if _, ok := a.connection(id); !ok {
		return "", tokens.Record{}, errNoConnection
	}
	a.setEnded(id, time.Time{})
	tok, rec, err := a.verifier.Issue(ctx, id)
	if err == nil {
		a.cfg.log.Info("token issued", "connection", id, "token_id", rec.ID)
	}
	return tok, rec, err
}

func (a *App) revokeToken(ctx context.Context, id, tokenID string) error {
	if _, ok := a.connection(id); !ok {
		return errNoConnection
	}
	err := a.verifier.Revoke(ctx, id, tokenID)
	if errors.Is(err, tokens.ErrNotFound) {
		return errBadInput{"no such token"}
	}
	if err == nil {
		a.cfg.log.Info("token revoked", "connection", id, "token_id", tokenID)
	}
	return err
}

// end is "End SCIM connection": every token is revoked, so the identity
// provider's next request gets 401; users and groups stay.
func (a *App) end(ctx context.Context, id string) (int, error) {
	if _, ok := a.connection(id); !ok {
		return 0, errNoConnection
	}
	n, err := a.verifier.RevokeAll(ctx, id)
	if err != nil {
		return n, err
	}
	a.setEnded(id, a.cfg.now().UTC())
	a.cfg.log.Info("connection ended", "connection", id, "tokens_revoked", n)
	return n, a.save()
}

// tenantPath is where a connection's SCIM endpoint is mounted.
func tenantPath(id string) string {
	if id == defaultConnection {
		return "/scim/v2"
	}
	return "/c/" + id + "/scim/v2"
}

func (a *App) tenantURL(id string) string { return a.cfg.baseURL + tenantPath(id) }

// tenantCtx is a context for reading a connection's users outside a SCIM
// request.
func tenantCtx(ctx context.Context, id string) context.Context {
	return scim.WithPrincipal(ctx, scim.Principal{Tenant: id, Subject: "admin"})
}

// scimHandler returns the connection's SCIM handler, building it on first
// use. Each connection gets its own handler: its own base URL (for
// meta.location), a verifier that accepts only the connection's tokens,
// and hooks that know which connection they report for.
func (a *App) scimHandler(id string) (http.Handler, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if h, ok := a.handlers[id]; ok {
		return h, nil
	}
	if _, ok := a.conns[id]; !ok {
		return nil, errNoConnection
	}
	verify := scim.TokenVerifierFunc(func(ctx context.Context, tok string) (scim.Principal, error) {
		p, err := a.verifier.VerifyToken(ctx, tok)
		if err != nil {
			return scim.Principal{}, err
		}
		if p.Tenant != id { // another connection's token at this URL
			return scim.Principal{}, scim.ErrInvalidToken
		}
		return p, nil
	})
	h, err := scim.New(a.cfg.store, verify,
		scim.WithBaseURL(a.cfg.baseURL+tenantPath(id)),
		scim.WithGroups(a.cfg.store),
		scim.WithLogger(a.cfg.log.With("connection", id)),
		scim.WithEventHook(func(_ context.Context, ev scim.Event) { a.syncLog(id).add(ev) }),
		scim.WithChangeHook(func(_ context.Context, ch scim.Change) { a.activity.onChange(id, ch) }),
		scim.WithPolicy(a.seatPolicy(id)),
		entra.Compat(),
	)
	if err != nil {
		return nil, err
	}
	a.handlers[id] = h
	return h, nil
}

func (a *App) syncLog(id string) *syncLog {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.logs[id]
	if !ok {
		l = newSyncLog(1000)
		a.logs[id] = l
	}
	return l
}

// seatPolicy refuses creating or reactivating a user once the connection's
// licence is used up: the IdP admin reads the detail in the provisioning
// log, and the request shows as a failure in the synchronization view.
func (a *App) seatPolicy(id string) scim.Policy {
	return func(ctx context.Context, w scim.Write) error {
		if w.ResourceType != "User" {
			return nil
		}
		switch w.Kind {
		case scim.UserCreated:
			if u, ok := w.After.(*scim.User); !ok || !u.IsActive() {
				return nil
			}
		case scim.UserReactivated:
		default:
			return nil
		}
		c, ok := a.connection(id)
		if !ok || c.SeatLimit <= 0 {
			return nil
		}
		n, err := a.activeUsers(ctx, id)
		if err != nil {
			return err
		}
		if n >= c.SeatLimit {
			return &scim.Error{Status: http.StatusForbidden,
				Detail: fmt.Sprintf("licence for %d active users exhausted", c.SeatLimit)}
		}
		return nil
	}
}

// activeUsers counts the connection's active users.
func (a *App) activeUsers(ctx context.Context, id string) (int, error) {
	f, err := scim.ParseUserFilter("active eq true")
	if err != nil {
		return 0, err
	}
	p, err := a.cfg.store.ListUsers(tenantCtx(ctx, id), scim.Query{Filter: f, StartIndex: 1, Count: 0})
	if err != nil {
		return 0, err
	}
	return p.TotalResults, nil
}

// users lists a connection's users, newest page first is not needed: the
// example shows the first 200.
func (a *App) users(ctx context.Context, id string) (*scim.Page[*scim.User], error) {
	return a.cfg.store.ListUsers(tenantCtx(ctx, id), scim.Query{StartIndex: 1, Count: 200})
}

func (a *App) groups(ctx context.Context, id string) (*scim.Page[*scim.Group], error) {
	return a.cfg.store.ListGroups(tenantCtx(ctx, id), scim.Query{StartIndex: 1, Count: 200, WithMembers: true})
}

// serveSCIM routes /scim/v2/... to the default connection and
// /c/{id}/scim/v2/... to the others.
func (a *App) serveSCIM(id, prefix string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id == "" {
			id := r.PathValue("conn")
			prefix = "/c/" + id + "/scim/v2"
			a.serveSCIMFor(w, r, id, prefix)
			return
		}
		a.serveSCIMFor(w, r, id, prefix)
	})
}

func (a *App) serveSCIMFor(w http.ResponseWriter, r *http.Request, id, prefix string) {
	if id == defaultConnection && prefix != "/scim/v2" {
		http.NotFound(w, r) // the default connection lives at /scim/v2 only
		return
	}
	h, err := a.scimHandler(id)
	if errors.Is(err, errNoConnection) {
		writeSCIMError(w, http.StatusNotFound, "no SCIM connection at this URL")
		return
	}
	if err != nil {
		a.cfg.log.Error("building SCIM handler", "connection", id, "err", err)
		writeSCIMError(w, http.StatusInternalServerError, "internal error")
		return
	}
	http.StripPrefix(prefix, h).ServeHTTP(w, r)
}

func writeSCIMError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status":  fmt.Sprint(status),
		"detail":  detail,
	})
}

// routes is the whole HTTP surface.
func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", a.serveSCIM(defaultConnection, "/scim/v2"))
	mux.Handle("/c/{conn}/scim/v2/", a.serveSCIM("", ""))
	a.adminRoutes(mux)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io := "ok\n"
		w.Write([]byte(io))
	})
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "same-origin") // "no-referrer" would make browsers send Origin: null on form posts
		h.ServeHTTP(w, r)
	})
}

// randomString returns n random bytes, base64url encoded.
func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sortedTokens returns records newest first.
func sortedTokens(rs []tokens.Record) []tokens.Record {
	slices.SortStableFunc(rs, func(x, y tokens.Record) int { return y.CreatedAt.Compare(x.CreatedAt) })
	return rs
}
