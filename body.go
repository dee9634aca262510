package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// readBody reads a JSON request body into a generic value (objects as
// map[string]any, numbers as json.Number), enforcing the size and nesting
// limits and the media type: application/scim+json, application/json, any
// other +json type, or none.
func (h *Handler) readBody(rq *request) (map[string]any, error) {
	if ct := rq.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
			return nil, &Error{Status: http.StatusUnsupportedMediaType, Detail: "request body must be application/scim+json or application/json"}
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(rq.w, rq.r.Body, h.cfg.maxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, badRequest(ScimTypeInvalidSyntax, "could not read request body")
	}
	if d := jsonDepth(data); d > h.cfg.maxJSONDepth {
		return nil, badRequest(ScimTypeInvalidSyntax, "request body nests deeper than %d levels", h.cfg.maxJSONDepth)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequest(ScimTypeInvalidSyntax, "request body is not valid JSON")
	}
	if dec.More() {
		return nil, badRequest(ScimTypeInvalidSyntax, "request body has data after the JSON value")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest(ScimTypeInvalidSyntax, "request body must be a JSON object")
	}
	return doc, nil
}

// jsonDepth returns the maximum nesting depth of objects and arrays in
// data, ignoring brackets inside strings. It runs before decoding so a
// hostile body cannot make the decoder recurse deeply.
func jsonDepth(data []byte) int {
	depth, maxDepth, inString, escaped := 0, 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			maxDepth = max(maxDepth, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return maxDepth
}

// lookupKey finds a key of doc case-insensitively (RFC 7643 §2.1).
func lookupKey(doc map[string]any, name string) (any, bool) {
	if v, ok := doc[name]; ok {
		return v, true
	}
	for k, v := range doc {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

// readPatch reads a PATCH body and returns its operations after the
// normalizers ran.
func (h *Handler) readPatch(rq *request) ([]PatchOp, error) {
	doc, err := h.readBody(rq)
	if err != nil {
		return nil, err
	}
	ops, err := decodePatch(doc, h.cfg.maxOperations)
	if err != nil {
		return nil, err
	}
	for _, n := range h.cfg.normalizers {
		if n.Patch != nil {
			ops = n.Patch(rq.nc, ops)
		}
	}
	return ops, nil
}

// decodePatch turns a decoded PATCH body into its operations.
func decodePatch(doc map[string]any, maxOps int) ([]PatchOp, error) {
	raw, ok := lookupKey(doc, "Operations")
	if !ok || raw == nil {
		return nil, badRequest(ScimTypeInvalidSyntax, "PATCH body needs an Operations array")
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, badRequest(ScimTypeInvalidSyntax, "Operations must be an array")
	}
	if len(list) > maxOps {
		return nil, badRequest(ScimTypeTooMany, "PATCH has %d operations; at most %d are allowed", len(list), maxOps)
	}
	ops := make([]PatchOp, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, badRequest(ScimTypeInvalidSyntax, "operation %d is not an object", i+1)
		}
		var op PatchOp
		if v, ok := lookupKey(m, "op"); ok {
			s, isStr := v.(string)
			if !isStr {
				return nil, badRequest(ScimTypeInvalidSyntax, "operation %d: op must be a string", i+1)
			}
			op.Op = s
		} else {
			return nil, badRequest(ScimTypeInvalidSyntax, "operation %d has no op", i+1)
		}
		if v, ok := lookupKey(m, "path"); ok && v != nil {
			s, isStr := v.(string)
			if !isStr {
				return nil, badRequest(ScimTypeInvalidPath, "operation %d: path must be a string", i+1)
			}
			op.Path = s
		}
		op.Value, _ = lookupKey(m, "value")
		ops = append(ops, op)
	}
	return ops, nil
}
