package scim

import (
	"strings"

	fp "github.com/scim2/filter-parser/v2"
)

// simpleComparison recognises the one filter shape identity providers send
// on every match query, `attrPath op "string"` (Entra's test connection and
// matching, Okta's assignment lookup), without running the general parser,
// which costs about a hundred times more for this shape. It returns the
// parse tree filter-parser would have produced, so compilation, typing and
// normalizers are exactly the general path's; anything else (value paths,
// logic, numbers, escapes it is unsure of) returns ok == false and goes the
// general way. FuzzSimpleComparison checks both paths agree.
func simpleComparison(text string) (*fp.AttributeExpression, bool) {
	i := strings.IndexByte(text, ' ')
	if i <= 0 {
		return nil, false
	}
	path := text[:i]
	rest := text[i+1:]
	if !simpleAttrPath(path) || len(rest) < 5 || rest[2] != ' ' {
		return nil, false
	}
	op := strings.ToLower(rest[:2])
	switch CompareOp(op) {
	case OpEq, OpNe, OpCo, OpSw, OpEw, OpGt, OpGe, OpLt, OpLe:
	default:
		return nil, false
	}
	val := rest[3:]
	if len(val) < 2 || val[0] != '"' || val[len(val)-1] != '"' {
		return nil, false
	}
	inner := val[1 : len(val)-1]
	for j := 0; j < len(inner); j++ {
		c := inner[j]
		if c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			return nil, false // escapes and odd bytes: let the real parser judge
		}
	}
	return &fp.AttributeExpression{
		AttributePath: fp.AttributePath{AttributeName: path},
		Operator:      fp.CompareOperator(op),
		CompareValue:  inner,
	}, true
}

// simpleAttrPath accepts ALPHA *(ALPHA / DIGIT / "-" / "_" / "." / ":"),
// the characters of attribute paths with sub-attributes and URN prefixes;
// rs.resolve decides whether the path names anything.
func simpleAttrPath(p string) bool {
	if p == "" || !isAlpha(p[0]) {
		return false
	}
	for j := 1; j < len(p); j++ {
		c := p[j]
		if !isAlpha(c) && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' && c != ':' {
			return false
		}
	}
	return !strings.HasSuffix(p, ".") && !strings.HasSuffix(p, ":")
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
