package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// leaf is one scalar value of a user attribute that is not a column of
// scim_users: a row of scim_user_values.
type leaf struct {
	attr  string // lower-cased attribute name, "urn:...:name" for extensions
	idx   int    // element index in a multi-valued attribute, else 0
	sub   string // lower-cased sub-attribute, "" for a simple attribute
	text  *string
	lower *string
	num   *float64
	boolv *int64
	time  *int64
}

// columnAttrs are the user attributes kept as columns, not as leaves.
var columnAttrs = map[string]bool{
	"schemas": true, "id": true, "externalid": true, "username": true,
	"displayname": true, "active": true, "meta": true, "groups": true,
}

// userLeaves flattens the attributes of u that are not columns into
// leaves: multi-valued, complex and extension attributes, and the simple
// core attributes without a column.
func userLeaves(doc []byte) ([]leaf, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	var out []leaf
	for _, k := range sortedKeys(m) {
		lk := strings.ToLower(k)
		if columnAttrs[lk] {
			continue
		}
		if strings.HasPrefix(lk, "urn:") {
			ext, ok := m[k].(map[string]any)
			if !ok {
				continue
			}
			for _, ak := range sortedKeys(ext) {
				out = walkAttr(out, lk+":"+strings.ToLower(ak), ext[ak])
			}
			continue
		}
		out = walkAttr(out, lk, m[k])
	}
	return out, nil
}

func walkAttr(out []leaf, attr string, v any) []leaf {
	if arr, ok := v.([]any); ok {
		for i, e := range arr {
			out = walkElem(out, attr, i, e)
		}
		return out
	}
	return walkElem(out, attr, 0, v)
}

func walkElem(out []leaf, attr string, idx int, v any) []leaf {
	obj, ok := v.(map[string]any)
	if !ok {
		return addScalar(out, attr, idx, "", v)
	}
	for _, sk := range sortedKeys(obj) {
		sub := strings.ToLower(sk)
		switch sv := obj[sk].(type) {
		case []any:
			for _, e := range sv {
				out = addScalar(out, attr, idx, sub, e)
			}
		default:
			out = addScalar(out, attr, idx, sub, sv)
		}
	}
	return out
}

func addScalar(out []leaf, attr string, idx int, sub string, v any) []leaf {
	l := leaf{attr: attr, idx: idx, sub: sub}
	switch x := v.(type) {
	case string:
		if x == "" {
			return out
		}
		lw := strings.ToLower(x)
		l.text, l.lower = &x, &lw
		if looksLikeTime(x) {
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				n := t.UnixNano()
				l.time = &n
			}
		}
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			return out
		}
		l.num = &f
	case bool:
		b := boolInt(x)
		l.boolv = &b
	default:
		return out // null, or an object nested too deep to filter on
	}
	return append(out, l)
}

func looksLikeTime(s string) bool {
	return len(s) >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't')
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// userRow is a user encoded for scim_users.
type userRow struct {
	userName, userNameLower string
	externalID              any // string or nil
	active                  any // int64 or nil
	displayName             any
	displayNameLower        any
	created, lastModified   any // int64 unix nanos or nil
	doc                     []byte
	leaves                  []leaf
}

// encodeUser turns u into its row. The stored document holds everything
// but id, meta and the derived groups.
func encodeUser(u *scim.User) (*userRow, error) {
	c := *u
	c.ID, c.Meta, c.Groups = "", scim.Meta{}, nil
	doc, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode user: %w", err)
	}
	leaves, err := userLeaves(doc)
	if err != nil {
		return nil, fmt.Errorf("flatten user: %w", err)
	}
	r := &userRow{
		userName:         u.UserName,
		userNameLower:    strings.ToLower(u.UserName),
		externalID:       nullString(u.ExternalID),
		displayName:      nullString(u.DisplayName),
		displayNameLower: nullString(strings.ToLower(u.DisplayName)),
		created:          nullTime(u.Meta.Created),
		lastModified:     nullTime(u.Meta.LastModified),
		doc:              doc,
		leaves:           leaves,
	}
	// An unset active counts as active, as in scim.User.IsActive and the
	// in-memory evaluator.
	r.active = boolInt(u.IsActive())
	return r, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// decodeUser rebuilds a user from its row.
func decodeUser(id string, version int64, created, lastModified *int64, doc []byte) (*scim.User, error) {
	u := &scim.User{}
	if err := json.Unmarshal(doc, u); err != nil {
		return nil, fmt.Errorf("decode user %s: %w", id, err)
	}
	u.ID = id
	u.Meta = scim.Meta{Created: fromNanos(created), LastModified: fromNanos(lastModified), Version: etag(version)}
	return u, nil
}

// encodeGroup returns the stored document of g: everything but id, meta
// and members.
func encodeGroup(g *scim.Group) ([]byte, error) {
	c := *g
	c.ID, c.Meta, c.Members = "", scim.Meta{}, nil
	doc, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode group: %w", err)
	}
	return doc, nil
}

func decodeGroup(id string, version int64, created, lastModified *int64, doc []byte) (*scim.Group, error) {
	g := &scim.Group{}
	if err := json.Unmarshal(doc, g); err != nil {
		return nil, fmt.Errorf("decode group %s: %w", id, err)
	}
	g.ID = id
	g.Members = nil
	g.Meta = scim.Meta{Created: fromNanos(created), LastModified: fromNanos(lastModified), Version: etag(version)}
	return g, nil
}

// etag formats a version as a weak entity tag.
func etag(v int64) string { return `W/"` + strconv.FormatInt(v, 10) + `"` }

// parseVersion reads W/"n", "n" or n.
func parseVersion(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	s = strings.Trim(s, `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
