package store_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/store"
)

// TestLazyWritesLeaveConnectionsDurable: rate counters are committed
// without waiting for the disk, and afterwards every pooled SQLite
// connection is back at synchronous=FULL (PostgreSQL's setting is per
// transaction); the counts themselves are exact.
func TestLazyWritesLeaveConnectionsDurable(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID,
			APIClientID: 7, Name: "web"})
		for i := 1; i <= 12; i++ {
			ok, _, err := s.TakeRate(ctx, 10, time.Minute)
			mustNil(t, err)
			if ok != (i <= 10) {
				t.Fatalf("request %d allowed = %v", i, ok)
			}
		}
		if s.Dialect() == store.Postgres {
			var cur, reset string
			mustNil(t, s.DB().QueryRow(`SELECT setting, reset_val FROM pg_settings WHERE name = 'synchronous_commit'`).Scan(&cur, &reset))
			if cur != reset {
				t.Fatalf("synchronous_commit = %s after lazy writes, the server's is %s", cur, reset)
			}
			return
		}
		conns := make([]interface{ Close() error }, 0, 4)
		for range 4 { // the whole pool at once
			c, err := s.DB().Conn(context.Background())
			mustNil(t, err)
			conns = append(conns, c)
			var mode int
			mustNil(t, c.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&mode))
			if mode != 2 {
				t.Fatalf("a pooled connection has synchronous = %d, want 2 (FULL)", mode)
			}
		}
		for _, c := range conns {
			c.Close()
		}
	})
}
