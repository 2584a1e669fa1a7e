package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// newContractService wires handover, return and billing over the store.
func newContractService(st *store.Store, pay *payment.Service, r *pdf.Renderer, m *mailtmpl.Renderer, mailFrom string, log *slog.Logger) *contract.Service {
	return contract.NewService(contract.Deps{Store: st, Bookings: st, Vehicles: st, Tariffs: st, Tenancy: st, Customers: st,
		Payments: pay, Records: st, Invoices: st, Issued: st, Renderer: r, EInvoicer: xrechnung.EInvoicer{},
		Mailer: contractMailer{r: m, fallback: mailFrom}, Now: time.Now,
		Log: log.With("component", "contract")})
}

// contractMailer builds the contract service's messages with the e-mail
// templates (the domain does not import templates).
type contractMailer struct {
	r        *mailtmpl.Renderer
	fallback string // --mail-from
}

var _ contract.Mailer = contractMailer{}

func (c contractMailer) env(m contract.MailContext) mailtmpl.Envelope {
	return bookingMailer{r: c.r, fallback: c.fallback}.env(booking.MailContext{Tenant: m.Tenant, Station: m.Station, Customer: m.Customer})
}

func (c contractMailer) protocol(m contract.MailContext, p contract.Protocol, pdf []byte) mailtmpl.ProtocolMail {
	return mailtmpl.ProtocolMail{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number,
		Vehicle: m.Vehicle.Make + " " + m.Vehicle.Model, Plate: m.Vehicle.Plate,
		Station: station(booking.MailContext{Station: m.Station}), Time: p.RecordedAt, Km: p.OdometerKM,
		FuelEighths: p.FuelEighths, NewDamages: len(p.NewDamages), PDF: pdf}
}

func (c contractMailer) HandoverProtocol(m contract.MailContext, p contract.Protocol, pdf []byte) (mail.Message, error) {
	return c.r.HandoverProtocol(c.env(m), c.protocol(m, p, pdf))
}

func (c contractMailer) ReturnProtocol(m contract.MailContext, p contract.Protocol, pdf []byte) (mail.Message, error) {
	return c.r.ReturnProtocol(c.env(m), c.protocol(m, p, pdf))
}

func (c contractMailer) FinalInvoice(m contract.MailContext, inv invoice.Issued, paid bool, pdf []byte) (mail.Message, error) {
	return c.r.FinalInvoice(c.env(m), mailtmpl.InvoiceMail{CustomerName: m.Customer.Name(), Number: inv.Invoice.Number,
		IssueDate: inv.IssuedAt, ContractNumber: m.Contract.Number, Amount: inv.Totals.Due, Paid: paid, PDF: pdf})
}

func (c contractMailer) CreditNote(m contract.MailContext, inv invoice.Issued, corrects string, pdf []byte) (mail.Message, error) {
	return c.r.CreditNote(c.env(m), mailtmpl.InvoiceMail{CustomerName: m.Customer.Name(), Number: inv.Invoice.Number,
		IssueDate: inv.IssuedAt, ContractNumber: m.Contract.Number, Amount: -inv.Totals.Gross, Paid: true,
		CorrectsNumber: corrects, PDF: pdf})
}

func (c contractMailer) ChangeNotice(m contract.MailContext, changes []contract.Change, pdf []byte) (mail.Message, error) {
	d := mailtmpl.ContractChange{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number, EffectiveAt: time.Now(), PDF: pdf}
	for _, ch := range changes {
		d.Changes = append(d.Changes, mailtmpl.Change{Label: changeLabel(m.Customer.Language, ch.Field), Old: ch.Old, New: ch.New})
	}
	return c.r.ContractChangeNotice(c.env(m), d)
}

func (c contractMailer) PaymentFailed(m contract.MailContext, number string, amount int64) (mail.Message, error) {
	reason := "Die Belastung Ihrer hinterlegten Karte wurde abgelehnt."
	if m.Customer.Language == "en" {
		reason = "The charge to your stored card was declined."
	}
	return c.r.PaymentFailedNotice(c.env(m), mailtmpl.PaymentFailed{CustomerName: m.Customer.Name(),
		ContractNumber: m.Contract.Number, InvoiceNumber: number, Amount: amount, Reason: reason})
}

func (c contractMailer) PaymentReceipt(m contract.MailContext, r contract.Receipt, open int64) (mail.Message, error) {
	loc := m.Station.Location()
	on, err := time.ParseInLocation("2006-01-02", r.ReceivedOn, loc)
	if err != nil {
		return mail.Message{}, fmt.Errorf("payment receipt day %q: %w", r.ReceivedOn, err)
	}
	d := mailtmpl.PaymentReceipt{CustomerName: m.Customer.Name(), ContractNumber: m.Contract.Number, Payout: r.Kind == contract.KindPayout,
		Method: r.Method, Amount: r.AmountCents, On: on, Reference: r.Reference, Open: max(open, 0)}
	if d.Payout {
		d.Note = r.Reason
	}
	return c.r.PaymentReceiptNotice(c.env(m), d)
}

func changeLabel(lang, field string) string {
	de := map[string]string{"drivers": "Fahrer", "planned_end": "Rückgabe", "tariff": "Tarif", "notes": "Notizen"}
	en := map[string]string{"drivers": "Drivers", "planned_end": "Return", "tariff": "Tariff", "notes": "Notes"}
	if lang == "en" {
		return en[field]
	}
	return de[field]
}

// runContractJobs finishes, every minute and per tenant, billing that a
// crashed process left half done (contract.Service.ResumeBilling), until ctx
// ends. ctx carries the all-tenants system actor.
func runContractJobs(ctx context.Context, st *store.Store, c *contract.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		tenants, err := st.ListTenants(ctx)
		if err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "contract jobs: list tenants", "err", err)
		}
		for _, tn := range tenants {
			if _, err := c.ResumeBilling(identity.WithActor(ctx, identity.SystemFor(tn.ID)), 5*time.Minute); err != nil && ctx.Err() == nil {
				log.ErrorContext(ctx, "contract jobs: resume billing", "tenant_id", tn.ID, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
