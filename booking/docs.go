package booking

import (
	"context"
	"strings"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// Branding returns what a tenant prints on its documents.
func Branding(tn tenancy.Tenant) document.Branding {
	var md []string
	for _, n := range strings.Split(tn.ManagingDirectors, ",") {
		if n = strings.TrimSpace(n); n != "" {
			md = append(md, n)
		}
	}
	return document.Branding{LegalName: firstNonEmpty(tn.LegalName, tn.Name), Address: invoice.Address{Street: tn.Street,
		PostalCode: tn.PostalCode, City: tn.City, Country: tn.Country}, Phone: tn.Phone, Email: tn.Email, Website: tn.Website,
		VATID: tn.VATID, TaxNumber: tn.TaxNumber, RegisterCourt: tn.RegisterCourt, RegisterNumber: tn.RegisterNumber,
		ManagingDirectors: md, BankName: tn.BankName, IBAN: tn.IBAN, BIC: tn.BIC, LogoPNG: tn.LogoPNG}
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}

func (s *Service) invoiceFor(bc *bookingCtx, k invoice.Kind, lines []invoice.Line, corrects *invoice.Reference) invoice.Invoice {
	tn, c := bc.tn, bc.cust
	return invoice.Invoice{Kind: k, ServicePeriod: invoice.Period{From: bc.r.Pickup, To: bc.r.Return}, Currency: bc.r.Currency,
		Supplier: invoice.Party{Name: firstNonEmpty(tn.LegalName, tn.Name), Address: invoice.Address{Street: tn.Street,
			PostalCode: tn.PostalCode, City: tn.City, Country: tn.Country}, VATID: tn.VATID, TaxNumber: tn.TaxNumber},
		Recipient: invoice.Party{Name: c.Name(), Address: invoice.Address{Street: c.Street, PostalCode: c.PostalCode,
			City: c.City, Country: c.Country}, VATID: c.VATID},
		Lines: lines, Corrects: corrects, Note: noteFor(c.Language, bc.r.Number, bc.r.Test)}
}

func noteFor(lang, number string, test bool) string {
	if test {
		return locale.Lang(lang).T("invoice.note.test_booking", locale.Params{"number": number})
	}
	return locale.Lang(lang).T("invoice.note.booking", locale.Params{"number": number})
}

// cardPaid is the payment of a booking's document on the card of rec (the
// charge it records, or the charge it refunds).
func cardPaid(rec payment.Record) invoice.Payment {
	return invoice.Payment{Means: invoice.MeansCard, CardLast4: rec.Card.Last4}
}

// rentLine is the advance-payment line: one day's rent of the category.
func rentLine(bc *bookingCtx, gross int64) invoice.Line {
	l := locale.Lang(bc.cust.Language).Or()
	desc := l.T("invoice.line.advance_rent", locale.Params{"category": bc.cat.Name(string(l)), "code": bc.cat.Code, "number": bc.r.Number})
	return invoice.Line{Description: desc, QuantityMilli: 1000, Unit: "day", UnitGross: gross, VATRateBP: bc.tn.VATRateBP}
}

// amountLine is a line of a given gross amount (a change's difference, a
// refund) described by the catalog text what.
func amountLine(bc *bookingCtx, what locale.Key, gross int64) invoice.Line {
	desc := locale.Lang(bc.cust.Language).T(what, locale.Params{"number": bc.r.Number})
	return invoice.Line{Description: desc, QuantityMilli: 1000, Unit: "piece", UnitGross: gross, VATRateBP: bc.tn.VATRateBP}
}

func (s *Service) render(ctx context.Context, bc *bookingCtx) func(inv invoice.Invoice) ([]byte, error) {
	return func(inv invoice.Invoice) ([]byte, error) {
		return s.d.Renderer.Invoice(ctx, invoiceDoc(bc, inv))
	}
}

// invoiceDoc is what an invoice of the booking is rendered from.
func invoiceDoc(bc *bookingCtx, inv invoice.Invoice) document.InvoiceDoc {
	return document.InvoiceDoc{Lang: document.Lang(bc.cust.Language).Or(), Location: bc.st.Location(),
		Branding: Branding(bc.tn), Invoice: inv}
}

// issue returns the request issuing iss for the booking: its PDF, for a
// business customer its e-invoice, and the messages build makes, each with
// the e-invoice attached when there is one.
func (s *Service) issue(ctx context.Context, bc *bookingCtx, iss *invoice.Issued,
	build func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error)) invoice.IssueRequest {
	iss.Test = bc.r.Test
	return invoice.IssueRequest{Issued: iss, Loc: bc.st.Location(), Render: s.render(ctx, bc),
		EInvoice: s.einvoice(ctx, bc), Mails: s.mails(bc, build)}
}

// einvoice returns the hook issuing an e-invoice with each invoice of a
// business customer's booking (nil for a consumer, or without an
// EInvoicer); see document.EInvoiceHook.
func (s *Service) einvoice(ctx context.Context, bc *bookingCtx) func(invoice.Invoice) (*invoice.EFile, error) {
	if s.d.EInvoicer == nil || bc.r.Test || !document.IsBusiness(bc.cust.Company, bc.cust.VATID) {
		return nil // a test document is no e-invoice either
	}
	return document.EInvoiceHook(ctx, s.d.EInvoicer, s.d.Log, func(inv invoice.Invoice) document.EInvoiceDoc {
		return document.EInvoiceDoc{InvoiceDoc: invoiceDoc(bc, inv), BuyerEmail: bc.cust.Email,
			BookingNumber: bc.r.Number}
	})
}

type invoiceMail struct{ msg mail.Message }

func (s *Service) mails(bc *bookingCtx, build func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error)) func(invoice.Issued, []byte) ([]mail.Queued, error) {
	return func(iss invoice.Issued, pdf []byte) ([]mail.Queued, error) {
		ms, err := build(bc.mailCtx(), iss, pdf)
		if err != nil {
			return nil, err
		}
		out := make([]mail.Queued, len(ms))
		for i, m := range ms {
			m.msg.Attachments = invoice.WithEInvoice(m.msg.Attachments, iss.EInvoice, pdf)
			m.msg.Subject = testSubject(bc.r, m.msg.Subject)
			out[i] = mail.Queued{Links: mail.Links{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID},
				Message: m.msg}
		}
		return out, nil
	}
}

// testSubject marks the subject of a test booking's message: "[TEST] …".
func testSubject(r Reservation, subject string) string {
	if r.Test && !strings.HasPrefix(subject, "[TEST] ") {
		return "[TEST] " + subject
	}
	return subject
}

func (bc *bookingCtx) mailCtx() MailContext {
	return MailContext{Tenant: bc.tn, Station: bc.st, Category: bc.cat, Customer: bc.cust, Reservation: bc.r, PageToken: bc.pageToken}
}

// load gathers what processing a stored reservation needs.
func (s *Service) load(ctx context.Context, r Reservation) (bookingCtx, error) {
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return bookingCtx{}, err
	}
	st, err := s.d.Tenancy.Station(ctx, r.StationID)
	if err != nil {
		return bookingCtx{}, err
	}
	cust, err := s.d.Customers.Customer(ctx, r.CustomerID)
	if err != nil {
		return bookingCtx{}, err
	}
	// the booking as it was made: its name, billing address and language
	// (the record may have changed since, or not yet: see Book)
	cust = r.Billing.Of(cust)
	if r.Language != "" {
		cust.Language = r.Language
	}
	cats, err := s.d.Categories.ListCategories(ctx)
	if err != nil {
		return bookingCtx{}, err
	}
	bc := bookingCtx{tn: tn, st: st, cust: cust, r: r}
	for _, c := range cats {
		if c.ID == r.CategoryID {
			bc.cat = c
		}
	}
	return bc, nil
}

// detailsOf assembles the answer for a reservation: from what bc holds
// (details), reading only what it lacks — the reservation's tariff, its
// payments, its invoices, its split (splitOf).
func (s *Service) detailsOf(ctx context.Context, bc bookingCtx) (Details, error) {
	if bc.tariff == nil || bc.tariff.ID != bc.r.TariffID {
		bc.tariff = nil
		if tf, err := s.d.Tariffs.Tariff(ctx, bc.r.TariffID); err == nil {
			bc.tariff = &tf
		}
	}
	var err error
	if bc.recs == nil {
		if bc.recs, err = s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID}); err != nil {
			return bc.details(), err
		}
	}
	if bc.invs == nil { // else a new booking's advance invoice, as issued
		if bc.invs, err = s.d.Issued.ListInvoices(ctx, invoice.Filter{ReservationID: bc.r.ID}); err != nil {
			return bc.details(), err
		}
	}
	if _, err := s.splitOf(ctx, &bc); err != nil {
		return bc.details(), err
	}
	return bc.details(), nil
}

// details is the booking's answer from what bc holds, reading nothing: its
// quote from the reservation's prices on its tariff (or, without it, on a
// tariff of 24-hour days), its payments, its invoices and its split as bc
// has them.
func (bc *bookingCtx) details() Details {
	d := Details{Reservation: bc.r, Station: bc.st, Category: bc.cat, Customer: bc.cust, VATRateBP: bc.tn.VATRateBP,
		Payments: bc.recs}
	if bc.split != nil {
		d.Split = *bc.split
	}
	t := pricing.Tariff{DayCounting: "24h"}
	if bc.tariff != nil && bc.tariff.ID == bc.r.TariffID {
		t = *bc.tariff
	}
	t.PricePerDayCents, t.DepositCents = bc.r.DayPriceCents, bc.r.DepositCents
	d.Quote = pricing.QuoteFor(t, bc.r.Pickup, bc.r.Return, bc.st.Location(), bc.r.Currency)
	// the customer's documents: a payer's invoices (its share of the
	// rental) are the payer's, not shown to the customer or its API
	for _, x := range bc.invs {
		if x.PayerID == 0 {
			d.Invoices = append(d.Invoices, x)
		}
	}
	return d
}
