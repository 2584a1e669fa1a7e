package api_test

import (
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

// TestCrashBeforeRentSent: the process dies between the booking's commit
// (the car taken, the rent recorded pending with it) and the rent's
// gateway call. Recovery is that of a rent recorded and never sent: the
// retry with the key (once its lock expired) takes the booking over and
// asks the gateway, which does not know the rent yet (pending, 202); the
// reconciler, after the late window, finds it failed (not found) and the
// finisher fails the booking, e-mailing the customer and freeing the car
// (the key replays its 202; the booking's page says failed); a new booking
// takes the station's only car — one rent charged and one deposit held in
// all.
func TestCrashBeforeRentSent(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e, body := crashedBooking(t, d, "window@example.de", "k-window", true)
			if n := e.countRows(t, `SELECT count(*) FROM payments p JOIN reservations r ON r.id = p.reservation_id
				WHERE p.purpose = 'rent' AND p.status = 'pending' AND p.order_id = r.number AND r.status = 'pending_payment'
				AND p.customer_id = r.customer_id AND p.card_id IS NULL AND p.card_last4 <> ''`); n != 1 {
				t.Fatalf("%d rents recorded pending with their booking before the gateway call, want 1", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM payments`); n != 1 {
				t.Fatalf("%d payments, want the rent only", n)
			}
			if l := e.sim.Ledger(); len(l) != 0 {
				t.Fatalf("gateway ledger %+v: nothing was sent", l)
			}
			time.Sleep(800 * time.Millisecond) // the key's lock and the booking's lease expire
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-window")
			if r.status != 202 || r.body["status"] != "pending_payment" {
				t.Fatalf("retry: %d %s, want 202 pending (the gateway does not know the rent yet)", r.status, r.raw)
			}
			e.settle(t)
			if n := e.countRows(t, `SELECT count(*) FROM payments WHERE purpose = 'rent' AND status = 'failed' AND reason_code = 'not_found'`); n != 1 {
				t.Fatalf("%d rents failed as not found after the late window, want 1", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM reservations WHERE status = 'failed'`); n != 1 {
				t.Fatalf("%d failed bookings, want 1", n)
			}
			if n := e.countRows(t, `SELECT count(*) FROM emails WHERE kind = 'booking_failed'`); n != 1 {
				t.Fatalf("%d failure e-mails", n)
			}
			num := r.body["number"].(string)
			if g := e.do("GET", "/api/v1/bookings/"+num, nil); g.body["status"] != "failed" {
				t.Fatalf("after the reconciler and the finisher: %s, want failed", g.raw)
			}
			// the key's answer (202) is replayed; a new request books the car, freed
			if rp := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-window"); rp.status != 202 ||
				rp.header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: %d %s, want the 202 replayed", rp.status, rp.raw)
			}
			r = e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-window-2")
			if r.status != 201 || r.body["status"] != "confirmed" {
				t.Fatalf("a new booking on the freed car: %d %s, want 201", r.status, r.raw)
			}
			num = r.body["number"].(string)
			if l := e.sim.Ledger(); l[num].Captured != 4900 || l[num+"-D"].Authorized != 30000 || len(l) != 2 {
				t.Fatalf("gateway ledger %+v: want one rent charge and one deposit hold", l)
			}
			checkLedger(t, e)
		})
	}
}

// TestRentRefusedBeforeWriting: a rent the payment service refuses (here
// one of no money: a tariff at 0 € a day, which the booking's own checks
// let through) is refused before anything is written — 422, no customer,
// no reservation, no payment, no gateway call —, as is a card the request's
// checks refuse; before, the payment was checked only after the car's
// commit, which left a failed booking and a new customer behind.
func TestRentRefusedBeforeWriting(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		nothingWritten := func(name string, body map[string]any) {
			t.Helper()
			calls := e.sim.Requests()
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-"+name)
			if r.status != 422 {
				t.Fatalf("%s: %d %s, want 422", name, r.status, r.raw)
			}
			for _, q := range []string{`SELECT count(*) FROM customers`, `SELECT count(*) FROM reservations`, `SELECT count(*) FROM payments`,
				`SELECT count(*) FROM payment_cards`, `SELECT count(*) FROM allocations WHERE reservation_id IS NOT NULL`} {
				if n := e.countRows(t, q); n != 0 {
					t.Errorf("%s: %s = %d, want 0", name, q, n)
				}
			}
			if n := e.sim.Requests() - calls; n != 0 {
				t.Errorf("%s: %d gateway calls", name, n)
			}
		}
		bad := bookingBody("bad-card@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
		bad["payment"].(map[string]any)["card"].(map[string]any)["cvv"] = "12x"
		nothingWritten("bad-card", bad)
		_, err := e.st.DB().Exec(`UPDATE tariffs SET price_per_day_cents = 0`)
		must(t, err)
		nothingWritten("free-tariff", bookingBody("free@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)))
	})
}

// TestBookWithToken: a booking paid with a card the integrator tokenised
// at the gateway: the token is saved as the customer's card in the
// booking's transaction, with the rent recorded pending on it (on
// PostgreSQL the car stage stays at five statements and the payment stage
// is two); the rent and the deposit are charged on it; a booking that
// finds no car saves no card and records no payment.
func TestBookWithToken(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) { bookWithToken(t, d) })
	}
}

func bookWithToken(t *testing.T, d string) {
	var mu sync.Mutex
	var marks map[string]int64
	var e *env
	e = newEnvWith(t, d, 2, nil, envOptions{stages: func(stage string) {
		mu.Lock()
		defer mu.Unlock()
		if marks != nil {
			marks[stage] = e.st.Statements()
		}
	}})
	{
		tok, err := e.gw.CreateToken(t.Context(), payment.TokenCreate{Card: payment.Card{Number: telecashsim.CardApproveVisa,
			ExpMonth: 12, ExpYear: 2030, CVV: "123"}})
		if err != nil || tok.Token == "" {
			t.Fatalf("token: %+v %v", tok, err)
		}
		body := func(email string, n int) map[string]any {
			b := bookingBody(email, telecashsim.CardApproveVisa, day(n, 9), day(n+1, 9))
			b["payment"] = map[string]any{"token": map[string]any{"value": tok.Token, "brand": "visa", "last4": "1111", "exp_month": 12, "exp_year": 2030}}
			return b
		}
		if d == "postgres" { // the configuration cached by a first booking
			e.do("POST", "/api/v1/bookings", bookingBody("warm@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "warm")
			mu.Lock()
			marks = map[string]int64{}
			mu.Unlock()
		}
		r := e.do("POST", "/api/v1/bookings", body("token@example.de", 5), "Idempotency-Key", "k-token")
		mu.Lock()
		car, pay := marks["car"]-marks["validate"], marks["payment"]-marks["car"]
		marks = nil
		mu.Unlock()
		if r.status != 201 || r.body["status"] != "confirmed" {
			t.Fatalf("booking with a token: %d %s", r.status, r.raw)
		}
		num := r.body["number"].(string)
		if d == "postgres" {
			// the payment stage: the rent's outcome with the lease and the
			// deposit's pending record (the deposit's outcome goes with the issue)
			if car != 5 || pay != 1 {
				t.Errorf("car stage %d statements, payment stage %d, want 5 and 1", car, pay)
			}
		}
		if n := e.countRows(t, `SELECT count(*) FROM payments p JOIN payment_cards c ON c.id = p.card_id JOIN customers cu
			ON cu.id = c.customer_id AND cu.id = p.customer_id WHERE p.purpose = 'rent' AND p.operation = 'token_sale'
			AND p.status = 'approved' AND cu.email_lower = 'token@example.de' AND c.last4 = '1111'`); n != 1 {
			t.Fatalf("%d approved rents on the customer's saved token, want 1", n)
		}
		if l := e.sim.Ledger(); l[num].Captured != 4900 || l[num+"-D"].Authorized != 30000 {
			t.Fatalf("gateway ledger %+v", l)
		}
		payments, cards := e.countRows(t, `SELECT count(*) FROM payments`), e.countRows(t, `SELECT count(*) FROM payment_cards`)
		e.do("POST", "/api/v1/bookings", body("other@example.de", 5), "Idempotency-Key", "k-other")
		if r := e.do("POST", "/api/v1/bookings", body("third@example.de", 5), "Idempotency-Key", "k-third"); r.status != 409 {
			t.Fatalf("a booking with no car left: %d %s, want 409 nothing_free", r.status, r.raw)
		}
		if n := e.countRows(t, `SELECT count(*) FROM customers WHERE email_lower = 'third@example.de'`); n != 0 {
			t.Errorf("a booking with no car left wrote its customer")
		}
		if p, c := e.countRows(t, `SELECT count(*) FROM payments`), e.countRows(t, `SELECT count(*) FROM payment_cards`); p != payments+2 || c != cards {
			t.Errorf("%d payments and %d cards after a second booking and one without a car, want %d and %d", p, c, payments+2, cards)
		}
		checkLedger(t, e)
	}
}
