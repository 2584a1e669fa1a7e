package invoice

import (
	"fmt"
	"slices"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
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
		f.Add("kind", "invoice.kind_unknown")
	}
	if strings.TrimSpace(inv.Number) == "" {
		f.Add("number", "field.required")
	}
	if inv.IssueDate.IsZero() {
		f.Add("issue_date", "field.required")
	}
	if inv.ServicePeriod.From.IsZero() || inv.ServicePeriod.To.IsZero() {
		f.Add("service_period", "field.required")
	} else if inv.ServicePeriod.To.Before(inv.ServicePeriod.From) {
		f.Add("service_period", "field.period_order")
	}
	if inv.Currency != "EUR" {
		f.Add("currency", "invoice.currency_eur")
	}
	validateParty(&f, "supplier", inv.Supplier)
	if inv.Supplier.VATID == "" && inv.Supplier.TaxNumber == "" {
		f.Add("supplier.tax_id", "invoice.tax_id_required")
	}
	validateParty(&f, "recipient", inv.Recipient)

	if len(inv.Lines) == 0 {
		f.Add("lines", "invoice.lines_required")
	}
	if len(inv.Lines) > MaxLines {
		f.Add("lines", "invoice.lines_max", locale.Params{"n": MaxLines})
	}
	for i, l := range inv.Lines {
		p := fmt.Sprintf("lines[%d].", i)
		if strings.TrimSpace(l.Description) == "" {
			f.Add(p+"description", "field.required")
		}
		if strings.TrimSpace(l.Unit) == "" {
			f.Add(p+"unit", "field.required")
		}
		if l.QuantityMilli <= 0 || l.QuantityMilli > MaxQuantityMilli {
			f.Add(p+"quantity", "invoice.quantity_range", locale.Params{"max": MaxQuantityMilli / 1000})
		}
		if l.UnitGross < -MaxUnitGross || l.UnitGross > MaxUnitGross {
			f.Add(p+"unit_gross", "field.out_of_range")
		}
		if l.VATRateBP < 0 || l.VATRateBP > MaxRateBP {
			f.Add(p+"vat_rate", "field.between", locale.Params{"min": locale.Percent(0), "max": locale.Percent(10000)})
		}
		switch l.TaxCategory {
		case CategoryStandard:
		case CategoryNotSubject:
			if l.VATRateBP != 0 {
				f.Add(p+"vat_rate", "invoice.not_subject_no_rate")
			}
		default:
			f.Add(p+"tax_category", "invoice.tax_category_unknown")
		}
	}
	if o := slices.IndexFunc(inv.Lines, func(l Line) bool { return l.TaxCategory == CategoryNotSubject }); o >= 0 && !inv.NotSubject() {
		// EN 16931 BR-O-11: a document with lines not subject to VAT has no other VAT category
		f.Add("lines", "invoice.not_subject_mixed")
	}
	if inv.NotSubject() && (inv.Kind == KindAdvance || inv.Kind == KindFinal) {
		f.Add("kind", "invoice.not_subject_rental")
	}
	switch inv.Payment.Means {
	case MeansOpen, MeansCash, MeansTerminal, MeansTransfer, MeansOffset:
	case MeansCard:
		if c := inv.Payment.CardLast4; c != "" && (len(c) != 4 || strings.Trim(c, "0123456789") != "") {
			f.Add("payment.card_last4", "invoice.card_last4")
		}
	default:
		f.Add("payment.means", "invoice.payment_means_unknown")
	}
	if inv.Payment.TermsDays < 0 || inv.Payment.TermsDays > 365 {
		f.Add("payment.terms_days", "invoice.terms_days_range", locale.Params{"min": 0, "max": 365})
	}

	switch inv.Kind {
	case KindFinal:
		for i, a := range inv.Advances {
			p := fmt.Sprintf("advances[%d].", i)
			if strings.TrimSpace(a.Number) == "" {
				f.Add(p+"number", "field.required")
			}
			if a.IssueDate.IsZero() {
				f.Add(p+"issue_date", "field.required")
			}
			if len(a.Rates) == 0 {
				f.Add(p+"rates", "invoice.rates_required")
			}
			for j, r := range a.Rates {
				if r.Net+r.VAT != r.Gross {
					f.Add(fmt.Sprintf("%srates[%d]", p, j), "invoice.rate_sum")
				}
			}
		}
	default:
		if len(inv.Advances) > 0 {
			f.Add("advances", "invoice.advances_final_only")
		}
	}
	if inv.Kind == KindCreditNote {
		if inv.Corrects == nil || strings.TrimSpace(inv.Corrects.Number) == "" || inv.Corrects.IssueDate.IsZero() {
			f.Add("corrects", "invoice.corrects_required")
		}
	} else if inv.Corrects != nil {
		f.Add("corrects", "invoice.corrects_credit_only")
	}
	return f.Err()
}

func validateParty(f *errs.Fields, prefix string, p Party) {
	if strings.TrimSpace(p.Name) == "" {
		f.Add(prefix+".name", "field.required")
	}
	if strings.TrimSpace(p.Address.Street) == "" {
		f.Add(prefix+".address.street", "field.required")
	}
	if strings.TrimSpace(p.Address.PostalCode) == "" {
		f.Add(prefix+".address.postal_code", "field.required")
	}
	if strings.TrimSpace(p.Address.City) == "" {
		f.Add(prefix+".address.city", "field.required")
	}
}
