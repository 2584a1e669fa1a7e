package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// settle lets the payment reconciler and the booking finisher run now: the
// gateway answers inquiries again and every open record is due.
func (e *env) settle(t *testing.T) {
	t.Helper()
	e.gw.inquiryDown.Store(false)
	e.payClock.Add(int64(payment.DefaultLateWindow + time.Minute))
	_, err := e.st.DB().Exec(`UPDATE payments SET next_inquiry_at = created_at WHERE next_inquiry_at IS NOT NULL`)
	must(t, err)
	ctx := identity.WithActor(t.Context(), identity.System())
	for range 3 {
		_, err := e.pay.Reconcile(ctx, 100)
		must(t, err)
		_, err = e.bookings.FinishPending(ctx, 0, 100)
		must(t, err)
		_, err = e.bookings.RetryRefunds(ctx, 100)
		must(t, err)
	}
}

// TestPendingBookingResolves: the rent charge's outcome stays unknown (the
// gateway cannot be asked) → 202 pending; once the reconciler learns the
// outcome, FinishPending confirms the booking (advance invoice issued) or,
// when the gateway never saw the charge, fails it and frees the vehicle.
func TestPendingBookingResolves(t *testing.T) {
	tests := []struct {
		name       string
		dayPrice   int64 // simulator fault amount
		wantStatus string
		wantNet    int64 // at the gateway for the rent order
	}{
		{"committed then 500", 66600, "confirmed", 66600},
		{"502 nothing committed", 66602, "failed", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, e *env) {
				_, err := e.st.DB().Exec(`UPDATE tariffs SET deposit_cents = 0`)
				must(t, err)
				setDayPrice(t, e, tc.dayPrice)
				e.gw.inquiryDown.Store(true)
				r := e.do("POST", "/api/v1/bookings", bookingBody("p@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
					"Idempotency-Key", "p1")
				if r.status != 202 || r.body["status"] != "pending_payment" {
					t.Fatalf("want 202 pending_payment: %d %s", r.status, r.raw)
				}
				num := r.body["number"].(string)
				if e.countHeld(t) != 1 {
					t.Fatal("a pending booking must hold its vehicle")
				}
				if g := e.do("GET", "/api/v1/bookings/"+num, nil); g.status != 200 || g.body["status"] != "pending_payment" {
					t.Fatalf("get pending: %d %s", g.status, g.raw)
				}
				if c := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil); c.status != 409 || c.body["code"] != "booking_pending" {
					t.Fatalf("cancel while pending: %d %s", c.status, c.raw)
				}
				e.settle(t)
				g := e.do("GET", "/api/v1/bookings/"+num, nil)
				if g.status != 200 || g.body["status"] != tc.wantStatus {
					t.Fatalf("after settling: %d %s, want %s", g.status, g.raw, tc.wantStatus)
				}
				invoices, _ := g.body["invoices"].([]any)
				if (tc.wantStatus == "confirmed") != (len(invoices) == 1) {
					t.Fatalf("invoices %v for a %s booking", invoices, tc.wantStatus)
				}
				if got := e.sim.Ledger()[num].Net(); got != tc.wantNet {
					t.Fatalf("gateway holds %d for %s, want %d", got, num, tc.wantNet)
				}
				// the idempotent replay still shows the first answer
				if rp := e.do("POST", "/api/v1/bookings", bookingBody("p@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
					"Idempotency-Key", "p1"); rp.status != 202 || rp.header.Get("Idempotent-Replayed") != "true" {
					t.Fatalf("replay: %d", rp.status)
				}
				// the customer hears the outcome: the confirmation, or that it failed
				var outbox int
				var kind string
				must(t, e.st.DB().QueryRow(`SELECT count(*), max(kind) FROM emails`).Scan(&outbox, &kind))
				if want := map[string]string{"confirmed": "reservation_confirmation", "failed": "booking_failed"}[tc.wantStatus]; outbox != 1 || kind != want {
					t.Fatalf("%d queued e-mails (%s) for a %s booking, want one %s", outbox, kind, tc.wantStatus, want)
				}
				checkLedger(t, e)
			})
		})
	}
}

// TestChangeChargesDifference: a longer period costs more per day (a
// pricier tariff) → the difference is charged to the stored card with a
// further advance invoice; the gateway and the invoices agree.
func TestChangeChargesDifference(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/v1/bookings", bookingBody("chg@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
			"Idempotency-Key", "c1")
		if r.status != 201 {
			t.Fatalf("book: %d %s", r.status, r.raw)
		}
		num := r.body["number"].(string)
		setDayPrice(t, e, 6400) // the re-quote charges one day at 64 € now
		r = e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"return": day(6, 9).Format(time.RFC3339)}, "Idempotency-Key", "c2")
		if r.status != 200 {
			t.Fatalf("change: %d %s", r.status, r.raw)
		}
		var advance, charges int
		var gross int64
		for _, x := range r.body["invoices"].([]any) {
			inv := x.(map[string]any)
			if inv["kind"] == "advance" {
				advance++
				gross += int64(inv["gross_cents"].(float64))
			}
		}
		for _, x := range r.body["payments"].([]any) {
			p := x.(map[string]any)
			if p["purpose"] == "rent" && p["status"] == "approved" && strings.Contains(p["operation"].(string), "sale") {
				charges++
				if p["operation"] == "token_sale" && p["amount_cents"].(float64) != 1500 {
					t.Errorf("difference charged %v, want 1500", p["amount_cents"])
				}
			}
		}
		if advance != 2 || gross != 6400 || charges != 2 {
			t.Fatalf("want 2 advance invoices over 64,00 € and 2 rent charges: %d %d %d\n%s", advance, gross, charges, r.raw)
		}
		var total int64
		for order, b := range e.sim.Ledger() {
			if strings.HasPrefix(order, num) && !strings.HasSuffix(order, "-D") {
				total += b.Net()
			}
		}
		if total != 6400 {
			t.Fatalf("gateway holds %d for the rent, want 6400: %v", total, e.sim.Ledger())
		}
		var mails int
		must(t, e.st.DB().QueryRow(`SELECT count(*) FROM emails`).Scan(&mails))
		if mails != 3 {
			t.Fatalf("%d e-mails, want confirmation + further advance invoice + change with the calendar update", mails)
		}
		checkLedger(t, e)
	})
}

// TestCancelRefundFaultReconciled: the refund of a cancellation gets an
// unknown outcome (the simulator commits it and answers 500 or too late, or
// commits nothing and answers 502) and the gateway cannot be asked; the
// reconciler resolves it, RetryRefunds sends again what never arrived, and
// the money is refunded exactly once, the fee kept.
func TestCancelRefundFaultReconciled(t *testing.T) {
	for _, fault := range []int64{66600, 66602, 66604} {
		t.Run(fmt.Sprint(fault), func(t *testing.T) {
			for _, d := range []string{"sqlite", "postgres"} {
				t.Run(d, func(t *testing.T) {
					// a fee applies at any time, so refund = rent − fee = the fault amount
					e := newEnv(t, d, 2, func(tn *tenancy.Tenant) { tn.CancelFreeHours = 24 * 365; tn.CancelFeeCents = 2500 })
					setDayPrice(t, e, fault+2500)
					r := e.do("POST", "/api/v1/bookings", bookingBody("rf@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
						"Idempotency-Key", "r1")
					if r.status != 201 {
						t.Fatalf("book: %d %s", r.status, r.raw)
					}
					num := r.body["number"].(string)
					e.gw.inquiryDown.Store(true)
					c := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil, "Idempotency-Key", "r2")
					if c.status != 200 || c.body["cancellation"].(map[string]any)["refund_cents"].(float64) != float64(fault) {
						t.Fatalf("cancel: %d %s", c.status, c.raw)
					}
					e.settle(t)
					if fault == 66602 {
						checkRefundRetriesBounded(t, e, num, fault)
						return
					}
					if c2 := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil, "Idempotency-Key", "r2"); c2.status != 200 ||
						c2.header.Get("Idempotent-Replayed") != "true" {
						t.Fatalf("retried cancel: %d %s", c2.status, c2.raw)
					}
					l := e.sim.Ledger()[num]
					if l.Captured != fault+2500 || l.Refunded != fault || l.Net() != 2500 {
						t.Fatalf("ledger %+v: want captured %d, refunded %d once, fee 2500 kept", l, fault+2500, fault)
					}
					var open, refunds int
					must(t, e.st.DB().QueryRow(`SELECT count(*) FILTER (WHERE status IN ('unknown','pending')),
						count(*) FILTER (WHERE operation = 'refund' AND status = 'approved') FROM payments`).Scan(&open, &refunds))
					if open != 0 || refunds != 1 {
						t.Fatalf("%d open payment records, %d approved refunds; want 0 and 1", open, refunds)
					}
					// a further run finds nothing owed
					n, err := e.bookings.RetryRefunds(identity.WithActor(t.Context(), identity.System()), 100)
					must(t, err)
					if n != 0 || e.sim.Ledger()[num].Refunded != fault {
						t.Fatalf("second retry sent %d refunds; ledger %+v", n, e.sim.Ledger()[num])
					}
					if d := e.sim.Ledger()[num+"-D"]; d.Authorized != 0 {
						t.Fatalf("deposit still held: %+v", d)
					}
				})
			}
		})
	}
}

// checkRefundRetriesBounded: the simulator fails every refund of this
// amount before committing it (502), so RetryRefunds sends it again until
// booking.MaxRefundAttempts refunds have failed and then leaves it to staff;
// nothing is ever refunded twice.
func checkRefundRetriesBounded(t *testing.T, e *env, num string, amount int64) {
	t.Helper()
	ctx := identity.WithActor(t.Context(), identity.System())
	for range booking.MaxRefundAttempts + 2 {
		e.settle(t)
	}
	var failed, approved int
	must(t, e.st.DB().QueryRow(`SELECT count(*) FILTER (WHERE status IN ('failed','declined')),
		count(*) FILTER (WHERE status = 'approved') FROM payments WHERE operation = 'refund'`).Scan(&failed, &approved))
	if failed != booking.MaxRefundAttempts || approved != 0 {
		t.Fatalf("%d failed and %d approved refunds, want %d failed attempts and none approved", failed, approved, booking.MaxRefundAttempts)
	}
	if n, err := e.bookings.RetryRefunds(ctx, 100); err != nil || n != 0 {
		t.Fatalf("after %d failures RetryRefunds sent %d (%v), want none", failed, n, err)
	}
	if l := e.sim.Ledger()[num]; l.Refunded != 0 || l.Captured != amount+2500 {
		t.Fatalf("ledger %+v", l)
	}
}

// TestCancelReleasesDepositPreAuth: the deposit is pre-authorised at
// booking and released (not captured) on cancel, with or without a fee.
func TestCancelReleasesDepositPreAuth(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/v1/bookings", bookingBody("dp@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)),
			"Idempotency-Key", "d1")
		if r.status != 201 {
			t.Fatalf("book: %d %s", r.status, r.raw)
		}
		num := r.body["number"].(string)
		dep := e.sim.Ledger()[num+"-D"]
		if dep.Authorized != 30000 || dep.Captured != 0 {
			t.Fatalf("deposit at booking %+v, want 300,00 € pre-authorised", dep)
		}
		c := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil)
		if c.status != 200 {
			t.Fatalf("cancel: %d %s", c.status, c.raw)
		}
		dep = e.sim.Ledger()[num+"-D"]
		if dep.Authorized != 0 || dep.Captured != 0 || dep.Net() != 0 {
			t.Fatalf("deposit after cancel %+v, want released", dep)
		}
		var released int
		must(t, e.st.DB().QueryRow(`SELECT count(*) FROM payments WHERE operation = 'void_preauth' AND status = 'approved'`).Scan(&released))
		if released != 1 {
			t.Fatalf("%d approved deposit releases recorded, want 1", released)
		}
		checkLedger(t, e)
	})
}
