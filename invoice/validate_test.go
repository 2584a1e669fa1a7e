package invoice

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

func validInvoice() Invoice {
	return Invoice{
		Kind:          KindStandalone,
		Number:        "RE-2026-000001",
		IssueDate:     day,
		ServicePeriod: Period{From: day, To: day.AddDate(0, 0, 2)},
		Currency:      "EUR",
		Supplier: Party{Name: "Autohaus König GmbH", TaxNumber: "12/345/67890",
			Address: Address{Street: "Hauptstraße 1", PostalCode: "20095", City: "Hamburg", Country: "DE"}},
		Recipient: Party{Name: "Jörg Müller",
			Address: Address{Street: "Weg 2", PostalCode: "80331", City: "München", Country: "DE"}},
		Lines: []Line{line("Miete", 1000, 4999, 1900)},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Invoice)
		fields []string // expected invalid fields; none means valid
	}{
		{"valid", func(*Invoice) {}, nil},
		{"vat id instead of tax number", func(i *Invoice) { i.Supplier.TaxNumber = ""; i.Supplier.VATID = "DE123456789" }, nil},
		{"no number", func(i *Invoice) { i.Number = " " }, []string{"number"}},
		{"no issue date", func(i *Invoice) { i.IssueDate = time.Time{} }, []string{"issue_date"}},
		{"no period", func(i *Invoice) { i.ServicePeriod = Period{} }, []string{"service_period"}},
		{"period reversed", func(i *Invoice) { i.ServicePeriod.To = day.AddDate(0, 0, -1) }, []string{"service_period"}},
		{"currency", func(i *Invoice) { i.Currency = "USD" }, []string{"currency"}},
		{"unknown kind", func(i *Invoice) { i.Kind = "x" }, []string{"kind"}},
		{"no supplier tax id", func(i *Invoice) { i.Supplier.TaxNumber = "" }, []string{"supplier.tax_id"}},
		{"recipient address", func(i *Invoice) { i.Recipient.Address = Address{} },
			[]string{"recipient.address.street", "recipient.address.postal_code", "recipient.address.city"}},
		{"supplier name", func(i *Invoice) { i.Supplier.Name = "" }, []string{"supplier.name"}},
		{"no lines", func(i *Invoice) { i.Lines = nil }, []string{"lines"}},
		{"bad line", func(i *Invoice) { i.Lines[0] = Line{QuantityMilli: 0, UnitGross: MaxUnitGross + 1, VATRateBP: 10001} },
			[]string{"lines[0].description", "lines[0].unit", "lines[0].quantity", "lines[0].unit_gross", "lines[0].vat_rate"}},
		{"advances on standalone", func(i *Invoice) { i.Advances = []Advance{{Number: "A", IssueDate: day}} }, []string{"advances"}},
		{"final with unbalanced advance", func(i *Invoice) {
			i.Kind = KindFinal
			i.Advances = []Advance{{Number: "A", IssueDate: day, Rates: []RateTotal{{1900, 1, 1, 3}}}}
		}, []string{"advances[0].rates[0]"}},
		{"final advance without number", func(i *Invoice) {
			i.Kind = KindFinal
			i.Advances = []Advance{{Rates: []RateTotal{{1900, 1, 1, 2}}}}
		}, []string{"advances[0].number", "advances[0].issue_date"}},
		{"credit note without reference", func(i *Invoice) { i.Kind = KindCreditNote }, []string{"corrects"}},
		{"credit note with reference", func(i *Invoice) {
			i.Kind = KindCreditNote
			i.Corrects = &Reference{Number: "RE-2026-000001", IssueDate: day}
		}, nil},
		{"reference on invoice", func(i *Invoice) { i.Corrects = &Reference{Number: "X", IssueDate: day} }, []string{"corrects"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := validInvoice()
			tt.mutate(&inv)
			err := Validate(inv)
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("Validate = %v; want an invalid error", err)
			}
			got := errs.Fields(e.Fields)
			for _, f := range tt.fields {
				if !got.Has(f) {
					t.Errorf("missing field error %q in %v", f, e.Fields)
				}
			}
			if len(e.Fields) != len(tt.fields) {
				t.Errorf("got fields %v; want exactly %v", e.Fields, tt.fields)
			}
		})
	}
}
