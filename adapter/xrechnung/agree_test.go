package xrechnung_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

// agreeCase is one kind of document with one way of payment.
type agreeCase struct {
	name string
	inv  invoice.Invoice
	// means is the payment means code the PDF's words call for, from a
	// table of this test (not from the renderer): card 48, cash 10, the
	// seller's account 58, a set-off 97, ZZZ for the rest.
	means string
	// words must be in the PDF: what it says about the payment.
	words []string
}

// TestPDFAndXRechnungAgree renders every kind of document Mietwerk issues
// — advance, final invoice charged, open, settled by its advances, paying
// back (to the card, set off against a damage settlement), a standalone
// damage invoice, a damage settlement not subject to VAT, credit notes to
// the card, in cash, at the terminal, by transfer and set off — as PDF and
// as XRechnung, and compares them field by field: number, issue date,
// service period, seller and buyer, every line's name, per-rate net and
// VAT, total, advances deducted, the amount due or paid back, the payment
// means with the card's digits or the account, the payment note, the VAT
// category and exemption reason, and the invoice a credit note corrects.
func TestPDFAndXRechnungAgree(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	r := pdf.New()
	for _, lang := range []document.Lang{document.German, document.English} {
		for _, c := range agreeCases(loc, lang) {
			t.Run(string(lang)+"/"+c.name, func(t *testing.T) {
				d := document.InvoiceDoc{Lang: lang, Location: loc, Branding: agreeBranding(), Invoice: c.inv}
				p, err := r.Invoice(context.Background(), d)
				if err != nil {
					t.Fatal(err)
				}
				x, err := xrechnung.Render(xrechnung.Input{Doc: d, BuyerEmail: "einkauf@flotte.example", ContractNumber: "MV26-00042"})
				if err != nil {
					t.Fatal(err)
				}
				compare(t, lang, loc, c, strings.Join(strings.Fields(testenv.PDFText(t, p)), " "), string(x))
			})
		}
	}
}

func compare(t *testing.T, l document.Lang, loc *time.Location, c agreeCase, text, x string) {
	t.Helper()
	inv := c.inv
	tot := invoice.Compute(inv)
	has := func(what, s string) {
		t.Helper()
		if !strings.Contains(text, strings.Join(strings.Fields(s), " ")) {
			t.Errorf("%s: the PDF lacks %q (the XML's)\n%s", what, s, text)
		}
	}
	money := func(xmlAmount string) string { return l.Money(parseEuros(t, xmlAmount)) }
	date := func(s string) string {
		d, err := time.ParseInLocation("20060102", s, loc)
		if err != nil {
			t.Fatalf("date %q: %v", s, err)
		}
		return l.Date(d)
	}
	// identification, dates, parties
	has("number BT-1", first(t, x, `<rsm:ExchangedDocument>\s*<ram:ID>([^<]+)</ram:ID>`))
	has("issue date BT-2", date(first(t, x, `<ram:IssueDateTime>\s*<udt:DateTimeString format="102">(\d{8})<`)))
	has("period start BT-73", date(first(t, x, `<ram:BillingSpecifiedPeriod>\s*<ram:StartDateTime>\s*<udt:DateTimeString format="102">(\d{8})<`)))
	has("period end BT-74", date(first(t, x, `<ram:EndDateTime>\s*<udt:DateTimeString format="102">(\d{8})<`)))
	has("seller BT-27", first(t, x, `<ram:SellerTradeParty>\s*<ram:Name>([^<]+)<`))
	has("buyer BT-44", first(t, x, `<ram:BuyerTradeParty>\s*<ram:Name>([^<]+)<`))
	for _, n := range all(x, `<ram:SpecifiedTradeProduct>\s*<ram:Name>([^<]+)<`) {
		has("item name BT-153", n)
	}
	if len(all(x, `<ram:IncludedSupplyChainTradeLineItem>`)) != len(inv.Lines) {
		t.Errorf("the XML has %d lines, the document %d", len(all(x, `<ram:IncludedSupplyChainTradeLineItem>`)), len(inv.Lines))
	}
	// VAT breakdown: the PDF prints net and VAT per rate (none for a
	// document not subject to VAT, which names its reason instead)
	if strings.Contains(x, "<ram:CategoryCode>O</ram:CategoryCode>") {
		if !inv.NotSubject() {
			t.Errorf("XML category O for a taxed document")
		}
		has("exemption reason BT-120", first(t, x, `<ram:ExemptionReason>([^<]+)<`))
	} else if inv.NotSubject() {
		t.Errorf("a document not subject to VAT without category O in its XML")
	}
	for _, m := range regexp.MustCompile(`<ram:CalculatedAmount>([^<]*)</ram:CalculatedAmount>\s*<ram:TypeCode>VAT</ram:TypeCode>(?:\s*<ram:ExemptionReason>[^<]*</ram:ExemptionReason>)?\s*<ram:BasisAmount>([^<]*)</ram:BasisAmount>\s*<ram:CategoryCode>S<`).FindAllStringSubmatch(x, -1) {
		has("VAT BT-117", money(m[1]))
		has("taxable amount BT-116", money(m[2]))
	}
	// totals, advances, what is due or paid back
	grand := first(t, x, `<ram:GrandTotalAmount>([^<]+)<`)
	has("total BT-112", money(grand))
	if parseEuros(t, grand) != tot.Gross {
		t.Errorf("XML total %s, document %d", grand, tot.Gross)
	}
	prepaid := int64(0)
	if s := all(x, `<ram:TotalPrepaidAmount>([^<]+)<`); len(s) > 0 {
		prepaid = parseEuros(t, s[0])
	}
	due := parseEuros(t, first(t, x, `<ram:DuePayableAmount>([^<]+)<`))
	if tot.DeductedGross > 0 {
		has("advances deducted", l.Money(-tot.DeductedGross))
	}
	switch {
	case due < 0: // paid back: the PDF names the refund
		has("amount paid back BT-115", l.Money(-due))
	case due > 0: // open: the PDF names the amount due
		has("amount due BT-115", l.Money(due))
		if inv.Payment.Means != invoice.MeansOpen {
			t.Errorf("XML says %d is due, the document was paid (%s)", due, inv.Payment.Means)
		}
	default: // settled: whatever was not deducted is paid
		if paid := prepaid - tot.DeductedGross; paid != max(tot.Due, 0) && inv.Kind != invoice.KindCreditNote {
			t.Errorf("XML prepaid %d less advances %d = %d, the document's amount %d", prepaid, tot.DeductedGross, paid, tot.Due)
		}
	}
	// payment: the means the PDF's words call for, the same note, the card
	// or account it names
	code := first(t, x, `<ram:SpecifiedTradeSettlementPaymentMeans>\s*<ram:TypeCode>([^<]+)<`)
	if code != c.means {
		t.Errorf("payment means %s, the PDF calls for %s", code, c.means)
	}
	has("payment note BT-82", first(t, x, `<ram:Information>([^<]+)<`))
	for _, w := range c.words {
		has("payment words", w)
	}
	switch code {
	case "48":
		has("card BT-87", first(t, x, `<ram:ApplicableTradeSettlementFinancialCard>\s*<ram:ID>(\d+)<`))
	case "58":
		iban := first(t, x, `<ram:IBANID>([^<]+)<`)
		if compact(agreeBranding().IBAN) != iban {
			t.Errorf("XML account %s, the PDF's bank account %s", iban, agreeBranding().IBAN)
		}
		has("account BT-84", agreeBranding().IBAN)
	}
	// a credit note names the invoice it corrects
	if inv.Kind == invoice.KindCreditNote {
		has("preceding invoice BT-25", first(t, x, `<ram:InvoiceReferencedDocument>\s*<ram:IssuerAssignedID>([^<]+)<`))
	}
	for _, v := range xrechnung.Check([]byte(x)) {
		if v.Severity == xrechnung.Error {
			t.Errorf("XRechnung: %s", v)
		}
	}
}

func agreeCases(loc *time.Location, lang document.Lang) []agreeCase {
	sup := invoice.Party{Name: "Autohaus König GmbH", Address: invoice.Address{Street: "Königsallee 12", PostalCode: "20095", City: "Hamburg", Country: "DE"},
		VATID: "DE123456789", TaxNumber: "22/123/45678"}
	rec := invoice.Party{Name: "Flotte Süd GmbH", Address: invoice.Address{Street: "Große Bleichen 7", PostalCode: "80331", City: "München", Country: "DE"},
		VATID: "DE987654321"}
	issued := time.Date(2026, 12, 11, 18, 40, 0, 0, loc)
	period := invoice.Period{From: time.Date(2026, 12, 7, 8, 0, 0, 0, loc), To: issued}
	base := func(k invoice.Kind, number string, lines ...invoice.Line) invoice.Invoice {
		return invoice.Invoice{Kind: k, Number: number, IssueDate: issued, ServicePeriod: period, Currency: "EUR", Supplier: sup,
			Recipient: rec, Lines: lines, Note: "Mietvertrag MV26-00042"}
	}
	day := func(days int64) invoice.Line {
		return invoice.Line{Description: "Miete Kompakt", QuantityMilli: days * 1000, Unit: "day", UnitGross: 4900, VATRateBP: 1900, Kind: "rent"}
	}
	km := invoice.Line{Description: "Mehrkilometer", QuantityMilli: 137_000, Unit: "km", UnitGross: 29, VATRateBP: 1900, Kind: "extra_km"}
	damage := invoice.Line{Description: "Schaden: Kratzer Tür hinten links", QuantityMilli: 1000, Unit: "piece", UnitGross: 25000,
		TaxCategory: invoice.CategoryNotSubject, Kind: "damage"}
	card := invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
	adv := base(invoice.KindAdvance, "RE-2026-000041", day(1))
	adv.IssueDate = time.Date(2026, 12, 1, 9, 30, 0, 0, loc)
	adv.Payment = card
	final := func(number string, pay invoice.Payment, lines ...invoice.Line) invoice.Invoice {
		f := base(invoice.KindFinal, number, lines...)
		f.Advances = []invoice.Advance{invoice.AsAdvance(adv)}
		f.Payment = pay
		return f
	}
	credit := func(number string, pay invoice.Payment) invoice.Invoice {
		c := base(invoice.KindCreditNote, number, invoice.Line{Description: "Kulanz Reinigung", QuantityMilli: 1000, Unit: "piece", UnitGross: 3900, VATRateBP: 1900})
		c.Corrects = &invoice.Reference{Number: "RE-2026-000057", IssueDate: issued.AddDate(0, 0, -1)}
		c.Payment = pay
		return c
	}
	en := lang == document.English
	w := func(de, eng string) string {
		if en {
			return eng
		}
		return de
	}
	standalone := base(invoice.KindStandalone, "RE-2026-000060", invoice.Line{Description: "Schaden Felge (mit USt.)", QuantityMilli: 1000,
		Unit: "piece", UnitGross: 18900, VATRateBP: 1900, Kind: "damage"})
	standalone.Payment = card
	claim := base(invoice.KindStandalone, "RE-2026-000061", damage)
	claim.Payment = card
	claimOffset := claim
	claimOffset.Number, claimOffset.Payment = "RE-2026-000062", invoice.Payment{Means: invoice.MeansOffset}
	claimOpen := claim
	claimOpen.Number, claimOpen.Payment = "RE-2026-000063", invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}
	return []agreeCase{
		{"advance by card", adv, "48", []string{w("Endung 1111", "ending in 1111")}},
		{"final charged to the card", final("RE-2026-000057", card, day(3), km), "48", []string{w("eingezogen", "charged"), "1111"}},
		{"final open", final("RE-2026-000058", invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}, day(3), km), "58",
			[]string{w("14 Tagen", "14 days")}},
		{"final settled by the advance", final("RE-2026-000059", card, day(1)), "48", []string{w("Anzahlungen beglichen", "settled by your advance"), "1111"}},
		{"final paying back to the card", final("RE-2026-000064", card, invoice.Line{Description: "Miete Kompakt", QuantityMilli: 500, Unit: "day",
			UnitGross: 4900, VATRateBP: 1900, Kind: "rent"}), "48", []string{w("gutgeschrieben", "credited"), "1111"}},
		{"final set off against the damage settlement", final("RE-2026-000065", invoice.Payment{Means: invoice.MeansOffset},
			invoice.Line{Description: "Miete Kompakt", QuantityMilli: 500, Unit: "day", UnitGross: 4900, VATRateBP: 1900, Kind: "rent"}), "97",
			[]string{w("verrechnet", "set off")}},
		{"damage invoice with VAT", standalone, "48", []string{"1111"}},
		{"damage settlement by card", claim, "48", []string{w("nicht umsatzsteuerbar", "not subject to VAT"), "1111"}},
		{"damage settlement set off", claimOffset, "97", []string{w("verrechnet", "set off")}},
		{"damage settlement open", claimOpen, "58", []string{w("14 Tagen", "14 days")}},
		{"credit note to the card", credit("GS-2026-000003", card), "48", []string{w("gutgeschrieben", "credited"), "1111"}},
		{"credit note in cash", credit("GS-2026-000004", invoice.Payment{Means: invoice.MeansCash}), "10", []string{w("bar ausgezahlt", "in cash")}},
		{"credit note at the terminal", credit("GS-2026-000005", invoice.Payment{Means: invoice.MeansTerminal, Reference: "T-0815"}), "ZZZ",
			[]string{w("Kartenterminal", "card terminal"), "T-0815"}},
		{"credit note by transfer", credit("GS-2026-000006", invoice.Payment{Means: invoice.MeansTransfer, Reference: "SEPA-77"}), "ZZZ",
			[]string{w("Überweisung", "bank transfer"), "SEPA-77"}},
		{"credit note set off", credit("GS-2026-000007", invoice.Payment{Means: invoice.MeansOffset}), "97", []string{w("verrechnet", "set off")}},
	}
}

func agreeBranding() document.Branding {
	return document.Branding{LegalName: "Autohaus König GmbH",
		Address: invoice.Address{Street: "Königsallee 12", PostalCode: "20095", City: "Hamburg", Country: "DE"},
		Phone:   "+49 40 1234567", Email: "buchhaltung@autohaus-koenig.de", VATID: "DE123456789", TaxNumber: "22/123/45678",
		BankName: "Hamburger Sparkasse", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "HASPDEHHXXX"}
}

func first(t *testing.T, x, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(x)
	if m == nil {
		t.Fatalf("XML lacks %s:\n%s", pattern, x)
	}
	return unescape(m[1])
}

func all(x, pattern string) []string {
	var out []string
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(x, -1) {
		if len(m) > 1 {
			out = append(out, unescape(m[1]))
		} else {
			out = append(out, m[0])
		}
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

func compact(s string) string { return strings.ReplaceAll(s, " ", "") }

func parseEuros(t *testing.T, s string) int64 {
	t.Helper()
	var whole, frac int64
	neg := strings.HasPrefix(s, "-")
	if _, err := fmt.Sscanf(strings.TrimPrefix(s, "-"), "%d.%d", &whole, &frac); err != nil {
		t.Fatalf("amount %q: %v", s, err)
	}
	v := whole*100 + frac
	if neg {
		v = -v
	}
	return v
}
