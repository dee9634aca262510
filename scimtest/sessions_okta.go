package scimtest

import "net/http"

// OktaSessions returns the provisioning flows of Okta, in the request
// shapes Okta sends (the project's idp-requests.md §4): "Test API
// Credentials"; assignment (match query with paging parameters, create
// with a password and groups:[], an upper-cased userName match, a re-POST
// answered 409); a profile update as GET then PUT of the full object;
// deactivation and reactivation through a path-less PATCH (OIN apps) and
// through PUT (App Integration Wizard apps); the error answers Okta's
// compliance suite checks; and group push (NeedsGroups).
//
// The sessions pass on a handler without entra.Compat: everything Okta
// sends is RFC 7644 or handled by the core. User PATCH may answer 200 or
// 204 (scim.WithPatchNoContent), and so may group PATCH
// (scim.WithGroupPatchContent).
func OktaSessions() []Session {
	return []Session{
		oktaTestCredentials(),
		oktaAssignment(),
		oktaProfileUpdate(),
		oktaDeactivatePatch(),
		oktaDeactivatePut(),
		oktaErrors(),
		oktaGroupPush(),
	}
}

// oktaUser is the Okta profile of one user in a session.
type oktaUser struct {
	capture, userName, given, family, oktaID string
}

func jordan() oktaUser {
	return oktaUser{
		capture: "jordan", userName: "jordan.lee.{{run}}@example.org",
		given: "Jordan", family: "Lee", oktaID: "00u8k2p1x9{{run}}",
	}
}

// oktaMatch is Okta's assignment query (§4.1 step 2): always with
// startIndex=1&count=100.
func oktaMatch(name, userName string, ids ...string) Step {
	s := matchStep(name, "/Users?filter=userName eq "+q(userName)+"&startIndex=1&count=100", ids...)
	s.WantBody["startIndex"] = 1
	return s
}

// oktaCreate is Okta's POST /Users (§4.2): a password placeholder,
// groups:[], Okta's user id in externalId, and Content-Type
// application/json as in Okta's own test suite.
func oktaCreate(u oktaUser) Step {
	display := u.given + " " + u.family
	return Step{
		Name: "create " + u.capture, Method: http.MethodPost, Path: "/Users",
		Header: map[string]string{"Content-Type": "application/json"},
		Body: `{"schemas": [` + q(userURN) + `],
 "userName": ` + q(u.userName) + `,
 "name": {"givenName": ` + q(u.given) + `, "familyName": ` + q(u.family) + `},
 "emails": [{"primary": true, "value": ` + q(u.userName) + `, "type": "work"}],
 "displayName": ` + q(display) + `, "locale": "en-US",
 "externalId": ` + q(u.oktaID) + `,
 "groups": [], "password": "7hq20kzv", "active": true}`,
		WantStatus: http.StatusCreated,
		WantBody: obj{
			"userName":    u.userName,
			"active":      true,
			"displayName": display,
			"locale":      "en-US",
			"externalId":  u.oktaID,
			"name":        obj{"givenName": u.given, "familyName": u.family},
			"emails":      arr{obj{"primary": true, "value": u.userName, "type": "work"}},
		},
		// §4.2: the password is meaningless and never returned.
		WantAbsent: []string{"password"},
		Capture: map[string]string{
			u.capture:              "id",
			u.capture + "Created":  "meta.created",
			u.capture + "Location": "meta.location",
		},
	}
}

// oktaPut is Okta's PUT /Users/{id} (§4.1 step 3, §4.2): the GET output
// with the changed attributes, sent back whole with id, meta, groups and
// an empty middleName. With active empty, the body has no active.
func oktaPut(name string, u oktaUser, family, active string) Step {
	display := u.given + " " + family
	act := ""
	if active != "" {
		act = `"active": ` + active + `, `
	}
	want := obj{
		"id":          "{{" + u.capture + "}}",
		"userName":    u.userName,
		"displayName": display,
		"name":        obj{"givenName": u.given, "familyName": family},
	}
	if active != "" {
		want["active"] = active == "true"
	}
	return Step{
		Name: name, Method: http.MethodPut, Path: "/Users/{{" + u.capture + "}}",
		Body: `{"schemas": [` + q(userURN) + `],
 "id": "{{` + u.capture + `}}",
 "userName": ` + q(u.userName) + `,
 "name": {"givenName": ` + q(u.given) + `, "middleName": "", "familyName": ` + q(family) + `},
 "emails": [{"primary": true, "value": ` + q(u.userName) + `, "type": "work"}],
 "displayName": ` + q(display) + `, "locale": "en-US",
 "externalId": ` + q(u.oktaID) + `,
 ` + act + `"groups": [],
 "meta": {"resourceType": "User", "created": "{{` + u.capture + `Created}}", "location": "{{` + u.capture + `Location}}"}}`,
		WantStatus: http.StatusOK,
		WantBody:   want,
		WantAbsent: []string{"password"},
	}
}

func oktaTestCredentials() Session {
	return Session{
		Name: "okta-test-api-credentials",
		Steps: []Step{
			// §4.1 step 1: constant paging parameters; integers in the
			// answer (§4.3), never more than count resources (checked by
			// Run for every ListResponse).
			{
				Name: "list two users", Method: http.MethodGet, Path: "/Users?startIndex=1&count=2",
				WantStatus: http.StatusOK,
				WantBody:   obj{"schemas": arr{listResponseURN}, "startIndex": 1},
			},
		},
	}
}

func oktaAssignment() Session {
	u := jordan()
	again := oktaCreate(u)
	again.Name = "create the same user again"
	again.WantStatus = http.StatusConflict
	again.WantBody = obj{"schemas": arr{errorURN}, "status": "409", "scimType": "uniqueness"}
	again.WantAbsent = nil
	again.Capture = nil
	return Session{
		Name: "okta-assignment",
		Steps: []Step{
			oktaMatch("match finds nothing", u.userName),
			oktaCreate(u),
			// §3.5, §4.3: Okta's suite matches with an upper-cased userName.
			oktaMatch("upper-cased userName finds the user", "JORDAN.LEE.{{run}}@EXAMPLE.ORG", u.capture),
			oktaMatch("match finds the user", u.userName, u.capture),
			{
				Name: "read the user", Method: http.MethodGet, Path: "/Users/{{jordan}}",
				WantStatus: http.StatusOK,
				WantBody:   obj{"id": "{{jordan}}", "userName": u.userName, "active": true},
				WantAbsent: []string{"password"},
				WantPresent: []string{
					"name.givenName", "name.familyName", "emails.0.value", "meta.resourceType",
				},
			},
			// §4.3: a duplicate stops provisioning for that user with 409.
			again,
		},
	}
}

func oktaProfileUpdate() Session {
	u := jordan()
	return Session{
		Name: "okta-profile-update",
		Steps: []Step{
			oktaMatch("match finds nothing", u.userName),
			oktaCreate(u),
			{
				Name: "read the current profile", Method: http.MethodGet, Path: "/Users/{{jordan}}",
				WantStatus: http.StatusOK, WantBody: obj{"id": "{{jordan}}"},
			},
			oktaPut("put the full object", u, "Lee-Park", "true"),
			getUser("profile changed", u.capture, obj{
				"userName":    u.userName,
				"active":      true,
				"displayName": "Jordan Lee-Park",
				"externalId":  u.oktaID,
				"name":        obj{"givenName": "Jordan", "familyName": "Lee-Park"},
			}, "password"),
			// §5 row 42: a PUT without active leaves it unchanged.
			oktaPut("put without active", u, "Park", ""),
			getUser("still active", u.capture, obj{"active": true, "name": obj{"familyName": "Park"}}),
		},
	}
}

func oktaDeactivatePatch() Session {
	u := jordan()
	return Session{
		Name: "okta-deactivate-patch",
		Steps: []Step{
			oktaMatch("match finds nothing", u.userName),
			oktaCreate(u),
			// §4.2 (OIN): path-less replace with a boolean.
			userPatch("deactivate", u.capture, `{"op": "replace", "value": {"active": false}}`),
			getUser("deactivated user is readable", u.capture, obj{"active": false, "userName": u.userName}),
			{
				Name: "match finds the deactivated user", Method: http.MethodGet,
				Path:       "/Users?filter=userName eq " + q(u.userName) + "&startIndex=1&count=100",
				WantStatus: http.StatusOK,
				WantBody:   obj{"totalResults": 1, "Resources": arr{obj{"id": "{{jordan}}", "active": false}}},
			},
			userPatch("reactivate", u.capture, `{"op": "replace", "value": {"active": true}}`),
			getUser("same account active again", u.capture, obj{"active": true, "userName": u.userName}),
		},
	}
}

func oktaDeactivatePut() Session {
	u := jordan()
	return Session{
		Name: "okta-deactivate-put",
		Steps: []Step{
			oktaMatch("match finds nothing", u.userName),
			oktaCreate(u),
			// §4.1 (AIW): PUT for everything, including deactivation.
			oktaPut("deactivate with put", u, u.family, "false"),
			getUser("deactivated user is readable", u.capture, obj{"active": false}),
			oktaMatch("match finds the deactivated user", u.userName, u.capture),
			oktaPut("reactivate with put", u, u.family, "true"),
			getUser("same account active again", u.capture, obj{"active": true}),
		},
	}
}

func oktaErrors() Session {
	return Session{
		Name: "okta-errors",
		Steps: []Step{
			// §4.3: Okta's compliance suite.
			{
				Name: "unknown id", Method: http.MethodGet, Path: "/Users/{{guid}}",
				WantStatus:  http.StatusNotFound,
				WantBody:    obj{"schemas": arr{errorURN}, "status": "404"},
				WantPresent: []string{"detail"},
			},
			{
				Name: "bad token", Method: http.MethodGet, Path: "/Users?startIndex=1&count=2",
				Header:     map[string]string{"Authorization": "Bearer wrong-{{guid}}"},
				WantStatus: http.StatusUnauthorized,
				WantBody:   obj{"schemas": arr{errorURN}, "status": "401"},
			},
			{
				Name: "no token", Method: http.MethodGet, Path: "/Users?startIndex=1&count=2",
				Header:     map[string]string{"Authorization": ""},
				WantStatus: http.StatusUnauthorized,
				WantBody:   obj{"schemas": arr{errorURN}, "status": "401"},
			},
		},
	}
}

func oktaGroupPush() Session {
	a, b := jordan(), oktaUser{
		capture: "sam", userName: "sam.ortiz.{{run}}@example.org",
		given: "Sam", family: "Ortiz", oktaID: "00u9m3q2y0{{run}}",
	}
	group := "Design Guild {{run}}"
	// §4.2: a path-less replace with the read-only id and the name
	// accompanies every membership change.
	rename := `{"op": "replace", "value": {"id": "{{group}}", "displayName": "` + group + `"}}`
	groupPatch := func(name string, ops ...string) Step {
		return Step{
			Name: name, Method: http.MethodPatch, Path: "/Groups/{{group}}",
			Body: patch(ops...), WantStatus: http.StatusNoContent, AltStatus: http.StatusOK,
		}
	}
	// Okta reads groups without excluding members (§4.4).
	read := func(name string, ids ...string) Step {
		ms := arr{}
		for _, id := range ids {
			ms = append(ms, obj{"value": "{{" + id + "}}"})
		}
		return Step{
			Name: name, Method: http.MethodGet, Path: "/Groups/{{group}}",
			WantStatus: http.StatusOK,
			WantBody:   obj{"id": "{{group}}", "displayName": group, "members": ms},
		}
	}
	return Session{
		Name:        "okta-group-push",
		NeedsGroups: true,
		Steps: []Step{
			{
				Name: "test credentials lists groups", Method: http.MethodGet, Path: "/Groups?startIndex=1&count=100",
				WantStatus: http.StatusOK,
				WantBody:   obj{"schemas": arr{listResponseURN}, "startIndex": 1},
			},
			oktaCreate(a),
			oktaCreate(b),
			{
				Name: "push group", Method: http.MethodPost, Path: "/Groups",
				Header:     map[string]string{"Content-Type": "application/scim+json; charset=utf-8"},
				Body:       `{"schemas": [` + q(groupURN) + `], "displayName": ` + q(group) + `, "members": []}`,
				WantStatus: http.StatusCreated,
				WantBody:   obj{"displayName": group},
				WantAbsent: []string{"members.0"},
				Capture:    map[string]string{"group": "id"},
			},
			groupPatch("add a member", rename,
				`{"op": "add", "path": "members", "value": [{"value": "{{jordan}}", "display": "`+a.userName+`"}]}`),
			read("one member", "jordan"),
			groupPatch("swap members in one request", rename,
				`{"op": "remove", "path": "members[value eq \"{{jordan}}\"]"}`,
				`{"op": "add", "path": "members", "value": [{"value": "{{sam}}", "display": "`+b.userName+`"}]}`),
			read("swapped", "sam"),
			groupPatch("full membership push", rename,
				`{"op": "replace", "path": "members", "value": [{"value": "{{jordan}}"}, {"value": "{{sam}}"}]}`),
			read("both members", "jordan", "sam"),
			// §4.1 step 7: unlinking a pushed group deletes it.
			{Name: "delete group", Method: http.MethodDelete, Path: "/Groups/{{group}}", WantStatus: http.StatusNoContent},
			{Name: "deleted group is gone", Method: http.MethodGet, Path: "/Groups/{{group}}", WantStatus: http.StatusNotFound},
		},
	}
}
