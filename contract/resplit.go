package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
)

// Re-split after billing (issue 17, point 3: "a cover change re-computes
// the split with credit notes where needed"). An insurer refusing the
// claim after the return, a manufacturer programme found to apply, or a
// courtesy car decided afterwards: the rental's bill stays what billing
// computed from its protocols; only who pays what changes. PlanResplit
// shows staff the documents a new cover makes necessary, Resplit issues
// exactly those, together with the new cover, in one transaction:
//
//   - every payer document of the old cover still open is cancelled by a
//     credit note to that payer (a payer that has already paid part of it
//     must be dealt with first: its transfer reversed or the difference
//     credited by hand — refused, nothing changes);
//   - the new payer's share is invoiced as billing would have at the
//     return (invoice for the taxed share, claim for damage compensation,
//     its payment terms, XRechnung, e-mail);
//   - the driver's share changes by the difference per kind of line (rent,
//     km, fuel, …): what the driver now pays more is invoiced and charged
//     to the stored card (else left open at the counter), what the driver
//     paid too much is credited against the final invoice (or the damage
//     claim) and refunded on the card.
//
// A period change after billing is not re-split here: staff correct it by
// credit note and later charge as before.

// Correction is a change to a billed rental: who pays (Cover) and, when
// End is set, when the car really came back (a return recorded late or
// early). Either changes the split; a new end also the bill.
type Correction struct {
	Cover payer.Cover
	End   time.Time // zero: as recorded
}

// ResplitDoc is one document a re-split issues, as the plan lists it.
type ResplitDoc struct {
	Kind       invoice.Kind // KindStandalone or KindCreditNote
	Recipient  string       // the payer's name, or the driver's
	PayerID    int64        // 0: the driver
	Corrects   string       // a credit note: the number of the document it corrects
	Lines      []invoice.Line
	Gross      int64 // positive
	NotSubject bool  // damage compensation (not subject to VAT)

	correctsID int64
}

// ResplitPlan is what changing a billed rental's cover to New issues.
type ResplitPlan struct {
	Contract Contract
	Old, New Split
	// Docs are the documents in issue order: payer credit notes, the new
	// payer's documents, then the driver's.
	Docs []ResplitDoc
	// DriverDelta is what the driver pays more (> 0) or gets back (< 0).
	DriverDelta int64
	// PayerBefore and PayerAfter are what payers are invoiced for the
	// rental before and after (gross cents, all payers).
	PayerBefore, PayerAfter int64
	// End is the rental's end the plan bills (the recorded one, or the
	// correction's); EndChanged whether it differs from the recorded one.
	End         time.Time
	EndChanged  bool
	RecordedEnd time.Time
	// Token identifies the state the plan was computed on: Resplit
	// refuses a plan whose rental changed since (KindConflict
	// "resplit_stale").
	Token string
}

// DriverRefund is what the driver gets back (-DriverDelta; 0 when the
// driver pays more or the same).
func (p ResplitPlan) DriverRefund() int64 { return max(-p.DriverDelta, 0) }

// Changes reports whether the plan issues any document.
func (p ResplitPlan) Changes() bool { return len(p.Docs) > 0 }

// coverResplitter is the store that replaces a billed rental's cover and
// issues its corrections in one transaction (the adapter store).
type coverResplitter interface {
	ResplitCover(ctx context.Context, old, c payer.Cover, end *time.Time, docs invoice.IssueRequest) error
}

// PlanResplit returns the documents that correction co of billed contract
// id (its cover, and its end when set) would issue, without changing
// anything (co.Cover is normalized; its Terms set as Resplit would keep
// them). Errors: KindNotFound; KindInvalid with field errors (the cover as
// SetCover checks it; "ended_at": before the handover or in the future);
// KindConflict "resplit_not_billed" (not billed yet: change
// the cover itself), "resplit_billing_unfinished" (billing stopped half
// way and is not finished yet), "resplit_kind" (test drive, internal use,
// transfer), "resplit_collective" (a collective payer before or after:
// its rentals are billed on the monthly collective invoice),
// "resplit_payer_paid" (a payer document has a transfer recorded),
// "resplit_drift" (documents changed by hand since billing: correct by
// credit note), "resplit_by_hand" (nothing to credit the driver against).
func (s *Service) PlanResplit(ctx context.Context, id int64, co *Correction) (ResplitPlan, error) {
	plan, _, err := s.planResplit(ctx, id, co)
	return plan, err
}

// resplitState is what Resplit needs beyond the plan.
type resplitState struct {
	reqs []invoice.IssueRequest
	// toCard is what the driver's credit notes refund on the card.
	toCard int64
	srcs   []source
}

func (s *Service) planResplit(ctx context.Context, id int64, co *Correction) (ResplitPlan, resplitState, error) {
	var plan ResplitPlan
	cv := &co.Cover
	var st resplitState
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return plan, st, err
	}
	plan.Contract = c
	if c.Status != StatusBilled && c.Status != StatusPaymentOpen {
		return plan, st, errs.Conflict("resplit_not_billed")
	}
	if c.BilledAt == nil {
		// billing stopped half way: it goes on with the cover it started
		// with (ResumeBilling), then the cover can change
		return plan, st, errs.Conflict("resplit_billing_unfinished")
	}
	if !c.Kind.Billed() {
		return plan, st, errs.Conflict("resplit_kind")
	}
	if s.d.Covers == nil || s.d.Payers == nil {
		return plan, st, errs.Conflict("resplit_not_billed")
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return plan, st, err
	}
	cv.ReservationID = c.ReservationID
	cv.Normalize()
	var p payer.Payer
	if cv.PayerID != 0 && cv.Mode != payer.ModeDriver {
		if p, err = s.d.Payers.Payer(ctx, cv.PayerID); err != nil && !errs.Is(err, errs.KindNotFound) {
			return plan, st, err
		}
	}
	err = cv.Validate(p, s.d.Now().In(x.Station.Location()).Format("2006-01-02"))
	plan.End, plan.RecordedEnd = *c.EndedAt, *c.EndedAt
	// the form gives the end to the minute: the recorded end's minute is no change
	if !co.End.IsZero() && !co.End.Truncate(time.Minute).Equal(c.EndedAt.Truncate(time.Minute)) {
		var f errs.Fields
		if e, ok := errs.As(err); ok {
			f = e.Fields
		}
		switch {
		case !co.End.After(c.Start.Add(time.Minute)):
			f = append(f, errs.Field("ended_at", "resplit.end_before_start", locale.Params{"start": locale.DateTime(c.Start.In(x.Station.Location()))}))
		case co.End.After(s.d.Now()):
			f = append(f, errs.Field("ended_at", "resplit.end_future"))
		}
		if len(f) > 0 {
			return plan, st, errs.Invalid("error.fields_invalid", f...)
		}
		plan.End, plan.EndChanged = co.End, true
	}
	if err != nil {
		return plan, st, err
	}
	oldCv, oldP, err := s.cover(ctx, x)
	if err != nil {
		return plan, st, err
	}
	// the terms the new cover keeps: the old cover's for the same payer
	// (editing the claim changes no price), else the payer's of today
	switch {
	case cv.Mode == payer.ModeDriver:
		cv.Terms, cv.PayerID = nil, 0
	case oldCv.Mode != payer.ModeDriver && oldCv.PayerID == cv.PayerID && oldCv.Terms != nil:
		cv.Terms = oldCv.Terms
	default:
		t := p.Terms(s.d.Now())
		cv.Terms = &t
	}
	newP := cv.Apply(p)
	if oldCv.Mode == payer.ModePayer && oldP.Collective || cv.Mode == payer.ModePayer && newP.Collective {
		return plan, st, errs.Conflict("resplit_collective")
	}
	fb, err := s.finalBill(ctx, x)
	if err != nil {
		return plan, st, err
	}
	plan.Old = fb.split
	bill, nx := fb.bill, x
	if plan.EndChanged {
		end := plan.End
		nx.Contract.EndedAt = &end
		if bill, err = s.compute(ctx, nx, fb.hand, fb.ret, fb.advances); err != nil {
			return plan, st, err
		}
	}
	if plan.New, err = s.splitWith(ctx, nx, *cv, newP, bill, fb.advances, fb.hand, fb.ret); err != nil {
		return plan, st, err
	}
	if err := s.checkDrift(ctx, x, fb.m, plan.Old); err != nil {
		return plan, st, err
	}
	plan.Token = resplitToken(oldCv, *cv, plan.End, fb.m)
	if oldCv.SameTerms(*cv) && !plan.EndChanged {
		return plan, st, nil // the claim's texts only: nothing to re-issue
	}
	x = nx
	period := invoice.Period{From: c.Start, To: plan.End}
	// the payer's documents stay when neither its cover nor its share changed
	samePayer := oldCv.SameTerms(*cv) && sameLines(plan.Old.PayerShare, plan.New.PayerShare)
	// 1. the old payer's documents still open: cancelled
	if len(fb.m.payerDocs) > 0 && !samePayer {
		recs, err := s.Receivables(ctx, ReceivableFilter{ContractID: c.ID})
		if err != nil {
			return plan, st, err
		}
		for _, d := range fb.m.payerDocs {
			if d.Kind == invoice.KindCreditNote {
				continue
			}
			var paid, credited int64
			for _, r := range recs {
				if r.ID == d.ID {
					paid, credited = r.Paid, r.Credited
				}
			}
			if paid != 0 {
				return plan, st, errs.Conflict("resplit_payer_paid", locale.Params{"invoice": d.Number})
			}
			plan.PayerBefore += d.Gross - credited
			left := d.Gross - credited
			if left <= 0 {
				continue
			}
			op, err := s.d.Payers.Payer(ctx, d.PayerID)
			if err != nil {
				return plan, st, err
			}
			rate := 0
			if !d.NotSubject {
				rates, err := s.d.Store.InvoiceRates(ctx, d.ID)
				if err != nil || len(rates) == 0 {
					return plan, st, fmt.Errorf("rates of %s: %w", d.Number, err)
				}
				rate = rates[0].RateBP
			}
			line := invoice.Line{Description: payerLang.T("resplit.line.cancel", locale.Params{"number": d.Number}),
				QuantityMilli: 1000, Unit: billing.UnitPiece, UnitGross: left, VATRateBP: rate, Kind: billing.KindRent}
			if d.NotSubject {
				line.TaxCategory, line.Kind = invoice.CategoryNotSubject, billing.KindDamage
			}
			doc := ResplitDoc{Kind: invoice.KindCreditNote, Recipient: op.Name, PayerID: op.ID, Corrects: d.Number,
				Lines: []invoice.Line{line}, Gross: left, NotSubject: d.NotSubject, correctsID: d.ID}
			plan.Docs = append(plan.Docs, doc)
			st.reqs = append(st.reqs, s.payerCreditRequest(ctx, x, op, oldCv, doc, d, period))
		}
	}
	// 2. the new payer's documents, as billing issues them at the return
	var newPayerReqs []invoice.IssueRequest
	if !samePayer {
		newPayerReqs = s.payerRequests(ctx, x, plan.New, period)
	} else {
		plan.PayerBefore, plan.PayerAfter = plan.Old.PayerGross(), plan.New.PayerGross()
	}
	for _, r := range newPayerReqs {
		inv := r.Issued.Invoice
		doc := ResplitDoc{Kind: inv.Kind, Recipient: newP.Name, PayerID: newP.ID, Lines: inv.Lines}
		for _, l := range inv.Lines {
			doc.Gross += invoice.LineGross(l)
			doc.NotSubject = l.TaxCategory == invoice.CategoryNotSubject
		}
		plan.PayerAfter += doc.Gross
		plan.Docs = append(plan.Docs, doc)
		st.reqs = append(st.reqs, r)
	}
	// 3. the driver's difference, per kind of line
	why := locale.Key("resplit.line.driver")
	if plan.EndChanged {
		why = "resplit.line.period"
	}
	more, less := driverDelta(plan.Old, plan.New, lang(x.Customer), why)
	for _, lines := range more {
		doc := ResplitDoc{Kind: invoice.KindStandalone, Recipient: x.Customer.Name(), Lines: lines}
		for _, l := range lines {
			doc.Gross += invoice.LineGross(l)
			doc.NotSubject = l.TaxCategory == invoice.CategoryNotSubject
		}
		plan.DriverDelta += doc.Gross
		plan.Docs = append(plan.Docs, doc)
		st.reqs = append(st.reqs, s.driverRequest(ctx, x, doc, period))
	}
	srcs, onCard := refundable(fb.m.recs)
	st.srcs = srcs
	for _, lines := range less {
		doc := ResplitDoc{Kind: invoice.KindCreditNote, Recipient: x.Customer.Name(), Lines: lines}
		for _, l := range lines {
			doc.Gross += invoice.LineGross(l)
			doc.NotSubject = l.TaxCategory == invoice.CategoryNotSubject
		}
		target := creditTarget(fb.m.docs, doc.NotSubject, doc.Gross)
		if target == nil {
			return plan, st, errs.Conflict("resplit_by_hand")
		}
		doc.Corrects, doc.correctsID = target.Number, target.ID
		plan.DriverDelta -= doc.Gross
		plan.Docs = append(plan.Docs, doc)
		to := invoice.Payment{Means: invoice.MeansOpen}
		if onCard >= doc.Gross {
			to = invoice.Payment{Means: invoice.MeansCard, CardLast4: srcs[0].card}
			onCard -= doc.Gross
			st.toCard += doc.Gross
		}
		st.reqs = append(st.reqs, s.driverCreditRequest(ctx, x, doc, *target, to, period))
	}
	return plan, st, nil
}

// Resplit applies correction co to billed contract id — the cover
// replaced, the end moved (the car's allocation with it) — and issues the
// documents PlanResplit listed under token, all in one transaction; then settles the driver's difference: a credit note's money
// goes back on the card, an added invoice is charged to the stored card
// (no card, or declined: the contract stays payment_open and the money is
// taken at the counter). Errors: those of PlanResplit; KindConflict
// "resplit_stale" when the rental changed since the plan (nothing issued).
func (s *Service) Resplit(ctx context.Context, id int64, co *Correction, token string) (ResplitPlan, error) {
	plan, st, err := s.planResplit(ctx, id, co)
	if err != nil {
		return plan, err
	}
	if plan.Token != token {
		return plan, errs.Conflict("resplit_stale")
	}
	rs, ok := s.d.Covers.(coverResplitter)
	if !ok {
		return plan, errs.Conflict("resplit_not_billed")
	}
	var docs invoice.IssueRequest
	if len(st.reqs) > 0 {
		docs = st.reqs[0]
		docs.With = st.reqs[1:]
	}
	var end *time.Time
	if plan.EndChanged {
		end = &plan.End
	}
	if err := rs.ResplitCover(ctx, plan.Old.Cover, co.Cover, end, docs); err != nil {
		return plan, err
	}
	c := plan.Contract
	if st.toCard > 0 {
		s.refundOn(ctx, c, st.srcs, st.toCard)
	}
	m, err := s.money(ctx, c)
	if err != nil {
		return plan, err
	}
	switch open := ledgerWith(c, m).Open(); {
	case open > 0 && c.Status == StatusBilled:
		if err := s.d.Store.SetContractStatus(ctx, c.ID, []Status{StatusBilled}, StatusPaymentOpen); err != nil {
			return plan, err
		}
		fallthrough
	case open > 0:
		if _, err := s.RetryPayment(ctx, c.ID); err != nil {
			// left open: the contract page and the home screen show it
			s.d.Log.WarnContext(ctx, "contract: re-split difference not charged to the card", "contract", c.Number, "err", err)
		}
	case c.Status == StatusPaymentOpen:
		if err := s.d.Store.SetContractStatus(ctx, c.ID, []Status{StatusPaymentOpen}, StatusBilled); err != nil && !errs.Is(err, errs.KindConflict) {
			return plan, err
		}
	}
	return plan, nil
}

// checkDrift refuses a re-split when the rental's bill or its payers'
// documents changed since billing: a damage charged to the rental recorded
// after billing (the bill computed now has it, the documents do not) or a
// payer document issued or credited by hand — the difference would be
// booked twice. Charges and credit notes to the driver made by hand stay
// what they are: the re-split moves only the difference between the two
// splits of the same bill.
func (s *Service) checkDrift(ctx context.Context, x cctx, m money, old Split) error {
	var payers int64
	for _, d := range m.payerDocs {
		if d.Kind == invoice.KindCreditNote {
			payers -= d.Gross
		} else {
			payers += d.Gross
		}
	}
	want := old.PayerShare.Gross
	if old.Collective() {
		want = 0
		for _, l := range old.PayerShare.Compensation {
			want += invoice.LineGross(l)
		}
	}
	if payers != want {
		return errs.Conflict("resplit_drift")
	}
	c := x.Contract
	if c.BilledAt == nil {
		return nil
	}
	damages, err := s.d.Vehicles.ListDamages(identity.WithActor(ctx, identity.SystemFor(x.Tenant.ID)), c.VehicleID, false)
	if err != nil {
		return err
	}
	for _, d := range damages {
		if d.ContractID == c.ID && d.ChargeCents > 0 && d.ReportedAt.After(*c.BilledAt) {
			return errs.Conflict("resplit_drift")
		}
	}
	return nil
}

// resplitToken fingerprints the state a plan is computed on: the old
// cover, the new one and the documents and payments recorded.
func resplitToken(old, cv payer.Cover, end time.Time, m money) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s|%d|%v|%s|%d|%s|%s|%s|%s|%s|%s|%s|%d", old.Mode, old.PayerID, old.SameTerms(cv), cv.Mode, cv.PayerID,
		cv.ClaimNumber, cv.PolicyNumber, cv.DamageDate, cv.AtFaultParty, cv.CustomerVIN, cv.CustomerPlate, old.ClaimNumber, end.Unix())
	for _, d := range append(append([]invoice.Summary(nil), m.docs...), m.payerDocs...) {
		fmt.Fprintf(h, "|%d:%d", d.ID, d.Gross)
	}
	for _, r := range m.recs {
		fmt.Fprintf(h, "|r%d:%s", r.ID, r.Status)
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// sameLines reports whether shares a and b bill the same lines.
func sameLines(a, b billing.Share) bool {
	if a.Gross != b.Gross || len(a.Lines) != len(b.Lines) || len(a.Compensation) != len(b.Compensation) {
		return false
	}
	for i := range a.Lines {
		if a.Lines[i].Description != b.Lines[i].Description || invoice.LineGross(a.Lines[i]) != invoice.LineGross(b.Lines[i]) {
			return false
		}
	}
	for i := range a.Compensation {
		if invoice.LineGross(a.Compensation[i]) != invoice.LineGross(b.Compensation[i]) {
			return false
		}
	}
	return true
}

// lineKey groups the driver's lines for the difference: kind, VAT rate
// and tax category.
type lineKey struct {
	kind     string
	rate     int
	category invoice.TaxCategory
}

// driverDelta returns the lines of what the driver pays more under split
// b than under a (grouped: taxed lines on one document, damage
// compensation on another) and of what the driver pays less (likewise,
// amounts positive). Each line is named after the driver's lines of its
// kind, in language l.
func driverDelta(a, b Split, l document.Lang, why locale.Key) (more, less [][]invoice.Line) {
	sum := map[lineKey]int64{}
	names := map[lineKey]string{}
	var keys []lineKey
	add := func(ls []invoice.Line, sign int64) {
		for _, ln := range ls {
			k := lineKey{ln.Kind, ln.VATRateBP, ln.TaxCategory}
			if _, ok := sum[k]; !ok {
				keys = append(keys, k)
			}
			sum[k] += sign * invoice.LineGross(ln)
			if names[k] == "" || sign > 0 {
				names[k] = ln.Description
			}
		}
	}
	add(a.Driver.Lines, -1)
	add(a.Driver.Compensation, -1)
	add(b.Driver.Lines, 1)
	add(b.Driver.Compensation, 1)
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].category < keys[j].category })
	var moreTaxed, moreComp, lessTaxed, lessComp []invoice.Line
	for _, k := range keys {
		d := sum[k]
		if d == 0 {
			continue
		}
		ln := invoice.Line{Description: l.T(why, locale.Params{"what": names[k]}), QuantityMilli: 1000,
			Unit: billing.UnitPiece, UnitGross: max(d, -d), VATRateBP: k.rate, TaxCategory: k.category, Kind: k.kind}
		comp := k.category == invoice.CategoryNotSubject
		switch {
		case d > 0 && comp:
			moreComp = append(moreComp, ln)
		case d > 0:
			moreTaxed = append(moreTaxed, ln)
		case comp:
			lessComp = append(lessComp, ln)
		default:
			lessTaxed = append(lessTaxed, ln)
		}
	}
	for _, ls := range [][]invoice.Line{moreTaxed, moreComp} {
		if len(ls) > 0 {
			more = append(more, ls)
		}
	}
	for _, ls := range [][]invoice.Line{lessTaxed, lessComp} {
		if len(ls) > 0 {
			less = append(less, ls)
		}
	}
	return more, less
}

// creditTarget is the driver's document a credit note of gross cents
// corrects: for taxed lines the final invoice (the whole rental's
// invoice, advances deducted, while that much of it is not credited yet;
// else an advance invoice with that much left), for damage
// compensation the damage claim; nil when none can take it.
func creditTarget(docs []invoice.Summary, notSubject bool, gross int64) *invoice.Summary {
	credited := map[int64]int64{}
	for _, d := range docs {
		if d.Kind == invoice.KindCreditNote {
			credited[d.CorrectsID] += d.Gross
		}
	}
	for _, kind := range []invoice.Kind{invoice.KindFinal, invoice.KindAdvance, invoice.KindStandalone} {
		for i := len(docs) - 1; i >= 0; i-- {
			d := docs[i]
			if d.Kind != kind || d.NotSubject != notSubject {
				continue
			}
			left := d.Gross - credited[d.ID]
			if d.Kind == invoice.KindFinal && d.Due < 0 {
				continue // it pays back itself: a credit on it would count twice
			}
			if left >= gross {
				return &docs[i]
			}
		}
	}
	return nil
}

// payerCreditRequest is the credit note cancelling what is left of payer
// p's document d (doc), addressed and noted as p's documents are.
func (s *Service) payerCreditRequest(ctx context.Context, x cctx, p payer.Payer, cv payer.Cover, doc ResplitDoc, d invoice.Summary,
	period invoice.Period) invoice.IssueRequest {
	x = asPayer(x)
	c := x.Contract
	inv := s.invoiceFor(x, invoice.KindCreditNote, doc.Lines, nil)
	inv.Recipient, inv.ServicePeriod = payerParty(x, p), period
	inv.Note = s.payerNote(ctx, x, cv) + "\n" + payerLang.T("resplit.note.payer")
	inv.Corrects = &invoice.Reference{Number: d.Number, IssueDate: d.IssuedAt.In(x.Station.Location())}
	inv.Payment = invoice.Payment{Means: invoice.MeansOffset}
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		PayerID: p.ID, CorrectsID: d.ID, Language: string(payerLang), Invoice: inv}
	req := invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x)}
	if p.Email != "" {
		req.Mails = s.payerMail(x, p, cv.ClaimNumber)
	}
	return req
}

// driverRequest is the driver's invoice over what the driver pays more
// (doc), payable at once: the card is charged right after.
func (s *Service) driverRequest(ctx context.Context, x cctx, doc ResplitDoc, period invoice.Period) invoice.IssueRequest {
	c := x.Contract
	l := lang(x.Customer)
	inv := s.invoiceFor(x, invoice.KindStandalone, doc.Lines, nil)
	inv.ServicePeriod = period
	inv.Note += "\n" + l.T("resplit.note.driver")
	inv.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: PaymentTermsDays}
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		Language: string(l), Invoice: inv}
	return invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x), EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			send := s.d.Mailer.FinalInvoice
			if doc.NotSubject {
				send = s.d.Mailer.Compensation
			}
			msg, err := send(x.MailContext, is, pdf)
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			return []mail.Queued{s.queued(x, msg)}, err
		}}
}

// driverCreditRequest is the driver's credit note over what the driver
// paid too much (doc), correcting target, paid back as to says.
func (s *Service) driverCreditRequest(ctx context.Context, x cctx, doc ResplitDoc, target invoice.Summary, to invoice.Payment,
	period invoice.Period) invoice.IssueRequest {
	c := x.Contract
	l := lang(x.Customer)
	inv := s.invoiceFor(x, invoice.KindCreditNote, doc.Lines, nil)
	inv.ServicePeriod = period
	inv.Note += "\n" + l.T("resplit.note.driver")
	inv.Corrects = &invoice.Reference{Number: target.Number, IssueDate: target.IssuedAt.In(x.Station.Location())}
	inv.Payment = to
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		CorrectsID: target.ID, Language: string(l), Invoice: inv}
	return invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x), EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			msg, err := s.d.Mailer.CreditNote(x.MailContext, is, target.Number, pdf)
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			return []mail.Queued{s.queued(x, msg)}, err
		}}
}
