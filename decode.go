package scim

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
)

// This file: decoding request bodies (POST, PUT) into typed resources, and
// the generic canonical document form that PATCH operates on.
//
// The canonical document of a resource is a map[string]any whose keys are
// attribute names spelled as in the schema, with extension objects under
// their schema URN (the enterprise extension under EnterpriseUserSchema,
// unregistered extensions under the URN the client used). Values are
// string, bool, json.Number (numbers), map[string]any (complex values, with
// canonical sub-attribute keys) and []any (multi-valued attributes).
// Unassigned attributes are absent, never null or empty. Unregistered
// extension objects are json.RawMessage until a PATCH touches them, so
// untouched ones round-trip byte for byte.

// decodeUser converts a decoded JSON request body (POST/PUT; keys any case)
// into a User, validating value types against rs. Attribute names match
// case-insensitively (RFC 7643 §2.1); schemas, meta, id, groups (read-only)
// and password (never stored) are ignored; null means unassigned; unknown
// top-level non-URN attributes are dropped; the enterprise extension object
// is read from its URN key (any case); other URN-keyed objects follow
// unknown. Attributes written URN-qualified at top level resolve too. Wrong
// types give a 400 invalidValue *Error naming the attribute. A multi-valued
// attribute given as a single object is accepted as one element.
func decodeUser(rs *resourceSchema, doc map[string]any, unknown UnknownExtensions) (*User, error) {
	c, err := canonicalize(rs, doc, unknown)
	if err != nil {
		return nil, err
	}
	return userFromDoc(c)
}

// decodeGroup is decodeUser for groups. Members is nil when the body has
// no members (or null), and empty but not nil when it has an empty list.
// Every member needs a string value.
func decodeGroup(rs *resourceSchema, doc map[string]any, unknown UnknownExtensions) (*Group, error) {
	c, err := canonicalize(rs, doc, unknown)
	if err != nil {
		return nil, err
	}
	g, err := groupFromDoc(c)
	if err != nil {
		return nil, err
	}
	if g.Members == nil {
		if v, ok := lookupFold(doc, "members"); ok && v != nil {
			g.Members = []Member{}
		}
	}
	return g, nil
}

// canonicalize turns a client document into a canonical document: it is a
// lenient path-less replace of doc onto an empty resource.
func canonicalize(rs *resourceSchema, doc map[string]any, unknown UnknownExtensions) (map[string]any, error) {
	p := patcher{rs: rs, doc: make(map[string]any, len(doc)), unknown: unknown, lenient: true}
	if err := p.applyObject(opReplace, "", doc); err != nil {
		return nil, err
	}
	return p.doc, nil
}

// lookupFold finds a key of m case-insensitively.
func lookupFold(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// userDoc returns the canonical document of u (see the top of this file):
// canonical attribute names, extension objects under their URNs, no
// schemas, meta, id or groups. decodeUser(userDoc(u)) gives back u apart
// from ID, Meta and Groups, which the caller keeps.
func userDoc(u *User) map[string]any {
	d := make(map[string]any, 24)
	putStr(d, "externalId", u.ExternalID)
	putStr(d, "userName", u.UserName)
	if !u.Name.isZero() {
		n := u.Name
		m := make(map[string]any, 6)
		putStr(m, "formatted", n.Formatted)
		putStr(m, "familyName", n.FamilyName)
		putStr(m, "givenName", n.GivenName)
		putStr(m, "middleName", n.MiddleName)
		putStr(m, "honorificPrefix", n.HonorificPrefix)
		putStr(m, "honorificSuffix", n.HonorificSuffix)
		d["name"] = m
	}
	putStr(d, "displayName", u.DisplayName)
	putStr(d, "nickName", u.NickName)
	putStr(d, "profileUrl", u.ProfileURL)
	putStr(d, "title", u.Title)
	putStr(d, "userType", u.UserType)
	putStr(d, "preferredLanguage", u.PreferredLanguage)
	putStr(d, "locale", u.Locale)
	putStr(d, "timezone", u.Timezone)
	if u.Active != nil {
		d["active"] = *u.Active
	}
	putMulti(d, "emails", u.Emails)
	putMulti(d, "phoneNumbers", u.PhoneNumbers)
	putMulti(d, "ims", u.IMs)
	putMulti(d, "photos", u.Photos)
	if len(u.Addresses) > 0 {
		l := make([]any, 0, len(u.Addresses))
		for _, a := range u.Addresses {
			m := make(map[string]any, 8)
			putStr(m, "formatted", a.Formatted)
			putStr(m, "streetAddress", a.StreetAddress)
			putStr(m, "locality", a.Locality)
			putStr(m, "region", a.Region)
			putStr(m, "postalCode", a.PostalCode)
			putStr(m, "country", a.Country)
			putStr(m, "type", a.Type)
			if a.Primary {
				m["primary"] = true
			}
			if len(m) > 0 {
				l = append(l, m)
			}
		}
		if len(l) > 0 {
			d["addresses"] = l
		}
	}
	putMulti(d, "entitlements", u.Entitlements)
	putMulti(d, "roles", u.Roles)
	putMulti(d, "x509Certificates", u.X509Certificates)
	if e := u.Enterprise; !e.isZero() {
		m := make(map[string]any, 6)
		putStr(m, "employeeNumber", e.EmployeeNumber)
		putStr(m, "costCenter", e.CostCenter)
		putStr(m, "organization", e.Organization)
		putStr(m, "division", e.Division)
		putStr(m, "department", e.Department)
		if mg := e.Manager; mg != nil && *mg != (Manager{}) {
			mm := make(map[string]any, 3)
			putStr(mm, "value", mg.Value)
			putStr(mm, "$ref", mg.Ref)
			putStr(mm, "displayName", mg.DisplayName)
			m["manager"] = mm
		}
		d[EnterpriseUserSchema] = m
	}
	for k, raw := range u.Extensions {
		if len(raw) > 0 && !isNull(raw) {
			d[k] = raw // never mutated: PATCH decodes it into a new map
		}
	}
	return d
}

// groupDoc returns the canonical document of g: displayName, externalId,
// members (only if g.Members is not nil) and extension objects.
func groupDoc(g *Group) map[string]any {
	d := make(map[string]any, 4+len(g.Extensions))
	putStr(d, "externalId", g.ExternalID)
	putStr(d, "displayName", g.DisplayName)
	if len(g.Members) > 0 {
		l := make([]any, 0, len(g.Members))
		for _, m := range g.Members {
			e := make(map[string]any, 4)
			putStr(e, "value", m.Value)
			putStr(e, "$ref", m.Ref)
			putStr(e, "display", m.Display)
			putStr(e, "type", m.Type)
			l = append(l, e)
		}
		d["members"] = l
	}
	for k, raw := range g.Extensions {
		if len(raw) > 0 && !isNull(raw) {
			d[k] = raw
		}
	}
	return d
}

func putStr(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putMulti(d map[string]any, k string, vs []MultiValue) {
	if len(vs) == 0 {
		return
	}
	l := make([]any, 0, len(vs))
	for _, v := range vs {
		m := make(map[string]any, 5)
		putStr(m, "value", v.Value)
		putStr(m, "display", v.Display)
		putStr(m, "type", v.Type)
		if v.Primary {
			m["primary"] = true
		}
		putStr(m, "$ref", v.Ref)
		if len(m) > 0 {
			l = append(l, m)
		}
	}
	if len(l) > 0 {
		d[k] = l
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func boolean(m map[string]any, k string) bool {
	b, _ := m[k].(bool)
	return b
}

func multiValues(v any) []MultiValue {
	l, _ := v.([]any)
	if len(l) == 0 {
		return nil
	}
	out := make([]MultiValue, 0, len(l))
	for _, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		out = append(out, MultiValue{Value: str(m, "value"), Display: str(m, "display"), Type: str(m, "type"), Primary: boolean(m, "primary"), Ref: str(m, "$ref")})
	}
	return out
}

// userFromDoc converts a canonical document into a User.
func userFromDoc(d map[string]any) (*User, error) {
	u := &User{
		ExternalID:        str(d, "externalId"),
		UserName:          str(d, "userName"),
		DisplayName:       str(d, "displayName"),
		NickName:          str(d, "nickName"),
		ProfileURL:        str(d, "profileUrl"),
		Title:             str(d, "title"),
		UserType:          str(d, "userType"),
		PreferredLanguage: str(d, "preferredLanguage"),
		Locale:            str(d, "locale"),
		Timezone:          str(d, "timezone"),
		Emails:            multiValues(d["emails"]),
		PhoneNumbers:      multiValues(d["phoneNumbers"]),
		IMs:               multiValues(d["ims"]),
		Photos:            multiValues(d["photos"]),
		Entitlements:      multiValues(d["entitlements"]),
		Roles:             multiValues(d["roles"]),
		X509Certificates:  multiValues(d["x509Certificates"]),
	}
	if m, ok := d["name"].(map[string]any); ok && len(m) > 0 {
		u.Name = &Name{Formatted: str(m, "formatted"), FamilyName: str(m, "familyName"), GivenName: str(m, "givenName"),
			MiddleName: str(m, "middleName"), HonorificPrefix: str(m, "honorificPrefix"), HonorificSuffix: str(m, "honorificSuffix")}
		if u.Name.isZero() {
			u.Name = nil
		}
	}
	if b, ok := d["active"].(bool); ok {
		u.Active = &b
	}
	if l, ok := d["addresses"].([]any); ok && len(l) > 0 {
		u.Addresses = make([]Address, 0, len(l))
		for _, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			u.Addresses = append(u.Addresses, Address{Formatted: str(m, "formatted"), StreetAddress: str(m, "streetAddress"),
				Locality: str(m, "locality"), Region: str(m, "region"), PostalCode: str(m, "postalCode"),
				Country: str(m, "country"), Type: str(m, "type"), Primary: boolean(m, "primary")})
		}
	}
	for k, v := range d {
		if !isURN(k) {
			continue
		}
		if k == EnterpriseUserSchema {
			m, _ := v.(map[string]any)
			e := &EnterpriseUser{EmployeeNumber: str(m, "employeeNumber"), CostCenter: str(m, "costCenter"),
				Organization: str(m, "organization"), Division: str(m, "division"), Department: str(m, "department")}
			if mm, ok := m["manager"].(map[string]any); ok {
				mg := Manager{Value: str(mm, "value"), Ref: str(mm, "$ref"), DisplayName: str(mm, "displayName")}
				if mg != (Manager{}) {
					e.Manager = &mg
				}
			}
			if !e.isZero() {
				u.Enterprise = e
			}
			continue
		}
		var err error
		if u.Extensions, err = putExtension(u.Extensions, k, v); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// groupFromDoc converts a canonical document into a Group.
func groupFromDoc(d map[string]any) (*Group, error) {
	g := &Group{ExternalID: str(d, "externalId"), DisplayName: str(d, "displayName")}
	if l, ok := d["members"].([]any); ok && len(l) > 0 {
		g.Members = make([]Member, 0, len(l))
		for _, e := range l {
			if m, ok := e.(map[string]any); ok {
				g.Members = append(g.Members, Member{Value: str(m, "value"), Ref: str(m, "$ref"), Display: str(m, "display"), Type: str(m, "type")})
			}
		}
	}
	for k, v := range d {
		if !isURN(k) {
			continue
		}
		var err error
		if g.Extensions, err = putExtension(g.Extensions, k, v); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// putExtension stores the extension object v under urn in exts (creating
// the map on first use); an empty object stores nothing.
func putExtension(exts map[string]json.RawMessage, urn string, v any) (map[string]json.RawMessage, error) {
	raw, err := extensionJSON(v)
	if err != nil || raw == nil {
		return exts, err
	}
	if exts == nil {
		exts = map[string]json.RawMessage{}
	}
	exts[urn] = raw
	return exts, nil
}

// extensionJSON encodes an unregistered extension object of a canonical
// document; nil for an empty one.
func extensionJSON(v any) (json.RawMessage, error) {
	switch x := v.(type) {
	case json.RawMessage:
		if len(x) == 0 || isNull(x) {
			return nil, nil
		}
		return x, nil
	case map[string]any:
		if len(x) == 0 {
			return nil, nil
		}
		b, err := json.Marshal(x)
		if err != nil {
			return nil, badRequest(ScimTypeInvalidValue, "extension value cannot be encoded")
		}
		return b, nil
	case nil:
		return nil, nil
	}
	return nil, badRequest(ScimTypeInvalidValue, "extension must be an object")
}

// rawObject decodes a stored extension object for modification. A stored
// value that is not an object (never written by this package) is replaced
// by an empty one.
func rawObject(raw json.RawMessage) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	return m
}

// normValue validates a client value v for attribute d and returns it in
// canonical form. ok is false when v is unassigned (null, "", [] or an
// object without assigned sub-attributes). name is the attribute path for
// error details. keepReadOnly keeps read-only sub-attributes, which are
// otherwise dropped (clients cannot set them).
func normValue(d *attrDef, name string, v any, keepReadOnly bool) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	if !d.multi {
		return normSingle(d, name, v, keepReadOnly)
	}
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	default:
		items = []any{x} // one element given without the array
	}
	out := make([]any, 0, len(items))
	for _, it := range items {
		e, ok, err := normSingle(d, name, it, keepReadOnly)
		if err != nil {
			return nil, false, err
		}
		if ok {
			out = append(out, e)
		}
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	return out, true, nil
}

// normSingle is normValue for one (element) value.
func normSingle(d *attrDef, name string, v any, keepReadOnly bool) (any, bool, error) {
	if v == nil {
		return nil, false, nil
	}
	switch d.typ {
	case TypeComplex:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be an object, not %s", name, jsonKind(v))
		}
		out := make(map[string]any, len(m))
		for k, sv := range m {
			sd := d.subAttr(k)
			if sd == nil {
				if k == "$ref" || strings.EqualFold(k, "$ref") {
					if s, ok := sv.(string); ok && s != "" {
						out["$ref"] = s
					} else if sv != nil {
						return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be a string, not %s", name+".$ref", jsonKind(sv))
					}
				}
				continue // unknown sub-attributes are ignored like unknown attributes
			}
			if sd.readOnly() && !keepReadOnly {
				continue
			}
			val, ok, err := normValue(sd, name+"."+sd.name, sv, keepReadOnly)
			if err != nil {
				return nil, false, err
			}
			if ok {
				out[sd.name] = val
			}
		}
		if len(out) == 0 {
			return nil, false, nil
		}
		if d.name == "members" && d.multi {
			if _, ok := out["value"]; !ok {
				return nil, false, badRequest(ScimTypeInvalidValue, "every element of %q needs a value", name)
			}
		}
		return out, true, nil
	case TypeBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be a boolean, not %s", name, jsonKind(v))
		}
		return b, true, nil
	case TypeInteger, TypeDecimal:
		var f float64
		switch x := v.(type) {
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be a number", name)
			}
		case float64:
			f = x
		default:
			return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be a number, not %s", name, jsonKind(v))
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || (d.typ == TypeInteger && f != math.Trunc(f)) {
			return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be an %s", name, d.typ)
		}
		return v, true, nil
	}
	// string, reference, binary, dateTime
	s, ok := v.(string)
	if !ok {
		return nil, false, badRequest(ScimTypeInvalidValue, "attribute %q must be a string, not %s", name, jsonKind(v))
	}
	if s == "" {
		return nil, false, nil
	}
	return s, true, nil
}

// jsonKind names the JSON type of a decoded value for error details.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number, float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unsupported value"
}
