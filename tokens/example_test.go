package tokens_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/tokens"
)

// A SaaS product gives each customer's SCIM connection its own token,
// rotates it with overlap and revokes it when the connection ends.
func Example() {
	ctx := context.Background()
	v := tokens.NewVerifier(tokens.NewMemoryStore())

	// "Create SCIM connection": show the token once, keep only a hint.
	token, rec, err := v.Issue(ctx, "advisors")
	if err != nil {
		panic(err)
	}
	fmt.Println("shown once:", strings.HasPrefix(token, tokens.Prefix), len(token))
	fmt.Println("hint shown later:", rec.Hint == tokens.Hint(token))

	// Pass v to scim.New: a request with the token is the "advisors" tenant.
	p, _ := v.VerifyToken(ctx, token)
	fmt.Println("tenant:", p.Tenant)

	// "Regenerate token": the old token keeps working until revoked.
	newToken, _, _ := v.Issue(ctx, "advisors")
	_, errOld := v.VerifyToken(ctx, token)
	fmt.Println("old token during overlap:", errOld == nil)
	_ = v.Revoke(ctx, "advisors", rec.ID)
	_, errOld = v.VerifyToken(ctx, token)
	fmt.Println("old token after revoke:", errors.Is(errOld, scim.ErrInvalidToken))

	// "End SCIM connection": revoke everything.
	n, _ := v.RevokeAll(ctx, "advisors")
	_, errNew := v.VerifyToken(ctx, newToken)
	fmt.Println("revoked:", n, errors.Is(errNew, scim.ErrInvalidToken))
	// Output:
	// shown once: true 48
	// hint shown later: true
	// tenant: advisors
	// old token during overlap: true
	// old token after revoke: true
	// revoked: 1 true
}
