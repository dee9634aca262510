package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/scimkit/scim"
)

// groupRec is one stored group. g has Members == nil; the members live in
// members, keyed by fold(value).
type groupRec struct {
	g       *scim.Group
	seq     uint64
	ver     uint64
	dead    bool
	nextMem uint64
	members map[string]memberEntry
}

func (r *groupRec) isDead() bool { return r.dead }

// memberEntry is one member of a group. info is nil for the common case
// of a member given by value only (value == key, type User).
type memberEntry struct {
	seq  uint64 // insertion order, for deterministic output
	info *scim.Member
}

// memberList returns the members of r in insertion order, with Type
// defaulting to "User".
func (r *groupRec) memberList() []scim.Member {
	type kv struct {
		key string
		e   memberEntry
	}
	all := make([]kv, 0, len(r.members))
	for k, e := range r.members {
		all = append(all, kv{k, e})
	}
	slices.SortFunc(all, func(a, b kv) int { return cmp.Compare(a.e.seq, b.e.seq) })
	out := make([]scim.Member, len(all))
	for i, x := range all {
		if x.e.info != nil {
			out[i] = *x.e.info
		} else {
			out[i] = scim.Member{Value: x.key}
		}
		if out[i].Type == "" {
			out[i].Type = "User"
		}
	}
	return out
}

// view returns a copy of r's group, with members when withMembers.
func (r *groupRec) view(withMembers bool) *scim.Group {
	c := r.g.Clone()
	if withMembers {
		c.Members = r.memberList()
	}
	return c
}

// CreateGroup stores a copy of g with a new random id and its members
// (duplicates collapse) and returns it as stored, members included
// (RFC 7644 §3.3). Member Type defaults to "User" ("Group" for the id of
// a group). Meta is handled as by CreateUser. Errors: scim.ErrConflict
// when another group of the tenant has the same displayName
// (case-insensitively); a *scim.Error 400 invalidValue for an empty
// displayName, an empty member value or, unless AllowUnknownMembers, a
// member value that is not the id of a user or group of the tenant.
func (s *Store) CreateGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	if g == nil || g.DisplayName == "" {
		return nil, invalidValue("displayName is required")
	}
	t := s.tenant(ctx, true)
	c := g.Clone()
	members := c.Members
	c.Members = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	key := fold(c.DisplayName)
	if _, taken := t.byDisplayName[key]; taken {
		return nil, fmt.Errorf("memstore: group displayName %q: %w", c.DisplayName, scim.ErrConflict)
	}
	if err := s.checkMembers(t, "", members); err != nil {
		return nil, err
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
	r := &groupRec{g: c, seq: t.seq, ver: 1, members: make(map[string]memberEntry, len(members))}
	c.Meta.Version = etag(r.ver)
	t.groups[c.ID] = r
	t.groupOrder.add(r)
	t.byDisplayName[key] = r
	for _, m := range members {
		t.addMember(r, m)
	}
	return r.view(true), nil
}

// GetGroup returns a copy of the group, with its members (in insertion
// order) only if withMembers; otherwise Members is nil. Error:
// scim.ErrNotFound.
func (s *Store) GetGroup(ctx context.Context, id string, withMembers bool) (*scim.Group, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("group", id)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	r := t.groups[id]
	if r == nil {
		return nil, notFound("group", id)
	}
	return r.view(withMembers), nil
}

// ReplaceGroup overwrites the group's attributes by those of g and, when
// g.Members is not nil, its member list (RFC 7644 §3.5.1). It returns the
// group as stored with the next Meta.Version, with members only when
// g.Members was not nil. Errors: scim.ErrNotFound,
// scim.ErrVersionMismatch (as for ReplaceUser), scim.ErrConflict and the
// *scim.Error values of CreateGroup; nothing is written when an error is
// returned.
func (s *Store) ReplaceGroup(ctx context.Context, g *scim.Group) (*scim.Group, error) {
	if g == nil {
		return nil, invalidValue("group is required")
	}
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("group", g.ID)
	}
	c := g.Clone()
	members := c.Members
	c.Members = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[g.ID]
	if r == nil {
		return nil, notFound("group", g.ID)
	}
	if g.Meta.Version != "" && !sameVersion(g.Meta.Version, r.g.Meta.Version) {
		return nil, fmt.Errorf("memstore: group %s is at %s, not %s: %w", g.ID, r.g.Meta.Version, g.Meta.Version, scim.ErrVersionMismatch)
	}
	var changes []scim.MemberChange
	if members != nil {
		changes = []scim.MemberChange{{Kind: scim.ReplaceMembers, Members: members}}
	}
	if err := s.writeGroup(t, r, c, changes, g.Meta.LastModified.IsZero()); err != nil {
		return nil, err
	}
	return r.view(members != nil), nil
}

// PatchGroup changes the group atomically under the tenant's write lock
// (scim.GroupStore): it calls p.Apply (if set) on a copy of the group
// without members (any Members it sets are ignored), then applies
// p.Members in order as deltas on the member set: adding a present member
// or removing an absent one is a no-op. Each delta costs time in
// proportion to the members it lists, not to the group's size. If Apply
// leaves Meta.LastModified unchanged it is set from the clock. It returns
// the group with the next Meta.Version and without members. Errors:
// scim.ErrNotFound, the error of p.Apply, scim.ErrConflict and the
// *scim.Error values of CreateGroup; nothing is written when an error is
// returned.
func (s *Store) PatchGroup(ctx context.Context, id string, p scim.GroupPatch) (*scim.Group, error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return nil, notFound("group", id)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[id]
	if r == nil {
		return nil, notFound("group", id)
	}
	c := r.g.Clone()
	if p.Apply != nil {
		if err := p.Apply(c); err != nil {
			return nil, err
		}
	}
	c.Members = nil
	touched := !c.Meta.LastModified.Equal(r.g.Meta.LastModified)
	if err := s.writeGroup(t, r, c, p.Members, !touched); err != nil {
		return nil, err
	}
	return r.view(false), nil
}

// writeGroup replaces r's attributes by c (owned by the store from now
// on, Members nil) and applies changes. The caller holds t.mu for
// writing. Everything is checked before anything is changed.
func (s *Store) writeGroup(t *tenant, r *groupRec, c *scim.Group, changes []scim.MemberChange, stampModified bool) error {
	if c.DisplayName == "" {
		return invalidValue("displayName is required")
	}
	old := r.g
	newKey, oldKey := fold(c.DisplayName), fold(old.DisplayName)
	if newKey != oldKey {
		if _, taken := t.byDisplayName[newKey]; taken {
			return fmt.Errorf("memstore: group displayName %q: %w", c.DisplayName, scim.ErrConflict)
		}
	}
	for _, ch := range changes {
		switch ch.Kind {
		case scim.AddMembers, scim.ReplaceMembers:
			if err := s.checkMembers(t, old.ID, ch.Members); err != nil {
				return err
			}
		case scim.RemoveMembers:
		default:
			return fmt.Errorf("memstore: unknown member change kind %d", ch.Kind)
		}
	}
	c.ID = old.ID
	if c.Meta.Created.IsZero() {
		c.Meta.Created = old.Meta.Created
	}
	if stampModified || c.Meta.LastModified.IsZero() {
		c.Meta.LastModified = s.now()
	}
	r.ver++
	c.Meta.Version = etag(r.ver)
	if newKey != oldKey {
		delete(t.byDisplayName, oldKey)
		t.byDisplayName[newKey] = r
	}
	r.g = c
	for _, ch := range changes {
		switch ch.Kind {
		case scim.AddMembers:
			for _, m := range ch.Members {
				t.addMember(r, m)
			}
		case scim.RemoveMembers:
			for _, m := range ch.Members {
				t.removeMember(r, fold(m.Value))
			}
		case scim.ReplaceMembers:
			for k := range r.members {
				t.removeMember(r, k)
			}
			for _, m := range ch.Members {
				t.addMember(r, m)
			}
		}
	}
	return nil
}

// checkMembers validates members to be added to the group with id self
// ("" for a new group). The caller holds t.mu.
func (s *Store) checkMembers(t *tenant, self string, members []scim.Member) error {
	for _, m := range members {
		switch {
		case m.Value == "":
			return invalidValue("member value is required")
		case self != "" && fold(m.Value) == self:
			return invalidValue("group %q cannot be a member of itself", m.Value)
		case s.allowUnknownMembers:
		case t.users[fold(m.Value)] == nil && t.groups[fold(m.Value)] == nil:
			return invalidValue("member %q is not the id of a user or group", m.Value)
		}
	}
	return nil
}

// addMember adds m to r unless present, maintaining the reverse index.
// The caller holds t.mu for writing and has checked m.
func (t *tenant) addMember(r *groupRec, m scim.Member) {
	key := fold(m.Value)
	if _, ok := r.members[key]; ok {
		return
	}
	if m.Type == "" && t.groups[key] != nil {
		m.Type = "Group"
	}
	r.nextMem++
	e := memberEntry{seq: r.nextMem}
	if m.Value != key || m.Display != "" || m.Ref != "" || (m.Type != "" && m.Type != "User") {
		e.info = &m
	}
	r.members[key] = e
	gs := t.memberOf[key]
	if gs == nil {
		gs = map[string]*groupRec{}
		t.memberOf[key] = gs
	}
	gs[r.g.ID] = r
}

// removeMember removes the member with the folded value key from r, if
// present. The caller holds t.mu for writing.
func (t *tenant) removeMember(r *groupRec, key string) {
	if _, ok := r.members[key]; !ok {
		return
	}
	delete(r.members, key)
	if gs := t.memberOf[key]; gs != nil {
		delete(gs, r.g.ID)
		if len(gs) == 0 {
			delete(t.memberOf, key)
		}
	}
}

// dropMember removes the deleted resource id from every group it belongs
// to, bumping each group's version. The caller holds t.mu for writing.
func (s *Store) dropMember(t *tenant, id string) {
	key := fold(id)
	gs := t.memberOf[key]
	if len(gs) == 0 {
		return
	}
	now := s.now()
	for _, r := range gs {
		delete(r.members, key)
		c := *r.g // Members is nil; Extensions is shared but never mutated in place
		r.ver++
		c.Meta.Version = etag(r.ver)
		c.Meta.LastModified = now
		r.g = &c
	}
	delete(t.memberOf, key)
}

// DeleteGroup removes the group (RFC 7644 §3.6), and removes it from the
// groups it is a member of. Error: scim.ErrNotFound.
func (s *Store) DeleteGroup(ctx context.Context, id string) error {
	t := s.tenant(ctx, false)
	if t == nil {
		return notFound("group", id)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.groups[id]
	if r == nil {
		return notFound("group", id)
	}
	for k := range r.members {
		t.removeMember(r, k)
	}
	delete(t.groups, id)
	delete(t.byDisplayName, fold(r.g.DisplayName))
	r.dead = true
	t.groupOrder.died()
	s.dropMember(t, id)
	return nil
}

// ListGroups returns the page of groups matching q (RFC 7644 §3.4.2), as
// copies with members only if q.WithMembers. Filters that are an eq on
// id or displayName, a members[value eq "…"] (or members.value eq "…")
// test, or an and/or of such filters as for ListUsers, are answered from
// the indexes. Member tests of that form are answered from the member
// set; a filter that tests members any other way (members pr, members
// [display co "x"]) loads the members of each group it is evaluated on.
// Other tests are evaluated with scim.MatchGroup on the group without
// members. The default order is creation order; q.SortBy sorts with
// scim.SortGroups.
func (s *Store) ListGroups(ctx context.Context, q scim.Query) (*scim.Page[*scim.Group], error) {
	t := s.tenant(ctx, false)
	if t == nil {
		return &scim.Page[*scim.Group]{Resources: []*scim.Group{}}, nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()

	var matched []*groupRec
	if cands, ok := t.groupCandidates(q.Filter); ok {
		slices.SortFunc(cands, func(a, b *groupRec) int { return cmp.Compare(a.seq, b.seq) })
		for _, r := range cands {
			if t.matchGroup(q.Filter, r) {
				matched = append(matched, r)
			}
		}
	} else {
		for _, r := range t.groupOrder.recs {
			if !r.dead && (q.Filter == nil || t.matchGroup(q.Filter, r)) {
				matched = append(matched, r)
			}
		}
	}
	if !q.SortBy.IsZero() && len(matched) > 1 {
		byGroup := make(map[*scim.Group]*groupRec, len(matched))
		gs := make([]*scim.Group, len(matched))
		for i, r := range matched {
			gs[i] = r.g
			byGroup[r.g] = r
		}
		if refersTo(&scim.Compare{Path: q.SortBy}, "members") {
			for i, r := range matched { // sorting by members needs them
				gs[i] = r.view(true)
				byGroup[gs[i]] = r
			}
		}
		scim.SortGroups(gs, q.SortBy, q.SortOrder)
		for i, g := range gs {
			matched[i] = byGroup[g]
		}
	}
	lo, hi := window(len(matched), q.StartIndex, q.Count)
	out := make([]*scim.Group, 0, hi-lo)
	for _, r := range matched[lo:hi] {
		out = append(out, r.view(q.WithMembers))
	}
	return &scim.Page[*scim.Group]{TotalResults: len(matched), Resources: out}, nil
}

// groupCandidates is userCandidates for groups.
func (t *tenant) groupCandidates(f scim.Filter) ([]*groupRec, bool) {
	if v, ok := memberEq(f); ok {
		var out []*groupRec
		for _, r := range t.memberOf[fold(v)] {
			out = append(out, r)
		}
		return out, true
	}
	switch f := f.(type) {
	case *scim.Compare:
		v, ok := indexableEq(f)
		if !ok {
			return nil, false
		}
		switch {
		case strings.EqualFold(f.Path.Name, "id") && f.CaseExact:
			if r := t.groups[v]; r != nil {
				return []*groupRec{r}, true
			}
			return nil, true
		case strings.EqualFold(f.Path.Name, "displayName"):
			if r := t.byDisplayName[fold(v)]; r != nil {
				return []*groupRec{r}, true
			}
			return nil, true
		}
	case *scim.And:
		l, lok := t.groupCandidates(f.Left)
		r, rok := t.groupCandidates(f.Right)
		switch {
		case lok && rok && len(r) < len(l):
			return r, true
		case lok:
			return l, true
		}
		return r, rok
	case *scim.Or:
		l, ok := t.groupCandidates(f.Left)
		if !ok {
			return nil, false
		}
		r, ok := t.groupCandidates(f.Right)
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

// memberEq recognizes the member tests members[value eq "v"],
// members.value eq "v" and members eq "v", and returns v.
func memberEq(f scim.Filter) (string, bool) {
	if vp, ok := f.(*scim.ValuePath); ok {
		if vp.Attr.URN != "" || !strings.EqualFold(vp.Attr.Name, "members") || vp.Attr.Sub != "" {
			return "", false
		}
		f = vp.Filter
	}
	c, ok := f.(*scim.Compare)
	if !ok || c.Op != scim.OpEq || c.Path.URN != "" || !strings.EqualFold(c.Path.Name, "members") ||
		(c.Path.Sub != "" && !strings.EqualFold(c.Path.Sub, "value")) {
		return "", false
	}
	v, ok := c.Value.(string)
	return v, ok
}

// matchGroup evaluates f on r. Member tests recognized by memberEq are
// answered from the member set (case-insensitively, or exactly when the
// comparison is case-exact); other member tests get the loaded member
// list, built at most once. The caller holds t.mu.
func (t *tenant) matchGroup(f scim.Filter, r *groupRec) bool {
	var full *scim.Group
	return t.matchGroupLazy(f, r, &full)
}

func (t *tenant) matchGroupLazy(f scim.Filter, r *groupRec, full **scim.Group) bool {
	switch f := f.(type) {
	case *scim.And:
		return t.matchGroupLazy(f.Left, r, full) && t.matchGroupLazy(f.Right, r, full)
	case *scim.Or:
		return t.matchGroupLazy(f.Left, r, full) || t.matchGroupLazy(f.Right, r, full)
	case *scim.Not:
		return !t.matchGroupLazy(f.X, r, full)
	}
	if !refersTo(f, "members") {
		return scim.MatchGroup(f, r.g)
	}
	if v, ok := memberEq(f); ok {
		e, in := r.members[fold(v)]
		if !in {
			return false
		}
		if exact := memberCaseExact(f); exact && e.info != nil {
			return e.info.Value == v
		} else if exact {
			return fold(v) == v
		}
		return true
	}
	if *full == nil {
		*full = r.view(true)
	}
	return scim.MatchGroup(f, *full)
}

func memberCaseExact(f scim.Filter) bool {
	if vp, ok := f.(*scim.ValuePath); ok {
		f = vp.Filter
	}
	c, ok := f.(*scim.Compare)
	return ok && c.CaseExact
}

// groupRefs returns the groups attribute of the user with the given id:
// its direct groups in creation order. The caller holds t.mu.
func (t *tenant) groupRefs(id string) []scim.GroupRef {
	gs := t.memberOf[fold(id)]
	if len(gs) == 0 {
		return nil
	}
	rs := make([]*groupRec, 0, len(gs))
	for _, r := range gs {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *groupRec) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]scim.GroupRef, len(rs))
	for i, r := range rs {
		out[i] = scim.GroupRef{Value: r.g.ID, Display: r.g.DisplayName, Type: "direct"}
	}
	return out
}

// LoadUserGroups sets the read-only groups attribute of each user
// (scim.UserGroupsLoader) to its direct groups, in group creation order,
// with value, display and type "direct". Users unknown to the store get
// no groups; nested memberships are not expanded.
func (s *Store) LoadUserGroups(ctx context.Context, users []*scim.User) error {
	t := s.tenant(ctx, false)
	if t == nil {
		for _, u := range users {
			if u != nil {
				u.Groups = nil
			}
		}
		return nil
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, u := range users {
		if u != nil {
			u.Groups = t.groupRefs(u.ID)
		}
	}
	return nil
}
