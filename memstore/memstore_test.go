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
