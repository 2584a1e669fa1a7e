package mailtmpl

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/locale"
)

func mustNew(t *testing.T) *Renderer {
	t.Helper()
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestICSConformsToRFC5545Basics(t *testing.T) {
	d := reservation()
	d.Station.Name = "Station; mit, Sonderzeichen\\ und einem sehr langen Namen, der gefaltet werden muss – äöü"
	ics := string(ReservationICS(envelope(document.German), d))
	if !strings.HasSuffix(ics, "END:VCALENDAR\r\n") || strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") {
		t.Fatal("lines must end in CRLF only")
	}
	for _, l := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line longer than 75 octets: %q", l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("fold split a UTF-8 sequence: %q", l)
		}
	}
	unfolded := strings.ReplaceAll(ics, "\r\n ", "")
	for _, want := range []string{
		`LOCATION:Station\; mit\, Sonderzeichen\\ und einem sehr langen Namen\, der gefaltet werden muss – äöü\, Große Straße 12\, 20095 Hamburg`,
		"UID:R-2026-000815-pickup@koenig.test", "UID:R-2026-000815-return@koenig.test",
		"DTSTART:20260314T080000Z", "DTSTART:20260317T163000Z", "DTSTAMP:20260310T140500Z", "METHOD:PUBLISH",
	} {
		if !strings.Contains(unfolded, want+"\r\n") {
			t.Errorf("ICS lacks line %q", want)
		}
	}
	if strings.Count(ics, "BEGIN:VEVENT") != 2 {
		t.Error("want exactly two events")
	}
}

func TestReservationJSONLD(t *testing.T) {
	m, err := mustNew(t).ReservationConfirmation(envelope(document.English), reservation())
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(m.HTML, `<script type="application/ld+json">`)
	end := strings.Index(m.HTML, "</script>")
	if start < 0 || end < start {
		t.Fatal("no JSON-LD script")
	}
	var ld map[string]any
	if err := json.Unmarshal([]byte(m.HTML[start+len(`<script type="application/ld+json">`):end]), &ld); err != nil {
		t.Fatalf("JSON-LD does not parse: %v", err)
	}
	if ld["@type"] != "RentalCarReservation" || ld["reservationNumber"] != "R-2026-000815" ||
		ld["pickupTime"] != "2026-03-14T09:00:00+01:00" || ld["dropoffTime"] != "2026-03-17T17:30:00+01:00" {
		t.Errorf("JSON-LD = %v", ld)
	}
}

func TestUserTextIsEscapedInHTML(t *testing.T) {
	d := reservation()
	d.CustomerName = `<script>alert("x")</script>`
	m, err := mustNew(t).ReservationConfirmation(envelope(document.German), d)
	if err != nil {
		t.Fatal(err)
	}
	body := m.HTML[strings.Index(m.HTML, "<body"):]
	if strings.Contains(body, "<script>alert") {
		t.Error("customer name reached the HTML unescaped")
	}
	var ld map[string]any
	s := m.HTML[strings.Index(m.HTML, "{"):strings.Index(m.HTML, "</script>")]
	if err := json.Unmarshal([]byte(s), &ld); err != nil || strings.Contains(s, "</script>alert") {
		t.Errorf("JSON-LD broken by customer name: %v", err)
	}
}

func TestLogoLinkedOrInline(t *testing.T) {
	r := mustNew(t)
	env := envelope(document.German)
	env.LogoURL = "https://koenig.test/logo.png"
	m, err := r.PaymentFailedNotice(env, PaymentFailed{CustomerName: "A", ContractNumber: "MV-1", Amount: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `<img src="https://koenig.test/logo.png"`) || len(m.Attachments) != 0 {
		t.Errorf("linked logo: attachments %d, html has img: %v", len(m.Attachments), strings.Contains(m.HTML, "<img"))
	}
	env.LogoURL, env.Branding.LogoPNG = "", nil
	m, _ = r.PaymentFailedNotice(env, PaymentFailed{CustomerName: "A", ContractNumber: "MV-1", Amount: 100})
	if strings.Contains(m.HTML, "<img") || !strings.Contains(m.HTML, "<strong style=\"font-size:20px;\">Autohaus König") {
		t.Error("without logo the name must be shown instead")
	}
}

func TestFinalInvoiceRefund(t *testing.T) {
	r := mustNew(t)
	for lang, want := range map[document.Lang][]string{
		document.German:  {"Erstattungsbetrag: 24,99 €", "gutgeschrieben"},
		document.English: {"Amount refunded: €24.99", "credited to your payment card ending in 1111"},
	} {
		m, err := r.FinalInvoice(envelope(lang), mailOf(-2499, lang.T("docpay.back_card_last4", locale.Params{"last4": "1111"})))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s text lacks %q:\n%s", lang, w, m.Text)
			}
		}
		if strings.Contains(m.Text, "-24") {
			t.Errorf("%s: refund shown as a negative amount", lang)
		}
	}
}

func TestUnknownLanguageFallsBackToGerman(t *testing.T) {
	env := envelope("fr")
	m, err := mustNew(t).BookingCancellation(env, Cancellation{CustomerName: "A", ReservationNumber: "R-1", Pickup: pickup, Return: back})
	if err != nil {
		t.Fatal(err)
	}
	if m.Lang != "de" || !strings.HasPrefix(m.Subject, "Stornierung") {
		t.Errorf("lang %q subject %q", m.Lang, m.Subject)
	}
	if strings.Contains(m.Text, "Erstattung") {
		t.Error("refund line shown for a zero refund")
	}
}

func TestEveryMessageIsValidWithTextAndHTML(t *testing.T) {
	r := mustNew(t)
	for _, lang := range Langs {
		for kind, render := range cases(r, lang) {
			m, err := render()
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, kind, err)
			}
			if m.Kind != kind || m.Lang != string(lang) || m.Text == "" || !strings.HasPrefix(m.HTML, "<!DOCTYPE html>") ||
				strings.Contains(m.Text+m.HTML, "<no value>") || !strings.Contains(m.Text, "Amtsgericht Hamburg HRA 98765") ||
				!strings.Contains(m.HTML, "DE123456789") {
				t.Errorf("%s/%s: incomplete message %+v", lang, kind, m.Subject)
			}
		}
	}
}

// TestPaymentReceiptVariants: a payout is confirmed as money paid back with
// its credit note and without an open amount; a receipt that settles the
// contract says so; cash and transfer are named in both languages.
func TestPaymentReceiptVariants(t *testing.T) {
	r := mustNew(t)
	on := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang      document.Lang
		d         PaymentReceipt
		want, not []string
	}{
		{document.German, PaymentReceipt{CustomerName: "A", ContractNumber: "MV-1", Payout: true, Method: "cash", Amount: 2000, On: on, Note: "GS-7"},
			[]string{"Auszahlung: 20,00 €", "zurückgezahlt", "Zahlungsart: Bar", "Ausgezahlt am: 28.11.2026", "Anlass: GS-7"},
			[]string{"Noch offen", "vollständig bezahlt", "Zahlungseingang"}},
		{document.German, PaymentReceipt{CustomerName: "A", ContractNumber: "MV-1", Method: "transfer", Amount: 9800, On: on, Reference: "SEPA 1"},
			[]string{"Zahlungseingang: 98,00 €", "Zahlungsart: Überweisung", "Referenz: SEPA 1", "vollständig bezahlt"},
			[]string{"Noch offen", "Anlass"}},
		{document.English, PaymentReceipt{CustomerName: "A", ContractNumber: "MV-1", Payout: true, Method: "transfer", Amount: 2000, On: on},
			[]string{"Payout: €20.00", "paid the following amount back", "Method: Bank transfer"},
			[]string{"Still open", "paid in full"}},
	} {
		m, err := r.PaymentReceiptNotice(envelope(tc.lang), tc.d)
		if err != nil {
			t.Fatal(err)
		}
		all := m.Subject + "\n" + m.Text
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s %+v: lacks %q:\n%s", tc.lang, tc.d, w, all)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(all, w) || strings.Contains(m.HTML, w) {
				t.Errorf("%s %+v: has %q", tc.lang, tc.d, w)
			}
		}
	}
}

// TestCounterConfirmation: a booking staff took confirms the estimated rent
// and the deposit as due at pickup, in both languages and both parts, and
// never says something was paid or attaches an invoice.
func TestCounterConfirmation(t *testing.T) {
	d := reservation()
	d.Paid, d.InvoiceNumber, d.InvoicePDF, d.PageURL = 0, "", nil, ""
	d.AtCounter, d.Estimate, d.Deposit = true, 23700, 30000
	for _, c := range []struct {
		lang      document.Lang
		want, not []string
	}{
		{document.German, []string{"Voraussichtlicher Mietpreis", "237,00 €", "Kaution (bei Abholung)", "300,00 €", "Sie bezahlen bei der Abholung"},
			[]string{"Bereits bezahlt", "Anzahlungsrechnung"}},
		{document.English, []string{"Estimated rent", "€237.00", "Deposit (at pickup)", "€300.00", "You pay at pickup"},
			[]string{"Already paid", "advance invoice"}},
	} {
		m, err := mustNew(t).ReservationConfirmation(envelope(c.lang), d)
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{m.Text, m.HTML} {
			for _, w := range c.want {
				if !strings.Contains(part, w) {
					t.Errorf("%s: %q missing", c.lang, w)
				}
			}
			for _, w := range c.not {
				if strings.Contains(part, w) {
					t.Errorf("%s: says %q", c.lang, w)
				}
			}
		}
		for _, a := range m.Attachments {
			if strings.HasSuffix(a.Filename, ".pdf") {
				t.Errorf("%s: attaches %s", c.lang, a.Filename)
			}
		}
	}
}
