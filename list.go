package scim

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
)

// listParams are the query parameters of a list or .search request
// (RFC 7644 §3.4.2, §3.4.3), from the URL or a SearchRequest body.
type listParams struct {
	filter     string
	hasFilter  bool
	sortBy     string
	sortOrder  string
	startIndex string
	count      string
	attributes []string
	excluded   []string
}

func paramsFromURL(rq *request) listParams {
	q := rq.r.URL.Query()
	p := listParams{
		sortBy: q.Get("sortBy"), sortOrder: q.Get("sortOrder"),
		startIndex: q.Get("startIndex"), count: q.Get("count"),
		attributes: q["attributes"], excluded: q["excludedAttributes"],
	}
	if v, ok := q["filter"]; ok {
		p.filter, p.hasFilter = v[0], true
	}
	return p
}

// paramsFromSearch reads a SearchRequest body (RFC 7644 §3.4.3).
func paramsFromSearch(doc map[string]any) (listParams, error) {
	var p listParams
	str := func(name string) (string, bool, error) {
		v, ok := lookupKey(doc, name)
		if !ok || v == nil {
			return "", false, nil
		}
		switch t := v.(type) {
		case string:
			return t, true, nil
		case json.Number:
			return t.String(), true, nil
		}
		return "", false, badRequest(ScimTypeInvalidValue, "%s has the wrong type", name)
	}
	list := func(name string) ([]string, error) {
		v, ok := lookupKey(doc, name)
		if !ok || v == nil {
			return nil, nil
		}
		switch t := v.(type) {
		case string:
			return []string{t}, nil
		case []any:
			out := make([]string, 0, len(t))
			for _, e := range t {
				s, ok := e.(string)
				if !ok {
					return nil, badRequest(ScimTypeInvalidValue, "%s must list strings", name)
				}
				out = append(out, s)
			}
			return out, nil
		}
		return nil, badRequest(ScimTypeInvalidValue, "%s must be an array of strings", name)
	}
	var err error
	if p.filter, p.hasFilter, err = str("filter"); err != nil {
		return p, err
	}
	if p.sortBy, _, err = str("sortBy"); err != nil {
		return p, err
	}
	if p.sortOrder, _, err = str("sortOrder"); err != nil {
		return p, err
	}
	if p.startIndex, _, err = str("startIndex"); err != nil {
		return p, err
	}
	if p.count, _, err = str("count"); err != nil {
		return p, err
	}
	if p.attributes, err = list("attributes"); err != nil {
		return p, err
	}
	p.excluded, err = list("excludedAttributes")
	return p, err
}

// query builds the store Query: filter compiled and checked, paging
// clamped as RFC 7644 §3.4.2.4 says (startIndex < 1 is 1, count < 0 is 0,
// count above the maximum is the maximum).
func (h *Handler) query(rq *request, rs *resourceSchema, p listParams) (Query, error) {
	q := Query{StartIndex: 1, Count: h.cfg.defaultPageSize}
	if p.startIndex != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.startIndex))
		if err != nil {
			return q, badRequest(ScimTypeInvalidValue, "startIndex must be an integer")
		}
		q.StartIndex = max(n, 1)
	}
	if p.count != "" {
		n, err := strconv.Atoi(strings.TrimSpace(p.count))
		if err != nil {
			return q, badRequest(ScimTypeInvalidValue, "count must be an integer")
		}
		q.Count = min(max(n, 0), h.cfg.maxPageSize)
	}
	if p.hasFilter {
		if strings.TrimSpace(p.filter) == "" {
			return q, badRequest(ScimTypeInvalidFilter, "filter is empty")
		}
		f, err := compileFilter(rs, p.filter, filterLimits{maxLength: h.cfg.maxFilterLength, maxDepth: h.cfg.maxFilterDepth}, h.cfg.normalizers, rq.nc)
		if err != nil {
			return q, err
		}
		q.Filter = f
	}
	if p.sortBy != "" {
		rp, ok := rs.resolve(p.sortBy)
		if !ok || rp.attr == nil || (rp.leaf().typ == TypeComplex) {
			return q, badRequest(ScimTypeInvalidValue, "cannot sort by %q", p.sortBy)
		}
		q.SortBy = rp.path
	}
	switch strings.ToLower(p.sortOrder) {
	case "", "ascending":
	case "descending":
		q.SortOrder = Descending
	default:
		return q, badRequest(ScimTypeInvalidValue, "sortOrder must be ascending or descending")
	}
	return q, nil
}

// listRequest reads a list or .search request into a store Query and a
// projection; on failure it has answered already and ok is false.
func (h *Handler) listRequest(rq *request, rs *resourceSchema, search map[string]any) (q Query, proj projection, ok bool) {
	rq.ev.Operation = OpQuery
	p := paramsFromURL(rq)
	if search != nil {
		var err error
		if p, err = paramsFromSearch(search); err != nil {
			h.fail(rq, err)
			return q, proj, false
		}
	}
	if p.hasFilter {
		rq.ev.Operation = OpMatch
	}
	q, err := h.query(rq, rs, p)
	if err != nil {
		h.fail(rq, err)
		return q, proj, false
	}
	return q, projectionFrom(rs, p.attributes, p.excluded), true
}

func (h *Handler) listUsers(ctx context.Context, rq *request, search map[string]any) {
	q, proj, ok := h.listRequest(rq, h.userSchema, search)
	if !ok {
		return
	}
	page, err := h.users.ListUsers(ctx, q)
	if err != nil {
		h.fail(rq, err)
		return
	}
	if len(page.Resources) > q.Count {
		page.Resources = page.Resources[:q.Count] // never more than count, whatever the store did
	}
	h.completeUsers(ctx, rq, page.Resources, proj)
	enc := func(b []byte, i int) ([]byte, error) { return h.appendUserJSON(b, page.Resources[i], proj) }
	h.writeList(rq, q, page.TotalResults, len(page.Resources), enc)
}

// writeList writes a ListResponse; Resources is always present. enc
// appends resource i to the body.
func (h *Handler) writeList(rq *request, q Query, total, n int, enc func(b []byte, i int) ([]byte, error)) {
	b := make([]byte, 0, 160+n*1200)
	b = append(b, `{"schemas":["`+ListResponseSchema+`"],"totalResults":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"startIndex":`...)
	b = strconv.AppendInt(b, int64(q.StartIndex), 10)
	b = append(b, `,"itemsPerPage":`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `,"Resources":[`...)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = enc(b, i); err != nil {
			h.fail(rq, err)
			return
		}
	}
	b = append(b, "]}"...)
	h.write(rq, 200, b)
}
