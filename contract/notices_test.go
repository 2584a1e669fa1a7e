package contract_test

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
)

// bookAndHandOver books online with a card in the money world (tenant 0:
// deposit reserved) and hands the car over at the pickup.
func bookAndHandOver(t *testing.T, w *mworld, email string) (*mtenant, contract.Contract) {
	t.Helper()
	m := w.tenants[0]
	pickup := time.Date(2026, 1, 7, 10, 0, 0, 0, w.loc)
	d, err := w.bookings.Book(m.sys, booking.BookRequest{Customer: customer.Customer{Email: email, FirstName: "Eva", LastName: "Muster",
		Street: "Weg 1", PostalCode: "94315", City: "Straubing", Country: "DE", Language: "de", Phone: "+49 170 1234567"},
		StationCode: "SR", CategoryCode: "CDMR", Pickup: pickup, Return: pickup.Add(72 * time.Hour),
		Card: &payment.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2060, CVV: "123"}})
	must(t, err)
	// the price list changes after the booking: the booking keeps its price
	tf := m.std
	tf.PricePerDayCents, tf.DepositCents = 7900, 90000
	must(t, w.s.UpdateTariff(m.admin, &tf))
	m.std = tf
	w.clk.Set(pickup)
	c, err := w.contracts.Handover(m.admin, &contract.Handover{ReservationID: d.Reservation.ID, LicenceChecked: true, TimingConfirmed: true,
		Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55",
			LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE"}},
		Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 10000, FuelEighths: 8, Cleanliness: "clean"}})
	must(t, err)
	return m, c
}

// TestTermsSnapshotAndNotices: the contract keeps the terms it was booked
// and handed over with although the price list changed (day price quoted
// at booking, the deposit actually held); its PDF prints them. Sending the
// contract without a change sends the contract itself, not a change
// notice; a licence check alone changes no driver and sends nothing; a
// tariff change replaces the snapshot with the new tariff's terms (audited)
// and its notice says what it does to the price; every stored version of
// the contract PDF has a name of its own; after the return the page's
// facts come from the final invoice (days and km billed).
func TestTermsSnapshotAndNotices(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		m, c := bookAndHandOver(t, w, "eva@example.de")
		if c.Terms.PricePerDayCents != 4900 || c.Terms.DepositCents != 30000 || c.Terms.TariffName != "Standard" {
			t.Fatalf("snapshot %+v: want the booked 49,00 € a day and the 300,00 € deposit held", c.Terms)
		}
		// the contract as it is: one "contract" message, the PDF named after the contract
		must(t, w.contracts.SendContract(m.admin, c.ID, nil))
		// a licence check of the same driver: nothing a notice would name
		_, err := w.contracts.Update(m.admin, c.ID, contract.Edit{Notify: true, Drivers: []contract.Driver{{Role: contract.RoleMain,
			FirstName: "Eva", LastName: "Muster", LicenceNumber: "B072RRE2I55", LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01",
			LicenceCountry: "DE", CheckNow: true}}})
		must(t, err)
		// a tariff change: the snapshot is replaced, the notice names the price effect
		alt := m.alt.ID
		changes, err := w.contracts.Update(m.admin, c.ID, contract.Edit{TariffID: &alt, Notify: true})
		must(t, err)
		if len(changes) != 1 || !strings.Contains(changes[0].Effect, "Tagespreis 69,00 € statt 49,00 €") ||
			!strings.Contains(changes[0].Effect, "voraussichtlicher Mietpreis 276,00 € statt 147,00 €") {
			t.Fatalf("tariff change %+v", changes)
		}
		must(t, w.contracts.SendContract(m.admin, c.ID, nil))
		c, err = w.s.Contract(m.admin, c.ID)
		must(t, err)
		if c.Terms.TariffName != "Komfort" || c.Terms.PricePerDayCents != 6900 || c.Terms.DepositCents != 30000 ||
			c.Terms.Source != pricing.TermsTariffChanged {
			t.Fatalf("snapshot after the tariff change %+v: Komfort's prices, the deposit still held", c.Terms)
		}
		msgs, _, err := w.s.ListEmails(m.admin, mail.Filter{ContractID: c.ID})
		must(t, err)
		kinds := map[mail.Kind]int{}
		var notice mail.Queued
		for _, q := range msgs {
			kinds[q.Message.Kind]++
			if q.Message.Kind == mail.KindContractChange {
				notice = q
			}
		}
		if kinds[mail.KindContractDocument] != 2 || kinds[mail.KindContractChange] != 1 {
			t.Fatalf("messages %v: want two contracts and one change notice (none for the licence check)", kinds)
		}
		if !strings.Contains(notice.Message.Text, "Tarif: Standard → Komfort") || !strings.Contains(notice.Message.Text, "Tagespreis 69,00 € statt 49,00 €") {
			t.Fatalf("change notice:\n%s", notice.Message.Text)
		}
		docs, err := w.s.ContractDocuments(m.admin, c.ID)
		must(t, err)
		names := map[string]bool{}
		for _, d := range docs {
			if names[d.Filename] {
				t.Fatalf("two documents named %s: %+v", d.Filename, docs)
			}
			names[d.Filename] = true
		}
		for _, want := range []string{"Mietvertrag-" + c.Number + ".pdf", "Mietvertrag-" + c.Number + "-Aenderung-2.pdf",
			"Mietvertrag-" + c.Number + "-Fassung-3.pdf"} {
			if !names[want] {
				t.Fatalf("no document %s among %v", want, names)
			}
		}
		// the first contract PDF prints the snapshot: booked price, deposit held
		stored, err := w.s.Document(m.admin, docs[len(docs)-3].ID)
		must(t, err)
		text := strings.Join(strings.Fields(testenv.PDFText(t, stored.Data)), " ")
		if !strings.Contains(text, "Preis pro Tag 49,00 €") || !strings.Contains(text, "Kaution 300,00 €") || strings.Contains(text, "900,00 €") {
			t.Fatalf("contract PDF does not print its snapshot:\n%s", text)
		}
		// the return: the page's facts come from the final invoice
		w.clk.Advance(50 * time.Hour)
		_, out, err := w.contracts.Return(m.admin, &contract.Return{ContractID: c.ID,
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: 10950, FuelEighths: 8, Cleanliness: "clean"}})
		must(t, err)
		b, ok, err := w.contracts.Billed(m.admin, c.ID)
		must(t, err)
		if !ok || b.Days != out.Bill.Days || b.Days != 3 || b.DrivenKM != 950 || b.IncludedKM != 900 || b.ExtraKM != 50 ||
			b.FinalNumber != out.Final.Invoice.Number || b.FinalGross != out.Final.Totals.Gross {
			t.Fatalf("billed %+v; bill days %d, final %s", b, out.Bill.Days, out.Final.Invoice.Number)
		}
	})
}

// TestCancellationNamesFeeAndRefund: a cancellation inside the fee window
// keeps the fee; the preview said so before; the credit note names the
// advance, the fee kept and the refund; the e-mail names fee, refund and
// the deposit hold released; the booking keeps the fee. Waiving without a
// reason is refused and changes nothing.
func TestCancellationNamesFeeAndRefund(t *testing.T) {
	eachDB(t, func(t *testing.T, d store.Dialect) {
		w := newMoneyWorld(t, d)
		m := w.tenants[0] // 25,00 € within 24 hours
		pickup := time.Date(2026, 1, 7, 10, 0, 0, 0, w.loc)
		b, err := w.bookings.Book(m.sys, booking.BookRequest{Customer: customer.Customer{Email: "olga@example.de", FirstName: "Olga",
			LastName: "Storno", Street: "Weg 1", PostalCode: "94315", City: "Straubing", Country: "DE", Language: "de", Phone: "+49 170 1234567"},
			StationCode: "SR", CategoryCode: "CDMR", Pickup: pickup, Return: pickup.Add(48 * time.Hour),
			Card: &payment.Card{Number: "4111111111111111", ExpMonth: 12, ExpYear: 2060, CVV: "123"}})
		must(t, err)
		w.clk.Set(pickup.Add(-5 * time.Hour))
		q, err := w.bookings.CancelPreview(m.admin, b.Reservation.Number)
		must(t, err)
		if q.PaidCents != 4900 || q.FeeCents != 2500 || q.RefundCents != 2400 || q.DepositCents != 30000 || !q.DepositHold {
			t.Fatalf("preview %+v", q)
		}
		if _, err := w.bookings.CancelWith(m.admin, b.Reservation.Number, booking.CancelOptions{WaiveFee: true, Reason: "  "}); fieldsOf(err)["waive_reason"] == "" {
			t.Fatalf("waiver without a reason: %v", err)
		}
		if r, _ := w.s.Reservation(m.sys, b.Reservation.ID); r.Status != booking.StatusConfirmed {
			t.Fatalf("a refused waiver changed the booking: %s", r.Status)
		}
		c, err := w.bookings.CancelWith(m.admin, b.Reservation.Number, booking.CancelOptions{})
		must(t, err)
		if c.CancelQuote != q {
			t.Fatalf("cancellation %+v, preview %+v", c.CancelQuote, q)
		}
		r, err := w.s.Reservation(m.sys, b.Reservation.ID)
		must(t, err)
		if r.Status != booking.StatusCancelled || r.CancelFeeCents != 2500 || r.CancelFeeWaived != "" {
			t.Fatalf("cancelled booking %+v", r)
		}
		var credit int64
		for _, x := range c.Invoices {
			if x.Kind == "credit_note" {
				credit = x.ID
			}
		}
		iss, err := w.s.IssuedInvoice(m.sys, credit)
		must(t, err)
		if iss.Totals.Gross != 2400 || !strings.Contains(iss.Invoice.Note, "Anzahlung 49,00 €, einbehaltene Stornogebühr 25,00 €, erstattet 24,00 €") {
			t.Fatalf("credit note %d: %q", iss.Totals.Gross, iss.Invoice.Note)
		}
		msgs, _, err := w.s.ListEmails(m.admin, mail.Filter{ReservationID: b.Reservation.ID})
		must(t, err)
		var text string
		for _, x := range msgs {
			if x.Message.Kind == mail.KindBookingCancellation {
				text = x.Message.Text
			}
		}
		for _, want := range []string{"Bezahlt bei der Buchung: 49,00 €", "Stornogebühr (einbehalten): 25,00 €", "Erstattung: 24,00 €",
			"Die Reservierung der Kaution über 300,00 € auf Ihrer Karte wird aufgehoben."} {
			if !strings.Contains(text, want) {
				t.Fatalf("cancellation e-mail lacks %q:\n%s", want, text)
			}
		}
	})
}
