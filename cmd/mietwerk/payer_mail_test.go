package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// TestPayerInvoiceByMail (both databases): an insurer pays the rent of a
// rental; at the return its invoice (due at once) reaches the insurer's
// mailbox at the SMTP server exactly once, in German, with the PDF and the
// XRechnung as stored, and the amount in the mail, the PDF and the XML is
// the amount issued. After a partial transfer a dunning run (level 1 due
// on the due day) sends the Zahlungserinnerung claiming the rest, once.
func TestPayerInvoiceByMail(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dsn := ""
			if dialect == "postgres" {
				dsn = testenv.PostgresDSN(t)
			}
			j := newJourneyOn(t, dsn, 1)
			_, err := j.st.DB().Exec(`UPDATE tenants SET phone = '+49 9421 12345', iban = 'DE02120300000000202051', bic = 'BYLADEM1001'`)
			jm(t, err)
			ins := payer.Payer{Kind: payer.KindInsurer, Name: "HUK-COBURG Schaden", Street: "Bahnhofsplatz 1", PostalCode: "96444",
				City: "Coburg", Country: "DE", Active: true, Email: "mietwagen@huk.example", BuyerReference: "KS-Abteilung 7", PaymentDays: 0,
				Covers: map[string]bool{payer.PartRent: true}}
			jm(t, j.st.CreatePayer(j.sys(), &ins))
			r := j.bookFor("olga.huber@example.de", "4111111111111111", "")
			jm(t, j.st.SetCover(j.sys(), &payer.Cover{ReservationID: r.ID, Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: "KS-2026-4711"}))
			hand := map[string]any{"km": 1000, "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true,
				"unsigned_reason": "Kunde telefonisch zugestimmt",
				"drivers": []map[string]any{{"role": "main", "first_name": "Olga", "last_name": "Huber", "licence_number": "B072RRE2I55",
					"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
			if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", hand); status != http.StatusCreated {
				t.Fatalf("API handover: %d %s", status, body)
			}
			if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/return", map[string]any{"unsigned_reason": "Schlüsselkasten",
				"km": 1050, "fuel_eighths": 8, "cleanliness": "clean"}); status != http.StatusOK {
				t.Fatalf("API return: %d %s", status, body)
			}
			var number string
			var gross int64
			jm(t, j.st.DB().QueryRow(`SELECT number, gross_cents FROM invoices WHERE payer_id = $1`, ins.ID).Scan(&number, &gross))
			var stored []byte
			jm(t, j.st.DB().QueryRow(`SELECT e.data FROM einvoices e JOIN invoices i ON i.id = e.invoice_id WHERE i.number = $1`, number).Scan(&stored))
			msgs := j.mails(ins.Email, 1)
			if len(msgs) != 1 {
				t.Fatalf("%d messages to the insurer, want exactly 1", len(msgs))
			}
			var queued int
			jm(t, j.st.DB().QueryRow(`SELECT count(*) FROM emails WHERE kind = 'payer_invoice'`).Scan(&queued))
			if queued != 1 {
				t.Fatalf("%d payer messages queued, want 1", queued)
			}
			m := msgs[0]
			amount := locale.Lang("de").Money(gross)
			if !strings.Contains(m.Subject, "Rechnung "+number) || !strings.Contains(m.Text, "Sehr geehrte Damen und Herren") ||
				!strings.Contains(m.Text, "Zahlbetrag: "+amount) || !strings.Contains(m.Text, "KS-2026-4711") {
				t.Errorf("insurer mail %q:\n%s", m.Subject, m.Text)
			}
			var pdfText string
			var xml []byte
			for _, a := range m.Attachments {
				switch {
				case a.ContentType == "application/pdf":
					pdfText = testenv.PDFText(t, j.mp.Part(m.ID, a.PartID))
				case strings.HasSuffix(a.FileName, number+".xml"):
					xml = j.mp.Part(m.ID, a.PartID)
				}
			}
			if !bytes.Equal(xml, stored) || len(stored) == 0 {
				t.Fatalf("the mail carries %d bytes of XRechnung, %d stored", len(xml), len(stored))
			}
			if !strings.Contains(pdfText, number) || !strings.Contains(pdfText, amount) {
				t.Errorf("PDF lacks %s / %s:\n%s", number, amount, pdfText)
			}
			euros := fmt.Sprintf("%d.%02d", gross/100, gross%100)
			for _, want := range []string{"<ram:DuePayableAmount>" + euros + "</ram:DuePayableAmount>", "KS-Abteilung 7", ins.Email} {
				if !strings.Contains(string(stored), want) {
					t.Errorf("XRechnung lacks %s", want)
				}
			}
			if vs := xrechnung.Check(stored); len(vs) > 0 {
				for _, v := range vs {
					if v.Severity == xrechnung.Error {
						t.Errorf("payer e-invoice violates %s", v)
					}
				}
			}
			// a partial transfer, then the Zahlungserinnerung for the rest
			var invID int64
			jm(t, j.st.DB().QueryRow(`SELECT id FROM invoices WHERE number = $1`, number).Scan(&invID))
			ctx := j.sys()
			jm(t, j.svc.contracts.RecordPayerTransfer(ctx, &contract.PayerPayment{InvoiceID: invID, AmountCents: 1000,
				ReceivedOn: time.Now().In(berlinLoc()).Format("2006-01-02"), Reference: "HUK 4711"}))
			set := contract.DefaultDunningSettings()
			set.Levels[0].Days = 0
			jm(t, j.svc.contracts.SaveDunningSettings(ctx, set))
			for run, want := range []int{1, 0} {
				ns, err := j.svc.contracts.IssueDunning(ctx, berlinLoc())
				jm(t, err)
				if len(ns) != want {
					t.Fatalf("dunning run %d issued %d notices, want %d", run+1, len(ns), want)
				}
			}
			msgs = j.mails(ins.Email, 2)
			var reminder string
			for _, m := range msgs {
				if strings.Contains(m.Subject, "Zahlungserinnerung") {
					reminder = j.attachmentText(msgs, "Zahlungserinnerung")
				}
			}
			rest := locale.Lang("de").Money(gross - 1000)
			if !strings.Contains(reminder, "Zahlungserinnerung") || !strings.Contains(reminder, number) || !strings.Contains(reminder, rest) {
				t.Errorf("reminder PDF lacks %s / %s:\n%s", number, rest, reminder)
			}
			jm(t, j.st.DB().QueryRow(`SELECT count(*) FROM emails WHERE kind = 'payer_dunning'`).Scan(&queued))
			if queued != 1 {
				t.Errorf("%d reminders queued, want 1", queued)
			}
		})
	}
}
