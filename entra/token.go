package entra

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// NonGalleryAudience is the audience of the tokens Entra issues itself to a
// non-gallery SCIM app whose Secret Token field is left empty (§1.1).
const NonGalleryAudience = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621"

// DefaultJWKSURL is where Microsoft publishes the keys that sign
// sts.windows.net tokens.
const DefaultJWKSURL = "https://login.microsoftonline.com/common/discovery/keys"

// TokenConfig configures NewTokenVerifier.
type TokenConfig struct {
	// TenantID is the Entra tenant (directory) id whose tokens are
	// accepted; the issuer must be https://sts.windows.net/<TenantID>/.
	// Required.
	TenantID string
	// Audience is the required aud claim. Default NonGalleryAudience.
	Audience string
	// JWKSURL is the key set to verify signatures with. Default
	// DefaultJWKSURL.
	JWKSURL string
	// HTTPClient fetches the key set. Default: a client with a 10-second
	// timeout.
	HTTPClient *http.Client
	// Now is the clock for exp and nbf. Default time.Now.
	Now func() time.Time
	// Leeway tolerates clock skew on exp and nbf. Default 0.
	Leeway time.Duration
	// RefreshInterval is the shortest time between two key set fetches
	// caused by an unknown key id. Default 5 minutes.
	RefreshInterval time.Duration
}

// TokenVerifier is a scim.TokenVerifier for the JWTs Microsoft Entra ID
// issues itself when an admin leaves the Secret Token empty (Microsoft
// calls this mode "testing only"). It accepts RS256 tokens signed by a key
// of the key set, with issuer https://sts.windows.net/<tenant>/, the
// configured audience, and valid exp/nbf. The Principal's Tenant is the
// token's tid and Subject its appid (or sub). It is safe for concurrent
// use; keys are fetched on first use and refetched when a token names an
// unknown key, at most once per RefreshInterval.
type TokenVerifier struct {
	cfg    TokenConfig
	issuer string

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

var _ scim.TokenVerifier = (*TokenVerifier)(nil)

// NewTokenVerifier returns a verifier configured by c. It fails when
// TenantID is empty or JWKSURL is not an https (or loopback http) URL.
func NewTokenVerifier(c TokenConfig) (*TokenVerifier, error) {
	if strings.TrimSpace(c.TenantID) == "" {
		return nil, errors.New("entra: TokenConfig.TenantID is required")
	}
	if c.Audience == "" {
		c.Audience = NonGalleryAudience
	}
	if c.JWKSURL == "" {
		c.JWKSURL = DefaultJWKSURL
	}
	if !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://127.0.0.1") &&
		!strings.HasPrefix(c.JWKSURL, "http://localhost") {
		return nil, errors.New("entra: TokenConfig.JWKSURL must be an https URL")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.RefreshInterval <= 0 {
		c.RefreshInterval = 5 * time.Minute
	}
	return &TokenVerifier{cfg: c, issuer: "https://sts.windows.net/" + c.TenantID + "/"}, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("entra: "+format+": %w", append(args, scim.ErrInvalidToken)...)
}

// VerifyToken implements scim.TokenVerifier. Invalid tokens are reported
// with errors wrapping scim.ErrInvalidToken; a key set that cannot be
// fetched is any other error.
func (v *TokenVerifier) VerifyToken(ctx context.Context, token string) (scim.Principal, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return scim.Principal{}, invalid("token is not a JWS compact serialization")
	}
	var hdr struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return scim.Principal{}, invalid("bad token header")
	}
	if hdr.Alg != "RS256" {
		return scim.Principal{}, invalid("alg %q not accepted", hdr.Alg)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return scim.Principal{}, invalid("bad signature encoding")
	}
	key, err := v.key(ctx, hdr.Kid)
	if err != nil {
		return scim.Principal{}, err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return scim.Principal{}, invalid("bad signature")
	}
	var cl struct {
		Iss   string          `json:"iss"`
		Aud   json.RawMessage `json:"aud"`
		Exp   *json.Number    `json:"exp"`
		Nbf   *json.Number    `json:"nbf"`
		Tid   string          `json:"tid"`
		AppID string          `json:"appid"`
		Sub   string          `json:"sub"`
	}
	if err := decodeSegment(parts[1], &cl); err != nil {
		return scim.Principal{}, invalid("bad token claims")
	}
	if cl.Iss != v.issuer {
		return scim.Principal{}, invalid("issuer %q not accepted", cl.Iss)
	}
	if !audienceMatches(cl.Aud, v.cfg.Audience) {
		return scim.Principal{}, invalid("audience not accepted")
	}
	now := v.cfg.Now()
	if cl.Exp == nil {
		return scim.Principal{}, invalid("token has no exp")
	}
	if exp, err := cl.Exp.Float64(); err != nil || !now.Before(time.Unix(int64(exp), 0).Add(v.cfg.Leeway)) {
		return scim.Principal{}, invalid("token expired")
	}
	if cl.Nbf != nil {
		if nbf, err := cl.Nbf.Float64(); err != nil || now.Add(v.cfg.Leeway).Before(time.Unix(int64(nbf), 0)) {
			return scim.Principal{}, invalid("token not yet valid")
		}
	}
	if cl.Tid != "" && cl.Tid != v.cfg.TenantID {
		return scim.Principal{}, invalid("tenant %q not accepted", cl.Tid)
	}
	sub := cl.AppID
	if sub == "" {
		sub = cl.Sub
	}
	return scim.Principal{Tenant: v.cfg.TenantID, Subject: sub}, nil
}

func decodeSegment(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	return dec.Decode(v)
}

func audienceMatches(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		for _, a := range many {
			if a == want {
				return true
			}
		}
	}
	return false
}

// key returns the public key kid, fetching the key set when it is unknown
// and the last fetch is older than RefreshInterval.
func (v *TokenVerifier) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	if v.keys != nil && v.cfg.Now().Sub(v.fetched) < v.cfg.RefreshInterval {
		return nil, invalid("unknown signing key %q", kid)
	}
	keys, err := v.fetch(ctx)
	if err != nil {
		return nil, err
	}
	v.keys, v.fetched = keys, v.cfg.Now()
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, invalid("unknown signing key %q", kid)
}

func (v *TokenVerifier) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("entra: key set request: %w", err)
	}
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("entra: fetching key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("entra: fetching key set: status %d", resp.StatusCode)
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("entra: decoding key set: %w", err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if pub.N.BitLen() < 2048 {
			continue
		}
		keys[k.Kid] = pub
	}
	return keys, nil
}
