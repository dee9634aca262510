package scim

import (
	"bytes"
	"encoding/json"
	"strings"
)

// projection is the attributes / excludedAttributes of a request
// (RFC 7644 §3.4.2.5), resolved against the resource schema. id and
// schemas are always returned.
type projection struct {
	attrs    []AttrPath // only these (plus always-returned ones), if non-empty
	excluded []AttrPath
}

func (p projection) empty() bool { return len(p.attrs) == 0 && len(p.excluded) == 0 }

// projectionFrom parses comma-separated attribute lists. Unknown
// attributes are ignored, as they name nothing that could be returned.
func projectionFrom(rs *resourceSchema, attributes, excluded []string) projection {
	var p projection
	parse := func(lists []string) []AttrPath {
		var out []AttrPath
		for _, l := range lists {
			for _, raw := range strings.Split(l, ",") {
				raw = strings.TrimSpace(raw)
				if raw == "" {
					continue
				}
				if urn, ok := rs.extensionURN(raw); ok {
					out = append(out, AttrPath{URN: urn})
					continue
				}
				if rp, ok := rs.resolve(raw); ok {
					out = append(out, rp.path)
				}
			}
		}
		return out
	}
	p.attrs = parse(attributes)
	p.excluded = parse(excluded)
	return p
}

// projection reads attributes and excludedAttributes from the query.
func (h *Handler) projection(rq *request, rs *resourceSchema) projection {
	q := rq.r.URL.Query()
	return projectionFrom(rs, q["attributes"], q["excludedAttributes"])
}

// includes reports whether the top-level core attribute name would be
// returned.
func (p projection) includes(name string) bool {
	for _, e := range p.excluded {
		if e.URN == "" && strings.EqualFold(e.Name, name) && e.Sub == "" {
			return false
		}
	}
	if len(p.attrs) == 0 {
		return true
	}
	for _, a := range p.attrs {
		if a.URN == "" && strings.EqualFold(a.Name, name) {
			return true
		}
	}
	return false
}

// apply encodes v and keeps only the projected attributes.
func (p projection) apply(v json.Marshaler) ([]byte, error) {
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if len(p.attrs) > 0 {
		doc = p.keep(doc)
	}
	for _, e := range p.excluded {
		drop(doc, e)
	}
	return json.Marshal(doc)
}

func (p projection) keep(doc map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"schemas", "id"} {
		if v, ok := doc[k]; ok {
			out[k] = v
		}
	}
	for _, a := range p.attrs {
		container, dst := doc, out
		if a.URN != "" {
			ext, ok := doc[a.URN].(map[string]any)
			if !ok {
				continue
			}
			if a.Name == "" {
				out[a.URN] = ext
				continue
			}
			sub, _ := out[a.URN].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				out[a.URN] = sub
			}
			container, dst = ext, sub
		}
		v, ok := container[a.Name]
		if !ok {
			continue
		}
		if a.Sub == "" {
			dst[a.Name] = v
			continue
		}
		dst[a.Name] = mergeSub(dst[a.Name], v, a.Sub)
	}
	return out
}

// mergeSub copies sub-attribute sub of src (an object or an array of
// objects) into dst, which holds what was kept so far.
func mergeSub(dst, src any, sub string) any {
	switch s := src.(type) {
	case map[string]any:
		d, _ := dst.(map[string]any)
		if d == nil {
			d = map[string]any{}
		}
		if v, ok := s[sub]; ok {
			d[sub] = v
		}
		return d
	case []any:
		d, _ := dst.([]any)
		if len(d) != len(s) {
			d = make([]any, len(s))
		}
		for i, el := range s {
			d[i] = mergeSub(d[i], el, sub)
		}
		return d
	}
	return dst
}

func drop(doc map[string]any, e AttrPath) {
	if e.URN == "" && (e.Name == "id" || e.Name == "schemas") && e.Sub == "" {
		return
	}
	container := doc
	if e.URN != "" {
		if e.Name == "" {
			delete(doc, e.URN)
			return
		}
		ext, ok := doc[e.URN].(map[string]any)
		if !ok {
			return
		}
		container = ext
	}
	if e.Sub == "" {
		delete(container, e.Name)
		return
	}
	switch v := container[e.Name].(type) {
	case map[string]any:
		delete(v, e.Sub)
	case []any:
		for _, el := range v {
			if m, ok := el.(map[string]any); ok {
				delete(m, e.Sub)
			}
		}
	}
}
