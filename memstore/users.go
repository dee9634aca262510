package memstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// userRec is one stored user. u is owned by the store and never handed
// out; u.Meta.Version is always etag(ver). The extensions of u are kept in
// ext, sorted by URN, and u.Extensions is nil: a slice costs a fraction of
// a map, which would be a third of a typical user's memory.
type userRec struct {
	u    *scim.User
	ext  []extension
	seq  uint64
	ver  uint64
	dead bool
}

type extension struct {
	urn string
	raw json.RawMessage
}

func (r *userRec) isDead() bool { return r.dead }

// set makes c (owned by the store from now on) r's user.
func (r *userRec) set(c *scim.User) {
	r.ext = r.ext[:0]
	if len(c.Extensions) == 0 {
		r.ext = nil
	}
	for urn, raw := range c.Extensions {
		r.ext = append(r.ext, extension{urn, raw})
	}
	slices.SortFunc(r.ext, func(a, b extension) int { return strings.Compare(a.urn, b.urn) })
	c.Extensions = nil
	r.u = c
}

func (r *userRec) extMap() map[string]json.RawMessage {
	if len(r.ext) == 0 {
		return nil
	}
	m := make(map[string]json.RawMessage, len(r.ext))
	for _, e := range r.ext {
		m[e.urn] = slices.Clone(e.raw)
	}
	return m
}

// view returns a copy of r's user for a caller.
func (r *userRec) view() *scim.User {
	c := r.u.Clone()
	c.Extensions = r.extMap()
	return c
}

// peek returns r's user for read-only evaluation of f: the stored user
// itself, or a shallow copy with Extensions when f needs them.
func (r *userRec) peek(needExt bool) *scim.User {
	if !needExt || len(r.ext) == 0 {
		return r.u
	}
	v := *r.u
	v.Extensions = r.extMap()
	return &v
}

// CreateUser stores a copy of u with a new random id and returns it as
// stored (RFC 7644 §3.3). Meta.Created and Meta.LastModified are kept as
// given, or set from the clock if zero; Meta.Version starts at W/"1". The
// read-only groups attribute is not stored (see LoadUserGroups). Errors:
// scim.ErrConflict when another user of the tenant has the same userName
// (case-insensitively, inactive users included), a *scim.Error 400
// invalidValue for an empty userName.
func (s *Store) CreateUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	if u == nil || u.UserName == "" {
		return nil, invalidValue("userName is required")
	}
	t := s.tenant(ctx, true)
	c := u.Clone()
	c.Groups = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	key := fold(c.UserName)
	if _, taken := t.byUserName[key]; taken {
		return nil, fmt.Errorf("memstore: userName %q: %w", c.UserName, scim.ErrConflict)
	}
	c.ID = newID(func(id string) bool { return t.users[id] != nil || t.groups[id] != nil })
	now := s.now()
	if c.Meta.Created.IsZero() {
		c.Meta.Created = now
	}
	if c.Meta.LastModified.IsZero() {
		c.Meta.LastModified = c.Meta.Created
	}
	t.seq++
	r := &userRec{seq: t.seq, ver: 1}
	c.Meta.Version = etag(r.ver)
	r.set(c)
	t.users[c.ID] = r
	t.userOrder.add(r)
	if c.IsActive() {
		t.activeUsers++
	}
	t.byUserName[key] = r
	if c.ExternalID != "" {
		k := fold(c.ExternalID)
		t.byExtID[k] = append(t.byExtID[k], r)
	}
	return r.view(), nil
}

// GetUser returns a copy of the user (RFC 7644 §3.4.1), or
// scim.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (*scim.User, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("user", id)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.users[id]
	if r == nil {
		return nil, notFound("user", id)
	}
	return r.view(), nil
}

// ReplaceUser overwrites the user with u.ID by a copy of u (RFC 7644
// §3.5.1) and returns it as stored with the next Meta.Version. A zero
// Meta.Created keeps the stored one; a zero Meta.LastModified is set from
// the clock. Errors: scim.ErrNotFound; scim.ErrVersionMismatch when
// u.Meta.Version is set and is not the stored version (W/"3" and "3" are
// the same version); scim.ErrConflict for a userName taken by another
// user; a *scim.Error 400 invalidValue for an empty userName. Nothing is
// written when an error is returned.
func (s *Store) ReplaceUser(ctx context.Context, u *scim.User) (*scim.User, error) {
	if u == nil {
		return nil, invalidValue("user is required")
	}
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("user", u.ID)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[u.ID]
	if r == nil {
		return nil, notFound("user", u.ID)
	}
	if u.Meta.Version != "" && !sameVersion(u.Meta.Version, r.u.Meta.Version) {
		return nil, fmt.Errorf("memstore: user %s is at %s, not %s: %w", u.ID, r.u.Meta.Version, u.Meta.Version, scim.ErrVersionMismatch)
	}
	if err := s.writeUser(t, r, u.Clone(), u.Meta.LastModified.IsZero()); err != nil {
		return nil, err
	}
	return r.view(), nil
}

// PatchUser applies a change to the user atomically (scim.UserPatcher):
// under the tenant's write lock it calls apply once with a copy of the
// stored user and stores the result if apply returns nil and the new
// userName is free. The id cannot be changed by apply. If apply leaves
// Meta.LastModified unchanged it is set from the clock. The stored user
// is returned with the next Meta.Version. Errors: scim.ErrNotFound, the
// error of apply, scim.ErrConflict, a *scim.Error 400 invalidValue for an
// empty userName; nothing is written when an error is returned.
func (s *Store) PatchUser(ctx context.Context, id string, apply func(*scim.User) error) (*scim.User, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("user", id)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[id]
	if r == nil {
		return nil, notFound("user", id)
	}
	c := r.view()
	if err := apply(c); err != nil {
		return nil, err
	}
	c.ID = id
	touched := !c.Meta.LastModified.Equal(r.u.Meta.LastModified)
	if err := s.writeUser(t, r, c, !touched); err != nil {
		return nil, err
	}
	return r.view(), nil
}

// writeUser replaces r's user by c (owned by the store from now on),
// maintaining the indexes. The caller holds t.mu for writing. Nothing is
// changed when it returns an error.
func (s *Store) writeUser(t *tenant, r *userRec, c *scim.User, stampModified bool) error {
	if c.UserName == "" {
		return invalidValue("userName is required")
	}
	old := r.u
	newKey, oldKey := fold(c.UserName), fold(old.UserName)
	if newKey != oldKey {
		if _, taken := t.byUserName[newKey]; taken {
			return fmt.Errorf("memstore: userName %q: %w", c.UserName, scim.ErrConflict)
		}
	}
	c.ID = old.ID
	c.Groups = nil
	if c.Meta.Created.IsZero() {
		c.Meta.Created = old.Meta.Created
	}
	if stampModified || c.Meta.LastModified.IsZero() {
		c.Meta.LastModified = s.now()
	}
	r.ver++
	c.Meta.Version = etag(r.ver)
	if newKey != oldKey {
		delete(t.byUserName, oldKey)
		t.byUserName[newKey] = r
	}
	if oldExt, newExt := fold(old.ExternalID), fold(c.ExternalID); old.ExternalID == "" || c.ExternalID == "" || oldExt != newExt {
		if old.ExternalID != "" {
			t.removeExtID(oldExt, r)
		}
		if c.ExternalID != "" {
			t.byExtID[newExt] = append(t.byExtID[newExt], r)
		}
	}
	t.activeUsers += activeDelta(old, c)
	r.set(c)
	return nil
}

// activeDelta is the change in the number of active users when before is
// replaced by after.
func activeDelta(before, after *scim.User) int {
	switch {
	case before.IsActive() && !after.IsActive():
		return -1
	case !before.IsActive() && after.IsActive():
		return 1
	}
	return 0
}

func (t *tenant) removeExtID(key string, r *userRec) {
	rs := slices.DeleteFunc(t.byExtID[key], func(x *userRec) bool { return x == r })
	if len(rs) == 0 {
		delete(t.byExtID, key)
	} else {
		t.byExtID[key] = rs
	}
}

// DeleteUser removes the user for good (RFC 7644 §3.6) and removes it
// from every group of the tenant (bumping those groups' versions). Its
// userName is free again and its id is never found again. Error:
// scim.ErrNotFound.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	t := s.tenant(ctx, false)
	if t == nil {
		return notFound("user", id)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.users[id]
	if r == nil {
		return notFound("user", id)
	}
	delete(t.users, id)
	delete(t.byUserName, fold(r.u.UserName))
	if r.u.ExternalID != "" {
		t.removeExtID(fold(r.u.ExternalID), r)
	}
	if r.u.IsActive() {
		t.activeUsers--
	}
	r.dead = true
	t.userOrder.died()
	s.dropMember(t, id)
	return nil
}

// ListUsers returns the page of users matching q (RFC 7644 §3.4.2), as
// copies without the groups attribute. Filters that are an eq on
// userName, externalId or id, or an and/or of filters of which one (and,
// for or, both) is such an eq, are answered from the indexes; other
// filters are evaluated with scim.MatchUser over every user of the tenant
// (with the groups attribute filled in when the filter refers to it).
// The default order is creation order; q.SortBy sorts with
// scim.SortUsers.
func (s *Store) ListUsers(ctx context.Context, q scim.Query) (*scim.Page[*scim.User], error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return &scim.Page[*scim.User]{Resources: []*scim.User{}}, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()

	if want, ok := activeEq(q.Filter); ok && q.Count == 0 {
		n := t.activeUsers
		if !want {
			n = len(t.users) - t.activeUsers
		}
		return &scim.Page[*scim.User]{TotalResults: n, Resources: []*scim.User{}}, nil
	}
	var matched []*userRec
	switch cands, indexed := t.userCandidates(q.Filter); {
	case q.Filter == nil:
		all := t.userOrder.all()
		if q.SortBy.IsZero() { // page straight from the ordered list
			lo, hi := window(len(all), q.StartIndex, q.Count)
			out := make([]*scim.User, 0, hi-lo)
			for _, r := range all[lo:hi] {
				out = append(out, r.view())
			}
			return &scim.Page[*scim.User]{TotalResults: len(all), Resources: out}, nil
		}
		matched = slices.Clone(all)
	case indexed:
		slices.SortFunc(cands, func(a, b *userRec) int { return cmp.Compare(a.seq, b.seq) })
		for _, r := range cands {
			if t.matchUser(q.Filter, r) {
				matched = append(matched, r)
			}
		}
	default:
		for _, r := range t.userOrder.recs {
			if !r.dead && t.matchUser(q.Filter, r) {
				matched = append(matched, r)
			}
		}
	}
	if !q.SortBy.IsZero() && len(matched) > 1 {
		needExt := needsExtensions(&scim.Compare{Path: q.SortBy})
		byUser := make(map[*scim.User]*userRec, len(matched))
		us := make([]*scim.User, len(matched))
		for i, r := range matched {
			us[i] = r.peek(needExt)
			byUser[us[i]] = r
		}
		scim.SortUsers(us, q.SortBy, q.SortOrder)
		for i, u := range us {
			matched[i] = byUser[u]
		}
	}
	lo, hi := window(len(matched), q.StartIndex, q.Count)
	out := make([]*scim.User, 0, hi-lo)
	for _, r := range matched[lo:hi] {
		out = append(out, r.view())
	}
	return &scim.Page[*scim.User]{TotalResults: len(matched), Resources: out}, nil
}

// activeEq recognises the filter "active eq true|false", whose count the
// tenant keeps.
func activeEq(f scim.Filter) (want, ok bool) {
	c, isCmp := f.(*scim.Compare)
	if !isCmp || c.Op != scim.OpEq || c.Path != (scim.AttrPath{Name: "active"}) {
		return false, false
	}
	want, ok = c.Value.(bool)
	return want, ok
}

// matchUser evaluates f on r's user, filling the groups attribute first
// when f refers to it. The caller holds t.mu.
func (t *tenant) matchUser(f scim.Filter, r *userRec) bool {
	u := r.peek(needsExtensions(f))
	if refersTo(f, "groups") {
		v := *u
		v.Groups = t.groupRefs(u.ID)
		u = &v
	}
	return scim.MatchUser(f, u)
}

// userCandidates returns a superset of the users f can match, taken from
// the indexes, and true; or false when f needs a scan. The indexes are
// keyed by case folding, so they give a superset whether the comparison
// is case-exact or not; candidates are then checked with the full filter.
func (t *tenant) userCandidates(f scim.Filter) ([]*userRec, bool) {
	switch f := f.(type) {
	case *scim.Compare:
		v, ok := indexableEq(f)
		if !ok {
			return nil, false
		}
		switch {
		case strings.EqualFold(f.Path.Name, "id") && f.CaseExact:
			if r := t.users[v]; r != nil {
				return []*userRec{r}, true
			}
			return nil, true
		case strings.EqualFold(f.Path.Name, "userName"):
			if r := t.byUserName[fold(v)]; r != nil {
				return []*userRec{r}, true
			}
			return nil, true
		case strings.EqualFold(f.Path.Name, "externalId"):
			return slices.Clone(t.byExtID[fold(v)]), true
		}
	case *scim.And:
		if c, ok := t.userCandidates(f.Left); ok {
			return c, true
		}
		return t.userCandidates(f.Right)
	case *scim.Or:
		l, ok := t.userCandidates(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := t.userCandidates(f.Right)
		if !ok {
			return nil, false
		}
		for _, x := range r {
			if !slices.Contains(l, x) {
				l = append(l, x)
			}
		}
		return l, true
	}
	return nil, false
}

// indexableEq returns the string value of a core, single-valued
// "attr eq value" comparison.
func indexableEq(c *scim.Compare) (string, bool) {
	if c.Op != scim.OpEq || c.Path.URN != "" || c.Path.Sub != "" || c.MultiValued {
		return "", false
	}
	v, ok := c.Value.(string)
	return v, ok
}

// needsExtensions reports whether f compares an attribute of an
// extension other than the enterprise one (which User models as a field).
func needsExtensions(f scim.Filter) bool {
	switch f := f.(type) {
	case *scim.Compare:
		return f.Path.URN != "" && !strings.EqualFold(f.Path.URN, scim.EnterpriseUserSchema)
	case *scim.ValuePath:
		return f.Attr.URN != "" && !strings.EqualFold(f.Attr.URN, scim.EnterpriseUserSchema)
	case *scim.And:
		return needsExtensions(f.Left) || needsExtensions(f.Right)
	case *scim.Or:
		return needsExtensions(f.Left) || needsExtensions(f.Right)
	case *scim.Not:
		return needsExtensions(f.X)
	}
	return false
}

// refersTo reports whether f compares the core attribute name.
func refersTo(f scim.Filter, name string) bool {
	switch f := f.(type) {
	case *scim.Compare:
		return f.Path.URN == "" && strings.EqualFold(f.Path.Name, name)
	case *scim.ValuePath:
		return f.Attr.URN == "" && strings.EqualFold(f.Attr.Name, name)
	case *scim.And:
		return refersTo(f.Left, name) || refersTo(f.Right, name)
	case *scim.Or:
		return refersTo(f.Left, name) || refersTo(f.Right, name)
	case *scim.Not:
		return refersTo(f.X, name)
	}
	return false
}

func notFound(kind, id string) error {
	return fmt.Errorf("memstore: %s %q: %w", kind, id, scim.ErrNotFound)
}
