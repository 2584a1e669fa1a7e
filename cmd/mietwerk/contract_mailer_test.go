package main

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestContractMailerPaymentReceipt: the confirmation of a payment at the
// counter and of a payout is built from the receipt as recorded — the day
// in the station's calendar, the method, what is still open, the payout's
// occasion — in the customer's language; a day that is no date is an error.
func TestContractMailerPaymentReceipt(t *testing.T) {
	r, err := mailtmpl.New()
	if err != nil {
		t.Fatal(err)
	}
	cm := contractMailer{r: r, fallback: "noreply@mietwerk.test"}
	m := contract.MailContext{Tenant: tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH", Email: "info@koenig.test"},
		Station:  tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin", Email: "reg@koenig.test"},
		Customer: customer.Customer{FirstName: "Walter", LastName: "Kunde", Email: "walter@example.de", Language: "de"},
		Contract: contract.Contract{Number: "MV26-00007"}}
	msg, err := cm.PaymentReceipt(m, contract.Receipt{Kind: contract.KindReceipt, Method: contract.MethodCash, AmountCents: 5000,
		ReceivedOn: "2026-11-28"}, 4800)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Zahlungseingang: 50,00 € zu Mietvertrag MV26-00007", "Zahlungsart: bar", "Eingegangen am: 28.11.2026", "Noch offen: 48,00 €"} {
		if !strings.Contains(msg.Subject+"\n"+msg.Text, want) {
			t.Errorf("receipt mail lacks %q:\n%s\n%s", want, msg.Subject, msg.Text)
		}
	}
	if msg.To.Email != "walter@example.de" {
		t.Errorf("to %v", msg.To)
	}
	m.Customer.Language = "en"
	msg, err = cm.PaymentReceipt(m, contract.Receipt{Kind: contract.KindPayout, Method: contract.MethodTransfer, AmountCents: 2000,
		ReceivedOn: "2026-11-30", Reference: "SEPA-1", Reason: "GS26-00002"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Payout: €20.00 for rental contract MV26-00007", "Method: bank transfer", "Regarding: GS26-00002", "Reference: SEPA-1"} {
		if !strings.Contains(msg.Subject+"\n"+msg.Text, want) {
			t.Errorf("payout mail lacks %q:\n%s\n%s", want, msg.Subject, msg.Text)
		}
	}
	if _, err := cm.PaymentReceipt(m, contract.Receipt{Kind: contract.KindReceipt, Method: contract.MethodCash, AmountCents: 1, ReceivedOn: "28.11.2026"}, 0); err == nil {
		t.Error("a day that is no date made a message")
	}
}
