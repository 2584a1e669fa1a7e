package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

// counterSums is one station's day in short: per method received, paid
// out, reversed and net; the cash net; the entries as kind/method/signed.
type counterSums struct {
	methods map[string][4]int64
	cashNet int64
	entries []string
}

func sumsOf(d contract.CounterDay) counterSums {
	s := counterSums{methods: map[string][4]int64{}, cashNet: d.CashNetCents()}
	for _, m := range d.Methods {
		s.methods[m.Method] = [4]int64{m.ReceiptsCents, m.PayoutsCents, m.ReversalsCents, m.NetCents()}
	}
	for _, e := range d.Entries {
		s.entries = append(s.entries, fmt.Sprintf("%s/%s/%d", e.Kind, e.Method, e.Signed()))
	}
	return s
}

// TestCounterPaymentsReport: two walk-in contracts of tenant 0 (stations 0
// and 1) and one of tenant 1, each returned without a card and settled at
// the counter through the contract service. At station 0: a terminal
// receipt on the day before (left out, but its reversal on the day counts
// under terminal, negative), a cash receipt, a transfer receipt, a cash
// refund of a credit note (payout), the payout's reversal (positive) and a
// transfer payout. The day's report sums per method and station; the
// admin sees both stations, each station user only its own, nobody
// another tenant's; the day before has only the terminal receipt; a day
// without rows lists the stations with zeros; a malformed day is invalid.
func TestCounterPaymentsReport(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		svc := contract.NewService(contract.Deps{Store: s, Bookings: s, Vehicles: s, Tariffs: s, Tenancy: s, Customers: s,
			Records: s, Invoices: s, Issued: s, Renderer: pdf.New(), Mailer: contracttest.Mailer{}, Now: clk.Now})
		rita := identity.User{Email: "rita@example.de", Name: "Rita Regensburg", Role: identity.RoleStation, Language: "de",
			StationIDs: []int64{w.stations[0][0].ID}}
		mustNil(t, s.CreateUser(sys(w.tenants[0].ID), &rita, "x"))
		staff := as(identity.Actor{Kind: identity.ActorUser, TenantID: w.tenants[0].ID, UserID: rita.ID, Name: rita.Name,
			Role: identity.RoleStation, StationIDs: rita.StationIDs})
		admin := as(w.actor(0, -1))
		alien := as(w.actor(1, -1))

		// walk-in contracts, returned a day and two hours later without a card: 98,00 open each
		type rental struct {
			ctx context.Context
			c   contract.Contract
		}
		rent := func(ctx context.Context, ti, si int, email string) rental {
			t.Helper()
			tctx := sys(w.tenants[ti].ID)
			tn, err := s.Tenant(tctx)
			mustNil(t, err)
			if tn.Street == "" { // invoices need the supplier's address and tax id
				tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstr. 1", "93047", "Regensburg", "DE", "DE123456789"
				mustNil(t, s.UpdateTenant(tctx, &tn))
			}
			cu := testCustomer(t, s, ctx, email)
			r := booking.Reservation{StationID: w.stations[ti][si].ID, CustomerID: cu.ID, CategoryID: w.cats[ti].ID,
				VehicleID: w.vehicles[ti][si].ID, TariffID: w.tariffs[ti].ID, Pickup: clk.Now().Add(time.Hour),
				Return: clk.Now().Add(49 * time.Hour), Status: booking.StatusConfirmed}
			mustNil(t, s.CreateReservation(ctx, &r))
			c, err := svc.Handover(ctx, &contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
				Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Jürgen", LastName: "Weiß", LicenceNumber: "B072RRE2I55",
					LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
				Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 1000, FuelEighths: 8, Cleanliness: "clean"}})
			mustNil(t, err)
			return rental{ctx, c}
		}
		rentals := []rental{rent(staff, 0, 0, "a@example.de"), rent(admin, 0, 1, "b@example.de"), rent(alien, 1, 0, "c@example.de")}
		clk.Advance(26 * time.Hour) // 2026-11-28 11:00 UTC, 12:00 in Berlin
		for _, r := range rentals {
			_, res, err := svc.Return(r.ctx, &contract.Return{ContractID: r.c.ID, Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 1100, FuelEighths: 8, Cleanliness: "clean"}})
			mustNil(t, err)
			if res.Status != contract.StatusPaymentOpen {
				t.Fatalf("return without card: %s", res.Status)
			}
		}
		a, b, foreign := rentals[0].c, rentals[1].c, rentals[2].c
		const day, before = "2026-11-28", "2026-11-27"
		receipt := func(ctx context.Context, id int64, method string, cents int64, ref, on string) contract.Receipt {
			t.Helper()
			r, err := svc.RecordReceipt(ctx, id, contract.Receipt{Method: method, AmountCents: cents, Reference: ref, ReceivedOn: on})
			mustNil(t, err)
			return r
		}
		reverse := func(ctx context.Context, id, receiptID int64) {
			t.Helper()
			_, err := svc.ReverseReceipt(ctx, id, receiptID, "falsch erfasst")
			mustNil(t, err)
		}

		// station 0 (Rita): terminal the day before, reversed today; cash, transfer
		term := receipt(staff, a.ID, contract.MethodTerminal, 3000, "T-1", before)
		receipt(staff, a.ID, contract.MethodCash, 6800, "Bon 1", day)
		reverse(staff, a.ID, term.ID)
		receipt(staff, a.ID, contract.MethodTransfer, 3000, "SEPA-1", day)
		// a credit note of 20,00 paid out in cash; reversed; paid out by transfer instead
		_, _, docs, err := svc.Ledger(staff, a.ID)
		mustNil(t, err)
		var final int64
		for _, d := range docs {
			if d.Kind == invoice.KindFinal {
				final = d.ID
			}
		}
		_, err = svc.Refund(staff, a.ID, final, 2000, "Kulanz", contract.RefundTo{Method: contract.MethodCash})
		mustNil(t, err)
		rs, err := svc.Receipts(staff, a.ID)
		mustNil(t, err)
		payout := rs[len(rs)-1]
		if payout.Kind != contract.KindPayout || payout.AmountCents != 2000 || payout.ReceivedOn != day {
			t.Fatalf("cash refund did not record a payout today: %+v", payout)
		}
		reverse(staff, a.ID, payout.ID)
		_, err = svc.RecordPayout(staff, a.ID, contract.Receipt{Method: contract.MethodTransfer, AmountCents: 2000, Reference: "SEPA-2", ReceivedOn: day})
		mustNil(t, err)
		// station 1 (admin) and the other tenant: cash
		receipt(admin, b.ID, contract.MethodCash, 9800, "Bon 2", day)
		receipt(alien, foreign.ID, contract.MethodCash, 9800, "Fremd", day)

		wantA := counterSums{
			methods: map[string][4]int64{
				contract.MethodCash:     {6800, -2000, 2000, 6800},
				contract.MethodTerminal: {0, 0, -3000, -3000},
				contract.MethodTransfer: {3000, -2000, 0, 1000},
			},
			cashNet: 6800,
			entries: []string{"receipt/cash/6800", "reversal/terminal/-3000", "receipt/transfer/3000", "payout/cash/-2000",
				"reversal/cash/2000", "payout/transfer/-2000"},
		}
		wantB := counterSums{
			methods: map[string][4]int64{contract.MethodCash: {9800, 0, 0, 9800}, contract.MethodTerminal: {}, contract.MethodTransfer: {}},
			cashNet: 9800, entries: []string{"receipt/cash/9800"},
		}
		empty := counterSums{methods: map[string][4]int64{contract.MethodCash: {}, contract.MethodTerminal: {}, contract.MethodTransfer: {}}}
		wantBefore := counterSums{methods: map[string][4]int64{contract.MethodCash: {}, contract.MethodTerminal: {3000, 0, 0, 3000},
			contract.MethodTransfer: {}}, entries: []string{"receipt/terminal/3000"}}
		st0, st1 := w.stations[0][0], w.stations[0][1]

		for _, tc := range []struct {
			name string
			ctx  context.Context
			day  string
			want map[int64]counterSums // per station id, in name order
		}{
			{"admin", admin, day, map[int64]counterSums{st0.ID: wantA, st1.ID: wantB}},
			{"station 0", staff, day, map[int64]counterSums{st0.ID: wantA}},
			{"station 1", as(w.actor(0, 1)), day, map[int64]counterSums{st1.ID: wantB}},
			{"the day before", admin, before, map[int64]counterSums{st0.ID: wantBefore, st1.ID: empty}},
			{"a day without rows", admin, "2026-11-29", map[int64]counterSums{st0.ID: empty, st1.ID: empty}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.CounterPayments(tc.ctx, tc.day)
				mustNil(t, err)
				if len(got) != len(tc.want) {
					t.Fatalf("%d stations, want %d: %+v", len(got), len(tc.want), got)
				}
				for i, d := range got {
					want, ok := tc.want[d.StationID]
					if !ok {
						t.Fatalf("station %d (%s) is not the actor's", d.StationID, d.StationName)
					}
					if i > 0 && got[i-1].StationName > d.StationName {
						t.Errorf("stations not in name order: %s before %s", got[i-1].StationName, d.StationName)
					}
					if d.Day != tc.day || len(d.Methods) != 3 || d.Methods[0].Method != contract.MethodCash {
						t.Errorf("%s: day %s, methods %+v", d.StationName, d.Day, d.Methods)
					}
					if s := sumsOf(d); fmt.Sprint(s) != fmt.Sprint(want) {
						t.Errorf("%s:\n got %v\nwant %v", d.StationName, s, want)
					}
				}
			})
		}

		// the rows carry the contract, customer, who entered them and when
		got, err := s.CounterPayments(staff, day)
		mustNil(t, err)
		e := got[0].Entries[1]
		if e.ContractID != a.ID || e.ContractNumber != a.Number || e.CustomerName != "Jürgen Weiß" || e.CreatedByName != "Rita Regensburg" ||
			e.CreatedBy != rita.ID || e.Reference != "T-1" || e.Reason != "falsch erfasst" || e.ReversesID != term.ID ||
			e.ReversesKind != contract.KindReceipt || e.ReceivedOn != day || !e.CreatedAt.Equal(clk.Now()) || e.StationID != st0.ID {
			t.Fatalf("reversal row %+v", e)
		}
		// another tenant sees only its own
		got, err = s.CounterPayments(alien, day)
		mustNil(t, err)
		if len(got) != 2 || got[0].CashNetCents() != 9800 || got[1].CashNetCents() != 0 || len(got[1].Entries) != 0 {
			t.Fatalf("other tenant: %+v", got)
		}
		_, err = s.CounterPayments(admin, "28.11.2026")
		if !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("malformed day: %v", err)
		}
		_, err = s.CounterPayments(context.Background(), day)
		if !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("without an actor: %v", err)
		}
	})
}
