package tokens_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
	"github.com/scimkit/scim/tokens"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, err := tokens.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok, tokens.Prefix) {
			t.Fatalf("token %q lacks prefix %q", tok, tokens.Prefix)
		}
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, tokens.Prefix))
		if err != nil {
			t.Fatalf("token body is not base64url: %v", err)
		}
		if len(raw) < 32 {
			t.Fatalf("token carries %d random bytes, want >= 32", len(raw))
		}
		if seen[tok] {
			t.Fatalf("duplicate token %q", tok)
		}
		seen[tok] = true
	}
}

func TestHint(t *testing.T) {
	tests := []struct {
		name, token, want string
	}{
		{"generated", "scim_abcdefghijklmnopXy3Q", "scim_…Xy3Q"},
		{"foreign", "0123456789abcdefZZ9z", "…ZZ9z"},
		{"short foreign", "x", "…"},
		{"short generated", "scim_abcd", "scim_…"},
		{"empty", "", "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokens.Hint(tt.token); got != tt.want {
				t.Errorf("Hint(%q) = %q, want %q", tt.token, got, tt.want)
			}
		})
	}
}

func TestHashTextRoundTrip(t *testing.T) {
	h := tokens.HashToken("scim_secret")
	b, err := json.Marshal(tokens.Record{ID: "tok_1", Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), h.String()) {
		t.Errorf("JSON %s does not carry the hex digest %s", b, h)
	}
	var r tokens.Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Hash != h {
		t.Errorf("hash after round trip = %s, want %s", r.Hash, h)
	}
	if err := json.Unmarshal([]byte(`{"hash":"abc"}`), &r); err == nil {
		t.Error("short hex digest accepted")
	}
}

func TestVerifierLifecycle(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := tokens.NewMemoryStore()
	v := tokens.NewVerifier(st, tokens.WithClock(clk.now), tokens.WithTouchInterval(0))

	first, rec1, err := v.Issue(ctx, "advisors")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := v.Issue(ctx, "rooms")
	if err != nil {
		t.Fatal(err)
	}
	if rec1.Hint != tokens.Hint(first) || rec1.Hash != tokens.HashToken(first) {
		t.Errorf("record %+v does not describe the issued token", rec1)
	}

	verify := func(tok string) (scim.Principal, error) { return v.VerifyToken(ctx, tok) }

	p, err := verify(first)
	if err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	if diff := cmp.Diff(scim.Principal{Tenant: "advisors", Subject: "token:" + rec1.ID}, p); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}
	if p, _ := verify(other); p.Tenant != "rooms" {
		t.Errorf("rooms token authenticated as tenant %q", p.Tenant)
	}

	// Rotation overlaps: both tokens work until the old one is revoked.
	clk.add(time.Hour)
	second, rec2, err := v.Issue(ctx, "advisors")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{first, second} {
		if _, err := verify(tok); err != nil {
			t.Errorf("token during overlap refused: %v", err)
		}
	}
	if err := v.Revoke(ctx, "advisors", rec1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(first); !errors.Is(err, scim.ErrInvalidToken) {
		t.Errorf("revoked token: err = %v, want ErrInvalidToken", err)
	}
	if _, err := verify(second); err != nil {
		t.Errorf("new token refused after revoking the old one: %v", err)
	}

	// Revoking another connection's token is not possible.
	if err := v.Revoke(ctx, "rooms", rec2.ID); !errors.Is(err, tokens.ErrNotFound) {
		t.Errorf("cross-connection revoke: err = %v, want ErrNotFound", err)
	}

	// End the connection: every live token revoked, other connections untouched.
	n, err := v.RevokeAll(ctx, "advisors")
	if err != nil || n != 1 {
		t.Fatalf("RevokeAll = %d, %v; want 1, nil", n, err)
	}
	if _, err := verify(second); !errors.Is(err, scim.ErrInvalidToken) {
		t.Errorf("token after RevokeAll: err = %v, want ErrInvalidToken", err)
	}
	if _, err := verify(other); err != nil {
		t.Errorf("other connection's token refused: %v", err)
	}

	recs, err := v.Tokens(ctx, "advisors")
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID               string
		Live             bool
		Created, Revoked time.Time
		LastUsed         time.Time
	}
	var got []row
	for _, r := range recs {
		got = append(got, row{r.ID, r.Live(), r.CreatedAt, r.RevokedAt, r.LastUsedAt})
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	want := []row{
		{rec1.ID, false, t0, t0.Add(time.Hour), t0.Add(time.Hour)},
		{rec2.ID, false, t0.Add(time.Hour), t0.Add(time.Hour), t0.Add(time.Hour)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	v := tokens.NewVerifier(tokens.NewMemoryStore())
	tok, _, err := v.Issue(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, token string
	}{
		{"empty", ""},
		{"unknown", "scim_nope"},
		{"truncated", tok[:len(tok)-1]},
		{"case changed", strings.ToUpper(tok)},
		{"hint", tokens.Hint(tok)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := v.VerifyToken(ctx, tt.token); !errors.Is(err, scim.ErrInvalidToken) {
				t.Errorf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// lyingStore returns a record for any digest, like a store matching too
// loosely; the verifier's constant-time comparison must catch it.
type lyingStore struct{ tokens.Store }

func (l lyingStore) TokenByHash(ctx context.Context, _ tokens.Hash) (tokens.Record, error) {
	return tokens.Record{ID: "tok_x", Connection: "c1", Hash: tokens.HashToken("the real one")}, nil
}

func TestVerifyComparesDigest(t *testing.T) {
	v := tokens.NewVerifier(lyingStore{tokens.NewMemoryStore()})
	if _, err := v.VerifyToken(context.Background(), "something else"); !errors.Is(err, scim.ErrInvalidToken) {
		t.Errorf("err = %v, want ErrInvalidToken", err)
	}
}

type failingStore struct{ tokens.Store }

var errDown = errors.New("database down")

func (failingStore) TokenByHash(context.Context, tokens.Hash) (tokens.Record, error) {
	return tokens.Record{}, errDown
}

func TestVerifyStoreFailureIsNotInvalidToken(t *testing.T) {
	v := tokens.NewVerifier(failingStore{tokens.NewMemoryStore()})
	_, err := v.VerifyToken(context.Background(), "scim_x")
	if !errors.Is(err, errDown) || errors.Is(err, scim.ErrInvalidToken) {
		t.Errorf("err = %v, want the store's error and not ErrInvalidToken (a 500, not a 401)", err)
	}
}

func TestTouchInterval(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	st := tokens.NewMemoryStore()
	v := tokens.NewVerifier(st, tokens.WithClock(clk.now), tokens.WithTouchInterval(time.Minute))
	tok, rec, err := v.Issue(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		rs, err := st.ConnectionTokens(ctx, "c1")
		if err != nil || len(rs) != 1 {
			t.Fatalf("ConnectionTokens = %v, %v", rs, err)
		}
		return rs[0].LastUsedAt
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    time.Time
	}{
		{"first use writes", 0, rec.CreatedAt},
		{"within interval keeps", 30 * time.Second, rec.CreatedAt},
		{"after interval writes", 31 * time.Second, rec.CreatedAt.Add(61 * time.Second)},
	}
	for _, s := range steps {
		clk.add(s.advance)
		if _, err := v.VerifyToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if got := lastUsed(); !got.Equal(s.want) {
			t.Errorf("%s: LastUsedAt = %v, want %v", s.name, got, s.want)
		}
	}
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	v := tokens.NewVerifier(tokens.NewMemoryStore())
	if _, err := v.Import(ctx, "default", "x"); err != nil {
		t.Fatal(err)
	}
	if p, err := v.VerifyToken(ctx, "x"); err != nil || p.Tenant != "default" {
		t.Errorf("imported token: %v, %v", p, err)
	}
	if _, err := v.Import(ctx, "default", "x"); err == nil {
		t.Error("importing the same token twice succeeded")
	}
	if _, err := v.Import(ctx, "default", ""); err == nil {
		t.Error("empty token imported")
	}
	if _, err := v.Import(ctx, "", "y"); err == nil {
		t.Error("token without connection imported")
	}
}

func TestMemoryStoreRecordsLoad(t *testing.T) {
	ctx := context.Background()
	a := tokens.NewMemoryStore()
	v := tokens.NewVerifier(a)
	tok, _, err := v.Issue(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	b := tokens.NewMemoryStore()
	if err := b.Load(a.Records()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(a.Records(), b.Records()); diff != "" {
		t.Errorf("loaded records (-want +got):\n%s", diff)
	}
	if _, err := tokens.NewVerifier(b).VerifyToken(ctx, tok); err != nil {
		t.Errorf("token refused after Load: %v", err)
	}
	if err := b.Load(a.Records()); err == nil {
		t.Error("loading duplicates succeeded")
	}
}

func TestConcurrentVerify(t *testing.T) {
	ctx := context.Background()
	v := tokens.NewVerifier(tokens.NewMemoryStore(), tokens.WithTouchInterval(0))
	tok, rec, err := v.Issue(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err := v.VerifyToken(ctx, tok); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, _, err := v.Issue(ctx, "c1"); err != nil {
			t.Error(err)
		}
	}()
	wg.Wait()
	if err := v.Revoke(ctx, "c1", rec.ID); err != nil {
		t.Fatal(err)
	}
}
