package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

func bookingBody(email, card string, pickup, ret time.Time) map[string]any {
	return map[string]any{
		"customer": map[string]any{"email": email, "first_name": "Eva", "last_name": "Huber", "street": "Weg 1", "postal_code": "94315",
			"city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12", "language": "de"},
		"station": "SR", "category": "CDMR", "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
		"workshop_order": "WO-4711",
		"payment":        map[string]any{"card": map[string]any{"number": card, "exp_month": 12, "exp_year": 2030, "cvv": "123", "holder": "Eva Huber"}},
	}
}

func TestReadEndpointsAndErrors(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		if r := e.do("GET", "/api/v1/stations", nil); r.status != 200 || !strings.Contains(string(r.raw), `"code":"SR"`) {
			t.Fatalf("stations: %d %s", r.status, r.raw)
		}
		r := e.do("GET", "/api/v1/vehicle-categories", nil, "Accept-Language", "en-GB,en;q=0.9")
		if r.status != 200 || !strings.Contains(string(r.raw), `"name":"Compact"`) {
			t.Fatalf("categories: %d %s", r.status, r.raw)
		}
		q := fmt.Sprintf("/api/v1/availability?station=SR&pickup=%s&return=%s", esc2(day(3, 9)), esc2(day(5, 17)))
		r = e.do("GET", q, nil)
		if r.status != 200 {
			t.Fatalf("availability: %d %s", r.status, r.raw)
		}
		offers := r.body["offers"].([]any)
		cd := offers[0].(map[string]any)
		if cd["available"] != true || cd["free"].(float64) != 2 || cd["quote"].(map[string]any)["charge_now_cents"].(float64) != 4900 {
			t.Fatalf("offer: %v", cd)
		}
		if fw := offers[1].(map[string]any); fw["available"] != false || !strings.Contains(string(r.raw), "no_tariff") {
			t.Fatalf("FWAR: %v", fw)
		}
		// closed day and outside hours say why
		q = fmt.Sprintf("/api/v1/availability?station=SR&category=CDMR&pickup=%s&return=%s", esc2(sunday()), esc2(sunday().Add(36*time.Hour)))
		r = e.do("GET", q, nil)
		if r.status != 200 || !strings.Contains(string(r.raw), "closed_on_pickup_day") || !strings.Contains(string(r.raw), "outside_opening_hours") {
			t.Fatalf("closed: %s", r.raw)
		}
		// every invalid field at once (the times' format and the unknown codes), English title
		r = e.do("GET", "/api/v1/availability?station=XX&pickup=tomorrow&category=ZZZ", nil, "Accept-Language", "en")
		if r.status != 422 || r.header.Get("Content-Type") != "application/problem+json" || r.body["title"] != "Invalid request" ||
			r.body["type"] != "https://mietwerk.dev/problems/invalid" || len(r.body["errors"].([]any)) != 4 {
			t.Fatalf("invalid: %d %s", r.status, r.raw)
		}
		r = e.do("GET", "/api/v1/availability?station=XX&pickup="+esc2(day(3, 9))+"&return="+esc2(day(4, 9))+"&category=ZZZ", nil)
		if r.status != 422 || r.body["title"] != "Ungültige Anfrage" || len(r.body["errors"].([]any)) != 2 {
			t.Fatalf("invalid codes: %d %s", r.status, r.raw)
		}
		// the detail comes from the catalog in the language asked for
		for accept, want := range map[string][2]string{
			"":                   {"de", "Keine API-Operation GET /api/v1/nowhere; siehe /api/v1/openapi.json."},
			"en-US,en;q=0.9":     {"en", "No API operation GET /api/v1/nowhere; see /api/v1/openapi.json."},
			"fr-CH, de-AT;q=0.5": {"de", "Keine API-Operation GET /api/v1/nowhere; siehe /api/v1/openapi.json."},
		} {
			r = e.do("GET", "/api/v1/nowhere", nil, "Accept-Language", accept)
			if r.status != 404 || r.body["code"] != "route_not_found" || r.body["detail"] != want[1] || r.header.Get("Content-Language") != want[0] {
				t.Fatalf("Accept-Language %q: %d %s %s", accept, r.status, r.header.Get("Content-Language"), r.raw)
			}
		}
		// 401 without and with a bad key
		if r := e.do("GET", "/api/v1/stations", nil, "Authorization", ""); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
			t.Fatalf("no key: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/stations", nil, "Authorization", "Bearer mwk_nottherightkeyatall123456"); r.status != 401 {
			t.Fatalf("bad key: %d", r.status)
		}
		if r := e.do("GET", "/api/v1/bookings/B99-00001", nil); r.status != 404 {
			t.Fatalf("unknown booking: %d", r.status)
		}
		// CORS preflight for an allowed origin
		req, _ := http.NewRequest("OPTIONS", e.srv.URL+"/api/v1/bookings", nil)
		req.Header.Set("Origin", "https://www.autohaus-koenig.de")
		res, err := http.DefaultClient.Do(req)
		must(t, err)
		res.Body.Close()
		if res.Header.Get("Access-Control-Allow-Origin") != "https://www.autohaus-koenig.de" || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Idempotency-Key") {
			t.Fatalf("cors: %v", res.Header)
		}
	})
}

func esc2(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339), "+", "%2B") }

func TestBookGetChangeCancel(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := bookingBody("Eva.Huber@Example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
		r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k1")
		if r.status != 201 || r.body["status"] != "confirmed" || r.body["invoice_number"] == nil {
			t.Fatalf("book: %d %s", r.status, r.raw)
		}
		if strings.Contains(string(r.raw), telecashsim.CardApproveVisa) || !strings.Contains(string(r.raw), `"last4":"1111"`) {
			t.Fatalf("card data: %s", r.raw)
		}
		num := r.body["number"].(string)
		price := r.body["price"].(map[string]any)
		if price["charged_now_cents"].(float64) != 4900 || price["deposit_cents"].(float64) != 30000 || price["vat_included_cents"].(float64) != 782 {
			t.Fatalf("price: %v", price)
		}
		// replay: same key, same body (whitespace differs) → same answer
		b, _ := json.MarshalIndent(body, "", "  ")
		r2 := e.do("POST", "/api/v1/bookings", string(b), "Idempotency-Key", "k1")
		if r2.status != 201 || r2.header.Get("Idempotent-Replayed") != "true" || r2.body["number"] != num {
			t.Fatalf("replay: %d %s", r2.status, r2.raw)
		}
		body2 := bookingBody("eva.huber@example.de", telecashsim.CardApproveVisa, day(3, 9), day(6, 17))
		if r := e.do("POST", "/api/v1/bookings", body2, "Idempotency-Key", "k1"); r.status != 422 || r.body["code"] != "idempotency_key_reused" {
			t.Fatalf("reused key: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/bookings", body2); r.status != 422 {
			t.Fatalf("missing key: %d", r.status)
		}
		g := e.do("GET", "/api/v1/bookings/"+num, nil)
		if g.status != 200 || len(g.body["payments"].([]any)) != 2 {
			t.Fatalf("get: %d %s", g.status, g.raw)
		}
		// the answer's invoice (kept from issuing it) is the one read back
		if inv := r.body["invoices"].([]any); len(inv) != 1 || !reflect.DeepEqual(inv, g.body["invoices"]) {
			t.Fatalf("invoices answered %v, read back %v", inv, g.body["invoices"])
		}
		// change the period: re-checked, re-quoted
		r = e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"return": day(7, 17).Format(time.RFC3339), "customer": map[string]any{"phone": "+49 9421 66666"}})
		if r.status != 200 || r.body["price"].(map[string]any)["days"].(float64) != 5 {
			t.Fatalf("change: %d %s", r.status, r.raw)
		}
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"return": day(100, 17).Format(time.RFC3339)}); r.status != 422 {
			t.Fatalf("too long: %d %s", r.status, r.raw)
		}
		// cancel more than 24 h before pickup: free, refund with credit note
		r = e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil)
		if r.status != 200 || r.body["status"] != "cancelled" || r.body["cancellation"].(map[string]any)["refund_cents"].(float64) != 4900 {
			t.Fatalf("cancel: %d %s", r.status, r.raw)
		}
		if !strings.Contains(string(r.raw), `"kind":"credit_note"`) {
			t.Fatalf("no credit note: %s", r.raw)
		}
		if r := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil); r.status != 409 {
			t.Fatalf("cancel twice: %d", r.status)
		}
		l := e.sim.Ledger()[num]
		if l.Net() != 0 {
			t.Fatalf("rent not refunded: %+v", l)
		}
		if d := e.sim.Ledger()[num+"-D"]; d.Authorized != 0 {
			t.Fatalf("deposit not released: %+v", d)
		}
		// vehicles free again
		q := fmt.Sprintf("/api/v1/availability?station=SR&category=CDMR&pickup=%s&return=%s", esc2(day(3, 9)), esc2(day(5, 17)))
		if r := e.do("GET", q, nil); r.body["offers"].([]any)[0].(map[string]any)["free"].(float64) != 2 {
			t.Fatalf("not released: %s", r.raw)
		}
	})
}

func TestValidationListsEveryField(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		body := bookingBody("not-an-email", "4111111111111112", day(3, 9), day(3, 6))
		body["station"] = "NOPE"
		c := body["customer"].(map[string]any)
		c["postal_code"] = "123"
		c["birth_date"] = time.Now().AddDate(-16, 0, 0).Format("2006-01-02")
		r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "v1")
		if r.status != 422 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		fields := map[string]bool{}
		for _, x := range r.body["errors"].([]any) {
			fields[x.(map[string]any)["field"].(string)] = true
		}
		for _, f := range []string{"station", "customer.email", "customer.postal_code", "customer.birth_date", "payment.card.number"} {
			if !fields[f] {
				t.Errorf("missing field error %s in %s", f, r.raw)
			}
		}
		// the key was not kept: a corrected request may use it
		good := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
		if r := e.do("POST", "/api/v1/bookings", good, "Idempotency-Key", "v1"); r.status != 201 {
			t.Fatalf("corrected: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/api/v1/bookings", `{"customer": {"email": 5}}`, "Idempotency-Key", "v2"); r.status != 422 {
			t.Fatalf("type error: %d", r.status)
		}
	})
}

// countHeld returns the allocations of the tenant's vehicles.
func (e *env) countHeld(t *testing.T) int {
	var n int
	must(t, e.st.DB().QueryRow(`SELECT count(*) FROM allocations`).Scan(&n))
	return n
}

func TestDeclinesAndFaults(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// decline on rent
		r := e.do("POST", "/api/v1/bookings", bookingBody("a@example.de", telecashsim.CardInsufficientFunds, day(3, 9), day(4, 9)), "Idempotency-Key", "d1")
		if r.status != 402 || r.body["code"] != "insufficient_funds" || r.body["type"] != "https://mietwerk.dev/problems/payment-declined" ||
			r.body["detail"] != "Die Bank hat die Zahlung abgelehnt: Der Verfügungsrahmen reicht nicht aus." || r.body["title"] != "Zahlung abgelehnt" {
			t.Fatalf("decline: %d %s", r.status, r.raw)
		}
		if r2 := e.do("POST", "/api/v1/bookings", bookingBody("a@example.de", telecashsim.CardInsufficientFunds, day(3, 9), day(4, 9)), "Idempotency-Key", "d1"); r2.status != 402 || r2.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("decline replay: %d", r2.status)
		}
		// fault amounts at the rent step: 500-after-commit, 502-before-commit, timeout-after-commit
		for i, cents := range []int64{66600, 66602, 66604} {
			setDayPrice(t, e, cents)
			r := e.do("POST", "/api/v1/bookings", bookingBody(fmt.Sprintf("f%d@example.de", i), telecashsim.CardApproveVisa, day(3+i, 9), day(4+i, 9)), "Idempotency-Key", fmt.Sprint("f", i))
			if r.status != 201 && r.status != 202 && r.status != 402 && r.status != 503 {
				t.Fatalf("fault %d: %d %s", cents, r.status, r.raw)
			}
		}
		setDayPrice(t, e, 4900)
		// let the reconciler and the finisher settle everything (the hang
		// commits after 600 ms; the late window then passes)
		time.Sleep(700 * time.Millisecond)
		e.settle(t)
		checkLedger(t, e)
	})
}

func setDayPrice(t *testing.T, e *env, cents int64) {
	_, err := e.st.DB().Exec(`UPDATE tariffs SET price_per_day_cents = $1`, cents)
	must(t, err)
}

// checkLedger: every booking holding a vehicle is paid; every order with
// money at the gateway belongs to a held booking or is refunded/voided.
func checkLedger(t *testing.T, e *env) {
	t.Helper()
	held := map[string]bool{}
	rows, err := e.st.DB().Query(`SELECT r.number, r.status FROM reservations r`)
	must(t, err)
	for rows.Next() {
		var n, s string
		must(t, rows.Scan(&n, &s))
		if s == "pending_payment" {
			t.Errorf("booking %s still pending", n)
		}
		held[n] = s == "confirmed"
	}
	rows.Close()
	var nHeld int
	for _, h := range held {
		if h {
			nHeld++
		}
	}
	if got := e.countHeld(t); got != nHeld {
		t.Errorf("%d allocations for %d confirmed bookings", got, nHeld)
	}
	for order, b := range e.sim.Ledger() {
		num := strings.TrimSuffix(order, "-D")
		if i := strings.LastIndex(num, "-C"); i > 0 { // a change's further charge
			num = num[:i]
		}
		if !held[num] && (b.Net() != 0 || b.Authorized != 0) {
			t.Errorf("order %s: money %+v without a booking", order, b)
		}
		if held[num] && !strings.HasSuffix(order, "-D") && b.Net() <= 0 {
			t.Errorf("booking %s held without payment: %+v", num, b)
		}
	}
}

func TestDepositDeclineAfterRentApproved(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		_, err := e.st.DB().Exec(`UPDATE tariffs SET deposit_cents = 66602`)
		must(t, err)
		r := e.do("POST", "/api/v1/bookings", bookingBody("dep@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "dep")
		if r.status != 402 && r.status != 503 && r.status != 202 {
			t.Fatalf("deposit fault: %d %s", r.status, r.raw)
		}
		e.settle(t) // the deposit's 502: nothing at the gateway after the late window → failed, rent voided
		checkLedger(t, e)
		_ = payment.StatusApproved
	})
}

func TestLastVehicleRace(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			e := newEnv(t, d, 1, nil)
			const n = 12
			var wg sync.WaitGroup
			codes := make([]int, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := e.do("POST", "/api/v1/bookings", bookingBody(fmt.Sprintf("r%d@example.de", i), telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", fmt.Sprint("race", i))
					codes[i] = r.status
				}()
			}
			wg.Wait()
			ok := 0
			for _, c := range codes {
				if c == 201 {
					ok++
				} else if c != 409 {
					t.Errorf("status %d", c)
				}
			}
			if ok != 1 {
				t.Fatalf("%d bookings succeeded: %v", ok, codes)
			}
		})
	}
}

func TestIdempotencyConcurrentAndRateLimit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		setDayPrice(t, e, 66610) // slow gateway: the first request is still running
		body := bookingBody("c@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9))
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i == 1 {
					time.Sleep(60 * time.Millisecond)
				}
				codes[i] = e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "same").status
			}()
		}
		wg.Wait()
		if codes[1] != 409 || (codes[0] != 201 && codes[0] != 202) {
			t.Fatalf("concurrent: %v", codes)
		}
		_, err := e.st.DB().Exec(`UPDATE api_clients SET rate_per_minute = 3`)
		must(t, err)
		var last resp
		for range 5 {
			last = e.do("GET", "/api/v1/stations", nil)
		}
		if last.status != 429 || last.header.Get("Retry-After") == "" || last.body["code"] != "rate_limited" {
			t.Fatalf("rate limit: %d %v", last.status, last.header)
		}
	})
}

func TestDocsAndDemoPages(t *testing.T) {
	e := newEnv(t, "sqlite", 1, nil)
	for path, want := range map[string]string{"/api/docs": "Book a car and pay", "/demo/booking": "mwk_public_", "/widget/booking.js": "Idempotency-Key",
		"/demo/booking?lang=en": `lang="en"`, "/api/v1/openapi.json": `"openapi": "3.1.0"`} {
		res, err := http.Get(e.srv.URL + path)
		must(t, err)
		b := new(bytes.Buffer)
		b.ReadFrom(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(b.String(), want) {
			t.Errorf("%s: %d, missing %q", path, res.StatusCode, want)
		}
	}
}

// TestGatewayFaultIs503: a 502 with nothing committed is no proof that
// nothing was charged (the request may still reach the gateway late): the
// booking answers 202 pending and fails only after the late window, with no
// money at the gateway; a gateway that cannot be reached at all (nothing
// sent) is 503 gateway_unavailable with Retry-After, nothing held.
func TestGatewayFaultIs503(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		setDayPrice(t, e, 66602)
		r := e.do("POST", "/api/v1/bookings", bookingBody("g@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "g1")
		if r.status != 202 || r.body["status"] != "pending_payment" {
			t.Fatalf("gateway 502: %d %s, want 202 pending", r.status, r.raw)
		}
		e.settle(t)
		if g := e.do("GET", "/api/v1/bookings/"+r.body["number"].(string), nil); g.body["status"] != "failed" {
			t.Fatalf("after the late window: %s", g.raw)
		}
		setDayPrice(t, e, 4900)
		e.gw.Gateway = unreachable(t)
		r = e.do("POST", "/api/v1/bookings", bookingBody("g2@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 9)), "Idempotency-Key", "g2")
		if r.status != 503 || r.body["code"] != "gateway_unavailable" || r.header.Get("Retry-After") == "" {
			t.Fatalf("gateway unreachable: %d %q %s", r.status, r.header.Get("Retry-After"), r.raw)
		}
		if n := e.countHeld(t); n != 0 {
			t.Errorf("%d vehicles held after the gateway fault", n)
		}
		for order, b := range e.sim.Ledger() {
			if b.Net() != 0 || b.Authorized != 0 {
				t.Errorf("order %s: money at the gateway %+v", order, b)
			}
		}
	})
}

// unreachable is a Telecash client for a port where nothing listens.
func unreachable(t *testing.T) payment.Gateway {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	gw, err := telecash.New(telecash.Config{BaseURL: "http://" + addr + telecashsim.Prefix, APIKey: "k", APISecret: "s", Timeout: time.Second})
	must(t, err)
	return gw
}
