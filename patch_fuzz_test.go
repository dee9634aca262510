package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzPatch applies whole PATCH bodies to a fixed user: no panics, a
// rejected request is a 400 *Error, the input user is never modified, and
// an accepted result survives the canonical document round trip.
func FuzzPatch(f *testing.F) {
	for _, s := range []string{
		entraPatchBody,
		`{"Operations":[]}`,
		`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		`{"Operations":[{"op":"replace","value":{"displayName":"A","name.givenName":"B","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"1"}}]}`,
		`{"Operations":[{"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1"},{"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"x"}]}`,
		`{"Operations":[{"op":"remove","path":"manager[value eq \"m-1\"]"}]}`,
		`{"Operations":[{"op":"Remove","path":"emails[type eq \"work\"].value","value":"adele.v@contoso.example"}]}`,
		`{"Operations":[{"op":"add","path":"emails","value":[{"value":"x@y","primary":true}]}]}`,
		`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"manager":{"value":"m"}}}]}`,
		`{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User":{"tag":null,"n":[1,{"a":2}]}}}]}`,
		`{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag"}]}`,
		`{"Operations":[{"op":"replace","path":"roles[primary eq true and type eq \"x\"]","value":{"value":"r"}}]}`,
		`{"Operations":[{"op":"replace","path":"emails[not (type eq \"work\")].display","value":"d"}]}`,
		`{"Operations":[{"op":"replace","value":{"name":{"givenName":null},"id":"u-1"}}]}`,
	} {
		f.Add(s, false, false)
	}
	rs := newUserSchema()
	base := baseUser(f)
	f.Fuzz(func(t *testing.T, body string, upsert, single bool) {
		var req PatchRequest
		dec := json.NewDecoder(bytes.NewReader([]byte(body)))
		dec.UseNumber()
		if dec.Decode(&req) != nil {
			return
		}
		u := base.Clone()
		mode := patchMode{upsertValuePath: upsert, upsertRule: "u", singleValuedFilter: single, singleValuedRule: "s"}
		got, err := applyUserPatch(rs, u, req.Operations, mode, &NormalizeContext{rs: rs}, KeepUnknownExtensions)
		if diff := cmp.Diff(base, u); diff != "" {
			t.Fatalf("input user modified (-before +after):\n%s", diff)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 || e.ScimType == "" {
				t.Fatalf("error %v is not a 400 SCIM error", err)
			}
			if got != nil {
				t.Fatal("result with error")
			}
			return
		}
		again, err := decodeUser(rs, userDoc(got), KeepUnknownExtensions)
		if err != nil {
			t.Fatalf("patched user does not decode: %v", err)
		}
		again.ID, again.Meta, again.Groups = got.ID, got.Meta, got.Groups
		if diff := cmp.Diff(got, again, cmpopts.EquateEmpty(), cmp.Comparer(jsonEqual)); diff != "" {
			t.Fatalf("patched user does not round-trip (-patched +again):\n%s", diff)
		}
	})
}
