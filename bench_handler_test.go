package scim_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/entra"
	"github.com/scimkit/scim/memstore"
)

// The benchmarks below drive the real handler (memstore, entra.Compat, as
// the example server runs it) with the requests Microsoft Entra ID sends,
// and next to each one a bare http.HandlerFunc that checks the token,
// reads the body and writes the very bytes the handler answered. The ratio
// bare/scim (ns/op) is the handler's share of the physical limit; the load
// tool (cmd/scimload) measures the same over real connections.
//
//	go test -run '^$' -bench BenchmarkEntra -benchmem .
//	go test -run '^$' -bench 'BenchmarkEntra/match_100k' -cpuprofile cpu.out .

const benchToken = "bench-token"

// benchFixture is a handler over a memstore with n seeded users.
type benchFixture struct {
	h     *scim.Handler
	ids   []string
	names []string
	group string
}

func newBenchFixture(b *testing.B, n int) *benchFixture {
	b.Helper()
	st := memstore.New()
	h, err := scim.New(st, scim.StaticTokens(benchToken),
		scim.WithBaseURL("http://127.0.0.1:8080/scim/v2"),
		scim.WithGroups(st),
		entra.Compat(),
	)
	if err != nil {
		b.Fatal(err)
	}
	f := &benchFixture{h: h, ids: make([]string, n), names: make([]string, n)}
	ctx := context.Background()
	active := true
	for i := range n {
		name := "user" + strconv.Itoa(i) + "@contoso.example"
		u, err := st.CreateUser(ctx, &scim.User{
			ExternalID:  "ext-" + strconv.Itoa(i),
			UserName:    name,
			DisplayName: "Given" + strconv.Itoa(i) + " Family",
			Title:       "Retail Manager",
			Active:      &active,
			Name:        &scim.Name{Formatted: "Given Family", GivenName: "Given" + strconv.Itoa(i), FamilyName: "Family"},
			Emails:      []scim.MultiValue{{Value: name, Type: "work", Primary: true}},
			PhoneNumbers: []scim.MultiValue{
				{Value: "+1 425 555 0109", Type: "mobile"},
			},
			Addresses:  []scim.Address{{Type: "work", Formatted: "Building 4, Room 210", Country: "US"}},
			Enterprise: &scim.EnterpriseUser{EmployeeNumber: strconv.Itoa(10000 + i), Department: "Retail"},
		})
		if err != nil {
			b.Fatal(err)
		}
		f.ids[i], f.names[i] = u.ID, name
	}
	g, err := st.CreateGroup(ctx, &scim.Group{DisplayName: "Finance EMEA", ExternalID: "e1b7c3a9"})
	if err != nil {
		b.Fatal(err)
	}
	f.group = g.ID
	return f
}

// discardWriter is a reusable http.ResponseWriter that keeps the status
// and (optionally) the body of the last response.
type discardWriter struct {
	h      http.Header
	status int
	keep   bool
	body   bytes.Buffer
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.keep {
		w.body.Write(p)
	}
	return len(p), nil
}
func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
	w.body.Reset()
}

// benchCase is one Entra request kind: req builds the i-th request.
type benchCase struct {
	name string
	fix  *benchFixture
	req  func(i int) *http.Request
}

func newBenchRequest(method, target string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Header.Set("Authorization", "Bearer "+benchToken)
	if body != nil {
		r.Header.Set("Content-Type", "application/scim+json")
	}
	return r
}

const benchPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
{"op":"Replace","path":"displayName","value":"Adele Vance %d"},
{"op":"Replace","path":"name.givenName","value":"Adele%d"},
{"op":"Replace","path":"emails[type eq \"work\"].value","value":"adele%d@contoso.example"},
{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Dept %d"},
{"op":"Replace","path":"active","value":"True"}]}`

const benchPost = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
"externalId":"ext-post-%[1]d","userName":"post%[1]d@contoso.example","active":true,"displayName":"Adele Vance",
"title":"Retail Manager","emails":[{"primary":true,"type":"work","value":"post%[1]d@contoso.example"}],
"phoneNumbers":[{"type":"mobile","value":"+1 425 555 0109"}],
"addresses":[{"type":"work","formatted":"Building 4, Room 210","country":"US"}],
"name":{"formatted":"Adele Vance","familyName":"Vance","givenName":"Adele"},"meta":{"resourceType":"User"},"roles":[],
"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"%[1]d","department":"Retail"}}`

func matchTarget(name string) string {
	return "/Users?filter=" + url.QueryEscape(`userName eq "`+name+`"`)
}

func BenchmarkEntra(b *testing.B) {
	small := newBenchFixture(b, 1000)
	large := newBenchFixture(b, 100_000)
	pick := func(f *benchFixture, i int) int { return (i * 7919) % len(f.ids) }
	cases := []benchCase{
		{"match_1k", small, func(i int) *http.Request {
			return newBenchRequest("GET", matchTarget(small.names[pick(small, i)]), nil)
		}},
		{"match_100k", large, func(i int) *http.Request {
			return newBenchRequest("GET", matchTarget(large.names[pick(large, i)]), nil)
		}},
		{"get", large, func(i int) *http.Request {
			return newBenchRequest("GET", "/Users/"+large.ids[pick(large, i)], nil)
		}},
		{"post", small, func(i int) *http.Request {
			return newBenchRequest("POST", "/Users", fmt.Appendf(nil, benchPost, i))
		}},
		{"patch_entra", large, func(i int) *http.Request {
			return newBenchRequest("PATCH", "/Users/"+large.ids[pick(large, i)], fmt.Appendf(nil, benchPatch, i, i, i, i%50))
		}},
		{"list_100_of_1k", small, func(i int) *http.Request {
			return newBenchRequest("GET", "/Users?startIndex="+strconv.Itoa(1+i%900)+"&count=100", nil)
		}},
		{"list_100_of_100k", large, func(i int) *http.Request {
			return newBenchRequest("GET", "/Users?startIndex="+strconv.Itoa(1+(i*7919)%99900)+"&count=100", nil)
		}},
		{"member_add", large, func(i int) *http.Request {
			return newBenchRequest("PATCH", "/Groups/"+large.group, fmt.Appendf(nil,
				`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"members","value":[{"$ref":null,"value":%q}]}]}`,
				large.ids[pick(large, i)]))
		}},
	}
	// POST needs unique userNames across all runs of the sub-benchmark.
	seq := 0
	for _, c := range cases {
		// Capture the handler's real answer once; bare writes the same bytes.
		probe := &discardWriter{h: http.Header{}, keep: true}
		c.fix.h.ServeHTTP(probe, c.req(1_000_000_000))
		if probe.status/100 != 2 {
			b.Fatalf("%s: probe answered %d: %s", c.name, probe.status, probe.body.String())
		}
		status, ctype, body := probe.status, probe.h.Get("Content-Type"), bytes.Clone(probe.body.Bytes())
		want := "Bearer " + benchToken
		bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			if r.Header.Get("Authorization") != want {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			w.Write(body)
		})
		for _, impl := range []struct {
			name string
			h    http.Handler
		}{{"scim", c.fix.h}, {"bare", bare}} {
			b.Run(c.name+"/"+impl.name, func(b *testing.B) {
				w := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					seq++
					r := c.req(seq)
					w.reset()
					impl.h.ServeHTTP(w, r)
					if w.status/100 != 2 {
						b.Fatalf("status %d", w.status)
					}
				}
			})
		}
	}
}
