package entra

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/scimkit/scim"
)

const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

func newNC(t *testing.T, rt string) *scim.NormalizeContext {
	t.Helper()
	nc, err := scim.NewNormalizeContext(rt)
	if err != nil {
		t.Fatal(err)
	}
	return nc
}

// decodeJSON decodes s the way the handler does (numbers as json.Number).
func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
}

func decodeOps(t *testing.T, s string) []scim.PatchOp {
	t.Helper()
	var ops []scim.PatchOp
	decodeJSON(t, s, &ops)
	return ops
}

var sortRules = cmpopts.SortSlices(func(a, b string) bool { return a < b })

func TestPatch(t *testing.T) {
	tests := []struct {
		name      string
		rt        string // resource type; "" means User
		in, want  string
		wantRules []string
	}{
		{
			name:      "capitalized ops",
			in:        `[{"op":"Replace","path":"displayName","value":"A"},{"op":"Add","path":"nickName","value":"Del"},{"op":"Remove","path":"title"}]`,
			want:      `[{"op":"replace","path":"displayName","value":"A"},{"op":"add","path":"nickName","value":"Del"},{"op":"remove","path":"title"}]`,
			wantRules: []string{RuleOpCase},
		},
		{
			name:      "unknown op left for the core",
			in:        `[{"op":"Merge","path":"displayName","value":"A"}]`,
			want:      `[{"op":"Merge","path":"displayName","value":"A"}]`,
			wantRules: nil,
		},
		{
			name:      "active False string",
			in:        `[{"op":"Replace","path":"active","value":"False"}]`,
			want:      `[{"op":"replace","path":"active","value":false}]`,
			wantRules: []string{RuleOpCase, RuleStringBoolean},
		},
		{
			name:      "active true lower-case string, any case",
			in:        `[{"op":"replace","path":"ACTIVE","value":"tRUE"}]`,
			want:      `[{"op":"replace","path":"ACTIVE","value":true}]`,
			wantRules: []string{RuleStringBoolean},
		},
		{
			name:      "other strings stay for the core to reject",
			in:        `[{"op":"replace","path":"active","value":"yes"}]`,
			want:      `[{"op":"replace","path":"active","value":"yes"}]`,
			wantRules: nil,
		},
		{
			name:      "string for a string attribute is not a boolean",
			in:        `[{"op":"replace","path":"title","value":"True"}]`,
			want:      `[{"op":"replace","path":"title","value":"True"}]`,
			wantRules: nil,
		},
		{
			name:      "value-path target sub-attribute",
			in:        `[{"op":"Add","path":"emails[type eq \"work\"].primary","value":"True"}]`,
			want:      `[{"op":"add","path":"emails[type eq \"work\"].primary","value":true}]`,
			wantRules: []string{RuleOpCase, RuleStringBoolean},
		},
		{
			name:      "value-path element object",
			in:        `[{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"a@x","Primary":"true"}}]`,
			want:      `[{"op":"replace","path":"emails[type eq \"work\"]","value":{"value":"a@x","Primary":true}}]`,
			wantRules: []string{RuleStringBoolean},
		},
		{
			name:      "multi-valued add with primary strings",
			in:        `[{"op":"add","path":"emails","value":[{"value":"a@x","type":"work","primary":"True"},{"value":"b@x","primary":false}]}]`,
			want:      `[{"op":"add","path":"emails","value":[{"value":"a@x","type":"work","primary":true},{"value":"b@x","primary":false}]}]`,
			wantRules: []string{RuleStringBoolean},
		},
		{
			name:      "string boolean in a path filter",
			in:        `[{"op":"Replace","path":"roles[primary eq \"True\"].value","value":"Approver"}]`,
			want:      `[{"op":"replace","path":"roles[primary eq true].value","value":"Approver"}]`,
			wantRules: []string{RuleOpCase, RuleStringBoolean},
		},
		{
			name: "path-less dotted and URN keys",
			in: `[{"op":"replace","value":{"displayName":"Adele Vance","name.givenName":"Adele","name.familyName":"Vance-Ortiz",
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber":"10442","active":"False"}}]`,
			want: `[{"op":"replace","value":{"displayName":"Adele Vance","active":false}},
				{"op":"replace","path":"name.familyName","value":"Vance-Ortiz"},
				{"op":"replace","path":"name.givenName","value":"Adele"},
				{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber","value":"10442"}]`,
			wantRules: []string{RulePathlessKeys, RuleStringBoolean},
		},
		{
			name:      "path-less add with only a dotted key",
			in:        `[{"op":"Add","value":{"name.givenName":"Adele"}}]`,
			want:      `[{"op":"add","path":"name.givenName","value":"Adele"}]`,
			wantRules: []string{RuleOpCase, RulePathlessKeys},
		},
		{
			name:      "path-less null dotted keys: replace removes, add drops",
			in:        `[{"op":"replace","value":{"name.middleName":null}},{"op":"add","value":{"name.honorificPrefix":null}}]`,
			want:      `[{"op":"remove","path":"name.middleName"}]`,
			wantRules: []string{RulePathlessKeys},
		},
		{
			name:      "path-less nested objects and extension object",
			in:        `[{"op":"replace","value":{"name":{"givenName":"A"},"emails":[{"value":"a@x","primary":"True"}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Retail","manager":"m-1"}}}]`,
			want:      `[{"op":"replace","value":{"name":{"givenName":"A"},"emails":[{"value":"a@x","primary":true}],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Retail","manager":{"value":"m-1"}}}}]`,
			wantRules: []string{RuleStringBoolean, RuleManagerString},
		},
		{
			name:      "Okta path-less active false stays",
			in:        `[{"op":"replace","value":{"active":false}}]`,
			want:      `[{"op":"replace","value":{"active":false}}]`,
			wantRules: nil,
		},
		{
			name:      "manager string on URN path",
			in:        `[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"9c1f"}]`,
			want:      `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"9c1f"}}]`,
			wantRules: []string{RuleOpCase, RuleManagerString},
		},
		{
			name:      "manager legacy array on unqualified path",
			in:        `[{"op":"Add","path":"manager","value":[{"$ref":"https://app.example.com/scim/v2/Users/9c1f","value":"9c1f"}]}]`,
			want:      `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"$ref":"https://app.example.com/scim/v2/Users/9c1f","value":"9c1f"}}]`,
			wantRules: []string{RuleOpCase, RuleManagerPath, RuleManagerString},
		},
		{
			name:      "manager as a path-less key",
			in:        `[{"op":"replace","value":{"manager":"9c1f","displayName":"A"}}]`,
			want:      `[{"op":"replace","value":{"displayName":"A"}},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"9c1f"}}]`,
			wantRules: []string{RulePathlessKeys, RuleManagerPath, RuleManagerString},
		},
		{
			name:      "manager as a URN-qualified path-less key",
			in:        `[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"9c1f"}}]`,
			want:      `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"9c1f"}}]`,
			wantRules: []string{RulePathlessKeys, RuleManagerString},
		},
		{
			name:      "manager value filter removal is qualified",
			in:        `[{"op":"remove","path":"manager[value eq \"9c1f\"]"}]`,
			want:      `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"9c1f\"]"}]`,
			wantRules: []string{RuleManagerPath},
		},
		{
			name:      "qualified manager value filter unchanged (the core handles it)",
			in:        `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"9c1f\"]"}]`,
			want:      `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"9c1f\"]"}]`,
			wantRules: nil,
		},
		{
			name:      "active null and empty are no change",
			in:        `[{"op":"Replace","path":"active","value":""},{"op":"add","path":"active"},{"op":"replace","path":"displayName","value":"A"}]`,
			want:      `[{"op":"replace","path":"displayName","value":"A"}]`,
			wantRules: []string{RuleOpCase, RuleActiveEmpty},
		},
		{
			name:      "path-less active null dropped, other keys kept",
			in:        `[{"op":"replace","value":{"active":null}},{"op":"replace","value":{"active":"","displayName":"A"}}]`,
			want:      `[{"op":"replace","value":{"displayName":"A"}}]`,
			wantRules: []string{RuleActiveEmpty},
		},
		{
			name: "roles as JSON-encoded strings",
			in: `[{"op":"Add","path":"roles","value":[
				{"value":"{\"id\":\"3f2b\",\"value\":\"Approver\",\"displayName\":\"Approver\"}"},
				{"value":"{\"value\":\"Reader\",\"displayName\":\"R\"}","primary":"True","display":"Mine"}]}]`,
			want: `[{"op":"add","path":"roles","value":[
				{"value":"Approver","display":"Approver"},
				{"value":"Reader","display":"Mine","primary":true}]}]`,
			wantRules: []string{RuleOpCase, RuleRoleJSONString, RuleStringBoolean},
		},
		{
			name:      "role value that is not a JSON object stays",
			in:        `[{"op":"add","path":"roles","value":[{"value":"{not json"},{"value":"{\"display\":\"no value\"}"}]}]`,
			want:      `[{"op":"add","path":"roles","value":[{"value":"{not json"},{"value":"{\"display\":\"no value\"}"}]}]`,
			wantRules: nil,
		},
		{
			name:      "members remove with value list",
			rt:        "Group",
			in:        `[{"op":"Remove","path":"members","value":[{"$ref":null,"value":"u-1"},{"value":"u-\"2"}]}]`,
			want:      `[{"op":"remove","path":"members[value eq \"u-1\"]"},{"op":"remove","path":"members[value eq \"u-\\\"2\"]"}]`,
			wantRules: []string{RuleOpCase, RuleMembersRemoveValue},
		},
		{
			name:      "members remove with an empty list removes nothing",
			rt:        "Group",
			in:        `[{"op":"remove","path":"members","value":[]}]`,
			want:      `[]`,
			wantRules: []string{RuleMembersRemoveValue},
		},
		{
			name:      "members remove with a malformed element left for the core",
			rt:        "Group",
			in:        `[{"op":"remove","path":"members","value":[{"value":"u-1"},{"display":"x"}]}]`,
			want:      `[{"op":"remove","path":"members","value":[{"value":"u-1"},{"display":"x"}]}]`,
			wantRules: nil,
		},
		{
			name:      "members add unchanged",
			rt:        "Group",
			in:        `[{"op":"Add","path":"members","value":[{"$ref":null,"value":"u-1"}]}]`,
			want:      `[{"op":"add","path":"members","value":[{"$ref":null,"value":"u-1"}]}]`,
			wantRules: []string{RuleOpCase},
		},
		{
			name:      "unquoted value in a path filter",
			rt:        "Group",
			in:        `[{"op":"remove","path":"members[value eq u-1]"}]`,
			want:      `[{"op":"remove","path":"members[value eq \"u-1\"]"}]`,
			wantRules: []string{RuleUnquotedFilter},
		},
		{
			name:      "empty operations",
			in:        `[]`,
			want:      `[]`,
			wantRules: []string{RuleEmptyOperations},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := tt.rt
			if rt == "" {
				rt = "User"
			}
			nc := newNC(t, rt)
			got := normalizePatch(nc, decodeOps(t, tt.in))
			want := decodeOps(t, tt.want)
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRules, nc.FiredRules(), sortRules, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			// Idempotence: the output is canonical, so a second pass
			// changes nothing and fires nothing.
			nc2 := newNC(t, rt)
			again := normalizePatch(nc2, cloneOps(t, got))
			if diff := cmp.Diff(got, again, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("second pass (-once +twice):\n%s", diff)
			}
			if r := nc2.FiredRules(); len(r) > 0 && !(len(r) == 1 && r[0] == RuleEmptyOperations) {
				t.Errorf("second pass fired %v", r)
			}
		})
	}
}

func cloneOps(t *testing.T, ops []scim.PatchOp) []scim.PatchOp {
	t.Helper()
	b, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	var out []scim.PatchOp
	decodeJSON(t, string(b), &out)
	if out == nil {
		out = []scim.PatchOp{}
	}
	return out
}

// TestCanonicalUnchanged: RFC 7644 requests pass through unchanged and fire
// no rule.
func TestCanonicalUnchanged(t *testing.T) {
	patches := []struct{ name, rt, ops string }{
		{"simple paths", "User", `[{"op":"replace","path":"userName","value":"a@x"},{"op":"add","path":"name.familyName","value":"V"},{"op":"remove","path":"nickName"}]`},
		{"value paths", "User", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"a@x"},{"op":"add","path":"phoneNumbers[type eq \"mobile\"]","value":{"value":"+1","primary":true}}]`},
		{"booleans", "User", `[{"op":"replace","path":"active","value":false},{"op":"replace","value":{"active":true,"displayName":"A"}}]`},
		{"extension", "User", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"m"}},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","value":{"department":"R"}},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:Custom:2.0:User:tag","value":"red"}]`},
		{"roles objects", "User", `[{"op":"replace","path":"roles","value":[{"value":"Approver","display":"Approver","primary":true}]}]`},
		{"unknown attribute", "User", `[{"op":"replace","path":"shoeSize","value":"True"}]`},
		{"group members", "Group", `[{"op":"add","path":"members","value":[{"value":"u1"}]},{"op":"remove","path":"members[value eq \"u2\"]"},{"op":"remove","path":"members"},{"op":"replace","value":{"id":"g","displayName":"D"}}]`},
	}
	for _, tt := range patches {
		t.Run("patch/"+tt.name, func(t *testing.T) {
			nc := newNC(t, tt.rt)
			got := normalizePatch(nc, decodeOps(t, tt.ops))
			if diff := cmp.Diff(decodeOps(t, tt.ops), got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if r := nc.FiredRules(); len(r) != 0 {
				t.Errorf("fired %v", r)
			}
		})
	}
	filters := []struct{ name, rt, f string }{
		{"userName", "User", `userName eq "adele.v@contoso.example"`},
		{"compound", "User", `id eq "1" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "2"`},
		{"value path", "User", `emails[type eq "work" and primary eq true].value eq "a@x"`},
		{"pr and not", "User", `title pr and not (active eq false) or displayName sw "A B"`},
		{"escaped quote", "User", `displayName eq "a \"eq\" b"`},
		{"null", "User", `nickName eq null`},
		{"group", "Group", `displayName eq "Finance EMEA"`},
	}
	for _, tt := range filters {
		t.Run("filter/"+tt.name, func(t *testing.T) {
			nc := newNC(t, tt.rt)
			if got := normalizeFilter(nc, tt.f, ""); got != tt.f {
				t.Errorf("got %s, want unchanged %s", got, tt.f)
			}
			if r := nc.FiredRules(); len(r) != 0 {
				t.Errorf("fired %v", r)
			}
		})
	}
	t.Run("resource", func(t *testing.T) {
		const body = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			"userName":"a@x","active":true,"emails":[{"value":"a@x","primary":true}],"roles":[],
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m"},"employeeNumber":"1"}}`
		var doc, want map[string]any
		decodeJSON(t, body, &doc)
		decodeJSON(t, body, &want)
		nc := newNC(t, "User")
		normalizeResource(nc, doc)
		if diff := cmp.Diff(want, doc); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if r := nc.FiredRules(); len(r) != 0 {
			t.Errorf("fired %v", r)
		}
	})
}

func TestResource(t *testing.T) {
	tests := []struct {
		name      string
		rt        string
		in, want  string
		wantRules []string
	}{
		{
			name: "Entra POST without the flag",
			in: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
				"userName":"a@x","active":"True","emails":[{"primary":"true","type":"work","value":"a@x"}],
				"roles":[{"primary":"True","type":"WindowsAzureActiveDirectoryRole","value":"Approver"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":"9c1f"},
				"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User":{"tag":"blue"}}`,
			want: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"],
				"userName":"a@x","active":true,"emails":[{"primary":true,"type":"work","value":"a@x"}],
				"roles":[{"primary":true,"type":"WindowsAzureActiveDirectoryRole","value":"Approver"}],
				"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"1","manager":{"value":"9c1f"}},
				"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User":{"tag":"blue"}}`,
			wantRules: []string{RuleStringBoolean, RuleManagerString, RuleUndeclaredExtension},
		},
		{
			name:      "enterprise URN in odd case, missing from schemas",
			in:        `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"a","URN:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"Manager":"m"}}`,
			want:      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"userName":"a","URN:ietf:params:scim:schemas:extension:enterprise:2.0:user":{"Manager":{"value":"m"}}}`,
			wantRules: []string{RuleManagerString, RuleUndeclaredExtension},
		},
		{
			name:      "PUT with active null",
			in:        `{"userName":"a","active":null,"displayName":"A"}`,
			want:      `{"userName":"a","displayName":"A"}`,
			wantRules: []string{RuleActiveEmpty},
		},
		{
			name:      "PUT with active empty string",
			in:        `{"userName":"a","Active":""}`,
			want:      `{"userName":"a"}`,
			wantRules: []string{RuleActiveEmpty},
		},
		{
			name:      "active other string left for the core",
			in:        `{"userName":"a","active":"disabled"}`,
			want:      `{"userName":"a","active":"disabled"}`,
			wantRules: nil,
		},
		{
			name:      "manager one-element array and empty string",
			in:        `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":[{"value":"m","$ref":null}]}}`,
			want:      `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","$ref":null}}}`,
			wantRules: []string{RuleManagerString},
		},
		{
			name:      "manager empty string is unassigned",
			in:        `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":""}}`,
			want:      `{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":null}}`,
			wantRules: []string{RuleManagerString},
		},
		{
			name:      "roles JSON string in a POST",
			in:        `{"roles":[{"value":"{\"id\":\"1\",\"value\":\"Approver\",\"displayName\":\"Approver\"}"}]}`,
			want:      `{"roles":[{"value":"Approver","display":"Approver"}]}`,
			wantRules: []string{RuleRoleJSONString},
		},
		{
			name:      "group with Microsoft schema URN",
			rt:        "Group",
			in:        `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"F","members":[]}`,
			want:      `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],"displayName":"F","members":[]}`,
			wantRules: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := tt.rt
			if rt == "" {
				rt = "User"
			}
			var doc, want map[string]any
			decodeJSON(t, tt.in, &doc)
			decodeJSON(t, tt.want, &want)
			nc := newNC(t, rt)
			normalizeResource(nc, doc)
			if diff := cmp.Diff(want, doc); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRules, nc.FiredRules(), sortRules, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			nc2 := newNC(t, rt)
			normalizeResource(nc2, doc)
			if diff := cmp.Diff(want, doc); diff != "" {
				t.Errorf("second pass (-want +got):\n%s", diff)
			}
			if r := nc2.FiredRules(); len(r) != 0 {
				t.Errorf("second pass fired %v", r)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		name, rt, in, want string
		wantRules          []string
	}{
		{"bare externalId", "User", `externalId eq adelev`, `externalId eq "adelev"`, []string{RuleUnquotedFilter}},
		{"legacy reference check", "User", `id eq 123 and manager eq 0456`, `id eq "123" and ` + ent + `:manager eq "0456"`, []string{RuleUnquotedFilter, RuleManagerPath}},
		{"unqualified manager.value", "User", `manager.value eq "m"`, ent + `:manager.value eq "m"`, []string{RuleManagerPath}},
		{"manager inside a value path is not qualified", "User", `emails[manager eq "x"]`, `emails[manager eq "x"]`, nil},
		{"URN-qualified extension", "User", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq 10442`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`, []string{RuleUnquotedFilter}},
		{"value path and sub-attribute", "User", `emails[type eq work].value eq a@x`, `emails[type eq "work"].value eq "a@x"`, []string{RuleUnquotedFilter}},
		{"string boolean in value path", "User", `roles[primary eq "True"]`, `roles[primary eq true]`, []string{RuleStringBoolean}},
		{"bare True", "User", `active eq True`, `active eq true`, []string{RuleStringBoolean}},
		{"quoted false", "User", `active EQ "FALSE" and userName eq "x"`, `active EQ false and userName eq "x"`, []string{RuleStringBoolean}},
		{"dateTime", "User", `meta.lastModified gt 2011-05-13T04:42:34Z`, `meta.lastModified gt "2011-05-13T04:42:34Z"`, []string{RuleUnquotedFilter}},
		{"unknown attribute, literal kept", "User", `shoeSize eq 42 or hat eq red`, `shoeSize eq 42 or hat eq "red"`, []string{RuleUnquotedFilter}},
		{"in parentheses", "User", `(userName eq adele) and not (externalId eq x1)`, `(userName eq "adele") and not (externalId eq "x1")`, []string{RuleUnquotedFilter}},
		{"group displayName", "Group", `displayName eq Finance`, `displayName eq "Finance"`, []string{RuleUnquotedFilter}},
		{"group members check", "Group", `id eq g1 and members[value eq u1]`, `id eq "g1" and members[value eq "u1"]`, []string{RuleUnquotedFilter}},
		{"not a boolean stays", "User", `active eq "maybe"`, `active eq "maybe"`, nil},
		{"null kept", "User", `nickName eq null`, `nickName eq null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := newNC(t, tt.rt)
			got := normalizeFilter(nc, tt.in, "")
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
			if diff := cmp.Diff(tt.wantRules, nc.FiredRules(), sortRules, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
			nc2 := newNC(t, tt.rt)
			if again := normalizeFilter(nc2, got, ""); again != got {
				t.Errorf("second pass changed %s to %s", got, again)
			}
			if r := nc2.FiredRules(); len(r) != 0 {
				t.Errorf("second pass fired %v", r)
			}
		})
	}
}

func TestFilterValue(t *testing.T) {
	nc := newNC(t, "User")
	active, _ := nc.Attribute("active")
	ext, _ := nc.Attribute("externalId")
	count, _ := nc.Attribute("emails")
	tests := []struct {
		name     string
		attr     scim.AttrInfo
		in, want any
		rule     string
	}{
		{"string boolean", active, "True", true, RuleStringBoolean},
		{"lower-case string boolean", active, "false", false, RuleStringBoolean},
		{"real boolean", active, true, true, ""},
		{"not a boolean", active, "yes", "yes", ""},
		{"json.Number for a string", ext, json.Number("123"), "123", RuleUnquotedFilter},
		{"float64 for a string", ext, float64(1.5), "1.5", RuleUnquotedFilter},
		{"int64 for a string", ext, int64(7), "7", RuleUnquotedFilter},
		{"string for a string", ext, "abc", "abc", ""},
		{"complex attribute untouched", count, "True", "True", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := newNC(t, "User")
			got := normalizeFilterValue(nc, tt.attr, tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var want []string
			if tt.rule != "" {
				want = []string{tt.rule}
			}
			if diff := cmp.Diff(want, nc.FiredRules(), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNormalizer(t *testing.T) {
	n := Normalizer()
	if n.Name != "entra" || !n.UpsertValuePath || n.UpsertRule != RuleUpsertValuePath ||
		!n.SingleValuedFilter || n.SingleValuedFilterRule != RuleManagerValueFilter {
		t.Errorf("Normalizer() = %+v", n)
	}
	if n.Filter == nil || n.FilterValue == nil || n.Resource == nil || n.Patch == nil {
		t.Error("Normalizer() leaves a hook nil")
	}
	seen := map[string]bool{}
	for _, r := range n.Rules {
		if seen[r] || !strings.HasPrefix(r, "entra.") {
			t.Errorf("rule %q duplicated or not prefixed", r)
		}
		seen[r] = true
	}
	if len(seen) != 13 {
		t.Errorf("got %d rules, want 13", len(seen))
	}
}

// TestMatching checks the documented case rules against the schema the
// handler uses.
func TestMatching(t *testing.T) {
	nc := newNC(t, "User")
	for _, m := range []Matching{DefaultMatching(), ExternalIDMatching(), ReversedMatching()} {
		ai, ok := nc.Attribute(m.Attribute)
		if !ok {
			t.Fatalf("%s: not an attribute", m.Attribute)
		}
		if ai.CaseExact != m.CaseExact() {
			t.Errorf("%+v: CaseExact() = %v, schema says %v", m, m.CaseExact(), ai.CaseExact)
		}
		if m.UserNameSource == m.ExternalIDSource {
			t.Errorf("%+v: same source twice", m)
		}
	}
	if got, want := DefaultMatching().Filter(`a"b@x`), `userName eq "a\"b@x"`; got != want {
		t.Errorf("Filter = %s, want %s", got, want)
	}
}

func TestSplitPath(t *testing.T) {
	tests := []struct {
		in   string
		want patchPath
		ok   bool
	}{
		{"name.givenName", patchPath{attr: "name.givenName"}, true},
		{`emails[type eq "work"].value`, patchPath{attr: "emails", filter: `type eq "work"`, sub: "value", bracket: true}, true},
		{`members[value eq "a]b"]`, patchPath{attr: "members", filter: `value eq "a]b"`, bracket: true}, true},
		{`emails[type eq "work"`, patchPath{}, false},
		{`emails[type eq "work"]x`, patchPath{}, false},
		{`emails[type eq "work"].`, patchPath{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := splitPath(tt.in)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(patchPath{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if ok && got.String() != tt.in {
				t.Errorf("String() = %s", got.String())
			}
		})
	}
}
