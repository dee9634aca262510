package scim

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// This file: in-memory evaluation of compiled filters.

// matchElement reports whether one element of a multi-valued or complex
// attribute, given as a map with canonical sub-attribute keys, satisfies
// the inner filter f of a *ValuePath. Values in elem are string, bool,
// json.Number, float64, int64, int or nil. A nil f matches every element.
func matchElement(f Filter, elem map[string]any) bool {
	switch n := f.(type) {
	case nil:
		return true
	case *And:
		return matchElement(n.Left, elem) && matchElement(n.Right, elem)
	case *Or:
		return matchElement(n.Left, elem) || matchElement(n.Right, elem)
	case *Not:
		return !matchElement(n.X, elem)
	case *Compare:
		key := n.Path.Sub
		if key == "" {
			key = n.Path.Name
		}
		v, ok := elem[key]
		if !ok {
			// Keys are canonical, but tolerate a differently cased key.
			for k, kv := range elem {
				if strings.EqualFold(k, key) {
					v, ok = kv, true
					break
				}
			}
		}
		if !ok || v == nil {
			return compareMissing(n)
		}
		return compareAny(n, v)
	case *ValuePath:
		// A nested value path is not valid SCIM; treat it as a non-match.
		return false
	}
	return false
}

// compareMissing is the result of comparison c on an unassigned value:
// only "ne" is true.
func compareMissing(c *Compare) bool { return c.Op == OpNe }

// compareAny compares a generic value (decoded JSON) with c.
func compareAny(c *Compare, v any) bool {
	switch x := v.(type) {
	case string:
		return compareString(c, x)
	case bool:
		return compareBool(c, x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return compareNumber(c, float64(i), true, i)
		}
		f, err := x.Float64()
		if err != nil {
			return compareString(c, x.String())
		}
		return compareNumber(c, f, false, 0)
	case float64:
		return compareNumber(c, x, false, 0)
	case float32:
		return compareNumber(c, float64(x), false, 0)
	case int64:
		return compareNumber(c, float64(x), true, x)
	case int:
		return compareNumber(c, float64(x), true, int64(x))
	case int32:
		return compareNumber(c, float64(x), true, int64(x))
	case time.Time:
		return compareTime(c, x, true)
	case []any:
		for _, e := range x {
			if e != nil && compareAny(c, e) {
				return true
			}
		}
		return c.Op == OpNe && len(x) == 0
	}
	return false
}

// compareString compares the string value s of an attribute with c.
func compareString(c *Compare, s string) bool {
	if c.Op == OpPr {
		return s != ""
	}
	switch want := c.Value.(type) {
	case string:
		return stringOp(c.Op, s, want, c.CaseExact)
	case time.Time:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return c.Op == OpNe
		}
		return compareTime(c, t, true)
	case bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return c.Op == OpNe
		}
		return compareBool(c, b)
	case int64, float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return c.Op == OpNe
		}
		return compareNumber(c, f, false, 0)
	}
	return false
}

// stringOp applies op to attribute value s and filter value want.
func stringOp(op CompareOp, s, want string, caseExact bool) bool {
	if !caseExact {
		if op == OpEq {
			return strings.EqualFold(s, want)
		}
		if op == OpNe {
			return !strings.EqualFold(s, want)
		}
		s, want = strings.ToLower(s), strings.ToLower(want)
	}
	switch op {
	case OpEq:
		return s == want
	case OpNe:
		return s != want
	case OpCo:
		return strings.Contains(s, want)
	case OpSw:
		return strings.HasPrefix(s, want)
	case OpEw:
		return strings.HasSuffix(s, want)
	case OpGt:
		return s > want
	case OpGe:
		return s >= want
	case OpLt:
		return s < want
	case OpLe:
		return s <= want
	case OpPr:
		return s != ""
	}
	return false
}

// compareBool compares boolean attribute value b with c.
func compareBool(c *Compare, b bool) bool {
	if c.Op == OpPr {
		return true
	}
	want, ok := c.Value.(bool)
	if !ok {
		if s, isStr := c.Value.(string); isStr {
			p, err := strconv.ParseBool(s)
			if err != nil {
				return c.Op == OpNe
			}
			want, ok = p, true
		}
	}
	if !ok {
		return c.Op == OpNe
	}
	switch c.Op {
	case OpEq:
		return b == want
	case OpNe:
		return b != want
	}
	return false
}

// compareNumber compares numeric attribute value f (exactly i when isInt)
// with c.
func compareNumber(c *Compare, f float64, isInt bool, i int64) bool {
	if c.Op == OpPr {
		return true
	}
	var cmp int
	switch want := c.Value.(type) {
	case int64:
		if isInt {
			cmp = cmpOrdered(i, want)
		} else {
			cmp = cmpFloat(f, float64(want))
		}
	case float64:
		cmp = cmpFloat(f, want)
	case string:
		w, err := strconv.ParseFloat(want, 64)
		if err != nil {
			return c.Op == OpNe
		}
		cmp = cmpFloat(f, w)
	default:
		return c.Op == OpNe
	}
	return orderOp(c.Op, cmp)
}

// compareTime compares dateTime attribute value t (set when ok) with c.
func compareTime(c *Compare, t time.Time, ok bool) bool {
	if c.Op == OpPr {
		return ok && !t.IsZero()
	}
	if !ok || t.IsZero() {
		return c.Op == OpNe
	}
	var want time.Time
	switch w := c.Value.(type) {
	case time.Time:
		want = w
	case string:
		p, err := time.Parse(time.RFC3339Nano, w)
		if err != nil {
			return c.Op == OpNe
		}
		want = p
	default:
		return c.Op == OpNe
	}
	return orderOp(c.Op, t.Compare(want))
}

func cmpOrdered[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 2 // unordered: never eq, gt or lt
	}
	return cmpOrdered64(a, b)
}

func cmpOrdered64(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// orderOp maps a three-way comparison result to op; cmp 2 means
// unordered.
func orderOp(op CompareOp, cmp int) bool {
	switch op {
	case OpEq:
		return cmp == 0
	case OpNe:
		return cmp != 0
	case OpGt:
		return cmp == 1
	case OpGe:
		return cmp == 1 || cmp == 0
	case OpLt:
		return cmp == -1
	case OpLe:
		return cmp == -1 || cmp == 0
	}
	return false
}
