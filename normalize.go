package scim

import (
	"strings"
	"sync"
	"sync/atomic"
)

// A Normalizer adapts the requests of a client that deviates from RFC 7644
// (Microsoft Entra ID is the prime example; see package entra) to the
// canonical form the handler validates. Install one with WithNormalizer.
// Every field is optional. The functions run on decoded requests, after
// authentication and before validation; they must be pure apart from
// nc.Fired, idempotent (a canonical request passes through unchanged) and
// safe for concurrent use.
type Normalizer struct {
	// Name identifies the normalizer in rule counters, e.g. "entra".
	Name string
	// Rules lists the names of the rules the normalizer may report through
	// NormalizeContext.Fired, so that Handler.RuleCounts lists them all
	// (with zero counts) from the start.
	Rules []string
	// Filter rewrites the raw filter text before it is parsed.
	Filter func(nc *NormalizeContext, filter string) string
	// FilterValue converts a comparison value in a filter before it is
	// checked against the attribute's type; attr describes the attribute.
	FilterValue func(nc *NormalizeContext, attr AttrInfo, value any) any
	// Resource rewrites the decoded body of a POST or PUT in place.
	Resource func(nc *NormalizeContext, doc map[string]any)
	// Patch rewrites the decoded operations of a PATCH request.
	Patch func(nc *NormalizeContext, ops []PatchOp) []PatchOp
	// UpsertValuePath makes add and replace on a value path with an
	// eq-only filter that matches no element create the element, seeded
	// from the filter (RFC 7644 says replace answers 400 noTarget).
	// UpsertRule is the rule name reported when that happens.
	UpsertValuePath bool
	UpsertRule      string
	// SingleValuedFilter allows a value filter on a single-valued complex
	// attribute in a PATCH path (manager[value eq "x"]): the operation
	// applies only if the attribute matches. SingleValuedFilterRule is the
	// rule name reported when that happens.
	SingleValuedFilter     bool
	SingleValuedFilterRule string
}

// AttrInfo describes an attribute to a Normalizer.
type AttrInfo struct {
	Path        AttrPath
	Type        AttrType
	MultiValued bool
	CaseExact   bool
	// SubAttributes lists the sub-attributes of a complex attribute.
	SubAttributes []AttrInfo
}

func (d *attrDef) info(p AttrPath) AttrInfo {
	ai := AttrInfo{Path: p, Type: d.typ, MultiValued: d.multi, CaseExact: d.caseExact}
	for _, s := range d.sub {
		sp := p
		sp.Sub = s.name
		ai.SubAttributes = append(ai.SubAttributes, AttrInfo{Path: sp, Type: s.typ, CaseExact: s.caseExact})
	}
	return ai
}

// NormalizeContext gives a Normalizer what it may use: the resource type
// and its schema, and a way to report which rules fired.
type NormalizeContext struct {
	// ResourceType is "User" or "Group".
	ResourceType string
	rs           *resourceSchema
	counters     *ruleCounters
	fired        []string
}

// Attribute resolves a raw attribute path ("name.givenName", a
// URN-qualified path, "emails") against the resource's schema. ok is false
// for unknown attributes. Attributes of unregistered extensions resolve as
// single-valued strings.
func (nc *NormalizeContext) Attribute(path string) (AttrInfo, bool) {
	key := strings.ToLower(path)
	if ai, ok := nc.rs.infos.Load(key); ok {
		return ai.(AttrInfo), true
	}
	rp, ok := nc.rs.resolve(path)
	if !ok || rp.attr == nil {
		return AttrInfo{}, false
	}
	ai := rp.leaf().info(rp.path)
	if !rp.unknownExt {
		// Only schema attributes are cached, by their case-folded path:
		// the cache is bounded by the schema, never by what clients send.
		nc.rs.infos.Store(key, ai)
	}
	return ai, true
}

// IsExtensionURN reports whether s is a registered extension schema URN of
// the resource type, returning its canonical spelling.
func (nc *NormalizeContext) IsExtensionURN(s string) (string, bool) {
	return nc.rs.extensionURN(s)
}

// Fired records that a rule changed the request. The handler counts it
// (Handler.RuleCounts) and reports it in the request's Event.
func (nc *NormalizeContext) Fired(rule string) {
	if nc == nil {
		return
	}
	for _, r := range nc.fired {
		if r == rule {
			return
		}
	}
	nc.fired = append(nc.fired, rule)
	if nc.counters != nil {
		nc.counters.add(rule)
	}
}

// ruleCounters counts rule firings per handler.
type ruleCounters struct {
	mu sync.RWMutex
	m  map[string]*atomic.Uint64
}

func newRuleCounters(rules []string) *ruleCounters {
	c := &ruleCounters{m: map[string]*atomic.Uint64{}}
	for _, r := range rules {
		c.m[r] = new(atomic.Uint64)
	}
	return c
}

func (c *ruleCounters) add(rule string) {
	c.mu.RLock()
	n := c.m[rule]
	c.mu.RUnlock()
	if n == nil {
		c.mu.Lock()
		if n = c.m[rule]; n == nil {
			n = new(atomic.Uint64)
			c.m[rule] = n
		}
		c.mu.Unlock()
	}
	n.Add(1)
}

func (c *ruleCounters) snapshot() map[string]uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]uint64, len(c.m))
	for k, v := range c.m {
		out[k] = v.Load()
	}
	return out
}
