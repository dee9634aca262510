package scim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
		writeOperand(b, n.Left, inVP, true)
		b.WriteString(" and ")
		writeOperand(b, n.Right, inVP, true)
	case *Or:
		writeOperand(b, n.Left, inVP, false)
		b.WriteString(" or ")
		writeOperand(b, n.Right, inVP, false)
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

// writeOperand writes an operand of and/or, parenthesized when it is a
// logical expression whose precedence would otherwise change the meaning
// or the shape of the re-parsed tree (operators associate to the left).
func writeOperand(b *strings.Builder, f Filter, inVP, inAnd bool) {
	paren := false
	switch f.(type) {
	case *Or:
		paren = true
	case *And:
		paren = !inAnd
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
