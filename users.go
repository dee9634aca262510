package scim

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// maxWriteAttempts bounds the get-apply-replace retries of a PATCH or PUT
// that lost a race with another writer.
const maxWriteAttempts = 16

func (h *Handler) serveUsers(ctx context.Context, rq *request) {
	h.serveCollection(ctx, rq, collection{
		list: h.listUsers, create: h.createUser, get: h.getUser,
		replace: h.replaceUser, patch: h.patchUser, del: h.deleteUser,
	})
}

// collection is the endpoint methods of one resource type.
type collection struct {
	list                             func(ctx context.Context, rq *request, search map[string]any)
	create, get, replace, patch, del func(ctx context.Context, rq *request)
}

// serveCollection routes a request under /Users or /Groups by method and
// by the segment after the resource type (none, ".search" or an id).
func (h *Handler) serveCollection(ctx context.Context, rq *request, c collection) {
	m := rq.r.Method
	switch {
	case rq.ep.id == "":
		switch m {
		case http.MethodGet, http.MethodHead:
			c.list(ctx, rq, nil)
		case http.MethodPost:
			c.create(ctx, rq)
		default:
			h.methodNotAllowed(rq, "GET", "POST")
		}
	case rq.ep.id == ".search":
		if m != http.MethodPost {
			h.methodNotAllowed(rq, "POST")
			return
		}
		doc, err := h.readBody(rq)
		if err != nil {
			h.fail(rq, err)
			return
		}
		c.list(ctx, rq, doc)
	default:
		rq.ev.ResourceID = rq.ep.id
		switch m {
		case http.MethodGet, http.MethodHead:
			c.get(ctx, rq)
		case http.MethodPut:
			c.replace(ctx, rq)
		case http.MethodPatch:
			c.patch(ctx, rq)
		case http.MethodDelete:
			c.del(ctx, rq)
		default:
			h.methodNotAllowed(rq, "GET", "PUT", "PATCH", "DELETE")
		}
	}
}

// decodeUserBody reads, normalizes and decodes a POST or PUT body.
func (h *Handler) decodeUserBody(rq *request) (*User, map[string]any, error) {
	doc, err := h.readBody(rq)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range h.cfg.normalizers {
		if n.Resource != nil {
			n.Resource(rq.nc, doc)
		}
	}
	u, err := decodeUser(h.userSchema, doc, h.cfg.unknownExtensions)
	if err != nil {
		return nil, nil, err
	}
	if strings.TrimSpace(u.UserName) == "" {
		return nil, nil, badRequest(ScimTypeInvalidValue, "userName is required")
	}
	return u, doc, nil
}

func (h *Handler) createUser(ctx context.Context, rq *request) {
	rq.ev.Operation = OpCreate
	u, _, err := h.decodeUserBody(rq)
	if err != nil {
		h.fail(rq, err)
		return
	}
	u.ID = ""
	if u.Active == nil {
		t := true
		u.Active = &t
	}
	now := h.cfg.now().UTC()
	u.Meta = Meta{Created: now, LastModified: now}
	if err := h.allow(ctx, rq, Write{Kind: UserCreated, ResourceType: "User", After: u}); err != nil {
		h.fail(rq, err)
		return
	}
	created, err := h.users.CreateUser(ctx, u)
	if err != nil {
		h.fail(rq, err)
		return
	}
	rq.ev.ResourceID = created.ID
	h.emitUser(ctx, rq, UserCreated, created.ID, created)
	h.writeUser(ctx, rq, http.StatusCreated, created)
}

func (h *Handler) getUser(ctx context.Context, rq *request) {
	rq.ev.Operation = OpGet
	proj := h.projection(rq, h.userSchema)
	u, err := h.users.GetUser(ctx, rq.ep.id)
	if err != nil {
		h.fail(rq, err)
		return
	}
	if inm := rq.r.Header.Get("If-None-Match"); inm != "" && u.Meta.Version != "" && etagMatch(inm, u.Meta.Version) {
		rq.w.Header().Set("ETag", u.Meta.Version)
		h.write(rq, http.StatusNotModified, nil)
		return
	}
	h.respondUser(ctx, rq, http.StatusOK, u, proj)
}

// replaceUser implements PUT (RFC 7644 §3.5.1): the body replaces every
// writable attribute; id, meta and groups are the server's; a missing
// active keeps the current state (Okta sends full objects, Entra's
// mappings can leave active out).
func (h *Handler) replaceUser(ctx context.Context, rq *request) {
	rq.ev.Operation = OpReplace
	proj := h.projection(rq, h.userSchema)
	next, _, err := h.decodeUserBody(rq)
	if err != nil {
		h.fail(rq, err)
		return
	}
	ifMatch := rq.r.Header.Get("If-Match")
	for attempt := 0; ; attempt++ {
		cur, err := h.users.GetUser(ctx, rq.ep.id)
		if err != nil {
			h.fail(rq, err)
			return
		}
		if err := checkIfMatch(ifMatch, cur.Meta.Version); err != nil {
			h.fail(rq, err)
			return
		}
		u := next.Clone()
		u.ID = cur.ID
		u.Groups = nil
		if u.Active == nil {
			u.Active = cur.Active
		}
		u.Meta = Meta{Created: cur.Meta.Created, LastModified: h.cfg.now().UTC(), Version: cur.Meta.Version}
		rq.ev.Operation = classify(OpReplace, cur, u)
		if err := h.allow(ctx, rq, Write{Kind: userChange(rq.ev.Operation), ResourceType: "User", ResourceID: cur.ID, Before: cur, After: u}); err != nil {
			h.fail(rq, err)
			return
		}
		saved, err := h.users.ReplaceUser(ctx, u)
		if errors.Is(err, ErrVersionMismatch) && ifMatch == "" && attempt < maxWriteAttempts {
			continue
		}
		if err != nil {
			h.fail(rq, err)
			return
		}
		h.emitUser(ctx, rq, userChange(rq.ev.Operation), saved.ID, saved)
		h.respondUser(ctx, rq, http.StatusOK, saved, proj)
		return
	}
}

// patchUser implements PATCH (RFC 7644 §3.5.2) with the library applying
// the operations: atomically in the store when it is a UserPatcher, else by
// get, apply, and a version-checked replace, retried when another writer
// got there first, so concurrent PATCHes never lose an update.
func (h *Handler) patchUser(ctx context.Context, rq *request) {
	rq.ev.Operation = OpUpdate
	proj := h.projection(rq, h.userSchema)
	ops, err := h.readPatch(rq)
	if err != nil {
		h.fail(rq, err)
		return
	}
	ifMatch := rq.r.Header.Get("If-Match")
	apply := func(cur *User) (*User, error) {
		if err := checkIfMatch(ifMatch, cur.Meta.Version); err != nil {
			return nil, err
		}
		next, err := applyUserPatch(h.userSchema, cur, ops, h.mode, rq.nc, h.cfg.unknownExtensions)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(next.UserName) == "" {
			return nil, badRequest(ScimTypeMutability, "userName is required and cannot be removed")
		}
		next.ID, next.Groups = cur.ID, nil
		next.Meta = Meta{Created: cur.Meta.Created, LastModified: h.cfg.now().UTC(), Version: cur.Meta.Version}
		rq.ev.Operation = classify(OpUpdate, cur, next)
		return next, nil
	}
	var saved *User
	if h.cfg.policy != nil && h.patcher != nil {
		// The store applies the patch under its own lock, where the policy
		// must not run (it may query the store): decide on a dry run.
		cur, err := h.users.GetUser(ctx, rq.ep.id)
		if err != nil {
			h.fail(rq, err)
			return
		}
		next, err := apply(cur)
		if err != nil {
			h.fail(rq, err)
			return
		}
		if err := h.allow(ctx, rq, Write{Kind: userChange(rq.ev.Operation), ResourceType: "User", ResourceID: cur.ID, Before: cur, After: next}); err != nil {
			h.fail(rq, err)
			return
		}
	}
	if h.patcher != nil {
		saved, err = h.patcher.PatchUser(ctx, rq.ep.id, func(u *User) error {
			next, err := apply(u)
			if err != nil {
				return err
			}
			*u = *next
			return nil
		})
	} else {
		for attempt := 0; ; attempt++ {
			var cur, next *User
			if cur, err = h.users.GetUser(ctx, rq.ep.id); err != nil {
				break
			}
			if next, err = apply(cur); err != nil {
				break
			}
			if err = h.allow(ctx, rq, Write{Kind: userChange(rq.ev.Operation), ResourceType: "User", ResourceID: cur.ID, Before: cur, After: next}); err != nil {
				break
			}
			saved, err = h.users.ReplaceUser(ctx, next)
			if !errors.Is(err, ErrVersionMismatch) || ifMatch != "" || attempt >= maxWriteAttempts {
				break
			}
		}
	}
	if err != nil {
		h.fail(rq, err)
		return
	}
	h.emitUser(ctx, rq, userChange(rq.ev.Operation), saved.ID, saved)
	if h.cfg.patchNoContent && proj.empty() {
		if saved.Meta.Version != "" {
			rq.w.Header().Set("ETag", saved.Meta.Version)
		}
		h.write(rq, http.StatusNoContent, nil)
		return
	}
	h.respondUser(ctx, rq, http.StatusOK, saved, proj)
}

func (h *Handler) deleteUser(ctx context.Context, rq *request) {
	rq.ev.Operation = OpDelete
	if h.cfg.policy != nil {
		cur, err := h.users.GetUser(ctx, rq.ep.id)
		if err != nil {
			h.fail(rq, err)
			return
		}
		if err := h.allow(ctx, rq, Write{Kind: UserDeleted, ResourceType: "User", ResourceID: cur.ID, Before: cur}); err != nil {
			h.fail(rq, err)
			return
		}
	}
	if err := h.users.DeleteUser(ctx, rq.ep.id); err != nil {
		h.fail(rq, err)
		return
	}
	h.emitUser(ctx, rq, UserDeleted, rq.ep.id, nil)
	h.write(rq, http.StatusNoContent, nil)
}

// classify names a write by what it did to active.
func classify(def Operation, before, after *User) Operation {
	switch {
	case before.IsActive() && !after.IsActive():
		return OpDeactivate
	case !before.IsActive() && after.IsActive():
		return OpReactivate
	}
	return def
}

// writeUser answers with u and the Location header (for 201).
func (h *Handler) writeUser(ctx context.Context, rq *request, status int, u *User) {
	proj := h.projection(rq, h.userSchema)
	rq.w.Header().Set("Location", h.location(rq, "Users", u.ID))
	h.respondUser(ctx, rq, status, u, proj)
}

// respondUser sends one user with meta completed, ETag and projection.
func (h *Handler) respondUser(ctx context.Context, rq *request, status int, u *User, proj projection) {
	h.completeUsers(ctx, rq, []*User{u}, proj)
	body, err := h.encodeUser(u, proj)
	if err != nil {
		h.fail(rq, err)
		return
	}
	if u.Meta.Version != "" {
		rq.w.Header().Set("ETag", u.Meta.Version)
	}
	h.write(rq, status, body)
}

// completeUsers fills the server-side parts of users about to be returned:
// meta.resourceType and meta.location, and the groups attribute when the
// store can provide it and the client did not exclude it.
func (h *Handler) completeUsers(ctx context.Context, rq *request, users []*User, proj projection) {
	for _, u := range users {
		u.Meta.ResourceType = "User"
		u.Meta.Location = h.location(rq, "Users", u.ID)
	}
	if h.userGroups != nil && h.groups != nil && proj.includes("groups") && len(users) > 0 {
		if err := h.userGroups.LoadUserGroups(ctx, users); err != nil {
			h.cfg.logger.WarnContext(ctx, "scim: loading user groups failed", "error", err)
		}
		for _, u := range users {
			for i := range u.Groups {
				if u.Groups[i].Ref == "" {
					u.Groups[i].Ref = h.location(rq, "Groups", u.Groups[i].Value)
				}
			}
		}
	}
}

func (h *Handler) encodeUser(u *User, proj projection) ([]byte, error) {
	return h.appendUserJSON(make([]byte, 0, 1024), u, proj)
}

// appendUserJSON appends u, projected, to b.
func (h *Handler) appendUserJSON(b []byte, u *User, proj projection) ([]byte, error) {
	if proj.empty() {
		return appendUser(b, u), nil
	}
	body, err := proj.apply(u)
	return append(b, body...), err
}

// checkIfMatch answers 412 when the client sent If-Match and it does not
// match the current version (RFC 7644 §3.14). No If-Match, no check:
// identity providers never send one.
func checkIfMatch(ifMatch, version string) error {
	if ifMatch != "" && !etagMatch(ifMatch, version) {
		return &Error{Status: http.StatusPreconditionFailed, Detail: "resource version does not match If-Match"}
	}
	return nil
}

// etagMatch reports whether an If-Match / If-None-Match header value
// matches version ("*" matches anything; weak comparison, RFC 7232 §2.3.2).
func etagMatch(header, version string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == strings.TrimPrefix(version, "W/") {
			return true
		}
	}
	return false
}
