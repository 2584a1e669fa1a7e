package api_test

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// TestBookingWithPayer: the dealer's server books a replacement car paid by
// an insurer (payer_id): the booking's cover names the insurer; a cost
// centre makes it internal use. A public key, an unknown or inactive payer
// gets 422 on payer_id, and nothing is booked or charged.
func TestBookingWithPayer(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		addr := func(p payer.Payer) payer.Payer {
			p.Street, p.PostalCode, p.City, p.Country, p.Active = "Bahnhofsplatz 1", "96444", "Coburg", "DE", true
			p.Covers = map[string]bool{payer.PartRent: true}
			return p
		}
		ins := addr(payer.Payer{Kind: payer.KindInsurer, Name: "HUK-COBURG"})
		cc := addr(payer.Payer{Kind: payer.KindCostCentre, Name: "Kulanz Werkstatt"})
		off := addr(payer.Payer{Kind: payer.KindFleet, Name: "Alte Flotte"})
		off.Active = false
		for _, p := range []*payer.Payer{&ins, &cc, &off} {
			must(t, e.st.CreatePayer(ctx, p))
		}
		orders := len(e.sim.Ledger())
		for name, tc := range map[string]struct {
			id  int64
			key identity.Scope
		}{"public key": {ins.ID, identity.ScopePublic}, "unknown": {ins.ID + 1000, identity.ScopeSecret}, "inactive": {off.ID, identity.ScopeSecret}} {
			body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
			body["payer_id"] = tc.id
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "bad-"+name, "Authorization", "Bearer "+e.keys[tc.key])
			if r.status != 422 || !hasFieldError(r, "payer_id") {
				t.Fatalf("%s: %d %s", name, r.status, r.raw)
			}
		}
		if n := len(e.sim.Ledger()); n != orders {
			t.Fatalf("a refused booking reached the gateway: %d orders, had %d", n, orders)
		}

		body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 17))
		body["payer_id"] = ins.ID
		r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "ins")
		if r.status != 201 {
			t.Fatalf("book with an insurer: %d %s", r.status, r.raw)
		}
		res, err := e.st.ReservationByNumber(ctx, r.body["number"].(string))
		must(t, err)
		if c, err := e.st.Cover(ctx, res.ID); err != nil || c.Mode != payer.ModePayer || c.PayerID != ins.ID {
			t.Fatalf("cover of the booking: %+v %v", c, err)
		}
		// the claim with the payer: stored with the cover; a wrong VIN or a
		// claim without a payer is refused and books nothing
		for name, tc := range map[string]struct {
			body  func(map[string]any)
			field string
		}{
			"wrong VIN": {func(b map[string]any) {
				b["payer_id"] = ins.ID
				b["claim"] = map[string]any{"claim_number": "KS-1", "customer_vin": "WVWZZZ1KZAW00000O"}
			}, "claim.customer_vin"},
			"claim without payer": {func(b map[string]any) { b["claim"] = map[string]any{"claim_number": "KS-1"} }, "claim"},
		} {
			body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(8, 9), day(9, 17))
			tc.body(body)
			r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "claim-"+name)
			if r.status != 422 || !hasFieldError(r, tc.field) {
				t.Fatalf("%s: %d %s", name, r.status, r.raw)
			}
		}
		body = bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(8, 9), day(9, 17))
		body["payer_id"] = ins.ID
		body["claim"] = map[string]any{"claim_number": "KS-2026-4711", "policy_number": "KH 1", "at_fault_party": "Max Muster",
			"customer_vin": "wvwzzz1kz-aw000001", "customer_plate": "R-KW 1"}
		if r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "ins-claim"); r.status != 201 {
			t.Fatalf("book with a claim: %d %s", r.status, r.raw)
		} else {
			res, err := e.st.ReservationByNumber(ctx, r.body["number"].(string))
			must(t, err)
			if c, err := e.st.Cover(ctx, res.ID); err != nil || c.ClaimNumber != "KS-2026-4711" || c.CustomerVIN != "WVWZZZ1KZAW000001" ||
				c.AtFaultParty != "Max Muster" || c.CustomerPlate != "R-KW 1" {
				t.Fatalf("cover with the claim: %+v %v", c, err)
			}
		}
		body = bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(6, 9), day(7, 17))
		body["payer_id"] = cc.ID
		r = e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "cc")
		if r.status != 201 {
			t.Fatalf("book internal use: %d %s", r.status, r.raw)
		}
		res, err = e.st.ReservationByNumber(ctx, r.body["number"].(string))
		must(t, err)
		if c, _ := e.st.Cover(ctx, res.ID); c.Mode != payer.ModeInternal || c.PayerID != cc.ID {
			t.Fatalf("cover of the internal booking: %+v", c)
		}
	})
}

// hasFieldError reports whether the problem r lists field.
func hasFieldError(r resp, field string) bool {
	list, _ := r.body["errors"].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok && (m["field"] == field || m["pointer"] == "/"+field) {
			return true
		}
	}
	return false
}

// TestPendingCoveredBookingConfirmsWithSplit (both databases): a booking
// with payer_id whose rent's outcome stays unknown is answered 202 and
// e-mails nothing; once the reconciler learns the rent was approved, the
// finisher confirms it and the customer gets one confirmation — no
// "updated" one — quoting the split of the reservation page
// (contract.Service.ReservationSplit: the whole, the insurer's capped
// share, the customer's) with the rent paid. The replay still answers 202.
func TestPendingCoveredBookingConfirmsWithSplit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		ins := payer.Payer{Kind: payer.KindInsurer, Name: "HUK-COBURG", Street: "Bahnhofsplatz 1", PostalCode: "96444", City: "Coburg",
			Country: "DE", Active: true, CapDays: 1, Covers: map[string]bool{payer.PartRent: true}}
		must(t, e.st.CreatePayer(ctx, &ins))
		_, err := e.st.DB().Exec(`UPDATE tariffs SET deposit_cents = 0`)
		must(t, err)
		setDayPrice(t, e, 66600) // the gateway commits, then fails: the outcome stays unknown
		e.gw.inquiryDown.Store(true)
		body := bookingBody("offen@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 9))
		body["payer_id"] = ins.ID
		r := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "offen-ins")
		if r.status != 202 || r.body["status"] != "pending_payment" {
			t.Fatalf("want 202 pending: %d %s", r.status, r.raw)
		}
		res, err := e.st.ReservationByNumber(ctx, r.body["number"].(string))
		must(t, err)
		if c, err := e.st.Cover(ctx, res.ID); err != nil || c.PayerID != ins.ID {
			t.Fatalf("the pending booking's cover: %+v %v", c, err)
		}
		if n := e.countRows(t, `SELECT count(*) FROM emails`); n != 0 {
			t.Fatalf("%d e-mails for a booking still pending", n)
		}
		e.settle(t)
		g := e.do("GET", "/api/v1/bookings/"+res.Number, nil)
		if g.body["status"] != "confirmed" {
			t.Fatalf("after settling: %s", g.raw)
		}
		sp, err := e.contract.ReservationSplit(ctx, res.ID)
		must(t, err)
		if !sp.Covered() || sp.PayerCents != 66600 || sp.DriverCents != sp.TotalCents-66600 || sp.DriverCents <= 0 {
			t.Fatalf("the page's split: %+v, want the insurer's one day of two", sp)
		}
		// the API shows the same figures
		price := g.body["price"].(map[string]any)
		if price["estimated_total_cents"] != float64(sp.TotalCents) || price["payer_share_cents"] != float64(sp.PayerCents) ||
			price["driver_share_cents"] != float64(sp.DriverCents) {
			t.Errorf("the booking's price %v, the page's split %+v", price, sp)
		}
		rows, err := e.st.DB().Query(`SELECT kind, subject, body_text FROM emails WHERE to_addr = 'offen@example.de'`)
		must(t, err)
		var mails []string
		for rows.Next() {
			var kind, subject, text string
			must(t, rows.Scan(&kind, &subject, &text))
			mails = append(mails, kind+" | "+subject+"\n"+text)
		}
		must(t, rows.Err())
		rows.Close()
		de := locale.Lang("de")
		want := "Voraussichtlicher Mietpreis: " + de.Money(sp.TotalCents) + " – davon übernimmt HUK-COBURG " + de.Money(sp.PayerCents) +
			"; Ihr Anteil voraussichtlich " + de.Money(sp.DriverCents)
		if len(mails) != 1 || !strings.HasPrefix(mails[0], "reservation_confirmation | ") || strings.Contains(mails[0], "aktualisiert") ||
			!strings.Contains(mails[0], want) || !strings.Contains(mails[0], "Bereits bezahlt (erster Miettag): "+de.Money(66600)) {
			t.Fatalf("e-mails to the customer, want one confirmation quoting %q:\n%s", want, strings.Join(mails, "\n---\n"))
		}
		if rp := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "offen-ins"); rp.status != 202 || rp.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s", rp.status, rp.raw)
		}
		checkLedger(t, e)
	})
}
