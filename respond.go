package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
)

const contentType = "application/scim+json; charset=utf-8"

// errorBody is the RFC 7644 §3.12 error response; status is a string.
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	ScimType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail,omitempty"`
}

// fail answers with the SCIM error for err. Causes of unknown errors go to
// the logger and the event, never to the client.
func (h *Handler) fail(rq *request, err error) {
	e, known := toError(err)
	if !known {
		h.cfg.logger.ErrorContext(rq.r.Context(), "scim: request failed",
			"method", rq.r.Method, "path", rq.r.URL.Path, "error", err)
	}
	rq.ev.Status, rq.ev.ScimType, rq.ev.Detail = e.Status, e.ScimType, e.Detail
	if e.Err != nil {
		rq.ev.Err = e.Err
	} else if !known {
		rq.ev.Err = err
	}
	if e.Status == http.StatusUnauthorized {
		rq.w.Header().Set("WWW-Authenticate", `Bearer realm="SCIM"`)
	}
	body, _ := json.Marshal(errorBody{
		Schemas: []string{ErrorSchema}, Status: strconv.Itoa(e.Status),
		ScimType: e.ScimType, Detail: e.Detail,
	})
	h.write(rq, e.Status, body)
}

// write sends a SCIM JSON body (nil for none).
func (h *Handler) write(rq *request, status int, body []byte) {
	if rq.ev.Status == 0 || status >= 400 {
		rq.ev.Status = status
	}
	hdr := rq.w.Header()
	if body != nil {
		hdr.Set("Content-Type", contentType)
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
	}
	rq.w.WriteHeader(status)
	if body != nil && rq.r.Method != http.MethodHead {
		rq.w.Write(body)
	}
}

// location returns the URL of a resource: absolute under WithBaseURL,
// otherwise the path under the prefix the request was mounted at.
func (h *Handler) location(rq *request, endpoint, id string) string {
	base := rq.ep.prefix
	if h.cfg.baseURL != nil {
		base = h.cfg.baseURL.String()
	}
	if id == "" {
		return base + "/" + endpoint
	}
	return base + "/" + endpoint + "/" + id
}
