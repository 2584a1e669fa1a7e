package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
)

// TestHandoverGuardRails: the API handover keeps the rules of the admin
// form (they live in the contract service): no odometer reading below the
// car's last one, no driver under 18 or with a licence older than their
// 17th birthday, no car whose HU runs out during the rental without a
// reason. Each refusal names its field and hands nothing over.
func TestHandoverGuardRails(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		// booked while the car was roadworthy; its HU ran out since (a car
		// already overdue is never taken for a booking by itself)
		num := e.book(t, "grenze@example.de", day(1, 9), day(2, 17), "guard1")
		yesterday := time.Now().In(berlin).AddDate(0, 0, -1).Format("2006-01-02")
		for i := range e.vehicles {
			v, err := e.st.Vehicle(ctx, e.vehicles[i].ID)
			must(t, err)
			v.OdometerKM, v.NextInspection = 20_000, yesterday
			must(t, e.st.UpdateVehicle(ctx, &v))
		}
		if r := e.do("POST", "/api/v1/bookings", bookingBody("zweite@example.de", telecashsim.CardApproveVisa, day(3, 9), day(4, 17)),
			"Idempotency-Key", "guard-none"); r.status != 409 || !strings.Contains(string(r.raw), "nothing_free") {
			t.Errorf("a booking when every car's HU ran out: %d %s", r.status, r.raw)
		}
		av := e.do("GET", "/api/v1/availability?station=SR&pickup="+esc2(day(3, 9))+"&return="+esc2(day(4, 17)), nil)
		if strings.Contains(string(av.raw), `"available":true`) {
			t.Errorf("availability offers cars whose HU ran out: %s", av.raw)
		}
		staff := "Bearer " + e.keys[identity.ScopeStaff]
		handover := func(change func(b map[string]any)) resp {
			t.Helper()
			b := handoverBody()
			b["km"] = 20_000
			b["due_override"] = "HU-Termin morgen früh, Werkstatt bestätigt"
			change(b)
			return e.do("POST", "/api/v1/bookings/"+num+"/handover", b, "Authorization", staff, "Accept-Language", "de")
		}
		driver := func(b map[string]any) map[string]any { return b["drivers"].([]map[string]any)[0] }
		born17 := time.Now().In(berlin).AddDate(-17, 0, 0).Format("2006-01-02")
		cases := []struct {
			name, field, text string
			change            func(b map[string]any)
		}{
			{"500 km below the car", "km", "20.000 km", func(b map[string]any) { b["km"] = 19_500 }},
			{"driver 17", "drivers.0.birth_date", "mindestens 18", func(b map[string]any) {
				driver(b)["birth_date"], driver(b)["licence_issued_on"] = born17, time.Now().AddDate(0, -1, 0).Format("2006-01-02")
			}},
			{"licence before the 17th birthday", "drivers.0.licence_issued_on", "17. Geburtstag", func(b map[string]any) {
				driver(b)["birth_date"], driver(b)["licence_issued_on"] = "1990-06-15", "2007-06-14"
			}},
			{"HU due without a reason", "due_override", "HU", func(b map[string]any) { b["due_override"] = "  " }},
			{"no signature and no reason", "signature", "unterschreibt", func(b map[string]any) { delete(b, "unsigned_reason") }},
		}
		for _, c := range cases {
			r := handover(c.change)
			if r.status != 422 || !strings.Contains(string(r.raw), `"`+c.field+`"`) || !strings.Contains(string(r.raw), c.text) {
				t.Errorf("%s: %d %s", c.name, r.status, r.raw)
			}
		}
		if b := e.do("GET", "/api/v1/bookings/"+num, nil); b.body["contract"] != nil {
			t.Fatalf("a refused handover started a contract: %s", b.raw)
		}
		// on the 17th birthday the licence is fine; with the reason the car goes
		r := handover(func(b map[string]any) {
			driver(b)["birth_date"], driver(b)["licence_issued_on"] = "1990-06-15", "2007-06-15"
		})
		if r.status != 201 {
			t.Fatalf("valid handover: %d %s", r.status, r.raw)
		}
		res, err := e.st.ReservationByNumber(ctx, num)
		must(t, err)
		c, err := e.st.ContractByReservation(ctx, res.ID)
		must(t, err)
		ps, err := e.st.Protocols(ctx, c.ID)
		must(t, err)
		if len(ps) != 1 || !strings.Contains(ps[0].Notes, "HU/Service: HU-Termin morgen früh, Werkstatt bestätigt") {
			t.Errorf("the HU reason is not on the handover protocol: %+v", ps)
		}
	})
}
