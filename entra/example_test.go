package entra_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
)

// ExampleCompat mounts a handler that accepts both Entra dialects and
// disables a user the way Entra's default mapping does: a capitalized
// Replace with the string "False".
func ExampleCompat() {
	store := memstore.New()
	h, err := scim.New(store, scim.StaticTokens("s3cret"),
		scim.WithBaseURL("https://app.example.com/scim/v2"),
		scim.WithGroups(store),
		entra.Compat(),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	do := func(method, path, body string) map[string]any {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer s3cret")
		r.Header.Set("Content-Type", "application/scim+json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var doc map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &doc)
		fmt.Println(method, w.Code, doc["active"])
		return doc
	}
	u := do("POST", "/Users", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"adele.v@contoso.example","active":"True"}`)
	do("PATCH", "/Users/"+u["id"].(string), `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)

	counts := h.RuleCounts()
	fmt.Println(entra.RuleStringBoolean, counts[entra.RuleStringBoolean])
	fmt.Println(entra.RuleOpCase, counts[entra.RuleOpCase])
	// Output:
	// POST 201 true
	// PATCH 200 false
	// entra.string-boolean 2
	// entra.op-case 1
}
