package contract_test

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

// TestCreditNoteForCashCustomer: a walk-in who paid at the counter gets a
// credit note whose money goes back in cash (there is no card to refund):
// the credit note is issued and the payout recorded with its number; the
// ledger balances. A credit note on money still open only lowers what is
// open (nothing is paid out). A payout needs money paid too much, names
// every invalid field at once, and can be reversed (the amount counts as
// paid again, and can then be paid out by transfer).
func TestCreditNoteForCashCustomer(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newRcWorld(t, d)
		open := w.returnCar(t) // 98,00 open, no card
		_, _, docs, err := w.svc.Ledger(w.ctx, w.c.ID)
		must(t, err)
		var final invoice.Summary
		for _, d := range docs {
			if d.Kind == invoice.KindFinal {
				final = d
			}
		}
		credits := func() []invoice.Summary {
			_, _, docs, err := w.svc.Ledger(w.ctx, w.c.ID)
			must(t, err)
			var out []invoice.Summary
			for _, d := range docs {
				if d.Kind == invoice.KindCreditNote {
					out = append(out, d)
				}
			}
			return out
		}
		payouts := func() []contract.Receipt {
			rs, err := w.svc.Receipts(w.ctx, w.c.ID)
			must(t, err)
			var out []contract.Receipt
			for _, r := range rs {
				if r.Kind == contract.KindPayout {
					out = append(out, r)
				}
			}
			return out
		}

		// on money still open a credit note in cash pays nothing out
		_, err = w.svc.Refund(w.ctx, w.c.ID, final.ID, 800, "Tankfüllung doppelt berechnet", contract.RefundTo{Method: contract.MethodCash})
		must(t, err)
		if got := w.open(t); got != open-800 || len(payouts()) != 0 || len(credits()) != 1 {
			t.Fatalf("credit on open money: open %d, payouts %v, credits %d", got, payouts(), len(credits()))
		}
		_, err = w.svc.RecordReceipt(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: open - 800, ReceivedOn: "2026-11-28"})
		must(t, err)
		if w.status(t) != contract.StatusBilled {
			t.Fatalf("status %s after paying the rest", w.status(t))
		}

		// to the card: there is none, and nothing is issued
		_, err = w.svc.Refund(w.ctx, w.c.ID, final.ID, 2000, "Kulanz", contract.RefundTo{})
		if f := fieldsOf(err); !strings.Contains(f["amount"], "refund.card_max") || len(credits()) != 1 {
			t.Fatalf("refund to a card that paid nothing: %v, credits %d", err, len(credits()))
		}
		// terminal without a slip number, an unknown way: nothing is issued
		_, err = w.svc.Refund(w.ctx, w.c.ID, final.ID, 2000, "Kulanz", contract.RefundTo{Method: contract.MethodTerminal})
		if f := fieldsOf(err); f["refund_reference"] == "" || len(credits()) != 1 {
			t.Fatalf("terminal refund without slip: %v", err)
		}
		_, err = w.svc.Refund(w.ctx, w.c.ID, final.ID, 2000, "Kulanz", contract.RefundTo{Method: "scheck"})
		if f := fieldsOf(err); f["refund_to"] == "" || len(credits()) != 1 {
			t.Fatalf("unknown refund way: %v", err)
		}

		// in cash: credit note and payout
		cn, err := w.svc.Refund(w.ctx, w.c.ID, final.ID, 2000, "Kulanz", contract.RefundTo{Method: contract.MethodCash})
		must(t, err)
		ps := payouts()
		if len(ps) != 1 || ps[0].AmountCents != 2000 || ps[0].Method != contract.MethodCash || ps[0].Reason != cn.Invoice.Number ||
			ps[0].Signed() != -2000 || len(credits()) != 2 {
			t.Fatalf("payouts %+v for credit note %s", ps, cn.Invoice.Number)
		}
		if got := w.open(t); got != 0 {
			t.Fatalf("open after the cash credit: %d", got)
		}
		if _, err := w.svc.RecordPayout(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodCash, AmountCents: 100, ReceivedOn: "2026-11-28"}); conflictCode(err) != "nothing_to_pay_out" {
			t.Fatalf("payout with nothing paid too much: %v", err)
		}

		// entered by mistake: reversed, the 20,00 count as paid (too much) again
		rev, err := w.svc.ReverseReceipt(w.ctx, w.c.ID, ps[0].ID, "nicht ausgezahlt, Kunde will Überweisung")
		must(t, err)
		if rev.Signed() != 2000 || w.open(t) != -2000 || w.status(t) != contract.StatusBilled {
			t.Fatalf("after reversing the payout: signed %d, open %d, status %s", rev.Signed(), w.open(t), w.status(t))
		}
		_, err = w.svc.RecordPayout(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodTransfer, AmountCents: 2001, ReceivedOn: "2027-01-01"})
		f := fieldsOf(err)
		if !strings.Contains(f["amount"], "höchstens 20,00 € zu viel gezahlt") || f["reference"] == "" || f["received_on"] == "" {
			t.Fatalf("bad payout: %v", err)
		}
		if len(payouts()) != 1 {
			t.Fatal("a refused payout was recorded")
		}
		_, err = w.svc.RecordPayout(w.ctx, w.c.ID, contract.Receipt{Method: contract.MethodTransfer, AmountCents: 2000,
			Reference: "SEPA-4711", ReceivedOn: "2026-11-28", Reason: cn.Invoice.Number})
		must(t, err)
		if got := w.open(t); got != 0 || len(payouts()) != 2 {
			t.Fatalf("after the transfer: open %d, payouts %d", got, len(payouts()))
		}
		// one confirmation per receipt and payout (none for the reversal)
		qs, _, err := w.s.ListEmails(w.ctx, mail.Filter{})
		must(t, err)
		var confirmations []string
		for _, q := range qs {
			if q.Message.Kind == mail.KindPaymentReceipt && q.Links.ContractID == w.c.ID {
				confirmations = append(confirmations, q.Message.Subject)
			}
		}
		if len(confirmations) != 3 || confirmations[0] != "Zahlungsbestätigung "+w.c.Number {
			t.Fatalf("payment confirmations %q, want 3 (receipt, cash payout, transfer payout)", confirmations)
		}
		// the store refuses a payout beyond what was paid too much by itself
		x := contract.Receipt{ContractID: w.c.ID, Kind: contract.KindPayout, Method: contract.MethodCash, AmountCents: 1,
			ReceivedOn: "2026-11-28", CreatedBy: 7}
		if _, err := w.s.AddReceipt(w.ctx, &x, contract.Owed{Cents: open - 800 - 2000}, nil); conflictCode(err) != "payout_exceeds" {
			t.Fatalf("store: payout beyond what was paid too much: %v", err)
		}
	})
}
