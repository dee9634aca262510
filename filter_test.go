package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const ftEntURN = EnterpriseUserSchema

// ftWantInvalidFilter fails unless err is a *Error 400 invalidFilter.
func ftWantInvalidFilter(t *testing.T, err error) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *Error", err, err)
	}
	if se.Status != 400 || se.ScimType != ScimTypeInvalidFilter || se.Detail == "" {
		t.Fatalf("error = %d %q %q, want 400 invalidFilter with a detail", se.Status, se.ScimType, se.Detail)
	}
}

func ftMustUserFilter(t testing.TB, text string) Filter {
	t.Helper()
	f, err := ParseUserFilter(text)
	if err != nil {
		t.Fatalf("ParseUserFilter(%q): %v", text, err)
	}
	return f
}

func TestCompileFilterAST(t *testing.T) {
	userName := func(op CompareOp, v any) *Compare {
		return &Compare{Path: AttrPath{Name: "userName"}, Op: op, Value: v, Type: TypeString}
	}
	emails := AttrPath{Name: "emails"}
	emailSub := func(sub string, op CompareOp, v any, typ AttrType) *Compare {
		return &Compare{Path: AttrPath{Name: "emails", Sub: sub}, Op: op, Value: v, Type: typ}
	}
	tests := []struct {
		name   string
		filter string
		want   Filter
	}{
		{"eq", `userName eq "adele.v@contoso.example"`, userName(OpEq, "adele.v@contoso.example")},
		{"any case names and op", `USERNAME EQ "x"`, userName(OpEq, "x")},
		{"core URN qualified", `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, userName(OpEq, "x")},
		{"spaces and escaped quote", `userName eq "Adele \"AV\" Vance"`, userName(OpEq, `Adele "AV" Vance`)},
		{"non-ASCII", `userName eq "Zoë.Müller@contoso.example"`, userName(OpEq, "Zoë.Müller@contoso.example")},
		{"unicode escape lower case", `userName eq "caf\u00e9"`, userName(OpEq, "café")},
		{"backslash and slash escapes", `userName eq "a\\b\/c"`, userName(OpEq, `a\b/c`)},
		{"surrounding spaces", `  userName pr `, userName(OpPr, nil)},
		{"externalId case exact", `externalId eq "0b6c52d1"`,
			&Compare{Path: AttrPath{Name: "externalId"}, Op: OpEq, Value: "0b6c52d1", Type: TypeString, CaseExact: true}},
		{"multi-valued sub-attribute", `emails.value co "@x"`,
			&Compare{Path: AttrPath{Name: "emails", Sub: "value"}, Op: OpCo, Value: "@x", Type: TypeString, MultiValued: true}},
		{"complex without sub compares value", `emails eq "a@x"`,
			&Compare{Path: AttrPath{Name: "emails", Sub: "value"}, Op: OpEq, Value: "a@x", Type: TypeString, MultiValued: true}},
		{"value filter", `emails[type eq "work" and value co "@x"]`,
			&ValuePath{Attr: emails, Filter: &And{emailSub("type", OpEq, "work", TypeString), emailSub("value", OpCo, "@x", TypeString)}}},
		{"value filter three terms and grouping", `emails[type eq "work" and (value co "@x" or primary eq true)]`,
			&ValuePath{Attr: emails, Filter: &And{emailSub("type", OpEq, "work", TypeString),
				&Or{emailSub("value", OpCo, "@x", TypeString), emailSub("primary", OpEq, true, TypeBoolean)}}}},
		{"value filter not", `emails[not (type eq "home")]`,
			&ValuePath{Attr: emails, Filter: &Not{emailSub("type", OpEq, "home", TypeString)}}},
		{"Entra value path with sub-attribute", `emails[type eq "work"].value eq "adele.v@contoso.example"`,
			&ValuePath{Attr: emails, Filter: &And{emailSub("type", OpEq, "work", TypeString), emailSub("value", OpEq, "adele.v@contoso.example", TypeString)}}},
		{"bracket inside string", `emails[value eq "a[b]c"]`,
			&ValuePath{Attr: emails, Filter: emailSub("value", OpEq, "a[b]c", TypeString)}},
		{"enterprise attribute", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "10442"`,
			&Compare{Path: AttrPath{URN: ftEntURN, Name: "employeeNumber"}, Op: OpEq, Value: "10442", Type: TypeString}},
		{"enterprise manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"`,
			&Compare{Path: AttrPath{URN: ftEntURN, Name: "manager", Sub: "value"}, Op: OpEq, Value: "m1", Type: TypeString}},
		{"enterprise URN any case", `URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:EMPLOYEENUMBER eq "1"`,
			&Compare{Path: AttrPath{URN: ftEntURN, Name: "employeeNumber"}, Op: OpEq, Value: "1", Type: TypeString}},
		{"unregistered extension", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:badgeId eq "B-7"`,
			&Compare{Path: AttrPath{URN: "urn:ietf:params:scim:schemas:extension:contoso:1.0:User", Name: "badgeId"}, Op: OpEq, Value: "B-7", Type: TypeString}},
		{"dateTime", `meta.lastModified gt "2011-05-13T04:42:34Z"`,
			&Compare{Path: AttrPath{Name: "meta", Sub: "lastModified"}, Op: OpGt, Value: time.Date(2011, 5, 13, 4, 42, 34, 0, time.UTC), Type: TypeDateTime, CaseExact: true}},
		{"boolean", `active eq false`, &Compare{Path: AttrPath{Name: "active"}, Op: OpEq, Value: false, Type: TypeBoolean}},
		{"boolean any case", `active eq TRUE`, &Compare{Path: AttrPath{Name: "active"}, Op: OpEq, Value: true, Type: TypeBoolean}},
		{"precedence and over or", `title pr or userName eq "a" and active eq true`,
			&Or{&Compare{Path: AttrPath{Name: "title"}, Op: OpPr, Type: TypeString},
				&And{userName(OpEq, "a"), &Compare{Path: AttrPath{Name: "active"}, Op: OpEq, Value: true, Type: TypeBoolean}}}},
		{"grouping", `(title pr or userName eq "a") and not (active eq true)`,
			&And{&Or{&Compare{Path: AttrPath{Name: "title"}, Op: OpPr, Type: TypeString}, userName(OpEq, "a")},
				&Not{&Compare{Path: AttrPath{Name: "active"}, Op: OpEq, Value: true, Type: TypeBoolean}}}},
		{"value path and compare", `emails[type eq "work"] and userName sw "a"`,
			&And{&ValuePath{Attr: emails, Filter: emailSub("type", OpEq, "work", TypeString)}, userName(OpSw, "a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUserFilter(tt.filter)
			if err != nil {
				t.Fatalf("ParseUserFilter(%q): %v", tt.filter, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseUserFilter(%q) (-want +got):\n%s", tt.filter, diff)
			}
			// Round trip: String re-parses to the same AST.
			again, err := ParseUserFilter(got.String())
			if err != nil {
				t.Fatalf("re-parse of %q: %v", got.String(), err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip of %q via %q (-want +got):\n%s", tt.filter, got.String(), diff)
			}
		})
	}
}

func TestCompileGroupFilter(t *testing.T) {
	tests := []struct {
		name, filter, wantString string
	}{
		{"displayName with spaces", `displayName eq "Finance EMEA"`, `displayName eq "Finance EMEA"`},
		{"Entra legacy reference check", `id eq "g1" and members eq "u1"`, `id eq "g1" and members.value eq "u1"`},
		{"member value filter", `id eq "g1" and members[value eq "u1"]`, `id eq "g1" and members[value eq "u1"]`},
		{"members display", `members.display sw "Ad"`, `members.display sw "Ad"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := ParseGroupFilter(tt.filter)
			if err != nil {
				t.Fatalf("ParseGroupFilter(%q): %v", tt.filter, err)
			}
			if got := f.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
		})
	}
}

func TestCompileFilterString(t *testing.T) {
	tests := []struct {
		name, filter, want string
	}{
		{"canonical names and lower-case op", `USERNAME EQ "x"`, `userName eq "x"`},
		{"Entra form", `emails[type eq "work"].value eq "a@x"`, `emails[type eq "work" and value eq "a@x"]`},
		{"not", `not(userName eq "x")`, `not (userName eq "x")`},
		{"escapes", "userName eq \"q\\\"b\\\\s\\t\"", `userName eq "q\"b\\s\t"`},
		{"integer-like decimal keeps a point", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:x eq "1"`, `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:x eq "1"`},
		{"left-nested or", `(title pr or nickName pr) or userName pr`, `title pr or nickName pr or userName pr`},
		{"right-nested or keeps parentheses", `title pr or (nickName pr or userName pr)`, `title pr or (nickName pr or userName pr)`},
		{"or under and", `title pr and (nickName pr or userName pr)`, `title pr and (nickName pr or userName pr)`},
		{"right-nested and keeps parentheses", `title pr and (nickName pr and userName pr)`, `title pr and (nickName pr and userName pr)`},
		{"and under or", `title pr or nickName pr and userName pr`, `title pr or nickName pr and userName pr`},
		{"date normalized", `meta.created ge "2024-01-02T03:04:05.5+01:00"`, `meta.created ge "2024-01-02T03:04:05.5+01:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ftMustUserFilter(t, tt.filter)
			if got := f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			again := ftMustUserFilter(t, f.String())
			if diff := cmp.Diff(f, again); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFilterValueString(t *testing.T) {
	// Values that the parser does not produce for the User schema, written
	// by String for stores that build filters themselves.
	tests := []struct {
		name string
		f    Filter
		want string
	}{
		{"float integral", &Compare{Path: AttrPath{Name: "x"}, Op: OpGt, Value: 2.0}, `x gt 2.0`},
		{"float", &Compare{Path: AttrPath{Name: "x"}, Op: OpLt, Value: 1.5e-9}, `x lt 1.5e-09`},
		{"int", &Compare{Path: AttrPath{Name: "x"}, Op: OpGe, Value: int64(-42)}, `x ge -42`},
		{"control char", &Compare{Path: AttrPath{Name: "x"}, Op: OpEq, Value: "a\x01"}, `x eq "a\u0001"`},
		{"nil filter in value path", &ValuePath{Attr: AttrPath{Name: "emails"}}, `emails[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCompileFilterRejects(t *testing.T) {
	tests := []struct {
		name, filter string
		lim          filterLimits
		wantDetail   string // substring of the detail
	}{
		{"empty", ``, filterLimits{}, "empty"},
		{"blank", `   `, filterLimits{}, "empty"},
		{"unknown attribute", `userNam eq "x"`, filterLimits{}, "unknown attribute"},
		{"unknown sub-attribute", `name.given eq "x"`, filterLimits{}, "unknown attribute"},
		{"unknown value filter sub-attribute", `emails[kind eq "work"]`, filterLimits{}, "unknown sub-attribute"},
		{"syntax error", `userName eq`, filterLimits{}, "not valid filter syntax"},
		{"missing quotes", `userName eq adele`, filterLimits{}, "not valid filter syntax"},
		{"unknown operator", `userName xx "a"`, filterLimits{}, "not valid filter syntax"},
		{"unterminated string", `userName eq "abc`, filterLimits{}, "not valid filter syntax"},
		{"unbalanced paren", `(userName eq "a"`, filterLimits{}, "not valid filter syntax"},
		{"unbalanced bracket", `emails[type eq "work"`, filterLimits{}, "unbalanced"},
		{"stray bracket", `emails type eq "work"]`, filterLimits{}, "unbalanced"},
		{"nested value filter", `emails[type[x eq "y"]]`, filterLimits{}, "nested"},
		{"value filter on simple attribute", `userName[value eq "x"]`, filterLimits{}, "not complex"},
		{"empty value filter", `emails[ ]`, filterLimits{}, "empty"},
		{"value path without compare", `emails[type eq "work"].value`, filterLimits{}, "not valid filter syntax"},
		{"number for string", `userName eq 42`, filterLimits{}, "does not match the type"},
		{"string for boolean", `active eq "true"`, filterLimits{}, "does not match the type"},
		{"bad date", `meta.created gt "yesterday"`, filterLimits{}, "RFC 3339"},
		{"null value", `userName eq null`, filterLimits{}, "null"},
		{"gt on boolean", `active gt true`, filterLimits{}, "not allowed"},
		{"co on boolean", `active co true`, filterLimits{}, "only allowed on string"},
		{"sw on dateTime", `meta.created sw "2020"`, filterLimits{}, "only allowed on string"},
		{"gt on complex", `name gt "x"`, filterLimits{}, "needs a sub-attribute"},
		{"unknown extension sub-attribute", `urn:ietf:params:scim:schemas:extension:contoso:1.0:User:a.b eq "x"`, filterLimits{}, "unknown attribute"},
		{"not without parentheses", `not userName eq "x"`, filterLimits{}, "not valid filter syntax"},
		{"too long", `userName eq "` + strings.Repeat("a", 100) + `"`, filterLimits{maxLength: 50}, "longer than 50"},
		{"too deep parentheses", strings.Repeat("(", 5) + `userName pr` + strings.Repeat(")", 5), filterLimits{maxDepth: 4}, "deeper than 4"},
		{"too deep nots", `not (not (not (userName pr)))`, filterLimits{maxDepth: 2}, "deeper than 2"},
		{"too deep value path", `not (emails[not (type pr)])`, filterLimits{maxDepth: 2}, "deeper than 2"},
		{"uuid with no quotes", `userName eq f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913`, filterLimits{}, "not valid filter syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := compileFilter(newUserSchema(), tt.filter, tt.lim, nil, nil)
			if err == nil {
				t.Fatalf("compileFilter(%q) = %v, want error", tt.filter, f)
			}
			ftWantInvalidFilter(t, err)
			var se *Error
			errors.As(err, &se)
			if !strings.Contains(se.Detail, tt.wantDetail) {
				t.Errorf("detail %q does not contain %q", se.Detail, tt.wantDetail)
			}
		})
	}
}

func TestCompileFilterLimitsAccept(t *testing.T) {
	// A long chain of the same operator counts as one level.
	var parts []string
	for i := 0; i < 40; i++ {
		parts = append(parts, `userName eq "u`+strings.Repeat("x", i%3)+`"`)
	}
	text := strings.Join(parts, " or ")
	if _, err := compileFilter(newUserSchema(), text, filterLimits{maxLength: 4096, maxDepth: 3}, nil, nil); err != nil {
		t.Fatalf("40-term or chain with maxDepth 3: %v", err)
	}
	if _, err := compileFilter(newUserSchema(), `not (emails[type eq "work"])`, filterLimits{maxDepth: 2}, nil, nil); err != nil {
		t.Fatalf("depth 2 filter with maxDepth 2: %v", err)
	}
}

func TestCompileFilterNormalizers(t *testing.T) {
	var seen []AttrInfo
	norms := []Normalizer{
		{Name: "noop"},
		{
			Name: "entra",
			Filter: func(nc *NormalizeContext, s string) string {
				nc.Fired("unquoted")
				return strings.Replace(s, "eq adelev", `eq "adelev"`, 1)
			},
			FilterValue: func(nc *NormalizeContext, attr AttrInfo, v any) any {
				seen = append(seen, attr)
				if s, ok := v.(string); ok && attr.Type == TypeBoolean {
					return strings.EqualFold(s, "true")
				}
				return v
			},
		},
	}
	nc := &NormalizeContext{ResourceType: "User"}
	f, err := compileFilter(newUserSchema(), `externalId eq adelev and emails[primary eq "True"]`, filterLimits{}, norms, nc)
	if err != nil {
		t.Fatal(err)
	}
	want := `externalId eq "adelev" and emails[primary eq true]`
	if got := f.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if diff := cmp.Diff([]string{"unquoted"}, nc.fired); diff != "" {
		t.Errorf("fired rules (-want +got):\n%s", diff)
	}
	wantSeen := []AttrInfo{
		{Path: AttrPath{Name: "externalId"}, Type: TypeString, CaseExact: true},
		{Path: AttrPath{Name: "emails", Sub: "primary"}, Type: TypeBoolean},
	}
	if diff := cmp.Diff(wantSeen, seen); diff != "" {
		t.Errorf("FilterValue attributes (-want +got):\n%s", diff)
	}
}

func TestCompileFilterNormalizerSeesNumberDigits(t *testing.T) {
	var got any
	norms := []Normalizer{{FilterValue: func(_ *NormalizeContext, attr AttrInfo, v any) any {
		got = v
		if n, ok := v.(json.Number); ok && attr.Type == TypeString {
			return n.String()
		}
		return v
	}}}
	f, err := compileFilter(newUserSchema(), `externalId eq 12345678901234567890`, filterLimits{}, norms, &NormalizeContext{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(any(json.Number("12345678901234567890")), got); diff != "" {
		t.Errorf("value given to FilterValue (-want +got):\n%s", diff)
	}
	if v := f.(*Compare).Value; v != "12345678901234567890" {
		t.Errorf("Value = %#v, want the digits as a string", v)
	}
}

func TestMatchElement(t *testing.T) {
	work := map[string]any{"type": "work", "value": "Adele.V@contoso.example", "primary": true}
	home := map[string]any{"type": "home", "value": "adele@home.example", "primary": false, "display": nil}
	num := map[string]any{"value": json.Number("42"), "f": 1.5, "i": int64(7)}
	elemFilter := func(t *testing.T, text string) Filter {
		t.Helper()
		return ftMustUserFilter(t, text).(*ValuePath).Filter
	}
	tests := []struct {
		name   string
		filter string
		elem   map[string]any
		want   bool
	}{
		{"type eq", `emails[type eq "work"]`, work, true},
		{"type eq other", `emails[type eq "work"]`, home, false},
		{"type case-insensitive", `emails[type eq "WORK"]`, work, true},
		{"value case-insensitive", `emails[value eq "adele.v@CONTOSO.example"]`, work, true},
		{"and", `emails[type eq "work" and value ew "@contoso.example"]`, work, true},
		{"and false", `emails[type eq "work" and value ew "@fabrikam.example"]`, work, false},
		{"or", `emails[type eq "home" or primary eq true]`, work, true},
		{"not", `emails[not (type eq "work")]`, home, true},
		{"boolean true", `emails[primary eq true]`, work, true},
		{"boolean false", `emails[primary eq false]`, home, true},
		{"boolean mismatch", `emails[primary eq true]`, home, false},
		{"pr present", `emails[value pr]`, work, true},
		{"pr nil", `emails[display pr]`, home, false},
		{"pr missing", `emails[display pr]`, work, false},
		{"ne missing", `emails[display ne "x"]`, work, true},
		{"eq missing", `emails[display eq "x"]`, work, false},
		{"json number matches numeric string", `emails[value eq "42"]`, num, true},
		{"json number vs other string", `emails[value eq "43"]`, num, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchElement(elemFilter(t, tt.filter), tt.elem); got != tt.want {
				t.Errorf("matchElement(%s, %v) = %v, want %v", tt.filter, tt.elem, got, tt.want)
			}
		})
	}
	// Numbers compared by hand-built filters (the PATCH engine's elements
	// carry json.Number, float64 and int64).
	numTests := []struct {
		name string
		c    *Compare
		want bool
	}{
		{"json.Number eq int", &Compare{Path: AttrPath{Name: "x", Sub: "value"}, Op: OpEq, Value: int64(42)}, true},
		{"json.Number gt", &Compare{Path: AttrPath{Name: "x", Sub: "value"}, Op: OpGt, Value: int64(41)}, true},
		{"float64 lt", &Compare{Path: AttrPath{Name: "x", Sub: "f"}, Op: OpLt, Value: 2.0}, true},
		{"int64 eq float", &Compare{Path: AttrPath{Name: "x", Sub: "i"}, Op: OpEq, Value: 7.0}, true},
		{"int64 ne", &Compare{Path: AttrPath{Name: "x", Sub: "i"}, Op: OpNe, Value: int64(7)}, false},
		{"nil filter matches", nil, true},
	}
	for _, tt := range numTests {
		t.Run(tt.name, func(t *testing.T) {
			var f Filter
			if tt.c != nil {
				f = tt.c
			}
			if got := matchElement(f, num); got != tt.want {
				t.Errorf("matchElement(%v) = %v, want %v", f, got, tt.want)
			}
		})
	}
}

func ftBoolPtr(b bool) *bool { return &b }

// adele is shaped like a user Entra provisions with the default mapping.
func ftAdele() *User {
	return &User{
		ID:          "2819c223-7f76-453a-919d-413861904646",
		ExternalID:  "0b6c52d1-Adele",
		UserName:    "Adele.V@contoso.example",
		Name:        &Name{GivenName: "Adele", FamilyName: "Vance", Formatted: "Adele Vance"},
		DisplayName: "Adele Vance",
		Title:       "Retail Manager",
		Active:      ftBoolPtr(true),
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
	full := ftAdele()
	bare := &User{ID: "u2", UserName: "grady@contoso.example"} // nil Active, no emails
	disabled := ftAdele()
	disabled.Active = ftBoolPtr(false)
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
			f := ftMustUserFilter(t, tt.filter)
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
