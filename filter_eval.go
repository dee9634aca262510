package scim

import (
	"cmp"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file: in-memory evaluation of compiled filters.

// matchElement reports whether one element of a multi-valued or complex
// attribute, given as a map with canonical sub-attribute keys, satisfies
// the inner filter f of a *ValuePath. Values in elem are string, bool,
// json.Number, float64, int64, int or nil. A nil f matches every element.
func matchElement(f Filter, elem map[string]any) bool {
	switch n := f.(type) {
	case nil:
		return true
	case *And:
		return matchElement(n.Left, elem) && matchElement(n.Right, elem)
	case *Or:
		return matchElement(n.Left, elem) || matchElement(n.Right, elem)
	case *Not:
		return !matchElement(n.X, elem)
	case *Compare:
		key := n.Path.Sub
		if key == "" {
			key = n.Path.Name
		}
		v, ok := elem[key]
		if !ok {
			// Keys are canonical, but tolerate a differently cased key.
			for k, kv := range elem {
				if strings.EqualFold(k, key) {
					v, ok = kv, true
					break
				}
			}
		}
		if !ok || v == nil {
			return compareMissing(n)
		}
		return compareAny(n, v)
	case *ValuePath:
		// A nested value path is not valid SCIM; treat it as a non-match.
		return false
	}
	return false
}

// compareMissing is the result of comparison c on an unassigned value:
// only "ne" is true.
func compareMissing(c *Compare) bool { return c.Op == OpNe }

// compareAny compares a generic value (decoded JSON) with c.
func compareAny(c *Compare, v any) bool {
	switch x := v.(type) {
	case string:
		return compareString(c, x)
	case bool:
		return compareBool(c, x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return compareNumber(c, float64(i), true, i)
		}
		f, err := x.Float64()
		if err != nil {
			return compareString(c, x.String())
		}
		return compareNumber(c, f, false, 0)
	case float64:
		return compareNumber(c, x, false, 0)
	case float32:
		return compareNumber(c, float64(x), false, 0)
	case int64:
		return compareNumber(c, float64(x), true, x)
	case int:
		return compareNumber(c, float64(x), true, int64(x))
	case int32:
		return compareNumber(c, float64(x), true, int64(x))
	case time.Time:
		return compareTime(c, x, true)
	case []any:
		for _, e := range x {
			if e != nil && compareAny(c, e) {
				return true
			}
		}
		return c.Op == OpNe && len(x) == 0
	}
	return false
}

// compareString compares the string value s of an attribute with c.
func compareString(c *Compare, s string) bool {
	if c.Op == OpPr {
		return s != ""
	}
	switch want := c.Value.(type) {
	case string:
		return stringOp(c.Op, s, want, c.CaseExact)
	case time.Time:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return c.Op == OpNe
		}
		return compareTime(c, t, true)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c.Op == OpNe
		}
		return compareBool(c, b)
	case int64, float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return c.Op == OpNe
		}
		return compareNumber(c, f, false, 0)
	}
	return false
}

// stringOp applies op to attribute value s and filter value want.
func stringOp(op CompareOp, s, want string, caseExact bool) bool {
	if !caseExact {
		if op == OpEq {
			return strings.EqualFold(s, want)
		}
		if op == OpNe {
			return !strings.EqualFold(s, want)
		}
		s, want = strings.ToLower(s), strings.ToLower(want)
	}
	switch op {
	case OpEq:
		return s == want
	case OpNe:
		return s != want
	case OpCo:
		return strings.Contains(s, want)
	case OpSw:
		return strings.HasPrefix(s, want)
	case OpEw:
		return strings.HasSuffix(s, want)
	case OpGt:
		return s > want
	case OpGe:
		return s >= want
	case OpLt:
		return s < want
	case OpLe:
		return s <= want
	case OpPr:
		return s != ""
	}
	return false
}

// compareBool compares boolean attribute value b with c.
func compareBool(c *Compare, b bool) bool {
	if c.Op == OpPr {
		return true
	}
	want, ok := c.Value.(bool)
	if !ok {
		if s, isStr := c.Value.(string); isStr {
			p, err := strconv.ParseBool(s)
			if err != nil {
				return c.Op == OpNe
			}
			want, ok = p, true
		}
	}
	if !ok {
		return c.Op == OpNe
	}
	switch c.Op {
	case OpEq:
		return b == want
	case OpNe:
		return b != want
	}
	return false
}

// compareNumber compares numeric attribute value f (exactly i when isInt)
// with c.
func compareNumber(c *Compare, f float64, isInt bool, i int64) bool {
	if c.Op == OpPr {
		return true
	}
	var cmp int
	switch want := c.Value.(type) {
	case int64:
		if isInt {
			cmp = cmpOrdered(i, want)
		} else {
			cmp = cmpFloat(f, float64(want))
		}
	case float64:
		cmp = cmpFloat(f, want)
	case string:
		w, err := strconv.ParseFloat(want, 64)
		if err != nil {
			return c.Op == OpNe
		}
		cmp = cmpFloat(f, w)
	default:
		return c.Op == OpNe
	}
	return orderOp(c.Op, cmp)
}

// compareTime compares dateTime attribute value t (set when ok) with c.
func compareTime(c *Compare, t time.Time, ok bool) bool {
	if c.Op == OpPr {
		return ok && !t.IsZero()
	}
	if !ok || t.IsZero() {
		return c.Op == OpNe
	}
	var want time.Time
	switch w := c.Value.(type) {
	case time.Time:
		want = w
	case string:
		p, err := time.Parse(time.RFC3339Nano, w)
		if err != nil {
			return c.Op == OpNe
		}
		want = p
	default:
		return c.Op == OpNe
	}
	return orderOp(c.Op, t.Compare(want))
}

func cmpOrdered[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 2 // unordered: never eq, gt or lt
	}
	return cmp.Compare(a, b)
}

// orderOp maps a three-way comparison result to op; cmp 2 means
// unordered.
func orderOp(op CompareOp, cmp int) bool {
	switch op {
	case OpEq:
		return cmp == 0
	case OpNe:
		return cmp != 0
	case OpGt:
		return cmp == 1
	case OpGe:
		return cmp == 1 || cmp == 0
	case OpLt:
		return cmp == -1
	case OpLe:
		return cmp == -1 || cmp == 0
	}
	return false
}

// scalar is one attribute value of a typed resource, compared without
// boxing it in an interface.
type scalar struct {
	kind scalarKind
	s    string
	b    bool
	t    time.Time
	// weakBool marks a bool stored with omitempty (primary): false reads
	// as unassigned for pr.
	weakBool bool
	raw      any // kindRaw: decoded JSON of an extension attribute
}

type scalarKind uint8

const (
	kindString scalarKind = iota
	kindBool
	kindTime
	kindRaw
)

func strScalar(s string) scalar { return scalar{kind: kindString, s: s} }

// present reports whether v counts as assigned.
func (v scalar) present() bool {
	switch v.kind {
	case kindString:
		return v.s != ""
	case kindBool:
		return v.b || !v.weakBool
	case kindTime:
		return !v.t.IsZero()
	case kindRaw:
		switch x := v.raw.(type) {
		case nil:
			return false
		case string:
			return x != ""
		case []any:
			return len(x) > 0
		case map[string]any:
			return len(x) > 0
		}
		return true
	}
	return false
}

// matcher accumulates the values of an attribute for one comparison: the
// comparison holds when any assigned value satisfies it, and "ne" holds
// when no value is assigned.
type matcher struct {
	c    *Compare
	seen bool
	hit  bool
}

// add offers one value; it returns false once the result is known.
func (m *matcher) add(v scalar) bool {
	if !v.present() && (v.kind != kindBool || m.c.Op == OpPr) {
		// An omitted bool (primary false) still compares as false.
		return true
	}
	m.seen = true
	if m.c.Op == OpPr || compareScalar(m.c, v) {
		m.hit = true
		return false
	}
	return true
}

func (m *matcher) result() bool {
	if m.hit {
		return true
	}
	return !m.seen && m.c.Op == OpNe
}

func compareScalar(c *Compare, v scalar) bool {
	switch v.kind {
	case kindString:
		return compareString(c, v.s)
	case kindBool:
		return compareBool(c, v.b)
	case kindTime:
		return compareTime(c, v.t, true)
	case kindRaw:
		return compareAny(c, v.raw)
	}
	return false
}

// element is one element of a complex or multi-valued attribute of a
// typed resource.
type element interface {
	sub(name string) scalar
}

type mvElem MultiValue

func (e *mvElem) sub(name string) scalar {
	switch name {
	case "value":
		return strScalar(e.Value)
	case "display":
		return strScalar(e.Display)
	case "type":
		return strScalar(e.Type)
	case "primary":
		return scalar{kind: kindBool, b: e.Primary, weakBool: true}
	case "$ref":
		return strScalar(e.Ref)
	}
	return scalar{}
}

type addrElem Address

func (e *addrElem) sub(name string) scalar {
	switch name {
	case "formatted":
		return strScalar(e.Formatted)
	case "streetAddress":
		return strScalar(e.StreetAddress)
	case "locality":
		return strScalar(e.Locality)
	case "region":
		return strScalar(e.Region)
	case "postalCode":
		return strScalar(e.PostalCode)
	case "country":
		return strScalar(e.Country)
	case "type":
		return strScalar(e.Type)
	case "primary":
		return scalar{kind: kindBool, b: e.Primary, weakBool: true}
	}
	return scalar{}
}

type groupRefElem GroupRef

func (e *groupRefElem) sub(name string) scalar {
	switch name {
	case "value":
		return strScalar(e.Value)
	case "$ref":
		return strScalar(e.Ref)
	case "display":
		return strScalar(e.Display)
	case "type":
		return strScalar(e.Type)
	}
	return scalar{}
}

type memberElem Member

func (e *memberElem) sub(name string) scalar {
	switch name {
	case "value":
		return strScalar(e.Value)
	case "$ref":
		return strScalar(e.Ref)
	case "display":
		return strScalar(e.Display)
	case "type":
		return strScalar(e.Type)
	}
	return scalar{}
}

type nameElem Name

func (e *nameElem) sub(name string) scalar {
	switch name {
	case "formatted":
		return strScalar(e.Formatted)
	case "familyName":
		return strScalar(e.FamilyName)
	case "givenName":
		return strScalar(e.GivenName)
	case "middleName":
		return strScalar(e.MiddleName)
	case "honorificPrefix":
		return strScalar(e.HonorificPrefix)
	case "honorificSuffix":
		return strScalar(e.HonorificSuffix)
	}
	return scalar{}
}

type managerElem Manager

func (e *managerElem) sub(name string) scalar {
	switch name {
	case "value":
		return strScalar(e.Value)
	case "$ref":
		return strScalar(e.Ref)
	case "displayName":
		return strScalar(e.DisplayName)
	}
	return scalar{}
}

type metaElem Meta

func (e *metaElem) sub(name string) scalar {
	switch name {
	case "resourceType":
		return strScalar(e.ResourceType)
	case "created":
		return scalar{kind: kindTime, t: e.Created}
	case "lastModified":
		return scalar{kind: kindTime, t: e.LastModified}
	case "location":
		return strScalar(e.Location)
	case "version":
		return strScalar(e.Version)
	}
	return scalar{}
}

// rawElem is an element of an extension attribute decoded from JSON.
type rawElem map[string]any

func (e rawElem) sub(name string) scalar {
	if v, ok := e[name]; ok {
		return scalar{kind: kindRaw, raw: v}
	}
	for k, v := range e {
		if strings.EqualFold(k, name) {
			return scalar{kind: kindRaw, raw: v}
		}
	}
	return scalar{}
}

// userElements returns the number of elements of the complex attribute
// p.Name (p.URN selecting the schema) of u and an accessor for them: at
// most one element for a single-valued attribute. ok is false when p is
// not a complex attribute of the typed User.
func userElements(u *User, p AttrPath) (int, func(int) element, bool) {
	switch p.URN {
	case "":
		switch p.Name {
		case "emails":
			return mvList(u.Emails)
		case "phoneNumbers":
			return mvList(u.PhoneNumbers)
		case "ims":
			return mvList(u.IMs)
		case "photos":
			return mvList(u.Photos)
		case "entitlements":
			return mvList(u.Entitlements)
		case "roles":
			return mvList(u.Roles)
		case "x509Certificates":
			return mvList(u.X509Certificates)
		case "addresses":
			return len(u.Addresses), func(i int) element { return (*addrElem)(&u.Addresses[i]) }, true
		case "groups":
			return len(u.Groups), func(i int) element { return (*groupRefElem)(&u.Groups[i]) }, true
		case "name":
			if u.Name == nil {
				return 0, nil, true
			}
			return 1, func(int) element { return (*nameElem)(u.Name) }, true
		case "meta":
			return 1, func(int) element { return (*metaElem)(&u.Meta) }, true
		}
		return 0, nil, false
	case EnterpriseUserSchema:
		if p.Name != "manager" {
			return 0, nil, false
		}
		if u.Enterprise == nil || u.Enterprise.Manager == nil {
			return 0, nil, true
		}
		return 1, func(int) element { return (*managerElem)(u.Enterprise.Manager) }, true
	}
	return extElements(u.Extensions, p)
}

func mvList(s []MultiValue) (int, func(int) element, bool) {
	return len(s), func(i int) element { return (*mvElem)(&s[i]) }, true
}

// extLookup finds attribute p.Name of extension p.URN in exts, matching
// the URN and the attribute name case-insensitively.
func extLookup(exts map[string]json.RawMessage, p AttrPath) (any, bool) {
	raw, ok := exts[p.URN]
	if !ok {
		for k, v := range exts {
			if strings.EqualFold(k, p.URN) {
				raw, ok = v, true
				break
			}
		}
	}
	if !ok {
		return nil, false
	}
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, false
	}
	return rawElem(obj).sub(p.Name).raw, true
}

// extElements returns the elements of a complex extension attribute kept
// as raw JSON (an object or an array of objects); ok is false for other
// values.
func extElements(exts map[string]json.RawMessage, p AttrPath) (int, func(int) element, bool) {
	v, _ := extLookup(exts, AttrPath{URN: p.URN, Name: p.Name})
	switch x := v.(type) {
	case map[string]any:
		return 1, func(int) element { return rawElem(x) }, true
	case []any:
		var elems []element
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				elems = append(elems, rawElem(m))
			}
		}
		if len(elems) > 0 {
			return len(elems), func(i int) element { return elems[i] }, true
		}
	}
	return 0, nil, false
}

// userSimple returns the value of the simple attribute p of u. ok is
// false when p is not a simple attribute of the typed User.
func userSimple(u *User, p AttrPath) (scalar, bool) {
	switch p.URN {
	case "":
		var s string
		switch p.Name {
		case "id":
			s = u.ID
		case "externalId":
			s = u.ExternalID
		case "userName":
			s = u.UserName
		case "displayName":
			s = u.DisplayName
		case "nickName":
			s = u.NickName
		case "profileUrl":
			s = u.ProfileURL
		case "title":
			s = u.Title
		case "userType":
			s = u.UserType
		case "preferredLanguage":
			s = u.PreferredLanguage
		case "locale":
			s = u.Locale
		case "timezone":
			s = u.Timezone
		case "active":
			return scalar{kind: kindBool, b: u.IsActive()}, true
		default:
			return scalar{}, false
		}
		return strScalar(s), true
	case EnterpriseUserSchema:
		e := u.Enterprise
		if e == nil {
			e = &EnterpriseUser{}
		}
		var s string
		switch p.Name {
		case "employeeNumber":
			s = e.EmployeeNumber
		case "costCenter":
			s = e.CostCenter
		case "organization":
			s = e.Organization
		case "division":
			s = e.Division
		case "department":
			s = e.Department
		default:
			return scalar{}, false
		}
		return strScalar(s), true
	}
	return scalar{}, false
}

// MatchUser reports whether u satisfies f, evaluating the filter in
// memory on the typed fields. It is meant for stores without a query
// engine of their own (the in-memory store uses it for filters it has no
// index for). A comparison on a multi-valued attribute or one of its
// sub-attributes holds when any value satisfies it; "ne" holds for an
// unassigned attribute; strings compare case-insensitively unless the
// attribute is caseExact; an unset Active counts as true. A nil f
// matches every user.
func MatchUser(f Filter, u *User) bool {
	if u == nil {
		return false
	}
	return matchResource(f, u, userSimple, userElements, u.Extensions)
}

// MatchGroup reports whether g satisfies f, evaluated in memory like
// MatchUser. When g.Members is nil (members not loaded), every
// comparison on members is false. A nil f matches every group.
func MatchGroup(f Filter, g *Group) bool {
	if g == nil {
		return false
	}
	return matchResource(f, g, groupSimple, groupElements, g.Extensions)
}

// groupSimple returns the value of the simple attribute p of g.
func groupSimple(g *Group, p AttrPath) (scalar, bool) {
	if p.URN != "" {
		return scalar{}, false
	}
	switch p.Name {
	case "id":
		return strScalar(g.ID), true
	case "externalId":
		return strScalar(g.ExternalID), true
	case "displayName":
		return strScalar(g.DisplayName), true
	}
	return scalar{}, false
}

// notLoaded is the element count of an attribute the resource does not
// carry (members not loaded): every comparison on it is false.
const notLoaded = -1

func groupElements(g *Group, p AttrPath) (int, func(int) element, bool) {
	if p.URN == "" {
		switch p.Name {
		case "members":
			if g.Members == nil {
				return notLoaded, nil, true
			}
			return len(g.Members), func(i int) element { return (*memberElem)(&g.Members[i]) }, true
		case "meta":
			return 1, func(int) element { return (*metaElem)(&g.Meta) }, true
		}
		return 0, nil, false
	}
	return extElements(g.Extensions, p)
}

// matchResource evaluates f on a typed resource r through its accessors.
func matchResource[R any](f Filter, r R, simple func(R, AttrPath) (scalar, bool),
	elems func(R, AttrPath) (int, func(int) element, bool), exts map[string]json.RawMessage) bool {
	switch n := f.(type) {
	case nil:
		return true
	case *And:
		return matchResource(n.Left, r, simple, elems, exts) && matchResource(n.Right, r, simple, elems, exts)
	case *Or:
		return matchResource(n.Left, r, simple, elems, exts) || matchResource(n.Right, r, simple, elems, exts)
	case *Not:
		return !matchResource(n.X, r, simple, elems, exts)
	case *ValuePath:
		cnt, get, ok := elems(r, n.Attr)
		if !ok || cnt <= 0 {
			return false
		}
		for i := range cnt {
			if matchElem(n.Filter, get(i)) {
				return true
			}
		}
		return false
	case *Compare:
		m := matcher{c: n}
		if n.Path.Sub == "" {
			if v, ok := simple(r, n.Path); ok {
				m.add(v)
				return m.result()
			}
		}
		if n.Path.URN != "" && n.Path.URN != EnterpriseUserSchema {
			return matchExtension(&m, exts, n.Path)
		}
		cnt, get, ok := elems(r, n.Path)
		if cnt == notLoaded {
			return false
		}
		if ok {
			for i := 0; i < cnt; i++ {
				e := get(i)
				if n.Path.Sub == "" {
					// pr on a complex attribute: any element assigned.
					m.add(scalar{kind: kindBool, b: elementAssigned(e)})
				} else if !m.add(e.sub(n.Path.Sub)) {
					break
				}
			}
			return m.result()
		}
		return m.result()
	}
	return false
}

// matchExtension evaluates m's comparison on an attribute of an
// extension kept as raw JSON, decoding the extension once.
func matchExtension(m *matcher, exts map[string]json.RawMessage, p AttrPath) bool {
	v, _ := extLookup(exts, AttrPath{URN: p.URN, Name: p.Name})
	offer := func(v any) bool {
		if p.Sub != "" {
			obj, isObj := v.(map[string]any)
			if !isObj {
				return true
			}
			v = rawElem(obj).sub(p.Sub).raw
		}
		return m.add(scalar{kind: kindRaw, raw: v})
	}
	if arr, isArr := v.([]any); isArr {
		for _, e := range arr {
			if !offer(e) {
				break
			}
		}
	} else {
		offer(v)
	}
	return m.result()
}

// elementAssigned reports whether a complex value has any assigned
// sub-attribute.
func elementAssigned(e element) bool {
	switch x := e.(type) {
	case *nameElem:
		return !(*Name)(x).isZero()
	case *managerElem:
		return *x != managerElem{}
	case *metaElem:
		return *x != metaElem{}
	case rawElem:
		return len(x) > 0
	}
	return true
}

// matchElem evaluates the inner filter of a value path on one element.
func matchElem(f Filter, e element) bool {
	switch n := f.(type) {
	case nil:
		return true
	case *And:
		return matchElem(n.Left, e) && matchElem(n.Right, e)
	case *Or:
		return matchElem(n.Left, e) || matchElem(n.Right, e)
	case *Not:
		return !matchElem(n.X, e)
	case *Compare:
		m := matcher{c: n}
		m.add(e.sub(n.Path.Sub))
		return m.result()
	}
	return false
}

// sortKey is the value a resource sorts by; ok is false when the
// resource has no value.
type sortKey struct {
	v  scalar
	ok bool
}

// keyOf returns the sort key of a resource for path p: the value of a
// simple attribute, or the sub-attribute of the primary (else first)
// element of a multi-valued one. A complex attribute without
// sub-attribute sorts by its "value" sub-attribute.
func keyOf[R any](r R, p AttrPath, simple func(R, AttrPath) (scalar, bool),
	elems func(R, AttrPath) (int, func(int) element, bool), exts map[string]json.RawMessage) sortKey {
	if p.Sub == "" {
		if v, ok := simple(r, p); ok {
			return sortKey{v: v, ok: v.present()}
		}
	}
	if cnt, get, ok := elems(r, p); ok {
		sub := p.Sub
		if sub == "" {
			sub = "value"
		}
		var first sortKey
		for i := 0; i < cnt; i++ {
			e := get(i)
			v := e.sub(sub)
			if !v.present() {
				continue
			}
			if p := e.sub("primary"); p.kind == kindBool && p.b || p.kind == kindRaw && p.raw == true {
				return sortKey{v: v, ok: true}
			}
			if !first.ok {
				first = sortKey{v: v, ok: true}
			}
		}
		return first
	}
	if p.URN != "" {
		v, _ := extLookup(exts, AttrPath{URN: p.URN, Name: p.Name})
		if p.Sub != "" {
			obj, _ := v.(map[string]any)
			v = rawElem(obj).sub(p.Sub).raw
		}
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			v = arr[0]
		}
		k := scalar{kind: kindRaw, raw: v}
		return sortKey{v: k, ok: k.present()}
	}
	return sortKey{}
}

// compareKeys orders two present sort keys: -1, 0 or 1.
func compareKeys(a, b scalar, caseExact bool) int {
	as, bs := a, b
	if as.kind == kindRaw {
		as = rawScalar(as.raw)
	}
	if bs.kind == kindRaw {
		bs = rawScalar(bs.raw)
	}
	if as.kind != bs.kind {
		return cmpOrdered(int64(as.kind), int64(bs.kind))
	}
	switch as.kind {
	case kindString:
		if !caseExact {
			if c := cmpOrdered(strings.ToLower(as.s), strings.ToLower(bs.s)); c != 0 {
				return c
			}
			return 0
		}
		return cmpOrdered(as.s, bs.s)
	case kindBool:
		switch {
		case as.b == bs.b:
			return 0
		case !as.b:
			return -1
		}
		return 1
	case kindTime:
		return as.t.Compare(bs.t)
	case kindRaw:
		// Numbers from extensions.
		af, aok := toFloat(as.raw)
		bf, bok := toFloat(bs.raw)
		if aok && bok {
			return cmp.Compare(af, bf)
		}
	}
	return 0
}

// rawScalar turns a decoded JSON value into a typed scalar where it can.
func rawScalar(v any) scalar {
	switch x := v.(type) {
	case string:
		return strScalar(x)
	case bool:
		return scalar{kind: kindBool, b: x}
	}
	return scalar{kind: kindRaw, raw: v}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// sortByKeys stably sorts items by their keys, missing keys last in
// ascending order (RFC 7644 §3.4.2.3) and first in descending order.
func sortByKeys[T any](items []T, keys []sortKey, order SortOrder, caseExact bool) {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := keys[idx[x]], keys[idx[y]]
		var c int
		switch {
		case !a.ok && !b.ok:
			return false
		case !a.ok:
			c = 1
		case !b.ok:
			c = -1
		default:
			c = compareKeys(a.v, b.v, caseExact)
		}
		if order == Descending {
			c = -c
		}
		return c < 0
	})
	sorted := make([]T, len(items))
	for i, j := range idx {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

// sortCaseExact reports whether path p of schema rs compares
// case-sensitively.
func sortCaseExact(rs *resourceSchema, p AttrPath) bool {
	rp, ok := rs.resolve(p.String())
	if !ok || rp.attr == nil {
		return false
	}
	leaf := rp.leaf()
	if leaf.typ == TypeComplex {
		if v := leaf.subAttr("value"); v != nil {
			return v.caseExact
		}
	}
	return leaf.caseExact
}

// SortUsers sorts users stably by the attribute by (RFC 7644 §3.4.2.3),
// for stores without a query engine. A multi-valued attribute sorts by
// its primary (else first) value; strings compare case-insensitively
// unless the attribute is caseExact; users without a value sort last in
// Ascending order and first in Descending order. A zero by leaves the
// order unchanged.
func SortUsers(users []*User, by AttrPath, order SortOrder) {
	if by.IsZero() || len(users) < 2 {
		return
	}
	keys := make([]sortKey, len(users))
	for i, u := range users {
		if u != nil {
			keys[i] = keyOf(u, by, userSimple, userElements, u.Extensions)
		}
	}
	sortByKeys(users, keys, order, sortCaseExact(newUserSchema(), by))
}

// SortGroups sorts groups stably by the attribute by, with the rules of
// SortUsers. A zero by leaves the order unchanged.
func SortGroups(groups []*Group, by AttrPath, order SortOrder) {
	if by.IsZero() || len(groups) < 2 {
		return
	}
	keys := make([]sortKey, len(groups))
	for i, g := range groups {
		if g != nil {
			keys[i] = keyOf(g, by, groupSimple, groupElements, g.Extensions)
		}
	}
	sortByKeys(groups, keys, order, sortCaseExact(newGroupSchema(), by))
}
