package api_test

import (
	"context"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
)

// TestWorkshopOrderAfterBooking (both databases): a rental booked without
// a workshop order (as at the counter) gets one through PATCH
// /bookings/{number} while the car is out — audited on the booking and
// on the contract; the workshop's "repair done" call finds the rental by
// it; the payer's invoice issued at return names it; once billed, a
// change is refused with 409 workshop_ref.billed and nothing changes. A
// too long order is 422 on workshop_order; other fields after pickup stay
// refused.
func TestWorkshopOrderAfterBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		_, man, _, _ := seedPayers(t, e)
		body := bookingBody("eva@example.de", telecashsim.CardApproveVisa, day(3, 9), day(5, 9))
		body["payer_id"] = man.ID
		delete(body, "workshop_order") // as at the counter: none
		b := e.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "b")
		if b.status != 201 || b.body["workshop_order"] != "" {
			t.Fatalf("book: %d %s", b.status, b.raw)
		}
		num := b.body["number"].(string)
		staff := "Bearer " + e.keys[identity.ScopeStaff]
		if r := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", staff); r.status != 201 {
			t.Fatalf("handover: %d %s", r.status, r.raw)
		}
		patch := "/api/v1/bookings/" + num
		if r := e.do("PATCH", patch, map[string]any{"workshop_order": strings.Repeat("W", 61)}, "Idempotency-Key", "long"); r.status != 422 || !hasFieldError(r, "workshop_order") {
			t.Fatalf("too long: %d %s", r.status, r.raw)
		}
		if r := e.do("PATCH", patch, map[string]any{"workshop_order": "WA-1", "return": day(6, 9).Format("2006-01-02T15:04:05Z07:00")}, "Idempotency-Key", "both"); r.status != 409 {
			t.Fatalf("workshop order with a period change after pickup: %d %s", r.status, r.raw)
		}
		r := e.do("PATCH", patch, map[string]any{"workshop_order": " WA-24117 "}, "Idempotency-Key", "set")
		if r.status != 200 || r.body["workshop_order"] != "WA-24117" {
			t.Fatalf("set the workshop order: %d %s", r.status, r.raw)
		}
		res, err := e.st.ReservationByNumber(ctx, num)
		must(t, err)
		c, err := e.st.ContractByReservation(ctx, res.ID)
		must(t, err)
		audited := func() (onRes, onContract int) {
			t.Helper()
			db := e.st.DB()
			must(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE entity = 'reservation' AND entity_id = $1 AND action = 'workshop_ref'`, res.ID).Scan(&onRes))
			must(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE entity = 'contract' AND entity_id = $1 AND action = 'workshop_ref'`, c.ID).Scan(&onContract))
			return
		}
		if a, b := audited(); a != 1 || b != 1 {
			t.Fatalf("audited %d times on the booking, %d on the contract; want 1 and 1", a, b)
		}
		// the workshop's call finds the rental by the new order
		done := e.do("POST", "/api/v1/workshop-orders/wa-24117/completed", nil)
		if done.status != 200 || len(done.body["rentals"].([]any)) != 1 || done.body["rentals"].([]any)[0].(map[string]any)["booking"] != num {
			t.Fatalf("repair done: %d %s", done.status, done.raw)
		}
		ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean"}
		if r := e.do("POST", "/api/v1/bookings/"+num+"/return", ret, "Authorization", staff); r.status != 200 || r.body["status"] != "billed" {
			t.Fatalf("return: %d %s", r.status, r.raw)
		}
		// the payer's invoice, issued afterwards, names the workshop order
		docs, err := e.contract.Receivables(ctx, contract.ReceivableFilter{ContractID: c.ID})
		must(t, err)
		if len(docs) != 1 {
			t.Fatalf("payer documents: %+v", docs)
		}
		var note string
		must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT note FROM invoices WHERE id = $1`, docs[0].ID).Scan(&note))
		if !strings.Contains(note, "Werkstattauftrag WA-24117") {
			t.Fatalf("the payer's invoice does not name the workshop order: %q", note)
		}
		// billed: refused, nothing changed
		r = e.do("PATCH", patch, map[string]any{"workshop_order": "WA-99"}, "Idempotency-Key", "late", "Accept-Language", "en")
		if r.status != 409 || r.body["code"] != "workshop_ref.billed" || !strings.Contains(r.body["detail"].(string), "billed") {
			t.Fatalf("after billing: %d %s", r.status, r.raw)
		}
		if res, _ := e.st.ReservationByNumber(ctx, num); res.WorkshopRef != "WA-24117" {
			t.Fatalf("workshop order after a refused change: %q", res.WorkshopRef)
		}
		if a, b := audited(); a != 1 || b != 1 {
			t.Fatalf("after the refused change: audited %d and %d", a, b)
		}
	})
}
