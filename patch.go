package scim

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
