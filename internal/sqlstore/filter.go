package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// This file: translation of compiled SCIM filters to parameterized SQL.
// Values always travel as arguments; only identifiers from the fixed
// tables below and generated aliases are written into the statement.

// frag is a piece of SQL with its ? arguments.
type frag struct {
	sql  string
	args []any
}

func mk(sql string, args ...any) frag { return frag{sql: sql, args: args} }

func (f frag) then(sql string, g frag, tail string) frag {
	args := append(append([]any(nil), f.args...), g.args...)
	return frag{sql: f.sql + sql + g.sql + tail, args: args}
}

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", scim.ErrUnsupportedFilter, fmt.Sprintf(format, args...))
}

// cols names the typed columns a leaf value may be in; "" if absent.
type cols struct {
	text, lower, num, boolv, time string
}

// userColumns are the user attributes kept as scim_users columns, keyed
// by lower-cased "name" or "name.sub".
var userColumns = map[string]cols{
	"id":                {text: "u.id"},
	"username":          {text: "u.user_name", lower: "u.user_name_lower"},
	"externalid":        {text: "u.external_id"},
	"displayname":       {text: "u.display_name", lower: "u.display_name_lower"},
	"active":            {boolv: "u.active"},
	"meta.created":      {time: "u.created"},
	"meta.lastmodified": {time: "u.last_modified"},
}

// groupColumns are the group attributes kept as scim_groups columns.
var groupColumns = map[string]cols{
	"id":                {text: "g.id"},
	"displayname":       {text: "g.display_name", lower: "g.display_name_lower"},
	"externalid":        {text: "g.external_id"},
	"meta.created":      {time: "g.created"},
	"meta.lastmodified": {time: "g.last_modified"},
}

// memberColumns are the sub-attributes of a group's members.
var memberColumns = map[string]string{
	"value": "m.member_id", "": "m.member_id", "display": "m.display", "type": "m.type", "$ref": "m.ref",
}

var valueCols = func(a string) cols {
	return cols{text: a + ".v_text", lower: a + ".v_lower", num: a + ".v_num", boolv: a + ".v_bool", time: a + ".v_time"}
}

// corePath reports whether p is a core-schema path and returns its
// lower-cased "name" or "name.sub" key.
func corePath(p scim.AttrPath, schema string) (string, bool) {
	key := strings.ToLower(p.Name)
	if p.Sub != "" {
		key += "." + strings.ToLower(p.Sub)
	}
	return key, p.URN == "" || strings.EqualFold(p.URN, schema)
}

// attrKey is the scim_user_values.attr of p's attribute.
func attrKey(p scim.AttrPath) string {
	if p.URN == "" || strings.EqualFold(p.URN, scim.UserSchema) {
		return strings.ToLower(p.Name)
	}
	return strings.ToLower(p.URN + ":" + p.Name)
}

type translator struct {
	d      Dialect
	tenant string
	n      int
}

func (t *translator) alias(prefix string) string {
	t.n++
	return prefix + strconv.Itoa(t.n)
}

// logical translates And, Or and Not with leaf translating the rest.
func (t *translator) logical(f scim.Filter, leaf func(scim.Filter) (frag, error)) (frag, error) {
	switch n := f.(type) {
	case *scim.And, *scim.Or:
		var l, r scim.Filter
		op := " AND "
		if a, ok := n.(*scim.And); ok {
			l, r = a.Left, a.Right
		} else {
			o := n.(*scim.Or)
			l, r, op = o.Left, o.Right, " OR "
		}
		lf, err := t.logical(l, leaf)
		if err != nil {
			return frag{}, err
		}
		rf, err := t.logical(r, leaf)
		if err != nil {
			return frag{}, err
		}
		return mk("(").then("", lf, "").then(op, rf, ")"), nil
	case *scim.Not:
		x, err := t.logical(n.X, leaf)
		if err != nil {
			return frag{}, err
		}
		return mk("NOT (").then("", x, ")"), nil
	case nil:
		return mk("1=1"), nil
	}
	return leaf(f)
}

// userFilter translates f into a predicate over scim_users u.
func (t *translator) userFilter(f scim.Filter) (frag, error) {
	return t.logical(f, func(f scim.Filter) (frag, error) {
		switch n := f.(type) {
		case *scim.Compare:
			return t.userCompare(n)
		case *scim.ValuePath:
			return t.userValuePath(n)
		}
		return frag{}, unsupported("filter node %T", f)
	})
}

func (t *translator) userCompare(c *scim.Compare) (frag, error) {
	key, core := corePath(c.Path, scim.UserSchema)
	if core {
		if cs, ok := userColumns[key]; ok {
			return t.columnPred(cs, c)
		}
		switch strings.ToLower(c.Path.Name) {
		case "groups":
			return t.userGroupsPred(c)
		case "schemas", "meta", "id", "username", "externalid", "displayname", "active", "password":
			return frag{}, unsupported("attribute %s", c.Path)
		}
	}
	sub := strings.ToLower(c.Path.Sub)
	v := t.alias("v")
	base := mk("u.seq IN (SELECT "+v+".user_seq FROM scim_user_values "+v+" WHERE "+v+".tenant = ? AND "+v+".attr = ?", t.tenant, attrKey(c.Path))
	switch {
	case c.Op == scim.OpPr && sub == "":
	case sub == "":
		base = base.then(" AND "+v+".sub IN ('', 'value')", frag{}, "")
	default:
		base = base.then(" AND "+v+".sub = ?", mk("", sub), "")
	}
	switch c.Op {
	case scim.OpPr:
		return base.then(")", frag{}, ""), nil
	case scim.OpNe:
		// Like the in-memory evaluator: some value differs, or there is
		// no value at all.
		eq, err := t.typedPred(valueCols(v), scim.OpEq, c.Value, c.CaseExact)
		if err != nil {
			return frag{}, err
		}
		w := t.alias("v")
		absent := mk("u.seq NOT IN (SELECT "+w+".user_seq FROM scim_user_values "+w+" WHERE "+w+".tenant = ? AND "+w+".attr = ?", t.tenant, attrKey(c.Path))
		if sub != "" {
			absent = absent.then(" AND "+w+".sub = ?", mk("", sub), "")
		}
		return mk("(").then("", base, "").then(" AND NOT (", eq, "))").then(" OR ", absent, "))"), nil
	}
	p, err := t.typedPred(valueCols(v), c.Op, c.Value, c.CaseExact)
	if err != nil {
		return frag{}, err
	}
	return base.then(" AND ", p, ")"), nil
}

func (t *translator) userGroupsPred(c *scim.Compare) (frag, error) {
	sub := strings.ToLower(c.Path.Sub)
	if sub != "" && sub != "value" {
		return frag{}, unsupported("attribute %s", c.Path)
	}
	m := t.alias("m")
	base := mk("u.id IN (SELECT "+m+".member_id FROM scim_group_members "+m+" WHERE "+m+".tenant = ?", t.tenant)
	switch c.Op {
	case scim.OpPr:
		return base.then(")", frag{}, ""), nil
	case scim.OpEq:
		s, ok := c.Value.(string)
		if !ok {
			return frag{}, unsupported("groups compared with %T", c.Value)
		}
		return base.then(" AND "+m+".group_id = ?)", mk("", s), ""), nil
	}
	return frag{}, unsupported("groups.value %s", c.Op)
}

func (t *translator) userValuePath(vp *scim.ValuePath) (frag, error) {
	key, core := corePath(scim.AttrPath{Name: vp.Attr.Name, URN: vp.Attr.URN}, scim.UserSchema)
	if core && (columnAttrs[key] || key == "password") {
		return frag{}, unsupported("value path on %s", vp.Attr)
	}
	v := t.alias("v")
	inner, err := t.logical(vp.Filter, func(f scim.Filter) (frag, error) {
		c, ok := f.(*scim.Compare)
		if !ok {
			return frag{}, unsupported("nested value path")
		}
		e := t.alias("e")
		exists := mk("EXISTS (SELECT 1 FROM scim_user_values " + e + " WHERE " + e + ".user_seq = " + v + ".user_seq AND " + e + ".attr = " + v + ".attr AND " + e + ".elem_idx = " + v + ".elem_idx")
		if sub := strings.ToLower(c.Path.Sub); sub == "" {
			exists = exists.then(" AND "+e+".sub IN ('', 'value')", frag{}, "")
		} else {
			exists = exists.then(" AND "+e+".sub = ?", mk("", sub), "")
		}
		switch c.Op {
		case scim.OpPr:
			return exists.then(")", frag{}, ""), nil
		case scim.OpNe:
			eq, err := t.typedPred(valueCols(e), scim.OpEq, c.Value, c.CaseExact)
			if err != nil {
				return frag{}, err
			}
			return mk("NOT ").then("", exists, "").then(" AND ", eq, ")"), nil
		}
		p, err := t.typedPred(valueCols(e), c.Op, c.Value, c.CaseExact)
		if err != nil {
			return frag{}, err
		}
		return exists.then(" AND ", p, ")"), nil
	})
	if err != nil {
		return frag{}, err
	}
	base := mk("u.seq IN (SELECT "+v+".user_seq FROM scim_user_values "+v+" WHERE "+v+".tenant = ? AND "+v+".attr = ?", t.tenant, attrKey(vp.Attr))
	if c := anchor(vp.Filter); c != nil {
		// The element must have this leaf: drive the lookup from it, so
		// that the value index is used.
		p, err := t.typedPred(valueCols(v), c.Op, c.Value, c.CaseExact)
		if err != nil {
			return frag{}, err
		}
		base = base.then(" AND "+v+".sub = ? AND ", mk("", strings.ToLower(c.Path.Sub)).then("", p, ""), "")
	}
	return base.then(" AND ", inner, ")"), nil
}

// anchor returns a comparison that every element matching f satisfies
// on one of its leaves: f itself or, through and, one of its operands.
func anchor(f scim.Filter) *scim.Compare {
	switch n := f.(type) {
	case *scim.Compare:
		if n.Op != scim.OpNe && n.Op != scim.OpPr && n.Path.Sub != "" {
			return n
		}
	case *scim.And:
		if c := anchor(n.Right); c != nil && c.Op == scim.OpEq {
			return c
		}
		if c := anchor(n.Left); c != nil {
			return c
		}
		return anchor(n.Right)
	}
	return nil
}

// groupFilter translates f into a predicate over scim_groups g.
func (t *translator) groupFilter(f scim.Filter) (frag, error) {
	return t.logical(f, func(f scim.Filter) (frag, error) {
		switch n := f.(type) {
		case *scim.Compare:
			key, core := corePath(n.Path, scim.GroupSchema)
			if !core {
				return frag{}, unsupported("attribute %s", n.Path)
			}
			if cs, ok := groupColumns[key]; ok {
				return t.columnPred(cs, n)
			}
			if strings.EqualFold(n.Path.Name, "members") {
				return t.membersPred(n)
			}
			return frag{}, unsupported("attribute %s", n.Path)
		case *scim.ValuePath:
			if _, core := corePath(n.Attr, scim.GroupSchema); !core || !strings.EqualFold(n.Attr.Name, "members") {
				return frag{}, unsupported("value path on %s", n.Attr)
			}
			m := t.alias("m")
			inner, err := t.logical(n.Filter, func(f scim.Filter) (frag, error) {
				c, ok := f.(*scim.Compare)
				if !ok {
					return frag{}, unsupported("nested value path")
				}
				return t.memberCompare(m, c)
			})
			if err != nil {
				return frag{}, err
			}
			return mk("g.id IN (SELECT "+m+".group_id FROM scim_group_members "+m+" WHERE "+m+".tenant = ?", t.tenant).then(" AND ", inner, ")"), nil
		}
		return frag{}, unsupported("filter node %T", f)
	})
}

// memberCompare is a comparison on one scim_group_members row m.
func (t *translator) memberCompare(m string, c *scim.Compare) (frag, error) {
	col, ok := memberColumns[strings.ToLower(c.Path.Sub)]
	if !ok {
		return frag{}, unsupported("attribute %s", c.Path)
	}
	col = m + col[1:]
	cs := cols{text: col}
	if c.Op == scim.OpPr {
		return mk("(" + col + " IS NOT NULL AND " + col + " <> '')"), nil
	}
	if c.Op == scim.OpNe {
		eq, err := t.typedPred(cs, scim.OpEq, c.Value, c.CaseExact)
		if err != nil {
			return frag{}, err
		}
		return mk("NOT (").then("", eq, ")"), nil
	}
	return t.typedPred(cs, c.Op, c.Value, c.CaseExact)
}

func (t *translator) membersPred(c *scim.Compare) (frag, error) {
	m := t.alias("m")
	base := mk("g.id IN (SELECT "+m+".group_id FROM scim_group_members "+m+" WHERE "+m+".tenant = ?", t.tenant)
	if c.Op == scim.OpPr && c.Path.Sub == "" {
		return base.then(")", frag{}, ""), nil
	}
	if c.Op == scim.OpNe {
		eq, err := t.memberCompare(m, &scim.Compare{Path: c.Path, Op: scim.OpEq, Value: c.Value, CaseExact: c.CaseExact})
		if err != nil {
			return frag{}, err
		}
		w := t.alias("m")
		absent := mk("g.id NOT IN (SELECT "+w+".group_id FROM scim_group_members "+w+" WHERE "+w+".tenant = ?)", t.tenant)
		return mk("(").then("", base, "").then(" AND NOT (", eq, "))").then(" OR ", absent, ")"), nil
	}
	p, err := t.memberCompare(m, c)
	if err != nil {
		return frag{}, err
	}
	return base.then(" AND ", p, ")"), nil
}

// columnPred is a comparison on a single-valued column.
func (t *translator) columnPred(cs cols, c *scim.Compare) (frag, error) {
	switch c.Op {
	case scim.OpPr:
		switch {
		case cs.text != "":
			return mk("(" + cs.text + " IS NOT NULL AND " + cs.text + " <> '')"), nil
		case cs.boolv != "":
			return mk(cs.boolv + " IS NOT NULL"), nil
		default:
			return mk(cs.time + " IS NOT NULL"), nil
		}
	case scim.OpNe:
		eq, err := t.typedPred(cs, scim.OpEq, c.Value, c.CaseExact)
		if err != nil {
			return frag{}, err
		}
		return mk("NOT (").then("", eq, ")"), nil
	}
	return t.typedPred(cs, c.Op, c.Value, c.CaseExact)
}

var sqlOps = map[scim.CompareOp]string{
	scim.OpEq: " = ", scim.OpGt: " > ", scim.OpGe: " >= ", scim.OpLt: " < ", scim.OpLe: " <= ",
}

// typedPred compares the typed column of cs matching the type of value
// with op (not ne or pr). The result is never NULL: it is false when the
// column is NULL.
func (t *translator) typedPred(cs cols, op scim.CompareOp, value any, caseExact bool) (frag, error) {
	var col string
	var arg any
	switch v := value.(type) {
	case string:
		col, arg = cs.text, v
		if !caseExact {
			arg = strings.ToLower(v)
			switch {
			case cs.lower != "":
				col = cs.lower
			case cs.text != "":
				col = "lower(" + cs.text + ")"
			}
		}
		if col == "" {
			return frag{}, unsupported("string value for a non-string attribute")
		}
		switch op {
		case scim.OpCo, scim.OpSw, scim.OpEw:
			s := arg.(string)
			if s == "" {
				return mk("(" + col + " IS NOT NULL)"), nil
			}
			pred, pat := t.d.StringMatch(col, op, s, caseExact)
			return mk("("+col+" IS NOT NULL AND "+pred+")", pat), nil
		}
	case bool:
		col, arg = cs.boolv, boolInt(v)
		if col == "" {
			return frag{}, unsupported("boolean value for a non-boolean attribute")
		}
		if op != scim.OpEq {
			return mk("(1=0)"), nil
		}
	case int64, float64:
		col = cs.num
		if col == "" {
			return frag{}, unsupported("number for a non-numeric attribute")
		}
		if n, ok := v.(int64); ok {
			arg = float64(n)
		} else {
			arg = v
		}
	case time.Time:
		col, arg = cs.time, v.UnixNano()
		if col == "" {
			return frag{}, unsupported("dateTime value for a non-dateTime attribute")
		}
	default:
		return frag{}, unsupported("value of type %T", value)
	}
	sop, ok := sqlOps[op]
	if !ok {
		return mk("(1=0)"), nil // co/sw/ew on a non-string never matches
	}
	return mk("("+col+" IS NOT NULL AND "+col+sop+"?)", arg), nil
}

// userOrder is the ORDER BY list for sorting users by p.
func (t *translator) userOrder(p scim.AttrPath, o scim.SortOrder) (frag, error) {
	dir := " ASC"
	if o == scim.Descending {
		dir = " DESC"
	}
	if p.IsZero() {
		return mk("u.seq"), nil
	}
	key, core := corePath(p, scim.UserSchema)
	if core {
		if cs, ok := userColumns[key]; ok {
			return mk(orderCol(cs, dir) + ", u.seq"), nil
		}
		if columnAttrs[strings.ToLower(p.Name)] {
			return mk("u.seq"), nil
		}
	}
	// The first value of a multi-valued or extension attribute, nulls
	// last ascending (first descending), by number, time, then text.
	sub := strings.ToLower(p.Sub)
	v := t.alias("v")
	where := " FROM scim_user_values " + v + " WHERE " + v + ".user_seq = u.seq AND " + v + ".attr = ? AND " + v + ".sub = ?"
	var b strings.Builder
	var args []any
	b.WriteString("(NOT EXISTS (SELECT 1" + where + "))" + dir)
	args = append(args, attrKey(p), sub)
	for _, c := range []string{"v_num", "v_time", "v_lower"} {
		b.WriteString(", (SELECT MIN(" + v + "." + c + ")" + where + ")" + dir)
		args = append(args, attrKey(p), sub)
	}
	b.WriteString(", u.seq")
	return frag{sql: b.String(), args: args}, nil
}

// groupOrder is the ORDER BY list for sorting groups by p.
func (t *translator) groupOrder(p scim.AttrPath, o scim.SortOrder) frag {
	dir := " ASC"
	if o == scim.Descending {
		dir = " DESC"
	}
	key, core := corePath(p, scim.GroupSchema)
	if cs, ok := groupColumns[key]; ok && core && !p.IsZero() {
		return mk(orderCol(cs, dir) + ", g.seq")
	}
	return mk("g.seq")
}

func orderCol(cs cols, dir string) string {
	c := cs.lower
	for _, x := range []string{cs.text, cs.boolv, cs.time} {
		if c == "" {
			c = x
		}
	}
	// Unassigned values sort last ascending and first descending.
	return "(" + c + " IS NULL)" + dir + ", " + c + dir
}
