package contract

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// Kinds of notices from an authority about a car.
const (
	FineKindFine    = "fine"    // Bußgeld, Verwarnung, Anhörung
	FineKindToll    = "toll"    // Maut
	FineKindParking = "parking" // Parkverstoß
)

// FineKinds are the kinds in the order forms offer them.
var FineKinds = []string{FineKindFine, FineKindToll, FineKindParking}

// Statuses of a fine case.
const (
	FineRecorded   = "recorded"    // recorded on the contract
	FineAnswered   = "answered"    // the keeper's answer was made
	FineFeeCharged = "fee_charged" // the processing fee was charged or invoiced
)

// PurposeFineFee is the payment purpose of a fine's processing fee.
const PurposeFineFee = "fine_fee"

// MaxFineCents is the highest amount a notice may name (100.000,00 €).
const MaxFineCents = 10_000_000

// Fine is a fine, toll or parking ticket from an authority, recorded on
// the contract under which the car was out at the offence.
type Fine struct {
	ID               int64
	ContractID       int64
	Kind             string
	AuthorityName    string
	AuthorityAddress string // lines separated by newlines
	Reference        string // the authority's Aktenzeichen
	OffenceAt        time.Time
	Place            string
	Offence          string // what the notice says happened
	AmountCents      int64  // as the authority reports it
	Status           string
	FeeCents         int64 // the processing fee charged (0 until then)
	FeeInvoiceID     int64
	AnsweredAt       *time.Time
	LetterSentAt     *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// read with the fine (not stored with it)
	ContractNumber string
	Plate          string
	CustomerName   string
}

// FineFilter selects fines; zero values select all the actor may see.
type FineFilter struct {
	ContractID int64
	Limit      int
}

// FineStore keeps fines. Every change is audited on the contract.
type FineStore interface {
	// CreateFine stores f on its contract. Errors: KindNotFound (contract),
	// KindInvalid naming "reference" when the contract has a fine with that
	// reference.
	CreateFine(ctx context.Context, f *Fine) error
	Fine(ctx context.Context, id int64) (Fine, error)
	ListFines(ctx context.Context, f FineFilter) ([]Fine, error)
	// MarkFineAnswered records that the keeper's answer was made (once).
	MarkFineAnswered(ctx context.Context, id int64, at time.Time) error
	// FineLetterSent records that the letter was e-mailed, queueing msgs
	// in the same transaction.
	FineLetterSent(ctx context.Context, id int64, at time.Time, msgs []mail.Queued) error
	// ClaimFineFee takes the fee of fine id for the caller until until
	// (so that a double click charges nothing twice); false when the fee
	// is charged already or another request holds it.
	ClaimFineFee(ctx context.Context, id int64, now, until time.Time) (bool, error)
	// ReleaseFineFee gives the claim up (nothing was charged).
	ReleaseFineFee(ctx context.Context, id int64) error
	// IssueFineFee issues the fee's invoice and marks the fine fee_charged
	// with it, in one transaction: both or neither. Errors: KindConflict
	// "fine_fee_charged" when the fee has an invoice already.
	IssueFineFee(ctx context.Context, id int64, fee int64, req invoice.IssueRequest) error
}

// Normalize trims the texts.
func (f *Fine) Normalize() {
	for _, p := range []*string{&f.Kind, &f.AuthorityName, &f.Reference, &f.Place, &f.Offence} {
		*p = strings.Join(strings.Fields(*p), " ")
	}
	lines := strings.Split(strings.ReplaceAll(f.AuthorityAddress, "\r\n", "\n"), "\n")
	var out []string
	for _, l := range lines {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			out = append(out, l)
		}
	}
	f.AuthorityAddress = strings.Join(out, "\n")
}

// Validate checks a fine against its contract before anything is stored:
// a kind, the authority, a reference, an offence time within the
// contract's period (handover ≤ t < return; before now while the car is
// out) and an amount from 0 to MaxFineCents. Errors: KindInvalid naming
// each field.
func (f Fine) Validate(c Contract, now time.Time) error {
	var fs errs.Fields
	switch f.Kind {
	case FineKindFine, FineKindToll, FineKindParking:
	default:
		fs.Add("kind", "fine.kind_choose")
	}
	long := func(field, s string, max int) bool {
		if utf8.RuneCountInString(s) > max {
			fs.Add(field, "field.too_long", locale.Params{"n": max})
			return true
		}
		return false
	}
	if f.AuthorityName == "" {
		fs.Add("authority_name", "fine.authority_required")
	} else {
		long("authority_name", f.AuthorityName, 200)
	}
	long("authority_address", f.AuthorityAddress, 500)
	if f.Reference == "" {
		fs.Add("reference", "fine.reference_required")
	} else {
		long("reference", f.Reference, 100)
	}
	long("place", f.Place, 200)
	long("offence", f.Offence, 500)
	end := now
	if c.EndedAt != nil {
		end = *c.EndedAt
	}
	if f.OffenceAt.IsZero() {
		fs.Add("offence_at", "fine.offence_at_required")
	} else if f.OffenceAt.Before(c.Start) || !f.OffenceAt.Before(end) {
		fs.Add("offence_at", "fine.offence_outside")
	}
	if f.AmountCents < 0 || f.AmountCents > MaxFineCents {
		fs.Add("amount", "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxFineCents)})
	}
	return fs.Err()
}

func (s *Service) fines() (FineStore, error) {
	fs, ok := s.d.Store.(FineStore)
	if !ok {
		return nil, errs.NotFound("fine_not_found")
	}
	return fs, nil
}

// RecordFine validates f against its contract and stores it (status
// recorded). Errors: KindInvalid, KindNotFound.
func (s *Service) RecordFine(ctx context.Context, f *Fine) error {
	fs, err := s.fines()
	if err != nil {
		return err
	}
	f.Normalize()
	c, err := s.d.Store.Contract(ctx, f.ContractID)
	if err != nil {
		return err
	}
	if err := f.Validate(c, s.d.Now()); err != nil {
		return err
	}
	f.Status = FineRecorded
	return fs.CreateFine(ctx, f)
}

// Fine returns a fine the actor may see. Errors: KindNotFound.
func (s *Service) Fine(ctx context.Context, id int64) (Fine, error) {
	fs, err := s.fines()
	if err != nil {
		return Fine{}, err
	}
	return fs.Fine(ctx, id)
}

// ListFines lists the fines the actor may see, newest offence first.
func (s *Service) ListFines(ctx context.Context, f FineFilter) ([]Fine, error) {
	fs, err := s.fines()
	if err != nil {
		return nil, nil // a store without fines has none
	}
	return fs.ListFines(ctx, f)
}

// FineFee is what the fee of fine f is: the fee charged, or — not yet
// charged — the tenant's processing fee now.
func (s *Service) FineFee(ctx context.Context, f Fine) (int64, error) {
	if f.Status == FineFeeCharged {
		return f.FeeCents, nil
	}
	tn, err := s.d.Tenancy.Tenant(ctx)
	return tn.FineFeeCents, err
}

// fineCtx is a fine with its contract loaded.
type fineCtx struct {
	cctx
	Fine Fine
	Fee  int64
	// how the fee was paid (after it was charged): the invoice number and
	// the card's last digits ("" = invoiced, open)
	InvoiceNumber, CardLast4 string
}

func (s *Service) fineCtx(ctx context.Context, id int64) (fineCtx, error) {
	var fx fineCtx
	fs, err := s.fines()
	if err != nil {
		return fx, err
	}
	if fx.Fine, err = fs.Fine(ctx, id); err != nil {
		return fx, err
	}
	c, err := s.d.Store.Contract(ctx, fx.Fine.ContractID)
	if err != nil {
		return fx, err
	}
	if fx.cctx, err = s.load(ctx, c); err != nil {
		return fx, err
	}
	if fx.Fee, err = s.FineFee(ctx, fx.Fine); err != nil {
		return fx, err
	}
	if fx.Fine.FeeInvoiceID != 0 {
		sums, err := s.d.Issued.ListInvoices(ctx, invoice.Filter{ContractID: c.ID})
		if err != nil {
			return fx, err
		}
		for _, sm := range sums {
			if sm.ID == fx.Fine.FeeInvoiceID {
				fx.InvoiceNumber = sm.Number
			}
		}
		if rec, ok, err := s.feePayment(ctx, fx.cctx, fx.Fine); err != nil {
			return fx, err
		} else if ok {
			fx.CardLast4 = rec.Card.Last4
			if fx.CardLast4 == "" {
				fx.CardLast4 = "····"
			}
		}
	}
	return fx, nil
}

// FineDocument kinds.
const (
	FineDocAnswer = "answer" // the keeper's answer to the authority
	FineDocLetter = "letter" // the letter to the customer
)

// FineDocument renders a fine's document: the keeper's answer to the
// authority (German, the authority's language) or the letter to the
// customer (in the customer's language). It returns the fine and the file
// name. Errors: KindNotFound.
func (s *Service) FineDocument(ctx context.Context, id int64, which string) (Fine, string, []byte, error) {
	fx, err := s.fineCtx(ctx, id)
	if err != nil {
		return fx.Fine, "", nil, err
	}
	var d document.LetterDoc
	switch which {
	case FineDocAnswer:
		d = s.answerDoc(fx)
	case FineDocLetter:
		d = s.letterDoc(fx)
	default:
		return fx.Fine, "", nil, errs.NotFound("document_not_found")
	}
	pdf, err := s.d.Renderer.Letter(ctx, d)
	return fx.Fine, fineFileName(d.Lang, which, fx.Fine.Reference), pdf, err
}

func fineFileName(l document.Lang, which, ref string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, ref)
	return l.T(locale.Key("fine.file."+which)) + "-" + safe + ".pdf"
}

// facts are the rows every fine document prints about the offence.
func fineFacts(l document.Lang, fx fineCtx) [][2]string {
	f, loc := fx.Fine, fx.Station.Location()
	return [][2]string{
		{l.T("fine.doc.reference"), f.Reference},
		{l.T("fine.doc.kind"), l.T(locale.Key("fine.kind." + f.Kind))},
		{l.T("fine.doc.offence_at"), l.DateTime(locale.In(f.OffenceAt, loc))},
		{l.T("fine.doc.place"), f.Place},
		{l.T("fine.doc.offence"), f.Offence},
		{l.T("fine.doc.vehicle"), strings.TrimSpace(strings.Join(DocVehicle(fx.Contract, fx.Vehicle).PlateLines(l), ", ") + " · " +
			strings.TrimSpace(fx.Vehicle.Make+" "+fx.Vehicle.Model))},
		{l.T("fine.doc.vin"), fx.Vehicle.VIN},
		{l.T("fine.doc.contract"), fx.Contract.Number},
	}
}

// answerDoc is the keeper's answer to the authority: who had the car,
// with what the contract holds of the drivers (name, date of birth,
// licence) and the renter's address — nothing more.
func (s *Service) answerDoc(fx fineCtx) document.LetterDoc {
	l := document.German
	f, c, cu := fx.Fine, fx.Contract, fx.Customer
	loc := fx.Station.Location()
	d := document.LetterDoc{Lang: l, Location: loc, Branding: Branding(fx.Tenant), Date: s.d.Now().UTC(),
		Recipient: append([]string{f.AuthorityName}, strings.Split(f.AuthorityAddress, "\n")...),
		Subject:   l.T("fine.answer.subject", locale.Params{"reference": f.Reference}),
		Facts:     fineFacts(l, fx)}
	period := l.DateTime(locale.In(c.Start, loc)) + " – "
	if c.EndedAt != nil {
		period += l.DateTime(locale.In(*c.EndedAt, loc))
	}
	d.Facts = append(d.Facts, [2]string{l.T("fine.doc.period"), period})
	renter := [][2]string{{l.T("fine.doc.name"), cu.Name()}}
	if cu.Company != "" {
		renter = append(renter, [2]string{l.T("fine.doc.company"), cu.Company})
	}
	renter = append(renter, [2]string{l.T("fine.doc.address"), strings.Join(person(cu).Address, ", ")})
	if t, err := time.Parse("2006-01-02", cu.BirthDate); err == nil {
		renter = append(renter, [2]string{l.T("fine.doc.born"), l.Date(t)})
	}
	d.Sections = append(d.Sections, document.LetterSection{Heading: l.T("fine.doc.renter"), Rows: renter})
	for _, dr := range c.Drivers {
		rows := [][2]string{{l.T("fine.doc.name"), dr.Name()}}
		if t, err := time.Parse("2006-01-02", dr.BirthDate); err == nil {
			rows = append(rows, [2]string{l.T("fine.doc.born"), l.Date(t)})
		}
		if dr.Role == RoleMain {
			rows = append(rows, [2]string{l.T("fine.doc.address"), strings.Join(person(cu).Address, ", ")})
		}
		lic := strings.TrimSpace(dr.LicenceNumber)
		if lic != "" && dr.LicenceCountry != "" {
			lic += " (" + dr.LicenceCountry + ")"
		}
		rows = append(rows, [2]string{l.T("fine.doc.licence"), lic})
		d.Sections = append(d.Sections, document.LetterSection{Heading: l.T(locale.Key("fine.doc.driver_" + dr.Role)), Rows: rows})
	}
	d.Paragraphs = []string{l.T("fine.answer.body"), l.T("fine.answer.body2")}
	d.Closing = l.T("fine.doc.closing")
	return d
}

// letterDoc is the letter to the customer: what happened, that their data
// went to the authority, and the processing fee.
func (s *Service) letterDoc(fx fineCtx) document.LetterDoc {
	l := lang(fx.Customer)
	f, cu := fx.Fine, fx.Customer
	d := document.LetterDoc{Lang: l, Location: fx.Station.Location(), Branding: Branding(fx.Tenant), Date: s.d.Now().UTC(),
		Recipient: append([]string{cu.Name()}, person(cu).Address...),
		Subject:   l.T("fine.letter.subject", locale.Params{"reference": f.Reference}),
		Facts:     fineFacts(l, fx)}
	d.Facts = append(d.Facts, [2]string{l.T("fine.doc.authority"), f.AuthorityName})
	if f.AmountCents > 0 {
		d.Facts = append(d.Facts, [2]string{l.T("fine.doc.amount"), l.Money(f.AmountCents)})
	}
	p := locale.Params{"name": cu.Name(), "authority": f.AuthorityName, "fee": l.Money(fx.Fee), "invoice": fx.InvoiceNumber,
		"last4": fx.CardLast4, "kind": l.T(locale.Key("fine.kind." + f.Kind))}
	d.Paragraphs = []string{l.T("fine.letter.dear", p), l.T("fine.letter.body", p), l.T("fine.letter.data", p)}
	switch {
	case fx.Fee == 0:
	case f.Status != FineFeeCharged:
		d.Paragraphs = append(d.Paragraphs, l.T("fine.letter.fee", p))
	case fx.CardLast4 != "":
		d.Paragraphs = append(d.Paragraphs, l.T("fine.letter.fee_card", p))
	default:
		d.Paragraphs = append(d.Paragraphs, l.T("fine.letter.fee_invoice", p))
	}
	d.Paragraphs = append(d.Paragraphs, l.T("fine.letter.questions"))
	d.Closing = l.T("fine.doc.closing")
	return d
}

// AnswerFine records that the keeper's answer was made (the fine moves
// from recorded to answered; later calls change nothing).
func (s *Service) AnswerFine(ctx context.Context, id int64) error {
	fs, err := s.fines()
	if err != nil {
		return err
	}
	return fs.MarkFineAnswered(ctx, id, s.d.Now())
}

// SendFineLetter e-mails the letter to the customer (queued in the
// outbox). Errors: KindNotFound, KindInvalid when the customer has no
// e-mail address.
func (s *Service) SendFineLetter(ctx context.Context, id int64) error {
	fs, err := s.fines()
	if err != nil {
		return err
	}
	fx, err := s.fineCtx(ctx, id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(fx.Customer.Email) == "" {
		return errs.Invalid("fine.no_email")
	}
	d := s.letterDoc(fx)
	pdf, err := s.d.Renderer.Letter(ctx, d)
	if err != nil {
		return err
	}
	msg, err := s.d.Mailer.FineLetter(fx.MailContext, fx.Fine, fineFileName(d.Lang, FineDocLetter, fx.Fine.Reference), pdf)
	if err != nil {
		return err
	}
	return fs.FineLetterSent(ctx, id, s.d.Now(), []mail.Queued{s.queued(fx.cctx, msg)})
}

// FeeOutcome is what ChargeFineFee did.
type FeeOutcome struct {
	Cents         int64
	InvoiceNumber string
	Card          bool // charged to the stored card; false: invoiced, open
	Already       bool // charged before: nothing was done now
}

// feeOrder is the gateway order id prefix of a fine's fee.
func feeOrder(c Contract, f Fine) string { return fmt.Sprintf("%s-F%d", c.Number, f.ID) }

// feePayment finds the approved charge of the fine's fee, if any.
func (s *Service) feePayment(ctx context.Context, x cctx, f Fine) (payment.Record, bool, error) {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: x.Contract.ReservationID})
	if err != nil {
		return payment.Record{}, false, err
	}
	prefix := feeOrder(x.Contract, f) + "-"
	for _, r := range recs {
		if strings.HasPrefix(r.OrderID, prefix) && r.Status == payment.StatusApproved && r.Operation == payment.OpTokenSale {
			return r, true, nil
		}
	}
	return payment.Record{}, false, nil
}

// feeAttempts counts the charges of the fine's fee tried so far.
func (s *Service) feeAttempts(ctx context.Context, x cctx, f Fine) (int, error) {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: x.Contract.ReservationID})
	n := 0
	for _, r := range recs {
		if strings.HasPrefix(r.OrderID, feeOrder(x.Contract, f)+"-") {
			n++
		}
	}
	return n, err
}

// feeClaim is how long one request holds a fine's fee.
const feeClaim = 2 * time.Minute

// ChargeFineFee charges the tenant's processing fee for fine id once:
// to the stored card of the contract's customer when there is one, with
// an invoice marked paid by card; otherwise an invoice with the amount
// open. confirmCents must be the fee the person confirmed (the tenant's
// fee now), else KindInvalid "fine.fee_changed" and nothing happens. A
// fee charged before is not charged again (Already). A resumed request
// after a crash finds the approved charge by its order id and only issues
// the missing invoice. Errors: KindInvalid (no fee set, amount not
// confirmed), KindConflict (another request charges it right now),
// KindPaymentDecline.
func (s *Service) ChargeFineFee(ctx context.Context, id int64, confirmCents int64) (FeeOutcome, error) {
	return s.fineFee(ctx, id, confirmCents, false)
}

// InvoiceFineFee is ChargeFineFee without charging the card: the fee is
// invoiced with the amount open (after a declined card, or when the
// customer asks to pay by transfer). A fee charged to the card before is
// still invoiced as paid by card, never twice.
func (s *Service) InvoiceFineFee(ctx context.Context, id int64, confirmCents int64) (FeeOutcome, error) {
	return s.fineFee(ctx, id, confirmCents, true)
}

func (s *Service) fineFee(ctx context.Context, id int64, confirmCents int64, invoiceOnly bool) (FeeOutcome, error) {
	fs, err := s.fines()
	if err != nil {
		return FeeOutcome{}, err
	}
	fx, err := s.fineCtx(ctx, id)
	if err != nil {
		return FeeOutcome{}, err
	}
	if fx.Fine.Status == FineFeeCharged {
		return FeeOutcome{Cents: fx.Fine.FeeCents, InvoiceNumber: fx.InvoiceNumber, Card: fx.CardLast4 != "", Already: true}, nil
	}
	fee := fx.Fee
	if fee <= 0 {
		return FeeOutcome{}, errs.Invalid("fine.no_fee")
	}
	if confirmCents != fee {
		return FeeOutcome{}, errs.Invalid("fine.fee_changed")
	}
	now := s.d.Now()
	ok, err := fs.ClaimFineFee(ctx, id, now, now.Add(feeClaim))
	if err != nil {
		return FeeOutcome{}, err
	}
	if !ok {
		if f, err := fs.Fine(ctx, id); err == nil && f.Status == FineFeeCharged {
			return FeeOutcome{Cents: f.FeeCents, Already: true}, nil
		}
		return FeeOutcome{}, errs.Conflict("fine_fee_busy")
	}
	out, err := s.chargeFineFee(ctx, fs, fx, fee, invoiceOnly)
	if err != nil {
		_ = fs.ReleaseFineFee(ctx, id) // the approved charge, if any, is found again by its order id
	}
	return out, err
}

func (s *Service) chargeFineFee(ctx context.Context, fs FineStore, fx fineCtx, fee int64, invoiceOnly bool) (FeeOutcome, error) {
	x, f := fx.cctx, fx.Fine
	out := FeeOutcome{Cents: fee}
	rec, charged, err := s.feePayment(ctx, x, f)
	if err != nil {
		return out, err
	}
	if charged && rec.Amount.Cents != fee {
		fee, out.Cents = rec.Amount.Cents, rec.Amount.Cents // what was charged is what is invoiced
	}
	if !charged && !invoiceOnly {
		if _, err := s.d.Store.CustomerCard(ctx, x.Contract.CustomerID); err == nil && s.d.Payments != nil {
			n, err := s.feeAttempts(ctx, x, f)
			if err != nil {
				return out, err
			}
			rec, err = s.chargeCard(ctx, x, PurposeFineFee, fmt.Sprintf("%s-%d", feeOrder(x.Contract, f), n+1), fee)
			if err != nil && rec.ID == 0 {
				return out, err
			}
			if rec.Status != payment.StatusApproved {
				return out, rec.DeclineError()
			}
			charged = true
		} else if err != nil && errs.KindOf(err) != errs.KindNotFound {
			return out, err
		}
	}
	l := lang(x.Customer)
	terms := x.terms()
	line := invoice.Line{Description: l.T("fine.fee_line", locale.Params{"kind": l.T(locale.Key("fine.kind." + f.Kind)),
		"reference": f.Reference}), QuantityMilli: 1000, Unit: "piece", UnitGross: fee, VATRateBP: terms.VATRateBP, Kind: PurposeFineFee}
	inv := s.invoiceFor(x, invoice.KindStandalone, []invoice.Line{line}, nil)
	inv.ServicePeriod = invoice.Period{From: f.OffenceAt, To: f.OffenceAt}
	if charged {
		inv.Payment = invoice.Payment{Means: invoice.MeansCard, CardLast4: rec.Card.Last4}
	} else {
		inv.Payment = invoice.Payment{Means: invoice.MeansOpen, TermsDays: PaymentTermsDays}
	}
	c := x.Contract
	iss := &invoice.Issued{StationID: c.StationID, ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
		Language: string(l), Invoice: inv}
	err = fs.IssueFineFee(ctx, f.ID, fee, invoice.IssueRequest{Issued: iss, Loc: x.Station.Location(), Render: s.render(ctx, x),
		EInvoice: s.einvoice(ctx, x),
		Mails: func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
			msg, err := s.d.Mailer.FinalInvoice(x.MailContext, is, pdf)
			msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
			return []mail.Queued{s.queued(x, msg)}, err
		}})
	if e, ok := errs.As(err); ok && e.Code == "fine_fee_charged" {
		got, gerr := fs.Fine(ctx, f.ID)
		return FeeOutcome{Cents: got.FeeCents, Card: charged, Already: true}, gerr
	}
	out.InvoiceNumber, out.Card = iss.Invoice.Number, charged
	return out, err
}
