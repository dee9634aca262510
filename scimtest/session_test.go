package scimtest_test

import (
	"net/http"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
	"github.com/scimkit/scim/scimtest"
)

const testToken = "scimtest-session-token"

func newHandler(t *testing.T, opts ...scim.Option) http.Handler {
	t.Helper()
	s := memstore.New()
	h, err := scim.New(s, scim.StaticTokens(testToken), append([]scim.Option{scim.WithGroups(s)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestEntraSessionsMemstore(t *testing.T) {
	scimtest.Run(t, newHandler(t, entra.Compat()), testToken, scimtest.EntraSessions()...)
}
