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
package scimtest
