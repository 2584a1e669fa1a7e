// Package cfgver carries, in one request's context, the configuration
// version of each tenant the request has read (issue 19): the store reads
// a tenant's version once per request — piggy-backed on the API key's
// lookup — and serves the tenant's configuration (settings, stations,
// categories, tariffs, webhook endpoints) from its cache for as long as
// that version is current.
package cfgver

import (
	"context"
	"sync"
)

// Memo is the versions one request has read; safe for concurrent use.
type Memo struct {
	mu sync.Mutex
	v  map[int64]int64
}

type key struct{}

// With returns ctx carrying a fresh, empty Memo.
func With(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, &Memo{})
}

// From returns the Memo ctx carries, or nil.
func From(ctx context.Context) *Memo {
	m, _ := ctx.Value(key{}).(*Memo)
	return m
}

// Get returns the version read for tenant, if one was.
func (m *Memo) Get(tenant int64) (int64, bool) {
	if m == nil {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.v[tenant]
	return v, ok
}

// Set records the version read for tenant; a nil Memo ignores it.
func (m *Memo) Set(tenant, version int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.v == nil {
		m.v = map[int64]int64{}
	}
	m.v[tenant] = version
}

// Forget drops what was read (the request changed configuration itself
// and must read its own change); a nil Memo ignores it.
func (m *Memo) Forget() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.v = nil
}
