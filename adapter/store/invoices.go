package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/webhook"
)

// nextNumber takes the next value of a gap-free counter inside tx. Concurrent
// transactions queue on the counter row, so a rolled-back transaction leaves
// no gap.
func nextNumber(ctx context.Context, tx *sql.Tx, tenantID int64, series, period string) (int64, error) {
	var v int64
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (tenant_id, series, period, value) VALUES ($1, $2, $3, 1)
		ON CONFLICT (tenant_id, series, period) DO UPDATE SET value = counters.value + 1 RETURNING value`,
		tenantID, series, period).Scan(&v)
	return v, mapErr(err)
}

// IssueInvoice numbers, renders and stores an invoice or credit note,
// queues its e-mails, stores the answer of its request (req.Answer) and
// the payment outcomes req.Payments (as ResolvePayment would), in one
// transaction, and then the documents of req.With in the same
// transaction. The number comes from the tenant's
// pattern for the document's series, gap-free. Errors: KindInvalid for an
// invalid document, KindNotFound for links outside the actor's reach,
// KindConflict "payment_resolved" for an outcome of req.Payments over a
// payment resolved differently (nothing issued, nothing stored).
func (s *Store) IssueInvoice(ctx context.Context, req invoice.IssueRequest) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	prep := s.prepareIssue(ctx, sc, req)
	var num *numbering
	if prep != nil {
		num = prep.num
	}
	return s.writeNumbered(ctx, false, num, func(tx *sql.Tx) error {
		if err := s.issueTx(ctx, tx, sc, req, prep); err != nil {
			return err
		}
		for _, w := range req.With {
			if err := s.issueTx(ctx, tx, sc, w, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// issuePrep is an invoice's PDF rendered outside SQLite's write lock for
// the number its transaction was foreseen to take (see numbering): inv is
// the invoice as rendered, ok false when it could not be.
type issuePrep struct {
	num  *numbering
	inv  invoice.Invoice
	pdf  []byte
	sum  [sha256.Size]byte // the PDF's
	iss  invoice.Issued    // as the transaction will have it, but for ID and DocumentID
	msgs []mail.Queued     // req.Mails(iss, pdf)
	ok   bool
}

// use reports whether the transaction may store what was prepared for the
// invoice inv it numbered seq: prepared for that number, and for exactly
// that invoice (time, lines, parties: everything rendered).
func (p *issuePrep) use(seq int64, inv invoice.Invoice) bool {
	return p != nil && p.num.prepared(seq) && p.ok && reflect.DeepEqual(p.inv, inv)
}

// mailsFor returns the prepared messages when the transaction's document
// iss is the one they were built for (its ids aside, which Mails must not
// rely on), as copies the transaction may change; ok false: build them
// anew.
func (p *issuePrep) mailsFor(iss invoice.Issued) ([]mail.Queued, bool) {
	if p == nil {
		return nil, false
	}
	iss.ID, iss.DocumentID = 0, 0
	if !reflect.DeepEqual(p.iss, iss) {
		return nil, false
	}
	out := make([]mail.Queued, len(p.msgs))
	for i, q := range p.msgs {
		q.Message.Attachments = slices.Clone(q.Message.Attachments)
		q.Message.Headers = slices.Clone(q.Message.Headers)
		out[i] = q
	}
	return out, true
}

// prepareIssue announces req's transaction to SQLite's write queue as one
// that takes a number, with the rendering of its PDF as the work to do for
// the foreseen number; nil on PostgreSQL (whose writers run concurrently),
// for several documents in one transaction and when the tenant's number
// patterns cannot be read.
func (s *Store) prepareIssue(ctx context.Context, sc scope, req invoice.IssueRequest) *issuePrep {
	if s.group == nil || len(req.With) > 0 || req.Render == nil || req.Issued == nil {
		return nil
	}
	set, err := s.setup(ctx, sc.tenant()) // cached: the request has read it
	if err != nil {
		return nil
	}
	loc := req.Loc
	if loc == nil {
		loc = time.UTC
	}
	pattern, counter := issueSeries(set.tenant.InvoiceNumberPattern, set.tenant.CreditNumberPattern, *req.Issued)
	p := &issuePrep{}
	baseIss := *req.Issued // a copy: the transaction sets the number on req's
	base := baseIss.Invoice
	p.num = &numbering{
		keyOf: func(at time.Time) string {
			return fmt.Sprint(sc.tenant(), "|", counter, "|", invoice.PeriodKey(pattern, at.In(loc)))
		},
		prepare: func(at time.Time, seq int64) {
			inv := base
			issued := at.In(loc)
			inv.Number, inv.IssueDate = invoice.Format(pattern, issued, seq), issued
			if invoice.Validate(inv) != nil {
				return
			}
			pdf, err := req.Render(inv)
			if err != nil {
				return
			}
			// the document as issueTx completes it before its e-mails
			iss := baseIss
			sum := sha256.Sum256(pdf)
			iss.TenantID, iss.IssuedAt, iss.Invoice = sc.tenant(), at, inv
			iss.Totals, iss.SHA256 = invoice.Compute(inv), hex.EncodeToString(sum[:])
			if req.EInvoice != nil {
				f, err := req.EInvoice(inv)
				if err != nil {
					return
				}
				if f != nil {
					iss.EInvoice = f
				}
			}
			var msgs []mail.Queued
			if req.Mails != nil {
				if msgs, err = req.Mails(iss, pdf); err != nil {
					return
				}
			}
			p.inv, p.pdf, p.sum, p.iss, p.msgs, p.ok = inv, pdf, sum, iss, msgs, true
		},
	}
	return p
}

// issueSeries is the number pattern and counter of the document iss, from
// the tenant's patterns for invoices and credit notes: a test document's
// never count in the business's series.
func issueSeries(invPattern, gsPattern string, iss invoice.Issued) (pattern, counter string) {
	pattern = invPattern
	series := invoice.SeriesOf(iss.Invoice.Kind)
	if series == invoice.SeriesCreditNote {
		pattern = gsPattern
	}
	counter = string(series)
	if iss.Test { // never a number of the business's series
		pattern, counter = "TEST-"+pattern, "test_"+counter
	}
	return pattern, counter
}

// issueTx issues the one document of req inside tx (see IssueInvoice),
// with the PDF prep rendered outside the lock when it was rendered for
// exactly the invoice issued (its number and time); prep may be nil.
func (s *Store) issueTx(ctx context.Context, tx *sql.Tx, sc scope, req invoice.IssueRequest, prep *issuePrep) error {
	iss := req.Issued
	loc := req.Loc
	if loc == nil {
		loc = time.UTC
	}
	var invPattern, gsPattern string
	if set, ok := s.cachedSetup(ctx, sc.tenant()); ok {
		invPattern, gsPattern = set.tenant.InvoiceNumberPattern, set.tenant.CreditNumberPattern
	} else if err := tx.QueryRowContext(ctx, `SELECT invoice_number_pattern, credit_number_pattern FROM tenants WHERE id = $1`,
		sc.tenant()).Scan(&invPattern, &gsPattern); err != nil {
		return notFound(err, "tenant_not_found")
	}
	pattern, counter := issueSeries(invPattern, gsPattern, *iss)
	series := invoice.SeriesOf(iss.Invoice.Kind)
	chained := s.dialect.chainsWrites() && len(iss.Invoice.Lines) > 0 && len(iss.Collects) == 0
	if err := paymentsOf(ctx, sc.tenant(), req.Payments); err != nil {
		return err
	}
	if len(req.Payments) > 0 && (!chained || !s.quietOutcome(ctx, sc.tenant())) {
		// a statement of this transaction each (with its webhook event);
		// else CTEs of the chained statement (issueChainedTx)
		if err := s.resolvePaymentsTx(ctx, tx, sc.tenant(), req.Payments); err != nil {
			return err
		}
		req.Payments = nil
	}
	now := s.Now()
	if prep != nil && !prep.num.at.IsZero() {
		now = prep.num.at // the time it joined the write queue: times rise with the numbers
	}
	issued := now.In(loc)
	seq, err := nextNumber(ctx, tx, sc.tenant(), counter, invoice.PeriodKey(pattern, issued))
	if err != nil {
		return err
	}
	if prep != nil {
		prep.num.used = seq
	}
	iss.TenantID, iss.IssuedAt = sc.tenant(), now
	iss.Invoice.Number = invoice.Format(pattern, issued, seq)
	iss.Invoice.IssueDate = issued
	if err := invoice.Validate(iss.Invoice); err != nil {
		return err
	}
	iss.Totals = invoice.Compute(iss.Invoice)
	var pdf []byte
	var sum [sha256.Size]byte
	if !prep.use(seq, iss.Invoice) {
		prep = nil // prepared for another number or invoice: done here
	}
	if prep != nil {
		pdf, sum = prep.pdf, prep.sum
	} else if pdf, err = req.Render(iss.Invoice); err != nil {
		return fmt.Errorf("render invoice %s: %w", iss.Invoice.Number, err)
	} else {
		sum = sha256.Sum256(pdf)
	}
	recipient, _ := json.Marshal(iss.Invoice.Recipient)
	supplier, _ := json.Marshal(iss.Invoice.Supplier)
	pay, _ := json.Marshal(iss.Invoice.Payment)
	var from, to any
	if !iss.Invoice.ServicePeriod.From.IsZero() {
		from, to = ts(iss.Invoice.ServicePeriod.From), ts(iss.Invoice.ServicePeriod.To)
	}
	t := iss.Totals
	iss.SHA256 = hex.EncodeToString(sum[:])
	kind := "invoice"
	if series == invoice.SeriesCreditNote {
		kind = "credit_note"
	}
	a := args{sc.tenant(), nullInt64(iss.StationID), string(iss.Invoice.Kind), iss.Invoice.Number, nullInt64(iss.ReservationID),
		nullInt64(iss.ContractID), iss.CustomerID, nullInt64(iss.CorrectsID), ts(now), from, to, iss.Invoice.Currency,
		t.Net, t.VAT, t.Gross, t.DeductedGross, t.Due, iss.Language, string(recipient), string(supplier), t.DeductedNet,
		string(pay), iss.Invoice.Note, iss.Test, nullInt64(iss.PayerID)}
	lines := make([][]any, len(iss.Invoice.Lines)) // position … tax_category
	for i, l := range iss.Invoice.Lines {
		gross := invoice.LineGross(l)
		net, vat := invoice.Split(gross, l.VATRateBP)
		kind := l.Kind
		if kind == "" {
			kind = "other"
		}
		lines[i] = []any{i + 1, l.Description, l.QuantityMilli, l.Unit, l.UnitGross, l.VATRateBP, net, vat, gross, kind,
			taxCategoryCode(l.TaxCategory)}
	}
	doc := []any{kind, nullInt64(iss.ContractID), nullInt64(iss.ReservationID), iss.Invoice.Number + ".pdf", "application/pdf",
		iss.SHA256, len(pdf), pdf, ts(now)}
	if chained {
		return s.issueChainedTx(ctx, tx, sc, req, iss, a, lines, doc, pdf, now)
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO invoices (`+invoiceInsertCols+`) VALUES (`+placeholders(1, len(a))+`)
		RETURNING id`, a...).Scan(&iss.ID); err != nil {
		return mapErr(err)
	}
	for _, l := range lines {
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_lines (tenant_id, invoice_id, `+invoiceLineCols+`)
			VALUES (`+placeholders(1, 2+len(l))+`)`, append([]any{sc.tenant(), iss.ID}, l...)...); err != nil {
			return mapErr(err)
		}
	}
	for _, c := range iss.Collects {
		_, err := tx.ExecContext(ctx, `INSERT INTO collective_items (tenant_id, payer_id, contract_id, invoice_id, gross_cents)
			VALUES ($1,$2,$3,$4,$5)`, sc.tenant(), iss.PayerID, c.ContractID, iss.ID, c.GrossCents)
		if classify(err) == dbErrUnique {
			return errs.Conflict("collective_already_billed")
		}
		if err != nil {
			return mapErr(err)
		}
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO documents (tenant_id, invoice_id, `+documentCols+`)
		VALUES (`+placeholders(1, 2+len(doc))+`) RETURNING id`, append([]any{sc.tenant(), iss.ID}, doc...)...).Scan(&iss.DocumentID); err != nil {
		return mapErr(err)
	}
	if req.EInvoice != nil {
		var f *invoice.EFile
		if prep != nil {
			f = prep.iss.EInvoice
		} else if f, err = req.EInvoice(iss.Invoice); err != nil {
			return fmt.Errorf("e-invoice %s: %w", iss.Invoice.Number, err)
		}
		if f != nil {
			if err := insertEInvoice(ctx, tx, sc.tenant(), iss.ID, f, now); err != nil {
				return err
			}
			iss.EInvoice = f
		}
	}
	if req.ConfirmReservation != 0 {
		if err := s.transitionTxToken(ctx, tx, sc, booking.Transition{ID: req.ConfirmReservation,
			From: []booking.Status{booking.StatusPendingPayment}, To: booking.StatusConfirmed, Release: true},
			req.ConfirmPageTokenHash, req.ConfirmLease); err != nil {
			return err
		}
	}
	if err := answerTx(ctx, tx, sc, req, *iss); err != nil {
		return err
	}
	if err := s.emitTx(ctx, tx, sc.tenant(), webhook.InvoiceIssued, webhook.Ref{InvoiceID: iss.ID,
		ReservationID: iss.ReservationID, ContractID: iss.ContractID, Label: iss.Invoice.Number}); err != nil {
		return err
	}
	if req.Mails == nil {
		return nil
	}
	msgs, ok := prep.mailsFor(*iss)
	if !ok {
		if msgs, err = req.Mails(*iss, pdf); err != nil {
			return err
		}
	}
	for i := range msgs {
		for j, a := range msgs[i].Message.Attachments {
			if bytes.Equal(a.Data, pdf) {
				msgs[i].Message.Attachments[j].DocumentID = iss.DocumentID // kept once
			}
		}
		if err := s.queueEmailTx(ctx, tx, sc.tenant(), &msgs[i]); err != nil {
			return err
		}
		if iss.PayerID != 0 { // a payer's document went to the payer
			if err := s.payerSendTx(ctx, tx, sc, iss.ID, msgs[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// issueChainedTx writes the rest of issueTx on a database that chains
// writes, in one statement: the invoice iss (its values a, lines and PDF
// document doc), its e-invoice, the reservation's confirmation with its
// status change's audit row, its e-mails with their attachments (the
// PDF attached as the document), the answer of its request stored with
// the request's Idempotency-Key (req.Answer), and the payment outcomes
// req.Payments (issueTx leaves them here only when they need no webhook
// event: quietOutcome); one not stored (resolved differently meanwhile)
// returns KindConflict "payment_resolved" and the caller rolls back. req.EInvoice, req.Mails and
// req.Answer run before it: they get iss numbered, totalled and rendered,
// without ID and DocumentID. What cannot go with them follows as on every database: a
// customer's pending update settled, webhook events, a payer's sending.
// A refused confirmation returns transitionRefused's error (the caller
// rolls back: nothing is issued, no number taken).
func (s *Store) issueChainedTx(ctx context.Context, tx *sql.Tx, sc scope, req invoice.IssueRequest, iss *invoice.Issued,
	a args, lines [][]any, doc []any, pdf []byte, now time.Time) error {
	q := `WITH inv AS (INSERT INTO invoices (` + invoiceInsertCols + `) VALUES (` + placeholders(1, len(a)) + `) RETURNING id),
		lines AS (INSERT INTO invoice_lines (tenant_id, invoice_id, ` + invoiceLineCols + `)
			SELECT $1, inv.id, v.* FROM inv, (VALUES ` + typedRows(&a, lines, invoiceLineTypes) + `) AS v),
		doc AS (INSERT INTO documents (tenant_id, invoice_id, ` + documentCols + `)
			SELECT $1, inv.id, ` + typedList(&a, doc, documentTypes) + ` FROM inv RETURNING id), `
	if req.EInvoice != nil {
		f, err := req.EInvoice(iss.Invoice)
		if err != nil {
			return fmt.Errorf("e-invoice %s: %w", iss.Invoice.Number, err)
		}
		if f != nil {
			sum := sha256.Sum256(f.Data)
			q += `ein AS (INSERT INTO einvoices (tenant_id, invoice_id, ` + einvoiceCols + `) SELECT $1, inv.id, ` +
				typedList(&a, []any{f.Filename, f.ContentType, hex.EncodeToString(sum[:]), len(f.Data), f.Data, ts(now)},
					einvoiceTypes) + ` FROM inv), `
			iss.EInvoice = f
		}
	}
	sel, from := `inv.id, doc.id`, `inv, doc`
	var confirm booking.Transition
	if req.ConfirmReservation != 0 {
		confirm = booking.Transition{ID: req.ConfirmReservation, From: []booking.Status{booking.StatusPendingPayment},
			To: booking.StatusConfirmed, Release: true}
		ctes, err := s.transitionCTEs(&a, sc, confirm, booking.StatusPendingPayment, req.ConfirmPageTokenHash, req.ConfirmLease)
		if err != nil {
			return err
		}
		q += ctes
	}
	var msgs []mail.Queued
	if req.Mails != nil {
		var err error
		if msgs, err = req.Mails(*iss, pdf); err != nil {
			return err
		}
	}
	ofDoc := make([][]bool, len(msgs))
	for i := range msgs {
		row, atts, err := s.emailValues(sc.tenant(), &msgs[i])
		if err != nil {
			return err
		}
		ofDoc[i] = make([]bool, len(atts))
		for j, at := range msgs[i].Message.Attachments {
			ofDoc[i][j] = at.DocumentID == 0 && bytes.Equal(at.Data, pdf) // kept once, as the document
		}
		name := fmt.Sprintf("mail%d", i)
		q += emailCTEs(&a, name, row, atts, ofDoc[i], `(SELECT id FROM doc)`)
		sel, from = sel+`, `+name+`.id`, from+`, `+name
	}
	if ans, err := answerSQL(&a, sc, req, *iss); err != nil {
		return err
	} else if ans != "" {
		q += `ans AS (` + ans + `), `
	}
	dest := []any{&iss.ID, &iss.DocumentID}
	for i := range msgs {
		dest = append(dest, &msgs[i].ID)
	}
	paid := true
	if len(req.Payments) > 0 {
		ctes, stored := outcomeCTEs(&a, sc.tenant(), req.Payments)
		q += ctes
		sel += `, ` + stored
		dest = append(dest, &paid)
	}
	r := booking.Reservation{ID: confirm.ID, Status: booking.StatusPendingPayment}
	var pending sql.NullString
	if confirm.ID != 0 {
		sel, from = sel+`, `+transitionReturning, from+`, res`
		dest = append(dest, &r.StationID, &r.Number, &r.CustomerID, &pending)
	}
	err := tx.QueryRowContext(ctx, strings.TrimSuffix(q, ", ")+` SELECT `+sel+` FROM `+from, a...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) && confirm.ID != 0 {
		return s.transitionRefused(ctx, tx, confirm, req.ConfirmLease)
	}
	if err != nil {
		return mapErr(err)
	}
	if !paid {
		return errs.Conflict("payment_resolved")
	}
	for i := range msgs {
		for j := range ofDoc[i] {
			if ofDoc[i][j] {
				msgs[i].Message.Attachments[j].DocumentID = iss.DocumentID
			}
		}
	}
	if confirm.ID != 0 {
		if err := s.transitionedTx(ctx, tx, sc, confirm, r, pending, transitionAuditedWith(confirm, r.Status)); err != nil {
			return err
		}
	}
	if err := s.emitTx(ctx, tx, sc.tenant(), webhook.InvoiceIssued, webhook.Ref{InvoiceID: iss.ID,
		ReservationID: iss.ReservationID, ContractID: iss.ContractID, Label: iss.Invoice.Number}); err != nil {
		return err
	}
	if iss.PayerID == 0 {
		return nil
	}
	for i := range msgs { // a payer's document went to the payer
		if err := s.payerSendTx(ctx, tx, sc, iss.ID, msgs[i]); err != nil {
			return err
		}
	}
	return nil
}

const (
	invoiceInsertCols = `tenant_id, station_id, kind, number, reservation_id, contract_id, customer_id, corrects_id,
		issued_at, service_from, service_to, currency, net_cents, vat_cents, gross_cents, deducted_cents, due_cents,
		language, recipient, supplier, deducted_net_cents, payment, note, test, payer_id`
	// after tenant_id and invoice_id
	invoiceLineCols = `position, description, quantity_milli, unit, unit_gross_cents, vat_rate_bp, net_cents, vat_cents,
		gross_cents, kind, tax_category`
	documentCols = `kind, contract_id, reservation_id, filename, content_type, sha256, size_bytes, data, created_at`
	// after tenant_id and invoice_id
	einvoiceCols = `filename, content_type, sha256, size_bytes, data, created_at`
)

// The SQL types of the columns above, for values sent as parameters of a
// SELECT or VALUES list (where PostgreSQL cannot infer them from the
// column).
var (
	invoiceLineTypes = []string{"integer", "text", "bigint", "text", "bigint", "integer", "bigint", "bigint", "bigint", "text", "text"}
	documentTypes    = []string{"text", "bigint", "bigint", "text", "text", "text", "bigint", "bytea", "timestamptz"}
	einvoiceTypes    = []string{"text", "text", "text", "bigint", "bytea", "timestamptz"}
)

// taxCategoryCode is the stored code of a line's VAT category (S or O).
func taxCategoryCode(c invoice.TaxCategory) string {
	if c == invoice.CategoryStandard {
		return "S"
	}
	return string(c)
}

// insertEInvoice keeps the e-invoice file f of invoice id (immutable by
// trigger, like the PDF).
func insertEInvoice(ctx context.Context, tx *sql.Tx, tenantID, id int64, f *invoice.EFile, now time.Time) error {
	sum := sha256.Sum256(f.Data)
	_, err := tx.ExecContext(ctx, `INSERT INTO einvoices (tenant_id, invoice_id, `+einvoiceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, tenantID, id, f.Filename, f.ContentType,
		hex.EncodeToString(sum[:]), len(f.Data), f.Data, ts(now))
	return mapErr(err)
}

// EInvoiceFile returns the e-invoice file issued with invoice id, if one
// was (ok false: none, e.g. the invoice went to a consumer), scoped like
// ListInvoices. Errors: KindNotFound for an invoice outside the actor's
// reach; KindInternal when the stored bytes do not match their hash.
func (s *Store) EInvoiceFile(ctx context.Context, id int64) (f invoice.EFile, ok bool, err error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return f, false, err
	}
	a := args{sc.tenant(), id}
	where := `i.tenant_id = $1 AND i.id = $2`
	if !sc.a.AllStations() {
		where += ` AND ` + sc.invoices(&a)
	}
	var name, ctype, sum sql.NullString // NULL: the invoice has no e-invoice
	err = s.db.QueryRowContext(ctx, `SELECT e.filename, e.content_type, e.sha256, e.data FROM invoices i
		LEFT JOIN einvoices e ON e.tenant_id = i.tenant_id AND e.invoice_id = i.id WHERE `+where, a...).
		Scan(&name, &ctype, &sum, &f.Data)
	if err != nil {
		return f, false, notFound(err, "invoice_not_found")
	}
	if !sum.Valid {
		return invoice.EFile{}, false, nil
	}
	f.Filename, f.ContentType = name.String, ctype.String
	got := sha256.Sum256(f.Data)
	if hex.EncodeToString(got[:]) != sum.String {
		return f, false, errors.New("stored e-invoice does not match its hash")
	}
	return f, true, nil
}

// ListInvoices returns the issued invoices and credit notes matching f, in issue order.
func (s *Store) ListInvoices(ctx context.Context, f invoice.Filter) ([]invoice.Summary, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	where := `i.tenant_id = $1`
	if f.ReservationID != 0 {
		where += ` AND i.reservation_id = ` + a.add(f.ReservationID)
	}
	if f.ContractID != 0 {
		where += ` AND i.contract_id = ` + a.add(f.ContractID)
	}
	if f.CustomerID != 0 {
		// a payer's collective invoice bills many drivers' rentals: it is
		// none of theirs (its customer is only its first rental's driver)
		where += ` AND i.customer_id = ` + a.add(f.CustomerID) + ` AND (i.payer_id IS NULL OR i.contract_id IS NOT NULL)`
	}
	if !sc.a.AllStations() {
		where += ` AND ` + sc.invoices(&a)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.kind, i.number, i.issued_at, i.reservation_id, i.contract_id,
		i.customer_id, i.corrects_id, i.net_cents, i.vat_cents, i.gross_cents, i.due_cents, d.id, d.sha256, i.payment, i.payer_id, i.recipient,
		CASE WHEN EXISTS (SELECT 1 FROM invoice_lines l WHERE l.tenant_id = i.tenant_id AND l.invoice_id = i.id
			AND l.tax_category = 'O') THEN 1 ELSE 0 END
		FROM invoices i JOIN documents d ON d.invoice_id = i.id WHERE `+where+` ORDER BY i.id`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []invoice.Summary
	for rows.Next() {
		var x invoice.Summary
		var pay sql.NullString
		var notSubject int
		var recipient string
		if err := rows.Scan(&x.ID, &x.Kind, &x.Number, tsScan{&x.IssuedAt}, int64Scan{&x.ReservationID}, int64Scan{&x.ContractID},
			&x.CustomerID, int64Scan{&x.CorrectsID}, &x.Net, &x.VAT, &x.Gross, &x.Due, &x.DocumentID, &x.SHA256, &pay,
			int64Scan{&x.PayerID}, &recipient, &notSubject); err != nil {
			return nil, err
		}
		var to invoice.Party
		if json.Unmarshal([]byte(recipient), &to) == nil {
			x.Recipient = to.Name
		}
		x.NotSubject = notSubject == 1
		if x.PaymentUnknown = !pay.Valid; pay.Valid {
			if err := json.Unmarshal([]byte(pay.String), &x.Payment); err != nil {
				return nil, fmt.Errorf("invoice %s payment: %w", x.Number, err)
			}
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Document returns an issued document of the actor's tenant. Errors: KindNotFound.
func (s *Store) Document(ctx context.Context, id int64) (document.Stored, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return document.Stored{}, err
	}
	var d document.Stored
	err = s.db.QueryRowContext(ctx, `SELECT id, kind, filename, content_type, sha256, data, created_at FROM documents
		WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id).Scan(&d.ID, &d.Kind, &d.Filename, &d.ContentType, &d.SHA256,
		&d.Data, tsScan{&d.CreatedAt})
	if err != nil {
		return d, notFound(err, "document_not_found")
	}
	sum := sha256.Sum256(d.Data)
	if hex.EncodeToString(sum[:]) != d.SHA256 {
		return d, errors.New("stored document does not match its hash")
	}
	return d, nil
}
