package scim

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzFilter checks that compiling any text never panics, that every
// rejection is a 400 invalidFilter *Error, that accepted filters print
// (String) as text that compiles to the same AST, and that evaluation
// never panics. Seeds are the filters of idp-requests.md.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`,
		`userName eq "adele.v@contoso.example"`,
		`externalId eq "0b6c52d1-9a44-4f0e-8e5d-2f2b6c1d7a90"`,
		`emails[type eq "work"].value eq "adele.v@contoso.example"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"`,
		`displayName eq "Finance EMEA"`,
		`id eq "2819c223" and manager eq "26118915"`,
		`id eq "g1" and members[value eq "u1"]`,
		`id eq "g1" and members eq "u1"`,
		`roles[primary eq "True"]`,
		`emails[type eq "work" and value co "@x"]`,
		`meta.lastModified gt "2011-05-13T04:42:34Z"`,
		`title pr and (nickName sw "a" or not (active eq false))`,
		`userName eq "Adele \"AV\" Vance \u00E9 Zoë"`,
		`urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeId eq "B-7"`,
		`externalId eq adelev`,
		`emails[not (type eq "home")] or phoneNumbers.value ew "0109"`,
	} {
		f.Add(s)
	}
	rs := newUserSchema()
	u := ftAdele()
	f.Fuzz(func(t *testing.T, text string) {
		flt, err := compileFilter(rs, text, filterLimits{maxLength: 4096, maxDepth: 32}, nil, nil)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Status != 400 || se.ScimType != ScimTypeInvalidFilter {
				t.Fatalf("compileFilter(%q) error %v is not 400 invalidFilter", text, err)
			}
			return
		}
		s := flt.String()
		again, err := compileFilter(rs, s, filterLimits{}, nil, nil)
		if err != nil {
			t.Fatalf("compileFilter(%q) ok, but its String %q does not compile: %v", text, s, err)
		}
		if diff := cmp.Diff(flt, again); diff != "" {
			t.Fatalf("round trip of %q via %q (-want +got):\n%s", text, s, diff)
		}
		_ = MatchUser(flt, u)
		if vp, ok := flt.(*ValuePath); ok {
			_ = matchElement(vp.Filter, map[string]any{"type": "work", "value": "x", "primary": true})
		}
	})
}
