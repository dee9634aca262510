// Package tokens manages the bearer tokens an identity provider uses to
// call a SCIM endpoint: the "secret token" an Entra admin pastes next to
// the tenant URL.
//
// A SaaS product typically offers one SCIM connection per customer (or
// several, one per endpoint) and needs to show a fresh token once, show a
// hint of it later, rotate it without downtime and revoke it when the
// customer ends the connection. This package does that:
//
//   - Generate makes a token: 32 bytes from crypto/rand, base64url encoded
//     behind the recognisable prefix "scim_" (so secret scanners and admins
//     can tell what it is), plus a display hint ("scim_…Xy3Q").
//   - Only the SHA-256 digest of a token is stored (Record.Hash). The
//     plaintext exists once, in the answer to Verifier.Issue.
//   - Verifier implements scim.TokenVerifier: it hashes the presented
//     token, looks the digest up in a Store the host persists, compares
//     digests in constant time and returns scim.Principal{Tenant:
//     connection ID}. Several live tokens per connection are allowed, so a
//     rotation overlaps: the old token works until it is revoked.
//
// Why SHA-256 and not bcrypt, scrypt or Argon2: slow key-derivation
// functions protect low-entropy secrets (passwords) against offline
// guessing after a database leak. A generated token carries 256 bits of
// randomness; nobody can enumerate that space, fast hash or not, so a
// single SHA-256 is as safe as a KDF here and keeps verification (which
// runs on every SCIM request, 25+ per second per tenant during an Entra
// cycle) cheap and lookup-able by digest. Tokens chosen by people (see
// Verifier.Import) do not have that entropy; use generated ones in
// production.
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/scimkit/scim"
)

// Prefix starts every token Generate makes.
const Prefix = "scim_"

// entropyBytes is the number of random bytes in a generated token.
const entropyBytes = 32

// ErrNotFound is returned by a Store when no record matches.
var ErrNotFound = errors.New("tokens: not found")

// Hash is the SHA-256 digest of a token: what a Store keeps instead of the
// token.
type Hash [sha256.Size]byte

// String returns the digest in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes the digest in hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes a hex digest written by MarshalText.
func (h *Hash) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(h) {
		return errors.New("tokens: hash must be 64 hex digits")
	}
	_, err := hex.Decode(h[:], b)
	return err
}

// HashToken returns the digest stored for token.
func HashToken(token string) Hash { return sha256.Sum256([]byte(token)) }

// Hint returns what an admin page may show of a token: its prefix (when it
// has the package's prefix) and its last four characters, e.g.
// "scim_…Xy3Q". Tokens of eight characters or fewer show only "…".
func Hint(token string) string {
	p := ""
	if strings.HasPrefix(token, Prefix) {
		p = Prefix
	}
	if len(token)-len(p) <= 8 {
		return p + "…"
	}
	return p + "…" + token[len(token)-4:]
}

// Generate returns a new random token with the package's prefix. It fails
// only if the system's random source does.
func Generate() (string, error) {
	b := make([]byte, entropyBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("tokens: random source: %w", err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// Record is one token as a Store keeps it. It never holds the token itself.
type Record struct {
	// ID names the token in admin pages and APIs; it is not secret.
	ID string `json:"id"`
	// Connection is the SCIM connection (the tenant) the token opens.
	Connection string `json:"connection"`
	// Hash is the SHA-256 digest of the token.
	Hash Hash `json:"hash"`
	// Hint is the display hint (see Hint).
	Hint      string    `json:"hint"`
	CreatedAt time.Time `json:"createdAt"`
	// LastUsedAt is when the token last authenticated a request (zero if
	// never), updated at most once per Verifier touch interval.
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	// RevokedAt is when the token was revoked; zero while it is live.
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// Live reports whether the record has not been revoked.
func (r Record) Live() bool { return r.RevokedAt.IsZero() }

// A Store persists token records; the host implements it over its own
// database (MemoryStore is an in-memory implementation). Implementations
// must be safe for concurrent use. Records passed in and returned are
// values; the store keeps its own copies.
type Store interface {
	// InsertToken stores a new record. Record IDs and hashes are unique.
	InsertToken(ctx context.Context, r Record) error
	// TokenByHash returns the record with digest h, live or revoked, or
	// ErrNotFound.
	TokenByHash(ctx context.Context, h Hash) (Record, error)
	// ConnectionTokens returns the records of a connection, live and
	// revoked, oldest first (an empty slice for an unknown connection).
	ConnectionTokens(ctx context.Context, connection string) ([]Record, error)
	// RevokeToken sets RevokedAt of the connection's token id to at if it
	// is live (revoking twice keeps the first time). ErrNotFound if the
	// connection has no such token.
	RevokeToken(ctx context.Context, connection, id string, at time.Time) error
	// TouchToken sets LastUsedAt of token id to at. ErrNotFound if absent.
	TouchToken(ctx context.Context, id string, at time.Time) error
}

// An Option configures a Verifier.
type Option interface {
	apply(*Verifier)
}

type optionFunc func(*Verifier)

func (f optionFunc) apply(v *Verifier) { f(v) }

// WithClock sets the time source for CreatedAt, LastUsedAt and RevokedAt.
// Default time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	})
}

// DefaultTouchInterval is how stale LastUsedAt may get before a successful
// verification writes it again.
const DefaultTouchInterval = time.Minute

// WithTouchInterval sets how often a successful verification updates
// LastUsedAt: at most once per d per token, so a busy provisioning cycle
// does not write to the store on every request. 0 writes every time.
// Default DefaultTouchInterval (one minute).
func WithTouchInterval(d time.Duration) Option {
	return optionFunc(func(v *Verifier) {
		if d >= 0 {
			v.touchEvery = d
		}
	})
}

// Verifier issues, verifies and revokes tokens kept in a Store. It
// implements scim.TokenVerifier: a live token authenticates as
// scim.Principal{Tenant: its connection, Subject: "token:" + its ID}. A
// Verifier is safe for concurrent use.
type Verifier struct {
	store      Store
	now        func() time.Time
	touchEvery time.Duration
}

var _ scim.TokenVerifier = (*Verifier)(nil)

// NewVerifier returns a Verifier over s.
func NewVerifier(s Store, opts ...Option) *Verifier {
	v := &Verifier{store: s, now: time.Now, touchEvery: DefaultTouchInterval}
	for _, o := range opts {
		o.apply(v)
	}
	return v
}

// VerifyToken implements scim.TokenVerifier. Unknown, malformed and revoked
// tokens fail with an error wrapping scim.ErrInvalidToken; store failures
// are returned as they are (the SCIM handler answers 500).
func (v *Verifier) VerifyToken(ctx context.Context, token string) (scim.Principal, error) {
	if token == "" {
		return scim.Principal{}, scim.ErrInvalidToken
	}
	h := HashToken(token)
	r, err := v.store.TokenByHash(ctx, h)
	if errors.Is(err, ErrNotFound) {
		return scim.Principal{}, scim.ErrInvalidToken
	}
	if err != nil {
		return scim.Principal{}, fmt.Errorf("tokens: lookup: %w", err)
	}
	// The store found the record by digest; compare again in constant time
	// so that a store matching loosely (a prefix index, a collation) can
	// never let a different token through, and so the comparison of the
	// secret-derived values leaks nothing through timing.
	if subtle.ConstantTimeCompare(r.Hash[:], h[:]) != 1 || !r.Live() {
		return scim.Principal{}, scim.ErrInvalidToken
	}
	now := v.now()
	if now.Sub(r.LastUsedAt) >= v.touchEvery {
		if err := v.store.TouchToken(ctx, r.ID, now); err != nil && !errors.Is(err, ErrNotFound) {
			return scim.Principal{}, fmt.Errorf("tokens: touch: %w", err)
		}
	}
	return scim.Principal{Tenant: r.Connection, Subject: "token:" + r.ID}, nil
}

// Issue generates a token for connection, stores its record and returns the
// token and the record. The token is not retrievable later: show it to the
// admin once. Tokens issued before stay live (rotation with overlap) until
// Revoke or RevokeAll.
func (v *Verifier) Issue(ctx context.Context, connection string) (string, Record, error) {
	token, err := Generate()
	if err != nil {
		return "", Record{}, err
	}
	r, err := v.Import(ctx, connection, token)
	return token, r, err
}

// Import stores a token the host chose or received (a bootstrap secret from
// the environment, a token migrated from another system) for connection.
// Its strength is the caller's responsibility; prefer Issue. The token must
// not be empty.
func (v *Verifier) Import(ctx context.Context, connection, token string) (Record, error) {
	if connection == "" {
		return Record{}, errors.New("tokens: empty connection")
	}
	if token == "" {
		return Record{}, errors.New("tokens: empty token")
	}
	id, err := newID()
	if err != nil {
		return Record{}, err
	}
	r := Record{
		ID:         id,
		Connection: connection,
		Hash:       HashToken(token),
		Hint:       Hint(token),
		CreatedAt:  v.now(),
	}
	if err := v.store.InsertToken(ctx, r); err != nil {
		return Record{}, fmt.Errorf("tokens: insert: %w", err)
	}
	return r, nil
}

// Tokens returns the connection's token records, oldest first.
func (v *Verifier) Tokens(ctx context.Context, connection string) ([]Record, error) {
	return v.store.ConnectionTokens(ctx, connection)
}

// Revoke revokes one token of connection. Revoking a revoked token is not
// an error. ErrNotFound if the connection has no token id.
func (v *Verifier) Revoke(ctx context.Context, connection, id string) error {
	return v.store.RevokeToken(ctx, connection, id, v.now())
}

// RevokeAll revokes every live token of connection and returns how many it
// revoked: what "end SCIM connection" does.
func (v *Verifier) RevokeAll(ctx context.Context, connection string) (int, error) {
	rs, err := v.store.ConnectionTokens(ctx, connection)
	if err != nil {
		return 0, err
	}
	n := 0
	at := v.now()
	for _, r := range rs {
		if !r.Live() {
			continue
		}
		if err := v.store.RevokeToken(ctx, connection, r.ID, at); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// newID returns a short random, non-secret token ID.
func newID() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("tokens: random source: %w", err)
	}
	return "tok_" + hex.EncodeToString(b), nil
}
