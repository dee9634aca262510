package scim

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	fp "github.com/scim2/filter-parser/v2"
)

// This file: the typed filter a store receives, compiled from the parse
// tree of github.com/scim2/filter-parser/v2, and its in-memory evaluation.

// CompareOp is a filter comparison operator (RFC 7644 §3.4.2.2).
type CompareOp string

// The comparison operators.
const (
	OpEq CompareOp = "eq"
	OpNe CompareOp = "ne"
	OpCo CompareOp = "co"
	OpSw CompareOp = "sw"
	OpEw CompareOp = "ew"
	OpGt CompareOp = "gt"
	OpGe CompareOp = "ge"
	OpLt CompareOp = "lt"
	OpLe CompareOp = "le"
	OpPr CompareOp = "pr"
)

// Filter is a compiled SCIM filter: one of *Compare, *And, *Or, *Not and
// *ValuePath. Attribute paths are canonical and carry their schema
// characteristics, so a store can translate a Filter to its own query
// language with a type switch and no schema knowledge of its own.
type Filter interface {
	// String returns the filter in SCIM syntax.
	String() string
	filterNode()
}

// Compare is "attrPath op value" or "attrPath pr".
type Compare struct {
	// Path is the attribute compared. Inside a ValuePath, Path.Name is the
	// multi-valued attribute and Path.Sub the sub-attribute.
	Path AttrPath
	Op   CompareOp
	// Value is nil for pr, else string, bool, int64, float64 or
	// time.Time (for dateTime attributes), already converted to the
	// attribute's type.
	Value any
	// Type, CaseExact and MultiValued describe the compared attribute (the
	// sub-attribute when Path.Sub is set); MultiValued is true when any
	// value of a multi-valued attribute may satisfy the comparison.
	Type        AttrType
	CaseExact   bool
	MultiValued bool
}

// And is "left and right".
type And struct{ Left, Right Filter }

// Or is "left or right".
type Or struct{ Left, Right Filter }

// Not is "not (x)".
type Not struct{ X Filter }

// ValuePath is "attr[filter]": true when one element of the multi-valued
// (or complex) attribute Attr satisfies Filter on its own. Filter contains
// only *Compare nodes (under And/Or/Not) whose Path.Name is Attr.Name.
type ValuePath struct {
	Attr   AttrPath
	Filter Filter
}

func (*Compare) filterNode()   {}
func (*And) filterNode()       {}
func (*Or) filterNode()        {}
func (*Not) filterNode()       {}
func (*ValuePath) filterNode() {}

// String returns the comparison in SCIM filter syntax.
func (c *Compare) String() string {
	var b strings.Builder
	writeFilter(&b, c, false)
	return b.String()
}

// String returns "left and right" in SCIM filter syntax, with parentheses
// where precedence requires them.
func (a *And) String() string {
	var b strings.Builder
	writeFilter(&b, a, false)
	return b.String()
}

// String returns "left or right" in SCIM filter syntax.
func (o *Or) String() string {
	var b strings.Builder
	writeFilter(&b, o, false)
	return b.String()
}

// String returns "not (x)" in SCIM filter syntax.
func (n *Not) String() string {
	var b strings.Builder
	writeFilter(&b, n, false)
	return b.String()
}

// String returns "attr[filter]" in SCIM filter syntax.
func (v *ValuePath) String() string {
	var b strings.Builder
	writeFilter(&b, v, false)
	return b.String()
}

// writeFilter writes f to b. inVP is true inside the brackets of a value
// path, where comparisons name only the sub-attribute.
func writeFilter(b *strings.Builder, f Filter, inVP bool) {
	switch n := f.(type) {
	case *Compare:
		if inVP && n.Path.Sub != "" {
			b.WriteString(n.Path.Sub)
		} else {
			b.WriteString(n.Path.String())
		}
		b.WriteByte(' ')
		b.WriteString(string(n.Op))
		if n.Op != OpPr {
			b.WriteByte(' ')
			writeFilterValue(b, n.Value)
		}
	case *And:
		writeOperand(b, n.Left, inVP, true, false)
		b.WriteString(" and ")
		writeOperand(b, n.Right, inVP, true, true)
	case *Or:
		writeOperand(b, n.Left, inVP, false, false)
		b.WriteString(" or ")
		writeOperand(b, n.Right, inVP, false, true)
	case *Not:
		b.WriteString("not (")
		writeFilter(b, n.X, inVP)
		b.WriteByte(')')
	case *ValuePath:
		b.WriteString(n.Attr.String())
		b.WriteByte('[')
		writeFilter(b, n.Filter, true)
		b.WriteByte(']')
	case nil:
		// Nothing to write for a nil filter.
	}
}

// writeOperand writes an operand of and (inAnd) or or, in parentheses
// where precedence requires them or where the re-parsed tree would have
// another shape (the parser associates to the left).
func writeOperand(b *strings.Builder, f Filter, inVP, inAnd, right bool) {
	paren := false
	switch f.(type) {
	case *Or:
		paren = inAnd || right
	case *And:
		paren = inAnd && right
	}
	if paren {
		b.WriteByte('(')
	}
	writeFilter(b, f, inVP)
	if paren {
		b.WriteByte(')')
	}
}

// writeFilterValue writes a comparison value as a SCIM filter literal.
func writeFilterValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writeFilterString(b, x)
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") && !strings.ContainsAny(s, "IN") {
			s += ".0" // keep it a decimal on re-parse
		}
		b.WriteString(s)
	case time.Time:
		writeFilterString(b, x.Format(time.RFC3339Nano))
	default:
		writeFilterString(b, fmt.Sprint(x))
	}
}

// writeFilterString writes s as a quoted filter string, escaping as
// RFC 8259 does (upper-case hex, which the filter grammar requires).
func writeFilterString(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == utf8.RuneError:
			if r == utf8.RuneError {
				r = 0xFFFD
			}
			b.WriteString(`\u`)
			b.WriteByte(hex[r>>12&0xF])
			b.WriteByte(hex[r>>8&0xF])
			b.WriteByte(hex[r>>4&0xF])
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// filterLimits bounds the filters a client may send; zero means no limit.
type filterLimits struct{ maxLength, maxDepth int }

// invalidFilter returns the 400 invalidFilter error for a filter.
func invalidFilter(format string, args ...any) *Error {
	return badRequest(ScimTypeInvalidFilter, format, args...)
}

// ParseUserFilter compiles a SCIM filter (RFC 7644 §3.4.2.2) against the
// User schema with the enterprise extension, without length or depth
// limits and without normalizers. Every error is a *Error with status 400
// and scimType invalidFilter.
func ParseUserFilter(text string) (Filter, error) {
	return compileFilter(newUserSchema(), text, filterLimits{}, nil, nil)
}

// ParseGroupFilter compiles a SCIM filter (RFC 7644 §3.4.2.2) against the
// Group schema, without length or depth limits and without normalizers.
// Every error is a *Error with status 400 and scimType invalidFilter.
func ParseGroupFilter(text string) (Filter, error) {
	return compileFilter(newGroupSchema(), text, filterLimits{}, nil, nil)
}

// compileFilter rewrites text with the normalizers, checks the limits,
// parses it and compiles it against rs. Every error is a *Error 400
// invalidFilter.
func compileFilter(rs *resourceSchema, text string, lim filterLimits, norms []Normalizer, nc *NormalizeContext) (Filter, error) {
	for _, n := range norms {
		if n.Filter != nil {
			text = n.Filter(nc, text)
		}
	}
	if lim.maxLength > 0 && len(text) > lim.maxLength {
		return nil, invalidFilter("filter is longer than %d bytes", lim.maxLength)
	}
	text = strings.Trim(text, " ")
	if text == "" {
		return nil, invalidFilter("filter is empty")
	}
	if !utf8.ValidString(text) {
		return nil, invalidFilter("filter is not valid UTF-8")
	}
	if ae, ok := simpleComparison(text); ok {
		c := &filterCompiler{rs: rs, norms: norms, nc: nc, maxDepth: lim.maxDepth}
		return c.compare(ae, nil)
	}
	pre, err := splitValuePaths(text, lim.maxDepth)
	if err != nil {
		return nil, err
	}
	expr, err := parseFilterText(pre.outer, text)
	if err != nil {
		return nil, err
	}
	c := &filterCompiler{rs: rs, norms: norms, nc: nc, pre: pre, maxDepth: lim.maxDepth}
	f, err := c.expr(expr, nil)
	if err != nil {
		return nil, err
	}
	if lim.maxDepth > 0 && filterDepth(f) > lim.maxDepth {
		return nil, invalidFilter("filter nests deeper than %d levels", lim.maxDepth)
	}
	return f, nil
}

// parseFilterText runs filter-parser on text; orig is the client's text
// for the error message.
func parseFilterText(text, orig string) (fp.Expression, error) {
	expr, err := fp.ParseFilterNumber([]byte(text))
	if err != nil {
		return nil, &Error{
			Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter,
			Detail: fmt.Sprintf("filter %s is not valid filter syntax (RFC 7644 §3.4.2.2)", quoteForDetail(orig)),
			Err:    err,
		}
	}
	return expr, nil
}

// quoteForDetail quotes a client-supplied text for an error detail,
// shortened so a huge filter does not make a huge response.
func quoteForDetail(s string) string {
	const max = 120
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

// preparsed is a filter text whose value paths ("attr[filter]" and
// Entra's "attr[filter].sub") were replaced by placeholder attribute
// names, because filter-parser accepts only two comparisons inside the
// brackets and rejects the Entra form. Each value filter is parsed on its
// own with the full filter grammar.
type preparsed struct {
	outer string
	vps   map[string]*rawValuePath // placeholder name → value path
}

// rawValuePath is one extracted value path.
type rawValuePath struct {
	attr  string // raw attribute path before '['
	inner string // text between the brackets
	sub   bool   // followed by ".sub" (Entra form), kept in outer text
}

// splitValuePaths extracts the value paths of text (see preparsed). It
// also upper-cases the hex digits of \u escapes (the filter grammar
// accepts only upper case; JSON allows both) and rejects parentheses or
// brackets nested deeper than maxDepth, before the recursive parser sees
// them.
func splitValuePaths(text string, maxDepth int) (preparsed, error) {
	pre := preparsed{}
	var out strings.Builder
	out.Grow(len(text))
	lower := strings.ToLower(text)
	nextName := 0
	placeholder := func() string {
		for {
			name := "scimkitvp" + strconv.Itoa(nextName)
			nextName++
			if !strings.Contains(lower, name) {
				return name
			}
		}
	}
	depth := 0
	for i := 0; i < len(text); {
		ch := text[i]
		switch ch {
		case '"':
			end, s := scanString(text, i)
			out.WriteString(s)
			i = end
			continue
		case '(':
			depth++
			if maxDepth > 0 && depth > maxDepth {
				return pre, invalidFilter("filter nests deeper than %d levels", maxDepth)
			}
		case ')':
			depth--
		case ']':
			return pre, invalidFilter("filter has an unbalanced ']'")
		case '[':
			// The attribute path is what precedes '[' in the output.
			o := out.String()
			start := len(o)
			for start > 0 && isPathByte(o[start-1]) {
				start--
			}
			attr := o[start:]
			if attr == "" {
				return pre, invalidFilter("value filter '[' without an attribute in filter %s", quoteForDetail(text))
			}
			// Find the matching ']', skipping strings.
			j := i + 1
			var inner strings.Builder
			closed := false
			for j < len(text) {
				switch text[j] {
				case '"':
					end, s := scanString(text, j)
					inner.WriteString(s)
					j = end
					continue
				case '[':
					return pre, invalidFilter("value filters cannot be nested in filter %s", quoteForDetail(text))
				case ']':
					closed = true
				}
				if closed {
					break
				}
				inner.WriteByte(text[j])
				j++
			}
			if !closed {
				return pre, invalidFilter("filter has an unbalanced '['")
			}
			j++ // past ']'
			name := placeholder()
			rv := &rawValuePath{attr: attr, inner: strings.Trim(inner.String(), " ")}
			if pre.vps == nil {
				pre.vps = map[string]*rawValuePath{}
			}
			pre.vps[name] = rv
			rest := o[:start] + name
			out.Reset()
			out.WriteString(rest)
			if j < len(text) && text[j] == '.' {
				rv.sub = true // ".sub op value" follows and stays in the text
			} else {
				out.WriteString(" pr")
			}
			i = j
			continue
		}
		out.WriteByte(ch)
		i++
	}
	pre.outer = out.String()
	return pre, nil
}

// scanString returns the end of the quoted string starting at text[i] and
// the string with \u escapes' hex digits upper-cased. An unterminated
// string runs to the end of text (the parser then reports it).
func scanString(text string, i int) (int, string) {
	var b strings.Builder
	b.WriteByte('"')
	j := i + 1
	for j < len(text) {
		c := text[j]
		switch c {
		case '"':
			b.WriteByte(c)
			return j + 1, b.String()
		case '\\':
			if j+1 < len(text) && text[j+1] == 'u' && j+6 <= len(text) {
				b.WriteString(`\u`)
				b.WriteString(strings.ToUpper(text[j+2 : j+6]))
				j += 6
				continue
			}
			b.WriteByte(c)
			if j+1 < len(text) {
				b.WriteByte(text[j+1])
			}
			j += 2
			continue
		}
		b.WriteByte(c)
		j++
	}
	return len(text), b.String()
}

// isPathByte reports whether c may appear in an attribute path with a
// URN prefix.
func isPathByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '-' || c == '$' || c == ':' || c == '.'
}

// filterCompiler builds the Filter AST from filter-parser expressions.
type filterCompiler struct {
	rs    *resourceSchema
	norms []Normalizer
	nc    *NormalizeContext
	pre   preparsed
	// maxDepth bounds parentheses inside value filters (0: no limit).
	maxDepth int
}

// rawPath returns the attribute path of p as the client spelled it.
func rawPath(p fp.AttributePath) string {
	return p.String()
}

// expr compiles e. vp is the value path whose filter e is, or nil.
func (c *filterCompiler) expr(e fp.Expression, vp *resolvedPath) (Filter, error) {
	switch n := e.(type) {
	case *fp.LogicalExpression:
		l, err := c.expr(n.Left, vp)
		if err != nil {
			return nil, err
		}
		r, err := c.expr(n.Right, vp)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(string(n.Operator), string(fp.OR)) {
			return &Or{Left: l, Right: r}, nil
		}
		return &And{Left: l, Right: r}, nil
	case *fp.NotExpression:
		x, err := c.expr(n.Expression, vp)
		if err != nil {
			return nil, err
		}
		return &Not{X: x}, nil
	case *fp.AttributeExpression:
		if vp == nil && n.AttributePath.URIPrefix == nil {
			if rv := c.pre.vps[n.AttributePath.AttributeName]; rv != nil {
				return c.valuePath(rv, n)
			}
		}
		return c.compare(n, vp)
	case *fp.ValuePath:
		// Not produced after splitValuePaths; compiled for completeness.
		if vp != nil {
			return nil, invalidFilter("value filters cannot be nested")
		}
		rp, err := c.valuePathAttr(rawPath(n.AttributePath))
		if err != nil {
			return nil, err
		}
		inner, err := c.expr(n.ValueFilter, &rp)
		if err != nil {
			return nil, err
		}
		return &ValuePath{Attr: rp.path, Filter: inner}, nil
	}
	return nil, invalidFilter("unsupported filter expression")
}

// valuePathAttr resolves the attribute of a value path: a multi-valued or
// complex attribute without sub-attribute.
func (c *filterCompiler) valuePathAttr(raw string) (resolvedPath, error) {
	rp, ok := c.rs.resolve(raw)
	if !ok || rp.attr == nil {
		return rp, invalidFilter("unknown attribute %s in filter", quoteForDetail(raw))
	}
	if rp.sub != nil || rp.attr.typ != TypeComplex {
		return rp, invalidFilter("attribute %q is not complex and cannot have a value filter", rp.path.String())
	}
	return rp, nil
}

// valuePath compiles an extracted value path; ae is the placeholder
// expression ("ph pr", or "ph.sub op value" for the Entra form).
func (c *filterCompiler) valuePath(rv *rawValuePath, ae *fp.AttributeExpression) (Filter, error) {
	rp, err := c.valuePathAttr(rv.attr)
	if err != nil {
		return nil, err
	}
	if rv.inner == "" {
		return nil, invalidFilter("value filter of %q is empty", rp.path.String())
	}
	// The inner text has no brackets left; parse it with the full grammar.
	innerPre, err := splitValuePaths(rv.inner, c.maxDepth)
	if err != nil {
		return nil, err
	}
	e, err := parseFilterText(innerPre.outer, rv.attr+"["+rv.inner+"]")
	if err != nil {
		return nil, err
	}
	inner, err := c.expr(e, &rp)
	if err != nil {
		return nil, err
	}
	if rv.sub {
		// Entra: attr[filter].sub op value = attr[filter and sub op value].
		sub := ae.AttributePath.SubAttributeName()
		if sub == "" {
			return nil, invalidFilter("filter %s is not valid filter syntax", quoteForDetail(rv.attr+"["+rv.inner+"]"))
		}
		last := *ae
		last.AttributePath = fp.AttributePath{AttributeName: sub}
		cmp, err := c.compare(&last, &rp)
		if err != nil {
			return nil, err
		}
		inner = &And{Left: inner, Right: cmp}
	} else if ae.Operator != fp.PR || ae.AttributePath.SubAttribute != nil {
		return nil, invalidFilter("filter %s is not valid filter syntax", quoteForDetail(rv.attr+"["+rv.inner+"]"))
	}
	return &ValuePath{Attr: rp.path, Filter: inner}, nil
}

// compare compiles an attribute expression. Inside a value path (vp set)
// the attribute is a sub-attribute of vp.
func (c *filterCompiler) compare(ae *fp.AttributeExpression, vp *resolvedPath) (Filter, error) {
	raw := rawPath(ae.AttributePath)
	var (
		path AttrPath
		leaf *attrDef
		mv   bool
	)
	if vp != nil {
		if ae.AttributePath.URIPrefix != nil || ae.AttributePath.SubAttribute != nil {
			return nil, invalidFilter("attribute %s in the value filter of %q must be a sub-attribute name", quoteForDetail(raw), vp.path.String())
		}
		leaf = vp.attr.subAttr(ae.AttributePath.AttributeName)
		if leaf == nil {
			return nil, invalidFilter("unknown sub-attribute %s of %q in filter", quoteForDetail(raw), vp.path.String())
		}
		path = vp.path
		path.Sub = leaf.name
		mv = leaf.multi
	} else {
		rp, ok := c.rs.resolve(raw)
		if !ok || rp.attr == nil {
			return nil, invalidFilter("unknown attribute %s in filter", quoteForDetail(raw))
		}
		path, leaf = rp.path, rp.leaf()
		mv = rp.attr.multi || leaf.multi
		if leaf.typ == TypeComplex && ae.Operator != fp.PR {
			// RFC 7644 §3.4.2.2: a comparison on a complex attribute
			// applies to its "value" sub-attribute (emails co "x",
			// manager eq "id").
			v := leaf.subAttr("value")
			if v == nil || rp.sub != nil {
				return nil, invalidFilter("complex attribute %q needs a sub-attribute to compare", path.String())
			}
			path.Sub, leaf = v.name, v
		}
	}
	op := CompareOp(strings.ToLower(string(ae.Operator)))
	cmp := &Compare{Path: path, Op: op, Type: leaf.typ, CaseExact: leaf.caseExact, MultiValued: mv}
	switch op {
	case OpPr:
		return cmp, nil
	case OpEq, OpNe:
	case OpCo, OpSw, OpEw:
		if leaf.typ != TypeString && leaf.typ != TypeReference {
			return nil, invalidFilter("operator %q is only allowed on string attributes, not on %q (%s)", op, path.String(), leaf.typ)
		}
	case OpGt, OpGe, OpLt, OpLe:
		if leaf.typ == TypeBoolean || leaf.typ == TypeComplex || leaf.typ == TypeBinary {
			return nil, invalidFilter("operator %q is not allowed on %q (%s)", op, path.String(), leaf.typ)
		}
	default:
		return nil, invalidFilter("unknown operator %q", ae.Operator)
	}
	v, err := c.value(ae.CompareValue, leaf.info(path), path)
	if err != nil {
		return nil, err
	}
	cmp.Value = v
	return cmp, nil
}

// value converts the comparison value raw (as filter-parser returned it)
// to the attribute's type. Normalizers see strings decoded, numbers as
// json.Number (so that no digit is lost before a normalizer turns an
// unquoted number into a string), bools and nil.
func (c *filterCompiler) value(raw any, info AttrInfo, path AttrPath) (any, error) {
	v := raw
	switch x := raw.(type) {
	case string:
		s, err := decodeFilterString(x)
		if err != nil {
			return nil, invalidFilter("comparison value for %q is not a valid string", path.String())
		}
		v = s
	case int:
		v = int64(x)
	}
	for _, n := range c.norms {
		if n.FilterValue != nil {
			v = n.FilterValue(c.nc, info, v)
		}
	}
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			v = i
		} else {
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				return nil, invalidFilter("comparison value %s for %q is not a valid number", x, path.String())
			}
			v = f
		}
	case int:
		v = int64(x)
	case float32:
		v = float64(x)
	}
	if v == nil {
		return nil, invalidFilter("null is not a valid comparison value for %q; use \"pr\" or \"not (... pr)\"", path.String())
	}
	bad := func() error {
		return invalidFilter("comparison value %s does not match the type of %q (%s)", describeValue(v), path.String(), info.Type)
	}
	switch info.Type {
	case TypeString, TypeReference, TypeBinary:
		if _, ok := v.(string); !ok {
			return nil, bad()
		}
	case TypeBoolean:
		if _, ok := v.(bool); !ok {
			return nil, bad()
		}
	case TypeInteger:
		switch x := v.(type) {
		case int64:
		case float64:
			if x != math.Trunc(x) || x < -1<<63 || x >= 1<<63 {
				return nil, bad()
			}
			v = int64(x)
		default:
			return nil, bad()
		}
	case TypeDecimal:
		switch x := v.(type) {
		case float64:
		case int64:
			v = float64(x)
		default:
			return nil, bad()
		}
		if f := v.(float64); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, bad()
		}
	case TypeDateTime:
		switch x := v.(type) {
		case time.Time:
		case string:
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, invalidFilter("comparison value %s for %q is not an RFC 3339 date-time", describeValue(v), path.String())
			}
			v = t
		default:
			return nil, bad()
		}
	default:
		return nil, bad()
	}
	return v, nil
}

// describeValue renders a comparison value for an error detail.
func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return quoteForDetail(x)
	case nil:
		return "null"
	}
	return fmt.Sprint(v)
}

// decodeFilterString decodes the body of a quoted filter string (the text
// between the quotes, escapes as in JSON).
func decodeFilterString(s string) (string, error) {
	if !strings.ContainsRune(s, '\\') {
		return s, nil
	}
	var out string
	err := json.Unmarshal([]byte(`"`+s+`"`), &out)
	return out, err
}

// filterDepth returns the nesting depth of logical, not and value path
// nodes in f. A chain of the same logical operator (a or b or c) counts
// as one level, so that the depth does not depend on associativity.
func filterDepth(f Filter) int {
	switch n := f.(type) {
	case *And:
		return 1 + max(chainDepth(n.Left, true), chainDepth(n.Right, true))
	case *Or:
		return 1 + max(chainDepth(n.Left, false), chainDepth(n.Right, false))
	case *Not:
		return 1 + filterDepth(n.X)
	case *ValuePath:
		return 1 + filterDepth(n.Filter)
	}
	return 0
}

// chainDepth is filterDepth of an operand of an and (isAnd) or or chain,
// not counting the chain's own operator again.
func chainDepth(f Filter, isAnd bool) int {
	switch n := f.(type) {
	case *And:
		if isAnd {
			return max(chainDepth(n.Left, true), chainDepth(n.Right, true))
		}
	case *Or:
		if !isAnd {
			return max(chainDepth(n.Left, false), chainDepth(n.Right, false))
		}
	}
	return filterDepth(f)
}
