package storetest

import (
	"fmt"
	"testing"

	"github.com/scimkit/scim"
	"github.com/scimkit/scim/internal/sqlstore"
)

// Bench runs the store benchmarks at each size: the Entra match query
// (ListUsers userName eq), GetUser, CreateUser, PatchUser changing five
// fields, and AddMembers of one user to a 10,000-member group.
func Bench(b *testing.B, open func(b *testing.B) *sqlstore.Store, sizes ...int) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			s := open(b)
			ctx := ctxFor("bench")
			total := max(n, 10_000+1_000)
			users := make([]*scim.User, total)
			for i := range users {
				users[i] = &scim.User{
					UserName: fmt.Sprintf("User%d@Example.com", i), ExternalID: fmt.Sprint("ext-", i),
					DisplayName: fmt.Sprint("User ", i), Name: &scim.Name{GivenName: "U", FamilyName: fmt.Sprint(i)},
					Emails: []scim.MultiValue{{Value: fmt.Sprintf("user%d@example.com", i), Type: "work", Primary: true}},
				}
			}
			ids, err := s.SeedUsers(ctx, users)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("MatchUserName", func(b *testing.B) {
				i := 0
				for b.Loop() {
					f := &scim.Compare{Path: scim.AttrPath{Name: "userName"}, Op: scim.OpEq, Value: fmt.Sprintf("user%d@example.COM", i*7919%n)}
					page, err := s.ListUsers(ctx, scim.Query{Filter: f, StartIndex: 1, Count: 100})
					if err != nil || page.TotalResults != 1 {
						b.Fatalf("match: %v, %d results", err, page.TotalResults)
					}
					i++
				}
			})
			b.Run("GetUser", func(b *testing.B) {
				i := 0
				for b.Loop() {
					if _, err := s.GetUser(ctx, ids[i*7919%n]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("CreateUser", func(b *testing.B) {
				i := 0
				for b.Loop() {
					_, err := s.CreateUser(ctx, &scim.User{UserName: fmt.Sprintf("new-%d-%d", b.N, i), Emails: []scim.MultiValue{{Value: "x@example.com", Type: "work"}}})
					if err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("PatchUser5Fields", func(b *testing.B) {
				i := 0
				for b.Loop() {
					_, err := s.PatchUser(ctx, ids[i*7919%n], func(u *scim.User) error {
						u.DisplayName = fmt.Sprint("Renamed ", i)
						u.Title = "Title"
						u.Name.GivenName = "G"
						u.Active = new(bool)
						u.Emails[0].Value = fmt.Sprintf("renamed%d@example.com", i)
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run("AddMemberTo10kGroup", func(b *testing.B) {
				ms := make([]scim.Member, 10_000)
				for i := range ms {
					ms[i] = scim.Member{Value: ids[i]}
				}
				g, err := s.CreateGroup(ctx, &scim.Group{DisplayName: fmt.Sprint("big ", b.N), Members: ms})
				if err != nil {
					b.Fatal(err)
				}
				extra := ids[10_000:11_000]
				i := 0
				for b.Loop() {
					m := []scim.Member{{Value: extra[i%len(extra)]}}
					if _, err := s.PatchGroup(ctx, g.ID, scim.GroupPatch{Members: []scim.MemberChange{{Kind: scim.AddMembers, Members: m}}}); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					if _, err := s.PatchGroup(ctx, g.ID, scim.GroupPatch{Members: []scim.MemberChange{{Kind: scim.RemoveMembers, Members: m}}}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					i++
				}
			})
		})
	}
}
