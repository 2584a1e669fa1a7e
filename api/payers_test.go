package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payer"
)

// euro is cents in German notation ("1.234,50 €").
func euro(cents int64) string {
	s := fmt.Sprintf("%d,%02d €", cents/100, cents%100)
	if cents >= 100000 {
		s = fmt.Sprintf("%d.%03d,%02d €", cents/100000, cents/100%1000, cents%100)
	}
	return s
}

// seedPayers creates an insurer with an agreed rate for the env's
// category, a manufacturer programme, a collective fleet customer and an
// inactive cost centre.
func seedPayers(t *testing.T, e *env) (ins, man, fleet, off payer.Payer) {
	t.Helper()
	ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
	mk := func(kind, name string, parts ...string) payer.Payer {
		p := payer.Payer{Kind: kind, Name: name, Street: "Bahnhofsplatz 1", PostalCode: "96444", City: "Coburg", Country: "DE",
			Active: true, PaymentDays: 30, Covers: map[string]bool{}}
		for _, part := range parts {
			p.Covers[part] = true
		}
		return p
	}
	ins = mk(payer.KindInsurer, "HUK-COBURG", payer.PartRent, payer.PartKM)
	ins.Rates = []payer.Rate{{CategoryID: e.cat.ID, PricePerDayCents: 6500}}
	man = mk(payer.KindManufacturer, "VW Mobilitätsgarantie", payer.PartRent)
	man.CapDays, man.PaymentDays = 5, 14
	fleet = mk(payer.KindFleet, "Flotte Meier GmbH", payer.PartRent, payer.PartFuel)
	fleet.Collective = true
	off = mk(payer.KindCostCentre, "Alte Kostenstelle", payer.PartRent)
	off.Active = false
	for _, p := range []*payer.Payer{&ins, &man, &fleet, &off} {
		must(t, e.st.CreatePayer(ctx, p))
	}
	return ins, man, fleet, off
}

// TestPayersAPI (both databases): a dealer's server or tablet lists the
// active payers with what they cover, caps, agreed rates (by category
// code), payment term and collective flag, by kind, and reads one; an
// inactive or unknown payer is 404; an unknown kind is 422 on kind; the
// public key (a browser's) gets 403.
func TestPayersAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ins, man, fleet, off := seedPayers(t, e)
		r := e.do("GET", "/api/v1/payers", nil)
		if r.status != 200 {
			t.Fatalf("list: %d %s", r.status, r.raw)
		}
		list := r.body["payers"].([]any)
		var names []string
		for _, x := range list {
			names = append(names, x.(map[string]any)["name"].(string))
		}
		if strings.Join(names, "|") != "Flotte Meier GmbH|HUK-COBURG|VW Mobilitätsgarantie" {
			t.Fatalf("payers listed %q, want the three active ones by name", names)
		}
		got := list[1].(map[string]any)
		if got["id"].(float64) != float64(ins.ID) || got["kind"] != "insurer" || fmt.Sprint(got["covers"]) != "[rent km]" ||
			fmt.Sprint(got["rates"]) != "[map[category:CDMR price_per_day_cents:6500]]" || got["payment_days"].(float64) != 30 ||
			got["collective"] != false {
			t.Fatalf("insurer: %s", r.raw)
		}
		if f := list[0].(map[string]any); f["id"].(float64) != float64(fleet.ID) || f["collective"] != true || fmt.Sprint(f["covers"]) != "[rent fuel]" {
			t.Fatalf("fleet customer: %v", f)
		}
		r = e.do("GET", "/api/v1/payers?kind=manufacturer", nil, "Authorization", "Bearer "+e.keys[identity.ScopeStaff])
		if r.status != 200 || len(r.body["payers"].([]any)) != 1 {
			t.Fatalf("manufacturers with a staff key: %d %s", r.status, r.raw)
		}
		if m := r.body["payers"].([]any)[0].(map[string]any); m["id"].(float64) != float64(man.ID) || m["cap_days"].(float64) != 5 {
			t.Fatalf("manufacturer: %v", m)
		}
		if r := e.do("GET", "/api/v1/payers?kind=werkstatt", nil, "Accept-Language", "en"); r.status != 422 || !hasFieldError(r, "kind") ||
			!strings.Contains(string(r.raw), "insurer, manufacturer, fleet, cost_centre") {
			t.Fatalf("unknown kind: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", fmt.Sprintf("/api/v1/payers/%d", man.ID), nil); r.status != 200 || r.body["name"] != "VW Mobilitätsgarantie" ||
			r.body["kind"] != "manufacturer" {
			t.Fatalf("get: %d %s", r.status, r.raw)
		}
		for _, path := range []string{fmt.Sprintf("/api/v1/payers/%d", off.ID), "/api/v1/payers/999999", "/api/v1/payers/x"} {
			if r := e.do("GET", path, nil); r.status != 404 || r.body["code"] != "payer_not_found" {
				t.Fatalf("%s: %d %s", path, r.status, r.raw)
			}
		}
		pub := "Bearer " + e.keys[identity.ScopePublic]
		for _, path := range []string{"/api/v1/payers", fmt.Sprintf("/api/v1/payers/%d", ins.ID), fmt.Sprintf("/api/v1/payers/%d/open-items", ins.ID)} {
			if r := e.do("GET", path, nil, "Authorization", pub); r.status != 403 || r.body["code"] != "api_key_scope" {
				t.Fatalf("%s with the public key: %d %s", path, r.status, r.raw)
			}
		}
		if r := e.do("GET", fmt.Sprintf("/api/v1/payers/%d/open-items", ins.ID), nil, "Authorization", "Bearer "+e.keys[identity.ScopeStaff]); r.status != 403 {
			t.Fatalf("open items with a staff key: %d %s", r.status, r.raw)
		}
	})
}

// TestPayerReceivablesAPI (both databases): a rental paid by a manufacturer
// programme is booked, handed over and returned through the API; the
// programme's invoice is in its open items with the figures of Verwaltung
// → Offene Posten (contract.Service.PayerOpenItems, which the page
// renders); the accounting system records a part payment — once under a
// repeated Idempotency-Key — then more than is open is refused on
// amount_cents with nothing recorded, bad fields are named, and a dunning
// block shows.
func TestPayerReceivablesAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		_, man, _, _ := seedPayers(t, e)
		body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 9))
		body["payer_id"] = man.ID
		b := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "man")
		if b.status != 201 {
			t.Fatalf("book: %d %s", b.status, b.raw)
		}
		num := b.body["number"].(string)
		staff := "Bearer " + e.keys[identity.ScopeStaff]
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", staff); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean"}
		if r := e.do("POST", "/api/v1/bookings/"+num+"/return", ret, "Authorization", staff); r.status != 200 {
			t.Fatalf("return: %d %s", r.status, r.raw)
		}
		path := fmt.Sprintf("/api/v1/payers/%d/open-items", man.ID)
		r := e.do("GET", path, nil)
		if r.status != 200 {
			t.Fatalf("open items: %d %s", r.status, r.raw)
		}
		items := r.body["items"].([]any)
		if len(items) != 1 {
			rows, _ := e.st.DB().QueryContext(context.Background(), `SELECT number, kind, COALESCE(payer_id,0), gross_cents, due_cents, test FROM invoices`)
			for rows.Next() {
				var n, k string
				var p, g, d int64
				var ts bool
				rows.Scan(&n, &k, &p, &g, &d, &ts)
				t.Log(n, k, p, g, d, ts)
			}
			t.Fatalf("open items: %s", r.raw)
		}
		it := items[0].(map[string]any)
		// the admin page's figures: the same function
		page, err := e.contract.PayerOpenItems(ctx, berlin, 0)
		must(t, err)
		if len(page.Payers) != 1 || page.Payers[0].PayerID != man.ID || len(page.Payers[0].Items) != 1 {
			t.Fatalf("admin open items: %+v", page)
		}
		want := page.Payers[0].Items[0]
		if it["number"] != want.Number || it["gross_cents"].(float64) != float64(want.Due) || it["open_cents"].(float64) != float64(want.Open) ||
			it["paid_cents"].(float64)+it["credited_cents"].(float64) != float64(want.Settled()) || it["due_on"] != want.DueOn ||
			it["issued_on"] != want.IssuedAt.In(berlin).Format("2006-01-02") || it["days_overdue"].(float64) != float64(want.DaysOverdue) ||
			it["dunning_level"].(float64) != float64(want.DunningLevel) || it["dunning_block"] != want.Blocked ||
			r.body["open_cents"].(float64) != float64(page.Payers[0].Total) || r.body["today"] != page.Today {
			t.Fatalf("API %s, admin page %+v", r.raw, want)
		}
		open := int64(it["open_cents"].(float64))
		if open <= 1000 || it["dunning_level"].(float64) != 0 || it["dunning_block"] != false {
			t.Fatalf("open %d: %s", open, r.raw)
		}
		inv := want.Number
		pay := "/api/v1/payer-invoices/" + inv + "/payments"
		today := page.Today
		entries := func() (n, audited int) {
			t.Helper()
			must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM payer_payments WHERE invoice_id = $1`, want.ID).Scan(&n))
			must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE entity = 'contract' AND entity_id = $1
				AND action LIKE 'payer_payment%'`, want.ContractID).Scan(&audited))
			return n, audited
		}
		part := map[string]any{"amount_cents": 1000, "received_on": today, "reference": "VW Zahlung 4711"}
		first := e.do("POST", pay, part, "Idempotency-Key", "pay-1")
		if first.status != 201 || first.body["amount_cents"].(float64) != 1000 ||
			first.body["invoice_after"].(map[string]any)["open_cents"].(float64) != float64(open-1000) {
			t.Fatalf("part payment: %d %s", first.status, first.raw)
		}
		again := e.do("POST", pay, part, "Idempotency-Key", "pay-1")
		if again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" || string(again.raw) != string(first.raw) {
			t.Fatalf("repeated: %d %s", again.status, again.raw)
		}
		if n, audited := entries(); n != 1 || audited != 1 {
			t.Fatalf("after a repeated key: %d entries, %d audited; want 1 and 1", n, audited)
		}
		// more than open, and every field wrong: named, nothing recorded
		for name, tc := range map[string]struct {
			body   map[string]any
			fields []string
		}{
			"more than open": {map[string]any{"amount_cents": open, "received_on": today, "reference": "zu viel"}, []string{"amount_cents"}},
			"all wrong":      {map[string]any{"amount_cents": 0, "received_on": "05.12.2026", "reference": " "}, []string{"amount_cents", "received_on", "reference"}},
			"missing":        {map[string]any{"received_on": today, "reference": "x"}, []string{"amount_cents"}},
			"wrong type":     {map[string]any{"amount_cents": "10,00", "received_on": today, "reference": "x"}, []string{"amount_cents"}},
			"unknown field":  {map[string]any{"amount_cents": 100, "received_on": today, "reference": "x", "iban": "DE02"}, []string{"iban"}},
		} {
			r := e.do("POST", pay, tc.body, "Idempotency-Key", "bad-"+name, "Accept-Language", "en")
			if r.status != 422 {
				t.Fatalf("%s: %d %s", name, r.status, r.raw)
			}
			for _, f := range tc.fields {
				if !hasFieldError(r, f) {
					t.Fatalf("%s: no error on %s: %s", name, f, r.raw)
				}
			}
		}
		r = e.do("POST", pay, map[string]any{"amount_cents": open, "received_on": today, "reference": "zu viel"}, "Idempotency-Key", "de")
		if r.status != 422 || !strings.Contains(string(r.raw), "Höchstens der offene Betrag von "+euro(open-1000)) {
			t.Fatalf("more than open, in German: %s", r.raw)
		}
		if n, audited := entries(); n != 1 || audited != 1 {
			t.Fatalf("after refused payments: %d entries, %d audited", n, audited)
		}
		if r := e.do("GET", path, nil); r.body["items"].([]any)[0].(map[string]any)["open_cents"].(float64) != float64(open-1000) {
			t.Fatalf("open after refused payments: %s", r.raw)
		}
		if r := e.do("POST", "/api/v1/payer-invoices/RE-0000-999999/payments", part, "Idempotency-Key", "nf"); r.status != 404 || r.body["code"] != "invoice_not_found" {
			t.Fatalf("unknown invoice: %d %s", r.status, r.raw)
		}
		// a dunning block on the payer shows on its items
		must(t, e.contract.SetDunningBlock(ctx, man.ID, 0, "Klärung mit VW"))
		if r := e.do("GET", path, nil); r.body["items"].([]any)[0].(map[string]any)["dunning_block"] != true {
			t.Fatalf("blocked: %s", r.raw)
		}
		// the rest: nothing open any more
		if r := e.do("POST", pay, map[string]any{"amount_cents": open - 1000, "received_on": today, "reference": "Rest"}, "Idempotency-Key", "pay-2"); r.status != 201 ||
			r.body["invoice_after"].(map[string]any)["open_cents"].(float64) != 0 {
			t.Fatalf("the rest: %d %s", r.status, r.raw)
		}
		if r := e.do("GET", path, nil); len(r.body["items"].([]any)) != 0 || r.body["open_cents"].(float64) != 0 {
			t.Fatalf("paid: %s", r.raw)
		}
	})
}
