package store_test

import (
	"mietwerk.dev/mietwerk/idempotency"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

func TestIdempotencyKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		other := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[1].ID, APIClientID: 8})
		r, first, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h1", time.Minute)
		if err != nil || r != nil || !first {
			t.Fatalf("first: %v %v %v", r, first, err)
		}
		if _, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h1", time.Minute); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("concurrent: %v", err)
		}
		if r, _, err := s.BeginIdempotent(other, "k", "POST", "/b", "h1", time.Minute); err != nil || r != nil {
			t.Fatalf("other tenant shares the key: %v %v", r, err)
		}
		mustNil(t, s.FinishIdempotent(ctx, "k", idempotency.Response{StatusCode: 201, ContentType: "application/json", Body: []byte(`{"a":1}`)}))
		r, _, err = s.BeginIdempotent(ctx, "k", "POST", "/b", "h1", time.Minute)
		if err != nil || r == nil || r.StatusCode != 201 || string(r.Body) != `{"a":1}` {
			t.Fatalf("replay: %+v %v", r, err)
		}
		if _, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h2", time.Minute); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("other body: %v", err)
		}
		// a lock whose process died is taken over; a released key is free
		_, _, err = s.BeginIdempotent(ctx, "dead", "POST", "/b", "h", time.Minute)
		mustNil(t, err)
		clk.Advance(2 * time.Minute)
		// taken over: the dead request may have begun its work (not first)
		if r, first, err := s.BeginIdempotent(ctx, "dead", "POST", "/b", "h", time.Minute); err != nil || r != nil || first {
			t.Fatalf("take over: %v %v %v", r, first, err)
		}
		mustNil(t, s.ReleaseIdempotent(ctx, "dead"))
		if r, first, err := s.BeginIdempotent(ctx, "dead", "POST", "/b", "other", time.Minute); err != nil || r != nil || !first {
			t.Fatalf("after release: %v %v %v", r, first, err)
		}
		// after 24 h the key is new again, and purged
		clk.Advance(25 * time.Hour)
		if r, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h2", time.Minute); err != nil || r != nil {
			t.Fatalf("expired: %v %v", r, err)
		}
		n, err := s.PurgeIdempotencyKeys(as(identity.System()))
		if err != nil || n != 2 {
			t.Fatalf("purge: %d %v", n, err)
		}
	})
}

func TestRateLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		clk.t = clk.t.Truncate(time.Minute).Add(20 * time.Second)
		for i := range 3 {
			ok, _, err := s.TakeRate(ctx, 3, time.Minute)
			if err != nil || !ok {
				t.Fatalf("request %d: %v %v", i, ok, err)
			}
		}
		ok, retry, err := s.TakeRate(ctx, 3, time.Minute)
		if err != nil || ok || retry != 40*time.Second {
			t.Fatalf("over limit: %v %v %v", ok, retry, err)
		}
		clk.Advance(41 * time.Second)
		if ok, _, err := s.TakeRate(ctx, 3, time.Minute); err != nil || !ok {
			t.Fatalf("next window: %v %v", ok, err)
		}
		mustNil(t, s.PurgeRateBuckets(as(identity.System()), clk.t))
	})
}
