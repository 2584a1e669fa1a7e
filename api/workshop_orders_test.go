package api_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
)

// TestWorkshopOrderCompleted: the workshop reports order WO-4711 done; the
// open rental booked with it is expected back at the close of the station's
// next opening day, and its customer gets the change notice. Another order's
// rental is untouched; a public key gets 403; a repeated call changes
// nothing more.
func TestWorkshopOrderCompleted(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		staff := "Bearer " + e.keys[identity.ScopeStaff]
		want, ok := e.station.NextOpenDayClose(time.Now())
		if !ok {
			t.Fatal("the test station never opens")
		}
		// booked from the next opening day (handed over early, today): the
		// repair done today brings the return forward to that day's close
		pickup := want.Add(-10 * time.Hour)
		num := e.book(t, "werkstatt@example.de", pickup, pickup.AddDate(0, 0, 5), "wo1") // workshop_order WO-4711
		if h := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", staff); h.status != 201 {
			t.Fatalf("handover: %d %s", h.status, h.raw)
		}
		before := e.do("GET", "/api/v1/bookings/"+num+"/contract", nil)
		if before.status != 200 {
			t.Fatalf("contract: %d %s", before.status, before.raw)
		}
		if r := e.do("POST", "/api/v1/workshop-orders/WO-4711/completed", nil, "Authorization", "Bearer "+e.keys[identity.ScopePublic]); r.status != 403 {
			t.Fatalf("public key: %d %s", r.status, r.raw)
		}
		r := e.do("POST", "/api/v1/workshop-orders/wo-4711/completed", nil)
		if r.status != 200 {
			t.Fatalf("completed: %d %s", r.status, r.raw)
		}
		rentals := r.body["rentals"].([]any)
		if len(rentals) != 1 || rentals[0].(map[string]any)["booking"] != num {
			t.Fatalf("rentals: %s", r.raw)
		}
		got, err := time.Parse(time.RFC3339, rentals[0].(map[string]any)["expected_return"].(string))
		must(t, err)
		if !got.Equal(want) || got.In(berlin).Format("15:04") != "19:00" || !got.After(time.Now()) {
			t.Fatalf("expected return %v, want %v (the station's closing on its next opening day)", got, want)
		}
		after := e.do("GET", "/api/v1/bookings/"+num+"/contract", nil)
		if pe, _ := time.Parse(time.RFC3339, after.body["planned_end"].(string)); !pe.Equal(want) {
			t.Fatalf("contract's planned end %v, want %v", after.body["planned_end"], want)
		}
		notices := func() int {
			var n int
			must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM emails WHERE kind = $1 AND to_addr = $2`,
				string(mail.KindContractChange), "werkstatt@example.de").Scan(&n))
			return n
		}
		if n := notices(); n != 1 {
			t.Fatalf("%d change notices to the customer, want 1", n)
		}
		// noted for the home screen, and in the contract's history
		var marked int
		must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM workshop_completions wc
			JOIN contracts c ON c.id = wc.contract_id JOIN reservations r ON r.id = c.reservation_id
			WHERE r.number = $1 AND wc.workshop_ref = $2`, num, "wo-4711").Scan(&marked))
		var audited int
		must(t, e.st.DB().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE entity = 'contract' AND action = 'workshop_done'`).Scan(&audited))
		if marked != 1 || audited != 1 {
			t.Fatalf("repair done noted %d times, audited %d, want 1 and 1", marked, audited)
		}
		// again: nothing more changes, no second notice
		if r := e.do("POST", "/api/v1/workshop-orders/WO-4711/completed", nil); r.status != 200 || notices() != 1 {
			t.Fatalf("second call: %d %s, %d notices", r.status, r.raw, notices())
		}
		if r := e.do("POST", "/api/v1/workshop-orders/WO-9999/completed", nil); r.status != 200 || len(r.body["rentals"].([]any)) != 0 {
			t.Fatalf("another order: %d %s", r.status, r.raw)
		}
	})
}
