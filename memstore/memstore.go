// Package memstore is an in-memory implementation of scim.UserStore,
// scim.UserPatcher, scim.GroupStore and scim.UserGroupsLoader.
//
// It is meant for tests, demos and small deployments that can afford to
// lose their data on restart. It is safe for concurrent use: every tenant
// (scim.PrincipalFromContext(ctx).Tenant; a context without a principal is
// tenant "") has its own data and its own sync.RWMutex, so one tenant's
// resources are invisible to every other and tenants never contend.
//
// Users are stored as *scim.User values (deep copies; callers own what
// they pass in and what they get back). The store keeps indexes on
// userName, externalId and the group displayName, so the match queries
// identity providers send (userName eq "…", externalId eq "…",
// displayName eq "…", id eq "…", members[value eq "…"]) are answered
// without scanning. Other filters are evaluated with scim.MatchUser and
// scim.MatchGroup over all resources of the tenant.
//
// Case-insensitive attributes (userName, externalId, group displayName,
// member values) are indexed by their Unicode simple case folding, the
// equivalence strings.EqualFold uses. userName and group displayName are
// unique per tenant under that comparison, inactive users included.
//
// Group members are kept as a set, so adding or removing a member costs
// the same whatever the size of the group, and a reverse index from member
// id to groups maintains each user's groups attribute (LoadUserGroups).
package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/scimkit/scim"
)

var (
	_ scim.UserStore        = (*Store)(nil)
	_ scim.UserPatcher      = (*Store)(nil)
	_ scim.GroupStore       = (*Store)(nil)
	_ scim.UserGroupsLoader = (*Store)(nil)
)

// Store is an in-memory SCIM store. Create one with New; the zero Store is
// not usable. A Store is safe for concurrent use.
type Store struct {
	allowUnknownMembers bool
	now                 func() time.Time

	mu      sync.RWMutex
	tenants map[string]*tenant
}

// An Option configures a Store in New. When an option is given twice the
// last one wins.
type Option interface {
	apply(*Store)
}

type optionFunc func(*Store)

func (f optionFunc) apply(s *Store) { f(s) }

// AllowUnknownMembers says whether group members whose value is not the id
// of a user or group of the tenant are accepted (and stored as given).
// Default false: such members fail the whole write with a *scim.Error 400
// invalidValue.
func AllowUnknownMembers(allow bool) Option {
	return optionFunc(func(s *Store) { s.allowUnknownMembers = allow })
}

// WithClock sets the time source used for Meta.Created and
// Meta.LastModified when the caller left them zero, and for the
// LastModified of writes the store makes on its own (a PatchUser whose
// apply function did not set it, member removals caused by deletes).
// Default (and for nil) time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(s *Store) {
		if now == nil {
			now = time.Now
		}
		s.now = now
	})
}

// New returns an empty store configured by opts.
func New(opts ...Option) *Store {
	s := &Store{now: time.Now, tenants: map[string]*tenant{}}
	for _, o := range opts {
		if o != nil {
			o.apply(s)
		}
	}
	return s
}

// tenant is one tenant's data. All fields are guarded by mu.
type tenant struct {
	mu sync.RWMutex

	seq uint64 // creation sequence shared by users and groups

	users      map[string]*userRec
	userOrder  seqList[*userRec]
	byUserName map[string]*userRec   // fold(userName) → user
	byExtID    map[string][]*userRec // fold(externalId) → users (not unique)
	// activeUsers counts the users for which IsActive holds, so that a
	// seat-limit policy's "active eq true" count is O(1), not a scan.
	activeUsers int

	groups        map[string]*groupRec
	groupOrder    seqList[*groupRec]
	byDisplayName map[string]*groupRec // fold(displayName) → group
	// memberOf is the reverse member index: fold(member value) → group
	// id → group.
	memberOf map[string]map[string]*groupRec
}

func newTenant() *tenant {
	return &tenant{
		users:         map[string]*userRec{},
		byUserName:    map[string]*userRec{},
		byExtID:       map[string][]*userRec{},
		groups:        map[string]*groupRec{},
		byDisplayName: map[string]*groupRec{},
		memberOf:      map[string]map[string]*groupRec{},
	}
}

// tenant returns the tenant of ctx's principal. With create false it
// returns nil for a tenant that has no data yet, so reads never allocate.
func (s *Store) tenant(ctx context.Context, create bool) *tenant {
	p, _ := scim.PrincipalFromContext(ctx)
	s.mu.RLock()
	t := s.tenants[p.Tenant]
	s.mu.RUnlock()
	if t != nil || !create {
		return t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t = s.tenants[p.Tenant]; t == nil {
		t = newTenant()
		s.tenants[p.Tenant] = t
	}
	return t
}

// record is what seqList orders: a resource with a creation sequence
// number that can be marked deleted.
type record interface {
	isDead() bool
}

// seqList keeps records in creation order. Deleting marks a record dead;
// the list is compacted once more than half of it is dead, so appends and
// deletes are amortized O(1) and iteration stays O(live).
type seqList[R record] struct {
	recs []R
	dead int
}

func (l *seqList[R]) add(r R) { l.recs = append(l.recs, r) }

func (l *seqList[R]) live() int { return len(l.recs) - l.dead }

// died records that one record was marked dead.
func (l *seqList[R]) died() {
	l.dead++
	if l.dead > 32 && l.dead > len(l.recs)/2 {
		live := l.recs[:0]
		for _, r := range l.recs {
			if !r.isDead() {
				live = append(live, r)
			}
		}
		clear(l.recs[len(live):])
		l.recs, l.dead = live, 0
	}
}

// all returns the live records in creation order. The result aliases the
// list when nothing is dead; callers must not modify it.
func (l *seqList[R]) all() []R {
	if l.dead == 0 {
		return l.recs
	}
	out := make([]R, 0, l.live())
	for _, r := range l.recs {
		if !r.isDead() {
			out = append(out, r)
		}
	}
	return out
}

// newID returns a random (version 4) UUID that taken does not report as
// in use.
func newID(taken func(string) bool) string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		var s [36]byte
		hex.Encode(s[0:8], b[0:4])
		s[8] = '-'
		hex.Encode(s[9:13], b[4:6])
		s[13] = '-'
		hex.Encode(s[14:18], b[6:8])
		s[18] = '-'
		hex.Encode(s[19:23], b[8:10])
		s[23] = '-'
		hex.Encode(s[24:], b[10:])
		if id := string(s[:]); !taken(id) {
			return id
		}
	}
}

// etag formats a version counter as a weak entity tag.
func etag(n uint64) string { return `W/"` + strconv.FormatUint(n, 10) + `"` }

// sameVersion reports whether the version a caller read matches the
// stored one. The weak-tag prefix is optional on the caller's side, since
// If-Match headers carry both forms.
func sameVersion(given, stored string) bool {
	return strings.TrimPrefix(given, "W/") == strings.TrimPrefix(stored, "W/")
}

// fold returns the canonical case folding of s: two strings have the same
// fold exactly when strings.EqualFold reports them equal. ASCII strings
// are lower-cased; a string that is already canonical is returned as is,
// without allocating.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return foldSlow(s)
		}
	}
	return s
}

func foldSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune maps r to the representative of its simple case-folding orbit:
// the lower-case ASCII letter if the orbit has one (so K, k and the Kelvin
// sign all map to k), else the smallest rune of the orbit.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	m, ascii := r, rune(-1)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			ascii = f
		}
		if f < m {
			m = f
		}
	}
	if ascii >= 0 {
		return foldRune(ascii)
	}
	return m
}

// window returns the bounds of the page selected by a 1-based startIndex
// and a count out of total results.
func window(total, startIndex, count int) (lo, hi int) {
	lo = max(startIndex, 1) - 1
	lo = min(lo, total)
	if count <= 0 {
		return lo, lo
	}
	return lo, lo + min(count, total-lo)
}

func invalidValue(format string, args ...any) error {
	return scim.Errorf(400, scim.ScimTypeInvalidValue, format, args...)
}
