package mailtmpl

import (
	"fmt"
	"mietwerk.dev/mietwerk/fleet"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/webhook"
)

// defaultSender is the sender when neither station, tenant nor the
// server's --mail-from names one.
const defaultSender = "noreply@mietwerk.local"

// BookingMailer builds the booking service's messages (booking.Mailer) with
// the templates; the domain does not import templates.
type BookingMailer struct {
	r         *Renderer
	fallback  string
	publicURL string
}

// NewBookingMailer returns the booking service's mailer. fallback is the
// sender when neither the station nor the tenant has one (--mail-from);
// publicURL (--public-url) is where customers reach the server: the
// confirmation links the booking page under it (none when it is empty).
func NewBookingMailer(r *Renderer, fallback, publicURL string) BookingMailer {
	return BookingMailer{r: r, fallback: fallback, publicURL: strings.TrimRight(publicURL, "/")}
}

// PagePath is the path of the customer's booking page for token.
func PagePath(token string) string { return "/b/" + token }

var _ booking.Mailer = BookingMailer{}

// envelopeFor addresses a message of tenant tn's station st to cust: From is
// the station's sender, else the tenant's, else fallback (mail.SenderFor),
// named after the tenant; replies reach the station's own address when no
// Reply-To is configured and that address is not the sender already.
func envelopeFor(tn tenancy.Tenant, st tenancy.Station, to mail.Address, lang string, fallback string) Envelope {
	if fallback == "" {
		fallback = defaultSender
	}
	from, reply := mail.SenderFor(tn.MailFrom, tn.MailReplyTo, st.MailFrom, st.MailReplyTo, fallback)
	if reply.IsZero() && st.Email != "" && !strings.EqualFold(st.Email, from.Email) {
		reply = mail.Address{Email: st.Email} // replies reach the station even from a no-reply sender
	}
	from.Name = tn.Name
	domain := from.Email[strings.LastIndex(from.Email, "@")+1:]
	return Envelope{TenantID: fmt.Sprint(tn.ID), Lang: document.Lang(lang).Or(),
		Location: st.Location(), Branding: booking.Branding(tn),
		From: from, ReplyTo: reply, To: to, MessageID: "<" + payment.RandomID() + "@" + domain + ">"}
}

func (b BookingMailer) env(m booking.MailContext) Envelope {
	return envelopeFor(m.Tenant, m.Station, mail.Address{Name: m.Customer.Name(), Email: m.Customer.Email}, m.Customer.Language, b.fallback)
}

// stationOf is a station as messages show it.
func stationOf(s tenancy.Station) Station {
	return Station{Name: s.Name, Address: invoice.Address{Street: s.Street, PostalCode: s.PostalCode, City: s.City, Country: s.Country},
		Phone: s.Phone, Email: s.Email}
}

// Confirmation is the reservation confirmation of a booking paid online
// with the advance invoice: the rent paid and the deposit held, the
// expected rent split with its payer when one covers a part (as
// CoverUpdate quotes it) and, with a public URL, the link to the
// customer's booking page.
func (b BookingMailer) Confirmation(m booking.MailContext, inv invoice.Issued, pdf []byte, q booking.ConfirmQuote) (mail.Message, error) {
	q.Online = true
	d := quoted(m, q)
	d.InvoiceNumber, d.InvoicePDF = inv.Invoice.Number, pdf
	if m.PageToken != "" && b.publicURL != "" {
		d.PageURL = b.publicURL + PagePath(m.PageToken)
	}
	return b.r.ReservationConfirmation(b.env(m), d)
}

// CounterConfirmation confirms a booking staff took: the expected rent
// (split with its payer when one covers a part) and the deposit, due at
// pickup; no invoice, nothing paid.
func (b BookingMailer) CounterConfirmation(m booking.MailContext, q booking.ConfirmQuote) (mail.Message, error) {
	return b.r.ReservationConfirmation(b.env(m), quoted(m, q))
}

// CoverUpdate is the confirmation again after the booking's cover changed:
// "updated", the expected rent split as it is now; for a booking paid
// online, what was paid and the deposit held. No invoice, no page link.
func (b BookingMailer) CoverUpdate(m booking.MailContext, q booking.ConfirmQuote) (mail.Message, error) {
	d := quoted(m, q)
	d.Updated = true
	return b.r.ReservationConfirmation(b.env(m), d)
}

// quoted is booking m as a confirmation quoting q shows it; a cost centre's
// share is named after the dealership, not the cost centre.
func quoted(m booking.MailContext, q booking.ConfirmQuote) Reservation {
	d := reservationOf(m)
	d.AtCounter, d.Estimate, d.Deposit, d.Paid = !q.Online, q.EstimateCents, q.DepositCents, q.PaidCents
	if sp := q.Split; sp.Covered() {
		d.PayerName, d.PayerShare, d.DriverShare = sp.PayerName, sp.PayerCents, sp.DriverCents
		if sp.Internal {
			d.PayerName = booking.Branding(m.Tenant).LegalName
		}
	}
	return d
}

// Change tells the customer a booking's new period, with the calendar file
// of its current revision.
func (b BookingMailer) Change(m booking.MailContext) (mail.Message, error) {
	d := reservationOf(m)
	d.ChangedAt = m.Reservation.UpdatedAt
	return b.r.BookingChange(b.env(m), d)
}

// reservationOf is a booking as its messages show it.
func reservationOf(m booking.MailContext) Reservation {
	r := m.Reservation
	return Reservation{Number: r.Number, CustomerName: m.Customer.Name(), BookedAt: r.CreatedAt, Station: stationOf(m.Station),
		Category: m.Category.Name(m.Customer.Language), Model: m.Category.ExampleModel, Pickup: r.Pickup, Return: r.Return,
		Sequence: r.CalendarSequence}
}

// Calendar returns the booking's calendar file as the confirmation
// attaches it (the same events: a calendar app updates rather than
// duplicates them), with its file name.
func (b BookingMailer) Calendar(m booking.MailContext) (filename string, data []byte) {
	env := b.env(m)
	d := reservationOf(m)
	return icsName(env, d.Number), ReservationICS(env, d)
}

// Invoice is the advance invoice on its own.
func (b BookingMailer) Invoice(m booking.MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	return b.r.AdvanceInvoice(b.env(m), invoiceMail(m.Customer.Name(), m.Customer.Language, m.Reservation.Number, inv, pdf))
}

// CreditNote is a credit note of a booking (a cancellation or a shorter period).
func (b BookingMailer) CreditNote(m booking.MailContext, inv invoice.Issued, pdf []byte, corrects string) (mail.Message, error) {
	d := invoiceMail(m.Customer.Name(), m.Customer.Language, m.Reservation.Number, inv, pdf)
	d.CorrectsNumber = corrects
	return b.r.CreditNote(b.env(m), d)
}

// Failed tells the customer that the booking could not be completed.
func (b BookingMailer) Failed(m booking.MailContext, reason string, charged bool) (mail.Message, error) {
	r := m.Reservation
	return b.r.BookingFailed(b.env(m), BookingFailed{CustomerName: m.Customer.Name(), ReservationNumber: r.Number,
		Station: stationOf(m.Station), Pickup: r.Pickup, Return: r.Return, Reason: reason, Charged: charged})
}

// Cancellation confirms a cancelled booking with the fee kept (or waived),
// what is refunded and the deposit released.
func (b BookingMailer) Cancellation(m booking.MailContext, q booking.CancelQuote) (mail.Message, error) {
	r := m.Reservation
	at := r.UpdatedAt
	if r.CancelledAt != nil {
		at = *r.CancelledAt
	}
	d := Cancellation{CustomerName: m.Customer.Name(), ReservationNumber: r.Number, Station: stationOf(m.Station),
		Pickup: r.Pickup, Return: r.Return, Refund: q.RefundCents, Paid: q.PaidCents, Fee: q.FeeCents,
		Deposit: q.DepositCents, DepositHold: q.DepositHold, Category: m.Category.Name(m.Customer.Language), CancelledAt: at,
		Sequence: r.CalendarSequence}
	if q.Waived != "" {
		d.FeeWaived = q.TariffFee
	}
	return b.r.BookingCancellation(b.env(m), d)
}

// ContractMailer builds the contract service's messages (contract.Mailer)
// with the templates.
type ContractMailer struct {
	r        *Renderer
	fallback string
	now      func() time.Time
}

// NewContractMailer returns the contract service's mailer. fallback is the
// sender when neither the station nor the tenant has one (--mail-from);
// now is the clock of a change notice's date.
func NewContractMailer(r *Renderer, fallback string, now func() time.Time) ContractMailer {
	return ContractMailer{r: r, fallback: fallback, now: now}
}

var _ contract.Mailer = ContractMailer{}

func (c ContractMailer) env(m contract.MailContext) Envelope {
	return envelopeFor(m.Tenant, m.Station, mail.Address{Name: m.Customer.Name(), Email: m.Customer.Email}, m.Customer.Language, c.fallback)
}

func (c ContractMailer) protocol(m contract.MailContext, p contract.Protocol, pdf []byte) ProtocolMail {
	// the plate as the protocol PDF prints it: a red dealer plate marked,
	// with the car's own registration on a line of its own
	plate := contract.DocVehicle(m.Contract, m.Vehicle).PlateLines(document.Lang(m.Customer.Language).Or())
	d := ProtocolMail{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number,
		Vehicle: m.Vehicle.Make + " " + m.Vehicle.Model, Plate: plate[0],
		Station: stationOf(m.Station), Time: p.RecordedAt, Km: p.OdometerKM,
		FuelEighths: p.FuelEighths, NoFuel: !fleet.RecordsFuel(m.Vehicle.FuelType), ChargePercent: int64p(p.ChargePercent),
		NewDamages: len(p.NewDamages), PDF: pdf, Use: useName(m.Contract.Kind, m.Customer.Language)}
	if len(plate) > 1 {
		d.OwnPlate = plate[1]
	}
	return d
}

// useName is the name of a contract's use other than a rental in lang, as
// the protocol messages say it ("" for a rental).
func useName(k booking.Kind, lang string) string {
	if k.Billed() {
		return ""
	}
	return locale.Lang(lang).T(locale.Key("mail.use." + string(k.Or())))
}

// HandoverProtocol sends the handover protocol.
func (c ContractMailer) HandoverProtocol(m contract.MailContext, p contract.Protocol, pdf []byte) (mail.Message, error) {
	return c.r.HandoverProtocol(c.env(m), c.protocol(m, p, pdf))
}

// ReturnProtocol sends the return protocol.
func (c ContractMailer) ReturnProtocol(m contract.MailContext, p contract.Protocol, pdf []byte) (mail.Message, error) {
	return c.r.ReturnProtocol(c.env(m), c.protocol(m, p, pdf))
}

// invoiceMail is the content of a message sending issued document inv:
// its amount (due; a credit note's negative) and its payment note as the
// document prints them.
func invoiceMail(customer, lang, number string, inv invoice.Issued, pdf []byte) InvoiceMail {
	amount := inv.Totals.Due
	if inv.Invoice.Kind == invoice.KindCreditNote {
		amount = -inv.Totals.Gross
	}
	d := InvoiceMail{CustomerName: customer, Number: inv.Invoice.Number, IssueDate: inv.IssuedAt, ContractNumber: number,
		Amount: amount, PaymentNote: document.PaymentNote(document.Lang(lang).Or(), inv.Invoice, inv.Totals), PDF: pdf,
		Kind: string(inv.Invoice.Kind)}
	if inv.Invoice.Corrects != nil {
		d.CorrectsNumber = inv.Invoice.Corrects.Number
	}
	return d
}

// FinalInvoice sends the final invoice with its payment note (charged,
// open, paid back, set off).
func (c ContractMailer) FinalInvoice(m contract.MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	d := invoiceMail(m.Customer.Name(), m.Customer.Language, m.Contract.Number, inv, pdf)
	for _, l := range inv.Invoice.Lines {
		d.TestDrive = d.TestDrive || l.Kind == contract.PurposeTestDriveFee
	}
	return c.r.FinalInvoice(c.env(m), d)
}

// AdvanceInvoice sends an advance invoice of the contract (an extension
// charged while the car is out), deducted on the final invoice.
func (c ContractMailer) AdvanceInvoice(m contract.MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	return c.r.AdvanceInvoice(c.env(m), invoiceMail(m.Customer.Name(), m.Customer.Language, m.Contract.Number, inv, pdf))
}

// PayerInvoice sends payer p its invoice inv for the rental of m, in
// German (payers have no language of their own), to the payer's e-mail
// address; claim is the payer's claim number ("" none). The caller adds
// the XRechnung to the attachments.
func (c ContractMailer) PayerInvoice(m contract.MailContext, p payer.Payer, claim string, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	env := envelopeFor(m.Tenant, m.Station, mail.Address{Name: p.Name, Email: p.Email}, "de", c.fallback)
	d := PayerInvoiceMail{InvoiceMail: invoiceMail(p.Name, "de", m.Contract.Number, inv, pdf), PayerName: p.Name,
		DriverName: m.Customer.Name(), ClaimNumber: claim, XML: inv.EInvoice != nil}
	if inv.Invoice.Payment.Means == invoice.MeansOpen {
		d.DueDate = inv.IssuedAt.In(m.Station.Location()).AddDate(0, 0, inv.Invoice.Payment.TermsDays)
	}
	return c.r.PayerInvoice(env, d)
}

// PayerDunning sends payer p the dunning notice n (in German) with its
// PDF; claim is the payer's claim number ("" none).
func (c ContractMailer) PayerDunning(m contract.MailContext, p payer.Payer, claim string, n contract.DunningNotice, filename string, pdf []byte) (mail.Message, error) {
	env := envelopeFor(m.Tenant, m.Station, mail.Address{Name: p.Name, Email: p.Email}, "de", c.fallback)
	due, _ := time.ParseInLocation("2006-01-02", n.DueOn, m.Station.Location())
	return c.r.PayerDunning(env, PayerDunningMail{Title: env.Lang.T(locale.Key(fmt.Sprintf("dunning.level.%d", n.Level))),
		Number: n.Number, InvoiceNumber: n.InvoiceNumber, ContractNumber: m.Contract.Number, ClaimNumber: claim, Claimed: n.Claimed(), DueDate: due,
		PDF: pdf, Filename: filename})
}

// Compensation sends the damage settlement issued with the final invoice
// or for a later damage charge.
func (c ContractMailer) Compensation(m contract.MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	return c.r.DamageClaim(c.env(m), invoiceMail(m.Customer.Name(), m.Customer.Language, m.Contract.Number, inv, pdf))
}

// CreditNote sends a credit note of the contract.
func (c ContractMailer) CreditNote(m contract.MailContext, inv invoice.Issued, corrects string, pdf []byte) (mail.Message, error) {
	d := invoiceMail(m.Customer.Name(), m.Customer.Language, m.Contract.Number, inv, pdf)
	d.CorrectsNumber = corrects
	return c.r.CreditNote(c.env(m), d)
}

// ChangeNotice lists what changed in the contract, effective now.
func (c ContractMailer) ChangeNotice(m contract.MailContext, changes []contract.Change, filename string, pdf []byte) (mail.Message, error) {
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	lang := document.Lang(m.Customer.Language).Or()
	d := ContractChange{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number, EffectiveAt: now(), PDF: pdf, Filename: filename}
	for _, ch := range changes {
		d.Changes = append(d.Changes, Change{Label: lang.T(locale.Key("contract.field." + ch.Field)), Old: ch.Old, New: ch.New, Effect: ch.Effect})
	}
	return c.r.ContractChangeNotice(c.env(m), d)
}

// ContractDocument sends the contract PDF as it stands, without a change.
func (c ContractMailer) ContractDocument(m contract.MailContext, filename string, pdf []byte) (mail.Message, error) {
	return c.r.ContractDocument(c.env(m), ContractChange{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number,
		PDF: pdf, Filename: filename})
}

// FineLetter sends the letter about a fine with its PDF.
func (c ContractMailer) FineLetter(m contract.MailContext, f contract.Fine, filename string, pdf []byte) (mail.Message, error) {
	return c.r.FineLetter(c.env(m), FineLetter{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number,
		Reference: f.Reference, Authority: f.AuthorityName, PDF: pdf, Filename: filename})
}

// PaymentFailed tells the customer that charging the invoice's amount to the
// stored card was declined.
func (c ContractMailer) PaymentFailed(m contract.MailContext, number string, amount int64) (mail.Message, error) {
	return c.r.PaymentFailedNotice(c.env(m), PaymentFailed{CustomerName: m.Customer.Name(),
		ContractNumber: m.Contract.Number, InvoiceNumber: number, Amount: amount,
		Reason: document.Lang(m.Customer.Language).Or().T("mail.card_charge_declined")})
}

// PaymentReceipt confirms a payment at the counter or a payout as recorded;
// open is what the contract still owes. Errors: a ReceivedOn that is no
// date (YYYY-MM-DD).
func (c ContractMailer) PaymentReceipt(m contract.MailContext, r contract.Receipt, open int64) (mail.Message, error) {
	on, err := time.ParseInLocation("2006-01-02", r.ReceivedOn, m.Station.Location())
	if err != nil {
		return mail.Message{}, fmt.Errorf("payment receipt day %q: %w", r.ReceivedOn, err)
	}
	d := PaymentReceipt{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number, Payout: r.Kind == contract.KindPayout,
		Method: r.Method, Amount: r.AmountCents, On: on, Reference: r.Reference, Open: max(open, 0)}
	if d.Payout {
		d.Note = r.Reason
	}
	return c.r.PaymentReceiptNotice(c.env(m), d)
}

// WebhookMailer builds the notice to a tenant's administrators that a
// webhook endpoint was switched off (webhook.AdminMailer).
type WebhookMailer struct {
	r         *Renderer
	fallback  string
	publicURL string
}

// NewWebhookMailer returns the notices' mailer. fallback is the sender
// when the tenant has none (--mail-from); publicURL (--public-url, may be
// empty) links the endpoint's page.
func NewWebhookMailer(r *Renderer, fallback, publicURL string) WebhookMailer {
	return WebhookMailer{r: r, fallback: fallback, publicURL: strings.TrimRight(publicURL, "/")}
}

var _ webhook.AdminMailer = WebhookMailer{}

// EndpointDisabled is the notice to the administrator to, in their language.
func (w WebhookMailer) EndpointDisabled(tn tenancy.Tenant, to identity.User, ep webhook.Endpoint, reason webhook.DisabledReason,
	last webhook.Attempt) (mail.Message, error) {
	env := envelopeFor(tn, tenancy.Station{TimeZone: "Europe/Berlin"}, mail.Address{Name: to.Name, Email: to.Email}, to.Language, w.fallback)
	d := WebhookDisabled{AdminName: to.Name, URL: ep.URL, Reason: string(reason), Since: last.At, LastStatus: last.StatusCode,
		LastError: last.Error}
	if ep.FailingSince != nil && reason == webhook.DisabledFailing {
		d.Since = *ep.FailingSince
	}
	if w.publicURL != "" {
		d.Link = fmt.Sprintf("%s/admin/webhooks/%d", w.publicURL, ep.ID)
	}
	return w.r.WebhookDisabledNotice(env, d)
}

func int64p(p *int) *int64 {
	if p == nil {
		return nil
	}
	n := int64(*p)
	return &n
}
