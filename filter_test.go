package scim

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const entURN = EnterpriseUserSchema

// wantInvalidFilter fails unless err is a *Error 400 invalidFilter.
func wantInvalidFilter(t *testing.T, err error) {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *Error", err, err)
	}
	if se.Status != 400 || se.ScimType != ScimTypeInvalidFilter || se.Detail == "" {
		t.Fatalf("error = %d %q %q, want 400 invalidFilter with a detail", se.Status, se.ScimType, se.Detail)
	}
}

func mustUserFilter(t testing.TB, text string) Filter {
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
			&Compare{Path: AttrPath{URN: entURN, Name: "employeeNumber"}, Op: OpEq, Value: "10442", Type: TypeString}},
		{"enterprise manager value", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"`,
			&Compare{Path: AttrPath{URN: entURN, Name: "manager", Sub: "value"}, Op: OpEq, Value: "m1", Type: TypeString}},
		{"enterprise URN any case", `URN:IETF:params:scim:schemas:extension:enterprise:2.0:User:EMPLOYEENUMBER eq "1"`,
			&Compare{Path: AttrPath{URN: entURN, Name: "employeeNumber"}, Op: OpEq, Value: "1", Type: TypeString}},
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
			f := mustUserFilter(t, tt.filter)
			if got := f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			again := mustUserFilter(t, f.String())
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
			wantInvalidFilter(t, err)
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

func TestMatchElement(t *testing.T) {
	work := map[string]any{"type": "work", "value": "Adele.V@contoso.example", "primary": true}
	home := map[string]any{"type": "home", "value": "adele@home.example", "primary": false, "display": nil}
	num := map[string]any{"value": json.Number("42"), "f": 1.5, "i": int64(7)}
	elemFilter := func(t *testing.T, text string) Filter {
		t.Helper()
		return mustUserFilter(t, text).(*ValuePath).Filter
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
