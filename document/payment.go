package document

import (
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// PaysBack reports whether a document's amount goes back to the customer:
// a credit note, or a final invoice whose advances exceed it.
func PaysBack(inv invoice.Invoice, t invoice.Totals) bool {
	return inv.Kind == invoice.KindCreditNote || t.Due < 0
}

// PaymentNote is the sentence a document prints about how its amount was
// paid or is paid back, from its Payment: the PDF prints it under the
// totals and the e-invoice carries it as the payment means text (BT-82),
// so both always say the same. It names no amount but the part that moves
// on the card when the rest is set off (Payment.Cents).
func PaymentNote(l Lang, inv invoice.Invoice, t invoice.Totals) string {
	p := inv.Payment
	ref := locale.Params{"last4": p.CardLast4, "reference": p.Reference, "n": p.TermsDays, "amount": locale.Money(p.Cents)}
	if p.Cents > 0 && p.Means == invoice.MeansCard { // the rest is set off against another document (named in the note)
		if PaysBack(inv, t) {
			return l.T("docpay.back_card_part", ref)
		}
		return l.T("docpay.paid_card_part", ref)
	}
	key := func(k string) locale.Key {
		if (k == "paid_terminal" || k == "paid_transfer" || k == "back_terminal" || k == "back_transfer") && p.Reference != "" {
			k += "_ref"
		}
		if (k == "paid_card" || k == "back_card") && p.CardLast4 != "" {
			k += "_last4"
		}
		return locale.Key("docpay." + k)
	}
	means := map[string]string{invoice.MeansCard: "card", invoice.MeansCash: "cash", invoice.MeansTerminal: "terminal",
		invoice.MeansTransfer: "transfer", invoice.MeansOffset: "offset"}[p.Means]
	if PaysBack(inv, t) {
		if means == "" {
			means = "open"
		}
		return l.T(key("back_"+means), ref)
	}
	if t.Due == 0 && inv.Kind == invoice.KindFinal {
		if p.Means == invoice.MeansCard && p.CardLast4 != "" {
			return l.T("docpay.settled_card_last4", ref)
		}
		return l.T(key("settled"), ref)
	}
	if means != "" {
		return l.T(key("paid_"+means), ref)
	}
	if p.TermsDays > 0 {
		return l.T(key("open_days"), ref)
	}
	return l.T(key("open_now"), ref)
}

// NotSubjectReason is why a document's lines carry no VAT: genuine damage
// compensation is no consideration for a supply (§ 1 Abs. 1 Nr. 1 UStG,
// Abschn. 1.3 Abs. 1 UStAE). The PDF prints it and the e-invoice gives it
// as the exemption reason of category O (BT-120).
func NotSubjectReason(l Lang) string { return l.T("docpay.not_subject") }
