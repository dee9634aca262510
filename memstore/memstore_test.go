package memstore_test

import (
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/scimtest"
)

func TestUserStoreConformance(t *testing.T) {
	scimtest.TestUserStore(t, func(t *testing.T) scim.UserStore { return memstore.New() })
}

func TestGroupStoreConformance(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := memstore.New()
		return s, s
	})
}

func TestGroupStoreConformanceUnknownMembers(t *testing.T) {
	scimtest.TestGroupStore(t, func(t *testing.T) (scim.UserStore, scim.GroupStore) {
		s := memstore.New(memstore.AllowUnknownMembers(true))
		return s, s
	}, scimtest.AcceptsUnknownMembers(true))
}
