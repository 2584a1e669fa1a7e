package api_test

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
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
