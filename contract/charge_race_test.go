package contract_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
)

// damageWhileOut is the later charge the race tests make: a damage while
// the car is out (a standalone invoice with the rental's workshop order).
var damageWhileOut = contract.LaterCharge{Kind: contract.PurposeDamage, Description: "Glasbruch Außenspiegel", Cents: 12000}

// issueHooked are the contract service's store and invoice ports with
// before run right before a document is issued (once).
type issueHooked struct {
	contract.Store
	before func()
}

func (s issueHooked) IssueHeld(ctx context.Context, id int64, build func(contract.Held) (invoice.IssueRequest, error)) error {
	s.before()
	return s.Store.IssueHeld(ctx, id, build)
}

type issueHookedInvoices struct {
	invoice.Store
	before func()
}

func (s issueHookedInvoices) IssueInvoice(ctx context.Context, req invoice.IssueRequest) error {
	s.before()
	return s.Store.IssueInvoice(ctx, req)
}

// hookIssue returns deps whose store and invoice ports run before right
// before the first document is issued.
func hookIssue(deps contract.Deps, before func()) contract.Deps {
	var once sync.Once
	run := func() { once.Do(before) }
	deps.Store, deps.Invoices = issueHooked{deps.Store, run}, issueHookedInvoices{deps.Invoices, run}
	return deps
}

// TestWorkshopOrderChangeRacingCharge: staff change the workshop order of
// a rental that is out while a colleague charges a damage on it — right
// after each read the charge makes of the reservation and right before
// its invoice is issued, in turn. The car is out, so the change is saved;
// the charge's invoice must then carry the new order in its stored note,
// its PDF and its XRechnung, as the booking does — never "saved" with the
// old order printed. Both databases.
func TestWorkshopOrderChangeRacingCharge(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		for at := 1; ; at++ {
			r := newSplitRental(t, w, splitCases()[3], 600+at)
			m := r.m
			oldRef, newRef := r.res.WorkshopRef, fmt.Sprintf("WA-NEU-%04d", 600+at)
			h := &readHook{at: at}
			var changeErr error
			h.meanwhile = func() {
				_, changeErr = w.bookings.SetWorkshopRef(m.admin, r.res.Number, "workshop_order", newRef)
			}
			deps := hookIssue(w.cdeps, h.read)
			deps.Bookings = hookedBookings{w.s, h}
			if _, _, err := contract.NewService(deps).Charge(m.admin, r.c.ID, damageWhileOut); err != nil {
				t.Fatalf("point %d: charge: %v", at, err)
			}
			if !h.fired {
				if at < 2 {
					t.Fatal("the charge neither read the reservation nor issued its invoice")
				}
				break
			}
			if changeErr != nil {
				t.Fatalf("point %d: change while the car is out: %v", at, changeErr)
			}
			checkOrderPrinted(t, fmt.Sprintf("point %d", at), w, r, newRef, oldRef)
		}
	})
}

// TestChargeWaitsForHeldWorkshopOrderChange: on PostgreSQL, whose
// transactions run side by side, staff charge a damage; right before its
// invoice is issued (the card charged) a change of the workshop order
// starts, holds the rental's contract row and waits to write the
// reservation (another session holds that row). The charge must not print
// the order as it was before the change commits: it waits for the change
// and its invoice carries the new order — never the change "saved" and the
// invoice issued after it with the old one. (SQLite holds its one write
// lock from BEGIN to COMMIT; TestWorkshopOrderChangeRacingCharge covers
// both databases.)
func TestChargeWaitsForHeldWorkshopOrderChange(t *testing.T) {
	w := newMoneyWorld(t, store.Postgres)
	r := newSplitRental(t, w, splitCases()[3], 650)
	m := r.m
	oldRef, newRef := r.res.WorkshopRef, "WA-GEHALTEN-1"
	ctx := context.Background()
	db := w.s.DB()
	hold, err := db.BeginTx(ctx, nil)
	must(t, err)
	defer hold.Rollback()
	// NO KEY UPDATE: the change's write waits, the invoice's foreign key
	// check on the reservation does not
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM reservations WHERE id = $1 FOR NO KEY UPDATE`, r.res.ID); err != nil {
		t.Fatal(err)
	}
	waits := func() int { // off the test's goroutine: no t.Fatal
		var n int
		_ = db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock'`).Scan(&n)
		return n
	}
	changed := make(chan error, 1)
	var chargeDone atomic.Bool
	var waited atomic.Bool
	released := make(chan struct{})
	deps := hookIssue(w.cdeps, func() {
		go func() {
			_, err := w.bookings.SetWorkshopRef(m.admin, r.res.Number, "workshop_order", newRef)
			changed <- err
		}()
		waitFor(t, "the change to wait", func() bool { return waits() >= 1 })
		// the hold ends once the charge waits too (or has ended)
		go func() {
			defer close(released)
			for !chargeDone.Load() {
				if waits() >= 2 {
					waited.Store(true)
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			_ = hold.Rollback()
		}()
	})
	_, _, chargeErr := contract.NewService(deps).Charge(m.admin, r.c.ID, damageWhileOut)
	chargeDone.Store(true)
	<-released
	must(t, chargeErr)
	must(t, <-changed)
	t.Logf("the charge waited for the change: %v", waited.Load())
	checkOrderPrinted(t, "held change", w, r, newRef, oldRef)
}
