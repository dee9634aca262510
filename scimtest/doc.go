// Package scimtest is a conformance kit for SCIM stores and handlers, in
// the spirit of net/http/httptest and testing/fstest.
//
// TestUserStore and TestGroupStore run a suite of named subtests against
// any scim.UserStore and scim.GroupStore: a host that implements the store
// interfaces over its own tables runs them from its own tests to learn
// whether its store behaves the way the handler, Microsoft Entra ID and
// Okta rely on (case-insensitive userName uniqueness that includes
// inactive users, ErrNotFound after delete, stable paging, lost-update
// protection through Meta.Version, idempotent member deltas, tenant
// isolation, and so on):
//
//	func TestMyStore(t *testing.T) {
//		scimtest.TestUserStore(t, func(t *testing.T) scim.UserStore {
//			return mystore.Open(t, freshDatabase(t))
//		})
//	}
//
// Run the suites with -race: several subtests drive the store from 32
// goroutines at once.
//
// # Provisioning sessions
//
// EntraSessions and OktaSessions return the flows those identity providers
// run against a SCIM endpoint (test connection, matching, create,
// incremental updates in both Entra dialects, soft delete, rename, hard
// delete, Okta's PUT-based updates, group provisioning), as Sessions of
// request Steps in the exact shapes the providers send. Run replays them
// against the host's own handler, the way the host mounts it, and RunURL
// against a running server, so a host learns whether its store, options
// and middleware together behave the way Entra and Okta rely on:
//
//	func TestProvisioning(t *testing.T) {
//		h, err := scim.New(store, scim.StaticTokens("test-token"),
//			scim.WithGroups(store), entra.Compat())
//		if err != nil {
//			t.Fatal(err)
//		}
//		scimtest.Run(t, h, "test-token", scimtest.EntraSessions()...)
//		scimtest.Run(t, h, "test-token", scimtest.OktaSessions()...)
//	}
//
// Each session and each step is a subtest (go test -run
// 'TestProvisioning/entra-groups'), a failure names the request and shows
// the response, and every replay uses fresh userNames, so the sessions can
// run against a store that already holds data. A Session is plain data: a
// host adds its own, for example for a custom matching attribute, with
// captured ids ({{name}}) and subset matching of response bodies.
package scimtest
