package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// journalPageSize is how many documents one page of the invoice list shows.
const journalPageSize = 50

// journalKinds are the kind filters the invoice list offers ("" = all).
var journalKinds = []invoice.Kind{"", invoice.KindAdvance, invoice.KindFinal, invoice.KindStandalone, invoice.KindCreditNote}

// journalSource is what the invoice pages read beyond BookingBackend (the
// SQL store implements it).
type journalSource interface {
	Journal(ctx context.Context, q invoice.JournalQuery) ([]invoice.JournalEntry, invoice.JournalTotals, error)
	EachJournalFile(ctx context.Context, entries []invoice.JournalEntry, fn func(invoice.JournalFile) error) error
}

// journal returns the booking backend as a journalSource, if it is one.
func (a *app) journal() (journalSource, bool) {
	if a.Bookings == nil {
		return nil, false
	}
	j, ok := a.Bookings.(journalSource)
	return j, ok
}

// invoicesData is the invoice list: the filter, one page of documents and
// the totals of every document the filter selects.
type invoicesData struct {
	From, To    string // inclusive days, YYYY-MM-DD (Berlin)
	Kind        string
	StationID   int64
	Q           string
	Kinds       []invoice.Kind
	Stations    []tenancy.Station
	Entries     []invoice.JournalEntry
	Totals      invoice.JournalTotals
	Page, Pages int
	XML         bool // the XRechnung download is mounted
}

// query encodes the filter (without the page) for links.
func (d invoicesData) query() url.Values {
	v := url.Values{"from": {d.From}, "to": {d.To}}
	if d.Kind != "" {
		v.Set("kind", d.Kind)
	}
	if d.StationID != 0 {
		v.Set("station", strconv.FormatInt(d.StationID, 10))
	}
	if d.Q != "" {
		v.Set("q", d.Q)
	}
	return v
}

// PageURL links page p of the list with the same filter.
func (d invoicesData) PageURL(p int) string {
	v := d.query()
	if p > 1 {
		v.Set("page", strconv.Itoa(p))
	}
	return "/admin/invoices?" + v.Encode()
}

// ExportURL links an export ("csv" or "zip") of the same filter.
func (d invoicesData) ExportURL(ext string) string {
	return "/admin/invoices/export." + ext + "?" + d.query().Encode()
}

// journalFilter reads the filter from the query: from and to (YYYY-MM-DD,
// Europe/Berlin, inclusive; default the current month), kind, station, q
// and page. A bad kind answers 400, a period that ends before it starts
// 422; the returned key names the message.
func (a *app) journalFilter(r *http.Request) (d invoicesData, q invoice.JournalQuery, status int, msgKey string) {
	v := r.URL.Query()
	now := a.Now().In(berlin)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin)
	to := from.AddDate(0, 1, 0)
	if t, err := time.ParseInLocation("2006-01-02", v.Get("from"), berlin); err == nil {
		from = t
		if v.Get("to") == "" {
			to = from.AddDate(0, 1, 0)
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", v.Get("to"), berlin); err == nil {
		to = t.AddDate(0, 0, 1) // inclusive
	}
	d = invoicesData{From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02"),
		Kind: v.Get("kind"), Q: strings.TrimSpace(v.Get("q")), Kinds: journalKinds, Page: 1}
	if id, err := strconv.ParseInt(v.Get("station"), 10, 64); err == nil && id > 0 {
		d.StationID = id
	}
	if p, err := strconv.Atoi(v.Get("page")); err == nil && p > 1 && p <= 1_000_000 {
		d.Page = p
	}
	q = invoice.JournalQuery{From: from, To: to, Kind: invoice.Kind(d.Kind), StationID: d.StationID, Search: d.Q}
	if q.Kind != "" && !q.Kind.Valid() {
		return d, q, http.StatusBadRequest, "inv.err.kind"
	}
	if !to.After(from) {
		return d, q, http.StatusUnprocessableEntity, "inv.err.period"
	}
	return d, q, 0, ""
}

// invoiceList shows the sales journal: every invoice and credit note the
// user may see (a station user: its stations'), newest first, filtered by
// period, kind, station and a search over number and customer name, with
// the totals of the whole selection (finals less their advances, credit
// notes negative).
func (a *app) invoiceList(w http.ResponseWriter, r *http.Request) error {
	src, ok := a.journal()
	if !ok {
		return errNotFound
	}
	d, q, status, key := a.journalFilter(r)
	if status != 0 {
		return pageError{status, locale.Key(key)}
	}
	ctx := r.Context()
	q.Limit, q.Offset = journalPageSize, (d.Page-1)*journalPageSize
	var err error
	if d.Entries, d.Totals, err = src.Journal(ctx, q); err != nil {
		return err
	}
	d.Pages = max(1, (d.Totals.Documents+journalPageSize-1)/journalPageSize)
	stations, err := a.Tenancy.ListStations(ctx)
	if err != nil {
		return err
	}
	d.Stations = visibleStations(r, stations)
	_, d.XML = a.Bookings.(invoiceXMLSource)
	d.XML = d.XML && a.EInvoicer != nil
	a.render(w, r, http.StatusOK, "invoices", &view{Title: "inv.title", Nav: "invoices", Data: d})
	return nil
}

// invoicePDF sends the stored PDF of an invoice or credit note exactly as
// issued; one outside the user's stations or tenant is 404.
func (a *app) invoicePDF(w http.ResponseWriter, r *http.Request) error {
	src, ok := a.journal()
	id, okID := pathID(r, "id")
	if !ok || !okID {
		return errNotFound
	}
	var pdf []byte
	var num string
	err := src.EachJournalFile(r.Context(), []invoice.JournalEntry{{ID: id}}, func(f invoice.JournalFile) error {
		pdf, num = f.PDF, f.Entry.Number
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+fileSafe(num, "invoice")+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
	return nil
}

// journalExport loads every document of the filter for an export; a
// period over invoice.MaxJournalExportDays answers 422.
func (a *app) journalExport(r *http.Request) (invoicesData, []invoice.JournalEntry, invoice.JournalTotals, error) {
	src, ok := a.journal()
	if !ok {
		return invoicesData{}, nil, invoice.JournalTotals{}, errNotFound
	}
	d, q, status, key := a.journalFilter(r)
	if status == 0 && q.ExportDays() > invoice.MaxJournalExportDays {
		status, key = http.StatusUnprocessableEntity, "inv.err.too_long"
	}
	if status != 0 {
		return d, nil, invoice.JournalTotals{}, pageError{status, locale.Key(key)}
	}
	es, tot, err := src.Journal(r.Context(), q)
	if err != nil {
		return d, nil, tot, err
	}
	return d, es, tot, nil
}

// journalCSVName is the file name of the journal of d's period.
func journalCSVName(d invoicesData) string {
	return "Rechnungsausgangsbuch-" + d.From + "-" + d.To + ".csv"
}

// invoiceCSV sends the sales journal of the filter as CSV for accountants.
func (a *app) invoiceCSV(w http.ResponseWriter, r *http.Request) error {
	d, es, tot, err := a.journalExport(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := writeJournalCSV(&buf, reqCtx(r).lang, es, tot); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+journalCSVName(d)+`"`)
	w.Write(buf.Bytes())
	return nil
}

// invoiceZIP streams an archive of the filter's documents: each stored PDF
// ("<number>.pdf") and XRechnung XML ("<number>.xml") exactly as stored,
// and the journal as CSV. Documents are read one at a time. A failure
// after the first byte aborts the connection, so that no client takes a
// truncated archive for a complete one.
func (a *app) invoiceZIP(w http.ResponseWriter, r *http.Request) error {
	d, es, tot, err := a.journalExport(r)
	if err != nil {
		return err
	}
	var csvBuf bytes.Buffer
	if err := writeJournalCSV(&csvBuf, reqCtx(r).lang, es, tot); err != nil {
		return err
	}
	src, _ := a.journal()
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="Rechnungen-`+d.From+`-`+d.To+`.zip"`)
	zw := zip.NewWriter(w)
	put := func(name string, method uint16, at time.Time, data []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: at})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	}
	err = put(journalCSVName(d), zip.Deflate, a.Now(), csvBuf.Bytes())
	if err == nil {
		err = src.EachJournalFile(r.Context(), es, func(f invoice.JournalFile) error {
			name := fileSafe(f.Entry.Number, strconv.FormatInt(f.Entry.ID, 10))
			if err := put(name+".pdf", zip.Store, f.Entry.IssuedAt, f.PDF); err != nil {
				return err
			}
			if f.XML != nil {
				return put(name+".xml", zip.Deflate, f.Entry.IssuedAt, f.XML)
			}
			return nil
		})
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		a.log.ErrorContext(r.Context(), "invoice archive aborted", "error", err, "path", r.URL.Path)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// fileSafe makes a document number usable as a file name in an archive or
// a header (no path separators, quotes or control characters); fallback
// when nothing is left.
func fileSafe(s, fallback string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r < ' ', r == '/', r == '\\', r == '"', r == ':', r == '*', r == '?', r == '<', r == '>', r == '|':
			return '-'
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" || s == "." || s == ".." {
		return fallback
	}
	return s
}

// writeJournalCSV writes the sales journal as CSV for accountants: UTF-8
// with BOM (Excel), semicolons, decimal commas; one line per document with
// number, date (DD.MM.YYYY, Europe/Berlin), kind, customer and VAT id as
// printed, station, booking and contract number, the invoice a credit note
// corrects, net and VAT per rate present, gross, and for finals the
// advances deducted; then a totals line. Amounts are those booked (finals
// less their advances, credit notes negative).
func writeJournalCSV(w io.Writer, lang string, es []invoice.JournalEntry, tot invoice.JournalTotals) error {
	t := func(k locale.Key, args ...any) string { return translate(lang, k, args...) }
	rates := invoice.JournalRates(es)
	head := []string{t("inv.csv.number"), t("inv.csv.date"), t("inv.csv.kind"), t("inv.csv.customer"), t("inv.csv.payer"), t("inv.csv.vat_id"),
		t("inv.csv.station"), t("inv.csv.booking"), t("inv.csv.contract"), t("inv.csv.corrects")}
	for _, r := range rates {
		label := invoice.RateLabel(r, true)
		head = append(head, t("inv.csv.net_rate", label), t("inv.csv.vat_rate", label))
	}
	head = append(head, t("inv.csv.gross"), t("inv.csv.deducted"))
	cw, err := newCSVExport(w, true)
	if err != nil {
		return err
	}
	if err := cw.row(csvTexts(head...)); err != nil {
		return err
	}
	amount := csvAmount
	for _, e := range es {
		payer := ""
		if e.PayerID != 0 {
			payer = e.PayerName + " (" + t(locale.Key("payer.kind."+e.PayerKind)) + ")"
		}
		row := csvTexts(e.Number, e.IssuedAt.In(berlin).Format("02.01.2006"), t(locale.Key("invoice.kind."+string(e.Kind))), e.CustomerName,
			payer, e.CustomerVATID, e.StationName, e.ReservationNumber, e.ContractNumber, e.CorrectsNumber)
		for _, rate := range rates {
			x := e.Rate(rate)
			row = append(row, amount(x.Net), amount(x.VAT))
		}
		deducted := csvText("")
		if e.Kind == invoice.KindFinal {
			deducted = amount(e.DeductedGross)
		}
		row = append(row, amount(e.BookedGross()), deducted)
		if err := cw.row(row); err != nil {
			return err
		}
	}
	var deducted int64
	for _, e := range es {
		if e.Kind == invoice.KindFinal {
			deducted += e.DeductedGross
		}
	}
	sum := csvTexts(t("inv.csv.total", tot.Documents), "", "", "", "", "", "", "", "", "")
	for _, rate := range rates {
		var x invoice.RateTotal
		for _, r := range tot.Rates {
			if r.RateBP == rate {
				x = r
			}
		}
		sum = append(sum, amount(x.Net), amount(x.VAT))
	}
	sum = append(sum, amount(tot.Gross), amount(deducted))
	if err := cw.row(sum); err != nil {
		return err
	}
	return cw.close()
}

// Helpers for the invoice list template.

// InvDate renders the issue day of t (Europe/Berlin) in the page's language.
func (v *view) InvDate(t time.Time) string { return locale.Lang(v.Lang).Date(t.In(berlin)) }

// InvKind is the label of a document kind.
func (v *view) InvKind(k invoice.Kind) string {
	if k == "" {
		return v.T("invoice.kind.all")
	}
	return v.T("invoice.kind." + string(k))
}
