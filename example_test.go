package scim_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/memstore"
)

// ExampleNew mounts the handler under /scim/v2 and runs Entra's "Test
// connection" query, which must answer 200 with an empty list.
func ExampleNew() {
	store := memstore.New()
	h, err := scim.New(store, scim.StaticTokens("secret-token"),
		scim.WithBaseURL("https://app.example.com/scim/v2"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/v2/", http.StripPrefix("/scim/v2", h))

	req := httptest.NewRequest("GET", `/scim/v2/Users?filter=userName+eq+%22f3a9c2d0-6b1e-4e57-9d41-0c8b7a52e913%22`, nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Println(rec.Body)
	// Output:
	// 200 application/scim+json; charset=utf-8
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}
}

// ExampleNew_create provisions a user the way Entra does and reads the
// response's id and Location.
func ExampleNew_create() {
	h, _ := scim.New(memstore.New(), scim.StaticTokens("secret-token"),
		scim.WithBaseURL("https://app.example.com/scim/v2"),
		scim.WithClock(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }),
	)
	req := httptest.NewRequest("POST", "/Users", strings.NewReader(`{
		"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
		"userName":"adele.v@contoso.example","externalId":"adelev","active":true,
		"name":{"givenName":"Adele","familyName":"Vance"}}`))
	req.Header.Set("Authorization", "Bearer secret-token")
	req.Header.Set("Content-Type", "application/scim+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.HasPrefix(rec.Header().Get("Location"), "https://app.example.com/scim/v2/Users/"))
	// Output: 201 true
}

// ExampleTokenVerifierFunc authenticates with a custom verifier that maps
// each token to a tenant, so one store serves many customers.
func ExampleTokenVerifierFunc() {
	tenants := map[string]string{"token-acme": "acme", "token-globex": "globex"}
	verify := scim.TokenVerifierFunc(func(ctx context.Context, token string) (scim.Principal, error) {
		t, ok := tenants[token]
		if !ok {
			return scim.Principal{}, scim.ErrInvalidToken
		}
		return scim.Principal{Tenant: t, Subject: "token:" + t}, nil
	})
	h, _ := scim.New(memstore.New(), verify)
	for _, tok := range []string{"token-acme", "nope"} {
		req := httptest.NewRequest("GET", "/Users?count=0", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Printf("%d %q\n", rec.Code, rec.Header().Get("WWW-Authenticate"))
	}
	// Output:
	// 200 ""
	// 401 "Bearer realm=\"SCIM\""
}

// ExampleWithPolicy refuses creates past a seat limit with an error the
// identity provider's admin reads in the provisioning log.
func ExampleWithPolicy() {
	store := memstore.New()
	seats := 1
	h, _ := scim.New(store, scim.StaticTokens("t"),
		scim.WithPolicy(func(ctx context.Context, w scim.Write) error {
			if w.Kind != scim.UserCreated && w.Kind != scim.UserReactivated {
				return nil
			}
			active, _ := scim.ParseUserFilter("active eq true")
			page, err := store.ListUsers(ctx, scim.Query{Filter: active, StartIndex: 1})
			if err != nil {
				return err
			}
			if page.TotalResults >= seats {
				return &scim.Error{Status: http.StatusForbidden, Detail: fmt.Sprintf("licence for %d active users exhausted", seats)}
			}
			return nil
		}),
	)
	for _, name := range []string{"a@x.example", "b@x.example"} {
		req := httptest.NewRequest("POST", "/Users", strings.NewReader(`{"userName":"`+name+`"}`))
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
		if rec.Code != http.StatusCreated {
			fmt.Println(rec.Body)
		}
	}
	// Output:
	// 201
	// 403
	// {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"403","detail":"licence for 1 active users exhausted"}
}

// ExampleError shows how a store reports a condition the client must see:
// wrap a sentinel, or return a *scim.Error, and inspect it with errors.Is.
func ExampleError() {
	err := fmt.Errorf("users table: %w", scim.ErrConflict)
	fmt.Println(errors.Is(err, scim.ErrConflict))
	var e *scim.Error
	err = scim.Errorf(http.StatusBadRequest, scim.ScimTypeInvalidValue, "department %q is not known", "Retial")
	fmt.Println(errors.As(err, &e), e.Status, e.ScimType, e.Detail)
	// Output:
	// true
	// true 400 invalidValue department "Retial" is not known
}
