package mailtmpl

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/document"
)

// TestPayerMailsWithoutContract: a collective invoice and its reminder
// belong to no single rental: the messages name the document, not a
// contract or driver.
func TestPayerMailsWithoutContract(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	env := envelope(document.German)
	m, err := r.PayerInvoice(env, PayerInvoiceMail{InvoiceMail: InvoiceMail{CustomerName: "Ostbayern Leasing GmbH", Number: "RE-2026-000077",
		IssueDate: back, Amount: 19600, PDF: fakePDF}, PayerName: "Ostbayern Leasing GmbH", DueDate: back.AddDate(0, 0, 14)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Sammelrechnung RE-2026-000077" || !strings.Contains(m.Text, "unsere Sammelrechnung") ||
		strings.Contains(m.Text, "Mietvertrag") || strings.Contains(m.Text, "Fahrer") || strings.Contains(m.HTML, "Mietvertrag") {
		t.Errorf("collective invoice mail %q:\n%s", m.Subject, m.Text)
	}
	d, err := r.PayerDunning(env, PayerDunningMail{Title: "Zahlungserinnerung", Number: "MA-2026-000001", InvoiceNumber: "RE-2026-000077",
		Claimed: 19600, DueDate: back, PDF: fakePDF, Filename: "Mahnung-MA-2026-000001.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Text, "Sammelrechnung RE-2026-000077") || strings.Contains(d.Text, "Mietvertrag") || strings.Contains(d.HTML, "Mietvertrag") {
		t.Errorf("collective reminder mail:\n%s", d.Text)
	}
}

// TestCorrectionMails: a re-split's documents are named as what they are —
// the payer's credit note as a credit note cancelling its invoice (the
// amount credited, no due date), the driver's further invoice as an
// invoice, not a final invoice.
func TestCorrectionMails(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	env := envelope(document.German)
	m, err := r.PayerInvoice(env, PayerInvoiceMail{InvoiceMail: InvoiceMail{CustomerName: "HUK-COBURG", Number: "GS-2026-000003",
		IssueDate: back, ContractNumber: "MV26-00012", Amount: -23700, CorrectsNumber: "RE-2026-000040", Kind: "credit_note", PDF: fakePDF},
		PayerName: "HUK-COBURG", DriverName: "Anna Schmid"})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{m.Text, m.HTML} {
		if !strings.Contains(part, "Gutschrift") || !strings.Contains(part, "storniert unsere Rechnung RE-2026-000040") ||
			!strings.Contains(part, "Gutschriftbetrag") || !strings.Contains(part, "237,00") || strings.Contains(part, "-237") ||
			strings.Contains(part, "Zahlbar bis") {
			t.Errorf("payer credit note mail %q:\n%s", m.Subject, part)
		}
	}
	if m.Subject != "Gutschrift GS-2026-000003 zum Mietvertrag MV26-00012" {
		t.Errorf("subject %q", m.Subject)
	}
	f, err := r.FinalInvoice(env, InvoiceMail{CustomerName: "Anna Schmid", Number: "RE-2026-000041", IssueDate: back,
		ContractNumber: "MV26-00012", Amount: 20700, Kind: "invoice", PDF: fakePDF})
	if err != nil {
		t.Fatal(err)
	}
	if f.Subject != "Ihre Rechnung RE-2026-000041" || strings.Contains(f.Text, "Schlussrechnung") || strings.Contains(f.HTML, "Schlussrechnung") {
		t.Errorf("driver's further invoice %q:\n%s", f.Subject, f.Text)
	}
}
