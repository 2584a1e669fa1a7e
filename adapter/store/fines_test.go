package store_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

// TestFinesStore: a fine round-trips with its contract number and plate;
// a second fine with the same reference on the contract is refused; other
// stations and tenants neither read nor record fines on the contract; a
// fee claim is held by one request at a time and expires; the fee's
// invoice is issued once (a second issue is refused and issues no number)
// and marks the fine, audited on the contract.
func TestFinesStore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		at := clk.Now().Add(30 * time.Minute).Truncate(time.Second)
		in := contract.Fine{ContractID: c.ID, Kind: contract.FineKindToll, AuthorityName: "Toll Collect GmbH",
			AuthorityAddress: "Linkstraße 4\n10785 Berlin", Reference: "TC-1", OffenceAt: at, Place: "A93", Offence: "Maut nicht entrichtet",
			AmountCents: 1999, Status: contract.FineRecorded}
		mustNil(t, s.CreateFine(f.ctx, &in))
		got, err := s.Fine(f.ctx, in.ID)
		mustNil(t, err)
		if got.ContractID != c.ID || got.Kind != in.Kind || got.AuthorityName != in.AuthorityName || got.AuthorityAddress != in.AuthorityAddress ||
			got.Reference != in.Reference || !got.OffenceAt.Equal(at) || got.Place != in.Place || got.Offence != in.Offence ||
			got.AmountCents != 1999 || got.Status != contract.FineRecorded || got.ContractNumber != c.Number || got.Plate == "" ||
			got.CustomerName == "" || got.FeeInvoiceID != 0 || got.AnsweredAt != nil {
			t.Fatalf("read back %+v", got)
		}
		dup := in
		if err := s.CreateFine(f.ctx, &dup); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("same reference again: %v", err)
		}
		other, foreign := as(f.w.actor(0, 1)), as(f.w.actor(1, -1))
		for name, ctx := range map[string]context.Context{"other station": other, "other tenant": foreign} {
			if _, err := s.Fine(ctx, in.ID); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s reads the fine: %v", name, err)
			}
			if fs, err := s.ListFines(ctx, contract.FineFilter{}); err != nil || len(fs) != 0 {
				t.Errorf("%s lists %v (%v)", name, fs, err)
			}
			x := in
			x.Reference = "TC-2"
			if err := s.CreateFine(ctx, &x); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s records a fine: %v", name, err)
			}
			if ok, err := s.ClaimFineFee(ctx, in.ID, clk.Now(), clk.Now().Add(time.Minute)); ok || !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s claims the fee: %v %v", name, ok, err)
			}
		}

		mustNil(t, s.MarkFineAnswered(f.ctx, in.ID, clk.Now()))
		if got, _ = s.Fine(f.ctx, in.ID); got.Status != contract.FineAnswered || got.AnsweredAt == nil {
			t.Fatalf("answered: %+v", got)
		}

		now := clk.Now()
		if ok, err := s.ClaimFineFee(f.ctx, in.ID, now, now.Add(2*time.Minute)); !ok || err != nil {
			t.Fatalf("first claim: %v %v", ok, err)
		}
		if ok, _ := s.ClaimFineFee(f.ctx, in.ID, now.Add(time.Minute), now.Add(3*time.Minute)); ok {
			t.Fatal("a second request took a held claim")
		}
		if ok, _ := s.ClaimFineFee(f.ctx, in.ID, now.Add(2*time.Minute), now.Add(4*time.Minute)); !ok {
			t.Fatal("an expired claim was not taken over")
		}

		issue := func() (invoice.Issued, error) {
			iss := invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
				Language: "de", Invoice: invoice.Invoice{Kind: invoice.KindStandalone, Currency: "EUR",
					Supplier:  invoice.Party{Name: "Autohaus", Address: invoice.Address{Street: "Weg 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}, VATID: "DE123456789"},
					Recipient: invoice.Party{Name: "Eva Muster", Address: invoice.Address{Street: "Weg 2", PostalCode: "93047", City: "Regensburg", Country: "DE"}},
					Lines: []invoice.Line{{Description: "Bearbeitungsgebühr", QuantityMilli: 1000, Unit: "piece", UnitGross: 1500, VATRateBP: 1900,
						Kind: contract.PurposeFineFee}}, ServicePeriod: invoice.Period{From: at, To: at}}}
			err := s.IssueFineFee(f.ctx, in.ID, 1500, invoice.IssueRequest{Issued: &iss, Render: func(invoice.Invoice) ([]byte, error) { return []byte("%PDF"), nil }})
			return iss, err
		}
		first, err := issue()
		mustNil(t, err)
		if _, err := issue(); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second fee invoice: %v", err)
		}
		sums, err := s.ListInvoices(f.ctx, invoice.Filter{ContractID: c.ID})
		mustNil(t, err)
		if len(sums) != 1 || sums[0].ID != first.ID {
			t.Fatalf("invoices: %+v", sums)
		}
		got, _ = s.Fine(f.ctx, in.ID)
		if got.Status != contract.FineFeeCharged || got.FeeCents != 1500 || got.FeeInvoiceID != first.ID {
			t.Fatalf("after the fee: %+v", got)
		}
		if ok, _ := s.ClaimFineFee(f.ctx, in.ID, now.Add(time.Hour), now.Add(2*time.Hour)); ok {
			t.Fatal("the fee of a charged fine was claimed")
		}
		trail, err := s.AuditTrail(f.ctx, "contract", c.ID)
		mustNil(t, err)
		seen := map[string]bool{}
		for _, e := range trail {
			seen[e.Action] = true
		}
		for _, a := range []string{"fine", "fine_answered", "fine_fee"} {
			if !seen[a] {
				t.Errorf("no audit entry %q", a)
			}
		}
	})
}
