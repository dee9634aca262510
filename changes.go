package scim

import (
	"context"
	"sync"
)

// changeLog serializes change reports so Seq follows report order.
type changeLog struct {
	mu  sync.Mutex
	seq uint64
}

// emit reports a committed change to the host's change hook.
func (h *Handler) emit(ctx context.Context, rq *request, c Change) {
	if h.cfg.changeHook == nil {
		return
	}
	c.Principal = rq.ev.Principal
	h.changes.mu.Lock()
	defer h.changes.mu.Unlock()
	h.changes.seq++
	c.Seq = h.changes.seq
	c.Time = h.cfg.now().UTC()
	h.cfg.changeHook(ctx, c)
}

func (h *Handler) emitUser(ctx context.Context, rq *request, kind ChangeKind, id string, u *User) {
	if h.cfg.changeHook == nil {
		return
	}
	c := Change{Kind: kind, ResourceType: "User", ResourceID: id}
	if u != nil {
		c.User, c.Version = u.Clone(), u.Meta.Version
	}
	h.emit(ctx, rq, c)
}

func (h *Handler) emitGroup(ctx context.Context, rq *request, kind ChangeKind, id string, g *Group, members []MemberChange) {
	if h.cfg.changeHook == nil {
		return
	}
	c := Change{Kind: kind, ResourceType: "Group", ResourceID: id, Members: members}
	if g != nil {
		c.Group = g.Clone()
		c.Group.Members = nil
		c.Version = g.Meta.Version
	}
	h.emit(ctx, rq, c)
}

// allow runs the host's policy, if any.
func (h *Handler) allow(ctx context.Context, rq *request, w Write) error {
	if h.cfg.policy == nil {
		return nil
	}
	w.Principal = rq.ev.Principal
	return h.cfg.policy(ctx, w)
}

// userChange maps the operation a user write performed to its change kind.
func userChange(op Operation) ChangeKind {
	switch op {
	case OpDeactivate:
		return UserDeactivated
	case OpReactivate:
		return UserReactivated
	case OpCreate:
		return UserCreated
	case OpDelete:
		return UserDeleted
	}
	return UserUpdated
}
