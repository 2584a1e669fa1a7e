package contract

import (
	"testing"

	"mietwerk.dev/mietwerk/payment"
)

// TestTakenBefore: what earlier billing runs took counts every final order
// ("-F", "-F<n>" of top-ups and retries), not voided ones, and flags charges
// whose outcome is not known yet.
func TestTakenBefore(t *testing.T) {
	sale := func(id int64, order string, st payment.Status, cents int64) payment.Record {
		return payment.Record{ID: id, OrderID: order, Operation: payment.OpTokenSale, Status: st, Amount: payment.EUR(cents)}
	}
	recs := []payment.Record{
		{ID: 1, OrderID: "B26-00001", Operation: payment.OpSale, Status: payment.StatusApproved, Amount: payment.EUR(4900)}, // the advance
		sale(2, "MV26-00001-F", payment.StatusApproved, 9800),
		sale(3, "MV26-00001-F4", payment.StatusDeclined, 1500),
		sale(4, "MV26-00001-F5", payment.StatusApproved, 1500),
		sale(5, "MV26-00001-F6", payment.StatusApproved, 700),
		{ID: 6, ParentID: 5, OrderID: "MV26-00001-F6", Operation: payment.OpVoid, Status: payment.StatusApproved},
		sale(7, "MV26-000010-F", payment.StatusApproved, 99999), // another contract
	}
	got := takenBefore(recs, "MV26-00001-F")
	if got.charged != 9800+1500 || got.attempts != 4 || got.inDoubt {
		t.Fatalf("taken = %+v, want 11300 charged in 4 attempts", got)
	}
	recs = append(recs, sale(8, "MV26-00001-F9", payment.StatusUnknown, 300))
	if !takenBefore(recs, "MV26-00001-F").inDoubt {
		t.Fatal("an unknown final charge must stop billing")
	}
}
