package contract

import (
	"context"
	"fmt"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
)

// LaterCharge is a charge staff make from the contract page.
type LaterCharge struct {
	Kind        string // PurposeDamage or PurposeExtension
	Description string
	Cents       int64
}

// Validate checks a later charge before anything is charged: damage or
// extension, a description, an amount above zero. Errors: KindInvalid
// naming each field.
func (lc LaterCharge) Validate() error {
	var f errs.Fields
	if lc.Kind != PurposeDamage && lc.Kind != PurposeExtension {
		f.Add("kind", "charge.kind_choose")
	}
	if strings.TrimSpace(lc.Description) == "" {
		f.Add("description", "charge.description_required")
	}
	if lc.Cents <= 0 || lc.Cents > 10_000_000 {
		f.Add("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)})
	}
	return f.Err()
}

// allowedOn checks that staff may charge lc on contract h as committed
// now: not while billing has claimed the contract and not finished
// (KindConflict "charge_billing_running": what its documents bill is
// being decided), and an extension only while the car is out
// (KindConflict "charge_extension_returned": once the car is back, the
// final invoice bills the period it was out).
func (lc LaterCharge) allowedOn(h Held) error {
	c := h.Contract
	if BillingUnfinished(c.Status, c.BilledAt != nil, h.BookingStatus) {
		return errs.Conflict("charge_billing_running")
	}
	if lc.Kind == PurposeExtension && c.Status != StatusOpen {
		return errs.Conflict("charge_extension_returned")
	}
	return nil
}

// Charge charges a damage or an extension to the stored card and, when
// approved, issues and e-mails its invoice: an extension as an advance
// invoice, deducted on the final invoice; a damage as a standalone
// invoice (or a damage settlement). Everything is checked before the card
// is charged: the charge's pending payment is stored holding the
// contract's row (Store.RecordCharge) only while the charge is allowed
// (allowedOn), so a return or billing's claim comes before it (the charge
// is refused, nothing charged) or after it — and billing then waits for
// the charge (billing_charge_pending) until its outcome and document are
// stored together. The invoice is built in the transaction that issues it,
// holding the contract's row (Store.IssueHeld), with the approved outcome
// (invoice.IssueRequest.Payments): it prints the workshop order and takes
// its kind from the contract as committed then, so a change of the
// workshop order saved meanwhile is on it, and one saved after it waits
// for it. A charge whose invoice cannot be issued is refunded on the card
// (no money without a document). A declined card issues nothing
// and returns KindPaymentDecline. Errors: KindInvalid for a missing
// description or an amount not above zero; KindConflict
// "charge_billing_running", "charge_extension_returned", "payment_pending"
// (the gateway's answer is still open); KindUnavailable when the gateway
// was not reached; KindNotFound when the customer has no stored card.
func (s *Service) Charge(ctx context.Context, id int64, lc LaterCharge) (invoice.Issued, payment.Record, error) {
	lc.Description = strings.TrimSpace(lc.Description)
	if err := lc.Validate(); err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	// refused at once when not allowed as read now (checked again below,
	// holding the contract's row)
	if err := lc.allowedOn(Held{Contract: c, WorkshopRef: x.WorkshopRef, BookingStatus: x.BookingStatus}); err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	cardID, err := s.d.Store.CustomerCard(ctx, c.CustomerID)
	if err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	p, err := s.d.Payments.PrepareTokenSaleOn(ctx, paymentLinks(c, lc.Kind), fmt.Sprintf("%s-C%d", c.Number, len(m.recs)+1),
		payment.Amount{Cents: lc.Cents, Currency: "EUR"}, cardID, rentalOf(x))
	if err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	// the last check and the pending payment, holding the contract's row
	if err := s.d.Store.RecordCharge(ctx, id, lc.allowedOn, &p.Record); err != nil {
		return invoice.Issued{}, payment.Record{}, err
	}
	rec, def, err := s.d.Payments.SendDeferred(ctx, p, rentalOf(x))
	if e := unsettled(rec, err, "payment_pending", "gateway_unavailable"); e != nil {
		return invoice.Issued{}, rec, e
	}
	if err != nil && rec.ID == 0 {
		return invoice.Issued{}, rec, err
	}
	if rec.Status != payment.StatusApproved {
		return invoice.Issued{}, rec, rec.DeclineError()
	}
	var iss invoice.Issued
	err = s.d.Store.IssueHeld(ctx, id, func(h Held) (invoice.IssueRequest, error) {
		// what the invoice prints as of the contract's row held: a change of
		// the workshop order or the return comes before (printed) or after
		// (waits); billing waits for this charge's outcome, stored here
		x := x
		x.Contract, x.WorkshopRef = h.Contract, h.WorkshopRef
		req := s.laterChargeInvoice(ctx, x, lc, m.recs, rec)
		iss = *req.Issued
		req.Issued = &iss
		if def != nil {
			req.Payments = []payment.Record{def.Record()}
		}
		return req, nil
	})
	if err != nil {
		s.reverseCharge(ctx, c, def, rec, err)
		return invoice.Issued{}, rec, err
	}
	if def != nil {
		def.Stored()
	}
	return iss, rec, nil
}

// reverseCharge stores approved staff charge rec's outcome (def) and
// refunds all of it on the card, because its invoice could not be issued
// (cause): no money without a document. (A refund, not a void: refunds
// are what the card's refundable balance and the ledger count.) A refund
// that fails is logged at error level for staff to refund by hand.
func (s *Service) reverseCharge(ctx context.Context, c Contract, def *payment.Deferred, rec payment.Record, cause error) {
	ctx = context.WithoutCancel(ctx)
	if err := def.Settle(ctx); err != nil {
		s.d.Log.ErrorContext(ctx, "contract: staff charge approved, its invoice not issued and its outcome not stored; staff must refund it",
			"contract", c.Number, "payment_id", rec.ID, "cause", cause, "err", err)
		return
	}
	ref, err := s.d.Payments.Refund(ctx, rec.ID, rec.Amount)
	if err != nil || ref.Status != payment.StatusApproved {
		s.d.Log.ErrorContext(ctx, "contract: staff charge approved, its invoice not issued and the refund failed; staff must refund it",
			"contract", c.Number, "payment_id", rec.ID, "cause", cause, "err", err, "status", ref.Status)
		return
	}
	s.d.Log.WarnContext(ctx, "contract: staff charge refunded: its invoice could not be issued", "contract", c.Number,
		"payment_id", rec.ID, "cause", cause)
}

// laterChargeInvoice is the invoice of later charge lc, paid by card
// payment rec, for contract x as it stands (an extension: an advance
// invoice, deducted on the final invoice).
func (s *Service) laterChargeInvoice(ctx context.Context, x cctx, lc LaterCharge, recs []payment.Record, rec payment.Record) invoice.IssueRequest {
	c := x.Contract
	kind := invoice.KindStandalone
	if lc.Kind == PurposeExtension {
		// charged while the car was out (allowedOn); billing waits for it
		kind = invoice.KindAdvance
	}
	terms := x.terms()
	line := invoice.Line{Description: lc.Description, QuantityMilli: 1000, Unit: "piece", UnitGross: lc.Cents,
		VATRateBP: terms.VATRateBP, Kind: lc.Kind}
	compensation := lc.Kind == PurposeDamage && !terms.DamageTaxable
	if compensation {
		// genuine damage compensation: not subject to VAT, a damage settlement of its own
		line.Kind, line.VATRateBP, line.TaxCategory = billing.KindDamage, 0, invoice.CategoryNotSubject
	}
	inv := s.invoiceFor(x, kind, []invoice.Line{line}, nil)
	end := c.PlannedEnd
	if c.EndedAt != nil {
		end = *c.EndedAt
	}
	inv.ServicePeriod = invoice.Period{From: c.Start, To: end}
	inv.Payment = cardPayment(recs, &rec)
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		Language: string(lang(x.Customer)), Invoice: inv}
	return invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x),
		EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			send := s.d.Mailer.FinalInvoice // a standalone invoice: "Ihre Rechnung"
			switch {
			case compensation:
				send = s.d.Mailer.Compensation
			case kind == invoice.KindAdvance:
				send = s.d.Mailer.AdvanceInvoice
			}
			msg, err := send(x.MailContext, is, pdf)
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			return []mail.Queued{s.queued(x, msg)}, err
		}}
}

// RefundTo says how the money of a credit note goes back: on the card
// (Method "") or outside it — MethodCash, MethodTerminal or MethodTransfer,
// recorded as a payout with Reference (required for terminal and
// transfer).
type RefundTo struct{ Method, Reference string }

// Refund credits cents with a credit note correcting invoice invoiceID
// and gives them back: on the contract's card payments, or (to.Method set)
// as a payout at the counter or by transfer, recorded on the contract for
// what the contract has then been paid too much (a credit note on money
// still open only lowers what is open). Errors: KindInvalid (amount,
// reason, method, reference; more than the invoice or, on the card, than
// was paid by card), KindNotFound.
func (s *Service) Refund(ctx context.Context, id, invoiceID int64, cents int64, reason string, to RefundTo) (invoice.Issued, error) {
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	if cents <= 0 {
		f.Add("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)})
	}
	if reason == "" {
		f.Add("reason", "refund.reason_required")
	}
	to.Method, to.Reference = strings.ToLower(strings.TrimSpace(to.Method)), strings.TrimSpace(to.Reference)
	switch to.Method {
	case "", MethodCash:
	case MethodTerminal, MethodTransfer:
		if to.Reference == "" {
			f.Add("refund_reference", "refund.reference_required")
		}
	default:
		f.Add("refund_to", "refund.to_choose")
	}
	if len(to.Reference) > 200 {
		f.Add("refund_reference", "receipt.reference_too_long", locale.Params{"n": 200})
	}
	if err := f.Err(); err != nil {
		return invoice.Issued{}, err
	}
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return invoice.Issued{}, err
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return invoice.Issued{}, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return invoice.Issued{}, err
	}
	var corr *invoice.Summary
	credited := int64(0)
	for i, d := range m.docs {
		if d.ID == invoiceID && d.Kind != invoice.KindCreditNote {
			corr = &m.docs[i]
		}
		if d.CorrectsID == invoiceID && d.Kind == invoice.KindCreditNote {
			credited += d.Gross
		}
	}
	if corr == nil {
		return invoice.Issued{}, errs.Invalid("error.fields_invalid", errs.Field("invoice_id", "charge.invoice_choose"))
	}
	limit := corr.Gross
	if corr.Kind == invoice.KindFinal {
		limit = max(corr.Due, 0)
	}
	if cents > limit-credited {
		return invoice.Issued{}, errs.Invalid("error.fields_invalid", errs.Field("amount", "charge.credit_max",
			locale.Params{"max": locale.Money(max(limit-credited, 0)), "invoice": corr.Number}))
	}
	line := invoice.Line{Description: reason, QuantityMilli: 1000, Unit: "piece", UnitGross: cents, VATRateBP: x.terms().VATRateBP}
	if corr.NotSubject {
		line.VATRateBP, line.TaxCategory = 0, invoice.CategoryNotSubject
	}
	if to.Method == "" {
		return s.credit(ctx, x, corr.ID, corr.Number, cents, line, invoice.Payment{Means: invoice.MeansCard})
	}
	// what the credit note leaves paid too much goes back outside the card;
	// on money still open it only lowers what is open (set off)
	pay := invoice.Payment{Means: to.Method, Reference: to.Reference}
	if ledgerWith(c, m).Open()-cents >= 0 {
		pay = invoice.Payment{Means: invoice.MeansOffset}
	}
	cn, err := s.credit(ctx, x, corr.ID, corr.Number, cents, line, pay)
	if err != nil {
		return cn, err
	}
	m, err = s.money(ctx, c)
	if err != nil {
		return cn, err
	}
	over := min(-ledgerWith(c, m).Open(), cents)
	if over <= 0 {
		return cn, nil
	}
	loc := x.Station.Location()
	_, err = s.RecordPayout(ctx, id, Receipt{Method: to.Method, AmountCents: over, Reference: to.Reference,
		ReceivedOn: s.d.Now().In(loc).Format("2006-01-02"), Reason: cn.Invoice.Number})
	if err != nil {
		s.d.Log.ErrorContext(ctx, "contract: credit note issued, payout not recorded", "contract", c.Number, "credit_note", cn.Invoice.Number, "err", err)
		return cn, errs.Conflict("payout_not_recorded")
	}
	return cn, nil
}

// RetryPayment charges what a payment_open contract still owes (after
// receipts outside the gateway) to the stored card again; approved → billed. Errors: KindConflict when the
// contract is not payment_open, "receipt_meanwhile"/"refund_by_hand" when a
// payment at the counter came in while the card was charged (see
// refundOverpayment), "retry_no_card" when the customer has no stored card
// (the money is then recorded at the counter); KindPaymentDecline when
// declined again.
func (s *Service) RetryPayment(ctx context.Context, id int64) (payment.Record, error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return payment.Record{}, err
	}
	if c.Status != StatusPaymentOpen {
		return payment.Record{}, errs.Conflict("nothing_open")
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return payment.Record{}, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return payment.Record{}, err
	}
	open := ledgerWith(c, m).Open() // receipts outside the gateway count as paid
	if open <= 0 {
		return payment.Record{}, s.d.Store.SetContractStatus(ctx, id, []Status{StatusPaymentOpen}, StatusBilled)
	}
	base := c.Number + "-F"
	rec, err := s.chargeCard(ctx, x, PurposeFinal, payment.RetryOrderID(m.recs, base, fmt.Sprintf("%s%d", base, len(m.recs)+1)), open)
	if e := unsettled(rec, err, "payment_pending", "gateway_unavailable"); e != nil {
		return rec, e
	}
	if err != nil && rec.ID == 0 {
		if errs.Is(err, errs.KindNotFound) {
			// no card stored for the customer: the money comes at the counter
			return rec, errs.Conflict("retry_no_card")
		}
		return rec, err
	}
	if rec.Status != payment.StatusApproved {
		return rec, rec.DeclineError()
	}
	twice := s.refundOverpayment(ctx, c, rec)
	if twice != nil && !errs.Is(twice, errs.KindConflict) {
		return rec, twice
	}
	err = s.d.Store.SetContractStatus(ctx, id, []Status{StatusPaymentOpen}, StatusBilled)
	if twice != nil {
		if err != nil && !errs.Is(err, errs.KindConflict) { // settled by the receipt: billed already
			return rec, err
		}
		return rec, twice
	}
	return rec, err
}

// unsettled returns the error for a card charge rec (sent with error err)
// whose outcome is still open (KindConflict pending) or that never reached
// the gateway (KindUnavailable unreachable), else nil.
func unsettled(rec payment.Record, err error, pending, unreachable locale.Key) error {
	switch {
	case rec.Status.Open():
		return errs.New(errs.KindConflict, pending)
	case rec.ReasonCode == payment.ReasonNotSent:
		e := errs.New(errs.KindUnavailable, unreachable)
		e.Err = err
		return e
	}
	return nil
}

// refundOverpayment gives back on card charge rec what the contract now
// has paid beyond what it owes: a payment at the counter recorded between
// reading the open amount and sending the charge (a receipt is refused
// while the charge is pending, and after it, so this is the only window).
// It returns nil when nothing was paid twice; else KindConflict telling
// staff what happened: "receipt_meanwhile" with the refund made,
// "refund_by_hand" when the refund failed (also logged at error level).
func (s *Service) refundOverpayment(ctx context.Context, c Contract, rec payment.Record) error {
	m, err := s.money(ctx, c)
	if err != nil {
		return err
	}
	over := -ledgerWith(c, m).Open()
	if over <= 0 {
		return nil
	}
	amt := min(over, rec.Amount.Cents)
	ref, err := s.d.Payments.Refund(ctx, rec.ID, payment.Amount{Cents: amt, Currency: rec.Amount.Currency})
	if err != nil || ref.Status != payment.StatusApproved {
		s.d.Log.Error("contract paid twice: refund of the card charge failed", "contract", c.Number, "payment", rec.ID,
			"cents", amt, "status", ref.Status, "err", err)
		return errs.Conflict("refund_by_hand")
	}
	s.d.Log.Warn("contract paid twice: card charge refunded", "contract", c.Number, "payment", rec.ID, "cents", amt)
	return errs.Conflict("receipt_meanwhile")
}

// Edit is a change of a contract's terms from the contract page; nil
// fields stay as they are.
type Edit struct {
	Drivers    []Driver // nil = unchanged
	PlannedEnd *time.Time
	TariffID   *int64
	Notes      *string
	// Notify e-mails the customer a change notice with the updated contract PDF.
	Notify bool
}

// Update applies an edit: drivers validated (the licence check recorded
// with who and when for drivers marked checked), the period re-checked
// against overlaps (KindConflict) and re-priced, the tariff, the notes.
// Every change is audit-logged by the store. With Notify the customer gets
// the change notice with the new contract PDF. Errors: KindInvalid,
// KindConflict, KindNotFound.
func (s *Service) Update(ctx context.Context, id int64, e Edit) ([]Change, error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Status != StatusOpen && (e.PlannedEnd != nil || e.TariffID != nil || e.Drivers != nil) {
		return nil, errs.Conflict("contract_notes_only")
	}
	now := s.d.Now().UTC()
	x, err := s.load(ctx, c)
	if err != nil {
		return nil, err
	}
	loc := x.Station.Location()
	var changes []Change
	if e.Drivers != nil {
		for i := range e.Drivers {
			e.Drivers[i].Normalize()
		}
		if err := ValidateDrivers(e.Drivers, now); err != nil {
			return nil, err
		}
		a, _ := identity.ActorFrom(ctx)
		for i := range e.Drivers {
			if e.Drivers[i].CheckNow {
				e.Drivers[i].CheckedBy, e.Drivers[i].CheckedByName, e.Drivers[i].CheckedAt = a.UserID, a.Name, &now
			}
		}
		if err := s.d.Store.UpdateDrivers(ctx, id, e.Drivers); err != nil {
			return nil, err
		}
		changes = addChange(changes, Change{Field: "drivers", Old: driverNames(c.Drivers), New: driverNames(e.Drivers)})
	}
	if e.PlannedEnd != nil && !e.PlannedEnd.Equal(c.PlannedEnd) {
		if !e.PlannedEnd.After(c.Start) || !e.PlannedEnd.After(now.Add(-time.Minute)) {
			return changes, errs.Invalid("error.fields_invalid", errs.Field("planned_end", "contract.new_return"))
		}
		terms := x.terms()
		before := pricing.QuoteFor(terms.Tariff(), c.Start, c.PlannedEnd, loc, "EUR")
		after := pricing.QuoteFor(terms.Tariff(), c.Start, *e.PlannedEnd, loc, "EUR")
		if err := s.d.Store.ChangePeriod(ctx, id, *e.PlannedEnd, after.RentCents); err != nil {
			return changes, err
		}
		l := lang(x.Customer)
		changes = addChange(changes, Change{Field: "planned_end", Old: l.DateTime(c.PlannedEnd.In(loc)), New: l.DateTime(e.PlannedEnd.In(loc)),
			Effect: l.T("notice.effect_period", locale.Params{"days": after.Days, "old_days": before.Days,
				"rent": locale.Money(after.RentCents), "old_rent": locale.Money(before.RentCents)})})
	}
	if e.TariffID != nil && *e.TariffID != c.TariffID {
		t, err := s.d.Tariffs.Tariff(ctx, *e.TariffID)
		if err != nil {
			return changes, errs.Invalid("error.fields_invalid", errs.Field("tariff_id", "field.tariff_choose"))
		}
		old := x.terms()
		terms := pricing.TermsOf(t, 0, old.DepositCents, old.TankLitres, x.Tenant.VATRateBP, old.DamageTaxable, pricing.TermsTariffChanged, now).
			WithCar(old.DriveType, old.BatteryKWh)
		if err := s.d.Store.ChangeTariff(ctx, id, terms); err != nil {
			return changes, err
		}
		end := c.PlannedEnd
		if e.PlannedEnd != nil {
			end = *e.PlannedEnd
		}
		before := pricing.QuoteFor(old.Tariff(), c.Start, end, loc, "EUR")
		after := pricing.QuoteFor(terms.Tariff(), c.Start, end, loc, "EUR")
		l := lang(x.Customer)
		changes = addChange(changes, Change{Field: "tariff", Old: old.TariffName, New: terms.TariffName,
			Effect: l.T("notice.effect_tariff", locale.Params{"day": locale.Money(terms.PricePerDayCents),
				"old_day": locale.Money(old.PricePerDayCents), "rent": locale.Money(after.RentCents), "old_rent": locale.Money(before.RentCents),
				"km": locale.Km(int64(after.IncludedKM)), "old_km": locale.Km(int64(before.IncludedKM))})})
	}
	if e.Notes != nil && strings.TrimSpace(*e.Notes) != c.Notes {
		if err := s.d.Store.SetNotes(ctx, id, strings.TrimSpace(*e.Notes)); err != nil {
			return changes, err
		}
		changes = addChange(changes, Change{Field: "notes", Old: c.Notes, New: strings.TrimSpace(*e.Notes)})
	}
	if e.Notify && len(changes) > 0 {
		if err := s.SendContract(ctx, id, changes); err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// addChange appends ch when something actually changed (a licence check
// alone changes no driver a notice would name).
func addChange(changes []Change, ch Change) []Change {
	if ch.Old == ch.New {
		return changes
	}
	return append(changes, ch)
}

// termsDoc is the terms snapshot as the contract PDF prints it.
func termsDoc(t pricing.Terms) document.Tariff {
	d := document.Tariff{Name: t.TariffName, PerDay: t.PricePerDayCents, IncludedKmPerDay: int64(t.IncludedKMPerDay),
		PerExtraKm: t.ExtraKMCents, RefuelPerEighth: t.RefuelPerEighthCents, RefuelPerLitre: t.RefuelPerLitreCents,
		TankLitres: t.TankLitres, CleaningFee: t.CleaningFeeCents, VATRateBP: t.VATRateBP, DayCounting: t.DayCounting,
		GraceMinutes: t.GraceMinutes, DamageTaxable: t.DamageTaxable, NoFuel: !fleet.RecordsFuel(t.DriveType)}
	if fleet.RecordsCharge(t.DriveType) {
		switch t.ChargingRule {
		case pricing.ChargePerPercent:
			d.ChargePerPercent = t.ChargingPriceCents
		case pricing.ChargePerKWh:
			d.ChargePerKWh, d.BatteryKWh = t.ChargingPriceCents, t.BatteryKWh
		}
	}
	return d
}

func driverNames(ds []Driver) string {
	var n []string
	for _, d := range ds {
		n = append(n, d.Name()+" ("+d.LicenceNumber+")")
	}
	return strings.Join(n, ", ")
}

// ContractPDF renders the contract as it stands.
func (s *Service) ContractPDF(ctx context.Context, id int64) (Contract, []byte, error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return c, nil, err
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return c, nil, err
	}
	pdf, err := s.contractPDF(ctx, x)
	return c, pdf, err
}

func (s *Service) contractPDF(ctx context.Context, x cctx) ([]byte, error) {
	c, t := x.Contract, x.terms()
	d := document.ContractDoc{Lang: lang(x.Customer), Location: x.Station.Location(), Branding: Branding(x.Tenant), Number: c.Number,
		IssuedAt: s.d.Now().UTC(), Customer: person(x.Customer), Station: station(x.Station), From: c.Start, To: c.PlannedEnd,
		Vehicle: DocVehicle(c, x.Vehicle),
		Tariff:  termsDoc(t), Deposit: t.DepositCents, WorkshopRef: x.WorkshopRef}
	for _, dr := range c.Drivers {
		dd := document.Driver{Person: document.Person{Name: dr.Name()}, Licence: document.Licence{Number: dr.LicenceNumber,
			Classes: dr.LicenceClass, IssuingCountry: dr.LicenceCountry, CheckedBy: dr.CheckedByName}}
		if t, err := time.Parse("2006-01-02", dr.LicenceIssuedOn); err == nil {
			dd.Licence.IssuedOn = t
		}
		if dr.CheckedAt != nil {
			dd.Licence.CheckedAt = *dr.CheckedAt
		}
		d.Drivers = append(d.Drivers, dd)
	}
	return s.d.Renderer.Contract(ctx, d)
}

// SendContract renders the contract PDF, stores it and e-mails it to the
// customer: as a change notice listing changes (each with its price
// effect), or, without changes, as the contract itself. Every stored
// version gets a name of its own ("Mietvertrag-MV26-00001.pdf", then
// "…-Fassung-2.pdf" or "…-Aenderung-2.pdf").
func (s *Service) SendContract(ctx context.Context, id int64, changes []Change) error {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return err
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return err
	}
	pdf, err := s.contractPDF(ctx, x)
	if err != nil {
		return err
	}
	docs, err := s.d.Store.ContractDocuments(ctx, id)
	if err != nil {
		return err
	}
	version := 1
	for _, d := range docs {
		if d.Kind == DocContract || d.Kind == DocChangeNotice {
			version++
		}
	}
	kind, name := DocContract, contractFileName(lang(x.Customer), c.Number, version, false)
	var msg mail.Message
	if len(changes) > 0 {
		kind, name = DocChangeNotice, contractFileName(lang(x.Customer), c.Number, version, true)
		msg, err = s.d.Mailer.ChangeNotice(x.MailContext, changes, name, pdf)
	} else {
		msg, err = s.d.Mailer.ContractDocument(x.MailContext, name, pdf)
	}
	if err != nil {
		return err
	}
	_, err = s.d.Store.SaveDocument(ctx, id, kind, name, pdf, []mail.Queued{s.queued(x, msg)})
	return err
}

// contractFileName names version n of a contract's PDF: the contract
// itself first, later versions as a new version or a change notice.
func contractFileName(l document.Lang, number string, n int, change bool) string {
	base := l.T("mail.file.contract") + "-" + number
	switch {
	case change:
		return l.T("mail.file.contract_change", locale.Params{"base": base, "n": n}) + ".pdf"
	case n == 1:
		return base + ".pdf"
	}
	return l.T("mail.file.contract_version", locale.Params{"base": base, "n": n}) + ".pdf"
}
