package web

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// returnPreview is the bill of a return as the return form shows it
// before anything is recorded or charged: every line of the final
// invoice, the advances deducted and what happens to the money.
type returnPreview struct {
	Days           int
	DrivenKM       int64
	IncludedKM     int64
	ExtraKM        int64
	MissingEighths int
	Lines          []previewLine
	Gross          int64 // the final invoice's lines
	Deducted       int64 // the advance invoices deducted
	Advances       []string
	Compensation   int64 // damage compensation on a document of its own
	Total          int64 // what billing settles (negative: paid back)
	Deposit        int64
	Charge         int64 // charged to the stored card
	Refund         int64 // paid back on the card payments
	FromDeposit    int64 // taken from the deposit
	DepositBack    int64 // of the deposit released or refunded
	// Facts (days, km, fuel) and DeductedLabel are the sentences printed.
	Facts, DeductedLabel string
	CardStored           bool
	// Waits says why billing will wait after the return ("" when it runs).
	Waits string
	// The payer's share (a rental with a payer's cover; PayerName ""
	// without): its lines, its gross and its payment term; Internal for
	// a cost centre. Lines, Gross and the money above are the driver's.
	PayerName  string
	PayerLines []previewLine
	PayerGross int64
	PayerDays  int
	Internal   bool
	Collective bool // the payer's share goes on its monthly collective invoice
	// NoDriverInvoice: the driver owes nothing of the rental.
	NoDriverInvoice bool
}

// previewLine is one line of the previewed bill.
type previewLine struct {
	Description string
	Quantity    string
	Cents       int64
}

// previewOf turns the service's preview into what the page prints.
func previewOf(v *view, p contract.Preview) *returnPreview {
	b, set := p.Bill, p.Settled
	out := &returnPreview{Days: b.Days, DrivenKM: b.DrivenKM, IncludedKM: b.IncludedKM, ExtraKM: b.ExtraKM,
		MissingEighths: b.MissingEighths, Gross: b.Totals.Gross, Deducted: b.Totals.DeductedGross, Advances: p.Advances,
		Compensation: b.CompensationCents, Total: b.Total, Deposit: p.Deposit, Charge: set.Charge, Refund: set.Refund,
		FromDeposit: set.CaptureDeposit + set.SetOffDeposit, CardStored: p.CardStored}
	out.DepositBack = p.Deposit - out.FromDeposit
	out.Refund += p.Split.AdvanceRefund() // no final invoice deducts the advances: credited
	if sp := p.Split; sp.Covered() {
		out.PayerName, out.PayerGross, out.PayerDays = sp.Payer.Name, sp.PayerGross(), sp.Payer.PaymentDays
		out.Internal = sp.Cover.Mode == payer.ModeInternal
		out.Collective = sp.Collective()
		out.NoDriverInvoice = sp.NoFinal && len(b.Compensation) == 0
	}
	l := locale.Lang(v.Lang)
	if p.Waits != nil {
		out.Waits = errs.Text(l, p.Waits)
	}
	out.Facts = v.T("counter.preview_facts", locale.Params{"n": b.Days, "driven": locale.Km(b.DrivenKM),
		"included": locale.Km(b.IncludedKM), "extra": locale.Km(b.ExtraKM)})
	if b.MissingEighths > 0 {
		out.Facts += " " + v.T("counter.preview_fuel", locale.Params{"n": b.MissingEighths})
	}
	if b.MissingPercent > 0 {
		out.Facts += " " + v.T("counter.preview_charge_missing", locale.Params{"n": b.MissingPercent})
	}
	out.DeductedLabel = v.T("counter.preview_deducted", locale.Params{"numbers": strings.Join(p.Advances, ", ")})
	add := func(to *[]previewLine, ls []invoice.Line) {
		for _, ln := range ls {
			*to = append(*to, previewLine{Description: ln.Description, Cents: invoice.LineGross(ln),
				Quantity: v.T("counter.unit."+ln.Unit, locale.Params{"n": ln.QuantityMilli / 1000, "qty": l.Quantity(ln.QuantityMilli)})})
		}
	}
	add(&out.Lines, b.Lines)
	add(&out.Lines, b.Compensation)
	add(&out.PayerLines, p.Split.PayerShare.Lines)
	add(&out.PayerLines, p.Split.PayerShare.Compensation)
	return out
}

// confirmToken is what a return form confirms: a digest of every figure
// the preview shows (lines, km, fuel, totals, settlement, deposit). A
// submit whose token differs (the inputs or the time changed the bill)
// shows the new preview instead of recording the return.
func confirmToken(p contract.Preview) string {
	h := sha256.New()
	b := p.Bill
	fmt.Fprintf(h, "%d|%d|%d|%d|%d|%d|%d|%d|%+v|%d|%t\n", b.Days, b.DrivenKM, b.IncludedKM, b.ExtraKM, b.MissingEighths,
		b.Totals.Gross, b.Totals.DeductedGross, b.Total, p.Settled, p.Deposit, p.CardStored)
	for _, l := range append(append([]invoice.Line{}, b.Lines...), b.Compensation...) {
		fmt.Fprintf(h, "%s|%d|%d|%d\n", l.Description, l.QuantityMilli, l.UnitGross, l.VATRateBP)
	}
	// the split: who is invoiced what
	sp := p.Split
	fmt.Fprintf(h, "payer %s|%d|%d|%d\n", sp.Cover.Mode, sp.Payer.ID, sp.PayerGross(), sp.AdvanceRefund())
	for _, l := range append(append([]invoice.Line{}, sp.PayerShare.Lines...), sp.PayerShare.Compensation...) {
		fmt.Fprintf(h, "%s|%d|%d|%d\n", l.Description, l.QuantityMilli, l.UnitGross, l.VATRateBP)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}
