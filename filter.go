package scim

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
