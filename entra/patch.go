package entra

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/scimkit/scim"
)

// patchPath is a PATCH path split into attribute, value filter and
// sub-attribute: attr[filter].sub.
type patchPath struct {
	attr    string
	filter  string // without brackets; "" when there is none
	sub     string
	bracket bool
}

// target is the attribute path the operation's value is for.
func (p patchPath) target() string {
	if p.sub != "" {
		return p.attr + "." + p.sub
	}
	return p.attr
}

func (p patchPath) String() string {
	if !p.bracket {
		return p.attr
	}
	s := p.attr + "[" + p.filter + "]"
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

// splitPath splits a PATCH path; ok is false for paths it cannot split (the
// core reports those).
func splitPath(path string) (patchPath, bool) {
	i := strings.IndexByte(path, '[')
	if i < 0 {
		return patchPath{attr: path}, true
	}
	p := patchPath{attr: path[:i], bracket: true}
	inString := false
	for j := i + 1; j < len(path); j++ {
		switch c := path[j]; {
		case inString && c == '\\':
			j++
		case c == '"':
			inString = !inString
		case !inString && c == ']':
			p.filter = path[i+1 : j]
			rest := path[j+1:]
			if rest == "" {
				return p, true
			}
			if rest[0] != '.' || len(rest) == 1 {
				return patchPath{}, false
			}
			p.sub = rest[1:]
			return p, true
		}
	}
	return patchPath{}, false
}

func normalizePatch(e env, ops []scim.PatchOp) []scim.PatchOp {
	if ops != nil && len(ops) == 0 {
		e.Fired(RuleEmptyOperations)
		return ops
	}
	out := make([]scim.PatchOp, 0, len(ops))
	for _, op := range ops {
		if lo := strings.ToLower(op.Op); lo != op.Op && (lo == "add" || lo == "replace" || lo == "remove") {
			op.Op = lo
			e.Fired(RuleOpCase)
		}
		if op.Path == "" {
			out = append(out, pathless(e, op)...)
			continue
		}
		out = append(out, pathed(e, op)...)
	}
	return out
}

// pathless normalizes an operation without a path.
func pathless(e env, op scim.PatchOp) []scim.PatchOp {
	m, ok := op.Value.(map[string]any)
	lo := strings.ToLower(op.Op)
	if !ok || (lo != "add" && lo != "replace") {
		return []scim.PatchOp{op}
	}
	// Keys that are attribute paths become pathed operations.
	var keys []string
	for k, v := range m {
		if isPathKey(e, k, v) {
			keys = append(keys, k)
		}
	}
	var out []scim.PatchOp
	if len(keys) > 0 {
		sort.Strings(keys)
		rest := make(map[string]any, len(m)-len(keys))
		for k, v := range m {
			rest[k] = v
		}
		var expanded []scim.PatchOp
		for _, k := range keys {
			v := rest[k]
			delete(rest, k)
			switch {
			case v != nil:
				expanded = append(expanded, scim.PatchOp{Op: op.Op, Path: k, Value: v})
			case lo == "replace":
				expanded = append(expanded, scim.PatchOp{Op: "remove", Path: k})
			}
		}
		e.Fired(RulePathlessKeys)
		if len(rest) > 0 {
			out = append(out, pathlessRest(e, scim.PatchOp{Op: op.Op, Value: rest})...)
		}
		for _, x := range expanded {
			out = append(out, pathed(e, x)...)
		}
		return out
	}
	return pathlessRest(e, op)
}

// pathlessRest normalizes a path-less operation whose keys are plain
// attribute names and extension URNs.
func pathlessRest(e env, op scim.PatchOp) []scim.PatchOp {
	m := op.Value.(map[string]any)
	n := len(m)
	object(e, m)
	if n > 0 && len(m) == 0 {
		return nil // only "no change" active keys
	}
	return []scim.PatchOp{op}
}

// isPathKey reports whether k, a key of a path-less value, is an attribute
// path (dotted, URN-qualified, or Entra's unqualified manager) rather than
// an attribute name or an extension URN with an object value.
func isPathKey(e env, k string, v any) bool {
	if isURN(k) {
		if _, ok := e.IsExtensionURN(k); ok {
			return false
		}
		if strings.HasPrefix(strings.ToLower(k), coreURNPrefix) {
			return true
		}
		if _, isObj := v.(map[string]any); isObj {
			ai, ok := e.Attribute(k)
			return ok && ai.Type == scim.TypeComplex
		}
		return true
	}
	if strings.Contains(k, ".") {
		return true
	}
	_, q, ok := resolve(e, k)
	return ok && q != k
}

// pathed normalizes an operation with a path.
func pathed(e env, op scim.PatchOp) []scim.PatchOp {
	pp, ok := splitPath(op.Path)
	if !ok {
		return []scim.PatchOp{op}
	}
	lo := strings.ToLower(op.Op)
	if pp.filter != "" {
		if f := normalizeFilter(e, pp.filter, pp.attr); f != pp.filter {
			pp.filter = f
			op.Path = pp.String()
		}
	}
	if !pp.bracket {
		if urn, ok := e.IsExtensionURN(pp.attr); ok {
			if m, ok := op.Value.(map[string]any); ok && lo != "remove" {
				extension(e, urn, m)
			}
			return []scim.PatchOp{op}
		}
	}
	ai, q, ok := resolve(e, pp.target())
	if !ok {
		return []scim.PatchOp{op}
	}
	if q != pp.target() {
		// Entra's legacy unqualified "manager" path.
		pp.attr = EnterpriseUserURN + ":" + pp.attr
		op.Path = pp.String()
		e.Fired(RuleManagerPath)
	}
	switch {
	case lo == "remove":
		if isMembers(ai) && !pp.bracket && op.Value != nil {
			return removeMembers(e, op)
		}
		return []scim.PatchOp{op}
	case (lo == "add" || lo == "replace") && isActive(ai) && emptyActive(op.Value):
		e.Fired(RuleActiveEmpty)
		return nil
	}
	if op.Value != nil {
		if pp.bracket && pp.sub == "" {
			// The value is for the matched element(s).
			el := ai
			el.MultiValued = false
			op.Value = value(e, el, op.Value)
		} else {
			op.Value = value(e, ai, op.Value)
		}
	}
	return []scim.PatchOp{op}
}

// isMembers reports whether ai is the group members attribute.
func isMembers(ai scim.AttrInfo) bool {
	return ai.Path.URN == "" && strings.EqualFold(ai.Path.Name, "members") && ai.Path.Sub == "" && ai.MultiValued
}

// removeMembers turns Entra's remove-with-value into one filtered remove
// per member. When any listed member has no string value the operation is
// left for the core to reject.
func removeMembers(e env, op scim.PatchOp) []scim.PatchOp {
	var list []any
	switch v := op.Value.(type) {
	case []any:
		list = v
	case map[string]any:
		list = []any{v}
	default:
		return []scim.PatchOp{op}
	}
	ids := make([]string, 0, len(list))
	for _, el := range list {
		m, ok := el.(map[string]any)
		if !ok {
			return []scim.PatchOp{op}
		}
		var id string
		for k, v := range m {
			if strings.EqualFold(k, "value") {
				id, ok = v.(string)
			}
		}
		if !ok || id == "" {
			return []scim.PatchOp{op}
		}
		ids = append(ids, id)
	}
	e.Fired(RuleMembersRemoveValue)
	out := make([]scim.PatchOp, 0, len(ids))
	for _, id := range ids {
		out = append(out, scim.PatchOp{Op: op.Op, Path: "members[value eq " + quote(id) + "]"})
	}
	return out
}

// quote returns s as a JSON string literal.
func quote(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		return `""`
	}
	return string(b)
}
