package scim

import (
	"context"
	"errors"
	"time"
)

// ChangeKind names a committed change reported to WithChangeHook.
type ChangeKind string

// The change kinds.
const (
	UserCreated     ChangeKind = "user.created"
	UserUpdated     ChangeKind = "user.updated"
	UserDeactivated ChangeKind = "user.deactivated" // active went from true to false (Entra soft delete, Okta deactivation)
	UserReactivated ChangeKind = "user.reactivated" // active went from false to true
	UserDeleted     ChangeKind = "user.deleted"
	GroupCreated    ChangeKind = "group.created"
	GroupUpdated    ChangeKind = "group.updated" // attributes or members changed
	GroupDeleted    ChangeKind = "group.deleted"
)

// Change is a write the store committed, for hosts to act on (send a
// welcome mail, revoke sessions on deactivation, free a seat on delete).
// Changes are reported only after the store acknowledged the write, never
// for failed or refused requests.
type Change struct {
	// Seq increases by one with every change this Handler reports, in the
	// order they are reported; hosts can use (handler, Seq) or
	// (ResourceID, Version) to make their handling idempotent.
	Seq          uint64
	Kind         ChangeKind
	Time         time.Time
	Principal    Principal
	ResourceType string // "User" or "Group"
	ResourceID   string
	// Version is the resource's Meta.Version after the change ("" for
	// deletes or stores without versions).
	Version string
	// User is the user after the change (nil for deletes and groups).
	User *User
	// Group is the group after the change, without members (nil for
	// deletes and users).
	Group *Group
	// Members lists the membership deltas of a group PATCH, or nil.
	Members []MemberChange
}

// WithChangeHook registers a function called once for every committed
// change, synchronously and in Seq order (calls are serialized per
// Handler, so a slow hook slows writes). The values passed belong to the
// hook. Default: none.
func WithChangeHook(f func(context.Context, Change)) Option {
	return optionFunc(func(c *config) error {
		if f == nil {
			return errors.New("scim: WithChangeHook(nil)")
		}
		c.changeHook = f
		return nil
	})
}

// Write describes a write about to be made, for a Policy to allow or
// refuse.
type Write struct {
	Kind         ChangeKind
	Principal    Principal
	ResourceType string
	ResourceID   string // "" on create
	// Before is the current state (nil on create); After the state to be
	// written (nil on delete). For groups they are *Group without members;
	// for users *User.
	Before, After any
}

// A Policy decides whether a write may happen. Returning an error refuses
// it: return a *Error to choose the status and the detail the IdP admin
// reads (for a seat limit, e.g. &scim.Error{Status: 403, Detail: "licence
// for 50 active users exhausted"}); any other error is a 500. The policy
// runs before the store is called and must not assume it holds a lock: two
// concurrent writes may both pass, so treat limits as soft or enforce them
// again in the store.
type Policy func(ctx context.Context, w Write) error

// WithPolicy installs p, called before every create, replace, patch and
// delete of users and groups. Default: allow everything.
func WithPolicy(p Policy) Option {
	return optionFunc(func(c *config) error {
		if p == nil {
			return errors.New("scim: WithPolicy(nil)")
		}
		c.policy = p
		return nil
	})
}
