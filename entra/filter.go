package entra

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/scimkit/scim"
)

// token kinds of the filter scanner.
const (
	tokWord   = iota // attribute path, operator, keyword or bare value
	tokString        // a quoted string, quotes included
	tokOpen          // ( or [
	tokClose         // ) or ]
)

type token struct {
	kind       int
	start, end int  // byte offsets in the filter text
	adjacent   bool // no space between this token and the previous one
}

// scan splits a filter into tokens. It never fails: an unterminated string
// runs to the end of the text, and the filter parser reports it later.
func scan(s string) []token {
	var toks []token
	prevEnd := -1
	for i := 0; i < len(s); {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		t := token{start: i, adjacent: i == prevEnd}
		switch c {
		case '(', '[':
			t.kind, i = tokOpen, i+1
		case ')', ']':
			t.kind, i = tokClose, i+1
		case '"':
			t.kind = tokString
			i++
			for i < len(s) && s[i] != '"' {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i = min(i+1, len(s))
		default:
			t.kind = tokWord
			for i < len(s) && !strings.ContainsRune(" \t\n\r()[]\"", rune(s[i])) {
				i++
			}
		}
		t.end = i
		prevEnd = i
		toks = append(toks, t)
	}
	return toks
}

func isCompareOp(w string) bool {
	switch strings.ToLower(w) {
	case "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le":
		return true
	}
	return false
}

func isNumber(w string) bool {
	if w == "" || !strings.ContainsAny(w[:1], "-0123456789") {
		return false
	}
	f, err := strconv.ParseFloat(w, 64)
	return err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// stringLike reports whether values of type t are written as JSON strings.
func stringLike(t scim.AttrType) bool {
	switch t {
	case scim.TypeString, scim.TypeReference, scim.TypeBinary, scim.TypeDateTime:
		return true
	}
	return false
}

// normalizeFilter rewrites comparison values in filter text: bare tokens
// are quoted (RuleUnquotedFilter) and quoted string booleans compared with
// boolean attributes become true/false (RuleStringBoolean). prefix is the
// multi-valued attribute whose value filter the text is ("emails" for the
// filter of emails[type eq "work"]), or "".
func normalizeFilter(e env, text, prefix string) string {
	toks := scan(text)
	var b strings.Builder
	last := 0
	replace := func(t token, with string) {
		b.WriteString(text[last:t.start])
		b.WriteString(with)
		last = t.end
	}
	// stack holds the attribute of each open '[' (or "" for '(').
	stack := []string{prefix}
	closed := "" // the attribute of the value path just closed
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		w := text[t.start:t.end]
		switch t.kind {
		case tokOpen:
			attr := ""
			if w == "[" && i > 0 && t.adjacent && toks[i-1].kind == tokWord {
				attr = attrPath(stack, text[toks[i-1].start:toks[i-1].end])
			}
			stack = append(stack, attr)
			continue
		case tokClose:
			closed = ""
			if len(stack) > 1 {
				if w == "]" {
					closed = stack[len(stack)-1]
				}
				stack = stack[:len(stack)-1]
			}
			continue
		case tokString:
			continue
		}
		// A word: is it "attrPath op value"?
		if i+2 >= len(toks) || toks[i+1].kind != tokWord || !isCompareOp(text[toks[i+1].start:toks[i+1].end]) {
			continue
		}
		path := attrPath(stack, w)
		if strings.HasPrefix(w, ".") && t.adjacent && closed != "" {
			path = closed + w // emails[type eq "work"].value
		}
		v := toks[i+2]
		i += 2
		ai, q, known := resolve(e, path)
		if known && q != path && path == w {
			// Entra's unqualified manager (id eq … and manager eq …).
			replace(t, q)
			e.Fired(RuleManagerPath)
		}
		if known && ai.Type == scim.TypeComplex {
			// manager eq "id" compares manager.value.
			ai, known = subAttr(ai, "value")
		}
		vw := text[v.start:v.end]
		switch v.kind {
		case tokString:
			if known && ai.Type == scim.TypeBoolean {
				var s string
				if json.Unmarshal([]byte(vw), &s) == nil {
					if bv, ok := stringBool(s); ok {
						replace(v, strconv.FormatBool(bv))
						e.Fired(RuleStringBoolean)
					}
				}
			}
		case tokWord:
			switch {
			case vw == "null":
			case known && ai.Type == scim.TypeBoolean:
				if bv, ok := stringBool(vw); ok && vw != strconv.FormatBool(bv) {
					replace(v, strconv.FormatBool(bv))
					e.Fired(RuleStringBoolean)
				}
			case known && !stringLike(ai.Type):
				// Numbers for numeric attributes; the parser judges the rest.
			case known, vw != "true" && vw != "false" && !isNumber(vw):
				replace(v, quote(vw))
				e.Fired(RuleUnquotedFilter)
			}
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

// attrPath qualifies a word inside a value filter with its attribute.
func attrPath(stack []string, w string) string {
	if p := stack[len(stack)-1]; p != "" && !isURN(w) {
		return p + "." + w
	}
	return w
}

// normalizeFilterValue converts a comparison value the core is about to
// check against attr's type.
func normalizeFilterValue(e env, attr scim.AttrInfo, v any) any {
	switch {
	case attr.Type == scim.TypeBoolean:
		if b, ok := stringBool(v); ok {
			e.Fired(RuleStringBoolean)
			return b
		}
	case stringLike(attr.Type):
		var s string
		switch n := v.(type) {
		case json.Number:
			s = n.String()
		case int:
			s = strconv.Itoa(n)
		case int64:
			s = strconv.FormatInt(n, 10)
		case float64:
			s = strconv.FormatFloat(n, 'f', -1, 64)
		default:
			return v
		}
		e.Fired(RuleUnquotedFilter)
		return s
	}
	return v
}
