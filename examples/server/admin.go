package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/tokens"
)

//go:embed templates/*.html static/*
var assets embed.FS

const (
	adminUser     = "admin"
	sessionCookie = "scimkit_admin"
	sessionTTL    = 12 * time.Hour
)

// adminAuth holds the admin credential and the page sessions.
type adminAuth struct {
	pwHash [32]byte

	mu       sync.Mutex
	sessions map[[32]byte]*adminSession // keyed by the cookie's digest
}

type adminSession struct {
	csrf    string
	expires time.Time
	flash   *flash
}

// flash is shown once on the next page: a newly issued token.
type flash struct {
	Connection string
	Token      string
	Message    string
}

func newAdminAuth(password string) *adminAuth {
	return &adminAuth{pwHash: sha256.Sum256([]byte(password)), sessions: map[[32]byte]*adminSession{}}
}

func (a *adminAuth) passwordOK(pw string) bool {
	h := sha256.Sum256([]byte(pw))
	return subtle.ConstantTimeCompare(h[:], a.pwHash[:]) == 1
}

func (a *adminAuth) basicOK(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(adminUser)) == 1 && a.passwordOK(p)
}

func (a *adminAuth) newSession() (string, error) {
	id, err := randomString(32)
	if err != nil {
		return "", err
	}
	csrf, err := randomString(24)
	if err != nil {
		return "", err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	for k, s := range a.sessions {
		if now.After(s.expires) {
			delete(a.sessions, k)
		}
	}
	a.sessions[sha256.Sum256([]byte(id))] = &adminSession{csrf: csrf, expires: now.Add(sessionTTL)}
	return id, nil
}

// session returns the page session of r, if it has a valid cookie.
func (a *adminAuth) session(r *http.Request) (*adminSession, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	k := sha256.Sum256([]byte(c.Value))
	s, ok := a.sessions[k]
	if !ok || time.Now().After(s.expires) {
		delete(a.sessions, k)
		return nil, false
	}
	return s, true
}

func (a *adminAuth) endSession(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		a.mu.Lock()
		delete(a.sessions, sha256.Sum256([]byte(c.Value)))
		a.mu.Unlock()
	}
}

func (a *adminAuth) setFlash(s *adminSession, f *flash) {
	a.mu.Lock()
	s.flash = f
	a.mu.Unlock()
}

func (a *adminAuth) takeFlash(s *adminSession, conn string) *flash {
	a.mu.Lock()
	defer a.mu.Unlock()
	f := s.flash
	if f == nil || f.Connection != conn {
		return nil
	}
	s.flash = nil
	return f
}

// sameOrigin rejects cross-site form posts that carry an Origin header
// from elsewhere; the CSRF token is the main defence, this a second one.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// ---- view models ----

// ConnectionView is a connection as the admin page and API show it.
type ConnectionView struct {
	Connection
	TenantURL   string `json:"tenantUrl"`
	Status      string `json:"status"` // active, ended or "no token"
	ActiveUsers int    `json:"activeUsers"`
	// Tokens are the connection's tokens, newest first (hints only).
	Tokens []TokenView `json:"tokens"`
	Sync   SyncStats   `json:"sync"`
}

// TokenView is a token record without its digest.
type TokenView struct {
	ID         string    `json:"id"`
	Hint       string    `json:"hint"`
	Live       bool      `json:"live"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	RevokedAt  time.Time `json:"revokedAt,omitzero"`
}

func tokenView(r tokens.Record) TokenView {
	return TokenView{ID: r.ID, Hint: r.Hint, Live: r.Live(), CreatedAt: r.CreatedAt,
		LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}

func (a *App) view(ctx context.Context, c Connection) (ConnectionView, error) {
	v := ConnectionView{Connection: c, TenantURL: a.tenantURL(c.ID), Tokens: []TokenView{}}
	recs, err := a.verifier.Tokens(ctx, c.ID)
	if err != nil {
		return v, err
	}
	live := 0
	for _, r := range sortedTokens(recs) {
		v.Tokens = append(v.Tokens, tokenView(r))
		if r.Live() {
			live++
		}
	}
	switch {
	case !c.EndedAt.IsZero():
		v.Status = "ended"
	case live == 0:
		v.Status = "no token"
	default:
		v.Status = "active"
	}
	if v.ActiveUsers, err = a.activeUsers(ctx, c.ID); err != nil {
		return v, err
	}
	_, v.Sync = a.syncLog(c.ID).entries("", 0)
	return v, nil
}

// MappingRow is one attribute mapping to enter in Entra.
type MappingRow struct {
	Target   string `json:"target"`
	Source   string `json:"source"`
	Type     string `json:"type"`
	Matching string `json:"matchingPrecedence,omitempty"`
}

// entraMapping is the user attribute mapping this product expects, as the
// seed guides list it.
var entraMapping = []MappingRow{
	{"userName", "userPrincipalName", "Direct", "1"},
	{"active", `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, "Expression", ""},
	{"displayName", "displayName", "Direct", ""},
	{`emails[type eq "work"].value`, "userPrincipalName", "Direct", ""},
	{"name.givenName", "givenName", "Direct", ""},
	{"name.familyName", "surname", "Direct", ""},
	{"externalId", "objectId", "Direct", ""},
}

// ---- routes ----

func (a *App) adminRoutes(mux *http.ServeMux) {
	ui := &adminUI{app: a}
	mux.Handle("GET /admin/static/", http.StripPrefix("/admin/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /admin/login", ui.loginPage)
	mux.HandleFunc("POST /admin/login", ui.login)
	mux.HandleFunc("POST /admin/logout", ui.post(ui.logout))
	mux.HandleFunc("GET /admin/{$}", ui.page(ui.index))
	mux.HandleFunc("POST /admin/connections", ui.post(ui.create))
	mux.HandleFunc("GET /admin/connections/{id}", ui.page(ui.detail))
	mux.HandleFunc("POST /admin/connections/{id}/tokens", ui.post(ui.rotate))
	mux.HandleFunc("POST /admin/connections/{id}/tokens/{tid}/revoke", ui.post(ui.revoke))
	mux.HandleFunc("POST /admin/connections/{id}/end", ui.post(ui.end))
	mux.HandleFunc("POST /admin/connections/{id}/settings", ui.post(ui.settings))

	api := &adminAPI{app: a}
	mux.HandleFunc("GET /admin/api/mapping", api.auth(api.mapping))
	mux.HandleFunc("GET /admin/api/connections", api.auth(api.list))
	mux.HandleFunc("POST /admin/api/connections", api.auth(api.create))
	mux.HandleFunc("GET /admin/api/connections/{id}", api.auth(api.get))
	mux.HandleFunc("PATCH /admin/api/connections/{id}", api.auth(api.update))
	mux.HandleFunc("POST /admin/api/connections/{id}/tokens", api.auth(api.rotate))
	mux.HandleFunc("DELETE /admin/api/connections/{id}/tokens/{tid}", api.auth(api.revoke))
	mux.HandleFunc("POST /admin/api/connections/{id}/end", api.auth(api.end))
	mux.HandleFunc("GET /admin/api/connections/{id}/sync", api.auth(api.sync))
	mux.HandleFunc("GET /admin/api/connections/{id}/users", api.auth(api.users))
	mux.HandleFunc("GET /admin/api/connections/{id}/groups", api.auth(api.groups))
	mux.HandleFunc("GET /admin/api/connections/{id}/notifications", api.auth(api.notifications))
	mux.HandleFunc("GET /admin/api/connections/{id}/sessions", api.auth(api.sessions))
	mux.HandleFunc("/admin/api/", api.auth(func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no such admin API endpoint")
	}))
}

// ---- HTML pages ----

type adminUI struct {
	app  *App
	once sync.Once
	tpl  *template.Template
	err  error
}

func (u *adminUI) templates() (*template.Template, error) {
	u.once.Do(func() {
		u.tpl, u.err = template.New("").Funcs(template.FuncMap{
			"ts": func(t time.Time) string {
				if t.IsZero() {
					return "never"
				}
				return t.UTC().Format("2006-01-02 15:04:05 UTC")
			},
			"seats": func(n, limit int) string {
				if limit <= 0 {
					if n == 1 {
						return "1 active user (no limit)"
					}
					return fmt.Sprintf("%d active users (no limit)", n)
				}
				return fmt.Sprintf("%d of %d active users", n, limit)
			},
			"active": func(u *scim.User) bool { return u.IsActive() },
		}).ParseFS(assets, "templates/*.html")
	})
	return u.tpl, u.err
}

func (u *adminUI) render(w http.ResponseWriter, status int, name string, data any) {
	t, err := u.templates()
	if err == nil {
		var b strings.Builder
		if err = t.ExecuteTemplate(&b, name, data); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			io.WriteString(w, b.String())
			return
		}
	}
	u.app.cfg.log.Error("rendering admin page", "page", name, "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}

type pageHandler func(w http.ResponseWriter, r *http.Request, s *adminSession)

// page requires a logged-in session.
func (u *adminUI) page(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := u.app.admin.session(r)
		if !ok {
			http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
			return
		}
		h(w, r, s)
	}
}

// post requires a logged-in session, the session's CSRF token in the form
// and no foreign Origin.
func (u *adminUI) post(h pageHandler) http.HandlerFunc {
	return u.page(func(w http.ResponseWriter, r *http.Request, s *adminSession) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
			http.Error(w, "invalid or missing CSRF token; reload the page", http.StatusForbidden)
			return
		}
		h(w, r, s)
	})
}

func (u *adminUI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, http.StatusOK, "login.html", map[string]any{"Error": ""})
}

func (u *adminUI) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if !sameOrigin(r) {
		http.Error(w, "cross-origin login refused", http.StatusForbidden)
		return
	}
	if !u.app.admin.passwordOK(r.PostFormValue("password")) {
		u.app.cfg.log.Warn("admin login failed", "remote", r.RemoteAddr)
		u.render(w, http.StatusUnauthorized, "login.html", map[string]any{"Error": "Wrong password."})
		return
	}
	id, err := u.app.admin.newSession()
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/admin", HttpOnly: true,
		Secure: strings.HasPrefix(u.app.cfg.baseURL, "https://"), SameSite: http.SameSiteStrictMode,
		MaxAge: int(sessionTTL / time.Second),
	})
	http.Redirect(w, r, "/admin/", http.StatusSeeOther)
}

func (u *adminUI) logout(w http.ResponseWriter, r *http.Request, _ *adminSession) {
	u.app.admin.endSession(r)
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/admin", MaxAge: -1})
	http.Redirect(w, r, "/admin/login", http.StatusSeeOther)
}

func (u *adminUI) index(w http.ResponseWriter, r *http.Request, s *adminSession) {
	var views []ConnectionView
	for _, c := range u.app.connections() {
		v, err := u.app.view(r.Context(), c)
		if err != nil {
			u.fail(w, err)
			return
		}
		views = append(views, v)
	}
	u.render(w, http.StatusOK, "index.html", map[string]any{
		"CSRF": s.csrf, "Connections": views, "Error": r.URL.Query().Get("error"),
	})
}

func (u *adminUI) fail(w http.ResponseWriter, err error) {
	var bad errBadInput
	switch {
	case errors.As(err, &bad):
		http.Error(w, bad.msg, http.StatusBadRequest)
	case errors.Is(err, errNoConnection):
		http.Error(w, "no such connection", http.StatusNotFound)
	default:
		u.app.cfg.log.Error("admin page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func (u *adminUI) create(w http.ResponseWriter, r *http.Request, s *adminSession) {
	seats, err := formInt(r.PostFormValue("seatLimit"))
	if err != nil {
		http.Redirect(w, r, "/admin/?error="+url.QueryEscape(err.Error()), http.StatusSeeOther)
		return
	}
	c, tok, err := u.app.createConnection(r.Context(), strings.TrimSpace(r.PostFormValue("id")),
		strings.TrimSpace(r.PostFormValue("name")), seats)
	var bad errBadInput
	if errors.As(err, &bad) {
		http.Redirect(w, r, "/admin/?error="+url.QueryEscape(bad.msg), http.StatusSeeOther)
		return
	}
	if err != nil {
		u.fail(w, err)
		return
	}
	u.app.admin.setFlash(s, &flash{Connection: c.ID, Token: tok, Message: "Connection created."})
	http.Redirect(w, r, "/admin/connections/"+c.ID, http.StatusSeeOther)
}

func formInt(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errBadInput{"seat limit must be a whole number, 0 for no limit"}
	}
	return n, nil
}

func (u *adminUI) detail(w http.ResponseWriter, r *http.Request, s *adminSession) {
	ctx := r.Context()
	c, ok := u.app.connection(r.PathValue("id"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	v, err := u.app.view(ctx, c)
	if err != nil {
		u.fail(w, err)
		return
	}
	want := r.URL.Query().Get("outcome")
	if want != "success" && want != "failure" {
		want = ""
	}
	entries, _ := u.app.syncLog(c.ID).entries(want, 200)
	users, err := u.app.users(ctx, c.ID)
	if err != nil {
		u.fail(w, err)
		return
	}
	groups, err := u.app.groups(ctx, c.ID)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.render(w, http.StatusOK, "connection.html", map[string]any{
		"CSRF":          s.csrf,
		"C":             v,
		"Flash":         u.app.admin.takeFlash(s, c.ID),
		"Outcome":       want,
		"Entries":       entries,
		"Users":         users,
		"Groups":        groups,
		"Mapping":       entraMapping,
		"Notifications": u.app.activity.notifications(c.ID),
		"Sessions":      u.app.activity.sessionList(c.ID),
	})
}

func (u *adminUI) rotate(w http.ResponseWriter, r *http.Request, s *adminSession) {
	id := r.PathValue("id")
	tok, _, err := u.app.rotate(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.app.admin.setFlash(s, &flash{Connection: id, Token: tok,
		Message: "New token issued. The previous tokens keep working until you revoke them."})
	http.Redirect(w, r, "/admin/connections/"+id, http.StatusSeeOther)
}

func (u *adminUI) revoke(w http.ResponseWriter, r *http.Request, s *adminSession) {
	id := r.PathValue("id")
	if err := u.app.revokeToken(r.Context(), id, r.PathValue("tid")); err != nil {
		u.fail(w, err)
		return
	}
	u.app.admin.setFlash(s, &flash{Connection: id, Message: "Token revoked."})
	http.Redirect(w, r, "/admin/connections/"+id, http.StatusSeeOther)
}

func (u *adminUI) end(w http.ResponseWriter, r *http.Request, s *adminSession) {
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		http.Error(w, "tick the confirmation box to end the connection", http.StatusBadRequest)
		return
	}
	n, err := u.app.end(r.Context(), id)
	if err != nil {
		u.fail(w, err)
		return
	}
	u.app.admin.setFlash(s, &flash{Connection: id,
		Message: fmt.Sprintf("SCIM connection ended: %d token(s) revoked. The users stay; delete them separately if needed.", n)})
	http.Redirect(w, r, "/admin/connections/"+id, http.StatusSeeOther)
}

func (u *adminUI) settings(w http.ResponseWriter, r *http.Request, s *adminSession) {
	id := r.PathValue("id")
	seats, err := formInt(r.PostFormValue("seatLimit"))
	if err != nil {
		u.fail(w, err)
		return
	}
	var name *string
	if n := strings.TrimSpace(r.PostFormValue("name")); n != "" {
		name = &n
	}
	if _, err := u.app.updateConnection(id, name, &seats); err != nil {
		u.fail(w, err)
		return
	}
	u.app.admin.setFlash(s, &flash{Connection: id, Message: "Settings saved."})
	http.Redirect(w, r, "/admin/connections/"+id, http.StatusSeeOther)
}

// ---- JSON API ----

type adminAPI struct{ app *App }

func apiError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// auth requires HTTP Basic admin credentials; POST and PATCH must carry
// Content-Type: application/json, which no cross-site form can send, so a
// browser that cached the credentials cannot be made to call the API.
func (api *adminAPI) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !api.app.admin.basicOK(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="scimkit admin API", charset="UTF-8"`)
			apiError(w, http.StatusUnauthorized, "admin credentials required (HTTP Basic, user admin)")
			return
		}
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				apiError(w, http.StatusUnsupportedMediaType, "send Content-Type: application/json")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		}
		h(w, r)
	}
}

func (api *adminAPI) fail(w http.ResponseWriter, err error) {
	var bad errBadInput
	switch {
	case errors.As(err, &bad):
		apiError(w, http.StatusBadRequest, bad.msg)
	case errors.Is(err, errNoConnection):
		apiError(w, http.StatusNotFound, "no such connection")
	default:
		api.app.cfg.log.Error("admin API", "err", err)
		apiError(w, http.StatusInternalServerError, "internal error")
	}
}

// decode reads an optional JSON body into v; an empty body is allowed.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return errBadInput{"invalid JSON body: " + err.Error()}
	}
	return nil
}

func (api *adminAPI) conn(w http.ResponseWriter, r *http.Request) (Connection, bool) {
	c, ok := api.app.connection(r.PathValue("id"))
	if !ok {
		apiError(w, http.StatusNotFound, "no such connection")
	}
	return c, ok
}

func (api *adminAPI) mapping(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, entraMapping)
}

func (api *adminAPI) list(w http.ResponseWriter, r *http.Request) {
	out := []ConnectionView{}
	for _, c := range api.app.connections() {
		v, err := api.app.view(r.Context(), c)
		if err != nil {
			api.fail(w, err)
			return
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (api *adminAPI) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		SeatLimit int    `json:"seatLimit"`
	}
	if err := decode(r, &in); err != nil {
		api.fail(w, err)
		return
	}
	c, tok, err := api.app.createConnection(r.Context(), in.ID, in.Name, in.SeatLimit)
	if err != nil {
		api.fail(w, err)
		return
	}
	v, err := api.app.view(r.Context(), c)
	if err != nil {
		api.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"connection": v, "token": tok})
}

func (api *adminAPI) get(w http.ResponseWriter, r *http.Request) {
	c, ok := api.conn(w, r)
	if !ok {
		return
	}
	v, err := api.app.view(r.Context(), c)
	if err != nil {
		api.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (api *adminAPI) update(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name      *string `json:"name"`
		SeatLimit *int    `json:"seatLimit"`
	}
	if err := decode(r, &in); err != nil {
		api.fail(w, err)
		return
	}
	c, err := api.app.updateConnection(r.PathValue("id"), in.Name, in.SeatLimit)
	if err != nil {
		api.fail(w, err)
		return
	}
	v, err := api.app.view(r.Context(), c)
	if err != nil {
		api.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (api *adminAPI) rotate(w http.ResponseWriter, r *http.Request) {
	tok, rec, err := api.app.rotate(r.Context(), r.PathValue("id"))
	if err != nil {
		api.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": tok, "record": tokenView(rec)})
}

func (api *adminAPI) revoke(w http.ResponseWriter, r *http.Request) {
	err := api.app.revokeToken(r.Context(), r.PathValue("id"), r.PathValue("tid"))
	var bad errBadInput
	if errors.As(err, &bad) {
		apiError(w, http.StatusNotFound, bad.msg)
		return
	}
	if err != nil {
		api.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (api *adminAPI) end(w http.ResponseWriter, r *http.Request) {
	n, err := api.app.end(r.Context(), r.PathValue("id"))
	if err != nil {
		api.fail(w, err)
		return
	}
	c, _ := api.app.connection(r.PathValue("id"))
	v, err := api.app.view(r.Context(), c)
	if err != nil {
		api.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": v, "tokensRevoked": n})
}

func (api *adminAPI) sync(w http.ResponseWriter, r *http.Request) {
	c, ok := api.conn(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	want := q.Get("outcome")
	if want != "" && want != "success" && want != "failure" {
		apiError(w, http.StatusBadRequest, `outcome must be "success" or "failure"`)
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			apiError(w, http.StatusBadRequest, "limit must be 1-1000")
			return
		}
		limit = n
	}
	entries, stats := api.app.syncLog(c.ID).entries(want, limit)
	writeJSON(w, http.StatusOK, map[string]any{"stats": stats, "entries": entries})
}

func (api *adminAPI) users(w http.ResponseWriter, r *http.Request) {
	c, ok := api.conn(w, r)
	if !ok {
		return
	}
	p, err := api.app.users(r.Context(), c.ID)
	if err != nil {
		api.fail(w, err)
		return
	}
	if p.Resources == nil {
		p.Resources = []*scim.User{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": p.TotalResults, "users": p.Resources})
}

func (api *adminAPI) groups(w http.ResponseWriter, r *http.Request) {
	c, ok := api.conn(w, r)
	if !ok {
		return
	}
	p, err := api.app.groups(r.Context(), c.ID)
	if err != nil {
		api.fail(w, err)
		return
	}
	if p.Resources == nil {
		p.Resources = []*scim.Group{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": p.TotalResults, "groups": p.Resources})
}

func (api *adminAPI) notifications(w http.ResponseWriter, r *http.Request) {
	if c, ok := api.conn(w, r); ok {
		writeJSON(w, http.StatusOK, api.app.activity.notifications(c.ID))
	}
}

func (api *adminAPI) sessions(w http.ResponseWriter, r *http.Request) {
	if c, ok := api.conn(w, r); ok {
		writeJSON(w, http.StatusOK, api.app.activity.sessionList(c.ID))
	}
}
