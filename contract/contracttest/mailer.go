// Package contracttest has test doubles for the contract service's
// dependencies that are outside what a test exercises.
package contracttest

import (
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
)

// Mailer builds plain messages of the right kind whose subject names it
// and the contract number (the real templates are tested in package mailtmpl and
// in cmd/mietwerk's journeys).
type Mailer struct{}

func (Mailer) msg(m contract.MailContext, kind mail.Kind, subj string) (mail.Message, error) {
	return mail.Message{Kind: kind, Lang: "de", From: mail.Address{Email: "noreply@example.de"},
		To: mail.Address{Email: m.Customer.Email}, Subject: subj + " " + m.Contract.Number, Text: subj}, nil
}

func (s Mailer) HandoverProtocol(m contract.MailContext, _ contract.Protocol, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindHandoverProtocol, "Übergabe")
}

func (s Mailer) ReturnProtocol(m contract.MailContext, _ contract.Protocol, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindReturnProtocol, "Rücknahme")
}

func (s Mailer) FinalInvoice(m contract.MailContext, _ invoice.Issued, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindFinalInvoice, "Rechnung")
}

func (s Mailer) AdvanceInvoice(m contract.MailContext, _ invoice.Issued, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindAdvanceInvoice, "Anzahlungsrechnung")
}

func (s Mailer) Compensation(m contract.MailContext, _ invoice.Issued, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindDamageClaim, "Schadensabrechnung")
}

func (s Mailer) CreditNote(m contract.MailContext, _ invoice.Issued, _ string, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindCreditNote, "Gutschrift")
}

func (s Mailer) ChangeNotice(m contract.MailContext, _ []contract.Change, _ string, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindContractChange, "Änderung")
}

func (s Mailer) ContractDocument(m contract.MailContext, _ string, _ []byte) (mail.Message, error) {
	return s.msg(m, mail.KindContractDocument, "Mietvertrag")
}

func (s Mailer) PaymentFailed(m contract.MailContext, _ string, _ int64) (mail.Message, error) {
	return s.msg(m, mail.KindPaymentFailed, "Zahlung")
}

func (s Mailer) PaymentReceipt(m contract.MailContext, _ contract.Receipt, _ int64) (mail.Message, error) {
	return s.msg(m, mail.KindPaymentReceipt, "Zahlungsbestätigung")
}

func (s Mailer) FineLetter(m contract.MailContext, _ contract.Fine, filename string, pdf []byte) (mail.Message, error) {
	msg, err := s.msg(m, mail.KindFineLetter, "Bußgeld")
	msg.Attachments = append(msg.Attachments, mail.Attachment{Filename: filename, ContentType: "application/pdf", Data: pdf})
	return msg, err
}

func (s Mailer) PayerInvoice(m contract.MailContext, p payer.Payer, _ string, inv invoice.Issued, pdf []byte) (mail.Message, error) {
	msg, err := s.msg(m, mail.KindPayerInvoice, "Rechnung "+inv.Invoice.Number+" an "+p.Name)
	msg.To = mail.Address{Name: p.Name, Email: p.Email}
	msg.Attachments = append(msg.Attachments, mail.Attachment{Filename: inv.Invoice.Number + ".pdf", ContentType: "application/pdf", Data: pdf})
	return msg, err
}

func (s Mailer) PayerDunning(m contract.MailContext, p payer.Payer, _ string, n contract.DunningNotice, filename string, pdf []byte) (mail.Message, error) {
	msg, err := s.msg(m, mail.KindPayerDunning, "Mahnung "+n.Number+" an "+p.Name)
	msg.To = mail.Address{Name: p.Name, Email: p.Email}
	msg.Attachments = append(msg.Attachments, mail.Attachment{Filename: filename, ContentType: "application/pdf", Data: pdf})
	return msg, err
}

var _ contract.Mailer = Mailer{}
