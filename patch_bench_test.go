package scim

import "testing"

// BenchmarkApplyEntraPatch applies an Entra-shaped five-operation PATCH
// (displayName, name.givenName, emails[type eq "work"].value, enterprise
// department by URN path, active) to a typical user.
func BenchmarkApplyEntraPatch(b *testing.B) {
	rs := newUserSchema()
	u := baseUser(b)
	ops := patchOps(b, entraPatchBody)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := applyUserPatch(rs, u, ops, patchMode{}, nil, KeepUnknownExtensions); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeUser decodes the Entra POST body of a typical user.
func BenchmarkDecodeUser(b *testing.B) {
	rs := newUserSchema()
	doc := userDoc(baseUser(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeUser(rs, doc, KeepUnknownExtensions); err != nil {
			b.Fatal(err)
		}
	}
}
