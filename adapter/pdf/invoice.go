package pdf

import (
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

func validateInvoiceDoc(d document.InvoiceDoc) error {
	return invoice.Validate(d.Invoice)
}

func invoiceTitle(l labels, inv invoice.Invoice) string {
	if inv.NotSubject() && inv.Kind != invoice.KindCreditNote {
		return l.get("damage_claim")
	}
	switch inv.Kind {
	case invoice.KindAdvance:
		return l.get("advance")
	case invoice.KindFinal:
		return l.get("final")
	case invoice.KindCreditNote:
		return l.get("credit_note")
	}
	return l.get("invoice")
}

// writeInvoice lays out an invoice or credit note with every §14 UStG field.
func writeInvoice(w *writer, d document.InvoiceDoc) {
	inv, l, f, loc := d.Invoice, w.l, w.f, d.Location
	tot := invoice.Compute(inv)
	w.logo()

	// sender line and recipient address (window envelope position)
	sup := inv.Supplier
	f.SetXY(marginL, 45)
	// the sender line of the window envelope: set smaller until the whole
	// address fits (down to 5 pt, then shortened)
	sender := strings.Join(append([]string{sup.Name}, addressLines(sup.Address)...), " · ")
	size := 6.5
	w.font(false, size)
	for w.width(sender) > 83 && size > 5 {
		size -= 0.25
		w.font(false, size)
	}
	w.cellFormat(84, smallLineH, w.fit(sender, 84), "B", 1, "L", false, 0, "")
	f.Ln(1)
	w.font(false, bodySize)
	rec := inv.Recipient
	for _, s := range append([]string{rec.Name}, addressLines(rec.Address)...) {
		f.SetX(marginL)
		w.cellFormat(85, lineH, s, "", 1, "L", false, 0, "")
	}
	if rec.VATID != "" {
		f.SetX(marginL)
		w.cellFormat(85, lineH, l.get("your_vat_id")+": "+rec.VATID, "", 1, "L", false, 0, "")
	}
	addrEnd := f.GetY()

	// document facts on the right
	f.SetY(45)
	period := w.date(inv.ServicePeriod.From, loc)
	if to := w.date(inv.ServicePeriod.To, loc); to != period {
		period += " – " + to
	}
	w.kv(104, 36, 50,
		[2]string{l.get("number"), inv.Number},
		[2]string{l.get("issue_date"), w.date(inv.IssueDate, loc)},
		[2]string{l.get("service_period"), period},
		[2]string{l.get("our_tax_number"), sup.TaxNumber},
		[2]string{l.get("our_vat_id"), sup.VATID},
	)
	f.SetY(max(addrEnd, f.GetY()) + 10)

	w.title(invoiceTitle(l, inv) + " " + inv.Number)
	if inv.Kind == invoice.KindCreditNote && inv.Corrects != nil {
		w.para(l.get("corrects", inv.Corrects.Number, w.date(inv.Corrects.IssueDate, loc)))
	}
	f.Ln(3)

	// lines
	cols := func(a, b, c, d, e, g, h string) []col {
		return []col{{11, a, "L"}, {65, b, "L"}, {16, c, "R"}, {18, d, "L"}, {24, e, "R"}, {14, g, "R"}, {22, h, "R"}}
	}
	w.row(cols(l.get("pos"), l.get("description"), l.get("quantity"), l.get("unit"), l.get("unit_price"), l.get("vat"), l.get("amount")), true, true)
	for i, ln := range inv.Lines {
		unit := ln.Unit
		if locale.Has(locale.Key("pdf.unit." + ln.Unit)) {
			unit = l.get("unit." + ln.Unit)
		}
		rate := w.lang.Percent(ln.VATRateBP)
		if ln.TaxCategory == invoice.CategoryNotSubject {
			rate = "–"
		}
		w.row(cols(fmt.Sprint(i+1), ln.Description, w.lang.Quantity(ln.QuantityMilli), unit,
			w.money(ln.UnitGross), rate, w.money(invoice.LineGross(ln))), false, true)
	}
	f.Ln(3)

	// totals per rate
	sumWide := func(label, amount string, bold bool) {
		w.row([]col{{60, "", "L"}, {88, label, "R"}, {22, amount, "R"}}, bold, false)
	}
	notSubject := inv.NotSubject()
	if !notSubject {
		for _, r := range tot.Rates {
			sumWide(l.get("net_at", w.lang.Percent(r.RateBP)), w.money(r.Net), false)
			sumWide(l.get("vat_at", w.lang.Percent(r.RateBP)), w.money(r.VAT), false)
		}
	}
	totalLabel := l.get("gross_total")
	switch {
	case inv.Kind == invoice.KindCreditNote:
		totalLabel = l.get("credit_total")
	case notSubject:
		totalLabel = l.get("claim_total")
	}
	sumWide(totalLabel, w.money(tot.Gross), true)

	if inv.Kind == invoice.KindFinal && len(inv.Advances) > 0 {
		w.heading(l.get("advances"))
		acols := func(a, b, c, d, e string) []col {
			return []col{{90, a, "L"}, {16, b, "R"}, {22, c, "R"}, {20, d, "R"}, {22, e, "R"}}
		}
		w.row(acols(l.get("description"), l.get("vat"), l.get("net"), l.get("vat"), l.get("gross")), true, true)
		for _, a := range inv.Advances {
			for _, r := range a.Rates {
				w.row(acols(l.get("advance_line", a.Number, w.date(a.IssueDate, loc)),
					w.lang.Percent(r.RateBP), "-"+w.money(r.Net), "-"+w.money(r.VAT), "-"+w.money(r.Gross)), false, true)
			}
		}
		f.Ln(3)
		for _, r := range tot.Remaining {
			sumWide(l.get("remaining_net", w.lang.Percent(r.RateBP)), w.money(r.Net), false)
			sumWide(l.get("remaining_vat", w.lang.Percent(r.RateBP)), w.money(r.VAT), false)
		}
	}
	if inv.Kind == invoice.KindFinal {
		if tot.Due >= 0 {
			sumWide(l.get("due"), w.money(tot.Due), true)
		} else {
			sumWide(l.get("refund"), w.money(-tot.Due), true)
		}
	}
	f.Ln(4)

	w.para(document.PaymentNote(w.lang, inv, tot))
	if notSubject {
		w.para(document.NotSubjectReason(w.lang))
	} else {
		w.para(l.get("prices_gross"))
	}
	if inv.Note != "" {
		f.Ln(2)
		w.para(inv.Note)
	}
	if len(d.Annex) > 0 {
		writeAnnex(w, d)
	}
}

// writeAnnex prints the rentals a collective invoice bills, one row each,
// on a page of their own, with their sum (the invoice's total).
func writeAnnex(w *writer, d document.InvoiceDoc) {
	l, loc := w.l, d.Location
	w.f.AddPage()
	w.title(l.get("annex_title", d.Invoice.Number))
	w.para(l.get("annex_intro"))
	cols := func(a, b, c, e, g, h, i string) []col {
		return []col{{27, a, "L"}, {32, b, "L"}, {36, c, "L"}, {28, e, "L"}, {12, g, "R"}, {13, h, "R"}, {22, i, "R"}}
	}
	w.row(cols(l.get("annex_contract"), l.get("annex_driver"), l.get("annex_vehicle"), l.get("annex_period"),
		l.get("annex_km"), l.get("annex_days"), l.get("amount")), true, true)
	var sum int64
	for _, r := range d.Annex {
		contract := r.Contract
		if r.WorkshopRef != "" {
			contract += "\n" + l.get("annex_workshop", r.WorkshopRef)
		}
		w.row(cols(contract, r.Driver, r.Vehicle, w.date(r.From, loc)+" –\n"+w.date(r.To, loc),
			w.lang.Quantity(r.DrivenKM*1000), fmt.Sprint(r.Days), w.money(r.Gross)), false, true)
		sum += r.Gross
	}
	w.row([]col{{148, l.get("annex_total"), "R"}, {22, w.money(sum), "R"}}, true, false)
}

// errNoTime is returned when a document lacks the time its PDF dates are
// taken from (which keeps the output deterministic).
func errNoTime(field string) error {
	return errs.Invalid("error.fields_invalid", errs.Field(field, "field.required"))
}
