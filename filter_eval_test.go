package scim

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func boolPtr(b bool) *bool { return &b }

// adele is shaped like a user Entra provisions with the default mapping.
func adele() *User {
	return &User{
		ID:          "2819c223-7f76-453a-919d-413861904646",
		ExternalID:  "0b6c52d1-Adele",
		UserName:    "Adele.V@contoso.example",
		Name:        &Name{GivenName: "Adele", FamilyName: "Vance", Formatted: "Adele Vance"},
		DisplayName: "Adele Vance",
		Title:       "Retail Manager",
		Active:      boolPtr(true),
		Emails: []MultiValue{
			{Value: "adele.v@contoso.example", Type: "work", Primary: true},
			{Value: "adele@home.example", Type: "home"},
		},
		PhoneNumbers: []MultiValue{{Value: "+1 425 555 0109", Type: "mobile"}},
		Addresses:    []Address{{Type: "work", Locality: "Redmond", Country: "US", Primary: true}},
		Enterprise: &EnterpriseUser{
			EmployeeNumber: "10442", Department: "Retail",
			Manager: &Manager{Value: "26118915-6090-4610-87a4-49d0ca2bb3d1"},
		},
		Extensions: map[string]json.RawMessage{
			"urn:ietf:params:scim:schemas:extension:contoso:1.0:User": json.RawMessage(
				`{"BadgeId":"B-7","clearance":3,"remote":true,"sites":["HQ","Lab"],"desk":{"floor":"4"}}`),
		},
		Meta: Meta{
			Created:      time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC),
			LastModified: time.Date(2024, 6, 15, 12, 30, 0, 0, time.UTC),
			Version:      `W/"3"`,
			ResourceType: "User",
		},
	}
}

func TestMatchUser(t *testing.T) {
	full := adele()
	bare := &User{ID: "u2", UserName: "grady@contoso.example"} // nil Active, no emails
	disabled := adele()
	disabled.Active = boolPtr(false)
	tests := []struct {
		name   string
		filter string
		user   *User
		want   bool
	}{
		{"userName eq", `userName eq "Adele.V@contoso.example"`, full, true},
		{"userName case-insensitive", `userName eq "adele.v@CONTOSO.EXAMPLE"`, full, true},
		{"userName other", `userName eq "f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913"`, full, false},
		{"externalId exact", `externalId eq "0b6c52d1-Adele"`, full, true},
		{"externalId case-exact", `externalId eq "0b6c52d1-adele"`, full, false},
		{"id", `id eq "2819c223-7f76-453a-919d-413861904646"`, full, true},
		{"Entra work email", `emails[type eq "work"].value eq "Adele.V@contoso.example"`, full, true},
		{"Entra work email other type", `emails[type eq "home"].value eq "adele.v@contoso.example"`, full, false},
		{"value filter", `emails[type eq "home" and value ew "@home.example"]`, full, true},
		{"value filter needs one element", `emails[type eq "home" and value eq "adele.v@contoso.example"]`, full, false},
		{"any email value", `emails.value eq "adele@home.example"`, full, true},
		{"emails co shorthand", `emails co "home.example"`, full, true},
		{"emails pr", `emails pr`, full, true},
		{"emails pr empty", `emails pr`, bare, false},
		{"emails ne missing", `emails.value ne "x"`, bare, true},
		{"primary email", `emails[primary eq true].value sw "adele.v"`, full, true},
		{"primary false element", `emails[primary eq false].type eq "home"`, full, true},
		{"addresses locality", `addresses[type eq "work"].locality eq "redmond"`, full, true},
		{"name sub-attribute", `name.familyName eq "vance"`, full, true},
		{"name pr", `name pr`, full, true},
		{"name pr missing", `name pr`, bare, false},
		{"name sub missing ne", `name.givenName ne "x"`, bare, true},
		{"employeeNumber URN", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`, full, true},
		{"employeeNumber missing", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`, bare, false},
		{"manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87a4-49d0ca2bb3d1"`, full, true},
		{"manager shorthand", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87a4-49d0ca2bb3d1"`, full, true},
		{"manager missing", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr`, bare, false},
		{"legacy reference check", `id eq "2819c223-7f76-453a-919d-413861904646" and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87a4-49d0ca2bb3d1"`, full, true},
		{"custom extension case-insensitive key", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeid eq "b-7"`, full, true},
		{"custom extension number as string", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:clearance eq "3"`, full, true},
		{"custom extension boolean as string", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:remote eq "true"`, full, true},
		{"custom extension array", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:sites eq "lab"`, full, true},
		{"custom extension missing", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeId pr`, bare, false},
		{"custom extension missing ne", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeId ne "x"`, bare, true},
		{"custom extension URN case", `URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:CONTOSO:1.0:USER:BadgeId eq "B-7"`, full, true},
		{"active true", `active eq true`, full, true},
		{"active false", `active eq false`, disabled, true},
		{"nil active counts as true", `active eq true`, bare, true},
		{"nil active not false", `active eq false`, bare, false},
		{"not", `not (active eq false)`, disabled, false},
		{"or", `userName eq "nobody" or title co "manager"`, full, true},
		{"grouping", `(userName eq "nobody" or title co "manager") and active eq false`, full, false},
		{"pr title", `title pr`, full, true},
		{"pr title missing", `title pr`, bare, false},
		{"ne missing attribute", `title ne "x"`, bare, true},
		{"ne equal", `title ne "retail manager"`, full, false},
		{"sw", `displayName sw "adele"`, full, true},
		{"ew", `displayName ew "VANCE"`, full, true},
		{"lastModified gt", `meta.lastModified gt "2011-05-13T04:42:34Z"`, full, true},
		{"lastModified lt", `meta.lastModified lt "2024-06-15T12:30:00Z"`, full, false},
		{"lastModified le offset", `meta.lastModified le "2024-06-15T14:30:00+02:00"`, full, true},
		{"created ge missing", `meta.created ge "2000-01-01T00:00:00Z"`, bare, false},
		{"meta version exact", `meta.version eq "W/\"3\""`, full, true},
		{"meta resourceType", `meta.resourceType eq "User"`, full, true},
		{"string gt", `userName gt "adele"`, full, true},
		{"string lt case-insensitive", `userName lt "B"`, full, true},
		{"phone value", `phoneNumbers[type eq "mobile"].value co "555"`, full, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustUserFilter(t, tt.filter)
			if got := MatchUser(f, tt.user); got != tt.want {
				t.Errorf("MatchUser(%s) = %v, want %v", f, got, tt.want)
			}
		})
	}
	if !MatchUser(nil, full) {
		t.Error("MatchUser(nil filter) = false, want true")
	}
}

func TestMatchGroup(t *testing.T) {
	loaded := &Group{ID: "g1", ExternalID: "e-G1", DisplayName: "Finance EMEA",
		Members: []Member{{Value: "u1", Display: "Adele Vance", Type: "User"}, {Value: "u2"}}}
	notLoaded := &Group{ID: "g1", DisplayName: "Finance EMEA"}
	empty := &Group{ID: "g2", DisplayName: "Empty", Members: []Member{}}
	tests := []struct {
		name   string
		filter string
		group  *Group
		want   bool
	}{
		{"displayName", `displayName eq "finance emea"`, loaded, true},
		{"externalId case-exact", `externalId eq "e-g1"`, loaded, false},
		{"id and member", `id eq "g1" and members[value eq "u2"]`, loaded, true},
		{"member missing", `id eq "g1" and members[value eq "u3"]`, loaded, false},
		{"members shorthand", `members eq "u1"`, loaded, true},
		{"members display", `members.display sw "adele"`, loaded, true},
		{"members type", `members[type eq "user"]`, loaded, true},
		{"members not loaded", `members[value eq "u1"]`, notLoaded, false},
		{"members ne not loaded", `members.value ne "u1"`, notLoaded, false},
		{"members pr not loaded", `members pr`, notLoaded, false},
		{"members pr empty", `members pr`, empty, false},
		{"members ne empty", `members.value ne "u1"`, empty, true},
		{"displayName not loaded still works", `displayName sw "Fin"`, notLoaded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseGroupFilter(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if got := MatchGroup(f, tt.group); got != tt.want {
				t.Errorf("MatchGroup(%s) = %v, want %v", f, got, tt.want)
			}
		})
	}
}

func TestSortUsers(t *testing.T) {
	mk := func(id, userName, email string, primary bool, emp string) *User {
		u := &User{ID: id, UserName: userName}
		if email != "" {
			u.Emails = []MultiValue{{Value: "z-first@x", Type: "home"}, {Value: email, Type: "work", Primary: primary}}
		}
		if emp != "" {
			u.Enterprise = &EnterpriseUser{EmployeeNumber: emp}
		}
		u.Meta.Created = time.Date(2024, 1, len(id), 0, 0, 0, 0, time.UTC)
		return u
	}
	users := []*User{
		mk("u1", "carol", "b@x", true, "3"),
		mk("u22", "Bob", "", false, ""),
		mk("u333", "alice", "a@x", true, "1"),
		mk("u4444", "bob", "c@x", false, "2"),
	}
	ids := func(us []*User) []string {
		var out []string
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	tests := []struct {
		name  string
		by    AttrPath
		order SortOrder
		want  []string
	}{
		{"zero path keeps order", AttrPath{}, Ascending, []string{"u1", "u22", "u333", "u4444"}},
		{"userName case-insensitive stable", AttrPath{Name: "userName"}, Ascending, []string{"u333", "u22", "u4444", "u1"}},
		{"userName descending", AttrPath{Name: "userName"}, Descending, []string{"u1", "u22", "u4444", "u333"}},
		{"primary email, missing last", AttrPath{Name: "emails", Sub: "value"}, Ascending, []string{"u333", "u1", "u4444", "u22"}},
		{"emails shorthand", AttrPath{Name: "emails"}, Ascending, []string{"u333", "u1", "u4444", "u22"}},
		{"missing first descending", AttrPath{Name: "emails", Sub: "value"}, Descending, []string{"u22", "u4444", "u1", "u333"}},
		{"enterprise", AttrPath{URN: EnterpriseUserSchema, Name: "employeeNumber"}, Ascending, []string{"u333", "u4444", "u1", "u22"}},
		{"meta.created", AttrPath{Name: "meta", Sub: "created"}, Descending, []string{"u4444", "u333", "u22", "u1"}},
		{"unknown attribute keeps order", AttrPath{Name: "nope"}, Ascending, []string{"u1", "u22", "u333", "u4444"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us := append([]*User(nil), users...)
			SortUsers(us, tt.by, tt.order)
			if diff := cmp.Diff(tt.want, ids(us)); diff != "" {
				t.Errorf("SortUsers(%v, %v) (-want +got):\n%s", tt.by, tt.order, diff)
			}
		})
	}
}

func TestSortGroups(t *testing.T) {
	groups := []*Group{{ID: "g1", DisplayName: "beta"}, {ID: "g2"}, {ID: "g3", DisplayName: "Alpha"}, {ID: "g4", DisplayName: "alpha"}}
	SortGroups(groups, AttrPath{Name: "displayName"}, Ascending)
	var got []string
	for _, g := range groups {
		got = append(got, g.ID)
	}
	if diff := cmp.Diff([]string{"g3", "g4", "g1", "g2"}, got); diff != "" {
		t.Errorf("SortGroups (-want +got):\n%s", diff)
	}
	// id is caseExact: "B" < "a".
	groups = []*Group{{ID: "a"}, {ID: "B"}}
	SortGroups(groups, AttrPath{Name: "id"}, Ascending)
	if groups[0].ID != "B" {
		t.Errorf("SortGroups by caseExact id: first = %q, want %q", groups[0].ID, "B")
	}
}
