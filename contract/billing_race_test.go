package contract_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// readHook runs meanwhile once, right after the at-th read of a
// reservation (load: its workshop order) or of a cover that goes
// through it; fired reports whether it ran.
type readHook struct {
	at, reads int
	meanwhile func()
	fired     bool
}

func (h *readHook) read() {
	h.reads++
	if h.reads == h.at && h.meanwhile != nil {
		h.fired = true
		h.meanwhile()
	}
}

// hookedBookings is the store's booking port with a readHook on Reservation.
type hookedBookings struct {
	booking.Store
	h *readHook
}

func (b hookedBookings) Reservation(ctx context.Context, id int64) (booking.Reservation, error) {
	r, err := b.Store.Reservation(ctx, id)
	b.h.read()
	return r, err
}

// hookedCovers is the store's cover port with a readHook on Cover.
type hookedCovers struct {
	payer.CoverStore
	h *readHook
}

func (c hookedCovers) Cover(ctx context.Context, reservationID int64) (payer.Cover, error) {
	cv, err := c.CoverStore.Cover(ctx, reservationID)
	c.h.read()
	return cv, err
}

// billedDocs are the documents billing issued for rental r (all but the
// advance invoice of the booking), with their stored PDF's text and
// e-invoice XML ("" none).
type billedDoc struct {
	sum       invoice.Summary
	iss       invoice.Issued
	text, xml string
}

func billedDocs(t *testing.T, w *mworld, r *splitRental) []billedDoc {
	t.Helper()
	m := r.m
	all, err := w.s.ListInvoices(m.sys, invoice.Filter{ContractID: r.c.ID})
	must(t, err)
	var out []billedDoc
	for _, d := range all {
		if d.Kind == invoice.KindAdvance {
			continue
		}
		bd := billedDoc{sum: d}
		bd.iss, err = w.s.IssuedInvoice(m.sys, d.ID)
		must(t, err)
		doc, err := w.s.Document(m.sys, d.DocumentID)
		must(t, err)
		bd.text = strings.Join(strings.Fields(testenv.PDFText(t, doc.Data)), " ")
		if f, ok, err := w.s.EInvoiceFile(m.sys, d.ID); err == nil && ok {
			bd.xml = string(f.Data)
		}
		out = append(out, bd)
	}
	if len(out) == 0 {
		t.Fatal("billing issued no document")
	}
	return out
}

// TestWorkshopOrderChangeRacingBilling: staff change a returning rental's
// workshop order while billing runs — right after each read billing makes
// of the reservation, in turn (a new rental each: a manufacturer's
// guarantee over its day cap, so billing issues the driver's final invoice
// and the manufacturer's claim). Either the change is refused with
// workshop_ref.billed and every document carries the old order, or it is
// reported done and every document billing issued carries the new order —
// in its stored note, its PDF and its XRechnung. Never "done" with the
// old order printed. Both databases.
func TestWorkshopOrderChangeRacingBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		tc := splitCases()[1] // the manufacturer over its day cap
		refused, taken := 0, 0
		for at := 1; ; at++ {
			r := newSplitRental(t, w, tc, 200+at)
			m := r.m
			oldRef, newRef := r.res.WorkshopRef, fmt.Sprintf("WA-NEU-%04d", at)
			h := &readHook{at: at}
			var changeErr error
			h.meanwhile = func() {
				_, changeErr = w.bookings.SetWorkshopRef(m.admin, r.res.Number, "workshop_order", newRef)
			}
			deps := w.cdeps
			deps.Bookings = hookedBookings{w.s, h}
			if _, _, err := contract.NewService(deps).Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); err != nil {
				t.Fatalf("read %d: return: %v", at, err)
			}
			if !h.fired {
				if at == 1 {
					t.Fatal("billing never read the reservation")
				}
				break
			}
			want := newRef
			switch {
			case changeErr == nil:
				taken++
			case isCode(changeErr, "workshop_ref.billed"):
				refused++
				want = oldRef
			default:
				t.Fatalf("read %d: change: %v", at, changeErr)
			}
			checkOrderPrinted(t, fmt.Sprintf("read %d: change %v", at, changeErr), w, r, want, oldRef)
			w.clk.Advance(24 * time.Hour)
		}
		t.Logf("changes taken %d, refused %d", taken, refused)
		// the window is both before billing claims the contract (taken) and after (refused)
		if taken == 0 || refused == 0 {
			t.Errorf("changes taken %d, refused %d: the reads did not straddle the claim", taken, refused)
		}
	})
}

// checkOrderPrinted checks that every document of rental r but the
// booking's advance invoice carries workshop order want — in its stored
// note, its PDF and its XRechnung — and none the old one (when want is
// not old), and that the booking says want too: what staff read is what
// the documents say. what prefixes the errors.
func checkOrderPrinted(t *testing.T, what string, w *mworld, r *splitRental, want, old string) {
	t.Helper()
	for _, bd := range billedDocs(t, w, r) {
		if !strings.Contains(bd.iss.Invoice.Note, want) || !strings.Contains(bd.text, want) ||
			(bd.xml != "" && !strings.Contains(bd.xml, want)) {
			t.Errorf("%s; %s %s (payer %d) does not carry %s: note %q",
				what, bd.sum.Kind, bd.sum.Number, bd.sum.PayerID, want, bd.iss.Invoice.Note)
		}
		if want != old && (strings.Contains(bd.iss.Invoice.Note, old) || strings.Contains(bd.text, old)) {
			t.Errorf("%s; %s %s still names the old order %s", what, bd.sum.Kind, bd.sum.Number, old)
		}
	}
	got, err := w.s.Reservation(r.m.sys, r.res.ID)
	must(t, err)
	if got.WorkshopRef != want {
		t.Errorf("%s; the booking says %q, the documents %q", what, got.WorkshopRef, want)
	}
}

// TestCoverChangeRacingBilling: as TestWorkshopOrderChangeRacingBilling,
// for the cover: staff move the rental from the manufacturer's guarantee
// to an insurer right after each read billing makes of the cover. Either
// the change is refused (cover_billing_unfinished: billing has claimed
// the contract and runs) and the manufacturer alone gets a
// claim, or it is saved and the insurer alone is invoiced — the stored
// cover is the one the documents went to. Both databases.
func TestCoverChangeRacingBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		tc := cases[1] // the manufacturer over its day cap
		ins := *cases[0].payer
		ins.Name = "Allianz Übernahme"
		ins.Rates = []payer.Rate{{CategoryID: w.tenants[0].cat.ID, PricePerDayCents: 5500}}
		must(t, w.s.CreatePayer(w.tenants[0].admin, &ins))
		refused, taken := 0, 0
		for at := 1; ; at++ {
			r := newSplitRental(t, w, tc, 300+at)
			m := r.m
			h := &readHook{at: at}
			var changeErr error
			h.meanwhile = func() {
				changeErr = w.s.SetCover(m.admin, &payer.Cover{ReservationID: r.res.ID, Mode: payer.ModePayer, PayerID: ins.ID,
					ClaimNumber: fmt.Sprintf("SCH-RACE-%d", at)})
			}
			deps := w.cdeps
			deps.Covers = hookedCovers{w.s, h}
			if _, _, err := contract.NewService(deps).Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); err != nil {
				t.Fatalf("read %d: return: %v", at, err)
			}
			if !h.fired {
				if at == 1 {
					t.Fatal("billing never read the cover")
				}
				break
			}
			want := ins.ID
			switch {
			case changeErr == nil:
				taken++
			case isCode(changeErr, "cover_billing_unfinished"): // the change comes while billing runs
				refused++
				want = r.p.ID
			default:
				t.Fatalf("read %d: change: %v", at, changeErr)
			}
			checkPayerDocs(t, w, r, want)
			w.clk.Advance(24 * time.Hour)
		}
		t.Logf("changes taken %d, refused %d", taken, refused)
		if refused == 0 {
			t.Errorf("changes taken %d, refused %d: no read came after the claim", taken, refused)
		}
	})
}

// checkPayerDocs checks that billing invoiced payer want alone and that it
// is the rental's stored cover.
func checkPayerDocs(t *testing.T, w *mworld, r *splitRental, want int64) {
	t.Helper()
	m := r.m
	n := 0
	for _, bd := range billedDocs(t, w, r) {
		if bd.sum.PayerID == 0 {
			continue
		}
		n++
		if bd.sum.PayerID != want {
			t.Errorf("%s %s went to payer %d, want %d", bd.sum.Kind, bd.sum.Number, bd.sum.PayerID, want)
		}
	}
	if n == 0 {
		t.Errorf("no payer document; want one to payer %d", want)
	}
	cv, err := w.s.Cover(m.sys, r.res.ID)
	must(t, err)
	if cv.PayerID != want {
		t.Errorf("the stored cover names payer %d, the documents %d", cv.PayerID, want)
	}
}

// TestCoverChangeHeldBeforeItsWrite: on PostgreSQL, whose transactions
// run side by side, staff save a cover that has passed its checks and
// waits to write (another session holds the rental's cover row) while the
// car is returned and billed. Billing must not read the cover in that gap:
// either the change commits first and the insurer is invoiced, or billing
// claims the contract first and the change is refused — never "saved"
// with the manufacturer invoiced. (SQLite holds its one write lock from
// BEGIN to COMMIT: a change and billing's claim cannot interleave there;
// TestCoverChangeRacingBilling covers both databases.)
func TestCoverChangeHeldBeforeItsWrite(t *testing.T) {
	w := newMoneyWorld(t, store.Postgres)
	cases := splitCases()
	ins := *cases[0].payer
	ins.Name = "Allianz Übernahme"
	ins.Rates = []payer.Rate{{CategoryID: w.tenants[0].cat.ID, PricePerDayCents: 5500}}
	must(t, w.s.CreatePayer(w.tenants[0].admin, &ins))
	r := newSplitRental(t, w, cases[1], 400)
	m := r.m
	ctx := context.Background()
	db := w.s.DB()
	hold, err := db.BeginTx(ctx, nil)
	must(t, err)
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM reservation_covers WHERE reservation_id = $1 FOR UPDATE`, r.res.ID); err != nil {
		t.Fatal(err)
	}
	lockWaits := func() int { return pgLockWaits(t, db) }
	waitUntil := func(what string, cond func() bool) { t.Helper(); waitFor(t, what, cond) }
	changed := make(chan error, 1)
	go func() {
		changed <- w.s.SetCover(m.admin, &payer.Cover{ReservationID: r.res.ID, Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "SCH-HELD-1"})
	}()
	waitUntil("the change to wait", func() bool { return lockWaits() >= 1 })
	returned := make(chan error, 1)
	go func() {
		_, _, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
		returned <- err
	}()
	// billing runs to its end unless the waiting change holds it up
	var billErr error
	billed := false
	waitUntil("billing to end or wait", func() bool {
		select {
		case billErr = <-returned:
			billed = true
			return true
		default:
			return lockWaits() >= 2
		}
	})
	must(t, hold.Rollback())
	changeErr := <-changed
	if !billed {
		billErr = <-returned
	}
	must(t, billErr)
	want := ins.ID
	if changeErr != nil {
		if !isCode(changeErr, "cover_closed") && !isCode(changeErr, "cover_billing_unfinished") {
			t.Fatalf("change: %v", changeErr)
		}
		want = r.p.ID
	}
	t.Logf("billing ran through: %v; change: %v", billed, changeErr)
	checkPayerDocs(t, w, r, want)
}

// pgLockWaits is how many sessions of the test's PostgreSQL database wait
// for a lock now.
func pgLockWaits(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	must(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
		AND wait_event_type = 'Lock'`).Scan(&n))
	return n
}

// waitFor polls cond until it holds; after 30 s the test fails, naming
// what it waited for.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

// TestResplitWaitsForBilling: the cover of a rental whose billing stopped
// half way (the process died before the final invoice, or after all
// documents but before billing was marked finished) is changed after
// billing ("Kostenübernahme nachträglich ändern"). The change is refused
// with resplit_billing_unfinished and changes nothing; the resumed billing
// finishes on the cover it started with, and the change afterwards
// re-splits as for any billed rental: the driver's ledger holds to the
// cent, the payers are invoiced the new split's share, the stored cover is
// the new one. Both databases.
func TestResplitWaitsForBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		cases := splitCases()
		insurer, maker, driverOnly := cases[0], cases[1], cases[3]
		ins := *insurer.payer
		ins.Name = "Allianz Nachtrag"
		ins.Rates = []payer.Rate{{CategoryID: w.tenants[0].cat.ID, PricePerDayCents: 5500}}
		must(t, w.s.CreatePayer(w.tenants[0].admin, &ins))
		cc := *cases[2].payer
		cc.Name = "Kulanz Nachtrag"
		must(t, w.s.CreatePayer(w.tenants[0].admin, &cc))
		steps := []struct {
			name string
			from splitCase
			to   payer.Cover
		}{
			{"insurer refuses", insurer, payer.Cover{Mode: payer.ModeDriver}},
			{"a claim turns up", driverOnly, payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "SCH-NACH-2"}},
			{"manufacturer case becomes a courtesy car", maker, payer.Cover{Mode: payer.ModeInternal, PayerID: cc.ID}},
		}
		n := 500
		for _, st := range steps {
			for _, at := range []string{"IssueInvoice:" + string(invoice.KindFinal), "FinishBilling"} {
				n++
				t.Run(st.name+", killed at "+at, func(t *testing.T) {
					r := newSplitRental(t, w, st.from, n)
					m := r.m
					ks := &killSwitch{at: at}
					deps := w.cdeps
					deps.Store, deps.Invoices = killableContracts{w.s, ks}, killableInvoices{w.s, ks}
					if _, _, err := contract.NewService(deps).Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); err == nil || !ks.dead.Load() {
						t.Fatalf("the process never died at %s: %v", at, err)
					}
					before := moneyOf(t, w, r)
					resplit := func() error {
						cv := st.to
						plan, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: cv})
						if err != nil {
							return err
						}
						cv = st.to
						_, err = w.contracts.Resplit(m.admin, r.c.ID, &contract.Correction{Cover: cv}, plan.Token)
						return err
					}
					// while billing is unfinished
					if err := resplit(); !isCode(err, "resplit_billing_unfinished") {
						t.Errorf("re-split while billing is unfinished: %v", err)
					}
					if now := moneyOf(t, w, r); now.docs != before.docs {
						t.Errorf("the refused re-split issued %d documents", now.docs-before.docs)
					}
					resumeUntilBilled(t, w, r)
					if err := resplit(); err != nil && !isCode(err, "resplit_by_hand") {
						t.Fatalf("re-split after billing: %v", err)
					}
					checkResplitSettled(t, w, r, st.to)
					w.clk.Advance(24 * time.Hour)
				})
			}
		}
	})
}

// resumeUntilBilled runs the resume job over rental r's stopped billing
// (three passes, ten minutes apart); the test fails unless billing then
// has finished.
func resumeUntilBilled(t *testing.T, w *mworld, r *splitRental) {
	t.Helper()
	m := r.m
	tctx := identity.WithActor(context.Background(), identity.SystemFor(m.tn.ID))
	for range 3 {
		w.clk.Advance(10 * time.Minute)
		_, err := w.contracts.ResumeBilling(tctx, 5*time.Minute)
		must(t, err)
	}
	if c, err := w.s.Contract(m.sys, r.c.ID); err != nil || c.BilledAt == nil {
		t.Fatalf("billing did not finish: %s %v", c.Status, err)
	}
}

// checkResplitSettled checks rental r after its billing and re-split to
// cover want: billed, the driver's ledger balanced, the payers invoiced
// exactly the share of the split under the stored cover (want), and the
// rental's documents adding up to its bill.
func checkResplitSettled(t *testing.T, w *mworld, r *splitRental, want payer.Cover) {
	t.Helper()
	m := r.m
	c, err := w.s.Contract(m.sys, r.c.ID)
	must(t, err)
	if c.Status != contract.StatusBilled || c.BilledAt == nil {
		t.Errorf("contract %s, billed at %v", c.Status, c.BilledAt)
	}
	stored, err := w.s.Cover(m.sys, r.res.ID)
	must(t, err)
	if stored.Mode != want.Mode || stored.PayerID != want.PayerID {
		t.Errorf("stored cover %s/%d, want %s/%d", stored.Mode, stored.PayerID, want.Mode, want.PayerID)
	}
	cv := stored
	plan, err := w.contracts.PlanResplit(m.admin, r.c.ID, &contract.Correction{Cover: cv})
	must(t, err)
	if plan.Changes() {
		t.Errorf("the stored cover still needs %d documents", len(plan.Docs))
	}
	mo := moneyOf(t, w, r)
	sp := plan.Old
	total := sp.Driver.CompensationCents + sp.PayerGross()
	if !sp.NoFinal {
		total += sp.Driver.Totals.Gross
	}
	if mo.driverOpen != 0 || mo.payerNet != sp.PayerGross() || mo.driverBilled+mo.payerNet != total {
		t.Errorf("driver billed %d, open %d (paid %d); payers %d, split's %d; bill %d", mo.driverBilled, mo.driverOpen, mo.cardNet,
			mo.payerNet, sp.PayerGross(), total)
	}
}

// TestCoverWhileBillingUnfinished: a rental whose billing run stopped —
// before its documents (the final invoice failed: the contract is given
// back to returned, its reservation stays completed) or after them,
// before it was marked finished (the process died: billed, not finished)
// — keeps its cover until billing has finished, and staff are told so in
// their language with a code of its own (cover_billing_unfinished), not
// that the rental is billed or cancelled. Nothing changes. Once the
// resume job has finished billing, the cover is closed (cover_closed) as
// for any billed rental. Both databases.
func TestCoverWhileBillingUnfinished(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		maker := splitCases()[1]
		ins := *splitCases()[0].payer
		ins.Name = "Allianz Unterbrochen"
		ins.Rates = []payer.Rate{{CategoryID: w.tenants[0].cat.ID, PricePerDayCents: 5500}}
		must(t, w.s.CreatePayer(w.tenants[0].admin, &ins))
		for i, stop := range []struct {
			at     string
			status contract.Status
		}{
			{"IssueInvoice:" + string(invoice.KindFinal), contract.StatusReturned},
			{"FinishBilling", contract.StatusBilled},
		} {
			t.Run("stopped at "+stop.at, func(t *testing.T) {
				r := newSplitRental(t, w, maker, 700+i)
				m := r.m
				ks := &killSwitch{at: stop.at}
				deps := w.cdeps
				if stop.status == contract.StatusBilled {
					deps.Store = killableContracts{w.s, ks} // the process dies: nothing after runs
				}
				deps.Invoices = killableInvoices{w.s, ks}
				if _, _, err := contract.NewService(deps).Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); err == nil || !ks.dead.Load() {
					t.Fatalf("billing never stopped at %s: %v", stop.at, err)
				}
				c, err := w.s.Contract(m.sys, r.c.ID)
				must(t, err)
				res, err := w.s.Reservation(m.sys, r.res.ID)
				must(t, err)
				if c.Status != stop.status || c.BilledAt != nil || res.Status != booking.StatusCompleted {
					t.Fatalf("after the stop: contract %s (billed at %v), reservation %s", c.Status, c.BilledAt, res.Status)
				}
				before := moneyOf(t, w, r)
				change := func() error {
					return w.s.SetCover(m.admin, &payer.Cover{ReservationID: r.res.ID, Mode: payer.ModePayer, PayerID: ins.ID,
						ClaimNumber: fmt.Sprintf("SCH-UNFERTIG-%d", i)})
				}
				err = change()
				if !isCode(err, "cover_billing_unfinished") {
					t.Fatalf("cover change while billing is unfinished: %v", err)
				}
				for l, want := range map[locale.Lang]string{
					locale.German:  "Die Abrechnung dieser Miete wurde begonnen, ist aber noch nicht abgeschlossen; sie wird automatisch fortgesetzt.",
					locale.English: "Billing of this rental has started but not finished yet; it is continued automatically.",
				} {
					if msg := errs.Text(l, err); !strings.HasPrefix(msg, want) {
						t.Errorf("%s message %q, want it to start %q", l, msg, want)
					}
				}
				cv, err := w.s.Cover(m.sys, r.res.ID)
				must(t, err)
				if cv.PayerID != r.p.ID || moneyOf(t, w, r).docs != before.docs {
					t.Errorf("the refused change: cover payer %d (want %d), documents %d → %d", cv.PayerID, r.p.ID,
						before.docs, moneyOf(t, w, r).docs)
				}
				resumeUntilBilled(t, w, r)
				if err := change(); !isCode(err, "cover_closed") {
					t.Errorf("cover change after billing finished: %v", err)
				}
				checkPayerDocs(t, w, r, r.p.ID)
				w.clk.Advance(24 * time.Hour)
			})
		}
	})
}
