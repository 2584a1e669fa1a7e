package telecash_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/payment"
)

// TestCardNumberNeverLogged runs flows with a test card number — approved,
// declined, refused, timed out, invalid — and checks that neither the
// number nor the CVV appears in the adapter's or simulator's logs, in any
// error string, or in any result.
func TestCardNumberNeverLogged(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	const cvv = "987"
	numbers := []string{telecashsim.CardApproveMastercard, telecashsim.CardDecline, telecashsim.Card3DSChallenge, "5424180279791733"}
	var texts []string
	record := func(r payment.Result, err error) payment.Result {
		texts = append(texts, fmt.Sprintf("%v %+v %#v", r, r, r), r.Reason.Message)
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
		if e := r.Err(); e != nil {
			texts = append(texts, e.Error())
		}
		return r
	}
	for _, n := range numbers {
		c := payment.Card{Number: n, ExpMonth: 1, ExpYear: 2031, CVV: cvv, Holder: "Test"}
		for _, amount := range []int64{100, telecashsim.AmountServerErrorAfterCommit, telecashsim.AmountHangAfterCommit, 0} {
			ref := h.ref("leak")
			record(h.gw.Sale(ctx, payment.CardPayment{Ref: ref, Amount: payment.EUR(amount), Card: c, StoreCard: true}))
			record(h.gw.Sale(ctx, payment.CardPayment{Ref: ref, Amount: payment.EUR(amount), Card: c})) // order exists
			record(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("leak"), Amount: payment.EUR(amount), Card: c}))
		}
		record(h.gw.CreateToken(ctx, payment.TokenCreate{Card: c, DeclineDuplicates: true}))
		record(h.gw.CreateToken(ctx, payment.TokenCreate{Card: c, DeclineDuplicates: true}))
	}
	texts = append(texts, h.logs.String())
	if !strings.Contains(h.logs.String(), "telecash exchange") || !strings.Contains(h.logs.String(), "telecashsim request") {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	for _, s := range texts {
		for _, n := range numbers {
			if strings.Contains(s, n) || strings.Contains(s, n[:6]+n[6:12]) {
				t.Fatalf("card number %s found in: %s", n, s)
			}
		}
		if strings.Contains(s, `"`+cvv+`"`) || strings.Contains(s, "cvv="+cvv) {
			t.Fatalf("CVV found in: %s", s)
		}
	}
}

// TestRandomizedLedgerMatchesOurRecords runs a random mix of operations,
// keeps its own books from the results (resolving Unknown outcomes by
// inquiry, as the payment service will), and compares them with the
// simulator's ledger.
func TestRandomizedLedgerMatchesOurRecords(t *testing.T) {
	h := newHarness(t, setup{})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(42, 7))
	amounts := []int64{100, 2550, 9999, telecashsim.AmountBadGatewayNoCommit, telecashsim.AmountServerErrorAfterCommit, telecashsim.AmountSlow}
	cards := []string{telecashsim.CardApproveVisa, telecashsim.CardApproveVisa, telecashsim.CardDecline, telecashsim.CardApproveMastercard}
	type book struct{ captured, refunded int64 }
	books := map[string]*book{}
	var sales, preauths []payment.Result

	// resolve turns an Unknown result into what the gateway holds.
	resolve := func(r payment.Result) payment.Result {
		if r.Outcome != payment.Unknown {
			return r
		}
		got, err := h.gw.InquireTransaction(ctx, r.MerchantTransactionID)
		if err != nil {
			return payment.Result{Outcome: payment.Failed} // not found: nothing happened
		}
		return got
	}
	bk := func(order string) *book {
		if books[order] == nil {
			books[order] = &book{}
		}
		return books[order]
	}
	for i := 0; i < 150; i++ {
		amount := payment.EUR(amounts[rng.IntN(len(amounts))])
		switch op := rng.IntN(5); {
		case op == 0 || len(sales) == 0:
			r := resolve(must(t)(h.gw.Sale(ctx, payment.CardPayment{Ref: h.ref("rnd"), Amount: amount, Card: card(cards[rng.IntN(len(cards))])})))
			if r.Outcome == payment.Approved {
				bk(r.OrderID).captured += r.Amount.Cents
				sales = append(sales, r)
			}
		case op == 1:
			r := resolve(must(t)(h.gw.PreAuth(ctx, payment.CardPayment{Ref: h.ref("rnd"), Amount: payment.EUR(50000), Card: card(cards[rng.IntN(len(cards))])})))
			if r.Outcome == payment.Approved {
				preauths = append(preauths, r)
			}
		case op == 2 && len(preauths) > 0:
			pa := preauths[rng.IntN(len(preauths))]
			r := resolve(must(t)(h.gw.Capture(ctx, payment.Capture{Ref: h.ref("rnd"), TransactionID: pa.TransactionID, Amount: amount})))
			if r.Outcome == payment.Approved {
				bk(pa.OrderID).captured += r.Amount.Cents
				sales = append(sales, r)
			}
		case op == 3:
			s := sales[rng.IntN(len(sales))]
			r := resolve(must(t)(h.gw.Refund(ctx, payment.Refund{Ref: h.ref("rnd"), TransactionID: s.TransactionID, Amount: amount})))
			if r.Outcome == payment.Approved {
				bk(s.OrderID).refunded += r.Amount.Cents
			}
		default:
			s := sales[rng.IntN(len(sales))]
			r := resolve(must(t)(h.gw.Void(ctx, payment.Void{Ref: h.ref("rnd"), TransactionID: s.TransactionID})))
			if r.Outcome == payment.Approved && (r.Type == payment.TxVoid || r.State == payment.StateVoided) {
				bk(s.OrderID).captured -= s.Amount.Cents
			}
		}
	}
	ledger := h.sim.Ledger()
	checked := 0
	for order, b := range books {
		if got := ledger[order]; got.Net() != b.captured-b.refunded {
			t.Errorf("order %s: simulator net %d (%+v), our books %d", order, got.Net(), got, b.captured-b.refunded)
		}
		checked++
	}
	for order, b := range ledger {
		if books[order] == nil && b.Net() != 0 {
			t.Errorf("order %s moved %d we have no record of", order, b.Net())
		}
	}
	if checked < 20 {
		t.Fatalf("only %d orders with money; the test proves little", checked)
	}
}
