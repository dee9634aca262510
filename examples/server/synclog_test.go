package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/scimkit/scim"
)

func TestSyncLogBoundedAndFiltered(t *testing.T) {
	l := newSyncLog(3)
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	statuses := []int{200, 401, 201, 403, 200}
	for i, st := range statuses {
		l.add(scim.Event{Time: t0.Add(time.Duration(i) * time.Second), Status: st, Authenticated: st != 401,
			Method: "GET", Path: "/Users", Operation: scim.OpMatch})
	}
	seqs := func(es []SyncEntry) []uint64 {
		var out []uint64
		for _, e := range es {
			out = append(out, e.Seq)
		}
		return out
	}
	tests := []struct {
		name    string
		outcome string
		limit   int
		want    []uint64
	}{
		{"all, newest first, only the last three kept", "", 10, []uint64{5, 4, 3}},
		{"limit", "", 2, []uint64{5, 4}},
		{"failures", "failure", 10, []uint64{4}},
		{"successes", "success", 10, []uint64{5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := l.entries(tt.outcome, tt.limit)
			if diff := cmp.Diff(tt.want, seqs(got)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
		})
	}
	_, st := l.entries("", 0)
	want := SyncStats{
		LastTransfer: t0.Add(4 * time.Second), LastFailure: t0.Add(3 * time.Second),
		Requests: 5, Failures: 2, Unauthorized: 1, Kept: 3,
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
}

func TestActivityDeprovisioning(t *testing.T) {
	a := newActivity(2)
	u := &scim.User{ID: "u1", UserName: "adele@contoso.example"}
	a.onChange("c1", scim.Change{Kind: scim.UserCreated, ResourceType: "User", ResourceID: "u1", User: u})
	a.onChange("c2", scim.Change{Kind: scim.UserCreated, ResourceType: "User", ResourceID: "u1", User: u})
	a.onChange("c1", scim.Change{Kind: scim.UserUpdated, ResourceType: "User", ResourceID: "u1", User: u})
	a.onChange("c1", scim.Change{Kind: scim.UserDeleted, ResourceType: "User", ResourceID: "u1"})

	// Capacity 2: c1's creation notice was pushed out by the two later ones.
	notes := a.notifications("c1")
	if len(notes) != 1 || notes[0].Kind != "user.deleted" || notes[0].SessionsRevoked != 1 || notes[0].UserName != "adele@contoso.example" {
		t.Errorf("c1 notifications = %+v", notes)
	}
	var live []string
	for _, c := range []string{"c1", "c2"} {
		for _, s := range a.sessionList(c) {
			if s.RevokedAt.IsZero() {
				live = append(live, c+"/"+s.UserID)
			}
		}
	}
	if diff := cmp.Diff([]string{"c2/u1"}, live); diff != "" {
		t.Errorf("live sessions (-want +got):\n%s", diff)
	}
	for i := 0; i < 10; i++ {
		a.onChange("c3", scim.Change{Kind: scim.UserDeleted, ResourceType: "User", ResourceID: fmt.Sprint("x", i)})
		if n := len(a.notes); n > 2*2 {
			t.Fatalf("kept %d notifications, want at most twice the capacity 2", n)
		}
	}
	if notes := a.notifications("c3"); len(notes) != 2 || notes[0].UserID != "x9" || notes[1].UserID != "x8" {
		t.Errorf("c3 notifications = %+v, want the newest 2", notes)
	}
}
