package entra

import (
	"sort"
	"strings"

	"github.com/scimkit/scim"
)

// normalizeResource normalizes the body of a POST or PUT in place.
func normalizeResource(e env, doc map[string]any) {
	if doc == nil {
		return
	}
	declareExtensions(e, doc)
	object(e, doc)
}

// declareExtensions adds the URN of every extension object in doc that is
// missing from schemas (RuleUndeclaredExtension).
func declareExtensions(e env, doc map[string]any) {
	var sk string
	for k := range doc {
		if strings.EqualFold(k, "schemas") {
			sk = k
		}
	}
	schemas, ok := doc[sk].([]any)
	if sk == "" || !ok {
		return
	}
	declared := func(urn string) bool {
		for _, s := range schemas {
			if s, ok := s.(string); ok && strings.EqualFold(s, urn) {
				return true
			}
		}
		return false
	}
	var missing []string
	for k, v := range doc {
		if !isURN(k) || strings.HasPrefix(strings.ToLower(k), coreURNPrefix) {
			continue
		}
		if _, ok := v.(map[string]any); !ok || declared(k) {
			continue
		}
		if urn, ok := e.IsExtensionURN(k); ok {
			k = urn
		} else if ai, ok := e.Attribute(k); ok && ai.Type == scim.TypeComplex {
			continue // a URN-qualified complex attribute, not an extension
		}
		missing = append(missing, k)
	}
	if len(missing) == 0 {
		return
	}
	sort.Strings(missing)
	for _, m := range missing {
		schemas = append(schemas, m)
	}
	doc[sk] = schemas
	e.Fired(RuleUndeclaredExtension)
}
