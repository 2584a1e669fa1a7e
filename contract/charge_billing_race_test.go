package contract_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// extensionWhileOut is the extension staff charge in the race tests: one
// more day with its km, paid in advance (not the booking advance's amount).
var extensionWhileOut = contract.LaterCharge{Kind: contract.PurposeExtension, Description: "Verlängerung um einen Tag", Cents: 8000}

// chargeHooked is the contract store with after run once right after a
// staff charge's pending payment is recorded (before the card is charged).
type chargeHooked struct {
	contract.Store
	after func()
}

func (s chargeHooked) RecordCharge(ctx context.Context, id int64, check func(contract.Held) error, rec *payment.Record) error {
	err := s.Store.RecordCharge(ctx, id, check, rec)
	if err == nil {
		s.after()
	}
	return err
}

// hookRecorded returns deps whose store runs after once, right after a
// staff charge's pending payment is stored.
func hookRecorded(deps contract.Deps, after func()) contract.Deps {
	var once sync.Once
	deps.Store = chargeHooked{deps.Store, func() { once.Do(after) }}
	return deps
}

// TestStaffChargeRacingBilling: staff charge an extension (or a damage) to
// the card of a rental while the car is returned and billed — with the
// charge's pending payment stored and the card not yet charged, with the
// card charged and its invoice not yet issued, while billing runs (claimed,
// its final invoice not yet issued), after billing, and after a return
// whose billing has not run. Whatever the order, on both databases:
//
//   - the customer pays the rental once: the driver's documents bill, and
//     the card keeps, exactly the rental's bill (the extension is an
//     advance the final invoice deducts, never a standalone invoice on top);
//   - no money without a document: every approved staff charge has its
//     invoice, a refused charge charges nothing (no payment recorded);
//   - the final invoice lists the extension's advance invoice (stored and
//     in its PDF) when the charge went through;
//   - every document of the rental was e-mailed with its PDF;
//   - a refused charge tells staff why in their language.
func TestStaffChargeRacingBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		tc := splitCases()[3]    // driver only
		bill := tc.charge + 6900 // the rental's bill: the final charge and the booking's advance
		type point struct {
			name string
			lc   contract.LaterCharge
			run  func(r *splitRental) (chargeErr, returnErr error)
			// want is the charge's refusal code ("" taken); extra what it
			// adds to the rental's bill
			want  string
			extra int64
			// stopped: billing stopped half way (the resume job finishes it)
			stopped bool
		}
		returnNow := func(svc *contract.Service, r *splitRental) error {
			_, _, err := svc.Return(r.m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back})
			return err
		}
		// the charge with the return (and its billing) in between
		chargeWithReturn := func(hook func(contract.Deps, func()) contract.Deps, lc contract.LaterCharge) func(r *splitRental) (error, error) {
			return func(r *splitRental) (error, error) {
				var retErr error
				ran := false
				deps := hook(w.cdeps, func() { ran = true; retErr = returnNow(w.contracts, r) })
				_, _, err := contract.NewService(deps).Charge(r.m.admin, r.c.ID, lc)
				if !ran {
					t.Fatal("the hook never ran")
				}
				return err, retErr
			}
		}
		// the charge while billing runs: claimed, before its final invoice
		chargeWhileBilling := func(lc contract.LaterCharge) func(r *splitRental) (error, error) {
			return func(r *splitRental) (error, error) {
				var chErr error
				ran := false
				deps := w.cdeps
				var once sync.Once
				deps.Invoices = issueHookedInvoices{deps.Invoices, func() {
					once.Do(func() { ran = true; _, _, chErr = w.contracts.Charge(r.m.admin, r.c.ID, lc) })
				}}
				retErr := returnNow(contract.NewService(deps), r)
				if !ran {
					t.Fatal("billing issued nothing")
				}
				return chErr, retErr
			}
		}
		// the charge reads the contract (car out), then the return (and its
		// billing, run by svc) comes before the charge is recorded: the
		// check holding the contract's row must refuse it
		chargeReadBefore := func(lc contract.LaterCharge, svc func() *contract.Service) func(r *splitRental) (error, error) {
			return func(r *splitRental) (error, error) {
				var retErr error
				h := &readHook{at: 1, meanwhile: func() { retErr = returnNow(svc(), r) }}
				deps := w.cdeps
				deps.Bookings = hookedBookings{w.s, h}
				_, _, err := contract.NewService(deps).Charge(r.m.admin, r.c.ID, lc)
				if !h.fired {
					t.Fatal("the charge never read the reservation")
				}
				return err, retErr
			}
		}
		// billing that stops before its final invoice (the gateway or the
		// process failed): claimed, unfinished, continued by the resume job
		stopping := func() *contract.Service {
			deps := w.cdeps
			deps.Invoices = killableInvoices{w.s, &killSwitch{at: "IssueInvoice:" + string(invoice.KindFinal)}}
			return contract.NewService(deps)
		}
		points := []point{
			{name: "extension read before the return, recorded after billing", lc: extensionWhileOut,
				run: chargeReadBefore(extensionWhileOut, func() *contract.Service { return w.contracts }), want: "charge_extension_returned"},
			{name: "damage read before the return, recorded after billing", lc: damageWhileOut,
				run: chargeReadBefore(damageWhileOut, func() *contract.Service { return w.contracts }), extra: damageWhileOut.Cents},
			{name: "damage read before the return, recorded while billing is unfinished", lc: damageWhileOut,
				run: chargeReadBefore(damageWhileOut, stopping), want: "charge_billing_running", stopped: true},
			{name: "extension before the return", lc: extensionWhileOut, run: func(r *splitRental) (error, error) {
				_, _, err := w.contracts.Charge(r.m.admin, r.c.ID, extensionWhileOut)
				return err, returnNow(w.contracts, r)
			}},
			{name: "extension recorded, card not yet charged", lc: extensionWhileOut, run: chargeWithReturn(hookRecorded, extensionWhileOut)},
			{name: "extension charged, invoice not yet issued", lc: extensionWhileOut, run: chargeWithReturn(hookIssue, extensionWhileOut)},
			{name: "damage charged, invoice not yet issued", lc: damageWhileOut, run: chargeWithReturn(hookIssue, damageWhileOut),
				extra: damageWhileOut.Cents},
			{name: "extension while billing runs", lc: extensionWhileOut, run: chargeWhileBilling(extensionWhileOut), want: "charge_billing_running"},
			{name: "damage while billing runs", lc: damageWhileOut, run: chargeWhileBilling(damageWhileOut), want: "charge_billing_running"},
			{name: "extension after billing", lc: extensionWhileOut, run: func(r *splitRental) (error, error) {
				retErr := returnNow(w.contracts, r)
				_, _, err := w.contracts.Charge(r.m.admin, r.c.ID, extensionWhileOut)
				return err, retErr
			}, want: "charge_extension_returned"},
			{name: "damage after billing", lc: damageWhileOut, run: func(r *splitRental) (error, error) {
				retErr := returnNow(w.contracts, r)
				_, _, err := w.contracts.Charge(r.m.admin, r.c.ID, damageWhileOut)
				return err, retErr
			}, extra: damageWhileOut.Cents},
			{name: "extension after a return not yet billed", lc: extensionWhileOut, run: func(r *splitRental) (error, error) {
				// the return recorded, its billing not run (as when it waits
				// for the dealer's settings)
				c, err := w.s.RecordReturn(r.m.admin, &contract.Return{ContractID: r.c.ID, StationID: r.c.ReturnStationID,
					Protocol: withKind(r.back, contract.KindReturn)})
				must(t, err)
				_, _, chErr := w.contracts.Charge(r.m.admin, r.c.ID, extensionWhileOut)
				_, billErr := w.contracts.Bill(r.m.admin, c.ID)
				return chErr, billErr
			}, want: "charge_extension_returned"},
		}
		for i, p := range points {
			t.Run(p.name, func(t *testing.T) {
				r := newSplitRental(t, w, tc, 800+i)
				before := staffCharges(t, w, r)
				chErr, retErr := p.run(r)
				switch {
				case p.want == "" && chErr != nil:
					t.Fatalf("charge: %v", chErr)
				case p.want != "" && !isCode(chErr, p.want):
					t.Fatalf("charge: %v, want %s", chErr, p.want)
				case p.want != "":
					for _, l := range []locale.Lang{locale.German, locale.English} {
						if msg := errs.Text(l, chErr); msg == "" || strings.Contains(msg, p.want) {
							t.Errorf("%s message %q", l, msg)
						}
					}
					if n := staffCharges(t, w, r); n != before {
						t.Errorf("the refused charge recorded %d payments", n-before)
					}
				}
				switch {
				case p.stopped && !errors.Is(retErr, errKilled):
					t.Fatalf("billing did not stop: %v", retErr)
				case retErr != nil && !p.stopped && !isCode(retErr, "billing_charge_pending"):
					t.Fatalf("return: %v", retErr)
				}
				if retErr != nil {
					// billing waited for the charge (or stopped): the resume job bills it
					resumeUntilBilled(t, w, r)
				}
				checkChargeBilled(t, w, r, p.lc, p.want == "", bill+p.extra)
				w.clk.Advance(24 * time.Hour)
			})
		}
	})
}

// withKind is protocol p as kind k.
func withKind(p contract.Protocol, k string) contract.Protocol {
	p.Kind = k
	return p
}

// staffCharges is how many extension and damage payments rental r has
// recorded, whatever their outcome.
func staffCharges(t *testing.T, w *mworld, r *splitRental) int {
	t.Helper()
	recs, err := w.s.ListPayments(r.m.sys, payment.RecordFilter{ReservationID: r.res.ID})
	must(t, err)
	n := 0
	for _, rec := range recs {
		if rec.Purpose == contract.PurposeExtension || rec.Purpose == contract.PurposeDamage {
			n++
		}
	}
	return n
}

// checkChargeBilled checks billed rental r after staff charge lc (taken:
// it went through): the driver's documents bill, and the card keeps,
// exactly want; nothing is open; every approved staff charge not
// refunded has its document; an extension is an advance invoice the final invoice deducts
// (stored and printed), never a standalone invoice; every document was
// e-mailed.
func checkChargeBilled(t *testing.T, w *mworld, r *splitRental, lc contract.LaterCharge, taken bool, want int64) {
	t.Helper()
	m := r.m
	c, err := w.s.Contract(m.sys, r.c.ID)
	must(t, err)
	if c.BilledAt == nil || c.Status != contract.StatusBilled {
		t.Errorf("contract %s, billed at %v", c.Status, c.BilledAt)
	}
	l, recs, docs, err := w.contracts.Ledger(m.sys, r.c.ID)
	must(t, err)
	if l.Billed() != want || l.Paid() != want || l.Open() != 0 {
		t.Errorf("documents bill %s, the card keeps %s, open %s; the rental's bill is %s",
			eur(l.Billed()), eur(l.Paid()), eur(l.Open()), eur(want))
	}
	var charged []payment.Record
	back := map[int64]int64{} // refunded on each payment
	for _, rec := range recs {
		if rec.Operation == payment.OpRefund && rec.Status == payment.StatusApproved {
			back[rec.ParentID] += rec.Amount.Cents
		}
	}
	for _, rec := range recs {
		if rec.Purpose == lc.Kind && rec.ParentID == 0 && back[rec.ID] < rec.Amount.Cents {
			if rec.Status.Open() {
				t.Errorf("staff charge %d still %s", rec.ID, rec.Status)
			}
			if rec.Status == payment.StatusApproved {
				charged = append(charged, rec)
			}
		}
	}
	wantKind := invoice.KindStandalone
	if lc.Kind == contract.PurposeExtension {
		wantKind = invoice.KindAdvance
	}
	var chargeDocs []invoice.Summary
	var final *invoice.Summary
	for i, d := range docs {
		switch {
		case d.Kind == invoice.KindFinal:
			final = &docs[i]
		case d.Kind == invoice.KindAdvance && d.Gross == lc.Cents && lc.Kind == contract.PurposeExtension,
			d.Kind == invoice.KindStandalone && d.Gross == lc.Cents:
			chargeDocs = append(chargeDocs, d)
		}
	}
	n := 0
	if taken {
		n = 1
	}
	if len(charged) != n || len(chargeDocs) != n {
		t.Fatalf("%d approved %s charges, %d documents of it; want %d each", len(charged), lc.Kind, len(chargeDocs), n)
	}
	if final == nil {
		t.Fatal("no final invoice")
	}
	fin, err := w.s.IssuedInvoice(m.sys, final.ID)
	must(t, err)
	text := ""
	for _, bd := range billedDocs(t, w, r) {
		if bd.sum.ID == final.ID {
			text = bd.text
		}
	}
	for _, d := range chargeDocs {
		if d.Kind != wantKind {
			t.Errorf("the %s charge became %s %s, want a %s", lc.Kind, d.Kind, d.Number, wantKind)
		}
		deducted := false
		for _, a := range fin.Invoice.Advances {
			deducted = deducted || a.Number == d.Number
		}
		if d.Kind == invoice.KindAdvance && (!deducted || !strings.Contains(text, d.Number)) {
			t.Errorf("final invoice %s does not deduct advance %s (stored %v, printed %v)", final.Number, d.Number,
				deducted, strings.Contains(text, d.Number))
		}
		if d.Kind == invoice.KindStandalone && deducted {
			t.Errorf("final invoice %s deducts standalone %s", final.Number, d.Number)
		}
	}
	// every document was e-mailed with its PDF, in a message that names
	// it as what it is (an advance invoice is no final invoice)
	qs, _, err := w.s.ListEmails(m.sys, mail.Filter{ContractID: r.c.ID, Limit: 100})
	must(t, err)
	mailed := map[string]mail.Message{} // by attachment name
	for _, q := range qs {
		full, _, err := w.s.Email(m.sys, q.ID)
		must(t, err)
		for _, a := range full.Message.Attachments {
			mailed[a.Filename] = full.Message
		}
	}
	for _, d := range docs {
		if d.Kind == invoice.KindAdvance && d.Gross != lc.Cents {
			continue // the booking's, e-mailed with its confirmation
		}
		var msg *mail.Message
		for name, mm := range mailed {
			if strings.Contains(name, d.Number) && strings.HasSuffix(name, ".pdf") {
				msg = &mm
			}
		}
		if msg == nil {
			t.Errorf("%s %s was not e-mailed (attachments %v)", d.Kind, d.Number, mailed)
			continue
		}
		if d.Kind == invoice.KindAdvance && (msg.Kind != mail.KindAdvanceInvoice || !strings.Contains(msg.Subject, "Anzahlungsrechnung")) {
			t.Errorf("advance invoice %s went out as %s %q", d.Number, msg.Kind, msg.Subject)
		}
		if d.Kind == invoice.KindFinal && !strings.Contains(msg.Subject, "Schlussrechnung") {
			t.Errorf("final invoice %s went out as %q", d.Number, msg.Subject)
		}
	}
}

// eur formats cents for a test message.
func eur(c int64) string { return fmt.Sprintf("%d,%02d €", c/100, c%100) }

// issueFailing is the contract store whose IssueHeld fails (a database
// fault right after the card was charged) or, die set, is never reached:
// the process dies right after the gateway approved the charge (a panic
// the test recovers; nothing after it in the charge runs).
type issueFailing struct {
	contract.Store
	die bool
}

var errIssueFault = errors.New("database gone")

// brokenIssue is a new driver-only rental n (car out) with the contract
// service's ports whose IssueHeld fails (die: the process dies there).
func brokenIssue(t *testing.T, d store.Dialect, n int, die bool) (*mworld, *splitRental, contract.Deps) {
	t.Helper()
	w := newMoneyWorld(t, d)
	r := newSplitRental(t, w, splitCases()[3], n)
	deps := w.cdeps
	deps.Store = issueFailing{deps.Store, die}
	return w, r, deps
}

func (s issueFailing) IssueHeld(context.Context, int64, func(contract.Held) (invoice.IssueRequest, error)) error {
	if s.die {
		panic(errKilled)
	}
	return errIssueFault
}

// TestStaffChargeRefundedWhenItsInvoiceFails: the card is charged for an
// extension, and then its invoice cannot be issued. The money goes back
// on the card (no money without a document): the charge and its refund
// are stored approved, the rental's card keeps nothing of it, no document
// was issued, and billing then bills the rental once, as if the charge had
// never been made. Both databases.
func TestStaffChargeRefundedWhenItsInvoiceFails(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w, r, deps := brokenIssue(t, d, 900, false)
		tc, m := splitCases()[3], r.m
		if _, _, err := contract.NewService(deps).Charge(m.admin, r.c.ID, extensionWhileOut); !errors.Is(err, errIssueFault) {
			t.Fatalf("charge: %v", err)
		}
		recs, err := w.s.ListPayments(m.sys, payment.RecordFilter{ReservationID: r.res.ID})
		must(t, err)
		var sale, refund *payment.Record
		for i, rec := range recs {
			switch {
			case rec.Purpose == contract.PurposeExtension && rec.ParentID == 0:
				sale = &recs[i]
			case rec.Operation == payment.OpRefund:
				refund = &recs[i]
			}
		}
		if sale == nil || refund == nil || sale.Status != payment.StatusApproved || refund.Status != payment.StatusApproved ||
			refund.ParentID != sale.ID || refund.Amount.Cents != extensionWhileOut.Cents {
			t.Fatalf("charge %+v, refund %+v", sale, refund)
		}
		l, _, docs, err := w.contracts.Ledger(m.sys, r.c.ID)
		must(t, err)
		if l.Paid() != 6900 || len(docs) != 1 {
			t.Errorf("the card keeps %s, %d documents; want the booking's 69,00 € and its advance invoice", eur(l.Paid()), len(docs))
		}
		if _, _, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); err != nil {
			t.Fatal(err)
		}
		checkChargeBilled(t, w, r, extensionWhileOut, false, tc.charge+6900)
	})
}

// TestExtensionWithoutInvoiceRefundedByBilling: the process charging an
// extension dies after the gateway approved it, before its invoice (its
// payment stays pending). The car is returned: billing waits
// (billing_charge_pending) instead of billing the days a second time. The
// payment reconciler then learns the approval from the gateway — money
// with no document. Billing, resumed, gives it back on the card in full
// and bills the rental once: the card keeps exactly the rental's bill,
// every document e-mailed. Both databases.
func TestExtensionWithoutInvoiceRefundedByBilling(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w, r, deps := brokenIssue(t, d, 950, true)
		tc, m := splitCases()[3], r.m
		func() {
			defer func() {
				if p := recover(); p != errKilled {
					t.Fatalf("the charge did not die: %v", p)
				}
			}()
			_, _, _ = contract.NewService(deps).Charge(m.admin, r.c.ID, extensionWhileOut)
		}()
		if _, _, err := w.contracts.Return(m.admin, &contract.Return{ContractID: r.c.ID, Protocol: r.back}); !isCode(err, "billing_charge_pending") {
			t.Fatalf("return with the charge open: %v", err)
		}
		recs, err := w.s.ListPayments(m.sys, payment.RecordFilter{ReservationID: r.res.ID})
		must(t, err)
		for _, rec := range recs {
			if rec.Purpose == contract.PurposeExtension {
				// the reconciler asks the gateway (as it does once the record is stale)
				got, err := w.cdeps.Payments.Recheck(m.sys, rec.ID)
				must(t, err)
				if got.Status != payment.StatusApproved {
					t.Fatalf("the gateway says %s", got.Status)
				}
			}
		}
		resumeUntilBilled(t, w, r)
		recs, err = w.s.ListPayments(m.sys, payment.RecordFilter{ReservationID: r.res.ID})
		must(t, err)
		refunded := false
		for _, rec := range recs {
			refunded = refunded || rec.Operation == payment.OpRefund && rec.Status == payment.StatusApproved &&
				rec.Amount.Cents == extensionWhileOut.Cents
		}
		if !refunded {
			t.Errorf("the extension without invoice was not refunded: %+v", recs)
		}
		checkChargeBilled(t, w, r, extensionWhileOut, false, tc.charge+6900)
	})
}

// TestExtensionWaitsForHeldReturn: on PostgreSQL, whose transactions run
// side by side, a return holds the rental's contract row (locked, status
// changed, not yet committed) while staff charge an extension. The charge
// must wait for the row and then see the car back: refused with
// charge_extension_returned, nothing recorded or charged — never checked
// against the contract as it was before the return commits. (SQLite holds
// its one write lock from BEGIN to COMMIT; TestStaffChargeRacingBilling
// covers both databases.)
func TestExtensionWaitsForHeldReturn(t *testing.T) {
	w := newMoneyWorld(t, store.Postgres)
	r := newSplitRental(t, w, splitCases()[3], 980)
	m := r.m
	ctx := context.Background()
	db := w.s.DB()
	hold, err := db.BeginTx(ctx, nil)
	must(t, err)
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM contracts WHERE id = $1 FOR UPDATE`, r.c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, `UPDATE contracts SET status = 'returned', ended_at = now() WHERE id = $1`, r.c.ID); err != nil {
		t.Fatal(err)
	}
	charged := make(chan error, 1)
	go func() {
		_, _, err := w.contracts.Charge(m.admin, r.c.ID, extensionWhileOut)
		charged <- err
	}()
	waitFor(t, "the charge to wait for the contract's row", func() bool { return pgLockWaits(t, db) >= 1 })
	must(t, hold.Commit())
	if err := <-charged; !isCode(err, "charge_extension_returned") {
		t.Fatalf("charge after the held return: %v", err)
	}
	if n := staffCharges(t, w, r); n != 0 {
		t.Errorf("%d staff charges recorded", n)
	}
}
