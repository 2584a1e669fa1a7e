package contract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
)

// Dunning levels of a payer document.
const (
	LevelReminder = 1 // Zahlungserinnerung
	LevelFirst    = 2 // 1. Mahnung
	LevelSecond   = 3 // 2. Mahnung
	Levels        = 3
)

// Bounds of the dunning settings.
const (
	MaxDunningDays    = 365
	MaxDunningFee     = 10_000 // 100,00 €
	MaxDunningText    = 2000
	MaxDunningTerm    = 90
	MaxDunningReason  = 300
	defaultDunningTrm = 10
)

// DunningLevel is one level's rule: Days after the due date (level 1) or
// after the previous level (2, 3); its fee (gross cents, 0 allowed); its
// text ("" the default in German).
type DunningLevel struct {
	Days     int
	FeeCents int64
	Text     string
}

// DunningSettings are a tenant's dunning rules; TermDays is the new
// deadline each notice sets.
type DunningSettings struct {
	Levels   [Levels]DunningLevel
	TermDays int
}

// DefaultDunningSettings are the rules of a tenant that set none.
func DefaultDunningSettings() DunningSettings {
	return DunningSettings{Levels: [Levels]DunningLevel{{Days: 7}, {Days: 14, FeeCents: 500}, {Days: 14, FeeCents: 1000}},
		TermDays: defaultDunningTrm}
}

// Validate checks the settings; field names are "days_N", "fee_N",
// "text_N" (N = 1…3) and "term_days".
func (d DunningSettings) Validate() error {
	var f errs.Fields
	for i, l := range d.Levels {
		n := i + 1
		min := 1
		if i == 0 {
			min = 0
		}
		if l.Days < min || l.Days > MaxDunningDays {
			f.Add(fmt.Sprintf("days_%d", n), "field.between_days", locale.Params{"min": min, "max": MaxDunningDays})
		}
		if l.FeeCents < 0 || l.FeeCents > MaxDunningFee {
			f.Add(fmt.Sprintf("fee_%d", n), "field.between", locale.Params{"min": locale.Money(0), "max": locale.Money(MaxDunningFee)})
		}
		f.Text(fmt.Sprintf("text_%d", n), l.Text, MaxDunningText)
	}
	if d.TermDays < 1 || d.TermDays > MaxDunningTerm {
		f.Add("term_days", "field.between_days", locale.Params{"min": 1, "max": MaxDunningTerm})
	}
	return f.Err()
}

// LevelText is level n's text, the tenant's or the default in l.
func (d DunningSettings) LevelText(l locale.Lang, n int) string {
	if t := strings.TrimSpace(d.Levels[n-1].Text); t != "" {
		return t
	}
	return l.T(locale.Key(fmt.Sprintf("dunning.text.%d", n)))
}

// DunningNotice is an issued reminder for a payer document.
type DunningNotice struct {
	ID        int64
	InvoiceID int64
	PayerID   int64
	Level     int
	Number    string
	RunDay    string // YYYY-MM-DD: the run that issued it
	// OpenCents is what was open of the document; FeeCents this level's
	// fee, FeesCents the fees of all levels so far (this one included):
	// the notice claims OpenCents + FeesCents.
	OpenCents int64
	FeeCents  int64
	FeesCents int64
	DueOn     string // the new deadline (YYYY-MM-DD)
	To        string // the address it was e-mailed to ("" none)
	Filename  string
	SHA256    string
	PDF       []byte
	ByName    string
	CreatedAt time.Time
	// as read: the document's number and payer
	InvoiceNumber string
	PayerName     string
}

// Claimed is what the notice asks for.
func (n DunningNotice) Claimed() int64 { return n.OpenCents + n.FeesCents }

// DunningBlock is a Mahnsperre: a payer's (InvoiceID 0) or one document's.
type DunningBlock struct {
	ID        int64
	PayerID   int64
	InvoiceID int64
	Reason    string
	ByName    string
	CreatedAt time.Time
	// as read
	PayerName     string
	InvoiceNumber string
}

// DunningStore keeps dunning settings, notices and blocks; scoped by the
// actor in ctx.
type DunningStore interface {
	DunningSettings(ctx context.Context) (DunningSettings, error)
	// SaveDunningSettings stores the tenant's rules, audited.
	SaveDunningSettings(ctx context.Context, d DunningSettings) error
	// DunningNotices lists the notices (of the document invoiceID; 0:
	// all), oldest first, without their PDFs.
	DunningNotices(ctx context.Context, invoiceID int64) ([]DunningNotice, error)
	// DunningNotice returns a notice with its PDF. Errors: KindNotFound.
	DunningNotice(ctx context.Context, id int64) (DunningNotice, error)
	// AddDunningNotice numbers and stores n (the tenant's series
	// "MA-<year>-NNNNNN" in the run day's year) and queues msgs (built
	// with the number by msgs) in one transaction, audited on the
	// document's contract. A document that has level n.Level already is
	// refused with KindConflict "dunning.issued" and nothing is stored.
	AddDunningNotice(ctx context.Context, n *DunningNotice, msgs func(DunningNotice) ([]mail.Queued, error)) error
	DunningBlocks(ctx context.Context) ([]DunningBlock, error)
	// SetDunningBlock stores a block, audited. Errors: KindConflict
	// "dunning.blocked" when the payer or document has one already.
	SetDunningBlock(ctx context.Context, b *DunningBlock) error
	// LiftDunningBlock removes block id, audited. Errors: KindNotFound.
	LiftDunningBlock(ctx context.Context, id int64) error
}

// dunningStore is the store as a DunningStore (nil: none).
func (s *Service) dunningStore() DunningStore {
	ds, _ := s.d.Store.(DunningStore)
	return ds
}

// DunningStep is one document's next level as a run on a day proposes it.
type DunningStep struct {
	Receivable
	Level     int
	Open      int64
	FeeCents  int64  // this level's
	FeesCents int64  // all levels' so far, this one included
	NewDue    string // the deadline the notice sets (YYYY-MM-DD)
	Since     string // the day the level became due
}

// Claimed is what the notice will ask for.
func (s DunningStep) Claimed() int64 { return s.Open + s.FeesCents }

// DunningProposal computes which documents reach which level on day today:
// a document with money open reaches level 1 Days₁ after its due date and
// level n+1 Daysₙ₊₁ after level n was issued; one level per run; never a
// level it has; blocked payers and documents are left out. Pure: the
// caller reads rs, the notices and the blocks.
func DunningProposal(set DunningSettings, rs []Receivable, notices []DunningNotice, blocks []DunningBlock, today string) []DunningStep {
	blockedPayer, blockedDoc := map[int64]bool{}, map[int64]bool{}
	for _, b := range blocks {
		if b.InvoiceID == 0 {
			blockedPayer[b.PayerID] = true
		} else {
			blockedDoc[b.InvoiceID] = true
		}
	}
	last := map[int64]DunningNotice{}
	fees := map[int64]int64{}
	for _, n := range notices {
		if n.Level > last[n.InvoiceID].Level {
			last[n.InvoiceID] = n
		}
		fees[n.InvoiceID] += n.FeeCents
	}
	var out []DunningStep
	for _, r := range rs {
		open := r.Open()
		if open <= 0 || blockedPayer[r.PayerID] || blockedDoc[r.ID] || r.DueOn == "" {
			continue
		}
		prev := last[r.ID]
		level := prev.Level + 1
		if level > Levels {
			continue
		}
		from := r.DueOn
		if prev.Level > 0 {
			from = prev.RunDay
		}
		since := addDays(from, set.Levels[level-1].Days)
		if since == "" || today < since {
			continue
		}
		fee := set.Levels[level-1].FeeCents
		out = append(out, DunningStep{Receivable: r, Level: level, Open: open, FeeCents: fee, FeesCents: fees[r.ID] + fee,
			NewDue: addDays(today, set.TermDays), Since: since})
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].PayerName != out[b].PayerName {
			return out[a].PayerName < out[b].PayerName
		}
		return out[a].ID < out[b].ID
	})
	return out
}

// addDays is day (YYYY-MM-DD) plus n days ("" for no day).
func addDays(day string, n int) string {
	t, err := time.Parse("2006-01-02", day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format("2006-01-02")
}

// DunningRun is what the dunning page shows on a day.
type DunningRun struct {
	Today    string
	Settings DunningSettings
	Steps    []DunningStep
	Notices  []DunningNotice
	Blocks   []DunningBlock
}

// DunningOverview reads the proposal of today (in loc), the notices
// issued and the blocks.
func (s *Service) DunningOverview(ctx context.Context, loc *time.Location) (DunningRun, error) {
	ds := s.dunningStore()
	if ds == nil {
		return DunningRun{}, errs.NotFound("not_found")
	}
	run := DunningRun{Today: s.Today(loc)}
	var err error
	if run.Settings, err = ds.DunningSettings(ctx); err != nil {
		return run, err
	}
	rs, err := s.Receivables(ctx, ReceivableFilter{})
	if err != nil {
		return run, err
	}
	if run.Notices, err = ds.DunningNotices(ctx, 0); err != nil {
		return run, err
	}
	if run.Blocks, err = ds.DunningBlocks(ctx); err != nil {
		return run, err
	}
	run.Steps = DunningProposal(run.Settings, rs, run.Notices, run.Blocks, run.Today)
	return run, nil
}

// IssueDunning issues today's proposal (in loc): per step a numbered
// notice with its PDF (the open document, the fees, the new deadline),
// e-mailed to the payer when it has an address, stored with its e-mail in
// one transaction. A step another run issued meanwhile is skipped (each
// level exists once per document), so a second run the same day issues
// nothing twice. It returns the notices issued; a step that fails is
// logged and left for the next run.
func (s *Service) IssueDunning(ctx context.Context, loc *time.Location) ([]DunningNotice, error) {
	run, err := s.DunningOverview(ctx, loc)
	if err != nil {
		return nil, err
	}
	ds := s.dunningStore()
	var out []DunningNotice
	for _, st := range run.Steps {
		n, err := s.issueStep(ctx, ctx, ds, run, st)
		if errs.Is(err, errs.KindConflict) {
			continue // issued meanwhile
		}
		if err != nil {
			s.d.Log.ErrorContext(ctx, "dunning: notice not issued; the next run tries again", "invoice", st.Number, "level", st.Level, "err", err)
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Service) issueStep(ctx, sys context.Context, ds DunningStore, run DunningRun, st DunningStep) (DunningNotice, error) {
	x, err := s.dunningContext(sys, st)
	if err != nil {
		return DunningNotice{}, err
	}
	p, err := s.d.Payers.Payer(sys, st.PayerID)
	if err != nil {
		return DunningNotice{}, err
	}
	// the payer's claim number names the case to an insurer, as on the invoice
	var claim string
	if st.ContractID != 0 && s.d.Covers != nil {
		cv, err := s.d.Covers.Cover(sys, x.Contract.ReservationID)
		if err != nil {
			return DunningNotice{}, err
		}
		claim = cv.ClaimNumber
	}
	n := DunningNotice{InvoiceID: st.ID, PayerID: st.PayerID, Level: st.Level, RunDay: run.Today, OpenCents: st.Open,
		FeeCents: st.FeeCents, FeesCents: st.FeesCents, DueOn: st.NewDue, To: p.Email}
	err = ds.AddDunningNotice(ctx, &n, func(num DunningNotice) ([]mail.Queued, error) {
		pdf, err := s.dunningPDF(ctx, x, p, claim, run.Settings, st, num.Number)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(pdf)
		n.PDF, n.SHA256 = pdf, hex.EncodeToString(sum[:])
		n.Filename = payerLang.T("dunning.file") + "-" + strings.ReplaceAll(num.Number, "/", "-") + ".pdf"
		if p.Email == "" {
			return nil, nil
		}
		msg, err := s.d.Mailer.PayerDunning(x.MailContext, p, claim, num, n.Filename, pdf)
		if err != nil {
			return nil, err
		}
		q := s.queued(x, msg)
		q.CustomerID = 0
		return []mail.Queued{q}, nil
	})
	return n, err
}

// dunningContext is what the notice for st is written with: its
// contract's, or for a document of several rentals (a collective
// invoice) the tenant and its first station.
func (s *Service) dunningContext(sys context.Context, st DunningStep) (cctx, error) {
	if st.ContractID != 0 {
		c, err := s.d.Store.Contract(sys, st.ContractID)
		if err != nil {
			return cctx{}, err
		}
		x, err := s.load(sys, c)
		return asPayer(x), err
	}
	var x cctx
	var err error
	if x.Tenant, err = s.d.Tenancy.Tenant(sys); err != nil {
		return x, err
	}
	sts, err := s.d.Tenancy.ListStations(sys)
	if err != nil {
		return x, err
	}
	for _, stn := range sts {
		if stn.ID == st.StationID || x.Station.ID == 0 {
			x.Station = stn
		}
	}
	return x, nil
}

// dunningPDF renders the notice for step st numbered number: the level's
// text, the open document (with the payer's claim number, "" none), the
// fees and the new deadline.
func (s *Service) dunningPDF(ctx context.Context, x cctx, p payer.Payer, claim string, set DunningSettings, st DunningStep, number string) ([]byte, error) {
	l := payerLang
	ll := locale.Lang(l)
	title := l.T(locale.Key(fmt.Sprintf("dunning.level.%d", st.Level)))
	addr := []string{p.Name}
	if p.Street != "" {
		addr = append(addr, p.Street)
	}
	if p.PostalCode != "" || p.City != "" {
		addr = append(addr, strings.TrimSpace(p.PostalCode+" "+p.City))
	}
	day := func(d string) string {
		t, err := time.Parse("2006-01-02", d)
		if err != nil {
			return d
		}
		return ll.Date(t)
	}
	facts := [][2]string{{l.T("dunning.pdf.number"), number},
		{l.T("dunning.pdf.invoice_of"), l.T("dunning.pdf.invoice", locale.Params{"number": st.Number,
			"date": ll.Date(st.IssuedAt.In(x.Station.Location()))})},
		{l.T("dunning.pdf.due_since"), day(st.DueOn)}}
	if x.Contract.ID != 0 {
		facts = append(facts, [2]string{l.T("dunning.pdf.contract"), x.Contract.Number}, [2]string{l.T("dunning.pdf.driver"), x.Customer.Name()})
	}
	if claim != "" {
		facts = append(facts, [2]string{l.T("payer.mail.claim"), claim})
	}
	if p.BuyerReference != "" {
		facts = append(facts, [2]string{l.T("dunning.pdf.buyer_reference"), p.BuyerReference})
	}
	rows := [][2]string{{l.T("dunning.pdf.amount"), ll.Money(st.Due)}}
	if st.Settled() > 0 {
		rows = append(rows, [2]string{l.T("dunning.pdf.paid"), ll.Money(-st.Settled())})
	}
	rows = append(rows, [2]string{l.T("dunning.pdf.open"), ll.Money(st.Open)})
	if prev := st.FeesCents - st.FeeCents; prev > 0 {
		rows = append(rows, [2]string{l.T("dunning.pdf.fees_before"), ll.Money(prev)})
	}
	if st.FeeCents > 0 {
		rows = append(rows, [2]string{l.T("dunning.pdf.fee"), ll.Money(st.FeeCents)})
	}
	rows = append(rows, [2]string{l.T("dunning.pdf.total"), ll.Money(st.Claimed())})
	d := document.LetterDoc{Lang: l, Location: x.Station.Location(), Branding: Branding(x.Tenant), Date: s.d.Now(),
		Recipient: addr, Subject: title + " " + number, Facts: facts,
		Sections:   []document.LetterSection{{Heading: l.T("dunning.pdf.items"), Rows: rows}},
		Paragraphs: []string{l.T("payer.mail.greeting"), set.LevelText(ll, st.Level), l.T("dunning.pdf.pay_by", locale.Params{"amount": ll.Money(st.Claimed()), "due": day(st.NewDue)})},
		Closing:    l.T("mail.kind_regards")}
	return s.d.Renderer.Letter(ctx, d)
}

// SetDunningBlock excludes a payer (invoiceID 0) or one of its documents
// from dunning with the reason (required). Errors: KindInvalid,
// KindNotFound, KindConflict "dunning.blocked".
func (s *Service) SetDunningBlock(ctx context.Context, payerID, invoiceID int64, reason string) error {
	ds := s.dunningStore()
	if ds == nil || s.d.Payers == nil {
		return errs.NotFound("not_found")
	}
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	if reason == "" {
		f.Add("reason", "dunning.block_reason_required")
	} else {
		f.Line("reason", reason, MaxDunningReason)
	}
	if err := f.Err(); err != nil {
		return err
	}
	if invoiceID != 0 {
		rs, err := s.Receivables(ctx, ReceivableFilter{InvoiceID: invoiceID})
		if err != nil {
			return err
		}
		if len(rs) != 1 {
			return errs.NotFound("invoice_not_found")
		}
		payerID = rs[0].PayerID
	} else if _, err := s.d.Payers.Payer(ctx, payerID); err != nil {
		return err
	}
	return ds.SetDunningBlock(ctx, &DunningBlock{PayerID: payerID, InvoiceID: invoiceID, Reason: reason})
}

// LiftDunningBlock removes a Mahnsperre.
func (s *Service) LiftDunningBlock(ctx context.Context, id int64) error {
	ds := s.dunningStore()
	if ds == nil {
		return errs.NotFound("not_found")
	}
	return ds.LiftDunningBlock(ctx, id)
}

// DunningSettingsOf reads the tenant's rules.
func (s *Service) DunningSettingsOf(ctx context.Context) (DunningSettings, error) {
	ds := s.dunningStore()
	if ds == nil {
		return DunningSettings{}, errs.NotFound("not_found")
	}
	return ds.DunningSettings(ctx)
}

// SaveDunningSettings validates and stores the tenant's rules.
func (s *Service) SaveDunningSettings(ctx context.Context, d DunningSettings) error {
	ds := s.dunningStore()
	if ds == nil {
		return errs.NotFound("not_found")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	return ds.SaveDunningSettings(ctx, d)
}

// DunningNoticePDF returns a notice with its PDF.
func (s *Service) DunningNoticePDF(ctx context.Context, id int64) (DunningNotice, error) {
	ds := s.dunningStore()
	if ds == nil {
		return DunningNotice{}, errs.NotFound("not_found")
	}
	return ds.DunningNotice(ctx, id)
}
