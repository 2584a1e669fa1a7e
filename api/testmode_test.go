package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/webhook"
)

// TestTestKeys: a booking made with a test key is a test booking: paid
// through the test simulator only (the tenant's own gateway sees no order
// of it, not even for the refund of its cancellation), invoiced under
// TEST- numbers, with a customer of its own even for a real customer's
// address, in a world of cars of its own (test bookings do not take cars
// from live ones), invisible to live keys as live bookings are to test
// keys, never handed over, and its events reach test endpoints only.
func TestTestKeys(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		idsvc := identity.NewService(e.st, identity.Config{}, nil)
		testKeys := map[identity.Scope]string{}
		for _, sc := range identity.Scopes {
			c, key, err := idsvc.CreateKey(ctx, "test "+string(sc), sc, true, 1000)
			must(t, err)
			if !c.Test || !strings.HasPrefix(key, "mwk_test_"+string(sc)+"_") {
				t.Fatalf("test key %q: %+v", key, c)
			}
			testKeys[sc] = "Bearer " + key
		}
		testSecret := testKeys[identity.ScopeSecret]
		liveRC, testRC := newReceiver(t), newReceiver(t)
		liveEP := webhook.Endpoint{URL: liveRC.srv.URL, Secret: webhook.NewSecret()}
		testEP := webhook.Endpoint{URL: testRC.srv.URL, Secret: webhook.NewSecret(), Test: true}
		must(t, e.st.CreateEndpoint(ctx, &liveEP))
		must(t, e.st.CreateEndpoint(ctx, &testEP))
		liveRC.secret, testRC.secret = liveEP.Secret, testEP.Secret
		runDispatcher(t, e, 0, 100*time.Millisecond)

		pickup, ret := day(3, 9), day(5, 17)
		body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, pickup, ret)
		tb := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "t1", "Authorization", testSecret)
		if tb.status != 201 || tb.body["test"] != true {
			t.Fatalf("test booking: %d %s", tb.status, tb.raw)
		}
		testNum := tb.body["number"].(string)
		lb := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "l1")
		if lb.status != 201 || lb.body["test"] != false {
			t.Fatalf("live booking: %d %s", lb.status, lb.raw)
		}
		liveNum := lb.body["number"].(string)
		invoiceNumber := func(r resp) string {
			invs, _ := r.body["invoices"].([]any)
			if len(invs) == 0 {
				t.Fatalf("no invoice: %s", r.raw)
			}
			return invs[0].(map[string]any)["number"].(string)
		}
		if n := invoiceNumber(tb); !strings.HasPrefix(n, "TEST-") {
			t.Errorf("the test booking's invoice %q: want a TEST- number", n)
		}
		if n := invoiceNumber(lb); strings.HasPrefix(n, "TEST-") {
			t.Errorf("the live booking's invoice %q", n)
		}
		if n := e.rows(t, `SELECT count(*) FROM customers WHERE tenant_id = $1`, e.tenant.ID); n != 2 {
			t.Errorf("%d customers: want the live one and the test one apart", n)
		}

		// money: the test booking's at the test simulator only
		inLedger := func(ledger map[string]telecashsim.Balance, num string) bool {
			for order := range ledger {
				if strings.HasPrefix(order, num) {
					return true
				}
			}
			return false
		}
		if !inLedger(e.testSim.Ledger(), testNum) || inLedger(e.sim.Ledger(), testNum) {
			t.Fatalf("the test booking's payment: at the test simulator %v, at the tenant's gateway %v",
				inLedger(e.testSim.Ledger(), testNum), inLedger(e.sim.Ledger(), testNum))
		}
		if !inLedger(e.sim.Ledger(), liveNum) || inLedger(e.testSim.Ledger(), liveNum) {
			t.Fatalf("the live booking's payment went to the test simulator")
		}

		// each key sees its own mode only
		if r := e.do("GET", "/api/v1/bookings/"+testNum, nil); r.status != 404 {
			t.Errorf("a live key reads the test booking: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/api/v1/bookings/"+liveNum, nil, "Authorization", testSecret); r.status != 404 {
			t.Errorf("a test key reads the live booking: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/api/v1/bookings/"+testNum, nil, "Authorization", testSecret); r.status != 200 || r.body["test"] != true {
			t.Errorf("the test key reads its booking: %d %s", r.status, r.raw)
		}

		// cars: the second test booking takes the second car of the test
		// world; the live world still has one free
		t2 := e.do("POST", "/api/v1/bookings", bookingBody("tom@example.de", telecashsim.CardApproveVisa, pickup, ret),
			"Idempotency-Key", "t2", "Authorization", testSecret)
		if t2.status != 201 {
			t.Fatalf("second test booking: %d %s", t2.status, t2.raw)
		}
		free := func(auth string) float64 {
			q := fmt.Sprintf("/api/v1/availability?station=SR&category=CDMR&pickup=%s&return=%s", esc2(pickup), esc2(ret))
			r := e.do("GET", q, nil, "Authorization", auth)
			if r.status != 200 {
				t.Fatalf("availability: %d %s", r.status, r.raw)
			}
			return r.body["offers"].([]any)[0].(map[string]any)["free"].(float64)
		}
		if live, test := free("Bearer "+e.key), free(testKeys[identity.ScopePublic]); live != 1 || test != 0 {
			t.Errorf("free cars: live %v, test %v; want 1 and 0", live, test)
		}

		// no handover of a test booking: it would change a real car
		hand := handoverBody()
		hand["km"] = 5000 // above every car's reading: the refusal is the test booking's
		r := e.do("POST", "/api/v1/bookings/"+t2.body["number"].(string)+"/handover", hand, "Authorization", testKeys[identity.ScopeStaff])
		if r.status != 409 || !strings.Contains(string(r.raw), "test_booking_handover") {
			t.Errorf("handover of a test booking: %d %s", r.status, r.raw)
		}

		// the cancellation's refund at the test simulator too
		if r := e.do("POST", "/api/v1/bookings/"+testNum+"/cancel", nil, "Authorization", testSecret); r.status != 200 || r.body["status"] != "cancelled" {
			t.Fatalf("cancel the test booking: %d %s", r.status, r.raw)
		}
		refunded := false
		for order, b := range e.testSim.Ledger() {
			refunded = refunded || (strings.HasPrefix(order, testNum) && b.Refunded > 0)
		}
		if !refunded || inLedger(e.sim.Ledger(), testNum) {
			t.Errorf("the test booking's refund: at the test simulator %v, anything at the tenant's gateway %v", refunded, inLedger(e.sim.Ledger(), testNum))
		}
		if n := e.rows(t, `SELECT count(*) FROM invoices WHERE test AND number NOT LIKE 'TEST-%'`); n != 0 {
			t.Errorf("%d test documents without a TEST- number", n)
		}
		if n := e.rows(t, `SELECT count(*) FROM invoices WHERE NOT test AND number LIKE 'TEST-%'`); n != 0 {
			t.Errorf("%d live documents with a TEST- number", n)
		}

		// events: test bookings' to the test endpoint, live ones' to the live one
		numbers := func(rc *receiver, want int) map[string]bool {
			deadline := time.Now().Add(20 * time.Second)
			for {
				got := map[string]bool{}
				reqs := rc.requests()
				for _, q := range reqs {
					var ev struct {
						Type string `json:"type"`
						Data struct {
							Number string `json:"number"`
							Test   bool   `json:"test"`
						} `json:"data"`
					}
					must(t, json.Unmarshal(q.body, &ev))
					if strings.HasPrefix(ev.Type, "booking.") {
						got[ev.Data.Number] = true
						if ev.Data.Test != (rc == testRC) {
							t.Errorf("%s of %s: test %v", ev.Type, ev.Data.Number, ev.Data.Test)
						}
					}
				}
				if len(got) >= want || time.Now().After(deadline) {
					return got
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		if got := numbers(testRC, 2); len(got) != 2 || !got[testNum] || got[liveNum] {
			t.Errorf("bookings in the test endpoint's events: %v; want the two test bookings", got)
		}
		if got := numbers(liveRC, 1); len(got) != 1 || !got[liveNum] {
			t.Errorf("bookings in the live endpoint's events: %v; want the live booking only", got)
		}
	})
}
