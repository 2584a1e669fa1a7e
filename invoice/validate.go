package invoice

import (
	"fmt"
	"slices"
	"strings"

	"mietwerk.dev/mietwerk/errs"
)

// Limits that keep every computation far inside int64.
const (
	MaxQuantityMilli = 1_000_000_000 // one million units
	MaxUnitGross     = 1_000_000_000 // ten million euros
	MaxLines         = 1000
	MaxRateBP        = 10000 // 100 %
)

// Validate reports every missing or inconsistent field of inv as one
// errs.KindInvalid error with field errors, or nil when inv can be issued:
// the §14 UStG fields are present (supplier and recipient name and address,
// supplier tax number or VAT id, number, issue date, service period, at
// least one line with description, quantity and unit), a final invoice's
// advances balance per rate, and a credit note names the invoice it corrects.
func Validate(inv Invoice) error {
	var f errs.Fields
	if !inv.Kind.Valid() {
		f.Add("kind", "unknown document kind")
	}
	if strings.TrimSpace(inv.Number) == "" {
		f.Add("number", "is required")
	}
	if inv.IssueDate.IsZero() {
		f.Add("issue_date", "is required")
	}
	if inv.ServicePeriod.From.IsZero() || inv.ServicePeriod.To.IsZero() {
		f.Add("service_period", "is required")
	} else if inv.ServicePeriod.To.Before(inv.ServicePeriod.From) {
		f.Add("service_period", "ends before it starts")
	}
	if inv.Currency != "EUR" {
		f.Add("currency", "only EUR is supported")
	}
	validateParty(&f, "supplier", inv.Supplier)
	if inv.Supplier.VATID == "" && inv.Supplier.TaxNumber == "" {
		f.Add("supplier.tax_id", "a tax number or VAT id is required")
	}
	validateParty(&f, "recipient", inv.Recipient)

	if len(inv.Lines) == 0 {
		f.Add("lines", "at least one line is required")
	}
	if len(inv.Lines) > MaxLines {
		f.Addf("lines", "at most %d lines", MaxLines)
	}
	for i, l := range inv.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		if strings.TrimSpace(l.Description) == "" {
			f.Add(p+"description", "is required")
		}
		if strings.TrimSpace(l.Unit) == "" {
			f.Add(p+"unit", "is required")
		}
		if l.QuantityMilli <= 0 || l.QuantityMilli > MaxQuantityMilli {
			f.Addf(p+"quantity", "must be above 0 and at most %d", MaxQuantityMilli/1000)
		}
		if l.UnitGross < -MaxUnitGross || l.UnitGross > MaxUnitGross {
			f.Add(p+"unit_gross", "is out of range")
		}
		if l.VATRateBP < 0 || l.VATRateBP > MaxRateBP {
			f.Add(p+"vat_rate", "must be between 0 and 10000 basis points")
		}
		switch l.TaxCategory {
		case CategoryStandard:
		case CategoryNotSubject:
			if l.VATRateBP != 0 {
				f.Add(p+"vat_rate", "a line not subject to VAT has no VAT rate")
			}
		default:
			f.Add(p+"tax_category", "unknown VAT category")
		}
	}
	if o := slices.IndexFunc(inv.Lines, func(l Line) bool { return l.TaxCategory == CategoryNotSubject }); o >= 0 && !inv.NotSubject() {
		// EN 16931 BR-O-11: a document with lines not subject to VAT has no other VAT category
		f.Add("lines", "lines not subject to VAT (damage compensation) cannot share a document with taxed lines")
	}
	if inv.NotSubject() && (inv.Kind == KindAdvance || inv.Kind == KindFinal) {
		f.Add("kind", "advance and final invoices bill the rental, which is subject to VAT")
	}
	switch inv.Payment.Means {
	case MeansOpen, MeansCash, MeansTerminal, MeansTransfer, MeansOffset:
	case MeansCard:
		if c := inv.Payment.CardLast4; c != "" && (len(c) != 4 || strings.Trim(c, "0123456789") != "") {
			f.Add("payment.card_last4", "the last four digits of the card, nothing more")
		}
	default:
		f.Add("payment.means", "unknown payment means")
	}
	if inv.Payment.TermsDays < 0 || inv.Payment.TermsDays > 365 {
		f.Add("payment.terms_days", "between 0 and 365 days")
	}

	switch inv.Kind {
	case KindFinal:
		for i, a := range inv.Advances {
			p := fmt.Sprintf("advances[%d].", i)
			if strings.TrimSpace(a.Number) == "" {
				f.Add(p+"number", "is required")
			}
			if a.IssueDate.IsZero() {
				f.Add(p+"issue_date", "is required")
			}
			if len(a.Rates) == 0 {
				f.Add(p+"rates", "at least one rate is required")
			}
			for j, r := range a.Rates {
				if r.Net+r.VAT != r.Gross {
					f.Addf(fmt.Sprintf("%srates[%d]", p, j), "net + VAT must equal gross")
				}
			}
		}
	default:
		if len(inv.Advances) > 0 {
			f.Add("advances", "only a final invoice deducts advance invoices")
		}
	}
	if inv.Kind == KindCreditNote {
		if inv.Corrects == nil || strings.TrimSpace(inv.Corrects.Number) == "" || inv.Corrects.IssueDate.IsZero() {
			f.Add("corrects", "a credit note must name the number and date of the invoice it corrects")
		}
	} else if inv.Corrects != nil {
		f.Add("corrects", "only a credit note corrects an invoice")
	}
	return f.Err()
}

func validateParty(f *errs.Fields, prefix string, p Party) {
	if strings.TrimSpace(p.Name) == "" {
		f.Add(prefix+".name", "is required")
	}
	if strings.TrimSpace(p.Address.Street) == "" {
		f.Add(prefix+".address.street", "is required")
	}
	if strings.TrimSpace(p.Address.PostalCode) == "" {
		f.Add(prefix+".address.postal_code", "is required")
	}
	if strings.TrimSpace(p.Address.City) == "" {
		f.Add(prefix+".address.city", "is required")
	}
}
