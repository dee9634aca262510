package scim

import (
	"encoding/json"
	"net/http"
	"strings"
)

// serveDiscovery answers /ServiceProviderConfig, /ResourceTypes and
// /Schemas (RFC 7644 §4) truthfully for this handler's configuration.
func (h *Handler) serveDiscovery(rq *request) {
	if rq.r.Method != http.MethodGet && rq.r.Method != http.MethodHead {
		h.methodNotAllowed(rq, "GET")
		return
	}
	switch rq.ep.kind {
	case "ServiceProviderConfig":
		if rq.ep.id != "" {
			h.fail(rq, &Error{Status: http.StatusNotFound, Detail: "no such resource"})
			return
		}
		h.writeValue(rq, h.serviceProviderConfig(rq))
	case "ResourceTypes":
		h.serveListOrOne(rq, h.resourceTypes(rq))
	case "Schemas":
		h.serveListOrOne(rq, h.schemaDocs(rq))
	}
}

// serveListOrOne answers a ListResponse of all docs, or the one whose id
// (case-insensitively) is the path's last segment.
func (h *Handler) serveListOrOne(rq *request, docs []map[string]any) {
	if rq.ep.id == "" {
		h.writeValue(rq, map[string]any{
			"schemas": []string{ListResponseSchema}, "totalResults": len(docs),
			"startIndex": 1, "itemsPerPage": len(docs), "Resources": docs,
		})
		return
	}
	for _, d := range docs {
		if id, _ := d["id"].(string); strings.EqualFold(id, rq.ep.id) {
			h.writeValue(rq, d)
			return
		}
	}
	h.fail(rq, &Error{Status: http.StatusNotFound, Detail: "no such resource"})
}

func (h *Handler) writeValue(rq *request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		h.fail(rq, err)
		return
	}
	h.write(rq, http.StatusOK, body)
}

func (h *Handler) serviceProviderConfig(rq *request) map[string]any {
	return map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://pkg.go.dev/github.com/scimkit/scim",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": h.cfg.maxPageSize},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type":        "oauthbearertoken",
			"name":        "OAuth Bearer Token",
			"description": "Authentication with a bearer token in the Authorization header (RFC 6750)",
			"specUri":     "https://www.rfc-editor.org/rfc/rfc6750",
			"primary":     true,
		}},
		"meta": map[string]any{
			"resourceType": "ServiceProviderConfig",
			"location":     h.location(rq, "ServiceProviderConfig", ""),
		},
	}
}

func (h *Handler) resourceTypes(rq *request) []map[string]any {
	rts := []map[string]any{{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
		"id":          "User",
		"name":        "User",
		"endpoint":    "/Users",
		"description": "User Account",
		"schema":      UserSchema,
		"schemaExtensions": []any{map[string]any{
			"schema": EnterpriseUserSchema, "required": false,
		}},
		"meta": map[string]any{"resourceType": "ResourceType", "location": h.location(rq, "ResourceTypes", "User")},
	}}
	if h.groups != nil {
		rts = append(rts, map[string]any{
			"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":          "Group",
			"name":        "Group",
			"endpoint":    "/Groups",
			"description": "Group",
			"schema":      GroupSchema,
			"meta":        map[string]any{"resourceType": "ResourceType", "location": h.location(rq, "ResourceTypes", "Group")},
		})
	}
	return rts
}

// schemaDocs returns the RFC 7643 §7 definitions of the schemas in use,
// from elimity-com/scim's schema package, with absent properties omitted
// rather than sent as null (Entra's schema discovery rejects nulls).
func (h *Handler) schemaDocs(rq *request) []map[string]any {
	schemas := h.userSchema.schemas
	if h.groups != nil {
		schemas = append(schemas[:len(schemas):len(schemas)], h.groupSchema.schemas...)
	}
	docs := make([]map[string]any, 0, len(schemas))
	for _, s := range schemas {
		raw, err := json.Marshal(s)
		if err != nil {
			continue
		}
		var d map[string]any
		if json.Unmarshal(raw, &d) != nil {
			continue
		}
		d = stripEmpty(d).(map[string]any)
		d["meta"] = map[string]any{"resourceType": "Schema", "location": h.location(rq, "Schemas", s.ID)}
		docs = append(docs, d)
	}
	return docs
}

// stripEmpty removes null values and empty strings from decoded JSON.
func stripEmpty(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil || e == "" {
				delete(t, k)
				continue
			}
			t[k] = stripEmpty(e)
		}
	case []any:
		for i, e := range t {
			t[i] = stripEmpty(e)
		}
	}
	return v
}
