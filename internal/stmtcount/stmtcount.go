// Package stmtcount counts the SQL statements run on behalf of one request:
// a Counter travels in the request's context, and the store's PostgreSQL
// tracer adds to it for each statement sent with that context.
package stmtcount

import (
	"context"
	"sync/atomic"
)

// Counter is the number of statements of one request; safe for concurrent use.
type Counter struct{ n atomic.Int64 }

type key struct{}

// With returns ctx carrying a fresh Counter, and that Counter.
func With(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, key{}, c), c
}

// From returns the Counter ctx carries, or nil.
func From(ctx context.Context) *Counter {
	c, _ := ctx.Value(key{}).(*Counter)
	return c
}

// Add adds n statements; a nil Counter ignores it.
func (c *Counter) Add(n int64) {
	if c != nil {
		c.n.Add(n)
	}
}

// Load returns the statements counted so far (0 for a nil Counter).
func (c *Counter) Load() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}
