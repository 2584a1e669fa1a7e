package billing

// Entry is one payment record as the ledger sees it.
type Entry struct {
	ID       int64
	ParentID int64  // capture, void, refund: the record acted on
	Op       string // payment.Operation: sale, preauth, capture, void, void_preauth, refund, token_sale, token_preauth
	Purpose  string // "deposit" for deposit money, anything else is rent/charges
	Approved bool
	Cents    int64
}

// Doc is one issued invoice or credit note as the ledger sees it.
type Doc struct {
	ID         int64
	Kind       string // invoice.Kind: advance, final, invoice, credit_note
	Gross      int64
	Due        int64 // for finals: gross minus the deducted advances
	CorrectsID int64 // a credit note: the invoice it corrects
}

// Ledger is the money of one contract. Invariant 4 of the design:
// Charged − Refunded = Invoiced − Credited, deposits apart.
type Ledger struct {
	Charged  int64 // money taken for rent and charges (incl. deposit set off or captured)
	Refunded int64 // money paid back on rent and charges
	Invoiced int64 // advance and standalone invoices at gross, finals at max(due, 0)
	Credited int64 // credit notes at gross
	// DepositHeld is deposit money still charged or reserved.
	DepositHeld int64
	// DepositSetOff is deposit money kept as payment (charge + set_off).
	DepositSetOff int64
}

// Paid is Charged − Refunded.
func (l Ledger) Paid() int64 { return l.Charged - l.Refunded }

// Billed is Invoiced − Credited.
func (l Ledger) Billed() int64 { return l.Invoiced - l.Credited }

// Open is what is billed but not (yet) paid; negative when overpaid.
func (l Ledger) Open() int64 { return l.Billed() - l.Paid() }

// Balanced reports invariant 4.
func (l Ledger) Balanced() bool { return l.Open() == 0 }

// LedgerOf builds the ledger from approved payment records, issued
// documents and the deposit amount set off (charge + set_off). A final
// invoice counts with its amount due: what it charges on top of the
// advances it deducts, or, when they exceed it, negative — the amount it
// pays back (§ 14 Abs. 5 UStG: the final invoice deducts the advances and
// their VAT; no second document books that money). Contracts billed before
// this rule carry a credit note over the same amount correcting the final
// invoice ("Guthaben aus Schlussrechnung"); as the final invoice counts
// that money already, such a note counts only with what exceeds it (the
// final's negative due is the most anything could be credited on it).
// Captures of a deposit pre-authorisation are charges taken from the
// deposit; void of a pre-authorisation releases what was not captured.
func LedgerOf(payments []Entry, docs []Doc, setOff int64) Ledger {
	var l Ledger
	byID := map[int64]Entry{}
	for _, p := range payments {
		byID[p.ID] = p
	}
	captured := map[int64]int64{} // pre-auth id → captured
	voided := map[int64]bool{}
	for _, p := range payments {
		if !p.Approved {
			continue
		}
		parent := byID[p.ParentID]
		deposit := p.Purpose == "deposit"
		switch p.Op {
		case "sale", "token_sale":
			if deposit {
				l.DepositHeld += p.Cents
			} else {
				l.Charged += p.Cents
			}
		case "preauth", "token_preauth":
			if deposit {
				l.DepositHeld += p.Cents
			}
		case "capture":
			l.Charged += p.Cents
			captured[p.ParentID] += p.Cents
			if parent.Purpose == "deposit" || deposit {
				l.DepositHeld -= p.Cents
			}
		case "refund":
			if deposit {
				l.DepositHeld -= p.Cents
			} else {
				l.Refunded += p.Cents
			}
		case "void":
			if deposit && (parent.Op == "sale" || parent.Op == "token_sale") {
				l.DepositHeld -= parent.Cents
			} else if parent.Op == "refund" {
				l.Refunded -= parent.Cents
			} else {
				l.Charged -= parent.Cents
			}
		case "void_preauth":
			voided[p.ParentID] = true
		}
	}
	for id := range voided {
		pa := byID[id]
		if pa.Purpose == "deposit" {
			l.DepositHeld -= pa.Cents - captured[id]
		}
	}
	l.DepositHeld -= setOff
	l.DepositSetOff = setOff
	l.Charged += setOff
	// what a final invoice pays back itself: a legacy credit note on it
	// repeats that money
	repeats := map[int64]int64{}
	for _, d := range docs {
		if d.Kind == "final" && d.Due < 0 && d.ID != 0 {
			repeats[d.ID] = -d.Due
		}
	}
	for _, d := range docs {
		switch d.Kind {
		case "credit_note":
			same := min(repeats[d.CorrectsID], d.Gross)
			repeats[d.CorrectsID] -= same
			l.Credited += d.Gross - same
		case "final":
			l.Invoiced += d.Due
		default:
			l.Invoiced += d.Gross
		}
	}
	return l
}
