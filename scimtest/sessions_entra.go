package scimtest

import (
	"fmt"
	"net/http"
	"strings"
)

// obj and arr keep the session tables short.
type (
	obj = map[string]any
	arr = []any
)

// URNs used in the sessions.
const (
	userURN       = "urn:ietf:params:scim:schemas:core:2.0:User"
	groupURN      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	adscimURN     = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
)

// EntraSessions returns the provisioning flows of Microsoft Entra ID, in
// the request shapes Entra sends (the project's idp-requests.md §1.2–1.12,
// §2): test connection; the initial cycle for a user and their manager
// (match query, create with string booleans and the enterprise extension,
// second-pass manager PATCH); incremental updates in the default dialect
// and in the aadOptscim062020 dialect; soft delete and reactivation; rename;
// hard delete and re-creation; and group provisioning (NeedsGroups).
//
// The sessions expect a handler built with entra.Compat() (string
// booleans, a bare-string manager, path-less replace with dotted keys,
// value-path upserts and Remove with a member list are Entra deviations
// the core handler does not accept on its own), with the default
// scim.KeepUnknownExtensions, and, for the group session, scim.WithGroups.
// User PATCH may answer 200 or 204 (scim.WithPatchNoContent); group PATCH
// must answer 204, as Entra recommends (the default).
func EntraSessions() []Session {
	return []Session{
		entraTestConnection(),
		entraInitialCycle(),
		entraUpdate(false),
		entraUpdate(true),
		entraSoftDelete(),
		entraRename(),
		entraHardDelete(),
		entraGroups(),
	}
}

// q quotes s as a JSON string, for filters and bodies.
func q(s string) string {
	return fmt.Sprintf("%q", s)
}

// entraMatch is Entra's matching query on userName (§1.3, §2.1), without
// paging parameters; it wants exactly the users whose id variables are
// given.
func entraMatch(name, userName string, ids ...string) Step {
	return matchStep(name, "/Users?filter=userName eq "+q(userName), ids...)
}

func matchStep(name, path string, ids ...string) Step {
	res := arr{}
	for _, id := range ids {
		res = append(res, obj{"id": "{{" + id + "}}"})
	}
	return Step{
		Name: name, Method: http.MethodGet, Path: path,
		WantStatus: http.StatusOK,
		WantBody: obj{
			"schemas":      arr{listResponseURN},
			"totalResults": len(ids),
			"Resources":    res,
		},
	}
}

// idpUser is a user as Entra maps it by default.
type idpUser struct {
	capture, userName, externalID, given, family, title, department, employeeNumber string
}

// entraCreate is Entra's POST /Users (§2.2): string boolean active, the
// enterprise extension, meta and an empty roles array. It captures the id.
func entraCreate(u idpUser) Step {
	display := u.given + " " + u.family
	return Step{
		Name: "create " + u.capture, Method: http.MethodPost, Path: "/Users",
		Body: `{
  "schemas": [` + q(userURN) + `, ` + q(enterpriseURN) + `],
  "externalId": ` + q(u.externalID) + `,
  "userName": ` + q(u.userName) + `,
  "active": "True",
  "displayName": ` + q(display) + `,
  "title": ` + q(u.title) + `,
  "emails": [{"primary": true, "type": "work", "value": ` + q(u.userName) + `}],
  "phoneNumbers": [{"type": "work", "value": "+1 425 555 0109"}],
  "addresses": [{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}],
  "name": {"formatted": ` + q(display) + `, "familyName": ` + q(u.family) + `, "givenName": ` + q(u.given) + `},
  "meta": {"resourceType": "User"},
  "roles": [],
  ` + q(enterpriseURN) + `: {"employeeNumber": ` + q(u.employeeNumber) + `, "department": ` + q(u.department) + `}
}`,
		WantStatus: http.StatusCreated,
		WantBody: obj{
			"userName":     u.userName,
			"externalId":   u.externalID,
			"active":       true,
			"displayName":  display,
			"title":        u.title,
			"name":         obj{"givenName": u.given, "familyName": u.family, "formatted": display},
			"emails":       arr{obj{"primary": true, "type": "work", "value": u.userName}},
			"phoneNumbers": arr{obj{"type": "work", "value": "+1 425 555 0109"}},
			"addresses":    arr{obj{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}},
			enterpriseURN:  obj{"employeeNumber": u.employeeNumber, "department": u.department},
		},
		WantAbsent: []string{"roles.0"},
		Capture:    map[string]string{u.capture: "id"},
	}
}

// entraProvision is the initial-cycle treatment of one user (§1.3): match
// finds nothing, create, match finds the new user.
func entraProvision(u idpUser) []Step {
	return []Step{
		entraMatch("match "+u.capture+" finds nothing", u.userName),
		entraCreate(u),
		entraMatch("match "+u.capture+" finds it", u.userName, u.capture),
	}
}

// patch builds a PatchOp body from operations written as JSON.
func patch(ops ...string) string {
	return `{"schemas": [` + q(patchOpURN) + `], "Operations": [` + strings.Join(ops, ", ") + `]}`
}

// userPatch is a PATCH /Users/{{id}}; the answer may be 200 or 204.
func userPatch(name, id string, ops ...string) Step {
	return Step{
		Name: name, Method: http.MethodPatch, Path: "/Users/{{" + id + "}}",
		Body:       patch(ops...),
		WantStatus: http.StatusOK, AltStatus: http.StatusNoContent,
	}
}

func getUser(name, id string, want obj, absent ...string) Step {
	if want == nil {
		want = obj{}
	}
	want["id"] = "{{" + id + "}}"
	return Step{
		Name: name, Method: http.MethodGet, Path: "/Users/{{" + id + "}}",
		WantStatus: http.StatusOK, WantBody: want, WantAbsent: absent,
	}
}

func adele() idpUser {
	return idpUser{
		capture: "adele", userName: "adele.v.{{run}}@contoso.example", externalID: "adelev-{{run}}",
		given: "Adele", family: "Vance", title: "Retail Manager", department: "Retail", employeeNumber: "10442",
	}
}

func entraTestConnection() Session {
	return Session{
		Name: "entra-test-connection",
		Steps: []Step{
			// §1.2: a filter on a random GUID must answer 200 with an
			// empty ListResponse, never 404 or 400.
			{
				Name: "filter on a random GUID", Method: http.MethodGet,
				Path:       "/Users?filter=userName eq \"{{guid}}\"",
				WantStatus: http.StatusOK,
				WantBody: obj{
					"schemas":      arr{listResponseURN},
					"totalResults": 0,
					"Resources":    arr{},
				},
			},
		},
	}
}

func entraInitialCycle() Session {
	mgr := idpUser{
		capture: "manager", userName: "megan.b.{{run}}@contoso.example", externalID: "meganb-{{run}}",
		given: "Megan", family: "Bowen", title: "Marketing Manager", department: "Marketing", employeeNumber: "10001",
	}
	steps := append(entraProvision(mgr), entraProvision(adele())...)
	steps = append(steps,
		// §1.3 step 6, §2.3.5: the manager comes in a second pass, as
		// the manager's id in a bare string.
		userPatch("second pass sets the manager as a bare string", "adele",
			`{"op": "Add", "path": "`+enterpriseURN+`:manager", "value": "{{manager}}"}`),
		// §2.3.5: returned in the complex form, or Entra cannot
		// deserialize the user.
		getUser("manager is returned as {value}", "adele", obj{
			"userName": "adele.v.{{run}}@contoso.example",
			"active":   true,
			enterpriseURN: obj{
				"manager":        obj{"value": "{{manager}}"},
				"department":     "Retail",
				"employeeNumber": "10442",
			},
		}),
		getUser("the manager has no manager", "manager", obj{"userName": "megan.b.{{run}}@contoso.example"},
			enterpriseURN+".manager"),
	)
	return Session{Name: "entra-initial-cycle", Steps: steps}
}

// entraUpdate is an incremental cycle (§1.4): GET by id, then a PATCH with
// what differs, in the default dialect (§2.3.1–2.3.4: capitalized ops, one
// op per attribute, string booleans) or the aadOptscim062020 dialect
// (§2.3.6, §2.5: lower-case ops, booleans, path-less replace with dotted
// and URN keys). The user has no work e-mail and no mobile phone, so the
// filtered paths must create those elements (§2.3.2).
func entraUpdate(flag bool) Session {
	name := "entra-update-default-dialect"
	if flag {
		name = "entra-update-aadOptscim062020"
	}
	userName := "alex.w.{{run}}@contoso.example"
	create := Step{
		Name: "create without work e-mail", Method: http.MethodPost, Path: "/Users",
		Body: `{
  "schemas": [` + q(userURN) + `, ` + q(enterpriseURN) + `],
  "externalId": "alexw-{{run}}",
  "userName": ` + q(userName) + `,
  "active": "True",
  "displayName": "Alex Wilber",
  "emails": [{"type": "other", "value": "alex.private.{{run}}@example.net"}],
  "name": {"familyName": "Wilber", "givenName": "Alex"},
  "meta": {"resourceType": "User"},
  "roles": [],
  ` + q(enterpriseURN) + `: {"department": "Sales"}
}`,
		WantStatus: http.StatusCreated,
		WantBody:   obj{"userName": userName, "active": true},
		Capture:    map[string]string{"alex": "id"},
	}
	var ops []string
	if flag {
		ops = []string{
			`{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "alex.wilber.{{run}}@contoso.example"}`,
			`{"op": "replace", "path": "emails[type eq \"work\"].primary", "value": true}`,
			`{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0170"}`,
			`{"op": "add", "path": "nickName", "value": "Al"}`,
			`{"op": "replace", "value": {
  "displayName": "Alex Wilber-Ng",
  "name.familyName": "Wilber-Ng",
  "name.formatted": "Alex Wilber-Ng",
  "title": "Account Executive",
  "` + enterpriseURN + `:department": "Enterprise Sales",
  "` + enterpriseURN + `:employeeNumber": "20117"}}`,
		}
	} else {
		ops = []string{
			`{"op": "Replace", "path": "displayName", "value": "Alex Wilber-Ng"}`,
			`{"op": "Replace", "path": "name.familyName", "value": "Wilber-Ng"}`,
			`{"op": "Replace", "path": "name.formatted", "value": "Alex Wilber-Ng"}`,
			`{"op": "Add", "path": "title", "value": "Account Executive"}`,
			`{"op": "Add", "path": "nickName", "value": "Al"}`,
			`{"op": "Replace", "path": "` + enterpriseURN + `:department", "value": "Enterprise Sales"}`,
			`{"op": "Add", "path": "` + enterpriseURN + `:employeeNumber", "value": "20117"}`,
			`{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "alex.wilber.{{run}}@contoso.example"}`,
			`{"op": "Replace", "path": "emails[type eq \"work\"].primary", "value": "True"}`,
			`{"op": "Replace", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 425 555 0170"}`,
		}
	}
	return Session{
		Name: name,
		Steps: []Step{
			entraMatch("match finds nothing", userName),
			create,
			getUser("read the current state", "alex", obj{"userName": userName}, "phoneNumbers"),
			userPatch("patch what differs", "alex", ops...),
			getUser("every change applied", "alex", obj{
				"userName":    userName,
				"active":      true,
				"displayName": "Alex Wilber-Ng",
				"nickName":    "Al",
				"title":       "Account Executive",
				"name":        obj{"givenName": "Alex", "familyName": "Wilber-Ng", "formatted": "Alex Wilber-Ng"},
				"emails": arr{
					obj{"type": "other", "value": "alex.private.{{run}}@example.net"},
					obj{"type": "work", "value": "alex.wilber.{{run}}@contoso.example", "primary": true},
				},
				"phoneNumbers": arr{obj{"type": "mobile", "value": "+1 425 555 0170"}},
				enterpriseURN:  obj{"department": "Enterprise Sales", "employeeNumber": "20117"},
			}, enterpriseURN+":department", enterpriseURN+":employeeNumber"),
		},
	}
}

func entraSoftDelete() Session {
	u := adele()
	steps := entraProvision(u)
	steps = append(steps,
		// §1.9: default mapping sends the string "False".
		userPatch("disable with \"False\"", "adele",
			`{"op": "Replace", "path": "active", "value": "False"}`),
		getUser("disabled user is still readable", "adele", obj{"active": false, "userName": u.userName}),
		// §1.11: after a restart Entra re-matches; the filter must find
		// inactive users.
		Step{
			Name: "match finds the disabled user", Method: http.MethodGet,
			Path:       "/Users?filter=userName eq " + q(u.userName),
			WantStatus: http.StatusOK,
			WantBody: obj{
				"totalResults": 1,
				"Resources":    arr{obj{"id": "{{adele}}", "active": false}},
			},
		},
		// §1.11: re-enable on the cached id, no new POST.
		userPatch("re-enable with \"True\"", "adele",
			`{"op": "Replace", "path": "active", "value": "True"}`),
		getUser("same account active again", "adele", obj{"active": true, "userName": u.userName}),
		// aadOptscim062020 (§2.5): lower-case op, JSON boolean.
		userPatch("disable with false (aadOptscim062020)", "adele",
			`{"op": "replace", "path": "active", "value": false}`),
		getUser("disabled again", "adele", obj{"active": false}),
		userPatch("re-enable with true (aadOptscim062020)", "adele",
			`{"op": "replace", "path": "active", "value": true}`),
		getUser("active again", "adele", obj{"active": true}),
	)
	return Session{Name: "entra-soft-delete", Steps: steps}
}

func entraRename() Session {
	u := adele()
	newName := "adele.vance.{{run}}@contoso.example"
	steps := entraProvision(u)
	steps = append(steps,
		// §2.3.1: userName renames keep the id.
		userPatch("rename", "adele", `{"op": "Replace", "path": "userName", "value": "`+newName+`"}`),
		getUser("same id, new userName", "adele", obj{"userName": newName}),
		entraMatch("old name matches nothing", u.userName),
		entraMatch("new name matches the user", newName, "adele"),
	)
	return Session{Name: "entra-rename", Steps: steps}
}

func entraHardDelete() Session {
	u := adele()
	steps := entraProvision(u)
	second := entraCreate(u)
	second.Name = "create again with the freed userName"
	second.Capture = map[string]string{"again": "id"}
	steps = append(steps,
		// §1.10, §2.4.
		Step{Name: "delete", Method: http.MethodDelete, Path: "/Users/{{adele}}", WantStatus: http.StatusNoContent},
		Step{Name: "deleted id is gone", Method: http.MethodGet, Path: "/Users/{{adele}}", WantStatus: http.StatusNotFound},
		Step{
			Name: "re-enable of the deleted id is 404", Method: http.MethodPatch, Path: "/Users/{{adele}}",
			Body:       patch(`{"op": "Replace", "path": "active", "value": "True"}`),
			WantStatus: http.StatusNotFound,
		},
		entraMatch("match finds nothing", u.userName),
		second,
		entraMatch("match finds the new user", u.userName, "again"),
		Step{Name: "deleted id is still gone", Method: http.MethodGet, Path: "/Users/{{adele}}", WantStatus: http.StatusNotFound},
	)
	return Session{Name: "entra-hard-delete", Steps: steps}
}

func entraGroups() Session {
	u1 := adele()
	u2 := idpUser{
		capture: "lee", userName: "lee.g.{{run}}@contoso.example", externalID: "leeg-{{run}}",
		given: "Lee", family: "Gu", title: "Director", department: "Finance", employeeNumber: "10212",
	}
	group := "Finance EMEA {{run}}"
	renamed := "Finance EMEA & APAC {{run}}"
	lookup := func(name, displayName string, ids ...string) Step {
		// §1.12: members excluded, displayName filter, "+" for spaces.
		s := matchStep(name, "/Groups?excludedAttributes=members&filter=displayName eq "+q(displayName), ids...)
		s.WantAbsent = []string{"Resources.0.members"}
		return s
	}
	getGroup := func(name string, want obj) Step {
		want["id"] = "{{group}}"
		return Step{
			Name: name, Method: http.MethodGet, Path: "/Groups/{{group}}?excludedAttributes=members",
			WantStatus: http.StatusOK, WantBody: want, WantAbsent: []string{"members"},
		}
	}
	members := func(name string, ids ...string) Step {
		ms := arr{}
		for _, id := range ids {
			ms = append(ms, obj{"value": "{{" + id + "}}"})
		}
		s := Step{
			Name: name, Method: http.MethodGet, Path: "/Groups/{{group}}?attributes=members",
			WantStatus: http.StatusOK, WantBody: obj{"id": "{{group}}", "members": ms},
		}
		if len(ids) == 0 {
			delete(s.WantBody, "members")
			s.WantAbsent = []string{"members.0"}
		}
		return s
	}
	isMember := func(name, id string, want bool) Step {
		// §1.12 membership check: id eq … and members[value eq …].
		var ids []string
		if want {
			ids = []string{"group"}
		}
		return matchStep(name,
			"/Groups?filter=id eq \"{{group}}\" and members[value eq \"{{"+id+"}}\"]&attributes=id", ids...)
	}
	groupPatch := func(name string, ops ...string) Step {
		return Step{
			Name: name, Method: http.MethodPatch, Path: "/Groups/{{group}}",
			Body: patch(ops...), WantStatus: http.StatusNoContent,
		}
	}
	// §1.2: with group provisioning on, Test connection also looks up a
	// group that cannot exist, and expects 200 with an empty list.
	steps := []Step{lookup("test connection group probe", "{{guid}}")}
	steps = append(steps, entraProvision(u1)...)
	steps = append(steps, entraProvision(u2)...)
	steps = append(steps,
		lookup("group lookup finds nothing", group),
		Step{
			// §2.6: ADSCIM schema URN, externalId, empty members.
			Name: "create group", Method: http.MethodPost, Path: "/Groups",
			Body: `{"schemas": [` + q(groupURN) + `, ` + q(adscimURN) + `],
 "externalId": "{{guid}}",
 "displayName": ` + q(group) + `,
 "members": [],
 "meta": {"resourceType": "Group"}}`,
			WantStatus: http.StatusCreated,
			WantBody:   obj{"displayName": group, "externalId": "{{guid}}"},
			WantAbsent: []string{"members.0"},
			Capture:    map[string]string{"group": "id"},
		},
		lookup("group lookup finds it without members", group, "group"),
		getGroup("read without members", obj{"displayName": group}),
		groupPatch("add two members",
			`{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "{{adele}}"}, {"$ref": null, "value": "{{lee}}"}]}`),
		getGroup("read still without members", obj{"displayName": group}),
		members("both are members", "adele", "lee"),
		// §1.9: disabled users keep their memberships.
		userPatch("disable a member", "lee", `{"op": "Replace", "path": "active", "value": "False"}`),
		isMember("disabled user is still a member", "lee", true),
		// §2.6: Remove with a value list removes only those members.
		groupPatch("remove one member with a value list",
			`{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "{{adele}}"}]}`),
		members("only that one was removed", "lee"),
		isMember("removed user is no member", "adele", false),
		isMember("other user still a member", "lee", true),
		groupPatch("rename", `{"op": "Replace", "path": "displayName", "value": "`+renamed+`"}`),
		getGroup("renamed", obj{"displayName": renamed}),
		lookup("old name finds nothing", group),
		lookup("new name finds the group", renamed, "group"),
		// §2.5: aadOptscim062020 removes with a value filter.
		groupPatch("remove the last member with a filter (aadOptscim062020)",
			`{"op": "remove", "path": "members[value eq \"{{lee}}\"]"}`),
		members("no members left"),
		Step{Name: "delete group", Method: http.MethodDelete, Path: "/Groups/{{group}}", WantStatus: http.StatusNoContent},
		Step{Name: "deleted group is gone", Method: http.MethodGet, Path: "/Groups/{{group}}", WantStatus: http.StatusNotFound},
		getUser("members survive their group", "lee", obj{"userName": u2.userName}),
	)
	return Session{Name: "entra-groups", Steps: steps, NeedsGroups: true}
}
