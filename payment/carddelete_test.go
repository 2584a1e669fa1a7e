package payment_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
)

// TestCardEraserDeletesTokenAtGateway: a card deleted here is deleted at
// the simulator over HTTP — after a failed attempt while the gateway is
// down — and a later token sale with it fails; each attempt is recorded and
// the token never appears in a log line or record.
func TestCardEraserDeletesTokenAtGateway(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		l := payment.Links{CustomerID: e.customer, Purpose: "rent"}
		_, card, err := e.svc.Sale(e.ctx, l, "ord-del-1", payment.EUR(4900), visa, true, nil)
		if err != nil || card == nil {
			t.Fatalf("sale: %+v, %v", card, err)
		}
		tokenSale := func(order string) payment.Result {
			t.Helper()
			r, err := e.gw.TokenSale(e.ctx, payment.TokenPayment{Ref: payment.Ref{MerchantTransactionID: payment.RandomID(), OrderID: order},
				Amount: payment.EUR(100), Token: card.Token, SchemeTransactionID: card.SchemeTransactionID})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := tokenSale("ord-del-before"); r.Outcome != payment.Approved {
			t.Fatalf("token sale before deletion: %+v", r)
		}
		eraser := payment.NewCardEraser(e.st, payment.SingleGateway{G: e.gw}, e.now, nil, slogTo(e))
		if d, err := eraser.DeleteCustomerCards(e.ctx, e.customer); err != nil || d != (payment.CardDeletion{}) {
			t.Fatalf("a card not deleted here was deleted at the gateway: %+v, %v", d, err)
		}
		if _, err := e.st.DB().Exec(`UPDATE payment_cards SET deleted_at = $1 WHERE id = $2`, "2026-01-01T00:00:00.000000Z", card.ID); err != nil {
			t.Fatal(err)
		}

		// The gateway is down: the attempt is recorded as failed, the card stays pending.
		down, err := telecash.New(telecash.Config{BaseURL: "http://127.0.0.1:1", APIKey: telecashsim.DefaultAPIKey,
			APISecret: telecashsim.DefaultAPISecret, StoreID: telecashsim.DefaultStoreID, Timeout: 200 * time.Millisecond, Logger: slogTo(e)})
		if err != nil {
			t.Fatal(err)
		}
		d, err := payment.NewCardEraser(e.st, payment.SingleGateway{G: down}, e.now, nil, slogTo(e)).DeleteCustomerCards(e.ctx, e.customer)
		if err != nil || d.Deleted != 0 || d.Failed != 1 {
			t.Fatalf("with the gateway down: %+v, %v", d, err)
		}
		if st, _ := e.st.RetentionStatus(e.ctx, e.customer); st.CardsPending != 1 || st.CardError == "" {
			t.Fatalf("status after failure = %+v", st)
		}
		if r := tokenSale("ord-del-still"); r.Outcome != payment.Approved {
			t.Fatalf("token gone although the gateway was down: %+v", r)
		}

		// The retention job's retry (all tenants) deletes it.
		e.offset.Add(int64(10 * time.Minute)) // past the claim of the failed attempt
		del, failed, err := eraser.DeleteOutstandingCards(sysAll(e), 10)
		if err != nil || del != 1 || failed != 0 {
			t.Fatalf("retry: %d deleted, %d failed, %v", del, failed, err)
		}
		if r := tokenSale("ord-del-after"); r.Outcome == payment.Approved {
			t.Fatalf("token sale after deletion approved: %+v", r)
		}
		if st, _ := e.st.RetentionStatus(e.ctx, e.customer); st.CardsPending != 0 || st.CardsDeleted != 1 {
			t.Fatalf("status after deletion = %+v", st)
		}
		if d, err := eraser.DeleteCustomerCards(e.ctx, e.customer); err != nil || d != (payment.CardDeletion{}) {
			t.Fatalf("deleted twice: %+v, %v", d, err)
		}

		// A token the gateway no longer knows counts as deleted.
		_, card2, err := e.svc.Sale(e.ctx, l, "ord-del-2", payment.EUR(4900), visa, true, nil)
		if err != nil || card2 == nil || card2.Token == card.Token {
			t.Fatalf("second sale: %+v, %v", card2, err)
		}
		if r, _ := e.gw.DeleteToken(e.ctx, card2.Token); r.Outcome != payment.Approved {
			t.Fatalf("direct delete: %+v", r)
		}
		if _, err := e.st.DB().Exec(`UPDATE payment_cards SET deleted_at = $1 WHERE id = $2`, "2026-01-01T00:00:00.000000Z", card2.ID); err != nil {
			t.Fatal(err)
		}
		if d, err := eraser.DeleteCustomerCards(e.ctx, e.customer); err != nil || d.Deleted != 1 {
			t.Fatalf("unknown token: %+v, %v", d, err)
		}

		recs, err := e.st.ListPayments(e.ctx, payment.RecordFilter{CustomerID: e.customer})
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, r := range recs {
			if r.Operation == payment.OpDeleteToken {
				ops = append(ops, string(r.Status)+"/"+string(r.ReasonCode))
				if r.Amount.Cents != 0 || r.Purpose != payment.PurposeCardDeletion || r.Status.Open() {
					t.Errorf("deletion record = %+v", r)
				}
			}
			if strings.Contains(r.Message, card.Token) || strings.Contains(r.Message, card2.Token) {
				t.Errorf("token in a record: %+v", r)
			}
		}
		if got := strings.Join(ops, " "); got != "failed/not_sent approved/ failed/not_found" {
			t.Fatalf("deletion records = %s", got)
		}
		for _, tok := range []string{card.Token, card2.Token} {
			if strings.Contains(e.logs.String(), tok) {
				t.Fatalf("token %s logged", tok)
			}
		}
		if !strings.Contains(e.logs.String(), "card deleted at the gateway") {
			t.Fatal("nothing logged; the leak check would prove nothing")
		}
	})
}

func slogTo(e *env) *slog.Logger {
	return slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func sysAll(*env) context.Context {
	return identity.WithActor(context.Background(), identity.System())
}
