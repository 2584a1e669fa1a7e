package contract

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// Payment purposes of a contract.
const (
	PurposeFinal     = "final"
	PurposeDamage    = "damage"
	PurposeExtension = "extension"
	PurposeRefund    = "refund"
	PurposeDeposit   = "deposit"
)

// Outcome is what billing did.
type Outcome struct {
	Bill  billing.Bill
	Final invoice.Issued
	// Compensation is the damage compensation claim issued with the final
	// invoice (damages not subject to VAT), else nil.
	Compensation *invoice.Issued
	Charge       *payment.Record // the final charge, when one was due
	// NoCard: the amount due could not be charged because the customer has
	// no stored card (a counter customer pays at the counter); no
	// payment-failed notice is sent.
	NoCard  bool
	Status  Status
	Settled billing.Settlement
	// Split is how the bill was divided between payer and driver; Bill is
	// the driver's part (the whole bill without a payer).
	Split Split
	// PayerInvoices are the documents issued to the rental's payer.
	PayerInvoices []invoice.Issued
}

// Return checks the car in and bills the contract at once. Rules: km not
// below the handover (KindInvalid "km"), return at another station only
// when the tenant allows one-way rentals (KindInvalid "station_id"), a late
// return must not overlap the vehicle's next booking (KindConflict). The
// return protocol is stored and e-mailed; then Bill runs. A billing error
// after a stored return is returned wrapped: the return stays recorded and
// billing can be re-run.
func (s *Service) Return(ctx context.Context, rt *Return) (Contract, Outcome, error) {
	c, _, err := s.checkReturn(ctx, rt)
	if err != nil {
		return c, Outcome{}, err
	}
	a, _ := identity.ActorFrom(ctx)
	now := s.d.Now().UTC()
	rt.Protocol.RecordedAt, rt.Protocol.RecordedBy, rt.Protocol.StaffName = now, a.UserID, a.Name
	for i := range rt.Protocol.NewDamages {
		rt.Protocol.NewDamages[i].Normalize()
	}
	rt.Readiness = fleet.ReadinessAfterReturn(rt.Protocol.Cleanliness, len(rt.Protocol.NewDamages))
	if c, err = s.d.Store.RecordReturn(ctx, rt); err != nil {
		return c, Outcome{}, err
	}
	if err := s.sendProtocol(ctx, c, KindReturn); err != nil {
		return c, Outcome{}, fmt.Errorf("contract %s returned; return protocol: %w", c.Number, err)
	}
	if !c.Billable() { // closed by the return: a free test drive, internal use or transfer is not billed
		return c, Outcome{Status: c.Status}, nil
	}
	out, err := s.Bill(ctx, c.ID)
	if err != nil {
		return c, out, fmt.Errorf("contract %s returned; billing: %w", c.Number, err)
	}
	c.Status = out.Status
	return c, out, nil
}

// checkReturn checks a return as Return takes it (see there) and gives
// the open contract and its handover protocol. Errors: KindNotFound,
// KindConflict (already returned), KindInvalid naming each field.
func (s *Service) checkReturn(ctx context.Context, rt *Return) (Contract, *Protocol, error) {
	c, err := s.d.Store.Contract(ctx, rt.ContractID)
	if err != nil {
		return c, nil, err
	}
	if c.Status != StatusOpen {
		return c, nil, errs.Conflict("contract_status")
	}
	f := append(errs.Fields{}, rt.Invalid...)
	rt.Protocol.Kind = KindReturn
	rt.Protocol.validateInto(&f)
	rt.Protocol.UnsignedReason = strings.TrimSpace(rt.Protocol.UnsignedReason)
	if len(rt.Protocol.SignaturePNG) == 0 && rt.Protocol.UnsignedReason == "" && !f.Has("signature") {
		f.Add("signature", "counter.sign_or_reason") // as at the handover: a signature or why there is none
	}
	ps, err := s.d.Store.Protocols(ctx, c.ID)
	if err != nil {
		return c, nil, err
	}
	var hand *Protocol
	for i, p := range ps {
		if p.Kind == KindHandover {
			hand = &ps[i]
			if rt.Protocol.OdometerKM < p.OdometerKM && !f.Has("km") {
				f.Add("km", "billing.km_below_handover", locale.Params{"km": locale.Km(p.OdometerKM)})
			}
		}
	}
	if hand != nil {
		// the car as it was handed over: a car that charged then records its
		// charge now (also a contract from before drive types were kept)
		rt.Protocol.checkEnergy(&f, c.Terms.DriveType, hand.FuelEighths,
			hand.ChargePercent != nil || fleet.RecordsCharge(c.Terms.DriveType))
	}
	if rt.StationID == 0 {
		rt.StationID = c.ReturnStationID
	}
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return c, nil, err
	}
	if rt.StationID != c.ReturnStationID && rt.StationID != c.StationID && !tn.OneWayAllowed {
		f.Add("station_id", "contract.no_one_way")
	}
	if a, _ := identity.ActorFrom(ctx); a.Kind == identity.ActorAPI {
		checkAPICharges(&f, rt.Protocol.NewDamages, tn.APIChargeLimitCents)
	}
	if err := f.Err(); err != nil {
		return c, nil, err
	}
	if hand == nil {
		return c, nil, fmt.Errorf("contract %s has no handover protocol", c.Number)
	}
	return c, hand, nil
}

// Preview is what a return would bill if it were recorded now: the final
// bill (days, km, fuel, cleaning, damages, advances deducted) and what
// happens to the money (charge to the card, pay back, deposit taken,
// released or refunded), computed by the same functions Bill uses.
type Preview struct {
	Bill billing.Bill
	// Deposit is the deposit held for the rental (cents; 0: none).
	Deposit int64
	// DepositMode is the tenant's billing.DepositCharge or DepositPreAuth.
	DepositMode string
	Settled     billing.Settlement
	// Advances are the numbers of the advance invoices the bill deducts.
	Advances []string
	// CardStored: the customer has a stored card that Settled.Charge goes
	// to; without one the amount stays open (payment_open) for the counter.
	CardStored bool
	// Waits is why billing cannot run yet after the return (the dealer's
	// settings are incomplete, see booking.Ready); nil: it runs at once.
	Waits error
	// Split is how the bill divides between the rental's payer and the
	// driver; Bill is the driver's part (all of it without a payer).
	Split Split
}

// PreviewReturn checks a return as Return does and computes what it would
// bill, without recording or charging anything. The damages entered on
// the form are billed as if they were stored. Errors: those of Return's
// checks, KindInvalid from billing.
func (s *Service) PreviewReturn(ctx context.Context, rt *Return) (Preview, error) {
	var pv Preview
	c, hand, err := s.checkReturn(ctx, rt)
	if err != nil {
		return pv, err
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return pv, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return pv, err
	}
	advances, numbers, err := s.advances(ctx, x, m)
	if err != nil {
		return pv, err
	}
	ret := rt.Protocol
	extra := make([]fleet.Damage, len(ret.NewDamages))
	for i, d := range ret.NewDamages {
		d.Normalize()
		d.ContractID, d.ReportedAt = c.ID, s.d.Now()
		extra[i] = d
	}
	b, err := s.compute(ctx, x, hand, &ret, advances, extra...)
	if err != nil {
		return pv, err
	}
	if pv.Split, err = s.split(ctx, x, b, advances, hand, &ret, extra...); err != nil {
		return pv, err
	}
	if l := rt.PreviewLang; l != "" && l.Or() != lang(x.Customer) {
		// the same bill, worded for the staff who read the preview
		xs := x
		xs.Customer.Language = string(l.Or())
		if b, err = s.compute(ctx, xs, hand, &ret, advances, extra...); err != nil {
			return pv, err
		}
		if pv.Split, err = s.split(ctx, xs, b, advances, hand, &ret, extra...); err != nil {
			return pv, err
		}
	}
	pv.Bill = pv.Split.Driver
	pv.Deposit, _ = depositHeld(m.recs)
	pv.DepositMode, pv.Advances = x.Tenant.DepositMode, numbers
	pv.Settled = billing.Settle(pv.Bill.Total, pv.Deposit, x.Tenant.DepositMode, x.Tenant.DepositSettlement)
	_, cerr := s.d.Store.CustomerCard(ctx, c.CustomerID)
	pv.CardStored = cerr == nil
	pv.Waits = booking.Ready(x.Tenant, x.Station)
	return pv, nil
}

// advances are the advance invoices of a contract's rental with their VAT
// rates, as the final invoice deducts them, and their numbers.
func (s *Service) advances(ctx context.Context, x cctx, m money) ([]invoice.Advance, []string, error) {
	var advances []invoice.Advance
	var numbers []string
	for _, d := range m.docs {
		if d.Kind != invoice.KindAdvance {
			continue
		}
		rates, err := s.d.Store.InvoiceRates(ctx, d.ID)
		if err != nil {
			return nil, nil, err
		}
		advances = append(advances, invoice.Advance{Number: d.Number, IssueDate: d.IssuedAt.In(x.Station.Location()), Rates: rates})
		numbers = append(numbers, d.Number)
	}
	return advances, numbers, nil
}

// checkAPICharges refuses damage charges over the tenant's limit per charge
// for API keys (tablet apps); staff in the admin web enter any amount.
func checkAPICharges(f *errs.Fields, damages []fleet.Damage, limit int64) {
	for i, d := range damages {
		if d.ChargeCents > limit {
			f.Add("damages."+itoa(i)+".charge_cents", "contract.api_charge_over_limit", locale.Params{"max": locale.Money(limit)})
		}
	}
}

// money is a contract's payment records, issued documents and receipts
// outside the gateway.
type money struct {
	recs []payment.Record
	docs []invoice.Summary // the driver's documents
	// payerDocs are the documents addressed to the rental's payers: their
	// receivables, outside the driver's ledger and settlement.
	payerDocs []invoice.Summary
	rcs       []Receipt
}

func (s *Service) money(ctx context.Context, c Contract) (money, error) {
	var m money
	var err error
	if m.recs, err = s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: c.ReservationID}); err != nil {
		return m, err
	}
	all, err := s.d.Issued.ListInvoices(ctx, invoice.Filter{ReservationID: c.ReservationID})
	if err != nil {
		return m, err
	}
	for _, d := range all {
		if d.PayerID != 0 {
			m.payerDocs = append(m.payerDocs, d)
		} else {
			m.docs = append(m.docs, d)
		}
	}
	if s.d.Receipts != nil {
		if m.rcs, err = s.d.Receipts.Receipts(ctx, c.ID); err != nil {
			return m, err
		}
	}
	return m, nil
}

// LedgerOf converts records and documents into the billing ledger.
func LedgerOf(c Contract, recs []payment.Record, docs []invoice.Summary) billing.Ledger {
	es := make([]billing.Entry, 0, len(recs))
	for _, r := range recs {
		es = append(es, billing.Entry{ID: r.ID, ParentID: r.ParentID, Op: string(r.Operation), Purpose: r.Purpose,
			Approved: r.Status == payment.StatusApproved, Cents: r.Amount.Cents})
	}
	ds := make([]billing.Doc, 0, len(docs))
	for _, d := range docs {
		ds = append(ds, billing.Doc{ID: d.ID, Kind: string(d.Kind), Gross: d.Gross, Due: d.Due, CorrectsID: d.CorrectsID})
	}
	return billing.LedgerOf(es, ds, c.DepositSetOffCents)
}

// Ledger returns the contract's ledger with its payments and documents;
// receipts outside the gateway (see RecordReceipt) count as paid.
func (s *Service) Ledger(ctx context.Context, id int64) (billing.Ledger, []payment.Record, []invoice.Summary, error) {
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return billing.Ledger{}, nil, nil, err
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return billing.Ledger{}, nil, nil, err
	}
	return ledgerWith(c, m), m.recs, m.docs, nil
}

// Bill runs the automatic billing of a returned contract: the tariff on the
// actual period and km, refuelling, cleaning and the damage charges of the
// return; a final invoice deducting the advance invoices with their VAT
// (§ 14 Abs. 5 UStG); the difference charged to the stored card
// (merchant-initiated) or, when the advances exceed the final amount,
// refunded on the card payments — the final invoice shows that amount as
// paid back, and no credit note books the same money again; the deposit
// released or set off per tenant setting. A
// declined charge leaves the invoice issued, the contract payment_open and
// queues a payment-failed notice. A staff extension charge still waiting
// for its outcome stops billing before anything is taken (KindConflict
// "billing_charge_pending"; the contract goes back to returned and
// ResumeBilling goes on later): its advance invoice, issued with its
// approved outcome, is then deducted like any other. The contract is claimed (returned →
// billed) first, so two concurrent calls never bill twice (KindConflict),
// and everything billed is read after the claim: a change to the rental's
// workshop order or cover holds the contract row and is refused once the
// contract is claimed, so the documents carry what staff were last told
// was saved (also while a run a stopped process left is still claimed).
//
// Billing is resumable: when it stops before the final invoice is issued
// (even after money was taken), the contract goes back to "returned" and a
// new call continues. Money already taken for the contract's final order
// (approved, not voided card charges and deposit captures) is counted and
// never taken again; a final charge or deposit capture whose outcome is
// still unknown stops billing with KindConflict until payment
// reconciliation has resolved it (the invoice never says "not paid" for
// money that may have been taken). A retried charge reuses the order id of
// an attempt that provably never reached the gateway, so the gateway would
// refuse a duplicate. After the final invoice the run goes on from its last
// recorded step — credit note and refund, deposit release — and the
// contract is marked billed (or payment_open) with BilledAt only at the
// end; ResumeBilling finishes a run a stopped process left.
func (s *Service) Bill(ctx context.Context, id int64) (Outcome, error) {
	var out Outcome
	if err := s.d.Store.SetContractStatus(ctx, id, []Status{StatusReturned}, StatusBilled); err != nil {
		return out, err
	}
	return s.billClaimed(ctx, id)
}

// billClaimed bills contract id, which this run has claimed (billed, no
// BilledAt).
func (s *Service) billClaimed(ctx context.Context, id int64) (Outcome, error) {
	var out Outcome
	issued := false
	var tenantID int64
	defer func() {
		if issued {
			// billed by hand after the resume job failed: its note goes
			s.jobs().Clear(ctx, JobResumeBilling, job.Subject{Kind: job.KindContract, ID: id, TenantID: tenantID})
		}
		// billing stopped before the final invoice: give the contract back to
		// "returned" so billing can run again (money taken is detected then)
		if !issued {
			if err := s.d.Store.SetContractStatus(context.WithoutCancel(ctx), id, []Status{StatusBilled}, StatusReturned); err != nil {
				s.d.Log.ErrorContext(ctx, "contract: could not reopen billing", "contract_id", id, "err", err)
			}
		}
	}()
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return out, err
	}
	tenantID = c.TenantID
	x, err := s.load(ctx, c)
	if err != nil {
		return out, err
	}
	// the final invoice needs the dealer's setup: checked before any charge
	// (the contract stays returned until staff complete the settings)
	if err := booking.Ready(x.Tenant, x.Station); err != nil {
		s.d.Log.WarnContext(ctx, "contract: billing waits for the tenant's settings", "contract", c.Number, "err", err)
		return out, err
	}
	if !c.Kind.Billed() { // a test drive with a fee: its one invoice
		out, issued, err = s.billTestDriveFee(ctx, x)
		return out, err
	}
	fb, err := s.finalBill(ctx, x)
	if err != nil {
		return out, err
	}
	m, advances, sp := fb.m, fb.advances, fb.split
	b := sp.Driver
	out.Bill, out.Split = b, sp
	orderID := c.Number + "-F"
	prior := takenBefore(m.recs, orderID)
	var final *invoice.Summary
	for i := range m.docs {
		if m.docs[i].Kind == invoice.KindFinal {
			final = &m.docs[i]
		}
	}
	if final == nil {
		// no final invoice for the driver: the payer's documents, issued in
		// the same transaction it would have been, mark billing's step 2
		for i := range m.payerDocs {
			if m.payerDocs[i].ContractID == c.ID {
				final = &m.payerDocs[i]
				break
			}
		}
	}
	if prior.inDoubt && final == nil {
		return out, errs.Conflict("payment_unverified")
	}
	deposit, depRec := depositHeld(m.recs)
	if prior.captured > 0 {
		// an earlier run captured part of the deposit: settle on what was held then
		deposit += prior.captured
		depRec = prior.deposit
	}
	// the final invoice and the damage compensation claim are settled
	// together: one charge (or refund) for what they come to
	set := billing.Settle(b.Total, deposit, x.Tenant.DepositMode, x.Tenant.DepositSettlement)
	out.Settled = set
	out.Status = StatusBilled
	if final != nil {
		// an earlier run issued the final invoice: go on after it
		issued = true
		return s.afterFinal(ctx, x, c, *final, set, depRec, out)
	}

	// a staff extension charge still waiting for its outcome (and its
	// advance invoice): nothing is taken, billing goes on once it is done
	if chargePending(m.recs) {
		return out, errs.New(errs.KindConflict, "billing_charge_pending")
	}
	// one approved without its advance invoice goes back on the card: the
	// final invoice bills the whole period
	if refunded, err := s.refundUndocumented(ctx, c, m); err != nil {
		return out, err
	} else if refunded {
		if m, err = s.money(ctx, c); err != nil {
			return out, err
		}
	}

	// 1. take what is owed and not yet taken: from the deposit first
	// (set_off), then the card
	rest := max(set.CaptureDeposit+set.Charge-prior.captured-prior.charged, 0)
	capture := min(max(set.CaptureDeposit-prior.captured, 0), rest)
	set.Charge = rest - capture
	if capture > 0 && depRec != nil {
		rec, err := s.d.Payments.Capture(ctx, depRec.ID, payment.Amount{Cents: capture, Currency: "EUR"})
		if rec.Status.Open() {
			return out, errs.New(errs.KindConflict, "billing_payment_pending")
		}
		if err != nil || rec.Status != payment.StatusApproved {
			// could not take it from the deposit: charge the card instead
			set.Charge += capture
			s.d.Log.WarnContext(ctx, "contract: deposit capture failed; charging the card", "contract", c.Number, "err", err, "status", rec.Status)
		}
	}
	if prior.charge != nil {
		out.Charge = prior.charge
	}
	if set.SetOffDeposit > 0 {
		if err := s.d.Store.SetDepositSetOff(ctx, c.ID, set.SetOffDeposit); err != nil {
			return out, err
		}
		c.DepositSetOffCents = set.SetOffDeposit
	}
	paid := true
	noCard := false                 // a counter customer: the rest is paid at the counter, no card was refused
	pay := cardPayment(m.recs, nil) // settled by the advances, or refunded on their card
	if set.Charge == 0 && set.CaptureDeposit > 0 && depRec != nil {
		pay = cardPayment(m.recs, depRec)
	}
	if set.Charge > 0 {
		// A gateway refuses a second sale under an order id it has seen
		// (even a declined one): a top-up after an earlier attempt the
		// gateway answered gets its own order id ("-F<n>"); one after an
		// attempt that never reached it reuses that one (payment.RetryOrderID).
		chargeOrder := payment.RetryOrderID(m.recs, orderID, fmt.Sprintf("%s%d", orderID, len(m.recs)+1))
		rec, err := s.chargeCard(ctx, x, PurposeFinal, chargeOrder, set.Charge)
		if e := unsettled(rec, err, "billing_payment_pending", "billing_gateway_unreachable"); e != nil {
			return out, e
		}
		out.Charge = &rec
		paid = err == nil && rec.Status == payment.StatusApproved
		noCard = rec.ID == 0 && errs.Is(err, errs.KindNotFound)
		out.NoCard = noCard
		pay = cardPayment(m.recs, &rec)
		if !paid {
			out.Status = StatusPaymentOpen
			pay = invoice.Payment{Means: invoice.MeansOpen, TermsDays: PaymentTermsDays}
		}
	} else if prior.charge != nil {
		pay = cardPayment(m.recs, prior.charge)
	}
	// 2. the final invoice (and the damage compensation claim with it, in
	// one transaction), e-mailed with their payment notes or a
	// payment-failed notice
	l := lang(x.Customer)
	if sp.NoFinal {
		advances = nil // credited after issue (creditAdvances), not deducted
	}
	inv := s.invoiceFor(x, invoice.KindFinal, b.Lines, advances)
	inv.ServicePeriod = invoice.Period{From: c.Start, To: *c.EndedAt}
	inv.Payment = pay
	var claim *invoice.IssueRequest
	var claimIss *invoice.Issued
	if b.CompensationCents > 0 {
		ci := s.invoiceFor(x, invoice.KindStandalone, b.Compensation, nil)
		ci.ServicePeriod = inv.ServicePeriod
		ci.Payment = pay
		if offset := min(b.CompensationCents, max(-b.Due, 0)); offset > 0 {
			// the final invoice pays back: set off against the claim
			inv.Payment = invoice.Payment{Means: invoice.MeansOffset}
			if offset < -b.Due {
				inv.Payment = pay
				inv.Payment.Cents = -b.Due - offset
				inv.Note += "\n" + l.T("docpay.offset_final", locale.Params{"amount": locale.Money(offset)})
			}
			ci.Payment = invoice.Payment{Means: invoice.MeansOffset}
			if offset < b.CompensationCents {
				ci.Payment = pay
				ci.Payment.Cents = b.CompensationCents - offset
				ci.Note += "\n" + l.T("docpay.offset_claim", locale.Params{"amount": locale.Money(offset)})
			}
		}
		claimIss = &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
			Language: string(l), Invoice: ci}
		claim = &invoice.IssueRequest{Issued: claimIss, Loc: x.Station.Location(), Render: s.render(ctx, x), EInvoice: s.einvoice(ctx, x),
			Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
				msg, err := s.d.Mailer.Compensation(x.MailContext, is, pdf)
				if err != nil {
					return nil, err
				}
				msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
				return []mail.Queued{s.queued(x, msg)}, nil
			}}
	}
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		Language: string(l), Invoice: inv}
	req := invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(),
		Render: s.render(ctx, x), EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			msg, err := s.d.Mailer.FinalInvoice(x.MailContext, is, pdf)
			if err != nil {
				return nil, err
			}
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			qs := []mail.Queued{s.queued(x, msg)}
			if !paid && !noCard { // without a stored card the invoice itself asks for payment
				n, err := s.d.Mailer.PaymentFailed(x.MailContext, is.Invoice.Number, set.Charge)
				if err != nil {
					return nil, err
				}
				qs = append(qs, s.queued(x, n))
			}
			return qs, nil
		}}
	// the final invoice, the claim and the payer's documents: all in one
	// transaction, so a retried billing run finds all or none of them
	var docs []invoice.IssueRequest
	if !sp.NoFinal {
		docs = append(docs, req)
	}
	if claim != nil {
		docs = append(docs, *claim)
	}
	payerReqs := s.payerRequests(ctx, x, sp, inv.ServicePeriod)
	docs = append(docs, payerReqs...)
	if len(docs) == 0 {
		if !sp.Collective() {
			return out, fmt.Errorf("contract %s: nothing to invoice", c.Number)
		}
		// the collective payer pays everything, on its collective
		// invoice: nothing to issue now (a rerun finds nothing either)
		issued = true
		return s.afterFinal(ctx, x, c, invoice.Summary{}, set, depRec, out)
	}
	first := docs[0]
	first.With = docs[1:]
	if err = s.d.Invoices.IssueInvoice(ctx, first); err != nil {
		return out, err
	}
	if claimIss != nil {
		out.Compensation = claimIss
	}
	for _, r := range payerReqs {
		out.PayerInvoices = append(out.PayerInvoices, *r.Issued)
	}
	issued = true
	var summary invoice.Summary
	if sp.NoFinal {
		summary = invoice.Summary{ID: first.Issued.ID, Kind: first.Issued.Invoice.Kind, Number: first.Issued.Invoice.Number,
			IssuedAt: first.Issued.IssuedAt, PayerID: first.Issued.PayerID}
	} else {
		out.Final = *iss
		summary = invoice.Summary{ID: iss.ID, Kind: invoice.KindFinal, Number: iss.Invoice.Number, IssuedAt: iss.IssuedAt}
	}
	return s.afterFinal(ctx, x, c, summary, set, depRec, out)
}

// finalBillOf is a returned rental's final bill as billing computes it:
// the money recorded so far, the advances it deducts and the split between
// payer and driver.
type finalBillOf struct {
	m         money
	advances  []invoice.Advance
	split     Split
	hand, ret *Protocol
	bill      billing.Bill // the whole rental's bill, before the split
}

// finalBill computes the final bill of returned contract x from its
// handover and return protocols and the money recorded, split per the
// rental's cover: the driver's final invoice, settlement and card carry
// only the driver's share (split.Driver), the payer's is split.PayerShare.
func (s *Service) finalBill(ctx context.Context, x cctx) (finalBillOf, error) {
	var fb finalBillOf
	ps, err := s.d.Store.Protocols(ctx, x.Contract.ID)
	if err != nil {
		return fb, err
	}
	var hand, ret *Protocol
	for i := range ps {
		switch ps[i].Kind {
		case KindHandover:
			hand = &ps[i]
		case KindReturn:
			ret = &ps[i]
		}
	}
	if hand == nil || ret == nil {
		return fb, errors.New("contract without both protocols")
	}
	fb.hand, fb.ret = hand, ret
	if fb.m, err = s.money(ctx, x.Contract); err != nil {
		return fb, err
	}
	if fb.advances, _, err = s.advances(ctx, x, fb.m); err != nil {
		return fb, err
	}
	b, err := s.compute(ctx, x, hand, ret, fb.advances)
	if err != nil {
		return fb, err
	}
	fb.bill = b
	fb.split, err = s.split(ctx, x, b, fb.advances, hand, ret)
	return fb, err
}

// afterFinal runs the steps of billing after the final invoice final,
// each skipped when an earlier run recorded it done: 3. the final invoice
// pays set.Refund back on the card payments (no credit note: it would book
// the same money a second time; refunds made since the invoice count as
// done), 4. the deposit's release or refund, and then ends billing
// (billed, or payment_open while money is open).
func (s *Service) afterFinal(ctx context.Context, x cctx, c Contract, final invoice.Summary, set billing.Settlement,
	depRec *payment.Record, out Outcome) (Outcome, error) {
	m, err := s.money(ctx, c)
	if err != nil {
		return out, err
	}
	// 3. the driver owes nothing of the rental: the advances are credited
	if out.Split.NoFinal {
		s.creditAdvances(ctx, x, m)
		if m, err = s.money(ctx, c); err != nil {
			return out, err
		}
	}
	// the advances exceed the final amount: pay the difference back
	if set.Refund > 0 {
		srcs, total := refundable(m.recs)
		if owed := set.Refund - refundedSince(m.recs, final.IssuedAt); owed > 0 {
			if total < owed {
				s.d.Log.ErrorContext(ctx, "contract: less was paid by card than the final invoice pays back; staff must pay out the rest",
					"contract", c.Number, "refund", owed, "on_card", total)
			}
			s.refundOn(ctx, c, srcs, min(owed, total))
		}
	}
	// 4. the rest of the deposit goes back
	if depRec != nil && !reversalOpen(m.recs, depRec.ID) {
		held, _ := depositHeld(m.recs)
		switch {
		case held <= 0:
		case set.ReleasePreAuth:
			if rec, err := s.d.Payments.VoidPreAuth(ctx, depRec.ID); err != nil || rec.Status != payment.StatusApproved {
				s.d.Log.ErrorContext(ctx, "contract: deposit release failed; staff must release it", "contract", c.Number, "err", err, "status", rec.Status)
			}
		case set.DepositRefund > 0:
			if rec, err := s.d.Payments.Refund(ctx, depRec.ID, payment.Amount{Cents: min(set.DepositRefund, held), Currency: "EUR"}); err != nil || rec.Status != payment.StatusApproved {
				s.d.Log.ErrorContext(ctx, "contract: deposit refund failed; staff must refund it", "contract", c.Number, "err", err, "status", rec.Status)
			}
		}
	}
	if m, err = s.money(ctx, c); err != nil {
		return out, err
	}
	if c.DepositSetOffCents == 0 {
		c.DepositSetOffCents = set.SetOffDeposit
	}
	out.Status = StatusBilled
	if ledgerWith(c, m).Open() > 0 {
		out.Status = StatusPaymentOpen
	}
	if err := s.d.Store.FinishBilling(context.WithoutCancel(ctx), c.ID, out.Status); err != nil {
		return out, err
	}
	return out, nil
}

// compute is the final bill of contract x from its terms snapshot, its
// handover and return protocols, the damage charges entered for it and the
// advances to deduct (billing.Compute).
func (s *Service) compute(ctx context.Context, x cctx, hand, ret *Protocol, advances []invoice.Advance, unstored ...fleet.Damage) (billing.Bill, error) {
	c := x.Contract
	damages, err := s.d.Vehicles.ListDamages(identity.WithActor(ctx, identity.SystemFor(x.Tenant.ID)), c.VehicleID, false)
	if err != nil {
		return billing.Bill{}, err
	}
	damages = append(damages, unstored...)
	var charges []billing.Charge
	for _, d := range damages {
		if d.ContractID == c.ID && d.ChargeCents > 0 && !d.ReportedAt.Before(c.Start) {
			charges = append(charges, billing.Charge{Description: damageLabel(lang(x.Customer), d.Kind, d.Description), Cents: d.ChargeCents})
		}
	}
	end := s.d.Now()
	if c.EndedAt != nil {
		end = *c.EndedAt
	}
	return billing.Compute(billing.Input{Terms: x.terms(), Loc: x.Station.Location(),
		Out: billing.Reading{At: c.Start, KM: hand.OdometerKM, FuelEighths: hand.FuelEighths, Cleanliness: hand.Cleanliness,
			ChargePercent: hand.ChargePercent},
		In: billing.Reading{At: end, KM: ret.OdometerKM, FuelEighths: ret.FuelEighths, Cleanliness: ret.Cleanliness,
			ChargePercent: ret.ChargePercent},
		Damages: charges, Advances: advances, Lang: lang(x.Customer)})
}

// reversalOpen reports whether a capture, void or refund of payment id is
// still waiting for its outcome (a second one is never sent meanwhile).
func reversalOpen(recs []payment.Record, id int64) bool {
	for _, r := range recs {
		if r.ParentID == id && r.Status.Open() {
			return true
		}
	}
	return false
}

// refundedSince is what was refunded (or is being refunded) on the
// rent and charge payments in recs since at: the pay-back of a final
// invoice issued at at that an earlier billing run already sent.
func refundedSince(recs []payment.Record, at time.Time) int64 {
	deposit := map[int64]bool{}
	for _, r := range recs {
		if r.ParentID == 0 && r.Purpose == PurposeDeposit {
			deposit[r.ID] = true
		}
	}
	var sum int64
	for _, r := range recs {
		if r.Operation == payment.OpRefund && !deposit[r.ParentID] && !r.CreatedAt.Before(at) &&
			(r.Status == payment.StatusApproved || r.Status.Open()) {
			sum += r.Amount.Cents
		}
	}
	return sum
}

// taken is the money an earlier, interrupted billing run already took.
type taken struct {
	charged  int64           // approved, not voided card charges of the final order
	charge   *payment.Record // the newest of them
	inDoubt  bool            // a final charge or a deposit capture is pending or its outcome unknown
	attempts int             // sales sent for the final orders, whatever their outcome
	captured int64           // approved captures of the deposit
	deposit  *payment.Record // the deposit they were captured from
}

// takenBefore finds what earlier billing runs took for the final order
// orderID: card charges (not voided) and deposit captures (billing is the
// only place that captures a deposit).
func takenBefore(recs []payment.Record, orderID string) taken {
	var t taken
	voided := map[int64]bool{}
	for _, r := range recs {
		if r.ParentID != 0 && r.Status == payment.StatusApproved && (r.Operation == payment.OpVoid || r.Operation == payment.OpVoidPreAuth) {
			voided[r.ParentID] = true
		}
	}
	for i := range recs {
		r := &recs[i]
		switch {
		case r.ParentID == 0 && strings.HasPrefix(r.OrderID, orderID) && (r.Operation == payment.OpTokenSale || r.Operation == payment.OpSale):
			t.attempts++
			switch r.Status {
			case payment.StatusApproved:
				if !voided[r.ID] {
					t.charged += r.Amount.Cents
					t.charge = r
				}
			case payment.StatusPending, payment.StatusUnknown:
				t.inDoubt = true
			}
		case r.Operation == payment.OpCapture && r.Status.Open():
			t.inDoubt = true
		case r.Operation == payment.OpCapture && r.Status == payment.StatusApproved:
			for j := range recs {
				if d := &recs[j]; d.ID == r.ParentID && d.Purpose == PurposeDeposit {
					t.captured += r.Amount.Cents
					t.deposit = d
				}
			}
		}
	}
	return t
}

// depositHeld finds the approved deposit payment of a booking and what of
// it is still held.
func depositHeld(recs []payment.Record) (int64, *payment.Record) {
	var dep *payment.Record
	for i := range recs {
		r := &recs[i]
		if r.ParentID == 0 && r.Purpose == PurposeDeposit && r.Status == payment.StatusApproved {
			dep = r
		}
	}
	if dep == nil {
		return 0, nil
	}
	held := payment.Left(recs, *dep)
	if held <= 0 {
		return 0, nil
	}
	return held, dep
}

// chargeCard charges the customer's stored card, merchant-initiated.
func (s *Service) chargeCard(ctx context.Context, x cctx, purpose, orderID string, cents int64) (payment.Record, error) {
	cardID, err := s.d.Store.CustomerCard(ctx, x.Contract.CustomerID)
	if err != nil {
		return payment.Record{Status: payment.StatusFailed, Message: "no stored card"}, err
	}
	return s.d.Payments.TokenSale(ctx, paymentLinks(x.Contract, purpose), orderID, payment.Amount{Cents: cents, Currency: "EUR"},
		cardID, rentalOf(x))
}

// paymentLinks links a payment for purpose to contract c.
func paymentLinks(c Contract, purpose string) payment.Links {
	return payment.Links{ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID, Purpose: purpose}
}

// rentalOf is the rental data a card charge of contract x sends.
func rentalOf(x cctx) *payment.Rental {
	c := x.Contract
	end := c.PlannedEnd
	if c.EndedAt != nil {
		end = *c.EndedAt
	}
	return &payment.Rental{AgreementNumber: c.Number, RenterName: x.Customer.Name(), PickupDate: c.Start, ReturnDate: end,
		PickupLocation: x.Station.City, ReturnLocation: x.ReturnStation.City}
}

// refundUndocumented refunds, in full, every approved staff extension
// charge of m that has no document of its own (an advance invoice, or a
// standalone one issued before extensions were always advances, of the
// same amount): its process stopped between the gateway's approval and
// the invoice, or the payment reconciler resolved an answer the charge
// never got. The final invoice bills the whole period, so that money
// would otherwise be kept twice and without a document. It reports
// whether it refunded anything. Errors: KindConflict
// "billing_charge_refund_failed" when a refund is not approved (billing
// then waits: nothing is charged twice), those of reading the documents.
func (s *Service) refundUndocumented(ctx context.Context, c Contract, m money) (bool, error) {
	back := map[int64]bool{}
	var charges []payment.Record
	for _, r := range m.recs {
		if r.Operation == payment.OpRefund && (r.Status == payment.StatusApproved || r.Status.Open()) {
			back[r.ParentID] = true
		}
	}
	for _, r := range m.recs {
		if r.ParentID == 0 && r.Purpose == PurposeExtension && r.Status == payment.StatusApproved && !back[r.ID] {
			charges = append(charges, r)
		}
	}
	if len(charges) == 0 {
		return false, nil
	}
	var documented []int64 // the gross amounts of the extensions' documents
	for _, d := range m.docs {
		if d.Kind != invoice.KindAdvance && d.Kind != invoice.KindStandalone {
			continue
		}
		iss, err := s.d.Store.IssuedInvoice(ctx, d.ID)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(iss.Invoice.Lines, func(l invoice.Line) bool { return l.Kind == PurposeExtension }) {
			documented = append(documented, d.Gross)
		}
	}
	refunded := false
	for _, r := range charges {
		if i := slices.Index(documented, r.Amount.Cents); i >= 0 {
			documented = slices.Delete(documented, i, i+1)
			continue
		}
		ref, err := s.d.Payments.Refund(ctx, r.ID, r.Amount)
		if err != nil || ref.Status != payment.StatusApproved {
			s.d.Log.ErrorContext(ctx, "contract: an extension charge has no invoice and its refund failed; staff must refund it",
				"contract", c.Number, "payment_id", r.ID, "err", err, "status", ref.Status)
			return refunded, errs.New(errs.KindConflict, "billing_charge_refund_failed")
		}
		s.d.Log.WarnContext(ctx, "contract: an extension charge had no invoice; refunded before billing", "contract", c.Number,
			"payment_id", r.ID, "cents", r.Amount.Cents)
		refunded = true
	}
	return refunded, nil
}

// chargePending reports whether a staff extension charge in recs is still
// waiting for its outcome: billing must not issue the final invoice
// before it (its advance invoice, deducted there, is issued with the
// approved outcome, in one transaction).
func chargePending(recs []payment.Record) bool {
	for _, r := range recs {
		if r.ParentID == 0 && r.Purpose == PurposeExtension && r.Status.Open() {
			return true
		}
	}
	return false
}

// credit issues a credit note correcting invoice correctsID, paid back as
// to says: with invoice.MeansCard its amount is refunded on the approved
// card payments of the contract, newest first (more than they hold is
// KindInvalid); otherwise the caller pays it out (to names how).
func (s *Service) credit(ctx context.Context, x cctx, correctsID int64, correctsNumber string, cents int64, line invoice.Line, to invoice.Payment) (invoice.Issued, error) {
	c := x.Contract
	m, err := s.money(ctx, c)
	if err != nil {
		return invoice.Issued{}, err
	}
	srcs, total := refundable(m.recs)
	if to.Means != invoice.MeansCard {
		srcs = nil
	} else if cents > total {
		return invoice.Issued{}, errs.Invalid("error.fields_invalid", errs.Field("amount", "refund.card_max", locale.Params{"max": locale.Money(total)}))
	}
	inv := s.invoiceFor(x, invoice.KindCreditNote, []invoice.Line{line}, nil)
	end := c.PlannedEnd
	if c.EndedAt != nil {
		end = *c.EndedAt
	}
	inv.ServicePeriod = invoice.Period{From: c.Start, To: end}
	inv.Corrects = &invoice.Reference{Number: correctsNumber}
	for _, d := range m.docs {
		if d.ID == correctsID {
			inv.Corrects.IssueDate = d.IssuedAt.In(x.Station.Location())
		}
	}
	inv.Payment = to
	if to.Means == invoice.MeansCard && len(srcs) > 0 {
		inv.Payment.CardLast4 = srcs[0].card
	}
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		CorrectsID: correctsID, Language: string(lang(x.Customer)), Invoice: inv}
	err = s.d.Invoices.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x),
		EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			msg, err := s.d.Mailer.CreditNote(x.MailContext, is, correctsNumber, pdf)
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			return []mail.Queued{s.queued(x, msg)}, err
		}})
	if err != nil {
		return invoice.Issued{}, err
	}
	s.refundOn(ctx, c, srcs, cents)
	return *iss, nil
}

// source is a card payment of a contract that can still be refunded.
type source struct {
	id   int64
	left int64  // charged minus refunded
	card string // its card's last four digits
}

// refundable lists the approved card charges of recs (not the deposit)
// with what is left to refund on each, newest first, and their sum.
func refundable(recs []payment.Record) ([]source, int64) {
	refunded := map[int64]int64{}
	for _, r := range recs {
		if r.Operation == payment.OpRefund && (r.Status == payment.StatusApproved || r.Status.Open()) {
			refunded[r.ParentID] += r.Amount.Cents
		}
	}
	var srcs []source
	var total int64
	for _, r := range recs {
		if r.ParentID == 0 && r.Purpose != PurposeDeposit && r.Status == payment.StatusApproved &&
			(r.Operation == payment.OpSale || r.Operation == payment.OpTokenSale) {
			if left := r.Amount.Cents - refunded[r.ID]; left > 0 {
				srcs = append(srcs, source{r.ID, left, r.Card.Last4})
				total += left
			}
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].id > srcs[j].id })
	return srcs, total
}

// refundOn refunds cents on srcs in their order; a refund the gateway
// refuses is logged for staff (the booking job retries failed refunds).
func (s *Service) refundOn(ctx context.Context, c Contract, srcs []source, cents int64) {
	left := cents
	for _, sr := range srcs {
		if left == 0 {
			break
		}
		amt := min(left, sr.left)
		rec, err := s.d.Payments.Refund(ctx, sr.id, payment.Amount{Cents: amt, Currency: "EUR"})
		if err != nil || rec.Status != payment.StatusApproved {
			s.d.Log.ErrorContext(ctx, "contract: refund failed; staff must refund it", "contract", c.Number, "payment_id", sr.id, "err", err, "status", rec.Status)
			continue
		}
		left -= amt
	}
}

// PaymentTermsDays is the payment term of a final invoice whose card charge
// did not go through.
const PaymentTermsDays = 14

// cardPayment is a document's payment on the card of rec, or, rec nil, on
// the card of the newest approved card payment in recs (what the advances
// were paid with); open when there is none.
func cardPayment(recs []payment.Record, rec *payment.Record) invoice.Payment {
	last4 := ""
	if rec != nil {
		last4 = rec.Card.Last4
	}
	if last4 == "" {
		last4 = payment.CardLast4(recs)
	}
	if last4 == "" && rec == nil {
		return invoice.Payment{Means: invoice.MeansOpen, TermsDays: PaymentTermsDays}
	}
	return invoice.Payment{Means: invoice.MeansCard, CardLast4: last4}
}

func (s *Service) invoiceFor(x cctx, k invoice.Kind, lines []invoice.Line, advances []invoice.Advance) invoice.Invoice {
	tn, cu := x.Tenant, x.Customer
	inv := invoice.Invoice{Kind: k, Currency: "EUR", Lines: lines, Advances: advances,
		Supplier: invoice.Party{Name: Branding(tn).LegalName, Address: invoice.Address{Street: tn.Street, PostalCode: tn.PostalCode,
			City: tn.City, Country: tn.Country}, VATID: tn.VATID, TaxNumber: tn.TaxNumber},
		Recipient: invoice.Party{Name: cu.Name(), Address: invoice.Address{Street: cu.Street, PostalCode: cu.PostalCode,
			City: cu.City, Country: cu.Country}, VATID: cu.VATID}}
	inv.Note = lang(cu).T("invoice.note.contract", locale.Params{"number": x.Contract.Number})
	if x.WorkshopRef != "" { // the workshop order is on every document of the rental
		inv.Note += "\n" + lang(cu).T("invoice.note.workshop_order", locale.Params{"ref": x.WorkshopRef})
	}
	return inv
}

func (s *Service) render(ctx context.Context, x cctx) func(inv invoice.Invoice) ([]byte, error) {
	return func(inv invoice.Invoice) ([]byte, error) {
		return s.d.Renderer.Invoice(ctx, invoiceDoc(x, inv))
	}
}

// invoiceDoc is what an invoice of the contract is rendered from.
func invoiceDoc(x cctx, inv invoice.Invoice) document.InvoiceDoc {
	return document.InvoiceDoc{Lang: lang(x.Customer), Location: x.Station.Location(),
		Branding: Branding(x.Tenant), Invoice: inv}
}

// einvoice returns the hook issuing an e-invoice with an invoice of a
// business customer's contract (nil for a consumer, or without an
// EInvoicer); see document.EInvoiceHook.
func (s *Service) einvoice(ctx context.Context, x cctx) func(invoice.Invoice) (*invoice.EFile, error) {
	if s.d.EInvoicer == nil || !document.IsBusiness(x.Customer.Company, x.Customer.VATID) {
		return nil
	}
	return document.EInvoiceHook(ctx, s.d.EInvoicer, s.d.Log, func(inv invoice.Invoice) document.EInvoiceDoc {
		return document.EInvoiceDoc{InvoiceDoc: invoiceDoc(x, inv), BuyerEmail: x.Customer.Email,
			ContractNumber: x.Contract.Number}
	})
}

// damageLabel is the invoice line of a damage charge: its description, or
// its translated kind.
func damageLabel(l document.Lang, kind, desc string) string {
	if desc != "" {
		return l.T("invoice.line.damage", locale.Params{"description": desc})
	}
	return l.T("invoice.line.damage_kind", locale.Params{"kind": locale.Key("damage.kind." + kind)})
}
