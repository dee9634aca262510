package sqlstore

import (
	"testing"

	"github.com/scimkit/scim"
)

func TestPatterns(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"rebind", RebindDollar("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)"},
		{"rebind ten", RebindDollar("??????????"), "$1$2$3$4$5$6$7$8$9$10"},
		{"like co escapes", LikePattern(scim.OpCo, `50%_\x`), `%50\%\_\\x%`},
		{"like sw", LikePattern(scim.OpSw, "ab"), "ab%"},
		{"like ew", LikePattern(scim.OpEw, "ab"), "%ab"},
		{"glob escapes", GlobPattern(scim.OpSw, "a*b?[c]"), "a[*]b[?][[]c]*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{`W/"3"`, 3, true}, {`"12"`, 12, true}, {`7`, 7, true}, {`W/"x"`, 0, false}, {``, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseVersion(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseVersion(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
	if got := etag(42); got != `W/"42"` {
		t.Errorf("etag(42) = %q", got)
	}
}
