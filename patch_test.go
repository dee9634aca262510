package scim

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const entUser = EnterpriseUserSchema

// baseUserJSON is a typical provisioned user, as the fixture of the PATCH
// tests.
const baseUserJSON = `{
 "id": "u-1",
 "externalId": "adelev",
 "userName": "adele.v@contoso.example",
 "active": true,
 "displayName": "Adele Vance",
 "title": "Retail Manager",
 "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
 "emails": [{"primary": true, "type": "work", "value": "adele.v@contoso.example"},
            {"type": "other", "value": "adele@home.example"}],
 "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0109"}],
 "addresses": [{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}],
 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
   "employeeNumber": "10442", "department": "Retail",
   "manager": {"value": "m-1", "displayName": "Megan Bowen"}},
 "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "blue-team"}
}`

func baseUser(t testing.TB) *User {
	t.Helper()
	var u User
	if err := json.Unmarshal([]byte(baseUserJSON), &u); err != nil {
		t.Fatal(err)
	}
	u.ID = "u-1"
	u.Meta = Meta{Version: `W/"1"`}
	u.Groups = []GroupRef{{Value: "g-1", Display: "Finance"}}
	return &u
}

// decodeJSON decodes s the way the handler does (numbers as json.Number).
func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// patchOps decodes the Operations of a PATCH body.
func patchOps(t testing.TB, body string) []PatchOp {
	t.Helper()
	doc := decodeJSON(t, body).(map[string]any)
	var ops []PatchOp
	for _, o := range doc["Operations"].([]any) {
		m := o.(map[string]any)
		op := PatchOp{Value: m["value"]}
		op.Op, _ = m["op"].(string)
		op.Path, _ = m["path"].(string)
		ops = append(ops, op)
	}
	return ops
}

// userWire returns the wire JSON of u as a generic value, without meta.
func userWire(t testing.TB, u *User) map[string]any {
	t.Helper()
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	m := decodeJSON(t, string(b)).(map[string]any)
	delete(m, "meta")
	delete(m, "schemas")
	return m
}

// patchedWant applies edit to the wire form of the base user.
func patchedWant(t testing.TB, edit func(m map[string]any)) map[string]any {
	m := userWire(t, baseUser(t))
	edit(m)
	return m
}

func obj(m map[string]any, k string) map[string]any { return m[k].(map[string]any) }

func wantError(t *testing.T, err error, scimType string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error with scimType %q", err, scimType)
	}
	if e.Status != 400 || e.ScimType != scimType {
		t.Fatalf("error = %d %q (%s), want 400 %q", e.Status, e.ScimType, e.Detail, scimType)
	}
}

func TestApplyUserPatch(t *testing.T) {
	rs := newUserSchema()
	tests := []struct {
		name string
		body string
		mode patchMode
		want func(m map[string]any)
		// fired lists the rules that must have fired.
		fired []string
	}{
		{
			name: "row1 capitalized ops (Entra default dialect)",
			body: `{"Operations":[{"op":"Replace","path":"displayName","value":"A V"},{"op":"ADD","path":"nickName","value":"Del"}]}`,
			want: func(m map[string]any) { m["displayName"] = "A V"; m["nickName"] = "Del" },
		},
		{
			name: "row3 empty Operations is a no-op",
			body: `{"Operations":[]}`,
			want: func(map[string]any) {},
		},
		{
			name: "2.3.1 simple paths, add on single-valued sets it",
			body: `{"Operations":[
			  {"op":"Replace","path":"userName","value":"adele.vance@contoso.example"},
			  {"op":"Replace","path":"name.familyName","value":"Vance-Ortiz"},
			  {"op":"Add","path":"title","value":"Store Manager"}]}`,
			want: func(m map[string]any) {
				m["userName"] = "adele.vance@contoso.example"
				obj(m, "name")["familyName"] = "Vance-Ortiz"
				m["title"] = "Store Manager"
			},
		},
		{
			name: "row5/6 path-less replace with dotted and URN-qualified keys",
			body: `{"Operations":[{"op":"replace","value":{
			  "displayName":"Adele Vance",
			  "name.givenName":"Adèle",
			  "name.formatted":"Adèle Vance-Ortiz",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"20001"}}]}`,
			want: func(m map[string]any) {
				obj(m, "name")["givenName"] = "Adèle"
				obj(m, "name")["formatted"] = "Adèle Vance-Ortiz"
				obj(m, entUser)["employeeNumber"] = "20001"
			},
		},
		{
			name: "row7 path-less replace active false (Okta)",
			body: `{"Operations":[{"op":"replace","value":{"active":false}}]}`,
			want: func(m map[string]any) { m["active"] = false },
		},
		{
			name: "nested object merges sub-attributes of a complex attribute",
			body: `{"Operations":[{"op":"replace","value":{"name":{"givenName":"Del"}}}]}`,
			want: func(m map[string]any) { obj(m, "name")["givenName"] = "Del" },
		},
		{
			name: "pathed replace of a complex attribute merges; null sub-attribute removes",
			body: `{"Operations":[{"op":"replace","path":"name","value":{"middleName":"M","formatted":null}}]}`,
			want: func(m map[string]any) { obj(m, "name")["middleName"] = "M"; delete(obj(m, "name"), "formatted") },
		},
		{
			name: "URN-keyed nested object in a path-less op",
			body: `{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"costCenter":"CC-1","Department":"Sales"}}}]}`,
			want: func(m map[string]any) {
				obj(m, entUser)["costCenter"] = "CC-1"
				obj(m, entUser)["department"] = "Sales"
			},
		},
		{
			name: "row12 odd case in names, sub-attributes and URN",
			body: `{"Operations":[
			  {"op":"replace","path":"DisplayName","value":"X"},
			  {"op":"replace","path":"emails[Type eq \"work\"].Value","value":"x@contoso.example"},
			  {"op":"replace","path":"URN:IETF:params:scim:schemas:extension:ENTERPRISE:2.0:User:Department","value":"Ops"},
			  {"op":"replace","value":{"NAME":{"GivenName":"Y"}}}]}`,
			want: func(m map[string]any) {
				m["displayName"] = "X"
				m["emails"].([]any)[0].(map[string]any)["value"] = "x@contoso.example"
				obj(m, entUser)["department"] = "Ops"
				obj(m, "name")["givenName"] = "Y"
			},
		},
		{
			name: "2.3.2 value-filtered sub-attribute paths on existing elements",
			body: `{"Operations":[
			  {"op":"Replace","path":"emails[type eq \"work\"].value","value":"adele.vance@contoso.example"},
			  {"op":"Replace","path":"addresses[type eq \"work\"].formatted","value":"Building 4, Room 212"},
			  {"op":"Add","path":"phoneNumbers[type eq \"mobile\"].value","value":"+1 425 555 0170"}]}`,
			want: func(m map[string]any) {
				m["emails"].([]any)[0].(map[string]any)["value"] = "adele.vance@contoso.example"
				m["addresses"].([]any)[0].(map[string]any)["formatted"] = "Building 4, Room 212"
				m["phoneNumbers"].([]any)[0].(map[string]any)["value"] = "+1 425 555 0170"
			},
		},
		{
			name: "row9/10/11 add on a filter that matches nothing creates the element",
			body: `{"Operations":[
			  {"op":"Add","path":"phoneNumbers[type eq \"fax\"].value","value":"+1 425 555 0199"},
			  {"op":"Add","path":"addresses[type eq \"other\"].postalCode","value":"98052"}]}`,
			want: func(m map[string]any) {
				m["phoneNumbers"] = append(m["phoneNumbers"].([]any), map[string]any{"type": "fax", "value": "+1 425 555 0199"})
				m["addresses"] = append(m["addresses"].([]any), map[string]any{"type": "other", "postalCode": "98052"})
			},
		},
		{
			name: "row9 replace on a filter that matches nothing upserts in upsert mode",
			body: `{"Operations":[{"op":"Replace","path":"phoneNumbers[type eq \"work\"].value","value":"+1 425 555 0100"}]}`,
			mode: patchMode{upsertValuePath: true, upsertRule: "upsert"},
			want: func(m map[string]any) {
				m["phoneNumbers"] = append(m["phoneNumbers"].([]any), map[string]any{"type": "work", "value": "+1 425 555 0100"})
			},
			fired: []string{"upsert"},
		},
		{
			name: "upsert seeds from and-ed eq clauses",
			body: `{"Operations":[{"op":"replace","path":"roles[type eq \"app\" and primary eq true].value","value":"Approver"}]}`,
			mode: patchMode{upsertValuePath: true},
			want: func(m map[string]any) {
				m["roles"] = []any{map[string]any{"type": "app", "primary": true, "value": "Approver"}}
			},
		},
		{
			name: "2.3.4 enterprise and custom extension attribute paths",
			body: `{"Operations":[
			  {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail EMEA"},
			  {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag","value":"red-team"},
			  {"op":"Add","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:level","value":3}]}`,
			want: func(m map[string]any) {
				obj(m, entUser)["department"] = "Retail EMEA"
				ext := obj(m, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User")
				ext["tag"] = "red-team"
				ext["level"] = json.Number("3")
			},
		},
		{
			name: "row23 bare extension URN path with an object value",
			body: `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"division":"West","department":null}}]}`,
			want: func(m map[string]any) { obj(m, entUser)["division"] = "West"; delete(obj(m, entUser), "department") },
		},
		{
			name: "manager set by object replaces value and drops the stale displayName",
			body: `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m-2"}}]}`,
			want: func(m map[string]any) { obj(m, entUser)["manager"] = map[string]any{"value": "m-2"} },
		},
		{
			name:  "row22 remove manager[value eq] in single-valued filter mode",
			body:  `{"Operations":[{"op":"remove","path":"manager[value eq \"m-1\"]"}]}`,
			mode:  patchMode{singleValuedFilter: true, singleValuedRule: "svf"},
			want:  func(m map[string]any) { delete(obj(m, entUser), "manager") },
			fired: []string{"svf"},
		},
		{
			name: "row22 URN-qualified manager filter that does not match leaves it",
			body: `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"other\"]"}]}`,
			mode: patchMode{singleValuedFilter: true},
			want: func(map[string]any) {},
		},
		{
			name: "multi-valued add appends, equal element not duplicated (RFC add emails)",
			body: `{"Operations":[{"op":"add","path":"emails","value":[
			  {"value":"ADELE@home.example","type":"other"},
			  {"value":"a@new.example","type":"home"}]}]}`,
			want: func(m map[string]any) {
				m["emails"].([]any)[1].(map[string]any)["value"] = "ADELE@home.example" // merged, client's spelling
				m["emails"] = append(m["emails"].([]any), map[string]any{"value": "a@new.example", "type": "home"})
			},
		},
		{
			name: "primary true on an added element clears the others",
			body: `{"Operations":[{"op":"add","path":"emails","value":{"value":"p@new.example","type":"home","primary":true}}]}`,
			want: func(m map[string]any) {
				delete(m["emails"].([]any)[0].(map[string]any), "primary")
				m["emails"] = append(m["emails"].([]any), map[string]any{"value": "p@new.example", "type": "home", "primary": true})
			},
		},
		{
			name: "primary set through a filtered path clears the others",
			body: `{"Operations":[{"op":"replace","path":"emails[type eq \"other\"].primary","value":true}]}`,
			want: func(m map[string]any) {
				delete(m["emails"].([]any)[0].(map[string]any), "primary")
				m["emails"].([]any)[1].(map[string]any)["primary"] = true
			},
		},
		{
			name: "replace multi-valued replaces all",
			body: `{"Operations":[{"op":"replace","path":"emails","value":[{"value":"only@x.example","type":"work"}]}]}`,
			want: func(m map[string]any) { m["emails"] = []any{map[string]any{"value": "only@x.example", "type": "work"}} },
		},
		{
			name: "RFC replace emails[type eq work] with a value object replaces the element",
			body: `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"]","value":{"type":"work","value":"w@x.example"}}]}`,
			want: func(m map[string]any) {
				m["emails"].([]any)[0] = map[string]any{"type": "work", "value": "w@x.example"}
			},
		},
		{
			name: "remove multi-valued removes all",
			body: `{"Operations":[{"op":"remove","path":"phoneNumbers"}]}`,
			want: func(m map[string]any) { delete(m, "phoneNumbers") },
		},
		{
			name: "remove filtered element",
			body: `{"Operations":[{"op":"remove","path":"emails[type eq \"other\"]"}]}`,
			want: func(m map[string]any) { m["emails"] = m["emails"].([]any)[:1] },
		},
		{
			name: "remove filtered that matches nothing is a no-op",
			body: `{"Operations":[{"op":"remove","path":"emails[type eq \"none\"]"}]}`,
			want: func(map[string]any) {},
		},
		{
			name: "2.3.8 remove with value removes only if equal (equal)",
			body: `{"Operations":[{"op":"Remove","path":"emails[type eq \"other\"].value","value":"adele@home.example"}]}`,
			want: func(m map[string]any) { m["emails"] = m["emails"].([]any)[:1] },
		},
		{
			name: "2.3.8 remove with value removes only if equal (different)",
			body: `{"Operations":[{"op":"Remove","path":"emails[type eq \"other\"].value","value":"someone@else.example"}]}`,
			want: func(map[string]any) {},
		},
		{
			name: "remove multi-valued with a value list removes only those",
			body: `{"Operations":[{"op":"remove","path":"emails","value":[{"value":"adele@home.example"}]}]}`,
			want: func(m map[string]any) { m["emails"] = m["emails"].([]any)[:1] },
		},
		{
			name: "remove a sub-attribute of a filtered element",
			body: `{"Operations":[{"op":"remove","path":"addresses[type eq \"work\"].country"}]}`,
			want: func(m map[string]any) { delete(m["addresses"].([]any)[0].(map[string]any), "country") },
		},
		{
			name: "replace null removes the attribute",
			body: `{"Operations":[{"op":"replace","path":"title","value":null}]}`,
			want: func(m map[string]any) { delete(m, "title") },
		},
		{
			name: "remove a whole extension by bare URN",
			body: `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"}]}`,
			want: func(m map[string]any) {
				delete(m, "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User")
			},
		},
		{
			name: "password is accepted and never stored (Okta)",
			body: `{"Operations":[{"op":"replace","path":"password","value":"s3cret"},{"op":"replace","value":{"password":"x"}}]}`,
			want: func(map[string]any) {},
		},
		{
			name: "path-less id equal to the resource id is ignored; schemas key ignored",
			body: `{"Operations":[{"op":"replace","value":{"id":"u-1","schemas":["x"],"nickName":"N"}}]}`,
			want: func(m map[string]any) { m["nickName"] = "N" },
		},
		{
			name: "operations apply in order",
			body: `{"Operations":[{"op":"remove","path":"title"},{"op":"add","path":"title","value":"T2"},{"op":"replace","path":"title","value":"T3"}]}`,
			want: func(m map[string]any) { m["title"] = "T3" },
		},
		{
			name: "Entra five-operation PATCH",
			body: entraPatchBody,
			want: func(m map[string]any) {
				m["displayName"] = "Adele Vance-Ortiz"
				obj(m, "name")["givenName"] = "Adèle"
				m["emails"].([]any)[0].(map[string]any)["value"] = "adele.vance@contoso.example"
				obj(m, entUser)["department"] = "Retail EMEA"
				m["active"] = false
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := baseUser(t)
			before := u.Clone()
			nc := &NormalizeContext{ResourceType: "User", rs: rs}
			got, err := applyUserPatch(rs, u, patchOps(t, tt.body), tt.mode, nc, KeepUnknownExtensions)
			if err != nil {
				t.Fatalf("applyUserPatch: %v", err)
			}
			want := patchedWant(t, tt.want)
			if diff := cmp.Diff(want, userWire(t, got)); diff != "" {
				t.Errorf("patched user (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, u); diff != "" {
				t.Errorf("input user modified (-before +after):\n%s", diff)
			}
			if got.ID != u.ID || got.Meta != u.Meta || !cmp.Equal(got.Groups, u.Groups) {
				t.Errorf("ID/Meta/Groups not kept: %q %+v %+v", got.ID, got.Meta, got.Groups)
			}
			if diff := cmp.Diff(tt.fired, nc.fired); diff != "" {
				t.Errorf("fired rules (-want +got):\n%s", diff)
			}
		})
	}
}

const entraPatchBody = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
 {"op":"Replace","path":"displayName","value":"Adele Vance-Ortiz"},
 {"op":"Replace","path":"name.givenName","value":"Adèle"},
 {"op":"Replace","path":"emails[type eq \"work\"].value","value":"adele.vance@contoso.example"},
 {"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Retail EMEA"},
 {"op":"Replace","path":"active","value":false}]}`

func TestApplyUserPatchErrors(t *testing.T) {
	rs := newUserSchema()
	tests := []struct {
		name     string
		body     string
		mode     patchMode
		unknown  UnknownExtensions
		scimType string
	}{
		{"unknown op", `{"Operations":[{"op":"merge","path":"title","value":"x"}]}`, patchMode{}, 0, ScimTypeInvalidSyntax},
		{"remove without path", `{"Operations":[{"op":"remove"}]}`, patchMode{}, 0, ScimTypeNoTarget},
		{"path-less value not an object", `{"Operations":[{"op":"replace","value":"x"}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"unknown attribute", `{"Operations":[{"op":"replace","path":"shoeSize","value":"9"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"unknown path-less key", `{"Operations":[{"op":"replace","value":{"shoeSize":"9"}}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"unknown sub-attribute", `{"Operations":[{"op":"replace","path":"name.nick","value":"9"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"unknown sub-attribute after filter", `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"].nope","value":"9"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"bad filter", `{"Operations":[{"op":"replace","path":"emails[type eq]","value":"9"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"unterminated filter", `{"Operations":[{"op":"replace","path":"emails[type eq \"work\"","value":"9"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"read-only id", `{"Operations":[{"op":"replace","path":"id","value":"u-2"}]}`, patchMode{}, 0, ScimTypeMutability},
		{"path-less different id", `{"Operations":[{"op":"replace","value":{"id":"u-2"}}]}`, patchMode{}, 0, ScimTypeMutability},
		{"read-only meta", `{"Operations":[{"op":"replace","path":"meta.version","value":"x"}]}`, patchMode{}, 0, ScimTypeMutability},
		{"read-only groups", `{"Operations":[{"op":"add","path":"groups","value":[{"value":"g-2"}]}]}`, patchMode{}, 0, ScimTypeMutability},
		{"read-only manager.displayName", `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName","value":"x"}]}`, patchMode{}, 0, ScimTypeMutability},
		{"remove userName", `{"Operations":[{"op":"remove","path":"userName"}]}`, patchMode{}, 0, ScimTypeMutability},
		{"empty userName", `{"Operations":[{"op":"replace","path":"userName","value":""}]}`, patchMode{}, 0, ScimTypeMutability},
		{"null userName path-less", `{"Operations":[{"op":"replace","value":{"userName":null}}]}`, patchMode{}, 0, ScimTypeMutability},
		{"string boolean is not coerced by the core", `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"number for string", `{"Operations":[{"op":"replace","path":"title","value":3}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"string for complex", `{"Operations":[{"op":"replace","path":"name","value":"Adele"}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"manager plain string is the normalizer's job", `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"m-2"}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"wrong element type", `{"Operations":[{"op":"add","path":"emails","value":["x@y"]}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"wrong sub-attribute type", `{"Operations":[{"op":"add","path":"emails","value":[{"value":"x@y","primary":"yes"}]}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"row9 replace filter no match without upsert mode", `{"Operations":[{"op":"Replace","path":"phoneNumbers[type eq \"fax\"].value","value":"1"}]}`, patchMode{}, 0, ScimTypeNoTarget},
		{"replace filter no match, not eq-only, upsert mode", `{"Operations":[{"op":"Replace","path":"phoneNumbers[type co \"fa\"].value","value":"1"}]}`, patchMode{upsertValuePath: true}, 0, ScimTypeNoTarget},
		{"add filter no match, not eq-only", `{"Operations":[{"op":"add","path":"phoneNumbers[type ne \"mobile\"].value","value":"1"}]}`, patchMode{}, 0, ScimTypeNoTarget},
		{"row22 filter on single-valued without mode", `{"Operations":[{"op":"remove","path":"manager[value eq \"m-1\"]"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"filter on simple attribute", `{"Operations":[{"op":"replace","path":"title[value eq \"x\"]","value":"y"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"unknown extension rejected", `{"Operations":[{"op":"replace","path":"urn:example:Other:1.0:User:tag","value":"x"}]}`, patchMode{}, RejectUnknownExtensions, ScimTypeInvalidPath},
		{"bare core URN remove", `{"Operations":[{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:User"}]}`, patchMode{}, 0, ScimTypeInvalidPath},
		{"extension value not an object", `{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":"x"}]}`, patchMode{}, 0, ScimTypeInvalidValue},
		{"failing later op applies nothing", `{"Operations":[{"op":"replace","path":"title","value":"x"},{"op":"remove","path":"userName"}]}`, patchMode{}, 0, ScimTypeMutability},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := baseUser(t)
			before := u.Clone()
			got, err := applyUserPatch(rs, u, patchOps(t, tt.body), tt.mode, nil, tt.unknown)
			if got != nil {
				t.Errorf("got user %+v with error", got)
			}
			wantError(t, err, tt.scimType)
			if diff := cmp.Diff(before, u); diff != "" {
				t.Errorf("input user modified (-before +after):\n%s", diff)
			}
		})
	}
}

func TestApplyUserPatchUnknownExtensions(t *testing.T) {
	rs := newUserSchema()
	body := `{"Operations":[{"op":"add","path":"urn:example:Other:1.0:User:tag","value":"x"},
	  {"op":"add","value":{"urn:example:Third:1.0:User":{"a":"b"}}}]}`
	tests := []struct {
		name    string
		unknown UnknownExtensions
		want    map[string]string
	}{
		{"keep", KeepUnknownExtensions, map[string]string{
			"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": `{"tag":"blue-team"}`,
			"urn:example:Other:1.0:User":                                          `{"tag":"x"}`,
			"urn:example:Third:1.0:User":                                          `{"a":"b"}`}},
		{"drop", DropUnknownExtensions, map[string]string{
			"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": `{"tag":"blue-team"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := applyUserPatch(rs, baseUser(t), patchOps(t, body), patchMode{}, nil, tt.unknown)
			if err != nil {
				t.Fatal(err)
			}
			gotExt, wantExt := map[string]any{}, map[string]any{}
			for k, v := range got.Extensions {
				gotExt[k] = decodeJSON(t, string(v))
			}
			for k, v := range tt.want {
				wantExt[k] = decodeJSON(t, v)
			}
			if diff := cmp.Diff(wantExt, gotExt); diff != "" {
				t.Errorf("extensions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyUserPatchKeepsUntouchedExtensionBytes(t *testing.T) {
	rs := newUserSchema()
	u := baseUser(t)
	raw := json.RawMessage(`{ "tag" : "blue-team", "n": 1.50 }`)
	u.Extensions["urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"] = raw
	got, err := applyUserPatch(rs, u, patchOps(t, entraPatchBody), patchMode{}, nil, KeepUnknownExtensions)
	if err != nil {
		t.Fatal(err)
	}
	if g := string(got.Extensions["urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"]); g != string(raw) {
		t.Errorf("extension = %s, want verbatim %s", g, raw)
	}
}

func groupOps(t *testing.T, body string) []PatchOp { return patchOps(t, body) }

func TestCompileGroupPatch(t *testing.T) {
	rs := newGroupSchema()
	base := func() *Group { return &Group{ID: "g-1", DisplayName: "Finance EMEA", ExternalID: "e-1"} }
	tests := []struct {
		name    string
		body    string
		members []MemberChange
		// group is the expected result of Apply on base(); nil if Apply
		// must be nil.
		group *Group
	}{
		{
			name:    "row32 RFC/Entra add several members, $ref null tolerated",
			body:    `{"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u-1"},{"$ref":null,"value":"u-2","display":"B"}]}]}`,
			members: []MemberChange{{Kind: AddMembers, Members: []Member{{Value: "u-1"}, {Value: "u-2", Display: "B"}}}},
		},
		{
			name:    "row29 remove members with a value list removes only those (Entra default)",
			body:    `{"Operations":[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u-1"}]}]}`,
			members: []MemberChange{{Kind: RemoveMembers, Members: []Member{{Value: "u-1"}}}},
		},
		{
			name:    "row30 remove members[value eq] (RFC, Entra flag, Okta)",
			body:    `{"Operations":[{"op":"remove","path":"members[value eq \"u-5521\"]"}]}`,
			members: []MemberChange{{Kind: RemoveMembers, Members: []Member{{Value: "u-5521"}}}},
		},
		{
			name:    "remove members[value eq or value eq]",
			body:    `{"Operations":[{"op":"remove","path":"Members[Value eq \"a\" or value eq \"b\"]"}]}`,
			members: []MemberChange{{Kind: RemoveMembers, Members: []Member{{Value: "a"}, {Value: "b"}}}},
		},
		{
			name:    "row31 RFC remove all members",
			body:    `{"Operations":[{"op":"remove","path":"members"}]}`,
			members: []MemberChange{{Kind: ReplaceMembers, Members: []Member{}}},
		},
		{
			name:    "RFC replace members",
			body:    `{"Operations":[{"op":"replace","path":"members","value":[{"value":"u-9","display":"Z"}]}]}`,
			members: []MemberChange{{Kind: ReplaceMembers, Members: []Member{{Value: "u-9", Display: "Z"}}}},
		},
		{
			name:    "replace members with an empty list clears",
			body:    `{"Operations":[{"op":"replace","path":"members","value":[]}]}`,
			members: []MemberChange{{Kind: ReplaceMembers, Members: []Member{}}},
		},
		{
			name:    "single member object without array",
			body:    `{"Operations":[{"op":"add","path":"members","value":{"value":"u-1"}}]}`,
			members: []MemberChange{{Kind: AddMembers, Members: []Member{{Value: "u-1"}}}},
		},
		{
			name:  "2.6 replace displayName",
			body:  `{"Operations":[{"op":"Replace","path":"displayName","value":"Finance EMEA & APAC"}]}`,
			group: &Group{ID: "g-1", DisplayName: "Finance EMEA & APAC", ExternalID: "e-1"},
		},
		{
			name:  "row8 Okta path-less replace with id and displayName",
			body:  `{"Operations":[{"op":"replace","value":{"id":"g-1","displayName":"Renamed"}}]}`,
			group: &Group{ID: "g-1", DisplayName: "Renamed", ExternalID: "e-1"},
		},
		{
			name:    "path-less members are member deltas; other keys go to Apply",
			body:    `{"Operations":[{"op":"add","value":{"members":[{"value":"u-3"}],"externalId":"e-2"}}]}`,
			members: []MemberChange{{Kind: AddMembers, Members: []Member{{Value: "u-3"}}}},
			group:   &Group{ID: "g-1", DisplayName: "Finance EMEA", ExternalID: "e-2"},
		},
		{
			name: "mixed ops keep member order",
			body: `{"Operations":[
			  {"op":"add","path":"members","value":[{"value":"a"}]},
			  {"op":"replace","path":"displayName","value":"X"},
			  {"op":"remove","path":"members[value eq \"b\"]"}]}`,
			members: []MemberChange{{Kind: AddMembers, Members: []Member{{Value: "a"}}}, {Kind: RemoveMembers, Members: []Member{{Value: "b"}}}},
			group:   &Group{ID: "g-1", DisplayName: "X", ExternalID: "e-1"},
		},
		{
			name: "add with an empty member list changes nothing",
			body: `{"Operations":[{"op":"add","path":"members","value":[]}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gp, err := compileGroupPatch(rs, "g-1", groupOps(t, tt.body), patchMode{}, nil, KeepUnknownExtensions)
			if err != nil {
				t.Fatalf("compileGroupPatch: %v", err)
			}
			if diff := cmp.Diff(tt.members, gp.Members); diff != "" {
				t.Errorf("member changes (-want +got):\n%s", diff)
			}
			if tt.group == nil {
				if gp.Apply != nil {
					t.Errorf("Apply is not nil")
				}
				return
			}
			if gp.Apply == nil {
				t.Fatal("Apply is nil")
			}
			g := base()
			if err := gp.Apply(g); err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if diff := cmp.Diff(tt.group, g); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileGroupPatchErrors(t *testing.T) {
	rs := newGroupSchema()
	tests := []struct {
		name     string
		body     string
		scimType string
	}{
		{"member filter other than value eq", `{"Operations":[{"op":"remove","path":"members[display eq \"x\"]"}]}`, ScimTypeInvalidPath},
		{"member filter with co", `{"Operations":[{"op":"remove","path":"members[value co \"x\"]"}]}`, ScimTypeInvalidPath},
		{"member filter with and", `{"Operations":[{"op":"remove","path":"members[value eq \"x\" and type eq \"User\"]"}]}`, ScimTypeInvalidPath},
		{"member filter with sub-attribute", `{"Operations":[{"op":"remove","path":"members[value eq \"x\"].display"}]}`, ScimTypeInvalidPath},
		{"replace on member filter", `{"Operations":[{"op":"replace","path":"members[value eq \"x\"]","value":{"value":"y"}}]}`, ScimTypeInvalidPath},
		{"member without value", `{"Operations":[{"op":"add","path":"members","value":[{"display":"x"}]}]}`, ScimTypeInvalidValue},
		{"member value not a string", `{"Operations":[{"op":"add","path":"members","value":[{"value":7}]}]}`, ScimTypeInvalidValue},
		{"path-less different id", `{"Operations":[{"op":"replace","value":{"id":"g-2","displayName":"x"}}]}`, ScimTypeMutability},
		{"remove displayName", `{"Operations":[{"op":"remove","path":"displayName"}]}`, ScimTypeMutability},
		{"unknown attribute", `{"Operations":[{"op":"replace","path":"owner","value":"x"}]}`, ScimTypeInvalidPath},
		{"unknown op", `{"Operations":[{"op":"delete","path":"members"}]}`, ScimTypeInvalidSyntax},
		{"remove without path", `{"Operations":[{"op":"remove"}]}`, ScimTypeNoTarget},
		{"members inside core URN object", `{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:core:2.0:Group":{"members":[{"value":"x"}]}}}]}`, ScimTypeInvalidPath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileGroupPatch(rs, "g-1", groupOps(t, tt.body), patchMode{}, nil, KeepUnknownExtensions)
			wantError(t, err, tt.scimType)
		})
	}
}

// TestFastValuePath checks that the fast path builds exactly what the
// filter compiler builds, and declines what it does not handle.
func TestFastValuePath(t *testing.T) {
	rs := newUserSchema()
	tests := []struct {
		path string
		fast bool
	}{
		{`emails[type eq "work"]`, true},
		{`emails[Type EQ "work"]`, true},
		{`emails[ type  eq  "work" ]`, true},
		{`phoneNumbers[type eq "mobile" and primary eq true]`, true},
		{`roles[primary eq false and type eq "a" AND value eq "b c"]`, true},
		{`addresses[type eq "work and more"]`, true},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "m-1"]`, true},
		{`emails[type eq "w\"x"]`, false},
		{`emails[type eq "work" or type eq "home"]`, false},
		{`emails[type ne "work"]`, false},
		{`emails[primary eq "True"]`, false},
		{`emails[type eq true]`, false},
		{`emails[value pr]`, false},
		{`emails[(type eq "work")]`, false},
		{`emails[type eq "work"and value eq "x"]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			open := strings.IndexByte(tt.path, '[')
			rp, ok := rs.resolve(tt.path[:open])
			if !ok {
				t.Fatal("attribute does not resolve")
			}
			got, fast := fastValuePath(rp, tt.path[open+1:len(tt.path)-1])
			if fast != tt.fast {
				t.Fatalf("fast = %v, want %v", fast, tt.fast)
			}
			if !fast {
				return
			}
			want, err := compileFilter(rs, tt.path, filterLimits{}, nil, nil)
			if err != nil {
				t.Fatalf("compileFilter: %v", err)
			}
			if diff := cmp.Diff(want, Filter(got)); diff != "" {
				t.Errorf("value path (-compileFilter +fast):\n%s", diff)
			}
		})
	}
}
