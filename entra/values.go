package entra

import (
	"encoding/json"
	"strings"

	"github.com/scimkit/scim"
)

// EnterpriseUserURN is the schema URN of the RFC 7643 §4.3 enterprise user
// extension, which holds manager.
const EnterpriseUserURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

// coreURNPrefix starts the core schema URNs, whose keys in a body are not
// extension objects.
const coreURNPrefix = "urn:ietf:params:scim:schemas:core:2.0:"

func isURN(s string) bool { return len(s) > 4 && strings.EqualFold(s[:4], "urn:") }

// resolve looks path up in the schema. An unqualified "manager" path,
// which is not a core attribute, is looked up in the enterprise extension
// (Entra's legacy form, §2.3.5); qualified then holds the URN-qualified
// path.
func resolve(e env, path string) (ai scim.AttrInfo, qualified string, ok bool) {
	if ai, ok := e.Attribute(path); ok {
		return ai, path, true
	}
	name, _, _ := strings.Cut(path, ".")
	if !strings.EqualFold(name, "manager") {
		return scim.AttrInfo{}, "", false
	}
	q := EnterpriseUserURN + ":" + path
	if ai, ok := e.Attribute(q); ok {
		return ai, q, true
	}
	return scim.AttrInfo{}, "", false
}

// isManager reports whether ai is the enterprise manager attribute itself.
func isManager(ai scim.AttrInfo) bool {
	return strings.EqualFold(ai.Path.URN, EnterpriseUserURN) && strings.EqualFold(ai.Path.Name, "manager") &&
		ai.Path.Sub == "" && ai.Type == scim.TypeComplex && !ai.MultiValued
}

// isActive reports whether ai is the core active attribute.
func isActive(ai scim.AttrInfo) bool {
	return ai.Path.URN == "" && strings.EqualFold(ai.Path.Name, "active") && ai.Path.Sub == ""
}

// isRoles reports whether ai is the core roles attribute.
func isRoles(ai scim.AttrInfo) bool {
	return ai.Path.URN == "" && strings.EqualFold(ai.Path.Name, "roles") && ai.Path.Sub == "" && ai.Type == scim.TypeComplex
}

// emptyActive reports whether v is a "no change" value for active.
func emptyActive(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

// stringBool converts "true"/"false" in any case.
func stringBool(v any) (bool, bool) {
	s, ok := v.(string)
	if !ok {
		return false, false
	}
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func subAttr(ai scim.AttrInfo, name string) (scim.AttrInfo, bool) {
	for _, s := range ai.SubAttributes {
		if strings.EqualFold(s.Path.Sub, name) {
			return s, true
		}
	}
	return scim.AttrInfo{}, false
}

// value normalizes v, a value for the attribute ai, and returns it. Maps
// and slices are rewritten in place.
func value(e env, ai scim.AttrInfo, v any) any {
	switch {
	case ai.Type == scim.TypeBoolean:
		if b, ok := stringBool(v); ok {
			e.Fired(RuleStringBoolean)
			return b
		}
		if l, ok := v.([]any); ok && ai.MultiValued {
			for i := range l {
				l[i] = value(e, scim.AttrInfo{Path: ai.Path, Type: ai.Type}, l[i])
			}
		}
		return v
	case ai.Type != scim.TypeComplex:
		return v
	case isManager(ai):
		v = managerValue(e, v)
	}
	switch x := v.(type) {
	case map[string]any:
		if isRoles(ai) {
			unwrapRole(e, ai, x)
		}
		subValues(e, ai, x)
	case []any:
		if !ai.MultiValued {
			return v
		}
		for _, el := range x {
			if m, ok := el.(map[string]any); ok {
				if isRoles(ai) {
					unwrapRole(e, ai, m)
				}
				subValues(e, ai, m)
			}
		}
	}
	return v
}

// subValues normalizes the sub-attributes of one complex value.
func subValues(e env, ai scim.AttrInfo, m map[string]any) {
	for k, sv := range m {
		if s, ok := subAttr(ai, k); ok {
			m[k] = value(e, s, sv)
		}
	}
}

// managerValue turns Entra's manager forms into {"value": id}.
func managerValue(e env, v any) any {
	switch x := v.(type) {
	case string:
		e.Fired(RuleManagerString)
		if strings.TrimSpace(x) == "" {
			return nil
		}
		return map[string]any{"value": x}
	case []any:
		if len(x) != 1 {
			return v
		}
		switch el := x[0].(type) {
		case string:
			e.Fired(RuleManagerString)
			return map[string]any{"value": el}
		case map[string]any:
			e.Fired(RuleManagerString)
			return el
		}
	}
	return v
}

// unwrapRole unwraps a role element whose value is a JSON-encoded object.
func unwrapRole(e env, ai scim.AttrInfo, m map[string]any) {
	vk := ""
	for k := range m {
		if strings.EqualFold(k, "value") {
			vk = k
		}
	}
	s, ok := m[vk].(string)
	if vk == "" || !ok || !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var inner map[string]any
	if dec.Decode(&inner) != nil || dec.More() {
		return
	}
	if _, ok := inner["value"].(string); !ok {
		return
	}
	delete(m, vk)
	has := func(name string) bool {
		for k := range m {
			if strings.EqualFold(k, name) {
				return true
			}
		}
		return false
	}
	// Keys of Entra's JSON-encoded role object → role sub-attributes.
	fields := [...][2]string{
		{"value", "value"}, {"displayName", "display"}, {"display", "display"}, {"type", "type"}, {"primary", "primary"},
	}
	for _, f := range fields {
		iv, ok := inner[f[0]]
		if !ok || iv == nil || has(f[1]) {
			continue
		}
		if _, known := subAttr(ai, f[1]); !known {
			continue
		}
		m[f[1]] = iv
	}
	e.Fired(RuleRoleJSONString)
}

// object normalizes a map whose keys are attribute paths (a POST/PUT body
// or the value of a path-less PATCH operation). It drops active keys that
// mean "no change".
func object(e env, doc map[string]any) {
	for k, v := range doc {
		switch {
		case strings.EqualFold(k, "schemas"):
			continue
		case isURN(k) && !strings.HasPrefix(strings.ToLower(k), coreURNPrefix):
			if urn, ok := e.IsExtensionURN(k); ok {
				if m, ok := v.(map[string]any); ok {
					extension(e, urn, m)
				}
				continue
			}
			if _, ok := v.(map[string]any); ok {
				// An unregistered extension object: simple strings.
				if ai, ok := e.Attribute(k); !ok || ai.Type != scim.TypeComplex {
					continue
				}
			}
		}
		ai, ok := e.Attribute(k)
		if !ok {
			continue
		}
		if isActive(ai) && emptyActive(v) {
			delete(doc, k)
			e.Fired(RuleActiveEmpty)
			continue
		}
		doc[k] = value(e, ai, v)
	}
}

// extension normalizes the object of a registered extension.
func extension(e env, urn string, m map[string]any) {
	for k, v := range m {
		if ai, ok := e.Attribute(urn + ":" + k); ok {
			m[k] = value(e, ai, v)
		}
	}
}
