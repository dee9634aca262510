package main

import (
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// SyncEntry is one request the identity provider sent, as the
// synchronization view shows it. It never holds a token or a body.
type SyncEntry struct {
	Seq          uint64    `json:"seq"`
	Time         time.Time `json:"time"`
	Method       string    `json:"method"`
	Path         string    `json:"path"`
	Operation    string    `json:"operation"`
	ResourceType string    `json:"resourceType,omitempty"`
	ResourceID   string    `json:"resourceId,omitempty"`
	Status       int       `json:"status"`
	// Outcome is "success" (status < 400) or "failure".
	Outcome    string   `json:"outcome"`
	ScimType   string   `json:"scimType,omitempty"`
	Detail     string   `json:"detail,omitempty"`
	DurationMS float64  `json:"durationMs"`
	Rules      []string `json:"rules,omitempty"`
	// Authenticated is false for requests refused with 401.
	Authenticated bool `json:"authenticated"`
}

// SyncStats summarises a connection's synchronization.
type SyncStats struct {
	// LastTransfer is when the identity provider last made an authenticated
	// request ("last transfer time" in the seeds' Synchronization view).
	LastTransfer time.Time `json:"lastTransfer,omitzero"`
	LastFailure  time.Time `json:"lastFailure,omitzero"`
	Requests     uint64    `json:"requests"`
	Failures     uint64    `json:"failures"`
	// Unauthorized counts 401s: a wrong, revoked or missing token.
	Unauthorized uint64 `json:"unauthorized"`
	// Kept is how many entries the bounded log holds now.
	Kept int `json:"kept"`
}

// syncLog is a bounded ring of SyncEntry plus counters that never reset.
type syncLog struct {
	mu    sync.Mutex
	ring  []SyncEntry
	next  int // index the next entry goes to
	full  bool
	seq   uint64
	stats SyncStats
}

func newSyncLog(capacity int) *syncLog { return &syncLog{ring: make([]SyncEntry, capacity)} }

func outcome(status int) string {
	if status >= 400 {
		return "failure"
	}
	return "success"
}

func (l *syncLog) add(ev scim.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	e := SyncEntry{
		Seq:           l.seq,
		Time:          ev.Time.UTC(),
		Method:        ev.Method,
		Path:          ev.Path,
		Operation:     string(ev.Operation),
		ResourceType:  ev.ResourceType,
		ResourceID:    ev.ResourceID,
		Status:        ev.Status,
		Outcome:       outcome(ev.Status),
		ScimType:      ev.ScimType,
		Detail:        ev.Detail,
		DurationMS:    float64(ev.Duration.Microseconds()) / 1000,
		Rules:         ev.Rules,
		Authenticated: ev.Authenticated,
	}
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	l.ring[l.next] = e
	l.next = (l.next + 1) % len(l.ring)
	if l.next == 0 {
		l.full = true
	}
	l.stats.Requests++
	if ev.Authenticated {
		l.stats.LastTransfer = e.Time
	}
	if e.Outcome == "failure" {
		l.stats.Failures++
		l.stats.LastFailure = e.Time
	}
	if ev.Status == 401 {
		l.stats.Unauthorized++
	}
}

// entries returns up to limit entries, newest first, whose outcome is
// want ("" for all).
func (l *syncLog) entries(want string, limit int) ([]SyncEntry, SyncStats) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.next
	if l.full {
		n = len(l.ring)
	}
	st := l.stats
	st.Kept = n
	out := []SyncEntry{}
	for i := 1; i <= n && len(out) < limit; i++ {
		e := l.ring[(l.next-i+len(l.ring))%len(l.ring)]
		if want == "" || e.Outcome == want {
			out = append(out, e)
		}
	}
	return out, st
}
