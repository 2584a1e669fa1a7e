package contract

import (
	"context"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// CollectiveStore finds the rentals a collective payer (a fleet or leasing
// customer billed monthly, payer.Payer.Collective) has not been invoiced
// for yet.
type CollectiveStore interface {
	// Uncollected returns, by return time, the billed contracts whose
	// rental payerID covers, returned in [from, to), not yet on one of its
	// collective invoices. Admins only. Errors: KindForbidden.
	Uncollected(ctx context.Context, payerID int64, from, to time.Time) ([]int64, error)
	// CollectiveInvoiceOf returns the collective invoice that billed
	// contract id and the payer's share on it; ok false while none has.
	// Errors: KindNotFound.
	CollectiveInvoiceOf(ctx context.Context, id int64) (sum invoice.Summary, grossCents int64, ok bool, err error)
	// CollectiveInvoices returns the collective invoices of payerID,
	// newest first. Admins only. Errors: KindForbidden.
	CollectiveInvoices(ctx context.Context, payerID int64) ([]CollectiveInvoice, error)
}

// CollectiveInvoice is an issued collective invoice as listed.
type CollectiveInvoice struct {
	ID       int64
	PayerID  int64
	Number   string
	IssuedAt time.Time
	Gross    int64
	Rentals  int // the rentals it bills
}

// CollectiveInvoices returns the collective invoices issued to payer
// payerID, newest first (none without a collective store). Admins only.
// Errors: KindForbidden.
func (s *Service) CollectiveInvoices(ctx context.Context, payerID int64) ([]CollectiveInvoice, error) {
	if s.d.Collective == nil {
		return nil, nil
	}
	return s.d.Collective.CollectiveInvoices(ctx, payerID)
}

// CollectiveInvoiceOf returns the collective invoice that billed contract
// id's rental to its payer and the payer's share on it; ok false while
// none has (or without a collective store). Errors: KindNotFound.
func (s *Service) CollectiveInvoiceOf(ctx context.Context, id int64) (sum invoice.Summary, grossCents int64, ok bool, err error) {
	if s.d.Collective == nil {
		return sum, 0, false, nil
	}
	return s.d.Collective.CollectiveInvoiceOf(ctx, id)
}

// OldestUncollected returns the month (in loc) of the oldest rental of
// payer payerID returned by now that no collective invoice bills yet; ok
// false when there is none. Admins only. Errors: KindForbidden.
func (s *Service) OldestUncollected(ctx context.Context, payerID int64, loc *time.Location) (month string, ok bool, err error) {
	if s.d.Collective == nil {
		return "", false, nil
	}
	ids, err := s.d.Collective.Uncollected(ctx, payerID, time.Time{}, s.d.Now().Add(time.Minute))
	if err != nil || len(ids) == 0 {
		return "", false, err
	}
	c, err := s.d.Store.Contract(ctx, ids[0])
	if err != nil || c.EndedAt == nil {
		return "", false, err
	}
	return c.EndedAt.In(loc).Format("2006-01"), true, nil
}

// CollectiveRental is one rental on a collective invoice: the payer's
// share of it as billing computed it at return (its final bill's split),
// worded for the payer.
type CollectiveRental struct {
	ContractID  int64
	Number      string
	Driver      string
	Vehicle     string // plate, make and model
	WorkshopRef string
	From, To    time.Time
	DrivenKM    int64
	Days        int            // rental days billed to the payer
	Lines       []invoice.Line // the payer's taxed lines of the rental
	Gross       int64
}

// Collective is a collective invoice as previewed and issued: the payer,
// the period of returns [From, To), the rentals and the invoice's lines
// (each rental's lines, named by its contract) with their totals.
type Collective struct {
	Payer    payer.Payer
	From, To time.Time
	Rentals  []CollectiveRental
	Lines    []invoice.Line
	Totals   invoice.Totals
}

// Month returns [first day, first day of the next month) of the month
// ("YYYY-MM") in loc; ok false when month is not one.
func Month(month string, loc *time.Location) (from, to time.Time, ok bool) {
	t, err := time.ParseInLocation("2006-01", month, loc)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	return t, t.AddDate(0, 1, 0), true
}

// CollectivePreview computes the collective invoice of payer payerID for
// the rentals returned in [from, to) and not yet on one: each rental's
// share exactly as billing split it at return (from its protocols, terms
// snapshot and cover, under the payer's terms the cover kept: a rental
// covered while the payer was billed per rental had its invoice at return
// and is not listed). Nothing is stored. Admins only. Errors:
// KindNotFound (payer), KindInvalid (code collective_not_enabled: not a
// fleet or leasing payer), KindForbidden.
func (s *Service) CollectivePreview(ctx context.Context, payerID int64, from, to time.Time) (Collective, error) {
	var cv Collective
	if s.d.Collective == nil || s.d.Payers == nil {
		return cv, errs.NotFound("payer_not_found")
	}
	p, err := s.d.Payers.Payer(ctx, payerID)
	if err != nil {
		return cv, err
	}
	if p.Kind != payer.KindFleet {
		return cv, errs.Invalid("collective_not_enabled")
	}
	cv.Payer, cv.From, cv.To = p, from, to
	ids, err := s.d.Collective.Uncollected(ctx, payerID, from, to)
	if err != nil {
		return cv, err
	}
	l := locale.Lang(payerLang)
	for _, id := range ids {
		c, err := s.d.Store.Contract(ctx, id)
		if err != nil {
			return cv, err
		}
		x, err := s.load(ctx, c)
		if err != nil {
			return cv, err
		}
		x = asPayer(x)
		fb, err := s.finalBill(ctx, x)
		if err != nil {
			return cv, fmt.Errorf("collective: contract %s: %w", c.Number, err)
		}
		sp := fb.split
		if sp.Cover.PayerID != p.ID || !sp.Collective() || len(sp.PayerShare.Lines) == 0 {
			// its cover changed, it was invoiced at return (covered before
			// the payer was billed collectively), or nothing taxed is the payer's
			continue
		}
		r := CollectiveRental{ContractID: c.ID, Number: c.Number, Driver: x.Customer.Name(),
			Vehicle: x.Vehicle.Plate + " · " + x.Vehicle.Make + " " + x.Vehicle.Model, WorkshopRef: x.WorkshopRef,
			From: c.Start, DrivenKM: max(fb.ret.OdometerKM-fb.hand.OdometerKM, 0)}
		if c.EndedAt != nil {
			r.To = *c.EndedAt
		}
		for _, ln := range sp.PayerShare.Lines {
			if ln.Kind == billing.KindRent && ln.Unit == billing.UnitDay {
				r.Days += int(ln.QuantityMilli / 1000)
			}
			r.Gross += invoice.LineGross(ln)
			named := ln
			named.Description = l.T("collective.line", locale.Params{"contract": c.Number, "plate": x.Vehicle.Plate, "text": ln.Description})
			r.Lines = append(r.Lines, named)
		}
		cv.Rentals = append(cv.Rentals, r)
		cv.Lines = append(cv.Lines, r.Lines...)
	}
	cv.Totals = invoice.Compute(invoice.Invoice{Kind: invoice.KindStandalone, Lines: cv.Lines})
	return cv, nil
}

// IssueCollective issues the collective invoice of payer payerID for the
// rentals returned in [from, to) not yet on one — the invoice
// CollectivePreview shows, provided its total is still expectGross (what
// staff saw) — numbered from the tenant's invoice series, payable within
// the payer's terms, with the rentals' details as an annex to its PDF and
// an e-invoice with the payer's buyer reference. Each rental is billed on
// one collective invoice only, in one transaction with the invoice.
// Admins only. Errors: KindNotFound, KindInvalid (collective_not_enabled),
// KindConflict (collective_empty: no rental to bill; collective_changed:
// the total is no longer expectGross; collective_already_billed: a rental
// was billed meanwhile), KindForbidden.
func (s *Service) IssueCollective(ctx context.Context, payerID int64, from, to time.Time, expectGross int64) (invoice.Issued, error) {
	cv, err := s.CollectivePreview(ctx, payerID, from, to)
	if err != nil {
		return invoice.Issued{}, err
	}
	if len(cv.Rentals) == 0 {
		return invoice.Issued{}, errs.Conflict("collective_empty")
	}
	if cv.Totals.Gross != expectGross {
		return invoice.Issued{}, errs.Conflict("collective_changed")
	}
	first, err := s.d.Store.Contract(ctx, cv.Rentals[0].ContractID)
	if err != nil {
		return invoice.Issued{}, err
	}
	x, err := s.load(ctx, first)
	if err != nil {
		return invoice.Issued{}, err
	}
	x = asPayer(x)
	p := cv.Payer
	inv := s.invoiceFor(x, invoice.KindStandalone, cv.Lines, nil)
	inv.Recipient = invoice.Party{Name: p.Name, Address: invoice.Address{Street: p.Street, PostalCode: p.PostalCode, City: p.City,
		Country: p.Country}, VATID: p.VATID}
	l := locale.Lang(payerLang)
	inv.Note = l.T("collective.note", locale.Params{"n": len(cv.Rentals), "from": l.Date(from.In(x.Station.Location())),
		"to": l.Date(to.Add(-time.Nanosecond).In(x.Station.Location()))})
	if p.BuyerReference != "" {
		inv.Note += "\n" + l.T("collective.note_reference", locale.Params{"ref": p.BuyerReference})
	}
	inv.ServicePeriod = invoice.Period{From: cv.Rentals[0].From, To: cv.Rentals[0].To}
	var annex []document.AnnexRental
	// booked at the first rental's station (the revenue by station counts it
	// there) and to its driver as customer (the record needs one; it is
	// listed as none of the drivers')
	iss := &invoice.Issued{StationID: first.StationID, CustomerID: first.CustomerID, PayerID: p.ID, Language: string(payerLang), Invoice: inv}
	for _, r := range cv.Rentals {
		if r.From.Before(inv.ServicePeriod.From) {
			inv.ServicePeriod.From = r.From
		}
		if r.To.After(inv.ServicePeriod.To) {
			inv.ServicePeriod.To = r.To
		}
		annex = append(annex, document.AnnexRental{Contract: r.Number, Driver: r.Driver, Vehicle: r.Vehicle, WorkshopRef: r.WorkshopRef,
			From: r.From, To: r.To, DrivenKM: r.DrivenKM, Days: r.Days, Gross: r.Gross})
		iss.Collects = append(iss.Collects, invoice.Collected{ContractID: r.ContractID, GrossCents: r.Gross})
	}
	inv.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: p.PaymentDays}
	iss.Invoice = inv
	doc := func(inv invoice.Invoice) document.InvoiceDoc {
		d := invoiceDoc(x, inv)
		d.Annex = annex
		return d
	}
	req := invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(),
		Render: func(inv invoice.Invoice) ([]byte, error) { return s.d.Renderer.Invoice(ctx, doc(inv)) }}
	if s.d.EInvoicer != nil {
		req.EInvoice = document.EInvoiceHook(ctx, s.d.EInvoicer, s.d.Log, func(inv invoice.Invoice) document.EInvoiceDoc {
			return document.EInvoiceDoc{InvoiceDoc: doc(inv), BuyerEmail: p.Email, OrderReference: p.BuyerReference}
		})
	}
	if p.Email != "" {
		// e-mailed to the payer with the issue, once: of no single rental
		px := x
		px.Contract, px.Customer = Contract{}, customer.Customer{Language: string(payerLang)}
		req.Mails = s.payerMail(px, p, "")
	}
	if err := s.d.Invoices.IssueInvoice(ctx, req); err != nil {
		return invoice.Issued{}, err
	}
	return *iss, nil
}
