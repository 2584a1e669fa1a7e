package main

import (
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// bookingMailer builds the booking service's messages with the e-mail
// templates (the domain does not import templates).
type bookingMailer struct {
	r        *mailtmpl.Renderer
	fallback string // --mail-from: the sender when neither station nor tenant has one
}

var _ booking.Mailer = bookingMailer{}

func (b bookingMailer) env(m booking.MailContext) mailtmpl.Envelope {
	from, reply := mail.SenderFor(m.Tenant.MailFrom, m.Tenant.MailReplyTo, m.Station.MailFrom, m.Station.MailReplyTo,
		firstOf(b.fallback, "noreply@mietwerk.local"))
	if reply.IsZero() && m.Station.Email != "" && !strings.EqualFold(m.Station.Email, from.Email) {
		reply = mail.Address{Email: m.Station.Email} // replies reach the station even from a no-reply sender
	}
	from.Name = m.Tenant.Name
	domain := from.Email[strings.LastIndex(from.Email, "@")+1:]
	return mailtmpl.Envelope{TenantID: fmt.Sprint(m.Tenant.ID), Lang: document.Lang(m.Customer.Language).Or(),
		Location: m.Station.Location(), Branding: booking.Branding(m.Tenant),
		From: from, ReplyTo: reply,
		To: mail.Address{Name: m.Customer.Name(), Email: m.Customer.Email}, MessageID: "<" + payment.RandomID() + "@" + domain + ">"}
}

func firstOf(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

func station(m booking.MailContext) mailtmpl.Station {
	s := m.Station
	return mailtmpl.Station{Name: s.Name, Address: invoice.Address{Street: s.Street, PostalCode: s.PostalCode, City: s.City, Country: s.Country},
		Phone: s.Phone, Email: s.Email}
}

func (b bookingMailer) Confirmation(m booking.MailContext, inv invoice.Issued, pdf []byte, paid, deposit int64) (mail.Message, error) {
	r := m.Reservation
	return b.r.ReservationConfirmation(b.env(m), mailtmpl.Reservation{Number: r.Number, CustomerName: m.Customer.Name(),
		BookedAt: r.CreatedAt, Station: station(m), Category: m.Category.Name(m.Customer.Language), Pickup: r.Pickup, Return: r.Return,
		Paid: paid, Deposit: deposit, InvoiceNumber: inv.Invoice.Number, InvoicePDF: pdf})
}

func (b bookingMailer) Invoice(m booking.MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	return b.r.AdvanceInvoice(b.env(m), mailtmpl.InvoiceMail{CustomerName: m.Customer.Name(), Number: inv.Invoice.Number,
		IssueDate: inv.IssuedAt, ContractNumber: m.Reservation.Number, Amount: inv.Totals.Due, Paid: true, PDF: pdf})
}

func (b bookingMailer) CreditNote(m booking.MailContext, inv invoice.Issued, pdf []byte, corrects string) (mail.Message, error) {
	return b.r.CreditNote(b.env(m), mailtmpl.InvoiceMail{CustomerName: m.Customer.Name(), Number: inv.Invoice.Number,
		IssueDate: inv.IssuedAt, ContractNumber: m.Reservation.Number, Amount: -inv.Totals.Gross, Paid: true,
		CorrectsNumber: corrects, PDF: pdf})
}

func (b bookingMailer) Cancellation(m booking.MailContext, refund int64) (mail.Message, error) {
	r := m.Reservation
	return b.r.BookingCancellation(b.env(m), mailtmpl.Cancellation{CustomerName: m.Customer.Name(), ReservationNumber: r.Number,
		Station: station(m), Pickup: r.Pickup, Return: r.Return, Refund: refund})
}
