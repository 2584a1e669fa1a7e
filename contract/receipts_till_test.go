package contract_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestReceiptTills: on a one-way rental (picked up in Regensburg, returned
// in München) money at the counter is booked at the till of the station
// the user works at; an admin's goes to the return station unless one of
// the contract's two stations is chosen; a till outside the contract, or
// one the user does not work at, is refused and nothing is recorded. The
// day report counts each at its till.
func TestReceiptTills(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		var reg, muc, nbg int64
		w := newRcWorld(t, d, func(r *booking.Reservation, st [2]tenancy.Station) {
			reg, muc = st[0].ID, st[1].ID
			r.ReturnStationID = muc
		})
		nbg = muc + 1000 // no station of this contract (nor of the tenant)
		if w.c.ReturnStationID != muc {
			t.Fatalf("contract returns at %d, want München %d", w.c.ReturnStationID, muc)
		}
		// returned in München by its staff; no card: payment_open
		*w.now = w.now.Add(26 * time.Hour)
		_, out, err := w.svc.Return(w.other, &contract.Return{ContractID: w.c.ID, Protocol: contract.Protocol{UnsignedReason: "Schlüsselkasten", OdometerKM: 1200, FuelEighths: 8, Cleanliness: "clean"}})
		must(t, err)
		if out.Status != contract.StatusPaymentOpen {
			t.Fatalf("one-way return: %s", out.Status)
		}
		who := map[string]context.Context{"München's staff": w.other, "Regensburg's staff": w.ctx, "the admin": w.admin}
		cash := func(cents, station int64) contract.Receipt {
			return contract.Receipt{Method: contract.MethodCash, AmountCents: cents, ReceivedOn: "2026-11-28", StationID: station}
		}
		for _, tc := range []struct {
			who     string
			station int64
			want    int64 // 0: refused
		}{
			{"München's staff", 0, muc},
			{"Regensburg's staff", 0, reg},
			{"the admin", 0, muc},
			{"the admin", reg, reg},
			{"the admin", nbg, 0},
			{"München's staff", reg, 0},
		} {
			before, err := w.svc.Receipts(w.admin, w.c.ID)
			must(t, err)
			r, err := w.svc.RecordReceipt(who[tc.who], w.c.ID, cash(100, tc.station))
			after, err2 := w.svc.Receipts(w.admin, w.c.ID)
			must(t, err2)
			if tc.want == 0 {
				if f := fieldsOf(err); f["station"] == "" || len(after) != len(before) {
					t.Errorf("%s choosing till %d: %v, %d rows recorded", tc.who, tc.station, err, len(after)-len(before))
				}
				continue
			}
			must(t, err)
			if r.StationID != tc.want || after[len(after)-1].StationID != tc.want {
				t.Errorf("%s choosing %d: booked at till %d (stored %d), want %d", tc.who, tc.station, r.StationID, after[len(after)-1].StationID, tc.want)
			}
		}
		var days []contract.CounterDay
		// the day report: München took 2,00, Regensburg 2,00 (one by its staff, one chosen by the admin)
		days, err = w.s.CounterPayments(w.admin, "2026-11-28")
		must(t, err)
		got := map[int64]int64{}
		for _, day := range days {
			got[day.StationID] = day.CashNetCents()
		}
		if got[muc] != 200 || got[reg] != 200 {
			t.Fatalf("cash per till %v, want München %d: 200, Regensburg %d: 200", got, muc, reg)
		}
	})
}
