package mailtmpl

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
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

// TestContractMailerTestDriveFee: the invoice of a test drive's fee is
// sent as what it is — no "final invoice" with advances deducted — in the
// customer's language; a rental's final invoice keeps its words.
func TestContractMailerTestDriveFee(t *testing.T) {
	cm := NewContractMailer(mustNew(t), "noreply@mietwerk.test", nil)
	m := contract.MailContext{Tenant: tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH", Email: "info@koenig.test"},
		Station:  tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin", Email: "reg@koenig.test"},
		Customer: customer.Customer{FirstName: "Paul", LastName: "Probe", Email: "paul@example.de", Language: "de"},
		Contract: contract.Contract{Number: "MV26-00009"}}
	fee := invoice.Issued{IssuedAt: time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC), Invoice: invoice.Invoice{Kind: invoice.KindStandalone,
		Number: "RE-2026-000042", Lines: []invoice.Line{{Description: "Probefahrt R-CT 11 am 28.11.2026", QuantityMilli: 1000,
			UnitGross: 2500, VATRateBP: 1900, Kind: contract.PurposeTestDriveFee}}},
		Totals: invoice.Totals{Gross: 2500, Due: 2500}}
	for _, tc := range []struct {
		lang      string
		inv       invoice.Issued
		want, not []string
	}{
		{"de", fee, []string{"Ihre Rechnung RE-2026-000042 zur Probefahrt", "vielen Dank für Ihre Probefahrt", "25,00 €"}, []string{"Schlussrechnung", "Anzahlungen"}},
		{"en", fee, []string{"Your invoice RE-2026-000042 for the test drive", "thank you for your test drive"}, []string{"final invoice", "advance"}},
		{"de", invoice.Issued{IssuedAt: fee.IssuedAt, Invoice: invoice.Invoice{Kind: invoice.KindFinal, Number: "RE-2026-000043"},
			Totals: invoice.Totals{Gross: 9800, Due: 9800}}, []string{"Ihre Schlussrechnung RE-2026-000043", "Anzahlungen"}, []string{"Probefahrt"}},
	} {
		m.Customer.Language = tc.lang
		msg, err := cm.FinalInvoice(m, tc.inv, []byte("%PDF-1.4"))
		if err != nil {
			t.Fatal(err)
		}
		all := msg.Subject + "\n" + msg.Text + "\n" + msg.HTML
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s %s: mail lacks %q:\n%s\n%s", tc.lang, tc.inv.Invoice.Number, w, msg.Subject, msg.Text)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(all, w) {
				t.Errorf("%s %s: mail says %q:\n%s\n%s", tc.lang, tc.inv.Invoice.Number, w, msg.Subject, msg.Text)
			}
		}
	}
}

// TestContractMailerProtocolsOfAUse: the protocol messages of a test drive,
// an internal trip or a transfer name the use, not a rental contract, and
// the return's message announces no final invoice (there is none); a
// rental's keep their words.
func TestContractMailerProtocolsOfAUse(t *testing.T) {
	cm := NewContractMailer(mustNew(t), "noreply@mietwerk.test", nil)
	m := contract.MailContext{Tenant: tenancy.Tenant{Name: "Autohaus König", LegalName: "Autohaus König GmbH", Email: "info@koenig.test"},
		Station:  tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin", Email: "reg@koenig.test"},
		Customer: customer.Customer{FirstName: "Paul", LastName: "Probe", Email: "paul@example.de"},
		Vehicle:  fleet.Vehicle{Make: "VW", Model: "Golf", Plate: "R-CT 11"}}
	p := contract.Protocol{RecordedAt: time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC), OdometerKM: 5042, FuelEighths: 8}
	for _, tc := range []struct {
		kind               booking.Kind
		lang               string
		handover, giveBack string // the subjects
		final              bool   // the return announces the final invoice
	}{
		{booking.KindTestDrive, "de", "Übergabeprotokoll zu Ihrer Probefahrt MV26-00009", "Rücknahmeprotokoll zu Ihrer Probefahrt MV26-00009", false},
		{booking.KindTestDrive, "en", "Handover protocol for your test drive MV26-00009", "Return protocol for your test drive MV26-00009", false},
		{booking.KindInternal, "de", "Übergabeprotokoll zu Ihrer Dienstfahrt MV26-00009", "Rücknahmeprotokoll zu Ihrer Dienstfahrt MV26-00009", false},
		{booking.KindTransfer, "de", "Übergabeprotokoll zu Ihrer Überführung MV26-00009", "Rücknahmeprotokoll zu Ihrer Überführung MV26-00009", false},
		{booking.KindRental, "de", "Übergabeprotokoll zu Ihrem Mietvertrag MV26-00009", "Rücknahmeprotokoll zu Ihrem Mietvertrag MV26-00009", true},
		{"", "de", "Übergabeprotokoll zu Ihrem Mietvertrag MV26-00009", "Rücknahmeprotokoll zu Ihrem Mietvertrag MV26-00009", true},
	} {
		m.Customer.Language = tc.lang
		m.Contract = contract.Contract{Number: "MV26-00009", Kind: tc.kind}
		out, err := cm.HandoverProtocol(m, p, []byte("%PDF-1.4"))
		if err != nil {
			t.Fatal(err)
		}
		back, err := cm.ReturnProtocol(m, p, []byte("%PDF-1.4"))
		if err != nil {
			t.Fatal(err)
		}
		if out.Subject != tc.handover || back.Subject != tc.giveBack {
			t.Errorf("%s %s: subjects %q and %q, want %q and %q", tc.kind, tc.lang, out.Subject, back.Subject, tc.handover, tc.giveBack)
		}
		final := "Schlussrechnung"
		if tc.lang == "en" {
			final = "final invoice"
		}
		for _, body := range []string{back.Text, back.HTML} {
			if strings.Contains(body, final) != tc.final {
				t.Errorf("%s %s: the return's message mentions the final invoice: %v, want %v:\n%s", tc.kind, tc.lang, !tc.final, tc.final, body)
			}
		}
	}
}

// TestCounterConfirmationSplit: a booking a payer covers is confirmed with
// the expected rent, who covers which part and the customer's own share —
// the figures of the split given, formatted per language, in both parts;
// a cost centre's share is named after the dealership, never the cost
// centre. The confirmation sent again after a change of the cover says
// "updated" in subject and text; one paid online says what was paid.
func TestCounterConfirmationSplit(t *testing.T) {
	bm := NewBookingMailer(mustNew(t), "noreply@mietwerk.test", "")
	ctx := func(lang string) booking.MailContext {
		return booking.MailContext{Tenant: tenancy.Tenant{ID: 1, Name: "Autohaus König", LegalName: "Autohaus König GmbH"},
			Station:     tenancy.Station{Name: "Regensburg", TimeZone: "Europe/Berlin"},
			Customer:    customer.Customer{FirstName: "Olga", LastName: "Unfall", Email: "olga@example.de", Language: lang},
			Reservation: booking.Reservation{Number: "R-2026-000815", Pickup: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Return: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)}}
	}
	ins := booking.ConfirmQuote{EstimateCents: 123456, DepositCents: 30000,
		Split: booking.CostSplit{TotalCents: 123456, PayerCents: 100000, DriverCents: 23456, PayerName: "Allianz Versicherung"}}
	all := ins
	all.Split.PayerCents, all.Split.DriverCents = 123456, 0
	internal := ins
	internal.Split.PayerName, internal.Split.Internal = "KST 4711 Kulanz", true
	online := ins
	online.Online, online.PaidCents = true, 4900
	for _, c := range []struct {
		name      string
		lang      string
		q         booking.ConfirmQuote
		update    bool
		subject   string
		want, not []string
	}{
		{"insurer, de", "de", ins, false, "Ihre Reservierung R-2026-000815 bei Autohaus König GmbH",
			[]string{"Voraussichtlicher Mietpreis: 1.234,56 € – davon übernimmt Allianz Versicherung 1.000,00 €; Ihr Anteil voraussichtlich 234,56 €",
				"Kaution (bei Abholung): 300,00 €", "Ihren Anteil bezahlen Sie bei der Abholung"},
			[]string{"aktualisiert", "Bereits bezahlt", "Sie bezahlen bei der Abholung"}},
		{"insurer, en", "en", ins, false, "Your reservation R-2026-000815 with Autohaus König GmbH",
			[]string{"Estimated rent: €1,234.56 – of which Allianz Versicherung covers €1,000.00; your share is expected to be €234.56",
				"You pay your share at pickup"},
			[]string{"updated", "Already paid"}},
		{"all covered, de", "de", all, false, "",
			[]string{"davon übernimmt Allianz Versicherung 1.234,56 €; Ihr Anteil voraussichtlich 0,00 €",
				"Bitte bringen Sie zur Abholung eine Kredit- oder Debitkarte für die Kaution mit."},
			[]string{"Ihren Anteil bezahlen", "Sie bezahlen bei der Abholung"}},
		{"cost centre, de", "de", internal, false, "",
			[]string{"davon übernimmt Autohaus König GmbH 1.000,00 €"}, []string{"KST 4711"}},
		{"updated, de", "de", ins, true, "Ihre Reservierung R-2026-000815 bei Autohaus König GmbH wurde aktualisiert",
			[]string{"Ihre Reservierung R-2026-000815 wurde aktualisiert: Die Kostenübernahme hat sich geändert.",
				"davon übernimmt Allianz Versicherung 1.000,00 €; Ihr Anteil voraussichtlich 234,56 €"},
			[]string{"vielen Dank für Ihre Reservierung"}},
		{"updated, en", "en", ins, true, "Your reservation R-2026-000815 with Autohaus König GmbH was updated",
			[]string{"your reservation R-2026-000815 was updated: who covers the cost has changed.", "your share is expected to be €234.56"},
			[]string{"thank you for your reservation"}},
		{"updated, no cover any more, de", "de", booking.ConfirmQuote{EstimateCents: 14700, DepositCents: 30000}, true, "",
			[]string{"wurde aktualisiert", "Voraussichtlicher Mietpreis: 147,00 €\n", "Sie bezahlen bei der Abholung"},
			[]string{"übernimmt", "Ihr Anteil"}},
		{"updated, paid online, de", "de", online, true, "",
			[]string{"Bereits bezahlt (erster Miettag): 49,00 €", "Kaution: 300,00 €",
				"Voraussichtlicher Mietpreis: 1.234,56 € – davon übernimmt Allianz Versicherung 1.000,00 €; Ihr Anteil voraussichtlich 234,56 €"},
			[]string{"bei Abholung", "Sie bezahlen bei der Abholung"}},
	} {
		build := bm.CounterConfirmation
		if c.update {
			build = bm.CoverUpdate
		}
		m, err := build(ctx(c.lang), c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if c.subject != "" && m.Subject != c.subject {
			t.Errorf("%s: subject %q, want %q", c.name, m.Subject, c.subject)
		}
		for _, w := range c.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s: text lacks %q:\n%s", c.name, w, m.Text)
			}
		}
		for _, w := range c.not {
			if strings.Contains(m.Text, w) || strings.Contains(m.HTML, w) {
				t.Errorf("%s: says %q", c.name, w)
			}
		}
		// the HTML part shows the same figures, one a row
		if c.q.Split.Covered() {
			share := locale.Lang(c.lang).Money(c.q.Split.DriverCents)
			if !strings.Contains(m.HTML, share) || !strings.Contains(m.HTML, locale.Lang(c.lang).Money(c.q.Split.PayerCents)) {
				t.Errorf("%s: HTML lacks the split (%s):\n%s", c.name, share, m.HTML)
			}
		}
	}
}
