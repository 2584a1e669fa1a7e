package contract

import (
	"context"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payer"
)

// Split is how a rental's final bill is divided between its payer and the
// driver (issue 17: billing splits), as billing issues it and the return
// preview shows it.
type Split struct {
	Cover payer.Cover
	Payer payer.Payer // the cover's payer; zero in payer.ModeDriver
	// PayerShare is what the payer is invoiced: its taxed lines on one
	// invoice, damage compensation (not subject to VAT) on a claim of its
	// own. Empty in payer.ModeDriver.
	PayerShare billing.Share
	// Driver is the driver's part: its own final bill (lines, advances
	// deducted, due, total) — what the driver's final invoice carries and
	// what is charged to or refunded on the card.
	Driver billing.Bill
	// NoFinal: the driver has no taxed line to pay (internal use, or the
	// payer covers everything): no final invoice goes to the driver, and
	// the advances the driver paid are credited and refunded instead of
	// deducted (Advances lists them).
	NoFinal  bool
	Advances []invoice.Advance
}

// Covered reports whether someone other than the driver pays a part.
func (sp Split) Covered() bool {
	return sp.Cover.Mode == payer.ModePayer || sp.Cover.Mode == payer.ModeInternal
}

// Collective reports whether the payer's taxed share is billed later on
// its monthly collective invoice (CollectivePreview) instead of an invoice
// at return; damage compensation it covers is still claimed at return.
func (sp Split) Collective() bool {
	return sp.Cover.Mode == payer.ModePayer && sp.Payer.Collective
}

// PayerGross is what the payer is invoiced in all (gross cents).
func (sp Split) PayerGross() int64 { return sp.PayerShare.Gross }

// cover returns the cover of contract x's rental and its payer under the
// terms the cover kept: driver only without a cover store (or none set).
func (s *Service) cover(ctx context.Context, x cctx) (payer.Cover, payer.Payer, error) {
	cv := payer.Cover{ReservationID: x.Contract.ReservationID, Mode: payer.ModeDriver}
	if s.d.Covers == nil || s.d.Payers == nil {
		return cv, payer.Payer{}, nil
	}
	cv, err := s.d.Covers.Cover(ctx, x.Contract.ReservationID)
	if err != nil || cv.Mode == payer.ModeDriver || cv.PayerID == 0 {
		return cv, payer.Payer{}, err
	}
	p, err := s.d.Payers.Payer(ctx, cv.PayerID)
	// billed on the terms kept when the cover named the payer
	return cv, cv.Apply(p), err
}

// payerLang is the language of the documents to payers: the dealership's
// (German), whatever the driver's.
const payerLang = document.Lang("de")

// asPayer is contract x as its payer's documents are written: in payerLang.
func asPayer(x cctx) cctx {
	x.Customer.Language = string(payerLang)
	return x
}

// split divides bill b (the whole rental's final bill, advances deducted,
// in the driver's language; computed from hand, ret and the unstored
// damages) between the payer and the driver per the rental's cover; see
// Split. The payer's lines are worded in payerLang.
func (s *Service) split(ctx context.Context, x cctx, b billing.Bill, advances []invoice.Advance, hand, ret *Protocol,
	unstored ...fleet.Damage) (Split, error) {
	cv, p, err := s.cover(ctx, x)
	if err != nil {
		return Split{}, err
	}
	return s.splitWith(ctx, x, cv, p, b, advances, hand, ret, unstored...)
}

// splitWith is split under cover cv with its payer p (under the terms
// the cover keeps) instead of the rental's stored cover.
func (s *Service) splitWith(ctx context.Context, x cctx, cv payer.Cover, p payer.Payer, b billing.Bill, advances []invoice.Advance,
	hand, ret *Protocol, unstored ...fleet.Damage) (Split, error) {
	sp := Split{Cover: cv, Payer: p, Driver: b}
	if !sp.Covered() {
		return sp, nil
	}
	ps, ds := billing.Split(billing.SplitInput{Bill: b, Cover: cv, Payer: p, CategoryID: x.Vehicle.CategoryID, Lang: lang(x.Customer)})
	if lang(x.Customer) != payerLang {
		// the same bill worded for the payer: the same lines in the same order
		pb, err := s.compute(ctx, asPayer(x), hand, ret, advances, unstored...)
		if err != nil {
			return Split{}, err
		}
		ps, _ = billing.Split(billing.SplitInput{Bill: pb, Cover: cv, Payer: p, CategoryID: x.Vehicle.CategoryID, Lang: payerLang})
	}
	sp.PayerShare = ps
	d := b
	d.Lines, d.Compensation, d.LineKinds = ds.Lines, ds.Compensation, nil
	for _, l := range ds.Lines {
		d.LineKinds = append(d.LineKinds, l.Kind)
	}
	d.CompensationCents = 0
	for _, l := range ds.Compensation {
		d.CompensationCents += invoice.LineGross(l)
	}
	deduct := advances
	if len(ds.Lines) == 0 {
		// no final invoice to deduct the advances on: they are credited
		sp.NoFinal, sp.Advances, deduct = true, advances, nil
	}
	d.Totals = invoice.Compute(invoice.Invoice{Kind: invoice.KindFinal, Lines: d.Lines, Advances: deduct})
	d.Due = d.Totals.Due
	d.Total = d.Due + d.CompensationCents
	sp.Driver = d
	return sp, nil
}

// payerRequests are the documents billing issues to the payer of split sp
// with the driver's: an invoice for its taxed share (not for a collective
// payer: its collective invoice bills it later) and a claim for the
// damage compensation it covers, each numbered from the tenant's invoice
// series, payable within the payer's terms, with an e-invoice for an
// external payer (buyer reference BT-10: the payer's buyer reference or
// Leitweg-ID; BT-49: its e-mail). A cost centre's document is internal:
// addressed to the dealership's cost centre, no e-invoice.
func (s *Service) payerRequests(ctx context.Context, x cctx, sp Split, period invoice.Period) []invoice.IssueRequest {
	if !sp.Covered() {
		return nil
	}
	x = asPayer(x)
	c, p := x.Contract, sp.Payer
	to, internal := payerParty(x, p), p.Kind == payer.KindCostCentre
	note := s.payerNote(ctx, x, sp.Cover)
	var reqs []invoice.IssueRequest
	for i, lines := range [][]invoice.Line{sp.PayerShare.Lines, sp.PayerShare.Compensation} {
		if len(lines) == 0 || i == 0 && sp.Collective() {
			continue // a collective payer's taxed share waits for its collective invoice
		}
		inv := s.invoiceFor(x, invoice.KindStandalone, lines, nil)
		inv.Recipient, inv.Note, inv.ServicePeriod = to, note, period
		inv.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: p.PaymentDays}
		iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
			PayerID: p.ID, Language: string(payerLang), Invoice: inv}
		req := invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x)}
		if !internal && s.d.EInvoicer != nil {
			req.EInvoice = document.EInvoiceHook(ctx, s.d.EInvoicer, s.d.Log, func(inv invoice.Invoice) document.EInvoiceDoc {
				return document.EInvoiceDoc{InvoiceDoc: invoiceDoc(x, inv), BuyerEmail: p.Email,
					OrderReference: p.BuyerReference, ContractNumber: c.Number}
			})
		}
		if p.Email != "" {
			req.Mails = s.payerMail(x, p, sp.Cover.ClaimNumber)
		}
		reqs = append(reqs, req)
	}
	return reqs
}

// payerParty is payer p as the recipient of its documents for contract x:
// a cost centre is the dealership itself, at its own address.
func payerParty(x cctx, p payer.Payer) invoice.Party {
	if p.Kind == payer.KindCostCentre {
		tn := x.Tenant
		return invoice.Party{Name: Branding(tn).LegalName + " – " + p.Name, Address: invoice.Address{Street: tn.Street,
			PostalCode: tn.PostalCode, City: tn.City, Country: tn.Country}}
	}
	return invoice.Party{Name: p.Name, Address: invoice.Address{Street: p.Street, PostalCode: p.PostalCode, City: p.City,
		Country: p.Country}, VATID: p.VATID}
}

// payerNote is the note of a payer's documents for contract x under cover
// cv (in payerLang): contract, driver, workshop order, claim, policy, the
// customer's car and the signed assignment of claims.
func (s *Service) payerNote(ctx context.Context, x cctx, cv payer.Cover) string {
	c := x.Contract
	l := payerLang
	note := l.T("invoice.note.contract", locale.Params{"number": c.Number})
	note += "\n" + l.T("invoice.note.payer_driver", locale.Params{"name": x.Customer.Name()})
	if x.WorkshopRef != "" {
		note += "\n" + l.T("invoice.note.workshop_order", locale.Params{"ref": x.WorkshopRef})
	}
	if cv.ClaimNumber != "" {
		note += "\n" + l.T("invoice.note.claim", locale.Params{"claim": cv.ClaimNumber})
	}
	if cv.PolicyNumber != "" {
		note += "\n" + l.T("invoice.note.policy", locale.Params{"policy": cv.PolicyNumber})
	}
	if cv.CustomerVIN != "" {
		note += "\n" + l.T("invoice.note.customer_car", locale.Params{"vin": cv.CustomerVIN})
	}
	if cv.CustomerPlate != "" {
		note += "\n" + l.T("invoice.note.customer_plate", locale.Params{"plate": cv.CustomerPlate})
	}
	if as, ok, err := s.Assignment(ctx, c.ReservationID); err == nil && ok {
		note += "\n" + l.T("invoice.note.assignment", locale.Params{"date": l.Date(as.SignedAt.In(x.Station.Location()))})
	}
	return note
}

// creditAdvances credits (and refunds on the card) what is left of each
// advance invoice of the rental not yet credited: the driver owes nothing
// of the rental (split sp.NoFinal), so nothing deducts them. Run again
// after a stop, it credits only what an earlier run did not.
func (s *Service) creditAdvances(ctx context.Context, x cctx, m money) {
	c := x.Contract
	credited := map[int64]int64{}
	for _, d := range m.docs {
		if d.Kind == invoice.KindCreditNote {
			credited[d.CorrectsID] += d.Gross
		}
	}
	_, onCard := refundable(m.recs)
	for _, d := range m.docs {
		left := d.Gross - credited[d.ID]
		if d.Kind != invoice.KindAdvance || left <= 0 {
			continue
		}
		rates, err := s.d.Store.InvoiceRates(ctx, d.ID)
		if err != nil || len(rates) == 0 {
			s.d.Log.ErrorContext(ctx, "contract: advance not credited; staff must credit it", "contract", c.Number, "invoice", d.Number, "err", err)
			continue
		}
		l := lang(x.Customer)
		line := invoice.Line{Description: l.T("invoice.line.advance_credit", locale.Params{"number": d.Number}),
			QuantityMilli: 1000, Unit: billing.UnitPiece, UnitGross: left, VATRateBP: rates[0].RateBP, Kind: billing.KindRent}
		to := invoice.Payment{Means: invoice.MeansCard}
		if onCard < left {
			to = invoice.Payment{Means: invoice.MeansOpen}
		}
		if _, err := s.credit(ctx, x, d.ID, d.Number, left, line, to); err != nil {
			s.d.Log.ErrorContext(ctx, "contract: advance not credited; staff must credit it", "contract", c.Number, "invoice", d.Number, "err", err)
			continue
		}
		onCard -= min(onCard, left)
	}
}

// PayerInvoices returns the documents issued to the payers of contract id
// (none for a driver-only rental), in issue order. Errors: KindNotFound.
func (s *Service) PayerInvoices(ctx context.Context, id int64) ([]invoice.Summary, error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := s.money(ctx, c)
	return m.payerDocs, err
}

// AdvanceRefund is what the driver gets back of the advances when the
// driver owes nothing of the rental (NoFinal): the advances are credited.
func (sp Split) AdvanceRefund() int64 {
	if !sp.NoFinal {
		return 0
	}
	var sum int64
	for _, a := range sp.Advances {
		for _, r := range a.Rates {
			sum += r.Gross
		}
	}
	return sum
}
