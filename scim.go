// Package scim serves SCIM 2.0 provisioning (RFC 7643, RFC 7644) from any
// Go web application, built to the traffic Microsoft Entra ID, Okta and
// other identity providers really send.
//
// The host implements UserStore over its own user table (or uses memstore,
// sqlite or postgres from this module), picks a TokenVerifier and mounts
// the Handler under any prefix:
//
//	store := memstore.New()
//	h, err := scim.New(store, scim.StaticTokens(os.Getenv("SCIM_TOKEN")),
//		scim.WithBaseURL("https://app.example.com/scim/v2"),
//		scim.WithGroups(store),
//		entra.Compat(),
//	)
//	if err != nil {
//		return err
//	}
//	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))
//
// In Microsoft Entra ID the customer's admin then enters the tenant URL
// (the base URL, here https://app.example.com/scim/v2) and the secret token
// (one of the StaticTokens) under Provisioning → Admin Credentials.
//
// The handler parses and validates every request, applies PATCH itself on
// the typed resource, pushes filters, paging and sorting down to the store
// as a typed Query, and answers every failure with an RFC 7644 §3.12 error
// body. Off-spec client dialects are adapted by Normalizers (package entra).
package scim

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handler is the SCIM service provider: an http.Handler serving /Users,
// /Groups (with WithGroups), /ServiceProviderConfig, /ResourceTypes and
// /Schemas relative to wherever it is mounted. It is immutable after New
// and safe for concurrent use; a process may run many of them (one per
// endpoint or tenant).
type Handler struct {
	cfg         config
	users       UserStore
	patcher     UserPatcher      // users as UserPatcher, or nil
	userGroups  UserGroupsLoader // users as UserGroupsLoader, or nil
	groups      GroupStore
	verifier    TokenVerifier
	userSchema  *resourceSchema
	groupSchema *resourceSchema
	rules       *ruleCounters
	mode        patchMode
	changes     changeLog
}

// New returns a Handler serving users from store, authenticating every
// request with verifier. It fails on a nil store or verifier, a
// StaticTokens verifier without tokens, and invalid options.
func New(store UserStore, verifier TokenVerifier, opts ...Option) (*Handler, error) {
	if store == nil {
		return nil, errors.New("scim: New needs a UserStore")
	}
	if verifier == nil {
		return nil, errors.New("scim: New needs a TokenVerifier (there is no unauthenticated mode)")
	}
	if s, ok := verifier.(*staticTokens); ok {
		if err := s.validate(); err != nil {
			return nil, err
		}
	}
	h := &Handler{
		cfg:         defaultConfig(),
		users:       store,
		verifier:    verifier,
		userSchema:  newUserSchema(),
		groupSchema: newGroupSchema(),
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("scim: nil Option")
		}
		if err := o.apply(&h.cfg); err != nil {
			return nil, err
		}
	}
	h.patcher, _ = store.(UserPatcher)
	h.userGroups, _ = store.(UserGroupsLoader)
	h.groups = h.cfg.groups
	var rules []string
	for _, n := range h.cfg.normalizers {
		rules = append(rules, n.Rules...)
		if n.UpsertValuePath {
			h.mode.upsertValuePath, h.mode.upsertRule = true, n.UpsertRule
		}
		if n.SingleValuedFilter {
			h.mode.singleValuedFilter, h.mode.singleValuedRule = true, n.SingleValuedFilterRule
		}
	}
	h.rules = newRuleCounters(rules)
	return h, nil
}

// RuleCounts returns how often each normalizer rule changed a request
// since the handler was created, keyed by rule name. Every rule a
// normalizer declares is present, with zero until it fires.
func (h *Handler) RuleCounts() map[string]uint64 { return h.rules.snapshot() }

// endpoint is a routed request.
type endpoint struct {
	kind   string // "Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas"
	id     string // the segment after kind, if any
	prefix string // the mount prefix seen in the path, for relative locations
}

var endpointNames = []string{"Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas"}

// route finds the SCIM endpoint in a request path. The handler may be
// mounted with or without http.StripPrefix, so the endpoint is the first of
// the last two segments that names one (case-insensitively); repeated and
// trailing slashes are ignored.
func route(path string) (endpoint, bool) {
	segs := make([]string, 0, 8)
	for _, s := range strings.Split(path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	for i := max(0, len(segs)-2); i < len(segs); i++ {
		for _, name := range endpointNames {
			if strings.EqualFold(segs[i], name) {
				ep := endpoint{kind: name}
				if i+1 < len(segs) {
					ep.id = segs[i+1]
				}
				if i > 0 {
					ep.prefix = "/" + strings.Join(segs[:i], "/")
				}
				return ep, true
			}
		}
	}
	return endpoint{}, false
}

// strippedPrefix returns the part of the original request path that a
// wrapper such as http.StripPrefix removed before the handler saw it, so
// that relative locations include the mount point.
func strippedPrefix(r *http.Request) string {
	if r.RequestURI == "" || r.RequestURI == r.URL.Path {
		return ""
	}
	orig, err := url.ParseRequestURI(r.RequestURI)
	if err != nil || len(orig.Path) <= len(r.URL.Path) || !strings.HasSuffix(orig.Path, r.URL.Path) {
		return ""
	}
	return strings.TrimRight(orig.Path[:len(orig.Path)-len(r.URL.Path)], "/")
}

// request is the per-request state shared by the endpoint methods.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	ep    endpoint
	ev    Event
	nc    *NormalizeContext
	start time.Time
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, start: h.cfg.now()}
	rq.ev = Event{Method: r.Method, Path: r.URL.Path, Operation: OpUnknown}
	defer h.finish(rq)

	ep, ok := route(r.URL.Path)
	ep.prefix = strippedPrefix(r) + ep.prefix
	rq.ep = ep
	token, hasToken := bearerToken(r)
	if !hasToken {
		rq.ev.Operation = OpUnauthorized
		h.fail(rq, &Error{Status: http.StatusUnauthorized, Detail: "missing bearer token"})
		return
	}
	p, err := h.verifier.VerifyToken(r.Context(), token)
	if err != nil {
		if errors.Is(err, ErrInvalidToken) {
			rq.ev.Operation = OpUnauthorized
			h.fail(rq, &Error{Status: http.StatusUnauthorized, Detail: "invalid bearer token", Err: err})
		} else {
			h.fail(rq, err)
		}
		return
	}
	rq.ev.Principal, rq.ev.Authenticated = p, true
	ctx := WithPrincipal(r.Context(), p)
	if !ok {
		h.fail(rq, &Error{Status: http.StatusNotFound, Detail: "no SCIM endpoint at this path"})
		return
	}
	switch ep.kind {
	case "Users":
		rq.ev.ResourceType = "User"
		rq.nc = &NormalizeContext{ResourceType: "User", rs: h.userSchema, counters: h.rules}
		h.serveUsers(ctx, rq)
	case "Groups":
		if h.groups == nil {
			h.fail(rq, &Error{Status: http.StatusNotFound, Detail: "groups are not supported by this service provider"})
			return
		}
		rq.ev.ResourceType = "Group"
		rq.nc = &NormalizeContext{ResourceType: "Group", rs: h.groupSchema, counters: h.rules}
		h.serveGroups(ctx, rq)
	default:
		rq.ev.Operation = OpDiscovery
		h.serveDiscovery(rq)
	}
}

// finish reports the request to the event hook.
func (h *Handler) finish(rq *request) {
	if p := recover(); p != nil {
		// A panic in a store or hook must not take the connection down
		// without a SCIM answer; the cause goes to the log only.
		h.cfg.logger.Error("scim: panic while serving request", "panic", p, "method", rq.r.Method, "path", rq.r.URL.Path)
		if rq.ev.Status == 0 {
			h.fail(rq, errors.New("panic"))
		}
	}
	if h.cfg.eventHook == nil {
		return
	}
	rq.ev.Time = rq.start
	rq.ev.Duration = h.cfg.now().Sub(rq.start)
	if rq.nc != nil {
		rq.ev.Rules = rq.nc.fired
	}
	h.cfg.eventHook(rq.r.Context(), rq.ev)
}

// methodNotAllowed answers 405 with an Allow header.
func (h *Handler) methodNotAllowed(rq *request, allow ...string) {
	rq.w.Header().Set("Allow", strings.Join(allow, ", "))
	h.fail(rq, &Error{Status: http.StatusMethodNotAllowed, Detail: "method " + rq.r.Method + " is not allowed here"})
}
