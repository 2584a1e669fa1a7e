package invoice

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// MaxJournalExportDays bounds the period of a journal export (CSV, ZIP
// archive of the documents): a year plus a margin.
const MaxJournalExportDays = 400

// JournalQuery selects the documents of the sales journal
// (Rechnungsausgangsbuch): those issued in [From, To), optionally of one
// kind, of one station, and whose number or recipient name contains Search
// (case-insensitive). Limit and Offset page the list; Limit 0 means all.
type JournalQuery struct {
	From, To  time.Time
	Kind      Kind // "" for every kind
	StationID int64
	Search    string
	Limit     int
	Offset    int
}

// Validate checks q: a known kind (or none) and a period that ends after it
// starts. Errors: KindInvalid with the field at fault ("kind", "to").
func (q JournalQuery) Validate() error {
	if q.Kind != "" && !q.Kind.Valid() {
		return errs.Invalid("error.fields_invalid", errs.Field("kind", "invoice.kind_unknown"))
	}
	if q.From.IsZero() || q.To.IsZero() || !q.To.After(q.From) {
		return errs.Invalid("error.fields_invalid", errs.Field("to", "field.period_order"))
	}
	if q.Offset < 0 || q.Limit < 0 {
		return errs.Invalid("error.fields_invalid", errs.Field("page", "field.out_of_range"))
	}
	return nil
}

// ExportDays is the length of q's period in days, rounded to the nearest
// day (so that a daylight-saving change inside a period of whole calendar
// days does not count).
func (q JournalQuery) ExportDays() int {
	return int((q.To.Sub(q.From) + 12*time.Hour) / (24 * time.Hour))
}

// JournalEntry is one issued document as the sales journal lists it, with
// the recipient's name and VAT id as printed on the document and labels of
// what it belongs to.
//
// Net, VAT, Gross, DeductedNet, DeductedGross and Due are the document's
// amounts exactly as stored (positive, as printed). Rates holds the amounts
// the journal books per VAT rate, highest rate first, computed from the
// stored lines like the document's own per-rate totals (gross summed per
// rate, then split once): for a final invoice what it adds on top of the
// advance invoices it deducts (which are booked themselves), for a credit
// note negative. BookedNet, BookedVAT and BookedGross are their sums.
type JournalEntry struct {
	ID                int64
	Kind              Kind
	Number            string
	IssuedAt          time.Time
	StationID         int64
	StationName       string
	ReservationID     int64
	ReservationNumber string
	ContractID        int64
	ContractNumber    string
	CorrectsNumber    string // the invoice a credit note corrects
	CustomerName      string // recipient as printed
	CustomerVATID     string
	Net, VAT, Gross   int64
	DeductedNet       int64
	DeductedGross     int64
	Due               int64
	Rates             []RateTotal
	DocumentID        int64  // the stored PDF; 0 if none
	SHA256            string // of the PDF
	HasEInvoice       bool   // an XRechnung XML was issued with it
	// PayerID is the payer the document is addressed to (an insurer,
	// manufacturer programme, fleet customer or cost centre paying its
	// share of a rental; PayerKind its payer.Kind); 0: the customer.
	PayerID   int64
	PayerKind string
	PayerName string // the payer's name as it is now (the document keeps the recipient)
}

// Sign is −1 for a credit note and 1 for every other kind.
func (e JournalEntry) Sign() int64 {
	if e.Kind == KindCreditNote {
		return -1
	}
	return 1
}

// BookedNet is the net amount the journal books for e: net, for a final
// invoice less the deducted advances' net, negative for a credit note.
func (e JournalEntry) BookedNet() int64 { return e.Sign() * (e.Net - e.DeductedNet) }

// BookedVAT is the VAT the journal books for e, like BookedNet.
func (e JournalEntry) BookedVAT() int64 {
	return e.Sign() * (e.VAT - (e.DeductedGross - e.DeductedNet))
}

// BookedGross is the gross amount the journal books for e, like BookedNet;
// for a final invoice it equals its amount due.
func (e JournalEntry) BookedGross() int64 { return e.Sign() * (e.Gross - e.DeductedGross) }

// SignedDue is the document's amount due as stored, negative for a credit
// note (what is paid back).
func (e JournalEntry) SignedDue() int64 { return e.Sign() * e.Due }

// Rate returns e's booked amounts at rateBP (zero when e has none at it).
func (e JournalEntry) Rate(rateBP int) RateTotal {
	for _, r := range e.Rates {
		if r.RateBP == rateBP {
			return r
		}
	}
	return RateTotal{RateBP: rateBP}
}

// BookedRates returns what the journal books per rate for a document of
// kind k with the per-rate totals own (its lines) and deducted (the advance
// invoices a final deducts): own − deducted per rate for a final, −own for
// a credit note, own otherwise; highest rate first, rates with nothing left
// out only when neither side has them.
func BookedRates(k Kind, own, deducted []RateTotal) []RateTotal {
	sign := int64(1)
	if k == KindCreditNote {
		sign = -1
	}
	m := map[int]RateTotal{}
	for _, r := range own {
		x := m[r.RateBP]
		x.RateBP = r.RateBP
		x.Net += sign * r.Net
		x.VAT += sign * r.VAT
		x.Gross += sign * r.Gross
		m[r.RateBP] = x
	}
	if k == KindFinal {
		for _, r := range deducted {
			x := m[r.RateBP]
			x.RateBP = r.RateBP
			x.Net -= r.Net
			x.VAT -= r.VAT
			x.Gross -= r.Gross
			m[r.RateBP] = x
		}
	}
	out := make([]RateTotal, 0, len(m))
	for _, rate := range sortedRates(m) {
		out = append(out, m[rate])
	}
	return out
}

// JournalTotals are the sums of a journal: documents counted, booked net,
// VAT and gross, and per rate, highest rate first.
type JournalTotals struct {
	Documents       int
	Net, VAT, Gross int64
	Rates           []RateTotal
}

// SumJournal adds up the booked amounts of entries.
func SumJournal(entries []JournalEntry) JournalTotals {
	var t JournalTotals
	m := map[int]RateTotal{}
	for _, e := range entries {
		t.Documents++
		t.Net += e.BookedNet()
		t.VAT += e.BookedVAT()
		t.Gross += e.BookedGross()
		for _, r := range e.Rates {
			x := m[r.RateBP]
			x.RateBP = r.RateBP
			x.Net += r.Net
			x.VAT += r.VAT
			x.Gross += r.Gross
			m[r.RateBP] = x
		}
	}
	for _, rate := range sortedRates(m) {
		t.Rates = append(t.Rates, m[rate])
	}
	return t
}

// JournalRates lists the VAT rates present in entries, highest first.
func JournalRates(entries []JournalEntry) []int {
	m := map[int]bool{}
	for _, e := range entries {
		for _, r := range e.Rates {
			m[r.RateBP] = true
		}
	}
	rates := make([]int, 0, len(m))
	for r := range m {
		rates = append(rates, r)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rates)))
	return rates
}

// RateLabel renders a rate in basis points as a percentage with a decimal
// comma or point: 1900 → "19 %", 1650 → "16,5 %".
func RateLabel(rateBP int, decimalComma bool) string {
	s := strconv.Itoa(rateBP / 100)
	if frac := rateBP % 100; frac != 0 {
		sep := "."
		if decimalComma {
			sep = ","
		}
		s += sep + strings.TrimRight(fmt.Sprintf("%02d", frac), "0")
	}
	return s + " %"
}

// JournalFile is one stored file of a journal entry, read for an export:
// the PDF (always) and the XRechnung XML (when issued), exactly as stored.
type JournalFile struct {
	Entry JournalEntry
	PDF   []byte
	XML   []byte // nil when no e-invoice was issued
}

// JournalReader reads the sales journal, scoped by the actor in ctx.
type JournalReader interface {
	// Journal returns the entries matching q (newest first, paged by
	// q.Limit/q.Offset) and the totals of all that match (Documents: how
	// many).
	Journal(ctx context.Context, q JournalQuery) ([]JournalEntry, JournalTotals, error)
	// EachJournalFile calls fn with the stored files of each entry (by
	// ID; Number as stored), one document at a time, in the order given.
	EachJournalFile(ctx context.Context, entries []JournalEntry, fn func(JournalFile) error) error
}
