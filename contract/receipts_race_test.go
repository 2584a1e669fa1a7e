package contract_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payment"
)

// receiptsHook is the store's ReceiptStore that runs meanwhile once, right
// after the service has read the receipts.
type receiptsHook struct {
	contract.ReceiptStore
	meanwhile func()
}

func (h *receiptsHook) Receipts(ctx context.Context, id int64) ([]contract.Receipt, error) {
	rs, err := h.ReceiptStore.Receipts(ctx, id)
	if f := h.meanwhile; f != nil {
		h.meanwhile = nil
		f()
	}
	return rs, err
}

// withCard gives the contract's customer a stored card at a simulator and
// returns a contract service that charges it, whose receipts go through hook.
func (w *rcWorld) withCard(t *testing.T, hook *receiptsHook) *contract.Service {
	t.Helper()
	sim, err := telecashsim.NewServer("127.0.0.1:0", telecashsim.Options{})
	must(t, err)
	t.Cleanup(func() { sim.Close() })
	gw, err := telecash.New(telecash.Config{BaseURL: sim.URL, APIKey: telecashsim.DefaultAPIKey, APISecret: telecashsim.DefaultAPISecret,
		StoreID: telecashsim.DefaultStoreID, Timeout: 5 * time.Second})
	must(t, err)
	tok, err := gw.CreateToken(w.ctx, payment.TokenCreate{MerchantTransactionID: payment.RandomID(),
		Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: 2030}})
	must(t, err)
	must(t, w.s.SaveCard(w.ctx, &payment.StoredCard{CustomerID: w.c.CustomerID, Token: tok.Token,
		Card: payment.CardInfo{Brand: "visa", Last4: "1111", ExpMonth: 12, ExpYear: 2030}}))
	hook.ReceiptStore = w.s
	pay := payment.NewService(w.s, payment.SingleGateway{G: gw}, payment.Config{}, nil, nil, nil)
	return contract.NewService(contract.Deps{Store: w.s, Bookings: w.s, Vehicles: w.s, Tariffs: w.s, Tenancy: w.s, Customers: w.s,
		Payments: pay, Records: w.s, Invoices: w.s, Issued: w.s, Renderer: pdf.New(), Mailer: contracttest.Mailer{},
		Receipts: hook, Now: func() time.Time { return *w.now }})
}

func conflictCode(err error) string {
	if e, ok := errs.As(err); ok && e.Kind == errs.KindConflict {
		return string(e.Code)
	}
	return ""
}

// TestReceiptAndCardChargeNeverBothTakeTheMoney: a payment at the counter
// and a card charge of the same open amount cannot both stand. While a card
// charge of the rental waits for its outcome a receipt is refused; a
// receipt checked against an older view of the card payments is refused; a
// receipt that lands between the card retry reading the open amount and
// sending the charge gets the charge refunded at once, staff are told, and
// the ledger balances at zero.
func TestReceiptAndCardChargeNeverBothTakeTheMoney(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newRcWorld(t, d)
		open := w.returnCar(t)
		hook := &receiptsHook{}
		svc := w.withCard(t, hook)
		cash := contract.Receipt{Method: contract.MethodCash, AmountCents: open, ReceivedOn: "2026-11-28"}
		receipts := func() int {
			rs, err := w.svc.Receipts(w.ctx, w.c.ID)
			must(t, err)
			return len(rs)
		}

		// a card charge in flight (its pending record is written before it is sent)
		running := payment.Record{Links: payment.Links{ReservationID: w.c.ReservationID, ContractID: w.c.ID, CustomerID: w.c.CustomerID,
			Purpose: contract.PurposeFinal}, Operation: payment.OpTokenSale, Status: payment.StatusPending,
			Amount: payment.EUR(open), MerchantTransactionID: payment.RandomID(), OrderID: "race-1"}
		must(t, w.s.InsertPayment(w.ctx, &running))
		if _, err := w.svc.RecordReceipt(w.ctx, w.c.ID, cash); conflictCode(err) != "card_charge_running" {
			t.Fatalf("receipt while a card charge is pending: %v", err)
		}
		// the same, decided inside the store's transaction
		stale := cash
		stale.ContractID, stale.Kind, stale.CreatedBy = w.c.ID, contract.KindReceipt, 7
		if _, err := w.s.AddReceipt(w.ctx, &stale, contract.Owed{Cents: open, LastPaymentID: running.ID}, nil); conflictCode(err) != "card_charge_running" {
			t.Fatalf("store: receipt while a card charge is pending: %v", err)
		}
		running.Status = payment.StatusDeclined
		must(t, w.s.ResolvePayment(w.ctx, &running))
		// a view of the card payments from before that charge
		if _, err := w.s.AddReceipt(w.ctx, &stale, contract.Owed{Cents: open, LastPaymentID: running.ID - 1}, nil); conflictCode(err) != "payments_changed" {
			t.Fatalf("store: receipt against an older view of the payments: %v", err)
		}
		if receipts() != 0 {
			t.Fatal("a refused receipt was stored")
		}

		// the window: the counter takes the money after the retry read what is open
		hook.meanwhile = func() {
			if _, err := w.svc.RecordReceipt(w.ctx, w.c.ID, cash); err != nil {
				t.Errorf("receipt at the counter: %v", err)
			}
		}
		rec, err := svc.RetryPayment(w.ctx, w.c.ID)
		if conflictCode(err) != "receipt_meanwhile" {
			t.Fatalf("retry while the counter took the money: %v (%+v)", err, rec)
		}
		if rec.Status != payment.StatusApproved || rec.Amount.Cents != open {
			t.Fatalf("the card charge: %+v", rec)
		}
		recs, err := w.s.ListPayments(w.ctx, payment.RecordFilter{ReservationID: w.c.ReservationID})
		must(t, err)
		refunded := int64(0)
		for _, r := range recs {
			if r.Operation == payment.OpRefund && r.ParentID == rec.ID && r.Status == payment.StatusApproved {
				refunded += r.Amount.Cents
			}
		}
		if refunded != open {
			t.Fatalf("refunded %d of the card charge, want %d", refunded, open)
		}
		if got := w.open(t); got != 0 {
			t.Fatalf("open after the refund: %d, want 0", got)
		}
		if st := w.status(t); st != contract.StatusBilled {
			t.Fatalf("status %s, want billed", st)
		}
		if receipts() != 1 {
			t.Fatalf("receipts %d, want the counter's one", receipts())
		}
	})
}
