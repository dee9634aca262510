package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// The request shapes below follow what Microsoft Entra ID sends
// (/work/shared/docs/idp-requests.md §2): capitalized ops, string booleans,
// value-filtered paths and URN-qualified extension paths.

const (
	enterpriseURN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	patchOpURN    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// matchUserPath is Entra's user matching query (no startIndex/count; spaces
// form-encoded as '+').
func matchUserPath(userName string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+userName+`"`)
}

// matchGroupPath is Entra's group lookup on displayName, members excluded.
func matchGroupPath(displayName string) string {
	return "/Groups?excludedAttributes=members&filter=" + url.QueryEscape(`displayName eq "`+displayName+`"`)
}

// listPath is one page of account discovery.
func listPath(startIndex, count int) string {
	return "/Users?startIndex=" + strconv.Itoa(startIndex) + "&count=" + strconv.Itoa(count)
}

// userBody is an Entra-shaped POST /Users body for the i-th user named
// userName.
func userBody(userName string, i int) []byte {
	given, family := "Given"+strconv.Itoa(i), "Family"+strconv.Itoa(i)
	body := map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:User", enterpriseURN},
		"externalId":  "ext-" + userName,
		"userName":    userName,
		"active":      true,
		"displayName": given + " " + family,
		"title":       "Retail Manager",
		"emails":      []map[string]any{{"primary": true, "type": "work", "value": userName}},
		"phoneNumbers": []map[string]any{
			{"type": "mobile", "value": fmt.Sprintf("+1 425 555 %04d", i%10000)},
		},
		"addresses": []map[string]any{{"type": "work", "formatted": "Building 4, Room 210", "country": "US"}},
		"name":      map[string]any{"formatted": given + " " + family, "familyName": family, "givenName": given},
		"meta":      map[string]any{"resourceType": "User"},
		"roles":     []any{},
		enterpriseURN: map[string]any{
			"employeeNumber": strconv.Itoa(10000 + i),
			"department":     "Retail",
		},
	}
	return mustJSON(body)
}

// groupBody is an Entra-shaped POST /Groups body: no members.
func groupBody(displayName, externalID string) []byte {
	return mustJSON(map[string]any{
		"schemas": []string{
			"urn:ietf:params:scim:schemas:core:2.0:Group",
			"http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
		},
		"externalId":  externalID,
		"displayName": displayName,
		"meta":        map[string]any{"resourceType": "Group"},
	})
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

func patchBody(ops ...patchOp) []byte {
	return mustJSON(map[string]any{"schemas": []string{patchOpURN}, "Operations": ops})
}

// entraPatchBody is the five-operation update Entra sends when several
// attributes of a user changed (default dialect: one Replace per
// attribute, active as the string "True").
func entraPatchBody(i int) []byte {
	given := "Given" + strconv.Itoa(i)
	return patchBody(
		patchOp{Op: "Replace", Path: "displayName", Value: given + " Updated"},
		patchOp{Op: "Replace", Path: "name.givenName", Value: given},
		patchOp{Op: "Replace", Path: `emails[type eq "work"].value`, Value: "updated" + strconv.Itoa(i) + "@example.test"},
		patchOp{Op: "Replace", Path: enterpriseURN + ":department", Value: "Dept " + strconv.Itoa(i%50)},
		patchOp{Op: "Replace", Path: "active", Value: "True"},
	)
}

// activeBody is Entra's soft delete (active=false) or re-enable, as a
// string boolean.
func activeBody(active bool) []byte {
	v := "False"
	if active {
		v = "True"
	}
	return patchBody(patchOp{Op: "Replace", Path: "active", Value: v})
}

// managerBody is the second-pass manager PATCH: the manager's target id as
// a plain string under the enterprise URN path.
func managerBody(managerID string) []byte {
	return patchBody(patchOp{Op: "Add", Path: enterpriseURN + ":manager", Value: managerID})
}

// displayNameBody is the update Entra sends for a matched resource.
func displayNameBody(displayName string) []byte {
	return patchBody(patchOp{Op: "Replace", Path: "displayName", Value: displayName})
}

type memberRef struct {
	Ref   *string `json:"$ref"`
	Value string  `json:"value"`
}

// memberAddBody adds ids to a group's members in one operation, with the
// "$ref": null Entra puts on member objects.
func memberAddBody(ids []string) []byte {
	members := make([]memberRef, len(ids))
	for i, id := range ids {
		members[i] = memberRef{Value: id}
	}
	return patchBody(patchOp{Op: "Add", Path: "members", Value: members})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only fixed, marshalable shapes are passed in.
		panic(err)
	}
	return b
}
