package entra_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
)

const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func sign(t *testing.T, key *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	in := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64(sig)
}

func jwks(keys map[string]*rsa.PublicKey) []byte {
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	for kid, k := range keys {
		set.Keys = append(set.Keys, map[string]string{"kty": "RSA", "use": "sig", "kid": kid,
			"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
	}
	b, _ := json.Marshal(set)
	return b
}

func TestTokenVerifier(t *testing.T) {
	key1, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key2, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var served atomic.Value
	served.Store(jwks(map[string]*rsa.PublicKey{"k1": &key1.PublicKey}))
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Write(served.Load().([]byte))
	}))
	defer srv.Close()

	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := now
	v, err := entra.NewTokenVerifier(entra.TokenConfig{
		TenantID: tenant, JWKSURL: srv.URL, HTTPClient: srv.Client(),
		Now: func() time.Time { return clock },
	})
	if err != nil {
		t.Fatal(err)
	}
	hdr := map[string]any{"alg": "RS256", "typ": "JWT", "kid": "k1"}
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{
			"iss": "https://sts.windows.net/" + tenant + "/", "aud": entra.NonGalleryAudience,
			"exp": now.Add(time.Hour).Unix(), "nbf": now.Add(-time.Minute).Unix(),
			"tid": tenant, "appid": "1b730954-1685-4b74-9bfd-dac224a7b894",
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	with := func(k string, val any) func(map[string]any) { return func(c map[string]any) { c[k] = val } }
	valid := sign(t, key1, hdr, claims(nil))

	tests := []struct {
		name  string
		token string
		want  scim.Principal
		ok    bool
	}{
		{"valid", valid, scim.Principal{Tenant: tenant, Subject: "1b730954-1685-4b74-9bfd-dac224a7b894"}, true},
		{"audience list", sign(t, key1, hdr, claims(with("aud", []string{"x", entra.NonGalleryAudience}))), scim.Principal{Tenant: tenant, Subject: "1b730954-1685-4b74-9bfd-dac224a7b894"}, true},
		{"wrong issuer", sign(t, key1, hdr, claims(with("iss", "https://sts.windows.net/other/"))), scim.Principal{}, false},
		{"v2 issuer", sign(t, key1, hdr, claims(with("iss", "https://login.microsoftonline.com/"+tenant+"/v2.0"))), scim.Principal{}, false},
		{"wrong audience", sign(t, key1, hdr, claims(with("aud", "api://other"))), scim.Principal{}, false},
		{"expired", sign(t, key1, hdr, claims(with("exp", now.Add(-time.Second).Unix()))), scim.Principal{}, false},
		{"no exp", sign(t, key1, hdr, claims(func(c map[string]any) { delete(c, "exp") })), scim.Principal{}, false},
		{"not yet valid", sign(t, key1, hdr, claims(with("nbf", now.Add(time.Minute).Unix()))), scim.Principal{}, false},
		{"other tenant id", sign(t, key1, hdr, claims(with("tid", "other"))), scim.Principal{}, false},
		{"alg none", b64([]byte(`{"alg":"none","kid":"k1"}`)) + "." + b64([]byte(`{}`)) + ".", scim.Principal{}, false},
		{"HS256", sign(t, key1, map[string]any{"alg": "HS256", "kid": "k1"}, claims(nil)), scim.Principal{}, false},
		{"signed by another key", sign(t, key2, hdr, claims(nil)), scim.Principal{}, false},
		{"tampered claims", valid[:len(valid)-4] + "AAAA", scim.Principal{}, false},
		{"not a JWT", "5s1x-static-secret", scim.Principal{}, false},
		{"garbage segments", "a.b.c", scim.Principal{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.VerifyToken(context.Background(), tt.token)
			if tt.ok {
				if err != nil {
					t.Fatalf("VerifyToken: %v", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, scim.ErrInvalidToken) {
				t.Errorf("err = %v, want scim.ErrInvalidToken", err)
			}
		})
	}

	t.Run("key rotation", func(t *testing.T) {
		rotated := sign(t, key2, map[string]any{"alg": "RS256", "kid": "k2"}, claims(nil))
		served.Store(jwks(map[string]*rsa.PublicKey{"k1": &key1.PublicKey, "k2": &key2.PublicKey}))
		before := fetches.Load()
		// Within RefreshInterval of the last fetch an unknown key is
		// refused without fetching.
		if _, err := v.VerifyToken(context.Background(), rotated); !errors.Is(err, scim.ErrInvalidToken) {
			t.Fatalf("err = %v, want scim.ErrInvalidToken", err)
		}
		if n := fetches.Load() - before; n != 0 {
			t.Errorf("%d fetches within the refresh interval", n)
		}
		clock = now.Add(6 * time.Minute)
		defer func() { clock = now }()
		if _, err := v.VerifyToken(context.Background(), sign(t, key2, map[string]any{"alg": "RS256", "kid": "k2"},
			claims(with("exp", now.Add(time.Hour).Unix())))); err != nil {
			t.Fatalf("after refresh: %v", err)
		}
		if n := fetches.Load() - before; n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
	})

	t.Run("key set unavailable is not an invalid token", func(t *testing.T) {
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
		}))
		defer down.Close()
		v2, err := entra.NewTokenVerifier(entra.TokenConfig{TenantID: tenant, JWKSURL: down.URL, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v2.VerifyToken(context.Background(), valid)
		if err == nil || errors.Is(err, scim.ErrInvalidToken) {
			t.Errorf("err = %v, want a server error", err)
		}
	})

	t.Run("config errors", func(t *testing.T) {
		for _, c := range []entra.TokenConfig{{}, {TenantID: tenant, JWKSURL: "http://keys.example.com/"}} {
			if _, err := entra.NewTokenVerifier(c); err == nil {
				t.Errorf("NewTokenVerifier(%+v) succeeded", c)
			}
		}
	})
}
