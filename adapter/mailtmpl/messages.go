package mailtmpl

import (
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
)

// pdfName returns the attachment file name of a document: the catalog's
// file-name word of what ("mail.file.invoice"), a dash and the number.
func pdfName(lang document.Lang, what locale.Key, number string) string {
	number = fileNamePart(number) // a tenant's number pattern may contain "/"
	return lang.T(what) + "-" + number + ".pdf"
}

// icsName is the file name of a booking's calendar file.
func icsName(env Envelope, number string) string {
	name := pdfName(env.Lang, "mail.file.reservation", number)
	return name[:len(name)-len(".pdf")] + ".ics"
}

func pdfAttachment(name string, data []byte) mail.Attachment {
	return mail.Attachment{Filename: name, ContentType: "application/pdf", Data: data}
}

// ReservationConfirmation renders the booking confirmation with an .ics
// attachment (pickup and return as calendar events), schema.org
// RentalCarReservation markup in the HTML, and the invoice PDF if given.
func (r *Renderer) ReservationConfirmation(env Envelope, d Reservation) (mail.Message, error) {
	ld, err := reservationJSONLD(env, d.ld())
	if err != nil {
		return mail.Message{}, err
	}
	return r.render(env, mail.KindReservationConfirmation, d, ld, icsAttachment(env, d.Number, ReservationICS(env, d), false),
		pdfAttachment(pdfName(env.Lang, "mail.file.invoice", d.InvoiceNumber), d.InvoicePDF))
}

// BookingChange renders the notice that a booking's period changed, with the
// updated calendar file (the same UIDs, SEQUENCE d.Sequence) and the
// schema.org markup with modifiedTime.
func (r *Renderer) BookingChange(env Envelope, d Reservation) (mail.Message, error) {
	ld, err := reservationJSONLD(env, d.ld())
	if err != nil {
		return mail.Message{}, err
	}
	return r.render(env, mail.KindBookingChange, d, ld, icsAttachment(env, d.Number, ReservationICS(env, d), false))
}

// icsAttachment is a booking's calendar file named after it.
func icsAttachment(env Envelope, number string, data []byte, cancel bool) mail.Attachment {
	return mail.Attachment{Filename: icsName(env, number), ContentType: icsContentType(cancel), Data: data}
}

// AdvanceInvoice renders the message sending the first (advance) invoice.
func (r *Renderer) AdvanceInvoice(env Envelope, d InvoiceMail) (mail.Message, error) {
	return r.render(env, mail.KindAdvanceInvoice, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.invoice", d.Number), d.PDF))
}

// FinalInvoice renders the message sending the final invoice.
func (r *Renderer) FinalInvoice(env Envelope, d InvoiceMail) (mail.Message, error) {
	return r.render(env, mail.KindFinalInvoice, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.invoice", d.Number), d.PDF))
}

// DamageClaim renders the message sending a damage settlement (damage
// compensation not subject to VAT).
func (r *Renderer) DamageClaim(env Envelope, d InvoiceMail) (mail.Message, error) {
	return r.render(env, mail.KindDamageClaim, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.damage_claim", d.Number), d.PDF))
}

// CreditNote renders the message sending a credit note.
func (r *Renderer) CreditNote(env Envelope, d InvoiceMail) (mail.Message, error) {
	return r.render(env, mail.KindCreditNote, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.credit_note", d.Number), d.PDF))
}

// PayerInvoice renders the message sending a payer its invoice (the PDF;
// the caller adds the XRechnung).
func (r *Renderer) PayerInvoice(env Envelope, d PayerInvoiceMail) (mail.Message, error) {
	return r.render(env, mail.KindPayerInvoice, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.invoice", d.Number), d.PDF))
}

// PayerDunning renders the message sending a payer a dunning notice.
func (r *Renderer) PayerDunning(env Envelope, d PayerDunningMail) (mail.Message, error) {
	return r.render(env, mail.KindPayerDunning, d, "", pdfAttachment(fileNamePart(d.Filename), d.PDF))
}

// HandoverProtocol renders the message sending the handover protocol.
func (r *Renderer) HandoverProtocol(env Envelope, d ProtocolMail) (mail.Message, error) {
	return r.render(env, mail.KindHandoverProtocol, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.handover", d.ContractNumber), d.PDF))
}

// ReturnProtocol renders the message sending the return protocol.
func (r *Renderer) ReturnProtocol(env Envelope, d ProtocolMail) (mail.Message, error) {
	return r.render(env, mail.KindReturnProtocol, d, "", pdfAttachment(pdfName(env.Lang, "mail.file.return", d.ContractNumber), d.PDF))
}

// ContractChangeNotice renders the notice of changed contract terms.
func (r *Renderer) ContractChangeNotice(env Envelope, d ContractChange) (mail.Message, error) {
	return r.render(env, mail.KindContractChange, d, "", pdfAttachment(contractPDFName(env, d), d.PDF))
}

// ContractDocument renders the message sending the contract PDF without a
// change (Changes are ignored).
func (r *Renderer) ContractDocument(env Envelope, d ContractChange) (mail.Message, error) {
	return r.render(env, mail.KindContractDocument, d, "", pdfAttachment(contractPDFName(env, d), d.PDF))
}

// FineLetter renders the message that sends the letter about a fine.
func (r *Renderer) FineLetter(env Envelope, d FineLetter) (mail.Message, error) {
	return r.render(env, mail.KindFineLetter, d, "", pdfAttachment(fileNamePart(d.Filename), d.PDF))
}

// contractPDFName is the contract PDF's file name: as stored, else after
// the contract.
func contractPDFName(env Envelope, d ContractChange) string {
	if d.Filename != "" {
		return fileNamePart(d.Filename)
	}
	return pdfName(env.Lang, "mail.file.contract", d.ContractNumber)
}

// PaymentFailedNotice renders the notice that a charge to the stored card failed.
func (r *Renderer) PaymentFailedNotice(env Envelope, d PaymentFailed) (mail.Message, error) {
	return r.render(env, mail.KindPaymentFailed, d, "")
}

// PaymentReceiptNotice renders the confirmation of a payment taken or
// given back outside the card (at the counter, by transfer).
func (r *Renderer) PaymentReceiptNotice(env Envelope, d PaymentReceipt) (mail.Message, error) {
	return r.render(env, mail.KindPaymentReceipt, d, "")
}

// BookingFailed renders the notice that a booking could not be completed.
func (r *Renderer) BookingFailed(env Envelope, d BookingFailed) (mail.Message, error) {
	return r.render(env, mail.KindBookingFailed, d, "")
}

// BookingCancellation renders the confirmation that a booking was
// cancelled, with the calendar file that removes its entries (METHOD:CANCEL)
// and the schema.org markup with reservationStatus ReservationCancelled.
func (r *Renderer) BookingCancellation(env Envelope, d Cancellation) (mail.Message, error) {
	ld, err := reservationJSONLD(env, reservationLD{Number: d.ReservationNumber, CustomerName: d.CustomerName, Category: d.Category,
		Station: d.Station, Pickup: d.Pickup, Return: d.Return, ModifiedAt: d.CancelledAt, Cancelled: true})
	if err != nil {
		return mail.Message{}, err
	}
	return r.render(env, mail.KindBookingCancellation, d, ld, icsAttachment(env, d.ReservationNumber, CancellationICS(env, d), true))
}

// WebhookDisabledNotice renders the notice to an administrator that a
// webhook endpoint was switched off.
func (r *Renderer) WebhookDisabledNotice(env Envelope, d WebhookDisabled) (mail.Message, error) {
	return r.render(env, mail.KindWebhookDisabled, d, "")
}
