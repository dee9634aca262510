package scim

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The reference encoder: encoding/json over the same struct tags. The
// hand-written encoder must produce the same JSON value for every resource.

// referenceMarshal writes {"schemas":…, <core attributes>, <modelled
// extensions>, <raw extensions>, "meta":…}: the one wire layout of every
// resource type.
func referenceMarshal(schemas []string, core any, modelled map[string]any, raw map[string]json.RawMessage, meta *Meta) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"schemas":`)
	if err := writeJSON(&b, schemas); err != nil {
		return nil, err
	}
	body, err := json.Marshal(core)
	if err != nil {
		return nil, err
	}
	if len(body) > 2 {
		b.WriteByte(',')
		b.Write(body[1 : len(body)-1])
	}
	for _, k := range sortedKeys(modelled) {
		b.WriteByte(',')
		writeJSON(&b, k)
		b.WriteByte(':')
		if err := writeJSON(&b, modelled[k]); err != nil {
			return nil, err
		}
	}
	for _, k := range sortedKeys(raw) {
		b.WriteByte(',')
		writeJSON(&b, k)
		b.WriteByte(':')
		b.Write(raw[k])
	}
	if err := writeMeta(&b, meta); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeMeta(b *bytes.Buffer, m *Meta) error {
	if *m == (Meta{}) {
		return nil
	}
	b.WriteString(`,"meta":`)
	return writeJSON(b, m)
}

func writeJSON(b *bytes.Buffer, v any) error {
	enc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(enc)
	return nil
}

func referenceUser(u *User) ([]byte, error) {
	var ent map[string]any
	if !u.Enterprise.isZero() {
		ent = map[string]any{EnterpriseUserSchema: u.Enterprise}
	}
	return referenceMarshal(u.Schemas(), (*userJSON)(u), ent, u.Extensions, &u.Meta)
}

func referenceGroup(g *Group) ([]byte, error) {
	return referenceMarshal(g.Schemas(), (*groupJSON)(g), nil, g.Extensions, &g.Meta)
}

// randString mixes ASCII, escapes, control characters, non-ASCII, U+2028
// and invalid UTF-8.
func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return ""
	}
	parts := []string{"a", "Zoë", "\"", "\\", "\n", "\t", "\x01", "\x1f", "<&>", "\u2028", "\u2029", "\xff", "\xe2\x82", "日本", "😀", " ", "/"}
	var b strings.Builder
	for i := r.IntN(6); i >= 0; i-- {
		b.WriteString(parts[r.IntN(len(parts))])
	}
	return b.String()
}

func randMulti(r *rand.Rand) []MultiValue {
	var vs []MultiValue
	for i := r.IntN(3); i > 0; i-- {
		vs = append(vs, MultiValue{Value: randString(r), Display: randString(r), Type: randString(r), Primary: r.IntN(2) == 0, Ref: randString(r)})
	}
	return vs
}

func randUser(r *rand.Rand) *User {
	u := &User{ID: randString(r), ExternalID: randString(r), UserName: randString(r), DisplayName: randString(r),
		NickName: randString(r), ProfileURL: randString(r), Title: randString(r), UserType: randString(r),
		PreferredLanguage: randString(r), Locale: randString(r), Timezone: randString(r),
		Emails: randMulti(r), PhoneNumbers: randMulti(r), IMs: randMulti(r), Photos: randMulti(r),
		Entitlements: randMulti(r), Roles: randMulti(r), X509Certificates: randMulti(r)}
	if r.IntN(2) == 0 {
		u.Name = &Name{Formatted: randString(r), FamilyName: randString(r), GivenName: randString(r), MiddleName: randString(r)}
	}
	if r.IntN(3) > 0 {
		a := r.IntN(2) == 0
		u.Active = &a
	}
	for i := r.IntN(3); i > 0; i-- {
		u.Addresses = append(u.Addresses, Address{Formatted: randString(r), StreetAddress: randString(r), Country: randString(r), Type: randString(r), Primary: r.IntN(2) == 0})
		u.Groups = append(u.Groups, GroupRef{Value: randString(r), Ref: randString(r), Display: randString(r), Type: randString(r)})
	}
	if r.IntN(2) == 0 {
		u.Enterprise = &EnterpriseUser{EmployeeNumber: randString(r), Department: randString(r), CostCenter: randString(r)}
		if r.IntN(2) == 0 {
			u.Enterprise.Manager = &Manager{Value: randString(r), Ref: randString(r), DisplayName: randString(r)}
		}
	}
	if r.IntN(2) == 0 {
		u.Extensions = map[string]json.RawMessage{"urn:x:custom:2.0:User": json.RawMessage(`{"tag":"blue","n":1}`)}
	}
	if r.IntN(2) == 0 {
		u.Meta = Meta{ResourceType: "User", Created: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC), LastModified: time.Unix(1700000000, 0).UTC(), Location: randString(r), Version: `W/"3"`}
	}
	return u
}

func sameJSON(t *testing.T, want, got []byte) {
	t.Helper()
	var w, g any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("reference output invalid: %v", err)
	}
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("encoder output is not JSON: %v\n%s", err, got)
	}
	if diff := cmp.Diff(w, g); diff != "" {
		t.Fatalf("(-encoding/json +encoder):\n%s", diff)
	}
}

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		u := randUser(r)
		want, err := referenceUser(u)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := u.MarshalJSON()
		sameJSON(t, want, got)

		g := &Group{ID: randString(r), ExternalID: randString(r), DisplayName: randString(r), Extensions: u.Extensions, Meta: u.Meta}
		for j := r.IntN(4); j > 0; j-- {
			g.Members = append(g.Members, Member{Value: randString(r), Ref: randString(r), Display: randString(r), Type: randString(r)})
		}
		want, _ = referenceGroup(g)
		got, _ = g.MarshalJSON()
		sameJSON(t, want, got)
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\"", "\u2028", "\xff", "Zoë\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := appendJSONString(nil, s)
		var w, g string
		json.Unmarshal(want, &w)
		if err := json.Unmarshal(got, &g); err != nil || g != w {
			t.Fatalf("%q: encoder %s, encoding/json %s", s, got, want)
		}
	})
}
