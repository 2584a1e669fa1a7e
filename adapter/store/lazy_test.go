package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/identity"
)

// TestLazyWritesLeaveConnectionsDurable: rate counters and idempotency
// claims are committed without waiting for the disk, and afterwards every pooled SQLite
// connection is back at synchronous=FULL (PostgreSQL's setting is per
// transaction); the counts themselves are exact.
func TestLazyWritesLeaveConnectionsDurable(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID,
			APIClientID: 7, Name: "web"})
		if s.Dialect() == store.Postgres {
			// The test server commits asynchronously by default, so a
			// leaked "off" would look like the default: make this
			// database's default "on" and do everything on one connection.
			var db string
			mustNil(t, s.DB().QueryRow(`SELECT current_database()`).Scan(&db))
			_, err := s.DB().Exec(`ALTER DATABASE ` + db + ` SET synchronous_commit = on`)
			mustNil(t, err)
			s.DB().SetMaxIdleConns(0) // connections opened from now on see the new default
			s.DB().SetMaxOpenConns(1)
			s.DB().SetMaxIdleConns(1)
		}
		for i := 1; i <= 12; i++ {
			ok, _, err := s.TakeRate(ctx, 10, time.Minute)
			mustNil(t, err)
			if ok != (i <= 10) {
				t.Fatalf("request %d allowed = %v", i, ok)
			}
			// the idempotency claim is a lazy transaction on both databases
			replay, _, err := s.BeginIdempotent(ctx, fmt.Sprint("lazy-", i), "POST", "/api/v1/bookings", "h", time.Minute)
			mustNil(t, err)
			if replay != nil {
				t.Fatalf("key %d replayed %+v", i, replay)
			}
		}
		if s.Dialect() == store.Postgres {
			var v string
			mustNil(t, s.DB().QueryRow(`SHOW synchronous_commit`).Scan(&v))
			if v != "on" {
				t.Fatalf("synchronous_commit = %s on the connection after lazy writes, want on", v)
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
