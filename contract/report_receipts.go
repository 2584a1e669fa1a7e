package contract

import "context"

// CounterEntry is one row of the counter payments report: a receipt, payout
// or reversal (Receipt, with ReversesKind set on a reversal so that Signed
// is its effect) with the contract it belongs to.
type CounterEntry struct {
	Receipt
	StationID      int64 // the contract's pickup station
	ContractNumber string
	CustomerName   string
}

// CounterMethod sums one payment method's rows of a day at a station, each
// row by its effect on what is paid (Receipt.Signed).
type CounterMethod struct {
	Method string // MethodCash, MethodTerminal or MethodTransfer
	// ReceiptsCents is the money received (≥ 0).
	ReceiptsCents int64
	// PayoutsCents is the money given back, negative (≤ 0).
	PayoutsCents int64
	// ReversalsCents is what the reversals recorded that day take back or
	// give back: the opposite of what each cancels (a reversed receipt
	// counts negative, a reversed payout positive), under the method of
	// what it cancels, whatever day that was recorded on.
	ReversalsCents int64
}

// NetCents is the method's net of the day: receipts + payouts + reversals
// (signed), i.e. what the method's takings changed by.
func (m CounterMethod) NetCents() int64 { return m.ReceiptsCents + m.PayoutsCents + m.ReversalsCents }

// CounterDay is one station's payments at the counter on one day: the sums
// per method and the rows they are made of.
type CounterDay struct {
	StationID   int64
	StationName string
	Day         string // YYYY-MM-DD: the rows' received_on
	// Methods has one entry per ReceiptMethods, in that order (zero when
	// nothing came in that way); a method outside the list that a row
	// names is appended, so no row is ever left out of the sums.
	Methods []CounterMethod
	// Entries are the day's rows, in the order they were entered.
	Entries []CounterEntry
}

// Method returns the sums of method m (zero sums when there are none).
func (d CounterDay) Method(m string) CounterMethod {
	for _, x := range d.Methods {
		if x.Method == m {
			return x
		}
	}
	return CounterMethod{Method: m}
}

// CashNetCents is the net of cash ("Bargeld netto"): what the station's
// till must have gained that day (negative: it must hold less).
func (d CounterDay) CashNetCents() int64 { return d.Method(MethodCash).NetCents() }

// NewCounterDay sums entries (rows of one station and day) per method.
func NewCounterDay(stationID int64, stationName, day string, entries []CounterEntry) CounterDay {
	d := CounterDay{StationID: stationID, StationName: stationName, Day: day, Entries: entries}
	idx := map[string]int{}
	for _, m := range ReceiptMethods {
		idx[m] = len(d.Methods)
		d.Methods = append(d.Methods, CounterMethod{Method: m})
	}
	for _, e := range entries {
		i, ok := idx[e.Method]
		if !ok {
			i = len(d.Methods)
			idx[e.Method] = i
			d.Methods = append(d.Methods, CounterMethod{Method: e.Method})
		}
		m := &d.Methods[i]
		switch e.Kind {
		case KindReversal:
			m.ReversalsCents += e.Signed()
		case KindPayout:
			m.PayoutsCents += e.Signed()
		default:
			m.ReceiptsCents += e.Signed()
		}
	}
	return d
}

// CounterReports is the counter payments report, scoped by the actor like
// Reports.
type CounterReports interface {
	// CounterPayments returns, for every station the actor may see (by
	// name), the receipts, payouts and reversals recorded with received_on
	// = day (YYYY-MM-DD) on contracts picked up at that station, summed
	// per method. Errors: KindInvalid for a day that is not YYYY-MM-DD,
	// KindUnauthorized/KindForbidden without a tenant actor.
	CounterPayments(ctx context.Context, day string) ([]CounterDay, error)
}
