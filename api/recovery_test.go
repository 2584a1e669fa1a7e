package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// dyingGateway kills the request (the handler goroutine ends as a killed
// process would: no answer, no answer stored) right after the gateway has
// processed its next sale — or, with before, right before the sale is
// sent.
type dyingGateway struct {
	payment.Gateway
	armed, before atomic.Bool
}

func (g *dyingGateway) Sale(ctx context.Context, p payment.CardPayment) (payment.Result, error) {
	if g.before.Load() && g.armed.CompareAndSwap(true, false) {
		panic(http.ErrAbortHandler)
	}
	r, err := g.Gateway.Sale(ctx, p)
	if g.armed.CompareAndSwap(true, false) {
		panic(http.ErrAbortHandler)
	}
	return r, err
}

// crashedBooking returns an environment of dialect d with one car, whose
// Idempotency-Keys lock and bookings' leases last 700 ms, after a booking
// with key whose process died in its rent's sale (before it was sent, with
// before); body is the booking's request.
func crashedBooking(t *testing.T, d, email, key string, before bool) (e *env, body map[string]any) {
	t.Helper()
	var dg *dyingGateway
	e = newEnvWith(t, d, 1, nil, envOptions{lock: 700 * time.Millisecond, lease: 700 * time.Millisecond,
		gateway: func(g payment.Gateway) payment.Gateway { dg = &dyingGateway{Gateway: g}; return dg }})
	body = bookingBody(email, telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
	dg.before.Store(before)
	dg.armed.Store(true)
	if s := e.rawPost(t, body, key); s != 0 {
		t.Fatalf("the killed request was answered %d", s)
	}
	return e, body
}

// post sends a booking without the test helpers (which fail on a broken
// connection) and returns the status, or 0 when no answer came.
func (e *env) rawPost(t *testing.T, body any, key string) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/bookings", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

// countRows counts the rows of a table (or a filtered one).
func (e *env) countRows(t *testing.T, q string) int {
	t.Helper()
	var n int
	must(t, e.st.DB().QueryRow(q).Scan(&n))
	return n
}

// TestRetryAfterCrashResumesBooking is issue 20's reproduction: a booking
// request is inside the rent payment when its process dies (the gateway
// charged the card, nothing was answered); the client retries with the
// same key at once → 409 still being processed; after the key's lock has
// expired → 201 with the same booking, not a second one: one booking, one
// rent charge, one deposit hold, one invoice, one confirmation. With the
// station's only car, the retry must not be told "nothing free" by its own
// booking either.
func TestRetryAfterCrashResumesBooking(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e, body := crashedBooking(t, d, "crash@example.de", "k-crash", false)
			if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-crash"); r.status != 409 || r.body["code"] != "idempotency_key_in_use" {
				t.Fatalf("retry at once: %d %s, want 409 idempotency_key_in_use", r.status, r.raw)
			}
			time.Sleep(800 * time.Millisecond) // the lock expires
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-crash")
			if r.status != 201 || r.body["status"] != "confirmed" {
				t.Fatalf("retry after the lock expired: %d %s, want 201 confirmed", r.status, r.raw)
			}
			num := r.body["number"].(string)
			if n := e.countRows(t, `SELECT count(*) FROM reservations`); n != 1 {
				t.Fatalf("%d bookings for one key", n)
			}
			l := e.sim.Ledger()
			if l[num].Captured != 4900 || l[num+"-D"].Authorized != 30000 || len(l) != 2 {
				t.Fatalf("gateway ledger %+v: want one rent charge and one deposit hold", l)
			}
			if n := e.countRows(t, `SELECT count(*) FROM invoices`); n != 1 {
				t.Fatalf("%d invoices", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM emails WHERE kind = 'reservation_confirmation'`); n != 1 {
				t.Fatalf("%d confirmations", n)
			}
			if rp := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-crash"); rp.status != 201 ||
				rp.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(rp.raw, r.raw) {
				t.Fatalf("replay: %d %s, want the same 201", rp.status, rp.raw)
			}
			checkLedger(t, e)
		})
	}
}

// failingInvoices fails the next IssueInvoice (a full disk at the invoice
// step).
type failingInvoices struct {
	invoice.Store
	fail atomic.Bool
}

func (f *failingInvoices) IssueInvoice(ctx context.Context, req invoice.IssueRequest) error {
	if f.fail.CompareAndSwap(true, false) {
		return errors.New("write invoice: no space left on device")
	}
	return f.Store.IssueInvoice(ctx, req)
}

// TestServerErrorIsNoOutcome: the invoice step fails with a disk error
// after both payments went through → 500, but not stored for the key (the
// deposit's outcome, which the issue was to store, is stored all the
// same): the retry finishes the same booking (201), and every later replay
// answers that; nothing is charged twice.
func TestServerErrorIsNoOutcome(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var fi *failingInvoices
			e := newEnvWith(t, d, 2, nil, envOptions{invoices: func(s invoice.Store) invoice.Store { fi = &failingInvoices{Store: s}; return fi }})
			fi.fail.Store(true)
			body := bookingBody("disk@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
			if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-disk"); r.status != 500 {
				t.Fatalf("disk full: %d %s", r.status, r.raw)
			}
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'deposit' AND status = 'approved'`); n != 1 {
				t.Fatalf("%d approved deposits after the failed issue, want its outcome stored", n)
			}
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-disk")
			if r.status != 201 || r.body["status"] != "confirmed" || r.header.Get("Idempotent-Replayed") == "true" {
				t.Fatalf("retry: %d %s, want the booking finished (201)", r.status, r.raw)
			}
			if rp := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-disk"); rp.status != 201 || !bytes.Equal(rp.raw, r.raw) {
				t.Fatalf("replay: %d %s", rp.status, rp.raw)
			}
			if n := e.countRows(t, `SELECT count(*) FROM reservations`); n != 1 {
				t.Fatalf("%d bookings", n)
			}
			checkLedger(t, e)
		})
	}
}

// downGateway refuses its next sales and deposit holds as a gateway that
// cannot be reached (nothing sent).
type downGateway struct {
	payment.Gateway
	down, depositDown atomic.Int32
}

func notSent(op payment.Operation) (payment.Result, error) {
	return payment.Result{Operation: op, Outcome: payment.Failed, Reason: payment.Reason{Code: payment.ReasonNotSent, Message: "dial tcp: connection refused"}},
		errs.New(errs.KindUnavailable, "gateway_unavailable")
}

func (g *downGateway) Sale(ctx context.Context, p payment.CardPayment) (payment.Result, error) {
	if g.down.Add(-1) >= 0 {
		return notSent(payment.OpSale)
	}
	return g.Gateway.Sale(ctx, p)
}

func (g *downGateway) TokenPreAuth(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	if g.depositDown.Add(-1) >= 0 {
		return notSent(payment.OpTokenPreAuth)
	}
	return g.Gateway.TokenPreAuth(ctx, p)
}

// TestGatewayUnreachable: a rent payment that could not be sent → 503
// gateway_unavailable with Retry-After (not "declined"): nothing charged,
// nothing held, and the retry with the key books; a deposit that could not
// be sent after the rent was charged → 202 pending, and the finisher sends
// it again once the gateway is back — or, still out of reach after
// booking.MaxDepositNotSent attempts, fails the booking, gives the rent back
// and tells the customer.
func TestGatewayUnreachable(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var dg *downGateway
			e := newEnvWith(t, d, 3, nil, envOptions{gateway: func(g payment.Gateway) payment.Gateway { dg = &downGateway{Gateway: g}; return dg }})
			dg.down.Store(1)
			body := bookingBody("down@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-down")
			if r.status != 503 || r.body["code"] != "gateway_unavailable" || r.header.Get("Retry-After") == "" {
				t.Fatalf("gateway down: %d %s", r.status, r.raw)
			}
			if n := e.countHeld(t); n != 0 {
				t.Fatalf("%d vehicles held after a payment that was never sent", n)
			}
			if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-down"); r.status != 201 {
				t.Fatalf("retry: %d %s", r.status, r.raw)
			}
			if n := e.countRows(t, `SELECT count(*) FROM reservations WHERE status <> 'failed'`); n != 1 {
				t.Fatalf("%d live bookings for one key", n)
			}

			// the deposit cannot be sent: pending, sent again by the finisher
			dg.depositDown.Store(1)
			r = e.do("POST", "/api/v1/bookings", bookingBody("dep-down@example.de", telecashsim.CardApproveVisa, day(5, 9), day(6, 9)), "Idempotency-Key", "k-dep")
			if r.status != 202 || r.body["status"] != "pending_payment" {
				t.Fatalf("deposit not sent: %d %s, want 202 pending", r.status, r.raw)
			}
			num := r.body["number"].(string)
			e.settle(t)
			if g := e.do("GET", "/api/v1/bookings/"+num, nil); g.body["status"] != "confirmed" {
				t.Fatalf("after the gateway came back: %s", g.raw)
			}
			// the deposit never goes out: failed after the attempts, rent given back, customer told
			dg.depositDown.Store(100)
			r = e.do("POST", "/api/v1/bookings", bookingBody("gone@example.de", telecashsim.CardApproveVisa, day(7, 9), day(8, 9)), "Idempotency-Key", "k-gone")
			if r.status != 202 {
				t.Fatalf("deposit not sent: %d %s", r.status, r.raw)
			}
			gone := r.body["number"].(string)
			for range 3 {
				e.settle(t)
			}
			if g := e.do("GET", "/api/v1/bookings/"+gone, nil); g.body["status"] != "failed" {
				t.Fatalf("deposit never sent: %s", g.raw)
			}
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'deposit' AND reason_code = 'not_sent'`); n != 1+booking.MaxDepositNotSent {
				t.Fatalf("%d deposit attempts not sent, want 1 + %d for the second booking", n, booking.MaxDepositNotSent)
			}
			if n := e.countRows(t, `SELECT count(*) FROM emails WHERE kind = 'booking_failed' AND to_addr LIKE '%gone@example.de%'`); n != 1 {
				t.Fatalf("%d failure notices", n)
			}
			checkLedger(t, e)
		})
	}
}

// TestCancellationResumes: a cancellation that stops at its credit note
// (a disk error) is answered 500; its retry finishes it — one credit note,
// one refund, the fee kept — and a cancellation that is never retried is
// finished by FinishCancellations.
func TestCancellationResumes(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var fi *failingInvoices
			e := newEnvWith(t, d, 2, func(tn *tenancy.Tenant) { tn.CancelFreeHours = 24 * 365; tn.CancelFeeCents = 2500 },
				envOptions{invoices: func(s invoice.Store) invoice.Store { fi = &failingInvoices{Store: s}; return fi }})
			book := func(email, key string, n int) string {
				r := e.do("POST", "/api/v1/bookings", bookingBody(email, telecashsim.CardApproveVisa, day(n, 9), day(n+1, 9)), "Idempotency-Key", key)
				if r.status != 201 {
					t.Fatalf("book: %d %s", r.status, r.raw)
				}
				return r.body["number"].(string)
			}
			a, b := book("ca@example.de", "ka", 3), book("cb@example.de", "kb", 5)
			fi.fail.Store(true)
			if c := e.do("POST", "/api/v1/bookings/"+a+"/cancel", nil, "Idempotency-Key", "ca1"); c.status != 500 {
				t.Fatalf("cancel with a disk error: %d %s", c.status, c.raw)
			}
			c := e.do("POST", "/api/v1/bookings/"+a+"/cancel", nil, "Idempotency-Key", "ca1")
			if c.status != 200 || c.body["status"] != "cancelled" || c.body["cancellation"].(map[string]any)["refund_cents"].(float64) != 2400 {
				t.Fatalf("retried cancel: %d %s", c.status, c.raw)
			}
			fi.fail.Store(true)
			if c := e.do("POST", "/api/v1/bookings/"+b+"/cancel", nil, "Idempotency-Key", "cb1"); c.status != 500 {
				t.Fatalf("cancel with a disk error: %d %s", c.status, c.raw)
			}
			n, err := e.bookings.FinishCancellations(identity.WithActor(t.Context(), identity.System()), 0, 100)
			if err != nil || n != 1 {
				t.Fatalf("FinishCancellations: %d %v", n, err)
			}
			for _, num := range []string{a, b} {
				if l := e.sim.Ledger()[num]; l.Captured != 4900 || l.Refunded != 2400 {
					t.Errorf("%s: ledger %+v, want 49,00 € taken and 24,00 € refunded once", num, l)
				}
				if l := e.sim.Ledger()[num+"-D"]; l.Authorized != 0 {
					t.Errorf("%s: deposit still held %+v", num, l)
				}
			}
			if n := e.countRows(t, `SELECT count(*) FROM invoices WHERE kind = 'credit_note'`); n != 2 {
				t.Errorf("%d credit notes, want one per cancellation", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM emails WHERE kind = 'booking_cancellation'`); n != 2 {
				t.Errorf("%d cancellation e-mails", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM reservations WHERE status = 'cancelled' AND settled_at IS NOT NULL`); n != 2 {
				t.Errorf("%d settled cancellations", n)
			}
		})
	}
}

// TestLateMoneyOfFailedBookingIsReturned: the deposit is declined, and the
// void of the approved rent gets no answer and is not known at the gateway
// after the late window: the booking failed with its rent still taken. The
// finisher finds that money, voids it, records it in the booking's audit
// log, and the gateway keeps nothing.
func TestLateMoneyOfFailedBookingIsReturned(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{telecashsim.FaultNone, telecashsim.FaultDecline, telecashsim.FaultBadGateway}})
		r := e.do("POST", "/api/v1/bookings", bookingBody("late@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "k-late")
		if r.status != 402 {
			t.Fatalf("deposit declined: %d %s", r.status, r.raw)
		}
		var num string
		must(t, e.st.DB().QueryRow(`SELECT number FROM reservations`).Scan(&num))
		if l := e.sim.Ledger()[num]; l.Net() != 4900 {
			t.Fatalf("the rent's void should not have reached the gateway: %+v", l)
		}
		e.settle(t)
		if l := e.sim.Ledger()[num]; l.Net() != 0 {
			t.Fatalf("a failed booking's money kept by the gateway: %+v", l)
		}
		if n := e.countRows(t, `SELECT count(*) FROM audit_log WHERE entity = 'reservation' AND action = 'late_payment_reversed'`); n != 1 {
			t.Fatalf("%d audit entries for the reversal", n)
		}
		checkLedger(t, e)
	})
}

// TestPendingBookingFailingLaterIsMailed: the rent's answer is lost (202
// pending); the finisher later finds the rent charged but the deposit is
// declined: the booking fails, the rent is given back, and the customer,
// who was told "pending", gets the failure e-mail.
func TestPendingBookingFailingLaterIsMailed(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		e.sim.SetFaults(telecashsim.FaultPlan{Next: []telecashsim.Fault{telecashsim.FaultTimeout, telecashsim.FaultDecline}})
		e.gw.inquiryDown.Store(true)
		r := e.do("POST", "/api/v1/bookings", bookingBody("later@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "k-later")
		if r.status != 202 {
			t.Fatalf("want 202 pending: %d %s", r.status, r.raw)
		}
		num := r.body["number"].(string)
		time.Sleep(700 * time.Millisecond) // the hung answer is over; the rent is committed
		e.settle(t)
		if g := e.do("GET", "/api/v1/bookings/"+num, nil); g.body["status"] != "failed" {
			t.Fatalf("after the deposit decline: %s", g.raw)
		}
		if n := e.countRows(t, `SELECT count(*) FROM emails WHERE kind = 'booking_failed'`); n != 1 {
			t.Fatalf("%d failure e-mails for a booking answered 202 that failed later", n)
		}
		checkLedger(t, e)
	})
}

// leaseThief takes a booking's lease over, as a second process would whose
// finisher found it expired, while the gateway processes the booking's
// rent; it counts the deposit requests it is sent.
type leaseThief struct {
	payment.Gateway
	e        *env
	deposits atomic.Int32
	err      error
}

func (g *leaseThief) Sale(ctx context.Context, p payment.CardPayment) (payment.Result, error) {
	r, err := g.Gateway.Sale(ctx, p)
	actx := identity.WithActor(context.Background(), identity.SystemFor(g.e.tenant.ID))
	var id int64
	if g.err = g.e.st.DB().QueryRow(`SELECT id FROM reservations WHERE number = $1`, p.OrderID).Scan(&id); g.err == nil {
		var res booking.Reservation
		if res, g.err = g.e.st.Reservation(actx, id); g.err == nil {
			g.err = g.e.st.RenewReservation(actx, id, *res.LeaseUntil, res.LeaseUntil.Add(time.Hour))
		}
	}
	return r, err
}

func (g *leaseThief) TokenSale(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	g.deposits.Add(1)
	return g.Gateway.TokenSale(ctx, p)
}

func (g *leaseThief) TokenPreAuth(ctx context.Context, p payment.TokenPayment) (payment.Result, error) {
	g.deposits.Add(1)
	return g.Gateway.TokenPreAuth(ctx, p)
}

// TestLostLeaseStopsDeposit: a process whose booking was taken over
// between the rent and the deposit (its lease lost) sends no deposit and
// records nothing of it — the lease's renewal is checked in the step that
// records the deposit pending with the rent's outcome — while the rent's
// outcome and its card are stored; the request is answered 409
// booking_busy (the other process goes on with the booking).
func TestLostLeaseStopsDeposit(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			var lt *leaseThief
			e := newEnvWith(t, d, 1, nil, envOptions{gateway: func(g payment.Gateway) payment.Gateway { lt = &leaseThief{Gateway: g}; return lt }})
			lt.e = e
			r := e.do("POST", "/api/v1/bookings", bookingBody("lease@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
				"Idempotency-Key", "k-lease")
			must(t, lt.err)
			if r.status != 409 || r.body["code"] != "booking_busy" {
				t.Fatalf("answer after the lease was lost: %d %s, want 409 booking_busy", r.status, r.raw)
			}
			if n := lt.deposits.Load(); n != 0 {
				t.Fatalf("%d deposit requests sent after the lease was lost", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'deposit'`); n != 0 {
				t.Fatalf("%d deposit records after the lease was lost", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'rent' AND status = 'approved' AND card_id IS NOT NULL`); n != 1 {
				t.Fatalf("the rent's outcome with its card is not stored (%d approved rents with a card)", n)
			}
			if l := e.sim.Ledger(); len(l) != 1 {
				t.Fatalf("gateway ledger %+v: want the rent only", l)
			}
		})
	}
}
