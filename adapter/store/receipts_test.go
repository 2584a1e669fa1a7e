package store_test

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

func wantCode(t *testing.T, what string, err error, kind errs.Kind, code string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || (code != "" && string(e.Code) != code) {
		t.Fatalf("%s: got %v, want %s %q", what, err, kind, code)
	}
}

// TestReceiptsStore: receipts are stored only on billed contracts, never
// above what is owed (also when the open amount changed meanwhile), move a
// payment_open contract to billed when they cover it and a reversal moves it
// back; a receipt is reversed once; rows never change or disappear except
// their free texts; everything is audit-logged.
func TestReceiptsStore(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		rc := func(cents int64) *contract.Receipt {
			return &contract.Receipt{ContractID: c.ID, StationID: c.StationID, Kind: contract.KindReceipt, Method: contract.MethodCash,
				AmountCents: cents, ReceivedOn: "2026-11-27", CreatedBy: 1000}
		}
		// an open (not yet billed) contract takes no receipt
		_, err = s.AddReceipt(f.ctx, rc(100), contract.Owed{Cents: 10000}, nil)
		wantCode(t, "receipt on an open contract", err, errs.KindConflict, "not_billed_yet")

		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusOpen}, contract.StatusPaymentOpen))
		// the till must be the contract's pickup or return station
		elsewhere := rc(100)
		elsewhere.StationID = f.w.stations[0][1].ID
		_, err = s.AddReceipt(f.ctx, elsewhere, contract.Owed{Cents: 10000}, nil)
		wantCode(t, "receipt at another station's till", err, errs.KindInvalid, "")
		first := rc(4000)
		st, err := s.AddReceipt(f.ctx, first, contract.Owed{Cents: 10000}, nil)
		mustNil(t, err)
		if st != contract.StatusPaymentOpen || first.ID == 0 {
			t.Fatalf("partial receipt: status %s, id %d", st, first.ID)
		}
		// more than is owed after the first receipt: refused, nothing stored
		_, err = s.AddReceipt(f.ctx, rc(6001), contract.Owed{Cents: 10000}, nil)
		wantCode(t, "over-payment", err, errs.KindConflict, "receipt_exceeds")
		if rs, _ := s.Receipts(f.ctx, c.ID); len(rs) != 1 {
			t.Fatalf("after refused over-payment: %d receipts", len(rs))
		}
		// the rest settles the contract and completes the booking
		second := rc(6000)
		second.Method, second.Reference = contract.MethodTransfer, "SEPA 4711"
		st, err = s.AddReceipt(f.ctx, second, contract.Owed{Cents: 10000}, nil)
		mustNil(t, err)
		got, err := s.Contract(f.ctx, c.ID)
		mustNil(t, err)
		if st != contract.StatusBilled || got.Status != contract.StatusBilled {
			t.Fatalf("settling receipt: returned %s, stored %s", st, got.Status)
		}
		r, err := s.Reservation(f.ctx, f.res.ID)
		mustNil(t, err)
		if r.Status != booking.StatusCompleted {
			t.Fatalf("reservation after settling: %s", r.Status)
		}
		// reversal of the first receipt: payment_open again
		rev := &contract.Receipt{ContractID: c.ID, Kind: contract.KindReversal, ReversesID: first.ID, ReceivedOn: "2026-11-27",
			Reason: "doppelt erfasst", CreatedBy: 1000}
		st, err = s.AddReceipt(f.ctx, rev, contract.Owed{Cents: 10000}, nil)
		mustNil(t, err)
		if st != contract.StatusPaymentOpen || rev.Method != contract.MethodCash || rev.AmountCents != 4000 {
			t.Fatalf("reversal: status %s, %+v", st, rev)
		}
		again := &contract.Receipt{ContractID: c.ID, Kind: contract.KindReversal, ReversesID: first.ID, ReceivedOn: "2026-11-27", Reason: "x"}
		_, err = s.AddReceipt(f.ctx, again, contract.Owed{Cents: 10000}, nil)
		wantCode(t, "second reversal", err, errs.KindConflict, "receipt_reversed")
		unknown := &contract.Receipt{ContractID: c.ID, Kind: contract.KindReversal, ReversesID: rev.ID, ReceivedOn: "2026-11-27", Reason: "x"}
		_, err = s.AddReceipt(f.ctx, unknown, contract.Owed{Cents: 10000}, nil)
		wantCode(t, "reversal of a reversal", err, errs.KindNotFound, "")

		rs, err := s.Receipts(f.ctx, c.ID)
		mustNil(t, err)
		if len(rs) != 3 || rs[0].ReversedByID != rev.ID || rs[1].ReversedByID != 0 || rs[2].Kind != contract.KindReversal ||
			rs[1].Reference != "SEPA 4711" || rs[0].ReceivedOn != "2026-11-27" || contract.NetReceipts(rs) != 6000 {
			t.Fatalf("receipts %+v", rs)
		}
		// bookkeeping rows never change (but their free texts) and are never deleted
		db := s.DB()
		if _, err := db.ExecContext(context.Background(), `UPDATE contract_receipts SET amount_cents = 1 WHERE id = $1`, first.ID); err == nil {
			t.Fatal("amount of a receipt changed")
		}
		if _, err := db.ExecContext(context.Background(), `DELETE FROM contract_receipts WHERE id = $1`, second.ID); err == nil {
			t.Fatal("receipt deleted")
		}
		if _, err := db.ExecContext(context.Background(), `UPDATE contract_receipts SET reference = '' WHERE id = $1`, second.ID); err != nil {
			t.Fatalf("blanking the reference (retention purge): %v", err)
		}
		trail, err := s.AuditTrail(f.ctx, "contract", c.ID)
		mustNil(t, err)
		actions := map[string]int{}
		for _, e := range trail {
			actions[e.Action]++
		}
		if actions["receipt"] != 2 || actions["receipt_reversal"] != 1 || actions["status"] < 3 {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

// TestReceiptsIsolation: another station's staff and another tenant neither
// see nor record receipts of a contract; the contract's own station does.
func TestReceiptsIsolation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusOpen}, contract.StatusPaymentOpen))
		own := as(f.w.actor(0, 0))
		r := &contract.Receipt{ContractID: c.ID, StationID: c.StationID, Kind: contract.KindReceipt, Method: contract.MethodCash,
			AmountCents: 500, ReceivedOn: "2026-11-27"}
		_, err = s.AddReceipt(own, r, contract.Owed{Cents: 10000}, nil)
		mustNil(t, err)
		for name, ctx := range map[string]context.Context{
			"other station": as(f.w.actor(0, 1)), "other tenant's admin": as(f.w.actor(1, -1)), "other tenant's station": as(f.w.actor(1, 0)),
		} {
			if _, err := s.Receipts(ctx, c.ID); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s reads receipts: %v", name, err)
			}
			x := &contract.Receipt{ContractID: c.ID, Kind: contract.KindReceipt, Method: contract.MethodCash, AmountCents: 100, ReceivedOn: "2026-11-27"}
			if _, err := s.AddReceipt(ctx, x, contract.Owed{Cents: 10000}, nil); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s records a receipt: %v", name, err)
			}
			rev := &contract.Receipt{ContractID: c.ID, Kind: contract.KindReversal, ReversesID: r.ID, ReceivedOn: "2026-11-27", Reason: "x"}
			if _, err := s.AddReceipt(ctx, rev, contract.Owed{Cents: 10000}, nil); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s reverses a receipt: %v", name, err)
			}
		}
		rs, err := s.Receipts(own, c.ID)
		mustNil(t, err)
		if len(rs) != 1 || rs[0].Reversed() {
			t.Fatalf("receipts after foreign attempts: %+v", rs)
		}
		// the open-items report counts the receipt
		items, err := s.OpenItems(f.ctx)
		mustNil(t, err)
		if len(items) != 1 || items[0].OpenCents != -500 {
			t.Fatalf("open items %+v (no invoice: billed 0 − receipts 500)", items)
		}
	})
}
