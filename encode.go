package scim

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// This file: the response encoder for users and groups. Every response
// body is built here by appending, without reflection: it is the hottest
// path of the handler (a match query spends more time encoding the user
// than finding it). TestEncoderMatchesEncodingJSON holds it to
// encoding/json's output, compared semantically.

// jsonObject appends the members of one JSON object.
type jsonObject struct {
	b     []byte
	empty bool
}

func (o *jsonObject) key(k string) {
	if o.empty {
		o.empty = false
	} else {
		o.b = append(o.b, ',')
	}
	o.b = appendJSONString(o.b, k)
	o.b = append(o.b, ':')
}

// str appends k: v unless v is empty (omitempty).
func (o *jsonObject) str(k, v string) {
	if v != "" {
		o.key(k)
		o.b = appendJSONString(o.b, v)
	}
}

// strAlways appends k: v even when v is empty.
func (o *jsonObject) strAlways(k, v string) {
	o.key(k)
	o.b = appendJSONString(o.b, v)
}

// flag appends k: true when v (omitempty drops false).
func (o *jsonObject) flag(k string, v bool) {
	if v {
		o.key(k)
		o.b = append(o.b, "true"...)
	}
}

func (o *jsonObject) time(k string, t time.Time) {
	if !t.IsZero() {
		o.key(k)
		o.b = append(o.b, '"')
		o.b = t.AppendFormat(o.b, time.RFC3339Nano)
		o.b = append(o.b, '"')
	}
}

// object appends k: {…} with fill writing the members.
func (o *jsonObject) object(k string, fill func(*jsonObject)) {
	o.key(k)
	o.b = append(o.b, '{')
	o.empty = true
	fill(o) // the members go into o itself: no second object to allocate
	o.b = append(o.b, '}')
	o.empty = false
}

// array appends k: [{…}, …] for n elements, omitted when n is 0.
func (o *jsonObject) array(k string, n int, fill func(*jsonObject, int)) {
	if n == 0 {
		return
	}
	o.key(k)
	o.b = append(o.b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = append(o.b, '{')
		o.empty = true
		fill(o, i)
		o.b = append(o.b, '}')
	}
	o.b = append(o.b, ']')
	o.empty = false
}

func (o *jsonObject) strings(k string, vs []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = appendJSONString(o.b, v)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) raw(k string, v json.RawMessage) {
	o.key(k)
	o.b = append(o.b, v...)
}

func (o *jsonObject) multiValues(k string, vs []MultiValue) {
	o.array(k, len(vs), func(e *jsonObject, i int) {
		v := &vs[i]
		e.str("value", v.Value)
		e.str("display", v.Display)
		e.str("type", v.Type)
		e.flag("primary", v.Primary)
		e.str("$ref", v.Ref)
	})
}

func (o *jsonObject) meta(m *Meta) {
	if *m == (Meta{}) {
		return
	}
	o.object("meta", func(e *jsonObject) {
		e.str("resourceType", m.ResourceType)
		e.time("created", m.Created)
		e.time("lastModified", m.LastModified)
		e.str("location", m.Location)
		e.str("version", m.Version)
	})
}

func (o *jsonObject) extensions(exts map[string]json.RawMessage) {
	for _, k := range sortedKeys(exts) {
		o.raw(k, exts[k])
	}
}

// appendUser appends u in the RFC 7643 wire form.
func appendUser(b []byte, u *User) []byte {
	o := jsonObject{b: append(b, '{'), empty: true}
	o.strings("schemas", u.Schemas())
	o.str("id", u.ID)
	o.str("externalId", u.ExternalID)
	o.strAlways("userName", u.UserName)
	if n := u.Name; n != nil {
		o.object("name", func(e *jsonObject) {
			e.str("formatted", n.Formatted)
			e.str("familyName", n.FamilyName)
			e.str("givenName", n.GivenName)
			e.str("middleName", n.MiddleName)
			e.str("honorificPrefix", n.HonorificPrefix)
			e.str("honorificSuffix", n.HonorificSuffix)
		})
	}
	o.str("displayName", u.DisplayName)
	o.str("nickName", u.NickName)
	o.str("profileUrl", u.ProfileURL)
	o.str("title", u.Title)
	o.str("userType", u.UserType)
	o.str("preferredLanguage", u.PreferredLanguage)
	o.str("locale", u.Locale)
	o.str("timezone", u.Timezone)
	if u.Active != nil {
		o.key("active")
		if *u.Active {
			o.b = append(o.b, "true"...)
		} else {
			o.b = append(o.b, "false"...)
		}
	}
	o.multiValues("emails", u.Emails)
	o.multiValues("phoneNumbers", u.PhoneNumbers)
	o.multiValues("ims", u.IMs)
	o.multiValues("photos", u.Photos)
	o.array("addresses", len(u.Addresses), func(e *jsonObject, i int) {
		a := &u.Addresses[i]
		e.str("formatted", a.Formatted)
		e.str("streetAddress", a.StreetAddress)
		e.str("locality", a.Locality)
		e.str("region", a.Region)
		e.str("postalCode", a.PostalCode)
		e.str("country", a.Country)
		e.str("type", a.Type)
		e.flag("primary", a.Primary)
	})
	o.array("groups", len(u.Groups), func(e *jsonObject, i int) {
		g := &u.Groups[i]
		e.str("value", g.Value)
		e.str("$ref", g.Ref)
		e.str("display", g.Display)
		e.str("type", g.Type)
	})
	o.multiValues("entitlements", u.Entitlements)
	o.multiValues("roles", u.Roles)
	o.multiValues("x509Certificates", u.X509Certificates)
	if ent := u.Enterprise; !ent.isZero() {
		o.object(EnterpriseUserSchema, func(e *jsonObject) {
			e.str("employeeNumber", ent.EmployeeNumber)
			e.str("costCenter", ent.CostCenter)
			e.str("organization", ent.Organization)
			e.str("division", ent.Division)
			e.str("department", ent.Department)
			if m := ent.Manager; m != nil {
				e.object("manager", func(e *jsonObject) {
					e.str("value", m.Value)
					e.str("$ref", m.Ref)
					e.str("displayName", m.DisplayName)
				})
			}
		})
	}
	o.extensions(u.Extensions)
	o.meta(&u.Meta)
	return append(o.b, '}')
}

// appendGroup appends g in the RFC 7643 wire form.
func appendGroup(b []byte, g *Group) []byte {
	o := jsonObject{b: append(b, '{'), empty: true}
	o.strings("schemas", g.Schemas())
	o.str("id", g.ID)
	o.str("externalId", g.ExternalID)
	o.strAlways("displayName", g.DisplayName)
	o.array("members", len(g.Members), func(e *jsonObject, i int) {
		m := &g.Members[i]
		e.strAlways("value", m.Value)
		e.str("$ref", m.Ref)
		e.str("display", m.Display)
		e.str("type", m.Type)
	})
	o.extensions(g.Extensions)
	o.meta(&g.Meta)
	return append(o.b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, and
// U+2028/U+2029 escaped as encoding/json does. HTML characters are left as
// they are: SCIM bodies are not embedded in HTML.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
