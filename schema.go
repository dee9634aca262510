package scim

import (
	"sort"
	"strings"
	"sync"

	"github.com/elimity-com/scim/schema"
)

// AttrType is the data type of an attribute (RFC 7643 §2.3).
type AttrType int

// Attribute data types.
const (
	TypeString AttrType = iota
	TypeBoolean
	TypeDecimal
	TypeInteger
	TypeDateTime
	TypeBinary
	TypeReference
	TypeComplex
)

// String returns the RFC 7643 name of t.
func (t AttrType) String() string {
	return [...]string{"string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"}[t]
}

// AttrPath names an attribute: an optional schema URN, the attribute and
// an optional sub-attribute. Paths the handler gives to stores are
// canonical: names are spelled as in the schema and URN is empty for core
// attributes.
type AttrPath struct {
	URN  string
	Name string
	Sub  string
}

// String returns the path in SCIM notation.
func (p AttrPath) String() string {
	s := p.Name
	if p.URN != "" {
		s = p.URN + ":" + s
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

// IsZero reports whether p is the zero path.
func (p AttrPath) IsZero() bool { return p == AttrPath{} }

// attrDef is one attribute of a resource schema, as the handler needs it.
type attrDef struct {
	name       string
	typ        AttrType
	multi      bool
	caseExact  bool
	required   bool
	mutability string // readOnly, readWrite, immutable, writeOnly
	returned   string // always, never, default, request
	sub        []*attrDef
	subIndex   map[string]*attrDef // lower-case name → def
}

func (a *attrDef) subAttr(name string) *attrDef {
	if a == nil || a.subIndex == nil {
		return nil
	}
	return a.subIndex[strings.ToLower(name)]
}

func (a *attrDef) readOnly() bool { return a.mutability == "readOnly" }

// resourceSchema describes one resource type: its core attributes and its
// registered extensions.
type resourceSchema struct {
	name       string                         // User, Group
	endpoint   string                         // /Users, /Groups
	core       string                         // core schema URN
	attrs      map[string]*attrDef            // lower-case name → def (core + common)
	extensions map[string]map[string]*attrDef // lower-case URN → lower-case name → def
	extURNs    map[string]string              // lower-case URN → canonical URN
	schemas    []schema.Schema                // for /Schemas
	// infos caches NormalizeContext.Attribute answers by lower-cased path
	// (normalizers ask for the same few paths on every request).
	infos sync.Map
}

func fromElimity(a schema.CoreAttribute) *attrDef {
	d := &attrDef{
		name:       a.Name(),
		typ:        parseAttrType(a.AttributeType()),
		multi:      a.MultiValued(),
		caseExact:  a.CaseExact(),
		required:   a.Required(),
		mutability: a.Mutability(),
		returned:   a.Returned(),
	}
	if a.HasSubAttributes() {
		d.subIndex = map[string]*attrDef{}
		for _, s := range a.SubAttributes() {
			sd := fromElimity(s)
			d.sub = append(d.sub, sd)
			d.subIndex[strings.ToLower(sd.name)] = sd
		}
	}
	return d
}

func parseAttrType(s string) AttrType {
	switch s {
	case "boolean":
		return TypeBoolean
	case "decimal":
		return TypeDecimal
	case "integer":
		return TypeInteger
	case "dateTime":
		return TypeDateTime
	case "binary":
		return TypeBinary
	case "reference":
		return TypeReference
	case "complex":
		return TypeComplex
	}
	return TypeString
}

func index(defs []*attrDef) map[string]*attrDef {
	m := make(map[string]*attrDef, len(defs))
	for _, d := range defs {
		m[strings.ToLower(d.name)] = d
	}
	return m
}

// commonAttrs are RFC 7643 §3.1 attributes shared by every resource.
func commonAttrs() []*attrDef {
	meta := &attrDef{name: "meta", typ: TypeComplex, mutability: "readOnly", returned: "default"}
	for _, n := range []struct {
		name string
		typ  AttrType
	}{{"resourceType", TypeString}, {"created", TypeDateTime}, {"lastModified", TypeDateTime}, {"location", TypeReference}, {"version", TypeString}} {
		meta.sub = append(meta.sub, &attrDef{name: n.name, typ: n.typ, caseExact: true, mutability: "readOnly", returned: "default"})
	}
	meta.subIndex = index(meta.sub)
	return []*attrDef{
		{name: "id", typ: TypeString, caseExact: true, mutability: "readOnly", returned: "always"},
		{name: "externalId", typ: TypeString, caseExact: true, mutability: "readWrite", returned: "default"},
		meta,
	}
}

func newResourceSchema(name, endpoint string, core schema.Schema, exts ...schema.Schema) *resourceSchema {
	rs := &resourceSchema{
		name: name, endpoint: endpoint, core: core.ID,
		attrs:      map[string]*attrDef{},
		extensions: map[string]map[string]*attrDef{},
		extURNs:    map[string]string{},
		schemas:    append([]schema.Schema{core}, exts...),
	}
	for _, d := range commonAttrs() {
		rs.attrs[strings.ToLower(d.name)] = d
	}
	for _, a := range core.Attributes {
		d := fromElimity(a)
		rs.attrs[strings.ToLower(d.name)] = d
	}
	for _, e := range exts {
		m := map[string]*attrDef{}
		for _, a := range e.Attributes {
			d := fromElimity(a)
			m[strings.ToLower(d.name)] = d
		}
		rs.extensions[strings.ToLower(e.ID)] = m
		rs.extURNs[strings.ToLower(e.ID)] = e.ID
	}
	return rs
}

// userSchema and groupSchema are built per Handler (no package state);
// these constructors are cheap enough to run in New.
func newUserSchema() *resourceSchema {
	u := schema.CoreUserSchema()
	// RFC 7643 §4.1.1: userName is case-insensitive; keep it explicit even
	// if the definition source changes.
	return newResourceSchema("User", "/Users", u, schema.ExtensionEnterpriseUser())
}

func newGroupSchema() *resourceSchema {
	return newResourceSchema("Group", "/Groups", schema.CoreGroupSchema())
}

// unknownExtAttr describes attributes of extensions the schema does not
// register (Entra custom extension attributes): simple, single-valued,
// case-insensitive strings, kept verbatim.
func unknownExtAttr(name string) *attrDef {
	return &attrDef{name: name, typ: TypeString, mutability: "readWrite", returned: "default"}
}

// resolvedPath is an attribute path resolved against a resourceSchema.
type resolvedPath struct {
	path AttrPath
	attr *attrDef // the attribute (nil only for a bare extension URN)
	sub  *attrDef // the sub-attribute, if path.Sub != ""
	// unknownExt is true when path.URN is not a registered extension; attr
	// then describes a simple string.
	unknownExt bool
}

// resolve parses a raw attribute path ("name.givenName",
// "urn:...:enterprise:2.0:User:manager.value", "emails",
// "urn:...:User:userName") into canonical form. A URN-qualified path is
// split at the last ':' of a known schema URN, so the '.' in "2.0" is never
// taken for a sub-attribute separator. For an unknown "urn:" prefix the
// attribute is whatever follows the last ':'. The bare URN of an extension
// resolves with attr == nil. ok is false for unknown attributes.
func (rs *resourceSchema) resolve(raw string) (resolvedPath, bool) {
	if isURN(raw) {
		lower := strings.ToLower(raw)
		if strings.HasPrefix(lower, strings.ToLower(rs.core)) {
			rest := raw[len(rs.core):]
			if rest == "" {
				return resolvedPath{}, false
			}
			if rest[0] != ':' {
				return resolvedPath{}, false
			}
			return rs.resolveIn(rs.attrs, "", rest[1:], false)
		}
		for lu, urn := range rs.extURNs {
			if lower == lu {
				return resolvedPath{path: AttrPath{URN: urn}}, true
			}
			if strings.HasPrefix(lower, lu) && len(raw) > len(lu) && raw[len(lu)] == ':' {
				return rs.resolveIn(rs.extensions[lu], urn, raw[len(lu)+1:], false)
			}
		}
		// Unregistered extension: the attribute follows the last ':'.
		i := strings.LastIndexByte(raw, ':')
		urn, rest := raw[:i], raw[i+1:]
		if rest == "" || !isURN(urn) || strings.Count(urn, ":") < 2 {
			return resolvedPath{}, false
		}
		name, sub, _ := strings.Cut(rest, ".")
		if name == "" || strings.ContainsAny(name, "[]\" ") {
			return resolvedPath{}, false
		}
		d := unknownExtAttr(name)
		return resolvedPath{path: AttrPath{URN: urn, Name: name, Sub: sub}, attr: d, unknownExt: true}, sub == ""
	}
	return rs.resolveIn(rs.attrs, "", raw, false)
}

// resolveURNOnly reports whether raw is exactly a known or unknown
// extension URN (the RFC's "bare URN with an object value" PATCH form).
func (rs *resourceSchema) extensionURN(raw string) (string, bool) {
	if urn, ok := rs.extURNs[strings.ToLower(raw)]; ok {
		return urn, true
	}
	return "", false
}

func (rs *resourceSchema) resolveIn(attrs map[string]*attrDef, urn, rest string, _ bool) (resolvedPath, bool) {
	name, sub, hasSub := strings.Cut(rest, ".")
	d := attrs[strings.ToLower(name)]
	if d == nil {
		return resolvedPath{}, false
	}
	rp := resolvedPath{path: AttrPath{URN: urn, Name: d.name}, attr: d}
	if hasSub {
		s := d.subAttr(sub)
		if s == nil {
			return resolvedPath{}, false
		}
		rp.sub, rp.path.Sub = s, s.name
	}
	return rp, true
}

// leaf returns the definition of the attribute the path ends at.
func (rp resolvedPath) leaf() *attrDef {
	if rp.sub != nil {
		return rp.sub
	}
	return rp.attr
}

func sortedKeys[V any](m map[string]V) []string {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
