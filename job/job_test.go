package job_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/tenancy"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopPostgres()
	os.Exit(code)
}

// eachDB runs fn on a migrated store with one tenant, on both databases,
// with a clock the test moves.
func eachDB(t *testing.T, fn func(t *testing.T, st *store.Store, tenant int64, clock *atomic.Int64)) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "j.db")
			if d == "postgres" {
				dsn = testenv.PostgresDSN(t)
			}
			var clock atomic.Int64
			clock.Store(time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC).UnixNano())
			st, err := store.Open(context.Background(), dsn, store.Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			tn := tenancy.Tenant{Slug: "t", Name: "Autohaus König", LegalName: "Autohaus König GmbH"}
			if err := st.CreateTenant(identity.WithActor(context.Background(), identity.System()), &tn); err != nil {
				t.Fatal(err)
			}
			fn(t, st, tn.ID, &clock)
		})
	}
}

func TestSafelyTurnsAPanicIntoAnError(t *testing.T) {
	var nilMap map[string]int
	err := job.Safely(func() error { nilMap["x"] = 1; return nil })
	var p *job.PanicError
	if !errors.As(err, &p) || !strings.Contains(p.Error(), "nil map") || !bytes.Contains(p.Stack, []byte("job_test.go")) {
		t.Fatalf("err = %v, want a PanicError with the stack", err)
	}
	want := errors.New("plain")
	if err := job.Safely(func() error { return want }); err != want {
		t.Fatalf("err = %v, want the function's error", err)
	}
}

// TestItemRecordsBacksOffAndClears: a crashing item is logged with its id
// and stack, recorded for staff and held back (1 min); a second failure
// doubles the wait; held items are what the job's listing leaves out; a
// success deletes the record. The records are written as the system even
// when the item runs for a signed-in user.
func TestItemRecordsBacksOffAndClears(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store, tenant int64, clock *atomic.Int64) {
		var logs bytes.Buffer
		now := func() time.Time { return time.Unix(0, clock.Load()).UTC() }
		r := &job.Runner{Store: st, Log: slog.New(slog.NewJSONHandler(&logs, nil)), Now: now}
		user := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenant, UserID: 7, Role: identity.RoleAdmin})
		sys := identity.WithActor(context.Background(), identity.SystemFor(tenant))
		poison := job.Subject{Kind: job.KindReservation, ID: 4711, TenantID: tenant}
		other := job.Subject{Kind: job.KindReservation, ID: 4712, TenantID: tenant}

		err := r.Item(user, "booking.finish_pending", poison, func() error { var p *int; return errors.New(string(rune(*p))) })
		var pe *job.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want a PanicError", err)
		}
		if !strings.Contains(logs.String(), `"reservation_id":4711`) || !strings.Contains(logs.String(), `"stack":"goroutine`) ||
			!strings.Contains(logs.String(), "nil pointer dereference") {
			t.Errorf("log lacks the item id, the panic or the stack:\n%s", logs.String())
		}
		if err := r.Item(sys, "booking.finish_pending", other, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
		list, err := st.JobAttention(user, []job.Subject{poison, other})
		if err != nil || len(list) != 1 {
			t.Fatalf("records %+v, %v; want one for the poison item", list, err)
		}
		a := list[0]
		if !a.Panicked || a.Failures != 1 || !a.Visible() || a.Ref == "" || !strings.Contains(logs.String(), a.Ref) ||
			!a.RetryAfter.Equal(now().Add(time.Minute)) || a.Subject != poison {
			t.Errorf("record %+v, want a visible crash with the logged reference, retried after 1 min", a)
		}
		held, err := st.HeldJobItems(sys, "booking.finish_pending", job.KindReservation)
		if err != nil || !held[4711] || held[4712] || len(held) != 1 {
			t.Errorf("held %v %v, want only the poison item", held, err)
		}

		clock.Add(int64(2 * time.Minute)) // the back-off is over
		if held, _ := st.HeldJobItems(sys, "booking.finish_pending", job.KindReservation); len(held) != 0 {
			t.Errorf("held %v after the back-off", held)
		}
		_ = r.Item(sys, "booking.finish_pending", poison, func() error { return errors.New("gateway away") })
		list, _ = st.JobAttention(user, []job.Subject{poison})
		if len(list) != 1 || list[0].Failures != 2 || list[0].Panicked || !list[0].RetryAfter.Equal(now().Add(2*time.Minute)) ||
			list[0].Visible() || !list[0].FirstAt.Equal(a.FirstAt) {
			t.Errorf("after a second failure %+v, want 2 failures, an error (not shown yet), 2 min wait", list)
		}

		if err := r.Item(sys, "booking.finish_pending", poison, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
		if list, _ := st.JobAttention(user, []job.Subject{poison}); len(list) != 0 {
			t.Errorf("records %+v after a success, want none", list)
		}
	})
}

// TestItemStoresAnyErrorText: an error text with NUL, invalid UTF-8 and
// 10 KB is kept (cleaned, shortened) on both databases.
func TestItemStoresAnyErrorText(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store, tenant int64, clock *atomic.Int64) {
		r := &job.Runner{Store: st, Log: slog.New(slog.DiscardHandler)}
		s := job.Subject{Kind: job.KindCustomer, ID: 1, TenantID: tenant}
		_ = r.Item(context.Background(), "customer.purge", s, func() error {
			panic("bad \x00 \xff " + strings.Repeat("😀", 3000))
		})
		ctx := identity.WithActor(context.Background(), identity.SystemFor(tenant))
		list, err := st.JobAttention(ctx, []job.Subject{s})
		if err != nil || len(list) != 1 || !strings.HasPrefix(list[0].Error, "panic: bad \uFFFD \uFFFD 😀") || len(list[0].Error) > 2000 {
			t.Fatalf("records %+v %v", list, err)
		}
	})
}

// TestEveryGoesOnAfterACrashingPass: a pass that panics is logged with its
// stack and the next pass runs.
func TestEveryGoesOnAfterACrashingPass(t *testing.T) {
	var logs testenv.SyncBuffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var passes atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		job.Every(ctx, log, "test", 0, time.Millisecond, func(ctx context.Context) error {
			switch passes.Add(1) {
			case 1:
				panic("first pass crashes")
			case 2:
				return errors.New("second pass fails")
			case 3:
				cancel()
			}
			return nil
		})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Every did not go on after a crashing pass")
	}
	if passes.Load() != 3 || !strings.Contains(logs.String(), "first pass crashes") || !strings.Contains(logs.String(), `"stack":"goroutine`) ||
		!strings.Contains(logs.String(), "second pass fails") {
		t.Errorf("passes %d, logs:\n%s", passes.Load(), logs.String())
	}
}

// TestStaffRetryAndDismiss: an administrator makes the job try a held item
// again now, or removes the note; a station user may not; a note of
// another tenant is not found.
func TestStaffRetryAndDismiss(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store, tenant int64, clock *atomic.Int64) {
		r := &job.Runner{Store: st, Log: slog.New(slog.DiscardHandler)}
		s := job.Subject{Kind: job.KindContract, ID: 9, TenantID: tenant}
		_ = r.Item(context.Background(), "contract.resume_billing", s, func() error { panic("x") })
		admin := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenant, UserID: 1, Role: identity.RoleAdmin})
		station := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenant, UserID: 2,
			Role: identity.RoleStation, StationIDs: []int64{1}})
		other := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: tenant + 1000, UserID: 3, Role: identity.RoleAdmin})
		list, _ := st.ListJobAttention(admin, 10)
		if len(list) != 1 {
			t.Fatalf("list %+v", list)
		}
		id := list[0].ID
		sys := identity.WithActor(context.Background(), identity.SystemFor(tenant))
		if held, _ := st.HeldJobItems(sys, "contract.resume_billing", job.KindContract); !held[9] {
			t.Fatal("not held after the crash")
		}
		if err := st.RetryJobItem(station, id); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("station retry: %v, want forbidden", err)
		}
		if _, err := st.ListJobAttention(station, 10); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("station list: %v, want forbidden", err)
		}
		if err := st.DismissJobItem(other, id); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("other tenant dismiss: %v, want not found", err)
		}
		if err := st.RetryJobItem(admin, id); err != nil {
			t.Fatal(err)
		}
		if held, _ := st.HeldJobItems(sys, "contract.resume_billing", job.KindContract); held[9] {
			t.Error("still held after retry now")
		}
		if err := st.DismissJobItem(admin, id); err != nil {
			t.Fatal(err)
		}
		if list, _ := st.ListJobAttention(admin, 10); len(list) != 0 {
			t.Errorf("list %+v after dismiss", list)
		}
		if err := st.DismissJobItem(admin, id); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("second dismiss: %v, want not found", err)
		}
	})
}

// TestBatch: every claimed item is done, at once, with a context that a
// cancelled caller does not end but the lease does; a cancelled caller
// claims nothing.
func TestBatch(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var done []int
	n, err := job.Batch(ctx, time.Minute, func(context.Context) ([]int, error) { return []int{1, 2, 3}, nil },
		func(itemCtx context.Context, i int) {
			cancel() // a shutdown while the items are under way
			if itemCtx.Err() != nil {
				t.Errorf("item %d: its context ended with the caller's", i)
			}
			if dl, ok := itemCtx.Deadline(); !ok || time.Until(dl) > time.Minute {
				t.Errorf("item %d: deadline %v %v, want within the lease", i, dl, ok)
			}
			mu.Lock()
			done = append(done, i)
			mu.Unlock()
		})
	if err != nil || n != 3 || len(done) != 3 {
		t.Fatalf("Batch: %d %v, done %v", n, err, done)
	}
	claimed := false
	if _, err := job.Batch(ctx, time.Minute, func(context.Context) ([]int, error) { claimed = true; return nil, nil },
		func(context.Context, int) {}); err == nil || claimed {
		t.Fatalf("a cancelled caller: %v, claimed %v", err, claimed)
	}
}
