package scim

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// Principal is who a request authenticated as. Tenant scopes the data:
// stores read it with PrincipalFromContext and must keep each tenant's
// resources invisible to every other tenant.
type Principal struct {
	// Tenant identifies the data partition (a customer, a SCIM connection).
	Tenant string
	// Subject names the credential, for logs (never the secret itself).
	Subject string
}

// A TokenVerifier checks a bearer token. Implementations must be safe for
// concurrent use. An invalid token is reported with ErrInvalidToken (or an
// error wrapping it); any other error is a server failure (500).
type TokenVerifier interface {
	VerifyToken(ctx context.Context, token string) (Principal, error)
}

// TokenVerifierFunc adapts a function to TokenVerifier.
type TokenVerifierFunc func(ctx context.Context, token string) (Principal, error)

// VerifyToken calls f.
func (f TokenVerifierFunc) VerifyToken(ctx context.Context, token string) (Principal, error) {
	return f(ctx, token)
}

// ErrInvalidToken is returned by verifiers for a missing, unknown, expired
// or revoked token; the client gets 401 with WWW-Authenticate: Bearer.
var ErrInvalidToken = errors.New("scim: invalid bearer token")

type staticTokens struct {
	hashes    [][32]byte
	principal Principal
}

// StaticTokens returns a verifier that accepts any of the given tokens and
// authenticates every request as the zero-tenant Principal. Several tokens
// may be valid at once so an admin can rotate without downtime. Tokens are
// compared by SHA-256 digest in constant time. New refuses a verifier built
// with no tokens or an empty token.
func StaticTokens(tokens ...string) TokenVerifier {
	return StaticTokensFor(Principal{Subject: "static-token"}, tokens...)
}

// StaticTokensFor is StaticTokens authenticating as p, for hosts that mount
// one handler per tenant over a shared store.
func StaticTokensFor(p Principal, tokens ...string) TokenVerifier {
	s := &staticTokens{principal: p}
	for _, t := range tokens {
		if t == "" {
			s.hashes = nil
			return s
		}
		s.hashes = append(s.hashes, sha256.Sum256([]byte(t)))
	}
	return s
}

func (s *staticTokens) VerifyToken(_ context.Context, token string) (Principal, error) {
	h := sha256.Sum256([]byte(token))
	ok := 0
	for i := range s.hashes {
		ok |= subtle.ConstantTimeCompare(h[:], s.hashes[i][:])
	}
	if ok != 1 {
		return Principal{}, ErrInvalidToken
	}
	return s.principal, nil
}

func (s *staticTokens) validate() error {
	if len(s.hashes) == 0 {
		return errors.New("scim: StaticTokens needs at least one non-empty token")
	}
	return nil
}

// bearerToken extracts the token from an Authorization header. It tolerates
// a doubled "Bearer " prefix, which some admins paste into the secret field.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const p = "bearer "
	if len(h) < len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	t := strings.TrimSpace(h[len(p):])
	if len(t) >= len(p) && strings.EqualFold(t[:len(p)], p) {
		t = strings.TrimSpace(t[len(p):])
	}
	return t, t != ""
}

type principalKey struct{}

func (principalKey) String() string { return "scim principal" }

// WithPrincipal returns a copy of ctx carrying p. The handler does this for
// every authenticated request; tests and background jobs that call a store
// directly use it too.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal the request authenticated as.
func PrincipalFromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
