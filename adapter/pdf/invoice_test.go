package pdf

import (
	"context"
	"testing"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

func TestInvoicePDF(t *testing.T) {
	tests := []struct {
		name string
		doc  document.InvoiceDoc
		want []string
	}{
		{
			name: "advance invoice de",
			doc:  invoiceDoc(advanceInvoice(), document.German),
			want: []string{
				"Anzahlungsrechnung RE-2026-000041", "Nummer RE-2026-000041", "Datum 11.03.2026",
				"Leistungszeitraum 11.03.2026 – 14.03.2026",
				"Jörg Müßig", "Äußere Weg 3", "80331 München", // recipient
				"Autohaus König GmbH & Co. KG", "Große Straße 12", "20095 Hamburg", // supplier
				"Steuernummer 22/123/45678", "USt-IdNr. DE123456789",
				"Miete VW Golf, 1. Tag (Anzahlung) 1 Tag(e) 49,99 € 19 % 49,99 €",
				"Nettobetrag 19 % 42,01 €", "Umsatzsteuer 19 % 7,98 €", "Gesamtbetrag (brutto) 49,99 €",
				"Registergericht: Amtsgericht Hamburg HRA 98765", "Geschäftsführung: Jürgen König, Bärbel Weiß",
				"IBAN DE02 2005 0550 1234 5678 90", "BIC HASPDEHHXXX", "Seite 1 von 1",
				"von Ihrer Zahlungskarte mit der Endung 1111 eingezogen",
			},
		},
		{
			name: "final invoice de deducts the advance with its VAT",
			doc:  invoiceDoc(finalInvoice(), document.German),
			want: []string{
				"Schlussrechnung RE-2026-000042",
				"Mehrkilometer 120 km 0,29 € 19 % 34,80 €",
				// 19 %: 14997+3480+2500 = 20977 gross → net 17628, VAT 3349; 7 %: 1070 → 1000 + 70
				"Nettobetrag 19 % 176,28 €", "Umsatzsteuer 19 % 33,49 €",
				"Nettobetrag 7 % 10,00 €", "Umsatzsteuer 7 % 0,70 €",
				"Gesamtbetrag (brutto) 220,47 €",
				"Abzüglich geleisteter Anzahlungen",
				"Anzahlungsrechnung RE-2026-000041 vom", "19 % -42,01 € -7,98 € -49,99 €",
				"Verbleibender Nettobetrag 19 % 134,27 €", "Verbleibende Umsatzsteuer 19 % 25,51 €",
				"Zahlbetrag 170,48 €",
			},
		},
		{
			name: "final invoice en",
			doc:  invoiceDoc(finalInvoice(), document.English),
			want: []string{
				"Final invoice RE-2026-000042", "Date 14 Mar 2026", "Service period 11 Mar 2026 – 14 Mar 2026",
				"Tax number 22/123/45678", "VAT ID DE123456789",
				"Mehrkilometer 120 km €0.29 19% €34.80",
				"Net amount 19% €176.28", "VAT 19% €33.49", "Total (gross) €220.47",
				"Less advance payments received", "Advance invoice RE-2026-000041 of 11 Mar 2026",
				"-€42.01 -€7.98 -€49.99", "Remaining net amount 19% €134.27", "Remaining VAT 19% €25.51",
				"Amount due €170.48", "Register court: Amtsgericht Hamburg HRA 98765",
				"Managing directors: Jürgen König, Bärbel Weiß", "Page 1 of 1",
			},
		},
		{
			name: "credit note de names the corrected invoice",
			doc:  invoiceDoc(creditNote(), document.German),
			want: []string{
				"Gutschrift GS-2026-000007", "Korrektur zur Rechnung Nr. RE-2026-000042 vom 13.03.2026",
				"1.234,56 €", // 1234560000/11900 = 103744.54 → 103745
				"Nettobetrag 19 % 1.037,45 €", "Umsatzsteuer 19 % 197,11 €",
				"Gutschriftsbetrag (brutto) 1.234,56 €", "Zahlungskarte mit der Endung 1111 gutgeschrieben",
			},
		},
		{
			name: "credit note en",
			doc:  invoiceDoc(creditNote(), document.English),
			want: []string{
				"Credit note GS-2026-000007", "Correction of invoice no. RE-2026-000042 of 13 Mar 2026",
				"€1,234.56", "Net amount 19% €1,037.45", "VAT 19% €197.11", "Credit total (gross) €1,234.56",
			},
		},
	}
	r := New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := r.Invoice(context.Background(), tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			mustContain(t, pdfText(t, b), tt.want...)
		})
	}
}

func TestInvoicePDFFinalWithCredit(t *testing.T) {
	inv := finalInvoice()
	inv.Lines = inv.Lines[:1]
	inv.Lines[0].QuantityMilli = 500 // half a day: 24,995 → 25,00 €
	d := invoiceDoc(inv, document.German)
	b, err := New().Invoice(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	// 2500 − 4999 = −2499
	mustContain(t, pdfText(t, b), "Erstattungsbetrag zu Ihren Gunsten 24,99 €", "Verbleibender Nettobetrag 19 % -21,00 €",
		"Verbleibende Umsatzsteuer 19 % -3,99 €", "Ihrer Zahlungskarte mit der Endung 1111 gutgeschrieben")
}

func TestInvoicePDFPaymentTerms(t *testing.T) {
	d := invoiceDoc(advanceInvoice(), document.German)
	d.Invoice.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: 14}
	d.Invoice.Recipient.VATID = "ATU12345678"
	d.Invoice.Recipient.Address.Country = "AT"
	b, err := New().Invoice(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, pdfText(t, b), "Zahlbar innerhalb von 14 Tagen ohne Abzug.", "Ihre USt-IdNr.: ATU12345678", "AT")
}

func TestInvoicePDFRejectsIncompleteInvoice(t *testing.T) {
	inv := advanceInvoice()
	inv.Supplier.TaxNumber, inv.Supplier.VATID = "", ""
	_, err := New().Invoice(context.Background(), invoiceDoc(inv, document.German))
	if !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("err = %v; want invalid", err)
	}
}

func TestInvoicePDFRejectsBadLogo(t *testing.T) {
	d := invoiceDoc(advanceInvoice(), document.German)
	d.Branding.LogoPNG = []byte("not a png")
	_, err := New().Invoice(context.Background(), d)
	if !errs.Is(err, errs.KindInvalid) {
		t.Fatalf("err = %v; want invalid", err)
	}
}

func TestInvoicePDFManyLinesBreaksPages(t *testing.T) {
	inv := advanceInvoice()
	for i := 0; i < 60; i++ {
		inv.Lines = append(inv.Lines, invoice.Line{Description: "Zubehör Kindersitz", QuantityMilli: 1000, Unit: "day", UnitGross: 500, VATRateBP: 1900})
	}
	b, err := New().Invoice(context.Background(), invoiceDoc(inv, document.German))
	if err != nil {
		t.Fatal(err)
	}
	// 4999 + 60×500 = 34999
	mustContain(t, pdfText(t, b), "Seite 1 von 2", "Seite 2 von 2", "Gesamtbetrag (brutto) 349,99 €")
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New().Invoice(ctx, invoiceDoc(advanceInvoice(), document.German)); err == nil {
		t.Error("Invoice with canceled context succeeded")
	}
}
