package api_test

import (
	"fmt"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
)

// rows counts the rows of a query on the env's database.
func (e *env) rows(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	must(t, e.st.DB().QueryRow(q, args...).Scan(&n))
	return n
}

// TestNothingFailsAfterTheCharge: every input that could make a booking
// fail, and every gap in the dealer's setup that the invoice or the e-mail
// would trip over, is refused before the first gateway call (counted at the
// simulator) and changes nothing: 422 with the field for the request's own
// input, 503 booking_setup_incomplete naming the settings for the setup.
// Before, a line break in a name or a tenant without an address took rent
// and deposit and then failed.
func TestNothingFailsAfterTheCharge(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		// a known customer, whose record must stay as it is
		if r := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)),
			"Idempotency-Key", "first"); r.status != 201 {
			t.Fatalf("first booking: %d %s", r.status, r.raw)
		}
		set := func(b map[string]any, path string, v any) {
			parts := strings.Split(path, ".")
			m := b
			for _, p := range parts[:len(parts)-1] {
				m = m[p].(map[string]any)
			}
			m[parts[len(parts)-1]] = v
		}
		refused := func(name string, body map[string]any, status int, fields ...string) {
			t.Helper()
			calls, held := e.sim.Requests(), e.rows(t, `SELECT count(*) FROM reservations`)
			var before string
			must(t, e.st.DB().QueryRow(`SELECT first_name || last_name || street || city || phone FROM customers WHERE email_lower = 'eva@example.de'`).Scan(&before))
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "k-"+name)
			if r.status != status {
				t.Fatalf("%s: %d %s; want %d", name, r.status, r.raw, status)
			}
			for _, f := range fields {
				if !strings.Contains(string(r.raw), `"field":"`+f+`"`) {
					t.Errorf("%s: no error on %s: %s", name, f, r.raw)
				}
			}
			for _, x := range r.body["errors"].([]any) {
				fe := x.(map[string]any)
				if m := fmt.Sprint(fe["message"]); m == fmt.Sprint(fe["code"]) || m == "" {
					t.Errorf("%s: %s says %q", name, fe["field"], m)
				}
			}
			if n := e.sim.Requests() - calls; n != 0 {
				t.Errorf("%s: %d gateway calls before the refusal", name, n)
			}
			if n := e.rows(t, `SELECT count(*) FROM reservations`); n != held {
				t.Errorf("%s: %d reservations, %d before", name, n, held)
			}
			var after string
			must(t, e.st.DB().QueryRow(`SELECT first_name || last_name || street || city || phone FROM customers WHERE email_lower = 'eva@example.de'`).Scan(&after))
			if after != before {
				t.Errorf("%s changed the customer: %q → %q", name, before, after)
			}
		}
		body := func(edit func(b map[string]any)) map[string]any {
			b := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(4, 9), day(6, 17))
			edit(b)
			return b
		}
		for _, c := range []struct {
			name  string
			path  string
			value any
			field string
		}{
			{"line break in the first name", "customer.first_name", "Eva\nMallory", "customer.first_name"},
			{"line separator in the first name", "customer.first_name", "Eva\u2028Mallory", "customer.first_name"},
			{"NUL in the last name", "customer.last_name", "Hu\x00ber", "customer.last_name"},
			{"bell in the town", "customer.city", "Straubing\a", "customer.city"},
			{"tab in the street", "customer.street", "Weg\t1", "customer.street"},
			{"NUL in the e-mail", "customer.email", "eva\x00@example.de", "customer.email"},
			{"escape in the phone", "customer.phone", "+49 9421\x1b55555", "customer.phone"},
			{"company too long", "customer.company", strings.Repeat("A", 101), "customer.company"},
			{"last name too long", "customer.last_name", strings.Repeat("ä", 81), "customer.last_name"},
			{"NUL in the licence number", "customer.driving_licence", map[string]any{"number": "B07\x002"}, "customer.driving_licence.number"},
			{"line break in the workshop order", "workshop_order", "WO-1\nWO-2", "workshop_order"},
			{"NUL in the notes", "notes", "bitte\x00sauber", "notes"},
			{"notes too long", "notes", strings.Repeat("x", 1001), "notes"},
			{"line break in the card holder", "payment.card.holder", "Eva\r\nHuber", "payment.card.holder"},
			{"NUL in the station code", "station", "S\x00R", "station"},
			{"C1 control in the category", "category", "CD\u0085MR", "category"},
		} {
			refused(c.name, body(func(b map[string]any) { set(b, c.path, c.value) }), 422, c.field)
		}
		refused("every field at once", body(func(b map[string]any) {
			set(b, "customer.first_name", "A\nB")
			set(b, "customer.city", "\x00")
			set(b, "notes", "\x07")
		}), 422, "customer.first_name", "customer.city", "notes")
		// a token whose last four digits are not four digits
		refused("line break in the token's last four", body(func(b map[string]any) {
			b["payment"] = map[string]any{"token": map[string]any{"value": "tok_123456", "brand": "visa", "last4": "12\n4", "exp_month": 12, "exp_year": 2030}}
		}), 422, "payment.token.last4")

		// free text may have several lines
		ok := body(func(b map[string]any) { set(b, "notes", "Kindersitz bitte.\nAnkunft gegen 9 Uhr.\tDanke") })
		if r := e.do("POST", "/api/v1/bookings", ok, "Idempotency-Key", "notes-lines"); r.status != 201 || r.body["notes"] != "Kindersitz bitte.\nAnkunft gegen 9 Uhr.\tDanke" {
			t.Fatalf("notes with line breaks: %d %s", r.status, r.raw)
		}

		// the dealer's setup: each gap refused before the card is charged
		for _, c := range []struct {
			name, set, value, undo, field string
		}{
			{"tenant without street", `UPDATE tenants SET street = $1`, "", `UPDATE tenants SET street = 'Hauptstr. 1'`, "settings.street"},
			{"tenant without VAT id or tax number", `UPDATE tenants SET vat_id = $1, tax_number = ''`, "", `UPDATE tenants SET vat_id = 'DE123456789'`, "settings.vat_id"},
			{"invalid invoice number pattern", `UPDATE tenants SET invoice_number_pattern = $1`, "RE-{NOPE}",
				`UPDATE tenants SET invoice_number_pattern = 'RE-{YYYY}-{SEQ:6}'`, "settings.invoice_number_pattern"},
			{"line break in the company name", `UPDATE tenants SET name = $1`, "Autohaus\nKönig", `UPDATE tenants SET name = 'Autohaus König'`, "settings.name"},
			{"station with a broken sender address", `UPDATE stations SET mail_from = $1`, "filiale at koenig", `UPDATE stations SET mail_from = ''`, "station.mail_from"},
		} {
			_, err := e.st.DB().Exec(c.set, c.value)
			must(t, err)
			refused(c.name, body(func(map[string]any) {}), 503, c.field)
			r := e.do("POST", "/api/v1/bookings", body(func(map[string]any) {}), "Idempotency-Key", "en-"+c.name, "Accept-Language", "en")
			if r.body["code"] != "booking_setup_incomplete" || !strings.Contains(fmt.Sprint(r.body["detail"]), "Nothing was booked or charged") {
				t.Errorf("%s: %s", c.name, r.raw)
			}
			_, err = e.st.DB().Exec(c.undo)
			must(t, err)
		}
		later := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(8, 9), day(9, 17))
		if r := e.do("POST", "/api/v1/bookings", later, "Idempotency-Key", "after-setup"); r.status != 201 {
			t.Fatalf("booking once the setup is complete again: %d %s", r.status, r.raw)
		}
	})
}

// TestNoMoneyMovesForAnIncompleteSetup: a change of a booking's period (a
// charge or refund of the difference, with a document) and a cancellation
// with a refund check the dealer's setup before the gateway call.
func TestNoMoneyMovesForAnIncompleteSetup(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/api/v1/bookings", bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17)), "Idempotency-Key", "b")
		if r.status != 201 {
			t.Fatalf("booking: %d %s", r.status, r.raw)
		}
		num := r.body["number"].(string)
		_, err := e.st.DB().Exec(`UPDATE tenants SET city = ''`)
		must(t, err)
		calls := e.sim.Requests()
		if r := e.do("POST", "/api/v1/bookings/"+num+"/cancel", nil); r.status != 503 || !strings.Contains(string(r.raw), `"field":"settings.city"`) {
			t.Errorf("cancellation: %d %s", r.status, r.raw)
		}
		if r := e.do("PATCH", "/api/v1/bookings/"+num, map[string]any{"return": day(8, 17).Format("2006-01-02T15:04:05Z07:00")}); r.status != 503 {
			t.Errorf("period change: %d %s", r.status, r.raw)
		}
		if n := e.sim.Requests() - calls; n != 0 {
			t.Fatalf("%d gateway calls", n)
		}
		if r := e.do("GET", "/api/v1/bookings/"+num, nil); r.body["status"] != "confirmed" || r.body["return"] != day(5, 17).Format("2006-01-02T15:04:05Z07:00") {
			t.Fatalf("booking after the refusals: %s", r.raw)
		}
		// the car comes back: the return is recorded, billing (a charge of
		// the extra km, the final invoice) waits for the settings
		staffKey := "Bearer " + e.keys[identity.ScopeStaff]
		hand := handoverBody()
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", hand, "Authorization", staffKey); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		// a return needs the customer's signature or why there is none; without, nothing is recorded
		if r := e.do("POST", "/api/v1/bookings/"+num+"/return", map[string]any{"km": 1100, "fuel_eighths": 8, "cleanliness": "clean",
			"unsigned_reason": "  "}, "Authorization", staffKey); r.status != 422 || !strings.Contains(string(r.raw), `"field":"signature"`) ||
			!strings.Contains(string(r.raw), "Der Kunde unterschreibt") {
			t.Fatalf("return without signature or reason: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", "/api/v1/bookings/"+num+"/contract", nil, "Authorization", staffKey); r.body["status"] != "open" {
			t.Fatalf("contract after the refused return: %s", r.raw)
		}
		calls = e.sim.Requests()
		r = e.do("POST", "/api/v1/bookings/"+num+"/return", map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean",
			"damages": []map[string]any{{"view": "left", "x": 40, "y": 50, "kind": "scratch", "severity": "minor", "charge_cents": 20000}}},
			"Authorization", staffKey)
		if r.status != 200 || r.body["status"] != "returned" || len(r.body["invoices"].([]any)) != 1 {
			t.Fatalf("return with an incomplete setup: %d %s", r.status, r.raw)
		}
		if n := e.sim.Requests() - calls; n != 0 {
			t.Fatalf("%d gateway calls for a return whose invoice cannot be issued", n)
		}
	})
}

// TestControlCharactersInQueriesAndPaths: a NUL or another control
// character in a query parameter or a booking number is a 422 field error
// or a 404, never a 500 (PostgreSQL cannot even compare a NUL).
func TestControlCharactersInQueriesAndPaths(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		for _, q := range []string{"station=S%00R", "station=SR&category=C%00", "station=S%0AR", "station=%1B"} {
			r := e.do("GET", "/api/v1/availability?"+q+"&pickup="+esc2(day(3, 9))+"&return="+esc2(day(5, 17)), nil)
			if r.status != 422 {
				t.Errorf("availability?%s: %d %s", q, r.status, r.raw)
			}
		}
		for _, p := range []string{"B26-%0000001", "B26%0A", strings.Repeat("B", 500)} {
			if r := e.do("GET", "/api/v1/bookings/"+p, nil); r.status != 404 {
				t.Errorf("booking %q: %d %s", p, r.status, r.raw)
			}
			if r := e.do("POST", "/api/v1/bookings/"+p+"/cancel", nil); r.status != 404 {
				t.Errorf("cancel %q: %d %s", p, r.status, r.raw)
			}
		}
	})
}
