package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/scimkit/scim"
)

// Notification is what the product did in reaction to a provisioning
// change: the e-mails a real product would send (welcome, licence removed)
// and the sessions it revoked.
type Notification struct {
	Time       time.Time `json:"time"`
	Connection string    `json:"connection"`
	Kind       string    `json:"kind"` // the scim.ChangeKind
	UserID     string    `json:"userId,omitempty"`
	UserName   string    `json:"userName,omitempty"`
	// Message is the (simulated) e-mail or action, for the admin page.
	Message string `json:"message"`
	// SessionsRevoked counts the sessions ended by this change.
	SessionsRevoked int `json:"sessionsRevoked"`
}

// Session is a simulated sign-in of a provisioned user. Provisioning a user
// signs them in (as if they had used SSO right away), so deprovisioning has
// something to revoke.
type Session struct {
	ID         string    `json:"id"`
	Connection string    `json:"connection"`
	UserID     string    `json:"userId"`
	UserName   string    `json:"userName"`
	CreatedAt  time.Time `json:"createdAt"`
	RevokedAt  time.Time `json:"revokedAt,omitzero"`
}

// activity keeps notifications (bounded) and the session table.
type activity struct {
	mu       sync.Mutex
	capacity int
	notes    []Notification // oldest first; the newest capacity are shown
	sessions []*Session
	byUser   map[string][]*Session // connection/userID -> that user's sessions
	names    map[string]string     // connection/userID -> userName, for deletes
	nextSess int
}

func newActivity(capacity int) *activity {
	return &activity{capacity: capacity, names: map[string]string{}, byUser: map[string][]*Session{}}
}

func emailOf(u *scim.User) string {
	if u == nil {
		return "the user"
	}
	for _, e := range u.Emails {
		if e.Value != "" && (e.Type == "work" || e.Primary) {
			return e.Value
		}
	}
	if len(u.Emails) > 0 && u.Emails[0].Value != "" {
		return u.Emails[0].Value
	}
	return u.UserName
}

// onChange is the scim.WithChangeHook of every connection.
func (a *activity) onChange(conn string, ch scim.Change) {
	if ch.ResourceType != "User" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	key := conn + "/" + ch.ResourceID
	n := Notification{Time: ch.Time.UTC(), Connection: conn, Kind: string(ch.Kind), UserID: ch.ResourceID}
	if n.Time.IsZero() {
		n.Time = time.Now().UTC()
	}
	if ch.User != nil {
		a.names[key] = ch.User.UserName
	}
	n.UserName = a.names[key]
	switch ch.Kind {
	case scim.UserCreated:
		if ch.User != nil && ch.User.IsActive() {
			a.startSession(conn, ch.ResourceID, n.UserName, n.Time)
			n.Message = fmt.Sprintf("welcome e-mail to %s: a seat was assigned", emailOf(ch.User))
		} else {
			n.Message = "user created inactive: no seat assigned"
		}
	case scim.UserReactivated:
		a.startSession(conn, ch.ResourceID, n.UserName, n.Time)
		n.Message = fmt.Sprintf("e-mail to %s: access restored", emailOf(ch.User))
	case scim.UserDeactivated, scim.UserDeleted:
		n.SessionsRevoked = a.revokeSessions(conn, ch.ResourceID, n.Time)
		verb := "deactivated"
		if ch.Kind == scim.UserDeleted {
			verb = "deleted"
			delete(a.names, key)
		}
		to := n.UserName
		if ch.User != nil {
			to = emailOf(ch.User)
		}
		n.Message = fmt.Sprintf("user %s: %d session(s) revoked, seat freed, e-mail to %s: your access was removed", verb, n.SessionsRevoked, to)
	default:
		return // ordinary updates need no reaction
	}
	a.notes = append(a.notes, n)
	if len(a.notes) > 2*a.capacity {
		// Trim in bulk, not on every append once full: copying the whole
		// list per notice made every provisioning write pay for it.
		a.notes = append(a.notes[:0:0], a.notes[len(a.notes)-a.capacity:]...)
	}
}

func (a *activity) startSession(conn, userID, userName string, at time.Time) {
	a.nextSess++
	s := &Session{
		ID: fmt.Sprintf("sess-%d", a.nextSess), Connection: conn, UserID: userID, UserName: userName, CreatedAt: at,
	}
	a.sessions = append(a.sessions, s)
	a.byUser[conn+"/"+userID] = append(a.byUser[conn+"/"+userID], s)
	if len(a.sessions) > 10*a.capacity {
		// Keep the simulation bounded: drop the oldest tenth at once (so
		// trimming is rare) and rebuild the per-user index.
		a.sessions = append(a.sessions[:0:0], a.sessions[len(a.sessions)-9*a.capacity:]...)
		a.byUser = make(map[string][]*Session, len(a.byUser))
		for _, s := range a.sessions {
			k := s.Connection + "/" + s.UserID
			a.byUser[k] = append(a.byUser[k], s)
		}
	}
}

func (a *activity) revokeSessions(conn, userID string, at time.Time) int {
	n := 0
	for _, s := range a.byUser[conn+"/"+userID] {
		if s.RevokedAt.IsZero() {
			s.RevokedAt = at
			n++
		}
	}
	return n
}

// notifications returns a connection's notifications, newest first.
func (a *activity) notifications(conn string) []Notification {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []Notification{}
	for i := len(a.notes) - 1; i >= max(0, len(a.notes)-a.capacity); i-- {
		if a.notes[i].Connection == conn {
			out = append(out, a.notes[i])
		}
	}
	return out
}

// sessionList returns a connection's sessions, newest first.
func (a *activity) sessionList(conn string) []Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []Session{}
	for i := len(a.sessions) - 1; i >= 0; i-- {
		if a.sessions[i].Connection == conn {
			out = append(out, *a.sessions[i])
		}
	}
	return out
}
