package mailtmpl

import (
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
)

var (
	booked = time.Date(2026, 3, 10, 14, 5, 0, 0, time.UTC)
	pickup = time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC)
	back   = time.Date(2026, 3, 17, 16, 30, 0, 0, time.UTC)
	berlin = func() *time.Location {
		loc, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			return time.FixedZone("CET", 3600)
		}
		return loc
	}()
	fakePDF = []byte("%PDF-1.4 fake document bytes\x00\x01\x02")
	fakePNG = []byte("\x89PNG\r\n\x1a\nfake")
)

func envelope(lang document.Lang) Envelope {
	return Envelope{
		TenantID: "tenant-koenig", Lang: lang, Location: berlin,
		Branding: document.Branding{
			LegalName: "Autohaus König GmbH & Co. KG",
			Address:   invoice.Address{Street: "Große Straße 12", PostalCode: "20095", City: "Hamburg", Country: "DE"},
			Phone:     "+49 40 123456", Email: "vermietung@koenig.test", Website: "www.koenig.test",
			VATID: "DE123456789", TaxNumber: "22/123/45678", RegisterCourt: "Amtsgericht Hamburg", RegisterNumber: "HRA 98765",
			ManagingDirectors: []string{"Jürgen König", "Bärbel Weiß"}, LogoPNG: fakePNG,
		},
		From:      mail.Address{Name: "Autohaus König", Email: "noreply@koenig.test"},
		ReplyTo:   mail.Address{Name: "Filiale Süd", Email: "sued@koenig.test"},
		To:        mail.Address{Name: "Jörg Müßig", Email: "joerg@kunde.test"},
		MessageID: "<outbox-1@koenig.test>",
	}
}

var station = Station{Name: "Filiale Hamburg-Süd", Address: invoice.Address{Street: "Große Straße 12", PostalCode: "20095", City: "Hamburg", Country: "DE"}, Phone: "+49 40 123456-7"}

func reservation() Reservation {
	return Reservation{
		Number: "R-2026-000815", CustomerName: "Jörg Müßig", BookedAt: booked, Station: station,
		Category: "Kompaktklasse (VW Golf o. ä.)", Pickup: pickup, Return: back,
		Paid: 4999, Deposit: 30000, InvoiceNumber: "RE-2026-000041", InvoicePDF: fakePDF,
		PageURL: "https://miete.koenig.test/b/R2DHrhPqZ4k7LQmW0sVx3bJfN8cYtE1uAoGi5KpMdQw",
	}
}

// changed is the reservation after its second change of period: two days
// later, returned a day later.
func changed() Reservation {
	d := reservation()
	d.Pickup, d.Return, d.Sequence, d.ChangedAt = pickup.AddDate(0, 0, 2), back.AddDate(0, 0, 3), 2, booked.Add(26*time.Hour)
	d.InvoiceNumber, d.InvoicePDF = "", nil
	return d
}

func cancellation() Cancellation {
	return Cancellation{CustomerName: "Jörg Müßig", ReservationNumber: "R-2026-000815", Station: station, Category: "Kompaktklasse (VW Golf o. ä.)",
		Pickup: pickup, Return: back, Paid: 4999, Fee: 1500, Refund: 3499, Deposit: 30000, DepositHold: true,
		CancelledAt: booked.Add(50 * time.Hour), Sequence: 2}
}

func mailOf(amount int64, note string) InvoiceMail {
	return InvoiceMail{CustomerName: "Jörg Müßig", Number: "RE-2026-000042", IssueDate: back, ContractNumber: "MV-2026-000123",
		Amount: amount, PaymentNote: note, PDF: fakePDF}
}

func protocolMail() ProtocolMail {
	return ProtocolMail{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", Vehicle: "Volkswagen Golf 8", Plate: "HH-AK 4711",
		Station: station, Time: pickup, Km: 12345, FuelEighths: 6, NewDamages: 1, PDF: fakePDF}
}

// cases renders every template in lang with typical data.
func cases(r *Renderer, lang document.Lang) map[mail.Kind]func() (mail.Message, error) {
	env := envelope(lang)
	return map[mail.Kind]func() (mail.Message, error){
		mail.KindReservationConfirmation: func() (mail.Message, error) { return r.ReservationConfirmation(env, reservation()) },
		mail.KindAdvanceInvoice: func() (mail.Message, error) {
			d := mailOf(4999, lang.T("docpay.paid_card_last4", locale.Params{"last4": "1111"}))
			d.Number = "RE-2026-000041"
			return r.AdvanceInvoice(env, d)
		},
		mail.KindHandoverProtocol: func() (mail.Message, error) { return r.HandoverProtocol(env, protocolMail()) },
		mail.KindReturnProtocol:   func() (mail.Message, error) { return r.ReturnProtocol(env, protocolMail()) },
		mail.KindFinalInvoice: func() (mail.Message, error) {
			return r.FinalInvoice(env, mailOf(17048, lang.T("docpay.paid_card_last4", locale.Params{"last4": "1111"})))
		},
		mail.KindDamageClaim: func() (mail.Message, error) {
			d := mailOf(25000, lang.T("docpay.paid_card_last4", locale.Params{"last4": "1111"}))
			d.Number = "RE-2026-000043"
			return r.DamageClaim(env, d)
		},
		mail.KindCreditNote: func() (mail.Message, error) {
			d := mailOf(123456, lang.T("docpay.back_card_last4", locale.Params{"last4": "1111"}))
			d.Number, d.CorrectsNumber = "GS-2026-000007", "RE-2026-000042"
			return r.CreditNote(env, d)
		},
		mail.KindContractChange: func() (mail.Message, error) {
			labels := map[document.Lang][2]string{document.German: {"Rückgabe", "Zusätzlicher Fahrer"}, document.English: {"Return", "Additional driver"}}[lang]
			return r.ContractChangeNotice(env, ContractChange{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", EffectiveAt: pickup,
				Changes: []Change{{labels[0], "17.03.2026", "19.03.2026", map[document.Lang]string{document.German: "5 statt 3 Miettage: voraussichtlicher Mietpreis 245,00 € statt 147,00 €.",
					document.English: "5 instead of 3 rental days: estimated rent €245.00 instead of €147.00."}[lang]}, {labels[1], "–", "Bärbel Müßig", ""}},
				PDF: fakePDF, Filename: "Mietvertrag-MV-2026-000123-Aenderung-2.pdf"})
		},
		mail.KindFineLetter: func() (mail.Message, error) {
			return r.FineLetter(env, FineLetter{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", Reference: "AZ 4711/26",
				Authority: "Stadt Regensburg, Bußgeldstelle", PDF: fakePDF, Filename: "Schreiben-AZ-4711-26.pdf"})
		},
		mail.KindPayerInvoice: func() (mail.Message, error) {
			d := mailOf(9800, lang.T("docpay.open_days", locale.Params{"n": 30}))
			d.CustomerName = "HUK-COBURG"
			return r.PayerInvoice(env, PayerInvoiceMail{InvoiceMail: d, PayerName: "HUK-COBURG", DriverName: "Jörg Müßig",
				ClaimNumber: "KS-2026-4711", DueDate: pickup.AddDate(0, 0, 30), XML: true})
		},
		mail.KindPayerDunning: func() (mail.Message, error) {
			return r.PayerDunning(env, PayerDunningMail{Title: lang.T("dunning.level.2"), Number: "MA-2026-000003", InvoiceNumber: "RE-2026-000042",
				ContractNumber: "MV-2026-000123", Claimed: 5400, DueDate: pickup.AddDate(0, 0, 10), PDF: fakePDF, Filename: "Mahnung-MA-2026-000003.pdf"})
		},
		mail.KindContractDocument: func() (mail.Message, error) {
			return r.ContractDocument(env, ContractChange{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", PDF: fakePDF,
				Filename: "Mietvertrag-MV-2026-000123.pdf"})
		},
		mail.KindPaymentFailed: func() (mail.Message, error) {
			return r.PaymentFailedNotice(env, PaymentFailed{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", InvoiceNumber: "RE-2026-000042",
				Amount: 17048, Reason: map[document.Lang]string{document.German: "Die Karte ist abgelaufen.", document.English: "The card has expired."}[lang]})
		},
		mail.KindPaymentReceipt: func() (mail.Message, error) {
			return r.PaymentReceiptNotice(env, PaymentReceipt{CustomerName: "Jörg Müßig", ContractNumber: "MV-2026-000123", Method: "terminal",
				Amount: 9800, On: pickup, Reference: "Beleg 0815", Open: 2250})
		},
		mail.KindBookingCancellation: func() (mail.Message, error) {
			return r.BookingCancellation(env, cancellation())
		},
		mail.KindBookingChange: func() (mail.Message, error) { return r.BookingChange(env, changed()) },
		mail.KindWebhookDisabled: func() (mail.Message, error) {
			return r.WebhookDisabledNotice(env, WebhookDisabled{AdminName: "Bärbel Weiß", URL: "https://agentur.test/hooks/mietwerk",
				Reason: "failing", Since: booked, LastStatus: 503, Link: "https://miete.koenig.test/admin/webhooks/3"})
		},
		mail.KindBookingFailed: func() (mail.Message, error) {
			return r.BookingFailed(env, BookingFailed{CustomerName: "Jörg Müßig", ReservationNumber: "R-2026-000816", Station: station,
				Pickup: pickup, Return: back, Charged: true,
				Reason: map[document.Lang]string{document.German: "Die Karte wurde von der Bank abgelehnt.", document.English: "Your bank declined the card."}[lang]})
		},
	}
}
