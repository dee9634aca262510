package scim

import (
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// slowCompile compiles text through filter-parser only.
func slowCompile(rs *resourceSchema, text string) (Filter, error) {
	pre, err := splitValuePaths(text, 0)
	if err != nil {
		return nil, err
	}
	expr, err := parseFilterText(pre.outer, text)
	if err != nil {
		return nil, err
	}
	c := &filterCompiler{rs: rs, pre: pre}
	return c.expr(expr, nil)
}

func checkFastAgrees(t *testing.T, rs *resourceSchema, text string) {
	t.Helper()
	if _, ok := simpleComparison(text); !ok || !utf8.ValidString(text) {
		return // compileFilter refuses invalid UTF-8 before either parser runs
	}
	fast, fastErr := compileFilter(rs, text, filterLimits{}, nil, nil)
	slow, slowErr := slowCompile(rs, text)
	if (fastErr == nil) != (slowErr == nil) {
		// The fast path may accept what filter-parser's stricter grammar
		// refuses only if compilation rejects it anyway; never the reverse.
		if fastErr != nil {
			t.Fatalf("%q: fast path rejects (%v), parser accepts", text, fastErr)
		}
		t.Fatalf("%q: fast path accepts %v, parser rejects (%v)", text, fast, slowErr)
	}
	if fastErr == nil {
		if diff := cmp.Diff(slow.String(), fast.String()); diff != "" {
			t.Fatalf("%q (-parser +fast):\n%s", text, diff)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("%q AST (-parser +fast):\n%s", text, diff)
		}
	}
}

func TestSimpleComparisonAgreesWithParser(t *testing.T) {
	rs := newUserSchema()
	for _, text := range []string{
		`userName eq "adele.v@contoso.example"`,
		`userName Eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`,
		`externalId eq "0b6c52d1"`,
		`USERNAME sw "ad"`,
		`name.givenName co "del"`,
		`emails.value ew ".example"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "9c1f"`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`displayName eq "Adele Vance"`,
		`displayName eq ""`,
		`displayName eq "Zoë"`,
		`active eq "true"`,
		`nope eq "x"`,
		`userName xx "x"`,
	} {
		t.Run(text, func(t *testing.T) { checkFastAgrees(t, rs, text) })
	}
	for _, text := range []string{`userName eq "a\"b"`, `userName eq x`, `emails[type eq "work"]`, `a eq "x" and b eq "y"`, `userName pr`} {
		if _, ok := simpleComparison(text); ok {
			t.Errorf("%q took the fast path", text)
		}
	}
}

func FuzzSimpleComparison(f *testing.F) {
	for _, s := range []string{`userName eq "a@b"`, `externalId eq "x"`, `name.givenName co "a"`, `meta.created ge "2020-01-01T00:00:00Z"`} {
		f.Add(s)
	}
	rs := newUserSchema()
	f.Fuzz(func(t *testing.T, text string) { checkFastAgrees(t, rs, text) })
}
