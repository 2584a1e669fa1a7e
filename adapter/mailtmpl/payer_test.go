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
