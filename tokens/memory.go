package tokens

import (
	"context"
	"errors"
	"sync"
	"time"
)

// MemoryStore is a Store kept in memory, for tests, examples and hosts that
// persist records themselves (Records and Load). The zero value is not
// usable; call NewMemoryStore. It is safe for concurrent use.
type MemoryStore struct {
	mu     sync.RWMutex
	byHash map[Hash]*Record
	byID   map[string]*Record
	order  []*Record
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{byHash: map[Hash]*Record{}, byID: map[string]*Record{}}
}

// InsertToken implements Store.
func (m *MemoryStore) InsertToken(_ context.Context, r Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.insert(r)
}

func (m *MemoryStore) insert(r Record) error {
	if _, dup := m.byID[r.ID]; dup {
		return errors.New("tokens: duplicate token id")
	}
	if _, dup := m.byHash[r.Hash]; dup {
		return errors.New("tokens: duplicate token")
	}
	c := r
	m.byID[r.ID], m.byHash[r.Hash] = &c, &c
	m.order = append(m.order, &c)
	return nil
}

// TokenByHash implements Store.
func (m *MemoryStore) TokenByHash(_ context.Context, h Hash) (Record, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.byHash[h]
	if !ok {
		return Record{}, ErrNotFound
	}
	return *r, nil
}

// ConnectionTokens implements Store.
func (m *MemoryStore) ConnectionTokens(_ context.Context, connection string) ([]Record, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := []Record{}
	for _, r := range m.order {
		if r.Connection == connection {
			out = append(out, *r)
		}
	}
	return out, nil
}

// RevokeToken implements Store.
func (m *MemoryStore) RevokeToken(_ context.Context, connection, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byID[id]
	if !ok || r.Connection != connection {
		return ErrNotFound
	}
	if r.RevokedAt.IsZero() {
		r.RevokedAt = at
	}
	return nil
}

// TouchToken implements Store.
func (m *MemoryStore) TouchToken(_ context.Context, id string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byID[id]
	if !ok {
		return ErrNotFound
	}
	if at.After(r.LastUsedAt) {
		r.LastUsedAt = at
	}
	return nil
}

// Records returns a copy of every record, in insertion order, for a host
// that saves the store (for example as JSON) and restores it with Load.
func (m *MemoryStore) Records() []Record {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Record, len(m.order))
	for i, r := range m.order {
		out[i] = *r
	}
	return out
}

// Load adds records saved with Records. It fails on a duplicate ID or hash
// and then adds none.
func (m *MemoryStore) Load(records []Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids, hashes := map[string]bool{}, map[Hash]bool{}
	for _, r := range records {
		_, dupID := m.byID[r.ID]
		_, dupHash := m.byHash[r.Hash]
		if dupID || dupHash || ids[r.ID] || hashes[r.Hash] {
			return errors.New("tokens: duplicate record in Load")
		}
		ids[r.ID], hashes[r.Hash] = true, true
	}
	for _, r := range records {
		if err := m.insert(r); err != nil {
			return err
		}
	}
	return nil
}
