package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"mietwerk.dev/mietwerk/invoice"
)

// journalChunk is how many invoice ids one per-rate query asks for.
const journalChunk = 500

// journalWhere builds the WHERE clause of q over the invoices row aliased i,
// scoped to the actor's tenant and stations.
func (s *Store) journalWhere(sc scope, q invoice.JournalQuery, a *args) string {
	// test-mode documents are no documents of the business: never here
	where := `i.tenant_id = ` + a.add(sc.tenant()) + ` AND NOT i.test AND i.issued_at >= ` + a.add(ts(q.From)) +
		` AND i.issued_at < ` + a.add(ts(q.To)) + ` AND ` + sc.invoices(a)
	if q.Kind != "" {
		where += ` AND i.kind = ` + a.add(string(q.Kind))
	}
	if q.StationID != 0 {
		where += ` AND i.station_id = ` + a.add(q.StationID)
	}
	if t := strings.TrimSpace(q.Search); t != "" {
		name := s.dialect.jsonText("i.recipient", "Name")
		p := a.add(likeArg(t))
		where += ` AND (lower(i.number) LIKE ` + p + ` ESCAPE '\' OR lower(COALESCE(` + name + `, '')) LIKE ` + p + ` ESCAPE '\')`
	}
	return where
}

// Journal returns the sales journal (Rechnungsausgangsbuch): the invoices
// and credit notes the actor may see (tenant; a station user only its
// stations') issued in [q.From, q.To) and matching q, newest first, paged
// by q.Limit/q.Offset (Limit 0: all), and the totals of every matching
// document: how many, and the booked net, VAT and gross (finals less their
// advances, credit notes negative) summed from the stored invoice amounts.
// Each entry's per-rate amounts come from its stored lines (gross per rate,
// split once, as the document computed them) and must add up to its stored
// totals, and a final's deducted advances to its stored deductions; else
// the call fails (KindInternal) rather than list amounts that differ from
// the issued documents. With Limit 0 the totals also carry the per-rate
// sums, and the entries must add up to the stored totals. Errors:
// KindInvalid for a bad query (see JournalQuery.Validate), KindUnauthorized
// or KindForbidden without a tenant actor.
func (s *Store) Journal(ctx context.Context, q invoice.JournalQuery) ([]invoice.JournalEntry, invoice.JournalTotals, error) {
	var tot invoice.JournalTotals
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, tot, err
	}
	if err := q.Validate(); err != nil {
		return nil, tot, err
	}
	var out []invoice.JournalEntry
	err = s.read(ctx, func(db querier) error {
		a := args{}
		where := s.journalWhere(sc, q, &a)
		if err := db.QueryRowContext(ctx, `SELECT count(*),
			CAST(COALESCE(SUM(CASE i.kind WHEN 'credit_note' THEN -i.net_cents WHEN 'final' THEN i.net_cents - i.deducted_net_cents
				ELSE i.net_cents END), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE i.kind WHEN 'credit_note' THEN -i.vat_cents
				WHEN 'final' THEN i.vat_cents - (i.deducted_cents - i.deducted_net_cents) ELSE i.vat_cents END), 0) AS BIGINT),
			CAST(COALESCE(SUM(CASE i.kind WHEN 'credit_note' THEN -i.gross_cents WHEN 'final' THEN i.gross_cents - i.deducted_cents
				ELSE i.gross_cents END), 0) AS BIGINT)
			FROM invoices i WHERE `+where, a...).Scan(&tot.Documents, &tot.Net, &tot.VAT, &tot.Gross); err != nil {
			return err
		}
		page := ``
		if q.Limit > 0 {
			page = ` LIMIT ` + a.add(q.Limit) + ` OFFSET ` + a.add(q.Offset)
		}
		rows, err := db.QueryContext(ctx, `SELECT i.id, i.kind, i.number, i.issued_at, COALESCE(i.station_id, 0), COALESCE(st.name, ''),
			COALESCE(i.reservation_id, 0), COALESCE(r.number, ''), COALESCE(i.contract_id, 0), COALESCE(k.number, ''),
			COALESCE(ci.number, ''), i.recipient, i.net_cents, i.vat_cents, i.gross_cents, i.deducted_net_cents, i.deducted_cents,
			i.due_cents, COALESCE(d.id, 0), COALESCE(d.sha256, ''), CASE WHEN e.id IS NULL THEN 0 ELSE 1 END,
			COALESCE(i.payer_id, 0), COALESCE(py.kind, ''), COALESCE(py.name, '')
			FROM invoices i
			LEFT JOIN payers py ON py.tenant_id = i.tenant_id AND py.id = i.payer_id
			LEFT JOIN stations st ON st.tenant_id = i.tenant_id AND st.id = i.station_id
			LEFT JOIN reservations r ON r.tenant_id = i.tenant_id AND r.id = i.reservation_id
			LEFT JOIN contracts k ON k.tenant_id = i.tenant_id AND k.id = i.contract_id
			LEFT JOIN invoices ci ON ci.tenant_id = i.tenant_id AND ci.id = i.corrects_id
			LEFT JOIN documents d ON d.tenant_id = i.tenant_id AND d.invoice_id = i.id AND d.kind IN ('invoice', 'credit_note')
			LEFT JOIN einvoices e ON e.tenant_id = i.tenant_id AND e.invoice_id = i.id
			WHERE `+where+` ORDER BY i.issued_at DESC, i.id DESC`+page, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e invoice.JournalEntry
			var recipient string
			var hasXML int
			if err := rows.Scan(&e.ID, &e.Kind, &e.Number, tsScan{&e.IssuedAt}, &e.StationID, &e.StationName, &e.ReservationID,
				&e.ReservationNumber, &e.ContractID, &e.ContractNumber, &e.CorrectsNumber, &recipient, &e.Net, &e.VAT, &e.Gross,
				&e.DeductedNet, &e.DeductedGross, &e.Due, &e.DocumentID, &e.SHA256, &hasXML, &e.PayerID, &e.PayerKind, &e.PayerName); err != nil {
				return err
			}
			var p invoice.Party
			if err := json.Unmarshal([]byte(recipient), &p); err != nil {
				return fmt.Errorf("invoice %s recipient: %w", e.Number, err)
			}
			e.CustomerName, e.CustomerVATID, e.HasEInvoice = p.Name, p.VATID, hasXML == 1
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return s.journalRates(ctx, db, sc.tenant(), out)
	})
	if err != nil {
		return nil, tot, err
	}
	if q.Limit == 0 {
		sum := invoice.SumJournal(out)
		if sum.Documents != tot.Documents || sum.Net != tot.Net || sum.VAT != tot.VAT || sum.Gross != tot.Gross {
			return nil, tot, errors.New("the journal's documents do not add up to their stored totals")
		}
		tot.Rates = sum.Rates
	}
	return out, tot, nil
}

// journalRates fills the booked per-rate amounts of entries from their
// stored lines and, for finals, the lines of the advances they deduct
// (those of the same reservation issued before them, as IssuedInvoice
// rebuilds them), and checks them against the stored totals.
func (s *Store) journalRates(ctx context.Context, db querier, tenantID int64, entries []invoice.JournalEntry) error {
	for start := 0; start < len(entries); start += journalChunk {
		part := entries[start:min(start+journalChunk, len(entries))]
		a := args{tenantID}
		ph := make([]string, len(part))
		idx := map[int64]int{}
		for i, e := range part {
			ph[i] = a.add(e.ID)
			idx[e.ID] = start + i
		}
		in := strings.Join(ph, ",")
		own, err := rateTotals(ctx, db, `SELECT invoice_id, vat_rate_bp, CAST(SUM(gross_cents) AS BIGINT) FROM invoice_lines
			WHERE tenant_id = $1 AND invoice_id IN (`+in+`) GROUP BY invoice_id, vat_rate_bp`, a)
		if err != nil {
			return err
		}
		// per advance and rate split once, as the advance itself did
		ded, err := rateTotals(ctx, db, `SELECT f.id, l.vat_rate_bp, CAST(SUM(l.gross_cents) AS BIGINT) FROM invoices f
			JOIN invoices adv ON adv.tenant_id = f.tenant_id AND adv.reservation_id = f.reservation_id AND adv.kind = 'advance' AND adv.id < f.id
			JOIN invoice_lines l ON l.tenant_id = adv.tenant_id AND l.invoice_id = adv.id
			WHERE f.tenant_id = $1 AND f.kind = 'final' AND f.id IN (`+in+`) GROUP BY f.id, adv.id, l.vat_rate_bp`, a)
		if err != nil {
			return err
		}
		for id, i := range idx {
			e := &entries[i]
			var net, vat, gross, dNet, dGross int64
			for _, r := range own[id] {
				net, vat, gross = net+r.Net, vat+r.VAT, gross+r.Gross
			}
			if e.Kind == invoice.KindFinal {
				for _, r := range ded[id] {
					dNet, dGross = dNet+r.Net, dGross+r.Gross
				}
			}
			if net != e.Net || vat != e.VAT || gross != e.Gross || dNet != e.DeductedNet || dGross != e.DeductedGross {
				return fmt.Errorf("invoice %s: stored totals do not match its lines and advances", e.Number)
			}
			e.Rates = invoice.BookedRates(e.Kind, own[id], ded[id])
		}
	}
	return nil
}

// EachJournalFile calls fn with the stored PDF and, where one was issued,
// the XRechnung XML of each entry (only its ID is read; Number is set as
// stored), in the order given, reading one
// document at a time (never all of them at once). Only documents of
// invoices the actor may see are read; the bytes are checked against their
// stored SHA-256. An error of fn stops the walk and is returned. Errors:
// KindNotFound for an entry outside the actor's reach or without its PDF,
// KindInternal when stored bytes do not match their hash.
func (s *Store) EachJournalFile(ctx context.Context, entries []invoice.JournalEntry, fn func(invoice.JournalFile) error) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	for _, e := range entries {
		f := invoice.JournalFile{Entry: e}
		a := args{sc.tenant(), e.ID}
		var sum string
		var xmlSum sql.NullString // NULL: no e-invoice
		var xml []byte
		err := s.db.QueryRowContext(ctx, `SELECT i.number, d.sha256, d.data, x.sha256, x.data FROM invoices i
			JOIN documents d ON d.tenant_id = i.tenant_id AND d.invoice_id = i.id AND d.kind IN ('invoice', 'credit_note')
			LEFT JOIN einvoices x ON x.tenant_id = i.tenant_id AND x.invoice_id = i.id
			WHERE i.tenant_id = $1 AND i.id = $2 AND `+sc.invoices(&a), a...).Scan(&f.Entry.Number, &sum, &f.PDF, &xmlSum, &xml)
		if err != nil {
			return notFound(err, "invoice_not_found")
		}
		if got := sha256.Sum256(f.PDF); hex.EncodeToString(got[:]) != sum {
			return fmt.Errorf("stored document of invoice %s does not match its hash", e.Number)
		}
		if xmlSum.Valid {
			if got := sha256.Sum256(xml); hex.EncodeToString(got[:]) != xmlSum.String {
				return fmt.Errorf("stored e-invoice of invoice %s does not match its hash", e.Number)
			}
			f.XML = xml
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// rateTotals runs query (rows of id, VAT rate, gross cents) and returns the
// per-rate totals by id, each gross split into net and VAT once, as an
// invoice splits its rates.
func rateTotals(ctx context.Context, q querier, query string, a args) (map[int64][]invoice.RateTotal, error) {
	rows, err := q.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	out := map[int64][]invoice.RateTotal{}
	err = eachRow(rows, func() error {
		var id int64
		var r invoice.RateTotal
		if err := rows.Scan(&id, &r.RateBP, &r.Gross); err != nil {
			return err
		}
		r.Net, r.VAT = invoice.Split(r.Gross, r.RateBP)
		out[id] = append(out[id], r)
		return nil
	})
	return out, err
}
