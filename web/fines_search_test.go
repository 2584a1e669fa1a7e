package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
)

// TestFinesSearchInstants: one car used by two contracts on the same day;
// the search at each instant (before the first handover, exactly at a
// handover, in between, exactly at a return, after the last) gives
// exactly one contract or says nobody had the car; bad input gets field
// errors.
func TestFinesSearchInstants(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, first, _ := handedOver(t, d)
		reg := ce.res["reg"]
		t0 := ce.clk.Now()
		ce.clk.Advance(20 * time.Minute)
		returned(t, c, first.ID, "5120")
		t1 := ce.clk.Now()
		ce.clk.Advance(10 * time.Minute)
		second := booking.Reservation{StationID: reg.StationID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, VehicleID: reg.VehicleID,
			TariffID: reg.TariffID, Pickup: ce.clk.Now(), Return: ce.clk.Now().Add(3 * time.Hour), Status: booking.StatusConfirmed}
		must(t, ce.store.CreateReservation(ce.sys(), &second))
		hpath := fmt.Sprintf("/admin/reservations/%d/handover", second.ID)
		form := handoverForm(c.token(hpath), true, "5120")
		form.Set("drivers.0.first_name", "Max")
		if p := c.post(hpath, form); p.status != http.StatusOK {
			t.Fatalf("second handover: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		t2 := ce.clk.Now()
		sct, err := ce.store.ContractByReservation(ce.sys(), second.ID)
		must(t, err)
		ce.clk.Advance(20 * time.Minute)
		returned(t, c, sct.ID, "5200")
		t3 := ce.clk.Now()

		loc := ce.reg.Location()
		at := func(tm time.Time) string { return tm.In(loc).Format("2006-01-02T15:04") }
		for _, tc := range []struct {
			name string
			at   time.Time
			want string // contract number, "" = nobody
		}{
			{"before the first handover", t0.Add(-time.Minute), ""},
			{"at the first handover", t0, first.Number},
			{"during the first", t0.Add(10 * time.Minute), first.Number},
			{"at the first return", t1, ""},
			{"at the second handover", t2, sct.Number},
			{"one minute before the second return", t3.Add(-time.Minute), sct.Number},
			{"at the second return", t3, ""},
		} {
			p := c.get("/admin/fines?" + url.Values{"plate": {strings.ToLower(strings.ReplaceAll("R-CT 11", " ", ""))}, "at": {at(tc.at)}}.Encode())
			wantStatus(t, p, http.StatusOK)
			n := strings.Count(p.body, `class="fines-contract"`)
			switch {
			case tc.want == "" && (n != 0 || !strings.Contains(p.body, `id="fines-nobody"`)):
				t.Errorf("%s: %d contracts, want nobody", tc.name, n)
			case tc.want != "" && (n != 1 || !strings.Contains(p.body, tc.want)):
				t.Errorf("%s: %d contracts, want only %s", tc.name, n, tc.want)
			}
			if tc.want == sct.Number && !strings.Contains(p.body, "Max Muster") {
				t.Errorf("%s: the driver is missing", tc.name)
			}
		}
		p := c.get("/admin/fines?plate=R-XX+999&at=2026-13-01T10:00")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); fe["plate"] == "" || fe["at"] == "" {
			t.Fatalf("field errors: %v", fe)
		}
		// another station's car is not found
		p = c.get("/admin/fines?" + url.Values{"plate": {"R-CT 12"}, "at": {at(t0)}}.Encode())
		wantStatus(t, p, http.StatusUnprocessableEntity)
	})
}
