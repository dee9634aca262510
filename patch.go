package scim

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file: PATCH (RFC 7644 §3.5.2) applied by the library to the typed
// resource, so hosts never write patch code.

// PatchOp is one operation of a PATCH request as decoded from JSON. Op and
// Path are as the client sent them (any case); Value is the decoded JSON
// value (nil, bool, string, json.Number, []any or map[string]any).
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// PatchRequest is the body of a PATCH request.
type PatchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []PatchOp `json:"Operations"`
}

// patchMode switches the deviations from RFC 7644 that normalizers ask for
// (Normalizer.UpsertValuePath and Normalizer.SingleValuedFilter).
type patchMode struct {
	upsertValuePath    bool
	upsertRule         string
	singleValuedFilter bool
	singleValuedRule   string
}

// opKind is a PATCH operation.
type opKind int

const (
	opAdd opKind = iota + 1
	opReplace
	opRemove
)

func (k opKind) String() string {
	switch k {
	case opAdd:
		return "add"
	case opReplace:
		return "replace"
	}
	return "remove"
}

// parseOpKind reads an op case-insensitively (Entra sends "Replace").
func parseOpKind(s string) (opKind, bool) {
	switch {
	case strings.EqualFold(s, "add"):
		return opAdd, true
	case strings.EqualFold(s, "replace"):
		return opReplace, true
	case strings.EqualFold(s, "remove"):
		return opRemove, true
	}
	return 0, false
}

// applyUserPatch applies ops in order to a copy of u and returns the
// result; u is never modified, and if any operation fails the error is
// returned and nothing is applied. nc may be nil. ID, Meta and Groups of
// the result are u's.
//
// Errors are *Error values with status 400: invalidSyntax (unknown op),
// invalidPath (unknown attribute, bad path or filter), noTarget (remove
// without path, replace on a value path that matches nothing), mutability
// (read-only or required attribute) and invalidValue (value of the wrong
// type).
func applyUserPatch(rs *resourceSchema, u *User, ops []PatchOp, mode patchMode, nc *NormalizeContext, unknown UnknownExtensions) (*User, error) {
	p := patcher{rs: rs, doc: userDoc(u), id: u.ID, mode: mode, nc: nc, unknown: unknown}
	for i, op := range ops {
		if err := p.applyOp(op); err != nil {
			return nil, opError(i, err)
		}
	}
	out, err := userFromDoc(p.doc)
	if err != nil {
		return nil, err
	}
	out.ID, out.Meta, out.Groups = u.ID, u.Meta, cloneSlice(u.Groups)
	return out, nil
}

// compileGroupPatch validates ops and turns them into a GroupPatch.
// Operations on members become ordered MemberChange deltas: add →
// AddMembers; remove with path members[value eq "x"] (or several such
// comparisons joined by or) → RemoveMembers; remove members with a value
// list → RemoveMembers of the listed members only (Entra's default form:
// never clear the group); remove members without value → ReplaceMembers
// with none; replace members → ReplaceMembers. Member filters other than
// value eq are 400 invalidPath. A path-less add or replace whose value has
// a members key contributes member deltas too, and its id key is ignored
// when it equals groupID (Okta). All other operations go into Apply, which
// applies them to a *Group whose Members is nil.
func compileGroupPatch(rs *resourceSchema, groupID string, ops []PatchOp, mode patchMode, nc *NormalizeContext, unknown UnknownExtensions) (GroupPatch, error) {
	var gp GroupPatch
	type indexed struct {
		i  int
		op PatchOp
	}
	var rest []indexed
	for i, op := range ops {
		kind, ok := parseOpKind(op.Op)
		if !ok {
			return GroupPatch{}, opError(i, unknownOp(op.Op))
		}
		path := strings.TrimSpace(op.Path)
		if path == "" {
			if kind == opRemove {
				return GroupPatch{}, opError(i, badRequest(ScimTypeNoTarget, "remove needs a path"))
			}
			m, ok := op.Value.(map[string]any)
			if !ok {
				return GroupPatch{}, opError(i, badRequest(ScimTypeInvalidValue, "%s without a path needs an object value", kind))
			}
			var other map[string]any
			for _, k := range sortedKeys(m) {
				if isMembersPath(rs, k) {
					mc, err := memberChange(rs, kind, m[k])
					if err != nil {
						return GroupPatch{}, opError(i, err)
					}
					if mc != nil {
						gp.Members = append(gp.Members, *mc)
					}
					continue
				}
				if other == nil {
					other = make(map[string]any, len(m))
				}
				other[k] = m[k]
			}
			if other != nil {
				rest = append(rest, indexed{i, PatchOp{Op: op.Op, Value: other}})
			}
			continue
		}
		attrText, _, _ := strings.Cut(path, "[")
		if !isMembersPath(rs, attrText) {
			rest = append(rest, indexed{i, op})
			continue
		}
		var (
			mc  *MemberChange
			err error
		)
		if len(attrText) < len(path) {
			mc, err = memberFilterChange(rs, kind, path)
		} else {
			mc, err = memberChange(rs, kind, op.Value)
		}
		if err != nil {
			return GroupPatch{}, opError(i, err)
		}
		if mc != nil {
			gp.Members = append(gp.Members, *mc)
		}
	}
	if len(rest) == 0 {
		return gp, nil
	}
	// Dry run on a placeholder group: reports invalid paths, values and
	// mutability now, before any member delta is stored. Only noTarget
	// depends on the group's state.
	dry := patcher{rs: rs, doc: map[string]any{"displayName": "-"}, id: groupID, mode: mode, unknown: unknown, group: true}
	for _, r := range rest {
		if err := dry.applyOp(r.op); err != nil {
			var e *Error
			if errors.As(err, &e) && e.ScimType == ScimTypeNoTarget {
				continue
			}
			return GroupPatch{}, opError(r.i, err)
		}
	}
	gp.Apply = func(g *Group) error {
		p := patcher{rs: rs, doc: groupDoc(g), id: g.ID, mode: mode, nc: nc, unknown: unknown, group: true}
		if p.id == "" {
			p.id = groupID
		}
		for _, r := range rest {
			if err := p.applyOp(r.op); err != nil {
				return opError(r.i, err)
			}
		}
		ng, err := groupFromDoc(p.doc)
		if err != nil {
			return err
		}
		g.ExternalID, g.DisplayName, g.Extensions = ng.ExternalID, ng.DisplayName, ng.Extensions
		return nil
	}
	return gp, nil
}

// isMembersPath reports whether the attribute path raw (no filter) is the
// group's members attribute or one of its sub-attributes.
func isMembersPath(rs *resourceSchema, raw string) bool {
	rp, ok := rs.resolve(strings.TrimSpace(raw))
	return ok && rp.attr != nil && rp.path.URN == "" && rp.attr.name == "members" && rp.attr.multi
}

// memberChange turns an operation on the members attribute (value as
// sent) into a delta; nil if it changes nothing.
func memberChange(rs *resourceSchema, kind opKind, value any) (*MemberChange, error) {
	def := rs.attrs["members"]
	members, err := memberList(def, value)
	if err != nil {
		return nil, err
	}
	switch kind {
	case opAdd:
		if len(members) == 0 {
			return nil, nil
		}
		return &MemberChange{Kind: AddMembers, Members: members}, nil
	case opRemove:
		if value == nil {
			return &MemberChange{Kind: ReplaceMembers, Members: []Member{}}, nil
		}
		if len(members) == 0 {
			return nil, nil
		}
		return &MemberChange{Kind: RemoveMembers, Members: members}, nil
	}
	if members == nil {
		members = []Member{}
	}
	return &MemberChange{Kind: ReplaceMembers, Members: members}, nil
}

// memberList validates a members value (array, single object or null).
func memberList(def *attrDef, value any) ([]Member, error) {
	v, ok, err := normValue(def, "members", value, false)
	if err != nil || !ok {
		return nil, err
	}
	l := v.([]any)
	out := make([]Member, 0, len(l))
	for _, e := range l {
		m := e.(map[string]any)
		out = append(out, Member{Value: str(m, "value"), Ref: str(m, "$ref"), Display: str(m, "display"), Type: str(m, "type")})
	}
	return out, nil
}

// memberFilterChange handles members[value eq "x"] paths: only remove,
// only value eq comparisons (joined by or), no sub-attribute.
func memberFilterChange(rs *resourceSchema, kind opKind, path string) (*MemberChange, error) {
	open := strings.IndexByte(path, '[')
	end := closingBracket(path, open)
	if end < 0 {
		return nil, badRequest(ScimTypeInvalidPath, "path %q has an unterminated value filter", path)
	}
	if end != len(path)-1 {
		return nil, badRequest(ScimTypeInvalidPath, "path %q: members can only be removed as a whole element", path)
	}
	if kind != opRemove {
		return nil, badRequest(ScimTypeInvalidPath, "path %q: %s members with a value filter is not supported; use %s on members", path, kind, kind)
	}
	vp, err := compilePathFilter(rs, path)
	if err != nil {
		return nil, err
	}
	var values []string
	if !memberFilterValues(vp.Filter, &values) {
		return nil, badRequest(ScimTypeInvalidPath, "path %q: only value eq filters are supported on members", path)
	}
	out := make([]Member, len(values))
	for i, v := range values {
		out[i] = Member{Value: v}
	}
	return &MemberChange{Kind: RemoveMembers, Members: out}, nil
}

func memberFilterValues(f Filter, out *[]string) bool {
	switch n := f.(type) {
	case *Compare:
		s, ok := n.Value.(string)
		if !ok || n.Op != OpEq || n.Path.Sub != "value" {
			return false
		}
		*out = append(*out, s)
		return true
	case *Or:
		return memberFilterValues(n.Left, out) && memberFilterValues(n.Right, out)
	}
	return false
}

// opError prefixes the detail of a SCIM error with the 1-based operation
// number, so an IdP admin can tell which operation was refused.
func opError(i int, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Status: e.Status, ScimType: e.ScimType, Detail: fmt.Sprintf("operation %d: %s", i+1, e.Detail), Err: e.Err}
	}
	return err
}

func unknownOp(op string) *Error {
	return badRequest(ScimTypeInvalidSyntax, "unknown op %q; use add, replace or remove", op)
}

// closingBracket returns the index of the ']' closing the '[' at open,
// skipping quoted strings, or -1.
func closingBracket(s string, open int) int {
	in, esc := false, false
	for i := open + 1; i < len(s); i++ {
		c := s[i]
		switch {
		case in && esc:
			esc = false
		case in && c == '\\':
			esc = true
		case c == '"':
			in = !in
		case !in && c == '[':
			return -1 // nested value filters are not valid
		case !in && c == ']':
			return i
		}
	}
	return -1
}

// compilePathFilter compiles the "attr[filter]" prefix of a PATCH path
// with the filter compiler; errors become invalidPath.
func compilePathFilter(rs *resourceSchema, path string) (*ValuePath, error) {
	end := closingBracket(path, strings.IndexByte(path, '['))
	if end < 0 {
		return nil, badRequest(ScimTypeInvalidPath, "path %q has an unterminated value filter", path)
	}
	f, err := compileFilter(rs, path[:end+1], filterLimits{maxLength: DefaultMaxFilterLength, maxDepth: DefaultMaxFilterDepth}, nil, nil)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, &Error{Status: e.Status, ScimType: ScimTypeInvalidPath, Detail: "invalid value filter in path: " + e.Detail, Err: e.Err}
		}
		return nil, err
	}
	vp, ok := f.(*ValuePath)
	if !ok {
		return nil, badRequest(ScimTypeInvalidPath, "path %q is not attribute[filter]", path)
	}
	return vp, nil
}

// patcher applies operations to a canonical document (see decode.go).
// With lenient set it decodes a POST/PUT body instead: unknown attributes,
// read-only attributes and filtered keys are ignored rather than refused,
// and required attributes may be absent (the handler checks them).
type patcher struct {
	rs      *resourceSchema
	doc     map[string]any
	id      string // resource id: a path-less "id" equal to it is ignored
	mode    patchMode
	nc      *NormalizeContext
	unknown UnknownExtensions
	lenient bool
	group   bool // members are handled by compileGroupPatch
}

func (p *patcher) fire(rule string) {
	if rule != "" {
		p.nc.Fired(rule)
	}
}

// applyOp applies one operation.
func (p *patcher) applyOp(op PatchOp) error {
	kind, ok := parseOpKind(op.Op)
	if !ok {
		return unknownOp(op.Op)
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if kind == opRemove {
			return badRequest(ScimTypeNoTarget, "remove needs a path")
		}
		m, ok := op.Value.(map[string]any)
		if !ok {
			return badRequest(ScimTypeInvalidValue, "%s without a path needs an object value", kind)
		}
		return p.applyObject(kind, "", m)
	}
	return p.applyPath(kind, path, op.Value)
}

// applyObject applies each key of m as a path of its own (path-less add and
// replace, RFC 7644 §3.5.2.1/3): plain names, dotted sub-attribute paths,
// URN-qualified paths and extension objects under their URN. prefix is the
// extension URN m belongs to, or "". Keys are applied in sorted order so
// the result never depends on map iteration.
func (p *patcher) applyObject(kind opKind, prefix string, m map[string]any) error {
	var keys []string
	if len(m) == 1 {
		for k := range m {
			keys = []string{k}
		}
	} else {
		keys = sortedKeys(m)
	}
	for _, k := range keys {
		v := m[k]
		path := k
		if prefix != "" {
			path = prefix + ":" + k
		} else {
			switch {
			case strings.EqualFold(k, "schemas"):
				continue
			case strings.EqualFold(k, "id"):
				if s, ok := v.(string); p.lenient || v == nil || (ok && s == p.id) {
					continue
				}
				return badRequest(ScimTypeMutability, "attribute \"id\" is read-only")
			}
			if isURN(k) && !strings.EqualFold(k, p.rs.core) {
				if _, reg := p.rs.extensionURN(k); !reg {
					switch v.(type) {
					case map[string]any, json.RawMessage:
						// A URN-keyed object is an extension object.
						if err := p.applyExtension(kind, k, true, v); err != nil {
							return err
						}
						continue
					}
				}
			}
		}
		if err := p.applyPath(kind, path, v); err != nil {
			return err
		}
	}
	return nil
}

// isExtensionURN reports whether an unregistered URN names an extension
// object of resource type name (its last segment is the resource type, as
// in urn:...:CustomExtensionName:2.0:User) rather than an attribute of one.
func isExtensionURN(s, name string) bool {
	i := strings.LastIndexByte(s, ':')
	return i > 0 && strings.EqualFold(s[i+1:], name) && strings.Count(s, ":") >= 3
}

// unknownExtension applies the UnknownExtensions rule to an unregistered
// extension URN.
func (p *patcher) unknownExtension(urn string) error {
	if p.unknown != RejectUnknownExtensions {
		return nil
	}
	if p.lenient {
		return badRequest(ScimTypeInvalidSyntax, "extension schema %q is not supported", urn)
	}
	return badRequest(ScimTypeInvalidPath, "extension schema %q is not supported", urn)
}

// applyPath applies one operation with a path (or a key of a path-less
// value object).
func (p *patcher) applyPath(kind opKind, path string, value any) error {
	if strings.IndexByte(path, '[') >= 0 {
		if p.lenient {
			return nil
		}
		return p.applyFiltered(kind, path, value)
	}
	if isURN(path) {
		if strings.EqualFold(path, p.rs.core) {
			m, ok := value.(map[string]any)
			if kind == opRemove || !ok {
				if p.lenient {
					return nil
				}
				return badRequest(ScimTypeInvalidPath, "path %q names a schema, not an attribute", path)
			}
			return p.applyObject(kind, "", m)
		}
		if urn, ok := p.rs.extensionURN(path); ok {
			return p.applyExtension(kind, urn, false, value)
		}
		if isExtensionURN(path, p.rs.name) {
			return p.applyExtension(kind, path, true, value)
		}
	}
	rp, ok := p.resolve(path)
	if !ok || rp.attr == nil {
		if p.lenient {
			return nil
		}
		return badRequest(ScimTypeInvalidPath, "unknown attribute %q", path)
	}
	if rp.unknownExt {
		if err := p.unknownExtension(rp.path.URN); err != nil || p.unknown == DropUnknownExtensions {
			return err
		}
	}
	d := rp.attr
	if d.mutability == "writeOnly" {
		return nil // password: accepted, never stored
	}
	if d.readOnly() || rp.leaf().readOnly() {
		if p.lenient {
			return nil
		}
		return badRequest(ScimTypeMutability, "attribute %q is read-only", rp.path.String())
	}
	if p.group && d.name == "members" && rp.path.URN == "" {
		return badRequest(ScimTypeInvalidPath, "members can only be changed by an operation on the members path")
	}
	c := p.container(rp.path.URN, kind != opRemove)
	if c == nil {
		return nil
	}
	if rp.sub == nil {
		return p.setAttr(kind, c, d, rp.path, rp.unknownExt, value)
	}
	if !d.multi {
		return p.setSub(kind, c, d, rp.sub, rp.path.String(), value)
	}
	// Sub-attribute of a multi-valued attribute without filter: every
	// element (RFC 7644 §3.5.2).
	elems, _ := c[d.name].([]any)
	if len(elems) == 0 {
		switch {
		case kind == opReplace && value != nil:
			return badRequest(ScimTypeNoTarget, "%q has no values to replace %q in", d.name, rp.path.String())
		case kind != opAdd:
			return nil
		}
	}
	if len(elems) == 0 { // add: create one element
		val, ok, err := normValue(rp.sub, rp.path.String(), value, false)
		if ok {
			c[d.name] = []any{map[string]any{rp.sub.name: val}}
		}
		return err
	}
	idx := make([]int, len(elems))
	for i := range idx {
		idx[i] = i
	}
	return p.applyToElems(kind, c, d, rp.sub, rp.path.String(), idx, value)
}

// resolve resolves a PATCH path. Unlike in bodies, an unqualified name
// that is not a core attribute also resolves to an attribute of a
// registered extension (Entra sends "manager" for the enterprise
// manager), if exactly one extension has it.
func (p *patcher) resolve(path string) (resolvedPath, bool) {
	rp, ok := p.rs.resolve(path)
	if ok || p.lenient || isURN(path) {
		return rp, ok
	}
	found := 0
	for lu, attrs := range p.rs.extensions {
		if r, ok := p.rs.resolveIn(attrs, p.rs.extURNs[lu], path, false); ok {
			rp, found = r, found+1
		}
	}
	return rp, found == 1
}

// container returns the map holding the attributes of extension urn (the
// document itself for ""), creating it if create is set; nil if absent.
// A stored unregistered extension is decoded into a new map here.
func (p *patcher) container(urn string, create bool) map[string]any {
	if urn == "" {
		return p.doc
	}
	key := urn
	v, ok := p.doc[urn]
	if !ok {
		for k, kv := range p.doc {
			if isURN(k) && strings.EqualFold(k, urn) {
				key, v, ok = k, kv, true
				break
			}
		}
	}
	if ok {
		switch x := v.(type) {
		case map[string]any:
			return x
		case json.RawMessage:
			m := rawObject(x)
			p.doc[key] = m
			return m
		}
	}
	if !create {
		return nil
	}
	m := map[string]any{}
	p.doc[key] = m
	return m
}

// deleteExtension removes the extension object urn.
func (p *patcher) deleteExtension(urn string) {
	for k := range p.doc {
		if isURN(k) && strings.EqualFold(k, urn) {
			delete(p.doc, k)
		}
	}
}

// applyExtension handles a path that is a bare extension URN: remove drops
// the extension; add and replace take an object of its attributes.
func (p *patcher) applyExtension(kind opKind, urn string, unknownExt bool, value any) error {
	if unknownExt {
		if err := p.unknownExtension(urn); err != nil || p.unknown == DropUnknownExtensions {
			return err
		}
	}
	if kind == opRemove || value == nil {
		if kind != opAdd {
			p.deleteExtension(urn)
		}
		return nil
	}
	if raw, ok := value.(json.RawMessage); ok && unknownExt {
		if p.container(urn, false) == nil {
			p.doc[urn] = raw // verbatim
			return nil
		}
		value = rawObject(raw)
	}
	m, ok := value.(map[string]any)
	if !ok {
		return badRequest(ScimTypeInvalidValue, "extension %q must be an object, not %s", urn, jsonKind(value))
	}
	if !unknownExt {
		return p.applyObject(kind, urn, m)
	}
	c := p.container(urn, true)
	for k, v := range m {
		key := k
		for ck := range c {
			if strings.EqualFold(ck, k) {
				key = ck
				break
			}
		}
		if v == nil {
			delete(c, key)
		} else {
			c[key] = v // unregistered extension attributes are kept verbatim
		}
	}
	return nil
}

// setAttr applies an operation to attribute d (no sub-attribute) held in
// container c. verbatim skips validation (unregistered extensions).
func (p *patcher) setAttr(kind opKind, c map[string]any, d *attrDef, path AttrPath, verbatim bool, value any) error {
	name := path.String()
	if kind == opRemove {
		if d.required && !p.lenient {
			return badRequest(ScimTypeMutability, "attribute %q is required and cannot be removed", name)
		}
		if value != nil && !verbatim {
			return p.removeValue(c, d, name, value)
		}
		delete(c, d.name)
		return nil
	}
	if verbatim {
		if value == nil {
			if kind == opReplace {
				delete(c, d.name)
			}
			return nil
		}
		c[d.name] = value
		return nil
	}
	if d.typ == TypeComplex && !d.multi {
		return p.mergeComplex(kind, c, d, name, value)
	}
	val, ok, err := normValue(d, name, value, p.lenient)
	if err != nil {
		return err
	}
	if !ok {
		if kind == opReplace {
			if d.required && !p.lenient {
				return badRequest(ScimTypeMutability, "attribute %q is required and cannot be emptied", name)
			}
			delete(c, d.name)
		}
		return nil
	}
	if d.multi && kind == opAdd {
		c[d.name] = addElements(d, c[d.name], val.([]any))
		return nil
	}
	c[d.name] = val
	return nil
}

// removeValue is remove with a value (Entra, Microsoft's reference
// implementation): for a multi-valued attribute only the listed elements
// are removed; for a single-valued one the attribute is removed only if
// it equals the value.
func (p *patcher) removeValue(c map[string]any, d *attrDef, name string, value any) error {
	val, ok, err := normValue(d, name, value, false)
	if err != nil {
		return err
	}
	if !ok {
		delete(c, d.name)
		return nil
	}
	if !d.multi {
		if d.typ == TypeComplex || valuesEqual(d, c[d.name], val) {
			delete(c, d.name)
		}
		return nil
	}
	elems, _ := c[d.name].([]any)
	out := elems[:0:0]
	for _, e := range elems {
		drop := false
		for _, r := range val.([]any) {
			if sameElement(d, e, r) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, e)
		}
	}
	setList(c, d.name, out)
	return nil
}

// mergeComplex sets the sub-attributes given in value on the single-valued
// complex attribute d, leaving the others unchanged (RFC 7644 §3.5.2.1
// and §3.5.2.3); a null sub-attribute removes it.
func (p *patcher) mergeComplex(kind opKind, c map[string]any, d *attrDef, name string, value any) error {
	if value == nil {
		if kind == opReplace {
			delete(c, d.name)
		}
		return nil
	}
	m, ok := value.(map[string]any)
	if !ok {
		return badRequest(ScimTypeInvalidValue, "attribute %q must be an object, not %s", name, jsonKind(value))
	}
	cur, _ := c[d.name].(map[string]any)
	if cur == nil {
		cur = make(map[string]any, len(m))
	}
	changed := false
	for k, sv := range m {
		sd := d.subAttr(k)
		if sd == nil || (sd.readOnly() && !p.lenient) {
			continue
		}
		val, ok, err := normValue(sd, name+"."+sd.name, sv, p.lenient)
		if err != nil {
			return err
		}
		if ok {
			if !valuesEqual(sd, cur[sd.name], val) {
				changed = true
			}
			cur[sd.name] = val
		} else if _, had := cur[sd.name]; had {
			delete(cur, sd.name)
			changed = true
		}
	}
	if changed && !p.lenient {
		dropDerived(d, cur)
	}
	if len(cur) == 0 {
		delete(c, d.name)
	} else {
		c[d.name] = cur
	}
	return nil
}

// dropDerived removes the read-only sub-attributes of a complex value that
// a client changed (manager.displayName belongs to the old manager).
func dropDerived(d *attrDef, m map[string]any) {
	for _, s := range d.sub {
		if s.readOnly() {
			delete(m, s.name)
		}
	}
}

// setSub applies an operation to sub-attribute sd of the single-valued
// complex attribute d.
func (p *patcher) setSub(kind opKind, c map[string]any, d, sd *attrDef, name string, value any) error {
	cur, _ := c[d.name].(map[string]any)
	if kind == opRemove {
		if cur != nil && (value == nil || valueMatches(sd, cur[sd.name], value)) {
			delete(cur, sd.name)
			if len(cur) == 0 {
				delete(c, d.name)
			}
		}
		return nil
	}
	val, ok, err := normValue(sd, name, value, p.lenient)
	if err != nil {
		return err
	}
	if !ok {
		if kind == opReplace && cur != nil {
			delete(cur, sd.name)
			if len(cur) == 0 {
				delete(c, d.name)
			}
		}
		return nil
	}
	if cur == nil {
		cur = map[string]any{}
		c[d.name] = cur
	}
	if !valuesEqual(sd, cur[sd.name], val) && !p.lenient {
		dropDerived(d, cur)
	}
	cur[sd.name] = val
	return nil
}

// applyFiltered applies an operation whose path has a value filter:
// attr[filter] or attr[filter].sub.
func (p *patcher) applyFiltered(kind opKind, path string, value any) error {
	open := strings.IndexByte(path, '[')
	end := closingBracket(path, open)
	if end < 0 {
		return badRequest(ScimTypeInvalidPath, "path %q has an unterminated value filter", path)
	}
	attrText, rest := path[:open], path[end+1:]
	var subName string
	if rest != "" {
		if rest[0] != '.' || len(rest) == 1 {
			return badRequest(ScimTypeInvalidPath, "path %q: only .subAttribute may follow the value filter", path)
		}
		subName = rest[1:]
	}
	rp, ok := p.resolve(strings.TrimSpace(attrText))
	if !ok || rp.attr == nil || rp.sub != nil || rp.unknownExt || rp.attr.typ != TypeComplex {
		return badRequest(ScimTypeInvalidPath, "path %q: a value filter needs a known complex attribute", path)
	}
	d := rp.attr
	var sd *attrDef
	if subName != "" {
		if sd = d.subAttr(subName); sd == nil {
			return badRequest(ScimTypeInvalidPath, "path %q: %q has no sub-attribute %q", path, d.name, subName)
		}
	}
	if d.readOnly() || (sd != nil && sd.readOnly()) {
		return badRequest(ScimTypeMutability, "path %q: attribute is read-only", path)
	}
	if p.group && d.name == "members" {
		return badRequest(ScimTypeInvalidPath, "members can only be changed by an operation on the members path")
	}
	if !d.multi && !p.mode.singleValuedFilter {
		return badRequest(ScimTypeInvalidPath, "path %q: %q is single-valued and cannot have a value filter", path, d.name)
	}
	// Compile with the canonical attribute path: "manager" may have been
	// resolved to the enterprise extension above.
	vp, ok := fastValuePath(rp, path[open+1:end])
	if !ok {
		var err error
		if vp, err = compilePathFilter(p.rs, rp.path.String()+path[open:end+1]); err != nil {
			return err
		}
	}
	if !d.multi {
		return p.applySingleFiltered(kind, rp.path.URN, d, sd, vp, path, value)
	}
	c := p.container(rp.path.URN, kind != opRemove)
	if c == nil {
		return nil
	}
	elems, _ := c[d.name].([]any)
	var idx []int
	for i, e := range elems {
		if m, ok := e.(map[string]any); ok && matchElement(vp.Filter, m) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		if kind == opRemove || value == nil {
			return nil
		}
		seed := map[string]any{}
		if !eqSeed(vp.Filter, seed) {
			return badRequest(ScimTypeNoTarget, "path %q matches no value", path)
		}
		if kind == opReplace {
			if !p.mode.upsertValuePath {
				return badRequest(ScimTypeNoTarget, "path %q matches no value", path)
			}
			p.fire(p.mode.upsertRule)
		}
		// Create the element, seeded from the filter's eq comparisons.
		elems = append(elems, seed)
		c[d.name] = elems
		idx = []int{len(elems) - 1}
		if err := p.applyToElems(opAdd, c, d, sd, path, idx, value); err != nil {
			return err
		}
		// A value that turned out empty ("") leaves only the seed: drop it.
		if l, _ := c[d.name].([]any); len(l) > 0 {
			if m, ok := l[len(l)-1].(map[string]any); ok && len(m) <= countSeed(vp.Filter) && sd != nil {
				setList(c, d.name, l[:len(l)-1])
			}
		}
		return nil
	}
	return p.applyToElems(kind, c, d, sd, path, idx, value)
}

// countSeed is the number of eq comparisons an upsert seeds from.
func countSeed(f Filter) int {
	seed := map[string]any{}
	eqSeed(f, seed)
	return len(seed)
}

// applySingleFiltered handles a value filter on a single-valued complex
// attribute (manager[value eq "x"], Entra): the operation applies only if
// the attribute matches.
func (p *patcher) applySingleFiltered(kind opKind, urn string, d, sd *attrDef, vp *ValuePath, path string, value any) error {
	p.fire(p.mode.singleValuedRule)
	c := p.container(urn, false)
	var cur map[string]any
	if c != nil {
		cur, _ = c[d.name].(map[string]any)
	}
	if cur == nil || !matchElement(vp.Filter, cur) {
		if kind == opRemove {
			return nil
		}
		return badRequest(ScimTypeNoTarget, "path %q matches no value", path)
	}
	if sd == nil {
		if kind == opRemove {
			delete(c, d.name)
			return nil
		}
		return p.mergeComplex(kind, c, d, path, value)
	}
	return p.setSub(kind, c, d, sd, path, value)
}

// eqSeed collects the "sub eq value" comparisons of an eq-only filter
// (comparisons joined by and) into seed; false for any other filter.
func eqSeed(f Filter, seed map[string]any) bool {
	switch n := f.(type) {
	case *Compare:
		if n.Op != OpEq || n.Path.Sub == "" {
			return false
		}
		switch n.Value.(type) {
		case string, bool:
			seed[n.Path.Sub] = n.Value
			return true
		}
	case *And:
		return eqSeed(n.Left, seed) && eqSeed(n.Right, seed)
	}
	return false
}

// applyToElems applies an operation to the elements idx of the
// multi-valued complex attribute d in c: to sub-attribute sd, or to whole
// elements when sd is nil.
func (p *patcher) applyToElems(kind opKind, c map[string]any, d, sd *attrDef, name string, idx []int, value any) error {
	elems, _ := c[d.name].([]any)
	selected := make(map[int]bool, len(idx))
	for _, i := range idx {
		selected[i] = true
	}
	if kind == opRemove {
		out := elems[:0:0]
		for i, e := range elems {
			if !selected[i] {
				out = append(out, e)
				continue
			}
			if sd == nil {
				continue // the element goes
			}
			m := e.(map[string]any)
			if value != nil && !valueMatches(sd, m[sd.name], value) {
				out = append(out, e)
				continue
			}
			delete(m, sd.name)
			if sd.name != "value" && len(m) > 0 {
				out = append(out, m)
			}
		}
		setList(c, d.name, out)
		return nil
	}
	if sd != nil {
		val, ok, err := normValue(sd, name, value, false)
		if err != nil {
			return err
		}
		if !ok {
			if kind == opReplace {
				return p.applyToElems(opRemove, c, d, sd, name, idx, nil)
			}
			return nil
		}
		for _, i := range idx {
			elems[i].(map[string]any)[sd.name] = val
		}
		if b, _ := val.(bool); b && sd.name == "primary" {
			clearPrimary(elems, selected)
		}
		return nil
	}
	if l, ok := value.([]any); ok && len(l) == 1 {
		value = l[0]
	}
	val, ok, err := normSingle(d, name, value, false)
	if err != nil {
		return err
	}
	if !ok {
		if kind == opReplace {
			return p.applyToElems(opRemove, c, d, nil, name, idx, nil)
		}
		return nil
	}
	nm := val.(map[string]any)
	for n, i := range idx {
		src := nm
		if n > 0 {
			src = maps.Clone(nm)
		}
		if kind == opReplace {
			elems[i] = src
		} else {
			m := elems[i].(map[string]any)
			for k, v := range src {
				m[k] = v
			}
		}
	}
	if boolean(nm, "primary") {
		clearPrimary(elems, selected)
	}
	return nil
}

// addElements appends elements to a multi-valued attribute. An element
// equal to an existing one (same value and type, or all sub-attributes
// equal) is merged into it rather than duplicated. An element added with
// primary true clears primary on the others (RFC 7643 §2.4).
func addElements(d *attrDef, existing any, add []any) []any {
	out, _ := existing.([]any)
	primary := map[int]bool{}
	for _, e := range add {
		j := -1
		for i, o := range out {
			if sameElement(d, o, e) {
				j = i
				break
			}
		}
		m, isMap := e.(map[string]any)
		if j >= 0 {
			if om, ok := out[j].(map[string]any); ok && isMap {
				for k, v := range m {
					om[k] = v
				}
			}
		} else {
			out = append(out, e)
			j = len(out) - 1
		}
		if isMap && boolean(m, "primary") {
			primary = map[int]bool{j: true}
		}
	}
	if len(primary) > 0 {
		clearPrimary(out, primary)
	}
	return out
}

// clearPrimary removes primary from every element not in keep.
func clearPrimary(elems []any, keep map[int]bool) {
	for i, e := range elems {
		if m, ok := e.(map[string]any); ok && !keep[i] {
			delete(m, "primary")
		}
	}
}

// sameElement reports whether two canonical elements of d denote the
// same value: equal value and type sub-attributes for elements with a
// value, else all sub-attributes equal.
func sameElement(d *attrDef, a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return aok == bok && valuesEqual(d, a, b)
	}
	if bv, ok := bm["value"]; ok {
		sd := d.subAttr("value")
		if !valuesEqual(sd, am["value"], bv) {
			return false
		}
		bt, ok := bm["type"]
		return !ok || valuesEqual(d.subAttr("type"), am["type"], bt)
	}
	if len(am) != len(bm) {
		return false
	}
	for k, v := range bm {
		if !valuesEqual(d.subAttr(k), am[k], v) {
			return false
		}
	}
	return true
}

// valuesEqual compares two canonical simple values of attribute d
// (strings by its caseExact rule).
func valuesEqual(d *attrDef, a, b any) bool {
	as, aok := a.(string)
	bs, bok := b.(string)
	if aok && bok {
		if d != nil && !d.caseExact {
			return strings.EqualFold(as, bs)
		}
		return as == bs
	}
	switch a.(type) {
	case bool, json.Number, float64:
		return a == b
	}
	return false
}

// valueMatches reports whether a stored value equals the client value v
// (remove with a value).
func valueMatches(d *attrDef, stored, v any) bool {
	val, ok, err := normValue(d, d.name, v, false)
	if err != nil || !ok {
		return false
	}
	return valuesEqual(d, stored, val)
}

// setList stores a multi-valued attribute, removing it when empty.
func setList(c map[string]any, name string, l []any) {
	if len(l) == 0 {
		delete(c, name)
		return
	}
	c[name] = l
}

// fastValuePath compiles the value filters PATCH paths nearly always
// carry, `sub eq "literal"` comparisons joined by and (type eq "work"),
// into the same *ValuePath compileFilter would build, without running the
// general filter parser (which costs thousands of allocations). ok is
// false for anything else, which then goes to compileFilter.
func fastValuePath(rp resolvedPath, inner string) (*ValuePath, bool) {
	var f Filter
	s := inner
	for {
		s = strings.TrimLeft(s, " ")
		i := 0
		for i < len(s) && (isAlnum(s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '$') {
			i++
		}
		if i == 0 {
			return nil, false
		}
		sd := rp.attr.subAttr(s[:i])
		if sd == nil || sd.multi {
			return nil, false
		}
		s = strings.TrimLeft(s[i:], " ")
		if len(s) < 3 || !strings.EqualFold(s[:2], "eq") || s[2] != ' ' {
			return nil, false
		}
		s = strings.TrimLeft(s[3:], " ")
		var v any
		switch {
		case strings.HasPrefix(s, "true"), strings.HasPrefix(s, "false"):
			if sd.typ != TypeBoolean {
				return nil, false
			}
			b := s[0] == 't'
			v = b
			s = s[len(strconv.FormatBool(b)):]
		case strings.HasPrefix(s, `"`):
			if sd.typ != TypeString && sd.typ != TypeReference {
				return nil, false
			}
			j := 1
			for j < len(s) && s[j] != '"' && s[j] != '\\' && s[j] >= 0x20 {
				j++
			}
			if j >= len(s) || s[j] != '"' || !utf8.ValidString(s[1:j]) {
				return nil, false // escapes and odd bytes: leave them to the parser
			}
			v = s[1:j]
			s = s[j+1:]
		default:
			return nil, false
		}
		path := rp.path
		path.Sub = sd.name
		c := &Compare{Path: path, Op: OpEq, Value: v, Type: sd.typ, CaseExact: sd.caseExact}
		if f == nil {
			f = c
		} else {
			f = &And{Left: f, Right: c}
		}
		t := strings.TrimLeft(s, " ")
		if t == "" {
			return &ValuePath{Attr: rp.path, Filter: f}, true
		}
		if len(t) == len(s) || len(t) < 4 || !strings.EqualFold(t[:3], "and") || t[3] != ' ' {
			return nil, false
		}
		s = t[4:]
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
