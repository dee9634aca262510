package scim

import "testing"

func BenchmarkCompileFilter(b *testing.B) {
	rs := newUserSchema()
	lim := filterLimits{maxLength: DefaultMaxFilterLength, maxDepth: DefaultMaxFilterDepth}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compileFilter(rs, `userName eq "adele.v@contoso.example"`, lim, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileFilterEntraEmail(b *testing.B) {
	rs := newUserSchema()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compileFilter(rs, `emails[type eq "work"].value eq "adele.v@contoso.example"`, filterLimits{}, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchUser(b *testing.B) {
	u := ftAdele()
	for _, bm := range []struct{ name, filter string }{
		{"userName", `userName eq "adele.v@contoso.example"`},
		{"workEmail", `emails[type eq "work"].value eq "adele.v@contoso.example"`},
		{"employeeNumber", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`},
		{"customExtension", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeId eq "B-7"`},
	} {
		f, err := ParseUserFilter(bm.filter)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !MatchUser(f, u) {
					b.Fatal("no match")
				}
			}
		})
	}
}
