package scim

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDecodeUser(t *testing.T) {
	rs := newUserSchema()
	yes, no := true, false
	tests := []struct {
		name    string
		body    string
		unknown UnknownExtensions
		want    *User
	}{
		{
			name: "Entra POST (2.2): meta ignored, empty roles, extension objects",
			body: `{
			  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
			  "externalId": "adelev",
			  "userName": "adele.v@contoso.example",
			  "active": true,
			  "displayName": "Adele Vance",
			  "title": "Retail Manager",
			  "emails": [{"primary": true, "type": "work", "value": "adele.v@contoso.example"}],
			  "phoneNumbers": [{"type": "mobile", "value": "+1 425 555 0109"}],
			  "addresses": [{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}],
			  "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
			  "meta": {"resourceType": "User"},
			  "roles": [],
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "10442", "department": "Retail"},
			  "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": {"tag": "blue-team"}
			}`,
			want: &User{
				ExternalID: "adelev", UserName: "adele.v@contoso.example", Active: &yes,
				DisplayName: "Adele Vance", Title: "Retail Manager",
				Emails:       []MultiValue{{Primary: true, Type: "work", Value: "adele.v@contoso.example"}},
				PhoneNumbers: []MultiValue{{Type: "mobile", Value: "+1 425 555 0109"}},
				Addresses:    []Address{{Type: "work", Formatted: "Building 4, Room 210", Country: "US"}},
				Name:         &Name{Formatted: "Adele Vance", FamilyName: "Vance", GivenName: "Adele"},
				Enterprise:   &EnterpriseUser{EmployeeNumber: "10442", Department: "Retail"},
				Extensions:   map[string]json.RawMessage{"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": json.RawMessage(`{"tag":"blue-team"}`)},
			},
		},
		{
			name: "Okta create (4.2): password and groups ignored, id ignored",
			body: `{
			  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
			  "id": "client-chosen",
			  "userName": "dade.murphy@example.com",
			  "name": {"givenName": "Dade", "familyName": "Murphy"},
			  "emails": [{"primary": true, "value": "dade.murphy@example.com", "type": "work"}],
			  "displayName": "Dade Murphy",
			  "locale": "en-US",
			  "externalId": "00u1dhhb1fkIGP7RL1d8",
			  "groups": [{"value": "g-1", "display": "Admins"}],
			  "password": "1mz050nq",
			  "active": false
			}`,
			want: &User{
				UserName: "dade.murphy@example.com", Name: &Name{GivenName: "Dade", FamilyName: "Murphy"},
				Emails:      []MultiValue{{Primary: true, Value: "dade.murphy@example.com", Type: "work"}},
				DisplayName: "Dade Murphy", Locale: "en-US", ExternalID: "00u1dhhb1fkIGP7RL1d8", Active: &no,
			},
		},
		{
			name: "keys in any case; enterprise URN in any case",
			body: `{"USERNAME":"a","Name":{"GIVENNAME":"G"},"Emails":[{"Value":"a@x","Primary":true}],
			  "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER":{"Department":"D","Manager":{"Value":"m"}}}`,
			want: &User{UserName: "a", Name: &Name{GivenName: "G"}, Emails: []MultiValue{{Value: "a@x", Primary: true}},
				Enterprise: &EnterpriseUser{Department: "D", Manager: &Manager{Value: "m"}}},
		},
		{
			name: "legacy Entra nulls and unknown top-level keys dropped",
			body: `{"userName":"a","displayName":null,"department":null,"manager":null,"name":{"givenName":null},
			  "emails":[null,{"value":null,"$ref":null}],"shoeSize":"9"}`,
			want: &User{UserName: "a"},
		},
		{
			name: "URN-qualified attributes at top level",
			body: `{"urn:ietf:params:scim:schemas:core:2.0:User:userName":"a",
			  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Retail",
			  "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag":"x",
			  "urn:ietf:params:scim:schemas:core:2.0:User":{"title":"T"}}`,
			want: &User{UserName: "a", Title: "T", Enterprise: &EnterpriseUser{Department: "Retail"},
				Extensions: map[string]json.RawMessage{"urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User": json.RawMessage(`{"tag":"x"}`)}},
		},
		{
			name: "multi-valued given as a single object",
			body: `{"userName":"a","emails":{"value":"a@x","type":"work"}}`,
			want: &User{UserName: "a", Emails: []MultiValue{{Value: "a@x", Type: "work"}}},
		},
		{
			name:    "unknown extension dropped",
			body:    `{"userName":"a","urn:example:Other:1.0:User":{"x":1}}`,
			unknown: DropUnknownExtensions,
			want:    &User{UserName: "a"},
		},
		{
			name: "manager with $ref and displayName",
			body: `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":{"value":"m","$ref":"../Users/m","displayName":"Boss"}}}`,
			want: &User{UserName: "a", Enterprise: &EnterpriseUser{Manager: &Manager{Value: "m", Ref: "../Users/m", DisplayName: "Boss"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := decodeJSON(t, tt.body).(map[string]any)
			got, err := decodeUser(rs, doc, tt.unknown)
			if err != nil {
				t.Fatalf("decodeUser: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(jsonEqual)); diff != "" {
				t.Errorf("user (-want +got):\n%s", diff)
			}
		})
	}
}

// jsonEqual compares raw JSON semantically.
func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return cmp.Equal(x, y)
}

func TestDecodeUserErrors(t *testing.T) {
	rs := newUserSchema()
	tests := []struct {
		name     string
		body     string
		unknown  UnknownExtensions
		scimType string
	}{
		{"string boolean (normalizer's job)", `{"userName":"a","active":"True"}`, 0, ScimTypeInvalidValue},
		{"number for string", `{"userName":1}`, 0, ScimTypeInvalidValue},
		{"string for complex", `{"userName":"a","name":"Adele"}`, 0, ScimTypeInvalidValue},
		{"bad element", `{"userName":"a","emails":["a@x"]}`, 0, ScimTypeInvalidValue},
		{"bad sub-attribute", `{"userName":"a","emails":[{"value":"a@x","primary":"true"}]}`, 0, ScimTypeInvalidValue},
		{"enterprise not an object", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":"x"}`, 0, ScimTypeInvalidValue},
		{"manager plain string", `{"userName":"a","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"manager":"m"}}`, 0, ScimTypeInvalidValue},
		{"unknown extension rejected", `{"userName":"a","urn:example:Other:1.0:User":{"x":1}}`, RejectUnknownExtensions, ScimTypeInvalidSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeUser(rs, decodeJSON(t, tt.body).(map[string]any), tt.unknown)
			wantError(t, err, tt.scimType)
		})
	}
}

func TestDecodeGroup(t *testing.T) {
	rs := newGroupSchema()
	tests := []struct {
		name string
		body string
		want *Group
	}{
		{
			name: "Entra POST (2.6) with Microsoft schema URN",
			body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group","http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
			  "externalId":"e1b7","displayName":"Finance EMEA","meta":{"resourceType":"Group"}}`,
			want: &Group{ExternalID: "e1b7", DisplayName: "Finance EMEA"},
		},
		{
			name: "empty members list is empty, not nil",
			body: `{"displayName":"G","members":[]}`,
			want: &Group{DisplayName: "G", Members: []Member{}},
		},
		{
			name: "null members (Okta) is nil",
			body: `{"displayName":"G","members":null,"id":"g-1"}`,
			want: &Group{DisplayName: "G"},
		},
		{
			name: "members with $ref null",
			body: `{"displayName":"G","Members":[{"$ref":null,"value":"u-1"},{"value":"u-2","display":"B","type":"User"}]}`,
			want: &Group{DisplayName: "G", Members: []Member{{Value: "u-1"}, {Value: "u-2", Display: "B", Type: "User"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeGroup(rs, decodeJSON(t, tt.body).(map[string]any), KeepUnknownExtensions)
			if err != nil {
				t.Fatalf("decodeGroup: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("group (-want +got):\n%s", diff)
			}
		})
	}
	_, err := decodeGroup(rs, decodeJSON(t, `{"displayName":"G","members":[{"display":"x"}]}`).(map[string]any), KeepUnknownExtensions)
	wantError(t, err, ScimTypeInvalidValue)
}

func TestDocRoundTrip(t *testing.T) {
	urs, grs := newUserSchema(), newGroupSchema()
	u := baseUser(t)
	u.Roles = []MultiValue{{Value: "r", Display: "R", Type: "t", Primary: true, Ref: "x"}}
	u.Addresses = append(u.Addresses, Address{StreetAddress: "s", Locality: "l", Region: "r", PostalCode: "p", Primary: true})
	u.Name.MiddleName, u.Name.HonorificPrefix, u.Name.HonorificSuffix = "m", "p", "s"
	u.NickName, u.ProfileURL, u.UserType, u.PreferredLanguage, u.Locale, u.Timezone = "n", "https://x", "ut", "en", "en-US", "UTC"
	u.IMs = []MultiValue{{Value: "im"}}
	u.Photos = []MultiValue{{Value: "https://p"}}
	u.Entitlements = []MultiValue{{Value: "e"}}
	u.X509Certificates = []MultiValue{{Value: "MIIB"}}
	u.Enterprise.CostCenter, u.Enterprise.Organization, u.Enterprise.Division = "c", "o", "d"
	u.Enterprise.Manager.Ref = "../Users/m-1"
	got, err := decodeUser(urs, userDoc(u), KeepUnknownExtensions)
	if err != nil {
		t.Fatal(err)
	}
	want := u.Clone()
	want.ID, want.Meta, want.Groups = "", Meta{}, nil
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decodeUser(userDoc(u)) (-want +got):\n%s", diff)
	}

	g := &Group{ExternalID: "e", DisplayName: "G", Members: []Member{{Value: "u-1", Ref: "r", Display: "d", Type: "User"}},
		Extensions: map[string]json.RawMessage{"urn:example:G:1.0:Group": json.RawMessage(`{"a": 1}`)}}
	gg, err := decodeGroup(grs, groupDoc(g), KeepUnknownExtensions)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(g, gg); diff != "" {
		t.Errorf("decodeGroup(groupDoc(g)) (-want +got):\n%s", diff)
	}
}
