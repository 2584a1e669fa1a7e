package mailtmpl

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestMailerSender: the sender follows station, then tenant, then
// --mail-from; replies go to the station when nothing else is set.
func TestMailerSender(t *testing.T) {
	r := mustNew(t)
	cases := []struct {
		name                    string
		tenantFrom, stationFrom string
		stationEmail            string
		wantFrom, wantReply     string
	}{
		{"station sender", "info@koenig.de", "reg@koenig.de", "reg@koenig.de", "reg@koenig.de", ""},
		{"tenant sender", "info@koenig.de", "", "reg@koenig.de", "info@koenig.de", "reg@koenig.de"},
		{"fallback sender", "", "", "reg@koenig.de", "noreply@mietwerk.example", "reg@koenig.de"},
		{"nothing to reply to", "", "", "", "noreply@mietwerk.example", ""},
	}
	for _, c := range cases {
		m := booking.MailContext{
			Tenant:   tenancy.Tenant{ID: 1, Name: "Autohaus König", MailFrom: c.tenantFrom},
			Station:  tenancy.Station{MailFrom: c.stationFrom, Email: c.stationEmail},
			Customer: customer.Customer{Email: "k@example.de", FirstName: "K", LastName: "L"},
		}
		env := NewBookingMailer(r, "noreply@mietwerk.example", "").env(m)
		if env.From.Email != c.wantFrom || env.From.Name != "Autohaus König" || env.ReplyTo.Email != c.wantReply {
			t.Errorf("%s: from %v reply %v, want %s / %s", c.name, env.From, env.ReplyTo, c.wantFrom, c.wantReply)
		}
	}
}

// TestContractMailerPaymentReceipt: the confirmation of a payment at the
// counter and of a payout is built from the receipt as recorded — the day
// in the station's calendar, the method, what is still open, the payout's
// occasion — in the customer's language; a day that is no date is an error.
func TestContractMailerPaymentReceipt(t *testing.T) {
	cm := NewContractMailer(mustNew(t), "noreply@mietwerk.test", nil)
	m := contract.MailContext{Tenant: tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH", Email: "info@koenig.test"},
		Station:  tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin", Email: "reg@koenig.test"},
		Customer: customer.Customer{FirstName: "Walter", LastName: "Kunde", Email: "walter@example.de", Language: "de"},
		Contract: contract.Contract{Number: "MV26-00007"}}
	msg, err := cm.PaymentReceipt(m, contract.Receipt{Kind: contract.KindReceipt, Method: contract.MethodCash, AmountCents: 5000,
		ReceivedOn: "2026-11-28"}, 4800)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Zahlungseingang: 50,00 € zu Mietvertrag MV26-00007", "Zahlungsart: Bar", "Eingegangen am: 28.11.2026", "Noch offen: 48,00 €"} {
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
	for _, want := range []string{"Payout: €20.00 for rental contract MV26-00007", "Method: Bank transfer", "Regarding: GS26-00002", "Reference: SEPA-1"} {
		if !strings.Contains(msg.Subject+"\n"+msg.Text, want) {
			t.Errorf("payout mail lacks %q:\n%s\n%s", want, msg.Subject, msg.Text)
		}
	}
	if _, err := cm.PaymentReceipt(m, contract.Receipt{Kind: contract.KindReceipt, Method: contract.MethodCash, AmountCents: 1, ReceivedOn: "28.11.2026"}, 0); err == nil {
		t.Error("a day that is no date made a message")
	}
}

// TestContractMailerChangeNotice: the changed fields are named in the
// customer's language and the notice is dated by the injected clock.
func TestContractMailerChangeNotice(t *testing.T) {
	at := time.Date(2026, 11, 28, 14, 30, 0, 0, time.UTC)
	cm := NewContractMailer(mustNew(t), "", func() time.Time { return at })
	m := contract.MailContext{Tenant: tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH"},
		Station:  tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin"},
		Customer: customer.Customer{FirstName: "Walter", LastName: "Kunde", Email: "walter@example.de", Language: "de"},
		Contract: contract.Contract{Number: "MV26-00007"}}
	changes := []contract.Change{{Field: "planned_end", Old: "01.12.2026 10:00", New: "03.12.2026 10:00", Effect: "Mietpreis 98,00 € statt 49,00 €"},
		{Field: "drivers", Old: "—", New: "Anna Kunde"}}
	for lang, want := range map[string][]string{
		"de": {"Rückgabe", "Fahrer", "28.11.2026", "03.12.2026 10:00", "Anna Kunde", "Mietpreis 98,00 € statt 49,00 €"},
		"en": {"Return", "Drivers", "Anna Kunde"},
	} {
		m.Customer.Language = lang
		msg, err := cm.ChangeNotice(m, changes, "Mietvertrag-MV26-00007-Aenderung-2.pdf", []byte("%PDF"))
		if err != nil {
			t.Fatal(err)
		}
		if len(msg.Attachments) != 1 || msg.Attachments[0].Filename != "Mietvertrag-MV26-00007-Aenderung-2.pdf" {
			t.Errorf("%s: attachments %+v, want the PDF under its stored name", lang, msg.Attachments)
		}
		for _, w := range want {
			if !strings.Contains(msg.Text, w) {
				t.Errorf("%s change notice lacks %q:\n%s", lang, w, msg.Text)
			}
		}
		if msg.From.Email != defaultSender {
			t.Errorf("%s: from %v, want the default sender %s", lang, msg.From, defaultSender)
		}
	}
}
